//! What a live database holds beyond its [`SchemaShape`](super::SchemaShape): the text of
//! defaults, checks and index expressions, and the SQL of objects outside the schema model
//! (views, functions, triggers). Read by [`Backend::introspect_details`]
//! (crate::backend::Backend::introspect_details) for `cutover baseline --generate`.

use std::collections::{BTreeMap, BTreeSet};

/// One index as the database defines it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct IndexDetail {
    /// Whether it is unique.
    pub unique: bool,
    /// Key parts in order: a column name, or an expression's SQL text.
    pub parts: Vec<String>,
    /// Whether some key part is an expression rather than a column.
    pub has_expression: bool,
    /// The WHERE predicate of a partial index, as the database prints it.
    pub predicate: Option<String>,
    /// The statement that re-creates it on the same dialect.
    pub sql: String,
    /// Whether it backs a constraint (PRIMARY KEY, UNIQUE): then it is not created on its own.
    pub backs_constraint: bool,
}

/// One check constraint as the database defines it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CheckDetail {
    /// The expression, without the `CHECK (...)` wrapper.
    pub expr: String,
    /// The statement that adds it to the existing table, where the dialect can (not SQLite).
    pub add_sql: Option<String>,
}

/// The kind of an object outside the schema model.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ObjectKind {
    /// A view.
    View,
    /// A function or procedure (PostgreSQL trigger functions).
    Function,
    /// A trigger.
    Trigger,
    /// A type (PostgreSQL enum or domain): created only when a table copied as raw SQL uses
    /// it (typed tables create their enum types themselves).
    Type,
}

/// An object outside the schema model, with the SQL that creates it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawObject {
    /// What it is.
    pub kind: ObjectKind,
    /// Its name.
    pub name: String,
    /// The statement that creates it on the same dialect.
    pub sql: String,
    /// The tables that use it (types only).
    pub used_by: Vec<String>,
}

/// The details of a live schema that generating a baseline needs.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct LiveDetails {
    /// Column defaults by `(table, column)`, as the database prints them with dialect-only
    /// decorations removed by the adapter (PostgreSQL's `::type` casts on literals).
    pub defaults: BTreeMap<(String, String), String>,
    /// Columns whose values the database generates (identity, serial, AUTO_INCREMENT,
    /// SQLite's AUTOINCREMENT rowid), by `(table, column)`.
    pub identity: BTreeSet<(String, String)>,
    /// Columns whose declared type the portable type would lose (a PostgreSQL domain), with
    /// that type, by `(table, column)`: their tables are copied as SQL.
    pub lossy_types: BTreeMap<(String, String), String>,
    /// Check constraints by `(table, constraint name)` (the name as the shape has it).
    pub checks: BTreeMap<(String, String), CheckDetail>,
    /// Indexes by `(table, index name)`, the primary key's excluded.
    pub indexes: BTreeMap<(String, String), IndexDetail>,
    /// Foreign-key constraint names by `(table, columns joined with ",")`.
    pub foreign_key_names: BTreeMap<(String, String), String>,
    /// The statement that created each table, where the database keeps one (SQLite), used
    /// when the model cannot express a table.
    pub table_sql: BTreeMap<String, String>,
    /// Whether `table_sql` includes the table's indexes (MySQL's SHOW CREATE TABLE does;
    /// SQLite keeps each index as its own statement).
    pub table_sql_includes_indexes: bool,
    /// Types, functions, views and triggers in an order they can be created in.
    pub objects: Vec<RawObject>,
}
