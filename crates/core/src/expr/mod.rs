//! Portable expressions: a small SQL-like language written once in plans (backfill `set`,
//! `pending` and `undo`, index `where`, check constraints, `default_expr`) and rendered for
//! PostgreSQL, MySQL/MariaDB and SQLite.
//!
//! Source text is parsed with sqlparser, converted into cutover's own small IR (only the
//! portable vocabulary can be represented) and rendered per dialect into a
//! [`sea_query::Expr`]. Functions whose spelling differs between databases are rendered by
//! [`SqlDialect`](crate::dialect::SqlDialect) methods. The vocabulary, the rendering of every
//! construct and the error messages are documented in `docs/expressions.md`.

mod ast;
mod can_raise;
mod expression;
mod functions;
mod kinds;
mod limits;
mod may_be_null;
mod narrow;
mod parse;
mod parse_calls;
mod parse_operators;
mod query;
mod render;
mod repeatable;
pub(crate) mod sql;
mod typing;

#[cfg(test)]
mod tests;

pub use ast::ColumnRef;
pub use expression::Expression;
pub use kinds::{Lookup, Scope, ValueKind};
pub use limits::{MAX_BYTES, MAX_OPERATORS};
pub use query::{Catalog, SelectQuery};
