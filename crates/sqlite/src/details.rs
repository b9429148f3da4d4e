//! Reading what a generated baseline needs beyond the schema shape: defaults, check texts,
//! index definitions and the CREATE statements SQLite keeps in `sqlite_schema`.

use cutover_core::backend::Backend;
use cutover_core::schema::{
    CheckDetail, IndexDetail, LiveDetails, ObjectKind, RawObject, ShapeBuilder, catalog,
};

use crate::introspect::{check_clauses, enum_check, is_json_check, lit};

/// The WHERE predicate of a CREATE INDEX statement, if it has one.
fn predicate(sql: &str) -> Option<String> {
    let upper = sql.to_ascii_uppercase();
    let close = sql.rfind(')')?;
    let at = upper[close..].find("WHERE")? + close;
    Some(sql[at + 5..].trim().to_string())
}

/// What the typed step of table `name` (created by `sql`) would not reproduce, and each
/// column's declared type: SQLite keeps the CREATE statement, so copying it is exact.
async fn table_features(
    b: &mut dyn Backend,
    d: &mut LiveDetails,
    name: &str,
    sql: &str,
) -> cutover_core::Result<()> {
    let cols = catalog(
        b,
        &format!(
            "SELECT name, type, hidden, \"notnull\", pk FROM pragma_table_xinfo({})",
            lit(name)
        ),
    )
    .await?;
    let pk_count = cols.iter().filter(|c| c[4] != "0").count();
    for c in &cols {
        if c[2] == "2" || c[2] == "3" {
            d.feature(name, format!("the generated column {}", c[0]));
        }
        let rowid = pk_count == 1 && c[1].eq_ignore_ascii_case("integer");
        if c[4] != "0" && c[3] == "0" && !rowid {
            // The model's keys are NOT NULL everywhere; a typed step would reject the rows
            // (and later rebuilds the NULL keys) this table accepts.
            d.feature(
                name,
                format!("the primary-key column {} that can hold NULL", c[0]),
            );
            d.warnings.push(format!(
                "table {name} is copied as SQL: its primary-key column {} has no NOT NULL (a SQLite rowid table accepts NULL keys there), which a typed create_table cannot express; cutover cannot rebuild it (alter_column, add_foreign_key, ...), so change it with raw `sql` steps limited to sqlite",
                c[0]
            ));
        }
        d.native_types
            .insert((name.to_string(), c[0].clone()), c[1].clone());
    }
    let upper = sql.to_ascii_uppercase();
    let options = upper.rfind(')').map_or("", |at| &upper[at..]);
    // WITHOUT ROWID is in the shape (`TableShape::without_rowid`): the typed step keeps
    // it where `create_table` can express it.
    if options.contains("STRICT") {
        d.feature(name, "STRICT");
    }
    for (word, what) in [
        ("DEFERRABLE", "a DEFERRABLE constraint"),
        ("COLLATE", "a collation"),
        ("ON CONFLICT", "an ON CONFLICT clause"),
        ("MATCH ", "a MATCH clause"),
    ] {
        if upper.contains(word) {
            d.feature(name, what);
        }
    }
    Ok(())
}

/// Reads the details of the database file.
pub(crate) async fn details(b: &mut dyn Backend) -> cutover_core::Result<LiveDetails> {
    let mut d = LiveDetails::default();
    let tables = catalog(
        b,
        "SELECT name, sql FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
    )
    .await?;
    for t in tables.iter().filter(|t| !ShapeBuilder::is_internal(&t[0])) {
        let (name, sql) = (&t[0], &t[1]);
        d.table_sql.insert(name.clone(), sql.clone());
        let cols = catalog(
            b,
            &format!("SELECT name, type, dflt_value IS NOT NULL, COALESCE(dflt_value, ''), pk FROM pragma_table_info({}) ORDER BY cid", lit(name)),
        )
        .await?;
        table_features(b, &mut d, name, sql).await?;
        let pk_count = cols.iter().filter(|c| c[4] != "0").count();
        let autoincrement = sql.to_ascii_uppercase().contains("AUTOINCREMENT");
        for c in &cols {
            let key = (name.clone(), c[0].clone());
            let rowid = c[4] != "0" && pk_count == 1 && c[1].eq_ignore_ascii_case("integer");
            if rowid && autoincrement {
                d.identity.insert(key);
            } else if c[2] == "1" {
                d.defaults.insert(key, c[3].clone());
            }
        }
        for (cname, expr) in check_clauses(sql) {
            let key = match cname {
                Some(n) => n,
                None if is_json_check(&expr) || enum_check(&expr).is_some() => continue,
                None => format!("check ({expr})"),
            };
            let check = CheckDetail {
                expr,
                add_sql: None,
            };
            d.checks.insert((name.clone(), key), check);
        }
        let list = catalog(
            b,
            &format!(
                "SELECT l.name, l.\"unique\", l.origin, COALESCE(s.sql, '') FROM pragma_index_list({}) l \
                 LEFT JOIN sqlite_schema s ON s.type = 'index' AND s.name = l.name",
                lit(name)
            ),
        )
        .await?;
        for i in list.iter().filter(|i| i[2] != "pk") {
            let keys = catalog(
                b,
                &format!("SELECT COALESCE(name, ''), cid FROM pragma_index_xinfo({}) WHERE key = 1 ORDER BY seqno", lit(&i[0])),
            )
            .await?;
            let detail = IndexDetail {
                unique: i[1] == "1",
                parts: keys.iter().map(|k| k[0].clone()).collect(),
                has_expression: keys.iter().any(|k| k[1] == "-2"),
                predicate: predicate(&i[3]),
                sql: i[3].clone(),
                backs_constraint: i[2] == "u",
                native_only: None,
            };
            d.indexes.insert((name.clone(), i[0].clone()), detail);
        }
    }
    for r in catalog(
        b,
        "SELECT type, name, sql FROM sqlite_schema WHERE type IN ('view', 'trigger') ORDER BY rowid",
    )
    .await?
    {
        let kind = if r[0] == "view" {
            ObjectKind::View
        } else {
            ObjectKind::Trigger
        };
        d.objects.push(RawObject {
            used_by: Vec::new(),
            kind,
            name: r[1].clone(),
            sql: r[2].clone(),
        });
    }
    Ok(d)
}

#[cfg(test)]
mod tests {
    use super::predicate;

    #[test]
    fn finds_the_predicate_after_the_key_list() {
        assert_eq!(
            predicate("CREATE INDEX i ON t (a, b) WHERE deleted_at IS NULL").as_deref(),
            Some("deleted_at IS NULL")
        );
        assert_eq!(predicate("CREATE INDEX i ON t (lower(a))"), None);
    }
}
