//! The load-time type check: kinds, errors, and the rewrites that make the dialects agree.

use crate::dialect::Dialect;
use crate::expr::{ColumnRef, Expression, Lookup, ValueKind};

/// A table with `n`, `m` (integer), `price` (number) and `title`, `other` (text).
fn scope(c: &ColumnRef) -> Lookup {
    match c.column.as_str() {
        "n" | "m" => Lookup::Found(ValueKind::Integer),
        "price" => Lookup::Found(ValueKind::Number),
        "title" | "other" => Lookup::Found(ValueKind::Text),
        "legacy" => Lookup::Unknown,
        other => Lookup::Missing(format!("no column `{other}`")),
    }
}

fn checked(src: &str) -> (Expression, ValueKind) {
    let mut e = Expression::parse(src).expect("parses");
    let kind = e.typecheck(&scope).unwrap_or_else(|m| panic!("{src}: {m}"));
    (e, kind)
}

fn error(src: &str) -> String {
    let mut e = Expression::parse(src).expect("parses");
    e.typecheck(&scope).expect_err("a type error")
}

#[test]
fn integer_division_is_div_on_mysql_only_when_both_sides_are_integers() {
    let (e, kind) = checked("n / m");
    assert_eq!(kind, ValueKind::Integer);
    // A divisor that may be zero gives NULL everywhere (SQLite's behaviour).
    assert_eq!(
        e.to_sql(Dialect::Mysql).expect("mysql"),
        "`n` DIV NULLIF(`m`, 0)"
    );
    assert_eq!(
        e.to_sql(Dialect::Postgres).expect("pg"),
        "\"n\" / NULLIF(\"m\", 0)"
    );
    assert_eq!(e.to_sql(Dialect::Sqlite).expect("sqlite"), "\"n\" / \"m\"");
    let (e, kind) = checked("price / 2");
    assert_eq!(kind, ValueKind::Number);
    assert_eq!(e.to_sql(Dialect::Mysql).expect("mysql"), "`price` / 2");
    // A column the model cannot see keeps `/`.
    let (e, _) = checked("legacy / 2");
    assert_eq!(e.to_sql(Dialect::Mysql).expect("mysql"), "`legacy` / 2");
}

#[test]
fn text_equality_is_exact_on_mysql() {
    let (e, kind) = checked("title = 'A'");
    assert_eq!(kind, ValueKind::Boolean);
    assert_eq!(
        e.to_sql(Dialect::Mysql).expect("mysql"),
        "(CAST(CONVERT(`title` USING utf8mb4) AS BINARY)) = 'A'"
    );
    assert_eq!(
        e.to_sql(Dialect::Sqlite).expect("sqlite"),
        "\"title\" = 'A'"
    );
    let (e, _) = checked("title <> other");
    assert_eq!(
        e.to_sql(Dialect::Mysql).expect("mysql"),
        "(CAST(CONVERT(`title` USING utf8mb4) AS BINARY)) <> (CAST(CONVERT(`other` USING utf8mb4) AS BINARY))"
    );
    // Numbers are compared as they are.
    let (e, _) = checked("n = 1");
    assert_eq!(e.to_sql(Dialect::Mysql).expect("mysql"), "`n` = 1");
}

#[test]
fn type_errors_name_the_problem() {
    assert!(error("lower(title) / 2").starts_with("arithmetic on text"));
    assert!(error("n = title").contains("of an integer with text"));
    assert!(error("n = 'abc'").contains("of an integer with a string literal"));
    assert!(error("lower(n)").contains("lower() needs text, not an integer"));
    assert!(error("n AND title = 'x'").contains("AND/OR need conditions"));
    assert!(error("CASE WHEN n > 0 THEN 1 ELSE 'x' END").contains("different types"));
    assert_eq!(error("titel = 'x'"), "no column `titel`");
}

#[test]
fn accepted_mixes() {
    assert_eq!(checked("n = '5'").1, ValueKind::Boolean);
    assert_eq!(checked("n + price").1, ValueKind::Number);
    assert_eq!(checked("coalesce(title, 'none')").1, ValueKind::Text);
    assert_eq!(checked("round(price)").1, ValueKind::Integer);
    assert_eq!(checked("legacy + 1").1, ValueKind::Unknown);
    assert_eq!(
        checked("title LIKE 'a%' AND n IS NULL").1,
        ValueKind::Boolean
    );
}
