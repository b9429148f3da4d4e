//! Text comparisons with a column the plan cannot type (raw SQL, adopted tables): on MySQL
//! the comparison as written (its index serves it) AND the exact one, which decides unless
//! the live column is not text (`COLLATION(x) = 'binary'`). PostgreSQL and SQLite keep the
//! comparison as written.

use crate::dialect::Dialect;
use crate::expr::{ColumnRef, Expression, Lookup, ValueKind};

/// `v` and `w` are columns of a table the plan does not define; `code` a stored text column.
fn scope(c: &ColumnRef) -> Lookup {
    match c.column.as_str() {
        "code" => Lookup::Stored(ValueKind::Text),
        "n" => Lookup::Stored(ValueKind::Integer),
        _ => Lookup::Unknown,
    }
}

fn sql(src: &str, d: Dialect) -> String {
    let mut e = Expression::parse(src).expect("parses");
    e.typecheck(&scope).unwrap_or_else(|m| panic!("{src}: {m}"));
    e.to_sql(d).unwrap_or_else(|m| panic!("{src}: {m}"))
}

#[test]
fn an_untyped_column_compares_as_written_and_exactly_unless_not_text() {
    let exact = "(COLLATION(`v`) = 'binary') OR (CAST(CONVERT(`v` USING utf8mb4) AS BINARY))";
    for (src, mysql, postgres) in [
        (
            "v = 'X'",
            format!("`v` = 'X' AND ({exact} = 'X')"),
            "\"v\" = 'X'",
        ),
        (
            "v <> 'X'",
            format!("`v` <> 'X' OR (NOT ({exact} = 'X'))"),
            "\"v\" <> 'X'",
        ),
        (
            "v IN ('X', 'Y')",
            format!("`v` IN ('X', 'Y') AND ({exact} IN ('X', 'Y'))"),
            "\"v\" IN ('X', 'Y')",
        ),
        (
            "v NOT IN ('X', 'Y')",
            format!("`v` NOT IN ('X', 'Y') OR (NOT ({exact} IN ('X', 'Y')))"),
            "\"v\" NOT IN ('X', 'Y')",
        ),
        (
            "v IN (SELECT w FROM other)",
            "`v` IN (SELECT `w` FROM `other`) AND ((COLLATION(`v`) = 'binary') OR (`v`, CAST(CONVERT(`v` USING utf8mb4) AS BINARY)) IN (SELECT `w`, CAST(CONVERT(`w` USING utf8mb4) AS BINARY) FROM `other`))"
                .to_string(),
            "\"v\" IN (SELECT \"w\" FROM \"other\")",
        ),
        (
            "CASE v WHEN 'X' THEN 1 ELSE 0 END",
            format!("(CASE WHEN (`v` = 'X' AND ({exact} = 'X')) THEN 1 ELSE 0 END)"),
            "(CASE WHEN (\"v\" = 'X') THEN 1 ELSE 0 END)",
        ),
    ] {
        assert_eq!(sql(src, Dialect::Mysql), mysql, "{src}");
        assert_eq!(sql(src, Dialect::Postgres), postgres, "{src}");
        assert_eq!(sql(src, Dialect::Sqlite), postgres, "{src}");
    }
}

#[test]
fn two_untyped_columns_probe_both() {
    assert_eq!(
        sql("v = w", Dialect::Mysql),
        "`v` = `w` AND ((COLLATION(`v`) = 'binary') OR ((COLLATION(`w`) = 'binary') OR (CAST(CONVERT(`v` USING utf8mb4) AS BINARY)) = (CAST(CONVERT(`w` USING utf8mb4) AS BINARY))))"
    );
}

/// A literal beyond ASCII may be missing from the column's character set (MySQL error 1267):
/// only its bytes are compared.
#[test]
fn a_literal_beyond_ascii_compares_bytes_only() {
    let bytes = "CAST(CONVERT(`v` USING utf8mb4) AS BINARY)";
    let probe = "(COLLATION(`v`) = 'binary')";
    assert_eq!(
        sql("v = 'ā'", Dialect::Mysql),
        format!("({bytes}) = 'ā' AND ({probe} OR ({bytes}) = 'ā')")
    );
    assert_eq!(
        sql("v NOT IN ('ā', 'b')", Dialect::Mysql),
        format!("({bytes}) NOT IN ('ā', 'b') OR (NOT ({probe} OR ({bytes}) IN ('ā', 'b')))")
    );
    assert_eq!(sql("v = 'ā'", Dialect::Postgres), "\"v\" = 'ā'");
}

#[test]
fn numbers_stay_plain() {
    assert_eq!(sql("v = 1", Dialect::Mysql), "`v` = 1");
    assert_eq!(sql("n IN (1, 2)", Dialect::Mysql), "`n` IN (1, 2)");
}

#[test]
fn a_stored_text_column_keeps_its_index_for_in() {
    assert_eq!(
        sql("code IN ('X', 'Y')", Dialect::Mysql),
        "`code` IN ('X', 'Y') AND (CAST(CONVERT(`code` USING utf8mb4) AS BINARY)) IN ('X', 'Y')"
    );
    assert_eq!(
        sql("CASE code WHEN 'X' THEN 1 ELSE 0 END", Dialect::Mysql),
        "(CASE WHEN (`code` = (CONVERT('X' USING utf8mb4) COLLATE utf8mb4_bin) AND (CAST(CONVERT(`code` USING utf8mb4) AS BINARY)) = (CAST(CONVERT('X' USING utf8mb4) AS BINARY))) THEN 1 ELSE 0 END)"
    );
}

/// rtg #3, #4: `nullif` decides with the exact equality on MySQL (PostgreSQL and SQLite keep
/// `NULLIF`); a NULL item in an `IN` list does not drop the exact check of the others.
#[test]
fn nullif_and_in_with_a_null_item_are_exact() {
    let exact = "(COLLATION(`v`) = 'binary') OR (CAST(CONVERT(`v` USING utf8mb4) AS BINARY))";
    assert_eq!(
        sql("nullif(v, 'X')", Dialect::Mysql),
        format!("(CASE WHEN (`v` = 'X' AND ({exact} = 'X')) THEN NULL ELSE `v` END)")
    );
    assert_eq!(
        sql("nullif(v, 'X')", Dialect::Postgres),
        "NULLIF(\"v\", 'X')"
    );
    assert_eq!(sql("nullif(n, 1)", Dialect::Mysql), "NULLIF(`n`, 1)");
    assert_eq!(
        sql("v IN ('X', NULL)", Dialect::Mysql),
        format!("`v` IN ('X', NULL) AND ({exact} IN ('X', NULL))")
    );
    assert_eq!(
        sql("code IN ('X', NULL)", Dialect::Mysql),
        "`code` IN ('X', NULL) AND (CAST(CONVERT(`code` USING utf8mb4) AS BINARY)) IN ('X', NULL)"
    );
}
