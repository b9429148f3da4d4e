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
fn print_all() {
    for src in [
        "v = 'X'",
        "v <> 'X'",
        "v = w",
        "v IN ('X', 'Y')",
        "v NOT IN ('X', 'Y')",
        "v IN (SELECT w FROM other)",
        "CASE v WHEN 'X' THEN 1 ELSE 0 END",
        "CASE code WHEN 'X' THEN 1 ELSE 0 END",
        "code IN ('X', 'Y')",
        "code = v",
        "v = 1",
        "v LIKE 'X%'",
    ] {
        for d in [Dialect::Mysql, Dialect::Postgres] {
            println!("{src} [{d:?}] => {}", sql(src, d));
        }
    }
}
