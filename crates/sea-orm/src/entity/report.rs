//! The differences [`check_entities`](super::check_entities) reports, and their Display.

use std::fmt;

/// What kind of difference an [`EntityDiff`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum DiffKind {
    /// An entity maps a table the plan does not create.
    TableNotInPlan,
    /// The plan creates a table no entity maps.
    TableWithoutEntity,
    /// An entity has a column the plan's table lacks.
    ColumnNotInPlan,
    /// The plan's table has a column the entity lacks.
    ColumnNotInEntity,
    /// Column types differ (after both were mapped to portable types).
    Type,
    /// One side allows NULL, the other does not.
    Nullability,
    /// Primary-key columns differ.
    PrimaryKey,
    /// A unique column set on one side only.
    Unique,
    /// A foreign key on one side only (or with other actions).
    ForeignKey,
    /// The entity's column is auto-increment and the plan's is not an identity, or the other
    /// way round: an insert with `NotSet` fails, or the entity inserts values the database
    /// means to generate.
    Identity,
    /// Both sides say `uuid`, but sqlx binds a `uuid::Uuid` as 16 bytes while the plan stores
    /// uuids as text (`char(36)` on MySQL, `text` on SQLite): inserts or reads fail.
    UuidStorage,
    /// A `Decimal` entity column on PostgreSQL or MySQL: its field cannot be `rust_decimal`
    /// or `bigdecimal` with this crate, and sqlx refuses an `f64` or `String` for `NUMERIC`
    /// / `DECIMAL` at run time.
    DecimalField,
}

/// One difference between an entity and the plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntityDiff {
    /// The table it concerns.
    pub table: String,
    /// The column, for column-level differences.
    pub column: Option<String>,
    /// What kind of difference.
    pub kind: DiffKind,
    /// A readable description, e.g. `entity says nullable, the plan says NOT NULL`.
    pub detail: String,
}

impl fmt::Display for EntityDiff {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.column {
            Some(column) => write!(f, "{}.{}: {}", self.table, column, self.detail),
            None => write!(f, "{}: {}", self.table, self.detail),
        }
    }
}

/// Every difference [`check_entities`](super::check_entities) found, in a stable order.
/// `Display` prints one per line, so `assert!(diffs.is_empty(), "{diffs}")` explains a failure.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct EntityDiffs(pub Vec<EntityDiff>);

impl EntityDiffs {
    /// Whether entities and plan agree.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The number of differences.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// The differences.
    pub fn iter(&self) -> std::slice::Iter<'_, EntityDiff> {
        self.0.iter()
    }

    /// The kinds of the differences of `table`, for assertions.
    pub fn kinds_of(&self, table: &str) -> Vec<DiffKind> {
        self.0
            .iter()
            .filter(|d| d.table == table)
            .map(|d| d.kind)
            .collect()
    }
}

impl<'a> IntoIterator for &'a EntityDiffs {
    type Item = &'a EntityDiff;
    type IntoIter = std::slice::Iter<'a, EntityDiff>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

impl fmt::Display for EntityDiffs {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_empty() {
            return write!(f, "entities match the plan");
        }
        writeln!(
            f,
            "{} difference(s) between the sea-orm entities and the plan:",
            self.0.len()
        )?;
        for d in &self.0 {
            writeln!(f, "  - {d}")?;
        }
        Ok(())
    }
}
