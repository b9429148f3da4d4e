//! Plans: a directory of versioned migration files, loaded into a typed model.

mod allow;
mod backfill_set_rules;
mod backfill_table_rules;
mod check_rules;
mod config;
pub(crate) mod default_check;
mod destructive;
mod dialect_limits;
mod dialect_models;
mod group_sources;
mod groups;
mod identifiers;
mod json_schema;
mod load;
mod model;
mod pg_security_checks;
mod plan_wide;
mod raw_losses;
mod read;
mod routines_check;
pub mod scaffold;
mod semantics;
mod soak;
mod source_map;
mod step_columns;
mod subqueries;
mod sync_chain;
mod sync_rules;
mod updated_at_rules;
mod validate;
mod values;
#[cfg(test)]
mod version_tests;

mod test_only;

use std::fmt;
use std::path::{Path, PathBuf};

use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::dialect::Dialect;
use crate::error::Result;
use dialect_limits::Canonical as CanonicalItem;

pub(crate) use destructive::NewTables;
pub(crate) use group_sources::percent_decode;
pub(crate) use load::is_plan_file;
pub(crate) use read::read_text;
pub(crate) use source_map::SourceMap;

pub use allow::Allow;
pub(crate) use config::DEFAULT_HISTORY_TABLE;
pub use config::{Config, Target};
pub use destructive::Loss;
pub use group_sources::DEFAULT_COMMAND_TIMEOUT;
pub use groups::{Command as GroupCommand, FleetMember, Group};
pub use json_schema::SchemaFile;
pub use model::{
    AddCheck, AddColumn, AddForeignKey, AddUnique, AlterColumn, Backfill, Check, CheckConstraint,
    CheckWhen, Column, CompareOp, CreateIndex, CreateTable, Declared, DeleteRows, DialectSql,
    DropColumn, DropConstraint, DropIndex, DropTable, Expect, Explode, FkAction, ForeignKey, Join,
    Literal, OnConflict, OnFail, Phase, References, RenameColumn, RenameTable, ResyncIdentity,
    SqlDown, SqlStep, Step, UniqueConstraint, ValidateConstraint,
};
pub use model::{
    CreateFunction, CreatePolicy, CreateTrigger, DropFunction, DropPolicy, DropTrigger, ForEach,
    FunctionArg, Grant, GrantOn, ObjectRef, PolicyCommand, Privilege, RestoreCaptured, Revoke,
    RowSecurity, ToggleTrigger, TriggerEvent, TriggerMode, TriggerTiming, UpdatedAtTrigger,
    Volatility,
};
pub use soak::{Soak, format_duration, parse_duration};

/// A migration version: the number before the first `_` of the file name.
///
/// Equality, hashing and ordering all use the number only: `0039` and `39` are the same
/// version (the loader refuses two files with the same number).
#[derive(Debug, Clone, Serialize)]
pub struct Version {
    /// The numeric value, used for ordering.
    pub number: u64,
    /// The text as written (`0039`), used for display.
    pub text: String,
}

impl Version {
    /// Parses a version as written in a file name or a `requires` entry.
    pub fn parse(text: &str) -> Option<Version> {
        let t = text.trim();
        if t.is_empty() || !t.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        // The history stores the number as a signed 64-bit integer.
        t.parse::<u64>()
            .ok()
            .filter(|n| *n <= i64::MAX as u64)
            .map(|number| Version {
                number,
                text: t.to_string(),
            })
    }
}

impl PartialEq for Version {
    fn eq(&self, other: &Self) -> bool {
        self.number == other.number
    }
}

impl Eq for Version {}

impl std::hash::Hash for Version {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.number.hash(state);
    }
}

impl PartialOrd for Version {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Version {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.number.cmp(&other.number)
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// An item of a plan file with the line it starts on.
#[derive(Debug, Clone, PartialEq)]
pub struct Located<T> {
    /// The item.
    pub item: T,
    /// 1-based line in the migration file.
    pub line: usize,
    /// Lint suppressions written on the item (steps only); not part of the checksum.
    pub allow: Vec<Allow>,
    /// `dialects = [..]`: the item runs only on these (`None`: on every dialect). For a raw
    /// `sql` step this mirrors [`SqlStep::dialects`].
    pub dialects: Option<Vec<Dialect>>,
}

/// One migration file, parsed and validated.
#[derive(Debug, Clone)]
pub struct Migration {
    /// The version from the file name.
    pub version: Version,
    /// The rest of the file name (`message_attachments`).
    pub name: String,
    /// The file it was loaded from.
    pub path: PathBuf,
    /// What it does.
    pub description: String,
    /// Versions that must be applied before this one.
    pub requires: Vec<Version>,
    /// Rollout phase, if any.
    pub phase: Option<Phase>,
    /// Whether the migration runs in one transaction (where the dialect allows).
    pub transaction: bool,
    /// The steps, in order.
    pub steps: Vec<Located<Step>>,
    /// Explicit down steps; `None` means "derive from the up steps".
    pub down: Option<Vec<Located<Step>>>,
    /// Pre- and post-conditions.
    pub checks: Vec<Located<Check>>,
    /// Lint suppressions for the whole migration (top-level `allow`); not part of the checksum.
    pub allow: Vec<Allow>,
    /// `test_only = true`: loaded by `cutover test` only, never by `up` (see
    /// [`Plan::test_only`]); not part of the checksum.
    pub test_only: bool,
    /// `min_age`: how long the migrations it soaks after must have been applied before `up`
    /// applies it (see [`Soak`]); not part of the checksum.
    pub soak: Option<Soak>,
    /// SHA-256 (hex) over the canonical form of everything above except the path.
    pub checksum: String,
}

impl Migration {
    /// `0002 (message_attachments)`, for messages.
    pub fn label(&self) -> String {
        format!("{} ({})", self.version, self.name)
    }

    /// `migrations/0002_x.toml:20`: the file and line of check `name`, or the file alone.
    pub fn check_location(&self, name: &str) -> String {
        let line = self
            .checks
            .iter()
            .find(|c| c.item.name == name)
            .map(|c| format!(":{}", c.line))
            .unwrap_or_default();
        format!("{}{line}", self.path.display())
    }

    /// `migrations/0002_x.toml:14`: the file and line of up step `step` (1-based), or the
    /// file alone when there is no such step.
    pub fn step_location(&self, step: usize) -> String {
        let line = step
            .checked_sub(1)
            .and_then(|i| self.steps.get(i))
            .map(|s| format!(":{}", s.line))
            .unwrap_or_default();
        format!("{}{line}", self.path.display())
    }

    /// Computes the checksum over the canonical JSON form of the parsed migration.
    pub(crate) fn compute_checksum(&self) -> String {
        #[derive(Serialize)]
        struct Canonical<'a> {
            version: &'a str,
            description: &'a str,
            requires: Vec<&'a str>,
            phase: Option<Phase>,
            transaction: bool,
            steps: Vec<CanonicalItem<'a, Step>>,
            down: Option<Vec<CanonicalItem<'a, Step>>>,
            checks: Vec<CanonicalItem<'a, Check>>,
        }
        let canonical = Canonical {
            version: &self.version.text,
            description: self.description.trim(),
            requires: self.requires.iter().map(|v| v.text.as_str()).collect(),
            phase: self.phase,
            transaction: self.transaction,
            steps: self.steps.iter().map(CanonicalItem::step).collect(),
            down: self
                .down
                .as_ref()
                .map(|d| d.iter().map(CanonicalItem::step).collect()),
            checks: self.checks.iter().map(CanonicalItem::check).collect(),
        };
        let json = serde_json::to_string(&canonical).unwrap_or_default();
        // Line endings inside multi-line strings must not change the checksum.
        let json = json.replace("\\r\\n", "\\n");
        let digest = Sha256::digest(json.as_bytes());
        digest.iter().map(|b| format!("{b:02x}")).collect()
    }
}

/// Options for loading a plan.
#[derive(Debug, Clone)]
pub struct LoadOptions {
    /// Dialects every expression and step must render for (default: all three).
    pub dialects: Vec<Dialect>,
}

impl Default for LoadOptions {
    fn default() -> Self {
        LoadOptions {
            dialects: Dialect::ALL.to_vec(),
        }
    }
}

/// A plan file given as text instead of read from disk (an embedded plan, see
/// [`crate::embed`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Source<'a> {
    /// The file's path as errors name it, e.g. `migrations/0001_create_users.toml`; its file
    /// name gives the version and name as on disk. Files not ending in `.toml`, and
    /// `cutover.toml`, are ignored like in a directory.
    pub path: &'a str,
    /// The file's contents.
    pub text: &'a str,
}

/// A loaded plan: its migrations in version order.
#[derive(Debug, Clone)]
pub struct Plan {
    /// The plan directory.
    pub dir: PathBuf,
    /// Migrations sorted by version.
    pub migrations: Vec<Migration>,
    /// Test-only migrations (`test_only = true`), sorted by version: never applied, listed
    /// or recorded on a real database; `cutover test` runs them in version order among the
    /// others ([`Plan::with_test_only`]).
    pub test_only: Vec<Migration>,
}

impl Plan {
    /// Loads and validates every migration in `dir` for all three dialects.
    pub fn load(dir: &Path) -> Result<Plan> {
        Self::load_with(dir, &LoadOptions::default())
    }

    /// Loads and validates every migration in `dir`.
    pub fn load_with(dir: &Path, options: &LoadOptions) -> Result<Plan> {
        load::load_plan(dir, options)
    }

    /// Loads and validates a plan from files given as text, with the same checks, error
    /// messages (`path:line`) and checksums as [`Plan::load_with`] on a directory holding
    /// the same files. `dir` becomes [`Plan::dir`] (where backups go by default).
    pub fn from_sources(dir: &Path, sources: &[Source<'_>], options: &LoadOptions) -> Result<Plan> {
        load::load_sources(dir, sources, options)
    }

    /// The plan `cutover test` runs: the migrations and the test-only ones, in version order.
    pub fn with_test_only(&self) -> Plan {
        let mut migrations: Vec<Migration> = self
            .migrations
            .iter()
            .chain(&self.test_only)
            .cloned()
            .collect();
        migrations.sort_by(|a, b| a.version.cmp(&b.version));
        Plan {
            dir: self.dir.clone(),
            migrations,
            test_only: Vec::new(),
        }
    }

    /// The migration with this version, if any.
    pub fn get(&self, version: &str) -> Option<&Migration> {
        let v = Version::parse(version)?;
        self.migrations.iter().find(|m| m.version == v)
    }
}
