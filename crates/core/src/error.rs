//! The error type of cutover-core.

mod constructors;
mod driver_kind;
mod location;
mod messages;

use std::path::PathBuf;

use crate::dialect::Dialect;

pub use driver_kind::DriverErrorKind;
pub use location::Location;
use messages::{checksum_message, lint_message};

/// Result alias used throughout cutover-core.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Every failure cutover-core reports.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A plan file (or `cutover.toml`) could not be read or is malformed.
    #[error("{location}: {message}")]
    Plan {
        /// File and line of the problem.
        location: Location,
        /// What is wrong and how to fix it.
        message: String,
    },

    /// A file or directory could not be read.
    #[error("cannot read {path}: {source}")]
    Io {
        /// The path that failed.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },

    /// A portable expression is malformed or uses something a dialect cannot express.
    #[error("expression `{expr}`: {message}")]
    Expr {
        /// The expression text as written in the plan.
        expr: String,
        /// What is wrong, with the supported alternatives.
        message: String,
    },

    /// An operation cannot be rendered for a dialect.
    #[error("{operation} is not supported on {dialect}: {hint}")]
    Unsupported {
        /// The dialect that cannot do it.
        dialect: Dialect,
        /// The operation, e.g. `alter_column on table "users"`.
        operation: String,
        /// What to do instead.
        hint: String,
    },

    /// An error reported by a database driver.
    #[error("{dialect}: {message}")]
    Driver {
        /// The dialect of the database.
        dialect: Dialect,
        /// The driver's message (never contains a password).
        message: String,
        /// A driver-independent classification, used to decide whether to retry.
        kind: DriverErrorKind,
    },

    /// A database URL is malformed or names an unknown scheme.
    #[error("invalid database url `{url}`: {message}")]
    Url {
        /// The URL with any password masked.
        url: String,
        /// What is wrong.
        message: String,
    },

    /// An error with context added by a caller (migration, step, statement).
    #[error("{context}: {cause}")]
    Context {
        /// What was being done, e.g. `migration 0002 (attachments), statement 3`.
        context: String,
        /// The underlying error (part of this error's message, so not a separate `source`:
        /// printers that walk the chain would show it twice).
        cause: Box<Error>,
    },

    /// A definition captured before a step ran does not have the shape cutover stores for
    /// its object (one `CREATE POLICY`, `GRANT`s, ...): the captured table was changed by
    /// someone else. Nothing of it ran.
    #[error(
        "the captured definition of the {object} kept in `{table}` for migration {version} step {step} is not what cutover captured ({reason}): the table was tampered with, so nothing of it was run; find out who can write `{table}` (cutover revokes every other role's rights on it), restore its rows from a backup or re-create the object by hand and delete the row, then run down again"
    )]
    CapturedTampered {
        /// The captured table.
        table: String,
        /// The migration's version.
        version: String,
        /// The up step that captured it.
        step: usize,
        /// The object's kind and name.
        object: String,
        /// What is wrong with the stored text.
        reason: String,
    },

    /// Another run holds the migration lock.
    #[error(
        "another cutover run holds the {} lock `{key}` (waited {waited_secs:.1}s); retry later or raise --lock-timeout",
        if key.starts_with("cutover-backfill:") { "backfill" } else { "migration" }
    )]
    Locked {
        /// The lock name.
        key: String,
        /// How long this run waited.
        waited_secs: f64,
    },

    /// The migration lock was taken by another run while this run worked (this run's
    /// session was lost or its lock expired): this run stopped before committing more.
    #[error(
        "the migration lock `{key}` was taken by another cutover run while this run worked ({detail}); this run stopped before committing anything more; check `cutover status` and run again once the other run finished"
    )]
    LockLost {
        /// The lock name.
        key: String,
        /// What was about to be committed and what the lock table says.
        detail: String,
    },

    /// The history table already records a migration as applied (or baselined): a second
    /// write for it is refused, so no migration is ever recorded (and run) twice.
    #[error(
        "history table `{table}` already records migration {version} as {state}; refusing to record it again (another run applied it meanwhile?); run `cutover status`"
    )]
    AlreadyRecorded {
        /// The history table.
        table: String,
        /// The migration version.
        version: String,
        /// The recorded state (`applied` or `baselined`).
        state: String,
    },

    /// A check failed.
    #[error("migration {migration}: check `{check}` failed: got {actual}, expected {expected}{}", if *.rolled_back { "; the migration was rolled back" } else { "" })]
    CheckFailed {
        /// The migration label.
        migration: String,
        /// The check name.
        check: String,
        /// The value the query returned.
        actual: String,
        /// The expectation, e.g. `= 0`.
        expected: String,
        /// Whether the migration's changes were rolled back.
        rolled_back: bool,
    },

    /// A migration with `min_age` has not soaked yet: a migration it soaks after was applied
    /// (or its backfill verified) less than `min_age` ago, by the database's clock (exit
    /// code 5, like the contract gate). Boxed: the details are many.
    #[error("{0}")]
    SoakPending(Box<crate::runner::SoakRefusal>),

    /// The contract gate refused a migration: a backfill whose source it destroys is not
    /// complete, or failed its re-verification (exit code 5, like a failed check).
    #[error(
        "refusing migration {migration}: it {why} and runs only after every earlier backfill is complete and verifies again now, but {}; {hint}",
        .problems.join(", ")
    )]
    GateRefused {
        /// The migration label.
        migration: String,
        /// Why it is gated (`is a contract migration`, `destroys data (..)`).
        why: String,
        /// What is wrong, one entry per backfill.
        problems: Vec<String>,
        /// What to do next.
        hint: String,
    },

    /// `down` would revert a migration whose `up` destroyed data, without
    /// [`RunnerOptions::revert_data_loss`](crate::runner::RunnerOptions::revert_data_loss).
    #[error(
        "migration {migration} destroyed data when it ran ({losses}); reverting it cannot bring that data back, and reverting the migrations before it can clear the only copies left (a backfill's undo); {hint}"
    )]
    RevertDataLoss {
        /// The migration.
        migration: String,
        /// What its up destroyed.
        losses: String,
        /// What to do next.
        hint: String,
    },

    /// A backfill was asked to run before the migrations that precede its own are applied.
    #[error(
        "backfill `{id}` of {migration} cannot run yet: {missing} not applied on this database; {hint}"
    )]
    BackfillNotReady {
        /// Backfill id.
        id: String,
        /// The migration holding it.
        migration: String,
        /// The earlier migrations not applied, comma-separated.
        missing: String,
        /// What to do next.
        hint: String,
    },

    /// A backfill's key columns (a declared `key`, or a primary key on a database that lets
    /// one hold NULL: SQLite) are NULL in rows it would change: the keyset walk
    /// (`(k1, k2) > cursor`) never selects them, so it refuses before the first batch.
    #[error(
        "backfill `{id}`: {rows} row(s) in scope have a NULL in key column(s) {key}, so batches walking the key would skip them; {hint}, then run it again (nothing was written)"
    )]
    BackfillNullKey {
        /// Backfill id.
        id: String,
        /// The key columns, comma-separated.
        key: String,
        /// Rows in scope (`where`/`pending`) with a NULL key column.
        rows: u64,
        /// What to do next.
        hint: String,
    },

    /// A backfill that keeps an undo log declares a `key` that no primary key, unique
    /// constraint or unique index of its table covers: the log keeps one row per key value,
    /// so undo could not restore each row exactly. Refused before the first write (and by
    /// `--dry-run`).
    #[error(
        "backfill `{id}` ({migration}): its key ({key}) is not unique on table `{table}` (no primary key, unique constraint or unique index is made of key columns only), so its undo log, one row per key value, could not restore each row exactly; nothing was written: declare `key = [..]` naming columns a unique key covers (or add one), or set `undo_log = false` if the key only orders batches and the backfill needs no exact undo"
    )]
    BackfillKeyNotUnique {
        /// Backfill id.
        id: String,
        /// The migration holding it.
        migration: String,
        /// The backfilled table.
        table: String,
        /// The declared key columns, comma-separated.
        key: String,
    },

    /// A backfill whose `set` writes a column of the key its batches walk by: a changed key
    /// moves the row ahead of the walk's cursor (it is written again by a later batch) and
    /// out of reach of the undo log, which finds rows by their key. Refused before the first
    /// write (and by `--dry-run`).
    #[error(
        "backfill `{id}` ({migration}): `set` writes {columns} of table `{table}`, a column of the key its batches walk by; a changed key moves the row ahead of the walk (a later batch writes it again) and out of reach of the undo log; nothing was written: change key values with an `sql` step, or walk by another unique key (`key = [..]`) that the backfill does not write"
    )]
    BackfillSetsKey {
        /// Backfill id.
        id: String,
        /// The migration holding it.
        migration: String,
        /// The backfilled table.
        table: String,
        /// The key columns `set` writes, quoted and comma-separated.
        columns: String,
    },

    /// `backfill run` of a backfill whose batch key column a later migration that ran
    /// renamed or dropped: its batches walk that column. Refused before anything is changed
    /// (its sync trigger included).
    #[error(
        "backfill `{id}` ({migration}) cannot run: column(s) {key} of its batch key no longer exist, {by} renamed or dropped them (nothing was changed); {hint}"
    )]
    BackfillKeyGone {
        /// Backfill id.
        id: String,
        /// The migration holding it.
        migration: String,
        /// The key columns gone, as `table.column`, comma-separated.
        key: String,
        /// The step that removed them (`migration 0003 (rename), step 1`).
        by: String,
        /// What to do next.
        hint: String,
    },

    /// `backfill run` / `backfill undo` named a retired backfill (exit code 10): a later
    /// applied migration changed what it reads or writes, or `cutover backfill retire`
    /// recorded that it is given up or was finished by other means.
    #[error("backfill `{id}` is retired ({reason}), so it is not run again; {hint}")]
    BackfillRetired {
        /// Backfill id.
        id: String,
        /// Why it is retired.
        reason: String,
        /// What to do next.
        hint: String,
    },

    /// `up` refused to apply migrations with lint errors for the database's dialect
    /// ([`LintGate::Refuse`](crate::app::LintGate::Refuse)); nothing was applied.
    #[error("{}", lint_message(*.dialect, .findings))]
    LintFailed {
        /// The database's dialect.
        dialect: Dialect,
        /// The findings of severity error, in plan order.
        findings: Vec<crate::lint::Finding>,
    },

    /// Applied migrations no longer match their files.
    #[error("{}", checksum_message(.mismatches))]
    ChecksumMismatch {
        /// `(migration label, recorded checksum, current checksum)` for each mismatch.
        mismatches: Vec<(String, String, String)>,
    },

    /// A backfill stopped after its retries; the progress so far is kept in its checkpoint.
    #[error(
        "backfill `{id}` stopped: {cause}; progress so far: {progress}; once the cause is fixed (a lost connection, a timeout or a conflict needs no fix), run it again to resume from the checkpoint"
    )]
    Backfill {
        /// Backfill id.
        id: String,
        /// Rows changed, batches and cursor at the time of the failure.
        progress: String,
        /// The error that stopped it.
        cause: Box<Error>,
    },

    /// A statement that commits on its own (DDL on MySQL, `... CONCURRENTLY` on PostgreSQL)
    /// was interrupted, and whether it took effect cannot be read from the live schema.
    #[error(
        "migration {migration}, statement {statement}/{total} (`{sql}`): the run was interrupted while it ran and it commits on its own, so it may or may not have taken effect; {reason}; look at the database: if it took effect, undo it by hand, then run `{rerun}` again, which runs it"
    )]
    UncertainStatement {
        /// The migration label.
        migration: String,
        /// 1-based index of the statement in the migration.
        statement: usize,
        /// How many statements the migration has.
        total: usize,
        /// The start of the statement.
        sql: String,
        /// Why its effect cannot be checked.
        reason: String,
        /// The command that runs it again (`cutover up`, or `cutover down` for a down
        /// statement).
        rerun: &'static str,
    },

    /// `baseline --from-history` cannot adopt another tool's history: its table is missing,
    /// names versions the plan lacks, or says a migration failed. Nothing was recorded.
    #[error("cannot adopt {what}: {}; {hint}", .problems.join("; "))]
    Adopt {
        /// What was read (`the sqlx history in `_sqlx_migrations``).
        what: String,
        /// Every problem found, one entry each.
        problems: Vec<String>,
        /// What to do next.
        hint: String,
    },

    /// Any other failure with a complete message.
    #[error("{0}")]
    Other(String),

    /// `--max-replica-lag`: a replica cannot be watched (it is not a replica, is a replica
    /// of another database, is of another dialect, or the primary cannot report its
    /// standbys). Found before the first batch; nothing was written.
    #[error("replica {replica}: {problem}; {hint}")]
    Replica {
        /// The replica's URL without password, or the standby's name.
        replica: String,
        /// What is wrong.
        problem: String,
        /// What to do next.
        hint: String,
    },
}
