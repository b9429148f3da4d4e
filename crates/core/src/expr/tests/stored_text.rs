//! Text equalities on columns the plan created: bare on MySQL so their indexes serve them,
//! still exact (case and trailing spaces count) through a comparison of the UTF-8 bytes.

use crate::dialect::Dialect;
use crate::expr::{ColumnRef, Expression, Lookup, ValueKind};

/// `code`, `c.code` and `id` (a uuid) are stored columns; `legacy` is a text column of a
/// table the model cannot vouch for (any collation); `n` is an integer.
fn scope(c: &ColumnRef) -> Lookup {
    match c.column.as_str() {
        "code" => Lookup::Stored(ValueKind::Text),
        "id" => Lookup::Stored(ValueKind::Uuid),
        "legacy" => Lookup::Found(ValueKind::Text),
        "n" => Lookup::Stored(ValueKind::Integer),
        other => Lookup::Missing(format!("no column `{other}`")),
    }
}

fn sql(src: &str, d: Dialect) -> String {
    let mut e = Expression::parse(src).expect("parses");
    e.typecheck(&scope).unwrap_or_else(|m| panic!("{src}: {m}"));
    e.to_sql(d).unwrap_or_else(|m| panic!("{src}: {m}"))
}

#[test]
fn two_stored_columns_compare_bare_and_by_bytes() {
    assert_eq!(
        sql("c.code = o.code", Dialect::Mysql),
        "`c`.`code` = `o`.`code` AND (CAST(CONVERT(`c`.`code` USING utf8mb4) AS BINARY)) = (CAST(CONVERT(`o`.`code` USING utf8mb4) AS BINARY))"
    );
    assert_eq!(
        sql("c.code = o.code", Dialect::Postgres),
        "\"c\".\"code\" = \"o\".\"code\""
    );
    assert_eq!(
        sql("c.code = o.code", Dialect::Sqlite),
        "\"c\".\"code\" = \"o\".\"code\""
    );
}

#[test]
fn the_other_side_takes_the_binary_collation() {
    assert_eq!(
        sql("code = legacy", Dialect::Mysql),
        "`code` = (CONVERT(`legacy` USING utf8mb4) COLLATE utf8mb4_bin) AND (CAST(CONVERT(`code` USING utf8mb4) AS BINARY)) = (CAST(CONVERT(`legacy` USING utf8mb4) AS BINARY))"
    );
    assert_eq!(
        sql("lower(legacy) = code", Dialect::Mysql),
        "(CONVERT(LOWER(`legacy`) USING utf8mb4) COLLATE utf8mb4_bin) = `code` AND (CAST(CONVERT(LOWER(`legacy`) USING utf8mb4) AS BINARY)) = (CAST(CONVERT(`code` USING utf8mb4) AS BINARY))"
    );
    assert_eq!(
        sql("code = 'A'", Dialect::Mysql),
        "`code` = (CONVERT('A' USING utf8mb4) COLLATE utf8mb4_bin) AND (CAST(CONVERT(`code` USING utf8mb4) AS BINARY)) = (CAST(CONVERT('A' USING utf8mb4) AS BINARY))"
    );
}

#[test]
fn inside_or_and_not_the_pair_stays_one_condition() {
    assert_eq!(
        sql("n = 1 OR code = 'A'", Dialect::Mysql),
        "`n` = 1 OR (`code` = (CONVERT('A' USING utf8mb4) COLLATE utf8mb4_bin) AND (CAST(CONVERT(`code` USING utf8mb4) AS BINARY)) = (CAST(CONVERT('A' USING utf8mb4) AS BINARY)))"
    );
    assert_eq!(
        sql("NOT (code = 'A')", Dialect::Mysql),
        "NOT (`code` = (CONVERT('A' USING utf8mb4) COLLATE utf8mb4_bin) AND (CAST(CONVERT(`code` USING utf8mb4) AS BINARY)) = (CAST(CONVERT('A' USING utf8mb4) AS BINARY)))"
    );
}

#[test]
fn other_comparisons_keep_their_rendering() {
    // `<>` cannot use an index anyway; a column the model cannot vouch for is cast.
    assert_eq!(
        sql("code <> legacy", Dialect::Mysql),
        "(CAST(CONVERT(`code` USING utf8mb4) AS BINARY)) <> (CAST(CONVERT(`legacy` USING utf8mb4) AS BINARY))"
    );
    assert_eq!(
        sql("legacy = 'A'", Dialect::Mysql),
        "(CAST(CONVERT(`legacy` USING utf8mb4) AS BINARY)) = 'A'"
    );
    // uuids are canonical lowercase text: compared bare already.
    assert_eq!(sql("a.id = b.id", Dialect::Mysql), "`a`.`id` = `b`.`id`");
}
