//! Golden tests of the expression language: exact SQL per dialect, and exact error messages.
//!
//! Real-database evaluation of the same renderings lives in `tests/tests/expr_eval.rs`.

mod errors;
mod functions;
mod operators;
mod typing;

use crate::dialect::Dialect;
use crate::error::Error;
use crate::expr::Expression;

/// Asserts the rendering of `src` on Postgres, MySQL and SQLite.
#[track_caller]
fn golden(src: &str, postgres: &str, mysql: &str, sqlite: &str) {
    let e = Expression::parse(src).unwrap_or_else(|err| panic!("{src}: {err}"));
    for (dialect, expected) in [
        (Dialect::Postgres, postgres),
        (Dialect::Mysql, mysql),
        (Dialect::Sqlite, sqlite),
    ] {
        let got = e
            .to_sql(dialect)
            .unwrap_or_else(|err| panic!("{src} on {dialect}: {err}"));
        assert_eq!(got, expected, "{src} on {dialect}");
    }
}

/// Asserts the same rendering on all three dialects.
#[track_caller]
fn golden_all(src: &str, postgres_sqlite: &str, mysql: &str) {
    golden(src, postgres_sqlite, mysql, postgres_sqlite);
}

/// The message of the `Error::Expr` that parsing `src` fails with.
#[track_caller]
fn parse_error(src: &str) -> String {
    match Expression::parse(src) {
        Ok(e) => panic!("{src} parsed: {e:?}"),
        Err(Error::Expr { expr, message }) => {
            assert_eq!(expr, src);
            message
        }
        Err(other) => panic!("{src}: expected Error::Expr, got {other:?}"),
    }
}

/// Asserts that `message` contains every fragment.
#[track_caller]
fn assert_contains(message: &str, fragments: &[&str]) {
    for f in fragments {
        assert!(message.contains(f), "missing `{f}` in: {message}");
    }
}
mod narrowed;
mod stored_text;
