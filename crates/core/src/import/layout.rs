//! The folder layouts of the migration tools cutover reads.

use std::fmt;
use std::str::FromStr;

use serde::Serialize;

/// How a migration tool names and writes its SQL files.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Layout {
    /// sqlx: `<version>_<name>.sql`, or `<version>_<name>.up.sql` / `.down.sql`; a first
    /// line `-- no-transaction` runs the file outside a transaction.
    Sqlx,
    /// dbmate: `<version>_<name>.sql` with `-- migrate:up` and `-- migrate:down` sections;
    /// `transaction:false` on a marker line runs that section outside a transaction.
    Dbmate,
    /// golang-migrate: `<version>_<name>.up.sql` / `<version>_<name>.down.sql`.
    GolangMigrate,
    /// Flyway: `V<version>__<name>.sql`, undo `U<version>__<name>.sql`, repeatable
    /// `R__<name>.sql` (linted after every versioned migration, in name order).
    Flyway,
    /// Prisma: `<timestamp>_<name>/migration.sql`.
    Prisma,
    /// refinery: `V<version>__<name>.sql` and unversioned `U<version>__<name>.sql` (both
    /// apply changes; refinery has no down migrations).
    Refinery,
}

impl Layout {
    /// Every layout, in the order detection reports candidates.
    pub const ALL: [Layout; 6] = [
        Layout::Sqlx,
        Layout::Dbmate,
        Layout::GolangMigrate,
        Layout::Flyway,
        Layout::Prisma,
        Layout::Refinery,
    ];

    /// `sqlx`, `dbmate`, `golang-migrate`, `flyway`, `prisma` or `refinery`.
    pub fn name(self) -> &'static str {
        match self {
            Layout::Sqlx => "sqlx",
            Layout::Dbmate => "dbmate",
            Layout::GolangMigrate => "golang-migrate",
            Layout::Flyway => "flyway",
            Layout::Prisma => "prisma",
            Layout::Refinery => "refinery",
        }
    }

    /// Whether the tool has down (undo) migrations at all; Prisma and refinery have none.
    pub fn has_down(self) -> bool {
        !matches!(self, Layout::Prisma | Layout::Refinery)
    }

    /// The file names it reads, for messages.
    pub fn pattern(self) -> &'static str {
        match self {
            Layout::Sqlx => "<version>_<name>.sql or <version>_<name>.up.sql / .down.sql",
            Layout::Dbmate => "<version>_<name>.sql with a `-- migrate:up` line",
            Layout::GolangMigrate => "<version>_<name>.up.sql / <version>_<name>.down.sql",
            Layout::Flyway => "V<version>__<name>.sql, U<version>__<name>.sql, R__<name>.sql",
            Layout::Prisma => "<timestamp>_<name>/migration.sql",
            Layout::Refinery => "V<version>__<name>.sql or U<version>__<name>.sql",
        }
    }
}

impl fmt::Display for Layout {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Layout {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let want = s.to_ascii_lowercase().replace('_', "-");
        Layout::ALL
            .into_iter()
            .find(|l| l.name() == want || (want == "golangmigrate" && *l == Layout::GolangMigrate))
            .ok_or_else(|| {
                let names: Vec<&str> = Layout::ALL.iter().map(|l| l.name()).collect();
                format!(
                    "unknown layout `{s}`; expected one of {}, or auto",
                    names.join(", ")
                )
            })
    }
}
