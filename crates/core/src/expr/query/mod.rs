//! Portable queries: a SELECT subset (joins, WHERE, GROUP BY, HAVING, aggregates, subqueries,
//! derived tables) parsed once into cutover's IR and rendered per dialect through sea-query.
//! Used by checks' `query` and, as subqueries, inside every expression that may read other
//! rows (`pending`, `where`, `set`, `values`).

mod ast;
mod json_rows;
mod parse;
mod parse_from;
mod render;
mod select_query;
mod typing;
mod walk;

pub(crate) use ast::{AggFunc, Aggregate, Item, Select};
pub(crate) use parse::Place;
pub use select_query::SelectQuery;
pub use typing::Catalog;
pub(crate) use typing::check_select;
