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
    /// What a typed `create_index` (or unique constraint) would not reproduce, if anything: an
    /// access method, operator class, collation, NULLS ordering, INCLUDE columns, FULLTEXT,
    /// deferrability. Such an index is copied as `sql`.
    pub native_only: Option<String>,
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
    /// A user type (PostgreSQL enum, composite type or domain): every one is created before
    /// the tables, in the order of `objects` with the functions created before the tables.
    Type,
    /// An extension the schema needs (PostgreSQL `CREATE EXTENSION IF NOT EXISTS`), created
    /// before everything else.
    Extension,
    /// A sequence that is not an identity's (PostgreSQL), created before the tables; one a
    /// column owns and takes its default from (a serial, `used_by` names its table) only
    /// when that table is copied as raw SQL (a typed table makes the column an identity).
    Sequence,
    /// A materialized view: created after views, known to drift by nothing.
    MaterializedView,
    /// A privilege a typed `grant` cannot carry (PostgreSQL column-level grants, default
    /// privileges, grants made by a non-owner, run as that grantor): granted last, after every table and typed security step; known to
    /// drift by nothing.
    Privilege,
    /// `ALTER .. OWNER TO` for an object copied as raw SQL whose owner is not the role that
    /// read the schema (PostgreSQL): run after the views and triggers, before the typed
    /// security steps.
    Owner,
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
    /// The tables that use it: a type's columns, a function's defaults, checks or indexes;
    /// for a function a type's check or default needs, `type <name>` (a function nothing
    /// here names is created after the tables); a serial sequence's table.
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
    /// Each column's declared type as the database spells it, with what the portable type
    /// cannot carry (MySQL `unsigned`, character set and collation; a PostgreSQL collation),
    /// by `(table, column)`. A table is typed only if every column's type is what the typed
    /// step renders on the dialect ([`SqlDialect::native_type_matches`]
    /// (crate::dialect::SqlDialect::native_type_matches)); a column missing here is not checked.
    pub native_types: BTreeMap<(String, String), String>,
    /// What the typed `create_table` step would not reproduce, by table: row level security,
    /// partitioning, comments, generated columns, identity options, table options (STRICT,
    /// WITHOUT ROWID), deferrable keys, ... Such a table is copied as the database's SQL.
    pub table_features: BTreeMap<String, Vec<String>>,
    /// Why the baseline must be refused, if it must (objects it can neither type nor copy
    /// faithfully, such as tables in other PostgreSQL schemas).
    pub refusals: Vec<String>,
    /// What the baseline leaves out on purpose and the user must know (tables of other
    /// PostgreSQL schemas): printed by the CLI and written at the top of the file.
    pub warnings: Vec<String>,
    /// The options of each view where the dialect has them (PostgreSQL `reloptions`, empty
    /// when none): the baseline declares them (`view NAME (..)`) so that drift compares them.
    pub view_options: BTreeMap<String, Vec<String>>,
    /// Tables a table must be created after besides those its foreign keys reference (a
    /// PostgreSQL partition or inheritance child after its parents), by table.
    pub depends_on: BTreeMap<String, BTreeSet<String>>,
    /// Row-level security, policies, grants, and the functions and triggers that typed steps
    /// express (PostgreSQL): written as typed steps, not raw SQL.
    pub security: super::LiveSecurity,
}

impl LiveDetails {
    /// Records that the typed step of `table` would not reproduce `feature`.
    pub fn feature(&mut self, table: &str, feature: impl Into<String>) {
        self.table_features
            .entry(table.to_string())
            .or_default()
            .push(feature.into());
    }
}
