//! Adopting a database another migration tool built: reading that tool's history table
//! and finding the plan migrations it says ran, for `cutover baseline --from-history`.
//!
//! Each tool's table is read with plain SELECTs ([`read_history`]); its rows are mapped to
//! plan versions ([`Adoption::plan`]), refusing with the whole list of problems when a row
//! names a version the plan does not have or says a migration failed (or is dirty). The
//! runner then records exactly those migrations as baselined
//! ([`Runner::baseline_from_history`](crate::runner::Runner::baseline_from_history)).
//!
//! | tool            | table                     | a migration ran when                                   |
//! |-----------------|---------------------------|--------------------------------------------------------|
//! | sqlx            | `_sqlx_migrations`        | its row has `success = true`                           |
//! | refinery        | `refinery_schema_history` | it has a row                                           |
//! | Flyway          | `flyway_schema_history`   | its last row is a successful versioned migration (a `BASELINE` row: every version up to it) |
//! | dbmate          | `schema_migrations`       | it has a row (`version` only)                          |
//! | golang-migrate  | `schema_migrations`       | its version is at most the one row's `version`, which is not `dirty` |
//! | Prisma          | `_prisma_migrations`      | a row has `finished_at` set and `rolled_back_at` unset |
//! | sea-orm         | `seaql_migrations`        | it has a row; `m20220101_000001_name` is version 20220101000001 |
//! | Alembic         | `alembic_version`         | it is the plan migration whose name holds the one row's revision id, or its ancestor along `revises <down_revision>` in the descriptions |

mod alembic;
mod map;
mod read;

use std::fmt;
use std::str::FromStr;

use serde::Serialize;

pub use map::{Adoption, Recorded};
pub use read::{Reach, Record, RecordState, detect, foreign_tables, read_history};

/// A migration tool whose history table cutover reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Tool {
    /// sqlx (`_sqlx_migrations`).
    Sqlx,
    /// refinery (`refinery_schema_history`).
    Refinery,
    /// Flyway (`flyway_schema_history`).
    Flyway,
    /// dbmate (`schema_migrations` with a `version` column only).
    Dbmate,
    /// golang-migrate (`schema_migrations` with `version` and `dirty`).
    GolangMigrate,
    /// Prisma Migrate (`_prisma_migrations`).
    Prisma,
    /// sea-orm-migration (`seaql_migrations`).
    SeaOrm,
    /// Alembic (`alembic_version`).
    Alembic,
}

impl Tool {
    /// Every tool, in the order detection lists them.
    pub const ALL: [Tool; 8] = [
        Tool::Sqlx,
        Tool::Refinery,
        Tool::Flyway,
        Tool::Dbmate,
        Tool::GolangMigrate,
        Tool::Prisma,
        Tool::SeaOrm,
        Tool::Alembic,
    ];

    /// `sqlx`, `refinery`, `flyway`, `dbmate`, `golang-migrate`, `prisma`, `sea-orm`,
    /// `alembic`.
    pub fn name(self) -> &'static str {
        match self {
            Tool::Sqlx => "sqlx",
            Tool::Refinery => "refinery",
            Tool::Flyway => "flyway",
            Tool::Dbmate => "dbmate",
            Tool::GolangMigrate => "golang-migrate",
            Tool::Prisma => "prisma",
            Tool::SeaOrm => "sea-orm",
            Tool::Alembic => "alembic",
        }
    }

    /// The history table the tool keeps (its default name).
    pub fn table(self) -> &'static str {
        match self {
            Tool::Sqlx => "_sqlx_migrations",
            Tool::Refinery => "refinery_schema_history",
            Tool::Flyway => "flyway_schema_history",
            Tool::Dbmate | Tool::GolangMigrate => "schema_migrations",
            Tool::Prisma => "_prisma_migrations",
            Tool::SeaOrm => "seaql_migrations",
            Tool::Alembic => "alembic_version",
        }
    }
}

impl fmt::Display for Tool {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Tool {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let want = s.to_ascii_lowercase().replace('_', "-");
        let alias = match want.as_str() {
            "golangmigrate" | "migrate" => Some(Tool::GolangMigrate),
            "seaorm" | "seaql" | "sea-orm-migration" => Some(Tool::SeaOrm),
            "sqlx-cli" => Some(Tool::Sqlx),
            _ => None,
        };
        alias
            .or_else(|| Tool::ALL.into_iter().find(|t| t.name() == want))
            .ok_or_else(|| {
                let names: Vec<&str> = Tool::ALL.iter().map(|t| t.name()).collect();
                format!("unknown tool `{s}`; expected one of {}", names.join(", "))
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_parse_back_with_aliases() {
        for t in Tool::ALL {
            assert_eq!(t.name().parse::<Tool>(), Ok(t));
        }
        assert_eq!("golang_migrate".parse::<Tool>(), Ok(Tool::GolangMigrate));
        assert_eq!("seaql".parse::<Tool>(), Ok(Tool::SeaOrm));
        assert!(
            "liquibase"
                .parse::<Tool>()
                .unwrap_err()
                .contains("expected one of sqlx")
        );
    }
}
