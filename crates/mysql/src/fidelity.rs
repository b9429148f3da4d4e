//! What a generated baseline must know so that it is never silently wrong: each column's
//! exact declared type (`unsigned`, character set and collation included), what a typed
//! `create_table` would lose (generated columns, ON UPDATE, INVISIBLE, comments, engines and
//! row formats), the stored functions and procedures, and an order views can be created in.

use std::collections::BTreeSet;

use cutover_core::backend::Backend;
use cutover_core::schema::{LiveDetails, ObjectKind, RawObject, ShapeBuilder, catalog};

use crate::details::ident;

// COLUMN_TYPE, with the character set and collation when they are not the database's default.
const NATIVE_TYPES: &str = "SELECT c.table_name, c.column_name, CONCAT(c.column_type, \
      IF(c.collation_name IS NULL OR c.collation_name = s.default_collation_name, '', \
        CONCAT(' character set ', c.character_set_name, ' collate ', c.collation_name))) \
    FROM information_schema.columns c \
    JOIN information_schema.schemata s ON s.schema_name = c.table_schema \
    JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name \
    WHERE c.table_schema = DATABASE() AND t.table_type = 'BASE TABLE'";

const COLUMN_FEATURES: &str = "SELECT c.table_name, c.column_name, c.extra, c.column_comment \
    FROM information_schema.columns c \
    JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name \
    WHERE c.table_schema = DATABASE() AND t.table_type = 'BASE TABLE'";

const TABLE_FEATURES: &str = "SELECT table_name, COALESCE(engine, ''), COALESCE(table_comment, ''), \
    COALESCE(create_options, '') FROM information_schema.tables \
    WHERE table_schema = DATABASE() AND table_type = 'BASE TABLE'";

// Tables whose next AUTO_INCREMENT value is past 1, with their counter column.
const COUNTERS: &str = "SELECT t.table_name, t.auto_increment, c.column_name \
    FROM information_schema.tables t JOIN information_schema.columns c \
      ON c.table_schema = t.table_schema AND c.table_name = t.table_name \
    WHERE t.table_schema = DATABASE() AND t.table_type = 'BASE TABLE' AND t.auto_increment > 1 \
      AND c.extra LIKE '%auto_increment%'";

const ROUTINES: &str = "SELECT routine_name, routine_type FROM information_schema.routines \
    WHERE routine_schema = DATABASE() ORDER BY created, routine_name";

/// `SHOW CREATE ...` output without its `DEFINER=user@host` clause: the account may not
/// exist where the baseline runs, and the creating user is the better default.
fn without_definer(sql: &str) -> String {
    let Some(at) = sql.find(" DEFINER=") else {
        return sql.to_string();
    };
    let rest = &sql[at + 1..];
    let end = rest.find(char::is_whitespace).unwrap_or(rest.len());
    format!("{}{}", &sql[..at], &rest[end..])
}

/// Views in an order where each follows the views its definition names (by their quoted
/// name); a cycle keeps the catalog's order.
pub(crate) fn view_order(mut views: Vec<(String, String)>) -> Vec<(String, String)> {
    let names: BTreeSet<String> = views.iter().map(|(n, _)| n.clone()).collect();
    let mut done: BTreeSet<String> = BTreeSet::new();
    let mut out = Vec::new();
    while !views.is_empty() {
        let ready = views.iter().position(|(n, body)| {
            names
                .iter()
                .filter(|o| *o != n && !done.contains(*o))
                .all(|o| !body.contains(&ident(o)))
        });
        let (name, body) = views.remove(ready.unwrap_or(0));
        done.insert(name.clone());
        out.push((name, body));
    }
    out
}

/// Adds to `d` what keeps the baseline faithful (see the module docs).
pub(crate) async fn read(b: &mut dyn Backend, d: &mut LiveDetails) -> cutover_core::Result<()> {
    for r in catalog(b, NATIVE_TYPES).await? {
        d.native_types
            .insert((r[0].clone(), r[1].clone()), r[2].to_ascii_lowercase());
    }
    for r in catalog(b, COLUMN_FEATURES).await? {
        let extra = r[2].to_ascii_lowercase();
        let column = &r[1];
        if extra.contains("generated") && !extra.contains("default_generated") {
            d.feature(&r[0], format!("the generated column {column}"));
        }
        if extra.contains("on update") {
            d.feature(&r[0], format!("ON UPDATE of column {column}"));
        }
        if extra.contains("invisible") {
            d.feature(&r[0], format!("INVISIBLE of column {column}"));
        }
        if !r[3].is_empty() {
            d.feature(&r[0], format!("the comment of column {column}"));
        }
    }
    for r in catalog(b, TABLE_FEATURES).await? {
        if !r[1].is_empty() && !r[1].eq_ignore_ascii_case("innodb") {
            d.feature(&r[0], format!("ENGINE={}", r[1]));
        }
        if !r[2].is_empty() {
            d.feature(&r[0], "a table comment");
        }
        if !r[3].trim().is_empty() {
            d.feature(&r[0], format!("table options ({})", r[3].trim()));
        }
    }
    // A counter set past the rows (AUTO_INCREMENT=5000 on an empty table) is schema; one
    // that only follows the rows is not.
    for r in catalog(b, COUNTERS).await? {
        let max = catalog(
            b,
            &format!(
                "SELECT COALESCE(MAX({}), 0) FROM {}",
                ident(&r[2]),
                ident(&r[0])
            ),
        )
        .await?;
        let max: i128 = max
            .first()
            .and_then(|row| row.first())
            .and_then(|v| v.parse().ok())
            .unwrap_or(0);
        if r[1].parse::<i128>().is_ok_and(|next| next > max + 1) {
            d.feature(&r[0], format!("AUTO_INCREMENT={}", r[1]));
        }
    }
    for r in catalog(b, ROUTINES).await? {
        if ShapeBuilder::is_internal(&r[0]) {
            continue;
        }
        let kind = if r[1].eq_ignore_ascii_case("procedure") {
            "PROCEDURE"
        } else {
            "FUNCTION"
        };
        let rows = catalog(b, &format!("SHOW CREATE {kind} {}", ident(&r[0]))).await?;
        match rows.into_iter().next().and_then(|row| row.into_iter().nth(2)) {
            Some(sql) if !sql.is_empty() => d.objects.push(RawObject {
                kind: ObjectKind::Function,
                name: r[0].clone(),
                sql: without_definer(&sql),
                used_by: Vec::new(),
            }),
            _ => d.refusals.push(format!(
                "the {} {} cannot be read (SHOW CREATE {kind} gives no body: the user lacks the privilege to see it)",
                kind.to_ascii_lowercase(),
                r[0]
            )),
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::{view_order, without_definer};

    #[test]
    fn the_definer_is_dropped() {
        assert_eq!(
            without_definer("CREATE DEFINER=`root`@`localhost` FUNCTION `f`() RETURNS int"),
            "CREATE FUNCTION `f`() RETURNS int"
        );
        assert_eq!(
            without_definer("CREATE FUNCTION f()"),
            "CREATE FUNCTION f()"
        );
    }

    #[test]
    fn views_follow_the_views_they_read() {
        let v = |n: &str, b: &str| (n.to_string(), b.to_string());
        let order = view_order(vec![v("a", "select * from `b`"), v("b", "select 1")]);
        let names: Vec<&str> = order.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["b", "a"]);
    }
}
