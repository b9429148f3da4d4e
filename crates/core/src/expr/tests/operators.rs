//! Columns, literals, operators, predicates, CASE and CAST.

use super::{golden, golden_all};
use crate::dialect::Dialect;
use crate::expr::{ColumnRef, Expression};

#[test]
fn column_references_are_quoted_per_dialect() {
    golden("media_url", "\"media_url\"", "`media_url`", "\"media_url\"");
    golden(
        "m.media_url",
        "\"m\".\"media_url\"",
        "`m`.`media_url`",
        "\"m\".\"media_url\"",
    );
    golden(
        "\"Mixed Case\"",
        "\"Mixed Case\"",
        "`Mixed Case`",
        "\"Mixed Case\"",
    );
    golden("`tick`", "\"tick\"", "`tick`", "\"tick\"");
}

#[test]
fn literals() {
    // MySQL: a quote or backslash makes a hex literal, whatever NO_BACKSLASH_ESCAPES says.
    golden("'it''s'", "E'it\\'s'", "_utf8mb4 X'69742773'", "'it''s'");
    golden("'a\\b'", "E'a\\\\b'", "_utf8mb4 X'615C62'", "'a\\b'");
    golden_all("'%.mp4'", "'%.mp4'", "'%.mp4'");
    golden_all("42", "42", "42");
    golden_all("-42", "-42", "-42");
    golden_all("1.50", "1.50", "1.50");
    golden_all("-0.5", "-0.5", "-0.5");
    golden_all("2e3", "2e3", "2e3");
    golden_all(
        "9223372036854775808",
        "9223372036854775808",
        "9223372036854775808",
    );
    golden_all(
        "-9223372036854775808",
        "-9223372036854775808",
        "-9223372036854775808",
    );
    golden_all("TRUE", "TRUE", "TRUE");
    golden_all("false", "FALSE", "FALSE");
    golden_all("NULL", "NULL", "NULL");
}

#[test]
fn arithmetic() {
    golden_all("a + 1", "\"a\" + 1", "`a` + 1");
    golden_all("a - 1", "\"a\" - 1", "`a` - 1");
    golden_all("a * 2", "\"a\" * 2", "`a` * 2");
    golden_all("a / 2", "\"a\" / 2", "`a` / 2");
    golden_all("a % 2", "\"a\" % 2", "`a` % 2");
    golden_all("a + b * c", "\"a\" + (\"b\" * \"c\")", "`a` + (`b` * `c`)");
    golden_all(
        "(a + b) * c",
        "(\"a\" + \"b\") * \"c\"",
        "(`a` + `b`) * `c`",
    );
    golden_all(
        "a - (b - c)",
        "\"a\" - (\"b\" - \"c\")",
        "`a` - (`b` - `c`)",
    );
    golden_all("-a", "-(\"a\")", "-(`a`)");
    golden_all("-(a + 1)", "-(\"a\" + 1)", "-(`a` + 1)");
    golden_all("+a", "\"a\"", "`a`");
}

#[test]
fn comparisons() {
    golden_all("a = 1", "\"a\" = 1", "`a` = 1");
    golden_all("a <> 1", "\"a\" <> 1", "`a` <> 1");
    golden_all("a != 1", "\"a\" <> 1", "`a` <> 1");
    golden_all("a < 1", "\"a\" < 1", "`a` < 1");
    golden_all("a <= 1", "\"a\" <= 1", "`a` <= 1");
    golden_all("a > 1", "\"a\" > 1", "`a` > 1");
    golden_all("a >= 1", "\"a\" >= 1", "`a` >= 1");
    golden_all(
        "a + 1 > b * 2",
        "\"a\" + 1 > \"b\" * 2",
        "`a` + 1 > `b` * 2",
    );
}

#[test]
fn boolean_logic_and_parentheses() {
    golden_all(
        "a = 1 AND b = 2",
        "\"a\" = 1 AND \"b\" = 2",
        "`a` = 1 AND `b` = 2",
    );
    golden_all(
        "a = 1 OR b = 2",
        "\"a\" = 1 OR \"b\" = 2",
        "`a` = 1 OR `b` = 2",
    );
    golden_all(
        "a = 1 AND (b = 2 OR c = 3)",
        "\"a\" = 1 AND (\"b\" = 2 OR \"c\" = 3)",
        "`a` = 1 AND (`b` = 2 OR `c` = 3)",
    );
    golden_all(
        "a = 1 OR b = 2 AND c = 3",
        "\"a\" = 1 OR (\"b\" = 2 AND \"c\" = 3)",
        "`a` = 1 OR (`b` = 2 AND `c` = 3)",
    );
    golden_all("NOT a", "NOT \"a\"", "NOT `a`");
    golden_all(
        "NOT (a = 1 OR b = 2)",
        "NOT (\"a\" = 1 OR \"b\" = 2)",
        "NOT (`a` = 1 OR `b` = 2)",
    );
    golden_all(
        "TRUE AND NOT FALSE",
        "TRUE AND (NOT FALSE)",
        "TRUE AND (NOT FALSE)",
    );
}

#[test]
fn predicates() {
    golden_all("a IS NULL", "\"a\" IS NULL", "`a` IS NULL");
    golden_all("a IS NOT NULL", "\"a\" IS NOT NULL", "`a` IS NOT NULL");
    golden_all(
        "a LIKE '%.mp4'",
        "\"a\" LIKE '%.mp4'",
        "`a` LIKE (CONVERT('%.mp4' USING utf8mb4) COLLATE utf8mb4_bin)",
    );
    golden_all(
        "a NOT LIKE 'x%'",
        "\"a\" NOT LIKE 'x%'",
        "`a` NOT LIKE (CONVERT('x%' USING utf8mb4) COLLATE utf8mb4_bin)",
    );
    golden_all("a IN (1, 2, 3)", "\"a\" IN (1, 2, 3)", "`a` IN (1, 2, 3)");
    golden_all(
        "a NOT IN ('x', 'y')",
        "\"a\" NOT IN ('x', 'y')",
        "`a` NOT IN ('x', 'y')",
    );
    golden_all(
        "a BETWEEN 1 AND 10",
        "\"a\" BETWEEN 1 AND 10",
        "`a` BETWEEN 1 AND 10",
    );
    golden_all(
        "a NOT BETWEEN b AND c + 1",
        "\"a\" NOT BETWEEN \"b\" AND \"c\" + 1",
        "`a` NOT BETWEEN `b` AND `c` + 1",
    );
    golden_all(
        "a IS NULL OR a LIKE 'x%' AND b IN (1)",
        "\"a\" IS NULL OR (\"a\" LIKE 'x%' AND \"b\" IN (1))",
        "`a` IS NULL OR (`a` LIKE (CONVERT('x%' USING utf8mb4) COLLATE utf8mb4_bin) AND `b` IN (1))",
    );
}

#[test]
fn case_searched_simple_and_without_else() {
    golden_all(
        "CASE WHEN a > 1 THEN 'big' WHEN a = 1 THEN 'one' ELSE 'small' END",
        "(CASE WHEN (\"a\" > 1) THEN 'big' WHEN (\"a\" = 1) THEN 'one' ELSE 'small' END)",
        "(CASE WHEN (`a` > 1) THEN 'big' WHEN (`a` = 1) THEN 'one' ELSE 'small' END)",
    );
    golden_all(
        "CASE status WHEN 1 THEN 'on' WHEN 2 THEN 'off' ELSE 'unknown' END",
        "(CASE WHEN (\"status\" = 1) THEN 'on' WHEN (\"status\" = 2) THEN 'off' ELSE 'unknown' END)",
        "(CASE WHEN (`status` = 1) THEN 'on' WHEN (`status` = 2) THEN 'off' ELSE 'unknown' END)",
    );
    golden_all(
        "case when a then 1 end",
        "(CASE WHEN (\"a\") THEN 1 END)",
        "(CASE WHEN (`a`) THEN 1 END)",
    );
}

#[test]
fn cast_maps_every_portable_type() {
    let cases = [
        ("integer", "integer", "SIGNED", "INTEGER"),
        ("int", "integer", "SIGNED", "INTEGER"),
        ("bigint", "bigint", "SIGNED", "INTEGER"),
        ("text", "text", "CHAR", "TEXT"),
        ("varchar(20)", "varchar(20)", "CHAR(20)", "TEXT"),
        ("boolean", "boolean", "SIGNED", "INTEGER"),
        ("timestamp", "timestamp", "DATETIME(6)", "TEXT"),
        ("timestamptz", "timestamptz", "DATETIME(6)", "TEXT"),
        ("date", "date", "DATE", "TEXT"),
        ("uuid", "uuid", "CHAR(36)", "TEXT"),
        ("decimal(10,2)", "numeric(10,2)", "DECIMAL(10,2)", "NUMERIC"),
        ("numeric(8, 3)", "numeric(8,3)", "DECIMAL(8,3)", "NUMERIC"),
        ("real", "real", "FLOAT", "REAL"),
        ("double", "double precision", "DOUBLE", "REAL"),
        ("bytes", "bytea", "BINARY", "BLOB"),
    ];
    for (ty, pg, my, sq) in cases {
        golden(
            &format!("CAST(x AS {ty})"),
            &format!("CAST(\"x\" AS {pg})"),
            &format!("CAST(`x` AS {my})"),
            &format!("CAST(\"x\" AS {sq})"),
        );
    }
    golden(
        "CAST(x AS json)",
        "CAST(\"x\" AS jsonb)",
        "JSON_EXTRACT(`x`, '$')",
        "json(\"x\")",
    );
    golden(
        "CAST(a + 1 AS text) = '2'",
        "CAST((\"a\" + 1) AS text) = '2'",
        "CAST((`a` + 1) AS CHAR) = '2'",
        "CAST((\"a\" + 1) AS TEXT) = '2'",
    );
}

#[test]
fn cast_type_method_per_dialect() {
    use crate::types::ColumnType;
    let sql = |d: Dialect, ty| d.sql().cast_type(ty);
    assert_eq!(sql(Dialect::Postgres, ColumnType::Json), "jsonb");
    assert_eq!(sql(Dialect::Mysql, ColumnType::Json), "JSON");
    assert_eq!(sql(Dialect::Sqlite, ColumnType::Json), "TEXT");
    assert_eq!(
        sql(Dialect::Mysql, ColumnType::Decimal(12, 4)),
        "DECIMAL(12,4)"
    );
}

#[test]
fn concat_operator_and_function() {
    golden(
        "a || '-' || b",
        "\"a\" || '-' || \"b\"",
        "CONCAT(`a`, '-', `b`)",
        "(\"a\" || '-') || \"b\"",
    );
    golden(
        "concat(a, b)",
        "\"a\" || \"b\"",
        "CONCAT(`a`, `b`)",
        "\"a\" || \"b\"",
    );
    golden(
        "a || b = 'xy'",
        "(\"a\" || \"b\") = 'xy'",
        "CONCAT(`a`, `b`) = 'xy'",
        "(\"a\" || \"b\") = 'xy'",
    );
    golden(
        "a || (b + 1)",
        "\"a\" || (\"b\" + 1)",
        "CONCAT(`a`, `b` + 1)",
        "\"a\" || (\"b\" + 1)",
    );
}

#[test]
fn columns_are_deduplicated_in_order_of_appearance() {
    let e = Expression::parse(
        "CASE WHEN m.b IS NULL THEN a ELSE concat(b, a, m.b) END || json_text(payload, 'k')",
    )
    .expect("parses");
    let col = |t: Option<&str>, c: &str| ColumnRef {
        table: t.map(str::to_string),
        column: c.to_string(),
    };
    assert_eq!(
        e.columns(),
        vec![
            col(Some("m"), "b"),
            col(None, "a"),
            col(None, "b"),
            col(None, "payload")
        ]
    );
    assert!(
        Expression::parse("now()")
            .expect("parses")
            .columns()
            .is_empty()
    );
}

#[test]
fn source_display_serde_and_check() {
    let src = "media_url <> ''";
    let e = Expression::parse(src).expect("parses");
    assert_eq!(e.source(), src);
    assert_eq!(e.to_string(), src);
    assert_eq!(e, src.parse::<Expression>().expect("parses"));
    for d in Dialect::ALL {
        e.check(d).expect("renders");
    }
    let json = serde_json::to_string(&e).expect("serializes");
    assert_eq!(json, "\"media_url <> ''\"");
    let back: Expression = serde_json::from_str(&json).expect("deserializes");
    assert_eq!(back, e);

    #[derive(serde::Deserialize, Debug)]
    struct Step {
        #[allow(dead_code)]
        set: Expression,
    }
    let err = toml::from_str::<Step>("set = \"lower(a, b)\"").expect_err("bad arity");
    assert!(
        err.to_string().contains(
            "expression `lower(a, b)`: `lower` takes 1 argument, got 2; expected lower(text)"
        ),
        "{err}"
    );
}

#[test]
fn render_embeds_in_sea_query_statements() {
    use sea_query::{Alias, Query};
    let set = Expression::parse("lower(trim(email))").expect("parses");
    let pending =
        Expression::parse("email IS NOT NULL AND email <> lower(trim(email))").expect("parses");
    let mut update = Query::update();
    update
        .table(Alias::new("users"))
        .value(
            Alias::new("email"),
            set.render(Dialect::Postgres).expect("renders"),
        )
        .and_where(pending.render(Dialect::Postgres).expect("renders"));
    assert_eq!(
        Dialect::Postgres.query(&update),
        "UPDATE \"users\" SET \"email\" = LOWER(TRIM(\"email\")) \
         WHERE \"email\" IS NOT NULL AND \"email\" <> LOWER(TRIM(\"email\"))"
    );
}
