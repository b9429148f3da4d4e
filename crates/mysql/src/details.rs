//! Reading what a generated baseline needs beyond the schema shape: default and check texts,
//! index definitions, each table's SHOW CREATE TABLE, and the SQL of views and triggers.

use std::collections::BTreeMap;

use cutover_core::backend::Backend;
use cutover_core::schema::{
    CheckDetail, IndexDetail, LiveDetails, ObjectKind, RawObject, ShapeBuilder, catalog,
};

const DEFAULTS: &str = "SELECT table_name, column_name, COALESCE(column_default, ''), extra, \
    (column_default IS NOT NULL AND column_default <> 'NULL')
    FROM information_schema.columns WHERE table_schema = DATABASE() \
    AND table_name IN (SELECT table_name FROM information_schema.tables \
      WHERE table_schema = DATABASE() AND table_type = 'BASE TABLE')";

const CHECKS: &str = "SELECT table_name, constraint_name, check_clause \
    FROM information_schema.check_constraints WHERE constraint_schema = DATABASE()";

const INDEX_COLUMNS: &str = "SELECT table_name, index_name, non_unique, column_name, \
    COALESCE(collation, 'A'), COALESCE(sub_part, ''), index_type FROM information_schema.statistics \
    WHERE table_schema = DATABASE() AND index_name <> 'PRIMARY' \
    ORDER BY table_name, index_name, seq_in_index";

const FOREIGN_KEYS: &str = "SELECT table_name, constraint_name, column_name \
    FROM information_schema.key_column_usage \
    WHERE table_schema = DATABASE() AND referenced_table_name IS NOT NULL \
    ORDER BY table_name, constraint_name, ordinal_position";

const VIEWS: &str = "SELECT table_name, view_definition FROM information_schema.views \
    WHERE table_schema = DATABASE() ORDER BY table_name";

const TRIGGERS: &str = "SELECT trigger_name, event_object_table, action_timing, \
    event_manipulation, action_statement FROM information_schema.triggers \
    WHERE trigger_schema = DATABASE() ORDER BY event_object_table, action_order";

pub(crate) fn ident(name: &str) -> String {
    format!("`{}`", name.replace('`', "``"))
}

/// A MySQL expression with its backtick-quoted identifiers double-quoted, the spelling a
/// portable expression accepts.
fn standard_quotes(expr: &str) -> String {
    let mut out = String::with_capacity(expr.len());
    let mut quote: Option<char> = None;
    for ch in expr.chars() {
        match (quote, ch) {
            (None, '`') => {
                quote = Some('`');
                out.push('"');
            }
            (Some('`'), '`') => {
                quote = None;
                out.push('"');
            }
            (None, '\'') => {
                quote = Some('\'');
                out.push(ch);
            }
            (Some('\''), '\'') => {
                quote = None;
                out.push(ch);
            }
            _ => out.push(ch),
        }
    }
    out
}

/// A default as `information_schema` prints it, in SQL spelling: MariaDB quotes literals and
/// writes functions with parentheses; MySQL 8 leaves literals bare.
fn default_sql(default: &str, extra: &str) -> String {
    let generated = extra.to_ascii_uppercase().contains("DEFAULT_GENERATED");
    if generated
        || default.starts_with('\'')
        || default.ends_with(')')
        || default.parse::<f64>().is_ok()
    {
        default.to_string()
    } else {
        format!("'{}'", default.replace('\'', "''"))
    }
}

/// Reads the details of the connected database.
pub(crate) async fn details(b: &mut dyn Backend) -> cutover_core::Result<LiveDetails> {
    let mut d = LiveDetails {
        table_sql_includes_indexes: true,
        ..LiveDetails::default()
    };
    let db = catalog(b, "SELECT DATABASE()")
        .await?
        .into_iter()
        .next()
        .and_then(|r| r.into_iter().next())
        .unwrap_or_default();
    for r in catalog(b, DEFAULTS).await? {
        if ShapeBuilder::is_internal(&r[0]) {
            continue;
        }
        let key = (r[0].clone(), r[1].clone());
        if r[3].to_ascii_lowercase().contains("auto_increment") {
            d.identity.insert(key);
        } else if r[4] == "1" {
            d.defaults.insert(key, default_sql(&r[2], &r[3]));
        }
    }
    for r in catalog(b, CHECKS).await? {
        // MariaDB's JSON column check is the column's type, not a constraint.
        if r[2].to_ascii_lowercase().starts_with("json_valid(") {
            continue;
        }
        let add_sql = format!(
            "ALTER TABLE {} ADD CONSTRAINT {} CHECK ({})",
            ident(&r[0]),
            ident(&r[1]),
            r[2]
        );
        let check = CheckDetail {
            expr: standard_quotes(&r[2]),
            add_sql: Some(add_sql),
        };
        d.checks.insert((r[0].clone(), r[1].clone()), check);
    }
    let mut parts: BTreeMap<(String, String), (bool, Vec<String>, bool)> = BTreeMap::new();
    let mut kinds: BTreeMap<(String, String), String> = BTreeMap::new();
    for r in catalog(b, INDEX_COLUMNS).await? {
        if r[6] != "BTREE" {
            kinds.insert((r[0].clone(), r[1].clone()), r[6].clone());
        }
        let entry =
            parts
                .entry((r[0].clone(), r[1].clone()))
                .or_insert((r[2] == "0", Vec::new(), false));
        let mut part = ident(&r[3]);
        if !r[5].is_empty() {
            part = format!("{part}({})", r[5]);
            entry.2 = true;
        }
        if r[4] == "D" {
            part.push_str(" DESC");
        }
        entry.1.push(part);
    }
    for ((table, name), (unique, cols, prefix)) in parts {
        // FULLTEXT and SPATIAL are kinds of their own; HASH (MEMORY tables) an access method.
        let kind = kinds.remove(&(table.clone(), name.clone()));
        let keyword = match kind.as_deref() {
            Some(k @ ("FULLTEXT" | "SPATIAL")) => format!("{k} "),
            _ if unique => "UNIQUE ".into(),
            _ => String::new(),
        };
        let sql = format!(
            "CREATE {keyword}INDEX {} ON {} ({})",
            ident(&name),
            ident(&table),
            cols.join(", ")
        );
        let plain = cols
            .iter()
            .map(|c| {
                c.split(" DESC")
                    .next()
                    .unwrap_or(c)
                    .trim_matches('`')
                    .to_string()
            })
            .collect();
        let detail = IndexDetail {
            unique,
            parts: plain,
            has_expression: prefix,
            predicate: None,
            sql,
            // A MySQL unique constraint is its unique index.
            backs_constraint: unique,
            native_only: kind.map(|k| format!("a {k} index")),
        };
        d.indexes.insert((table, name), detail);
    }
    let mut fk_columns: BTreeMap<(String, String), Vec<String>> = BTreeMap::new();
    for r in catalog(b, FOREIGN_KEYS).await? {
        fk_columns
            .entry((r[0].clone(), r[1].clone()))
            .or_default()
            .push(r[2].clone());
    }
    for ((table, name), cols) in fk_columns {
        d.foreign_key_names.insert((table, cols.join(",")), name);
    }
    let tables = catalog(
        b,
        "SELECT table_name FROM information_schema.tables WHERE table_schema = DATABASE() AND table_type = 'BASE TABLE'",
    )
    .await?;
    for r in tables.iter().filter(|r| !ShapeBuilder::is_internal(&r[0])) {
        let rows = catalog(b, &format!("SHOW CREATE TABLE {}", ident(&r[0]))).await?;
        if let Some(sql) = rows
            .into_iter()
            .next()
            .and_then(|row| row.into_iter().nth(1))
        {
            d.table_sql.insert(r[0].clone(), sql);
        }
    }
    crate::fidelity::read(b, &mut d).await?;
    // View definitions name the database: the baseline must build them in another one.
    let qualifier = format!("{}.", ident(&db));
    let views = catalog(b, VIEWS)
        .await?
        .into_iter()
        .map(|r| (r[0].clone(), r[1].replace(&qualifier, "")))
        .collect();
    for (name, body) in crate::fidelity::view_order(views) {
        d.objects.push(RawObject {
            used_by: Vec::new(),
            kind: ObjectKind::View,
            sql: format!("CREATE VIEW {} AS {body}", ident(&name)),
            name,
        });
    }
    for r in catalog(b, TRIGGERS).await? {
        d.objects.push(RawObject {
            used_by: Vec::new(),
            kind: ObjectKind::Trigger,
            name: r[0].clone(),
            sql: format!(
                "CREATE TRIGGER {} {} {} ON {} FOR EACH ROW {}",
                ident(&r[0]),
                r[2],
                r[3],
                ident(&r[1]),
                r[4]
            ),
        });
    }
    Ok(d)
}

#[cfg(test)]
mod tests {
    use super::{default_sql, standard_quotes};

    #[test]
    fn backticks_become_double_quotes_outside_strings() {
        assert_eq!(
            standard_quotes("`price` >= 0 and `s` <> 'a`b'"),
            "\"price\" >= 0 and \"s\" <> 'a`b'"
        );
    }

    #[test]
    fn defaults_in_both_spellings() {
        assert_eq!(default_sql("'active'", ""), "'active'");
        assert_eq!(default_sql("active", ""), "'active'");
        assert_eq!(default_sql("0", ""), "0");
        assert_eq!(
            default_sql("current_timestamp()", ""),
            "current_timestamp()"
        );
        assert_eq!(
            default_sql("CURRENT_TIMESTAMP", "DEFAULT_GENERATED"),
            "CURRENT_TIMESTAMP"
        );
    }
}
