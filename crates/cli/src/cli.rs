//! Command-line arguments (clap derive; the `///` comments are the help text).

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

pub use crate::adopt_args::ImportArgs;
pub use crate::backfill_args::{
    BackfillCommand, BackfillRetireArgs, BackfillRunArgs, BackfillUndoArgs, BatchOpts,
};
pub use crate::backup_args::{BackupArgs, BackupCommand, BackupVerifyArgs, RestoreArgs};
pub use crate::fleet_args::FleetOpts;
pub use crate::lifecycle_args::{
    DatabaseCommand, DropDatabaseArgs, PlanFormatArgs, PlanFormatFile, SchemaCommand,
    SchemaDumpArgs, WaitArgs,
};

/// Define database migrations and data backfills once; run them tracked, verified and
/// reversible on PostgreSQL, MySQL/MariaDB and SQLite.
#[derive(Debug, Parser)]
#[command(name = "cutover", version, about, long_about = None)]
pub struct Cli {
    /// Options every command takes.
    #[command(flatten)]
    pub global: GlobalOpts,
    /// The command to run.
    #[command(subcommand)]
    pub command: Command,
}

/// Options shared by every command.
#[derive(Debug, Args)]
pub struct GlobalOpts {
    /// The plan directory (default: from cutover.toml, else ./migrations).
    #[arg(long, global = true, value_name = "DIR")]
    pub plan: Option<PathBuf>,
    /// The project file (default: cutover.toml in this directory or a parent).
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Print one machine-readable JSON document instead of text.
    #[arg(long, global = true)]
    pub json: bool,
    /// Log what happens (RUST_LOG overrides).
    #[arg(short, long, global = true)]
    pub verbose: bool,
}

/// Where to connect.
#[derive(Debug, Args, Clone)]
pub struct ConnectOpts {
    /// Database URL: postgres://, mysql://, mariadb://, sqlite://PATH or sqlite::memory:.
    /// Without --database and --target, the DATABASE_URL environment variable is used.
    #[arg(long, value_name = "URL")]
    pub database: Option<String>,
    /// A named target from cutover.toml.
    #[arg(long, value_name = "NAME", conflicts_with = "database")]
    pub target: Option<String>,
    /// Name of the history table (default: from cutover.toml, else cutover_history).
    #[arg(long, value_name = "NAME")]
    pub history_table: Option<String>,
    /// Seconds to wait for the migration lock before giving up (exit code 4).
    #[arg(long, value_name = "SECS", default_value_t = 30.0)]
    pub lock_timeout: f64,
    /// Seconds a DDL statement may wait for a table lock before it is retried.
    #[arg(long, value_name = "SECS", default_value_t = 5.0)]
    pub ddl_lock_timeout: f64,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Start a project here: cutover.toml (commented targets) and an empty plan directory.
    Init(InitArgs),
    /// Write the next migration file, with a commented template for its phase.
    New(NewArgs),
    /// Create or drop the database a URL or target names.
    #[command(subcommand)]
    Database(DatabaseCommand),
    /// Wait until the database accepts connections (containers, CI).
    Wait(WaitArgs),
    /// The live schema (`schema dump [FILE]`), or the JSON Schema of plan files for editors
    /// (`schema plan-format [--config]`).
    #[command(subcommand)]
    Schema(SchemaCommand),
    /// Print the SQL the plan would run, without a database.
    Sql(SqlArgs),
    /// Check the plan for migrations that lock, rewrite or break a production database.
    Lint(LintArgs),
    /// Show applied, pending and failed migrations.
    Status(StatusArgs),
    /// Apply pending migrations.
    Up(UpArgs),
    /// Revert applied migrations, newest first.
    Down(DownArgs),
    /// Check applied migrations' checksums and the plan's order against the database.
    Validate(ConnectOnly),
    /// Re-run the `after` checks and backfill coverage of applied migrations (exit 5 on a
    /// failure); records the result, shown by `status`.
    Verify(VerifyArgs),
    /// Show, without changing anything, the locks, rewrites, rows and query plans of pending
    /// migrations on this database.
    Explain(ExplainArgs),
    /// Mark an existing database as already at VERSION without running anything; with
    /// --from-history, mark what another migration tool's history table says ran.
    Baseline(BaselineArgs),
    /// Convert a folder of another tool's SQL migrations into plan files (raw SQL steps,
    /// versions, names and downs kept).
    Import(ImportArgs),
    /// Accept current checksums of applied migrations and clear failed entries.
    Repair(ConnectOnly),
    /// Apply, verify, revert and re-apply the plan in scratch databases; compare dialects.
    Test(TestArgs),
    /// Compare the live schema with the one its applied migrations build (exit 8 on drift).
    Drift(DriftArgs),
    /// Run, preview, undo and inspect backfills.
    #[command(subcommand)]
    Backfill(BackfillCommand),
    /// Back up the database with its own tools (plus a manifest); `backup verify PATH` checks one.
    Backup(BackupArgs),
    /// Restore a backup into the database, replacing its contents (needs --yes).
    Restore(RestoreArgs),
}

/// `cutover init`.
#[derive(Debug, Args)]
pub struct InitArgs {
    /// How `cutover new` numbers migrations: sequence (0001, 0002, ...) or timestamp.
    #[arg(long, value_name = "SCHEME", default_value = "sequence", value_parser = ["sequence", "timestamp"])]
    pub versions: String,
    /// Start from this existing database: write a baseline migration that rebuilds its schema
    /// and record it as applied there (as `cutover baseline --generate`).
    #[arg(long, value_name = "URL")]
    pub from_database: Option<String>,
}

/// `cutover new`.
#[derive(Debug, Args)]
pub struct NewArgs {
    /// What the migration does, e.g. `add_attachments` or `add attachments`.
    #[arg(required = true, value_name = "NAME")]
    pub name: Vec<String>,
    /// Start from the template of a phase (expand, backfill, contract).
    #[arg(long, value_name = "PHASE", value_parser = crate::backup_args::parse_phase)]
    pub phase: Option<cutover_core::plan::Phase>,
}

/// `cutover sql`.
#[derive(Debug, Args)]
pub struct SqlArgs {
    /// The dialect to render for.
    #[arg(long, value_name = "DIALECT")]
    pub dialect: cutover_core::Dialect,
    /// First version to include.
    #[arg(long, value_name = "VERSION")]
    pub from: Option<String>,
    /// Last version to include.
    #[arg(long, value_name = "VERSION")]
    pub to: Option<String>,
    /// Render the down direction (newest first).
    #[arg(long)]
    pub down: bool,
    /// The history table whose plan this is (default: from cutover.toml, else
    /// cutover_history): it names the dual-write sync triggers.
    #[arg(long, value_name = "NAME")]
    pub history_table: Option<String>,
}

/// `cutover lint`.
#[derive(Debug, Args)]
pub struct LintArgs {
    /// Apply this dialect's rules (repeatable; default: the dialects of cutover.toml, else all).
    #[arg(long, value_name = "DIALECT")]
    pub dialect: Vec<cutover_core::Dialect>,
    /// Print a SARIF 2.1.0 log (for CI pull-request annotations) instead of text.
    #[arg(long, conflicts_with = "json")]
    pub sarif: bool,
    /// Lint a folder of plain SQL migrations written for another tool instead of the plan
    /// (needs exactly one --dialect: the database the SQL is written for).
    #[arg(long, value_name = "DIR")]
    pub sql_dir: Option<std::path::PathBuf>,
    /// The tool the --sql-dir folder was written for: sqlx, dbmate, golang-migrate, flyway,
    /// prisma, refinery, or auto (detect it from the files).
    #[arg(long, value_name = "LAYOUT", default_value = "auto", requires = "sql_dir", value_parser = parse_layout)]
    pub layout: LayoutArg,
    /// Lint for the dialects of the databases of `[groups.NAME]` (once per dialect).
    #[arg(long, value_name = "NAME", conflicts_with_all = ["dialect", "sql_dir", "all_targets"])]
    pub group: Option<String>,
    /// Lint for the dialects of every `[targets.*]` entry (once per dialect).
    #[arg(long, conflicts_with_all = ["dialect", "sql_dir"])]
    pub all_targets: bool,
}

/// `--layout`: a layout, or `auto` (detect it).
#[derive(Debug, Clone, Copy)]
pub struct LayoutArg(pub Option<cutover_core::import::Layout>);

pub(crate) fn parse_layout(s: &str) -> Result<LayoutArg, String> {
    if s.eq_ignore_ascii_case("auto") {
        return Ok(LayoutArg(None));
    }
    s.parse().map(|l| LayoutArg(Some(l)))
}

/// `cutover drift`.
#[derive(Debug, Args)]
pub struct DriftArgs {
    /// Where to connect.
    #[command(flatten)]
    pub connect: ConnectOpts,
    /// Many databases at once (`--group`, `--all-targets`).
    #[command(flatten)]
    pub fleet: FleetOpts,
}

/// Just a connection.
#[derive(Debug, Args)]
pub struct ConnectOnly {
    /// Where to connect.
    #[command(flatten)]
    pub connect: ConnectOpts,
}

/// `cutover status`.
#[derive(Debug, Args)]
pub struct StatusArgs {
    /// Where to connect.
    #[command(flatten)]
    pub connect: ConnectOpts,
    /// Many databases at once (`--group`, `--all-targets`).
    #[command(flatten)]
    pub fleet: FleetOpts,
    /// Exit with code 3 when migrations are pending.
    #[arg(long)]
    pub exit_code: bool,
}

/// `cutover verify`.
#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// Applied migrations to verify (default: every applied migration).
    #[arg(value_name = "VERSION")]
    pub versions: Vec<String>,
    /// Where to connect.
    #[command(flatten)]
    pub connect: ConnectOpts,
}

/// `cutover explain`.
#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// Where to connect.
    #[command(flatten)]
    pub connect: ConnectOpts,
    /// Explain migrations from this version on (with --to: that range, applied or not;
    /// default: the pending migrations).
    #[arg(long, value_name = "VERSION")]
    pub from: Option<String>,
    /// Explain migrations up to this version.
    #[arg(long, value_name = "VERSION")]
    pub to: Option<String>,
    /// Text layout: a table, or Markdown for a pull-request comment (--json for machines).
    #[arg(long, value_enum, default_value_t = ExplainFormat::Table, conflicts_with = "json")]
    pub format: ExplainFormat,
    /// Time the first batch of every backfill in a transaction that is rolled back, for a
    /// duration estimate. It changes no row in the end, but takes row locks, can advance
    /// sequences and writes WAL/undo while it runs.
    #[arg(long)]
    pub sample: bool,
}

/// The layouts of `cutover explain`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ExplainFormat {
    /// A readable table.
    Table,
    /// Markdown, for a pull-request comment.
    Markdown,
}

/// `cutover up`.
#[derive(Debug, Args)]
pub struct UpArgs {
    /// Where to connect.
    #[command(flatten)]
    pub connect: ConnectOpts,
    /// Many databases at once (`--group`, `--all-targets`).
    #[command(flatten)]
    pub fleet: FleetOpts,
    /// Stop after this version.
    #[arg(long, value_name = "VERSION")]
    pub to: Option<String>,
    /// Apply pending migrations that sort before already-applied ones.
    #[arg(long)]
    pub allow_out_of_order: bool,
    /// Run the plan on a database whose cutover history is empty although another tool's
    /// history table is there (without it `up` refuses: adopt it with
    /// `cutover baseline --from-history`).
    #[arg(long)]
    pub ignore_foreign_history: bool,
    /// Apply even when `cutover lint` reports errors for the database's dialect.
    #[arg(long)]
    pub allow_lint_errors: bool,
    /// Create the database first when it does not exist.
    #[arg(long)]
    pub create_database: bool,
    /// Stop before the first migration of a later phase (expand, backfill, contract).
    #[arg(long, value_name = "PHASE", value_parser = crate::backup_args::parse_phase)]
    pub phase: Option<cutover_core::plan::Phase>,
    /// Run contract and destructive migrations without the automatic backup before them
    /// (recorded in their history entries).
    #[arg(long)]
    pub no_backup: bool,
    /// Where the automatic backup goes (default: .cutover/backups beside cutover.toml, else
    /// beside the plan directory).
    #[arg(long, value_name = "DIR", conflicts_with = "no_backup")]
    pub backup_dir: Option<PathBuf>,
    /// Back up the whole database (once per run) before contract and destructive
    /// migrations, instead of only the tables each of them destroys.
    #[arg(long, conflicts_with = "no_backup")]
    pub backup_whole_database: bool,
    /// Apply migrations whose `min_age` soak time has not passed yet. The reason is required
    /// and recorded in their history entries (`cutover status` shows it), e.g.
    /// --ignore-min-age "staging, no traffic to watch".
    #[arg(long, value_name = "REASON", value_parser = parse_reason)]
    pub ignore_min_age: Option<String>,
    /// How backfill steps run.
    #[command(flatten)]
    pub batch: BatchOpts,
}

/// `cutover down`.
#[derive(Debug, Args)]
pub struct DownArgs {
    /// Where to connect.
    #[command(flatten)]
    pub connect: ConnectOpts,
    /// Revert down to (and keep) this version; `0` reverts everything.
    #[arg(long, value_name = "VERSION", conflicts_with = "steps")]
    pub to: Option<String>,
    /// Revert this many migrations (default 1).
    #[arg(long, value_name = "N")]
    pub steps: Option<usize>,
    /// Also revert migrations whose `up` destroyed data (dropped a column or table): their down
    /// cannot bring it back, and reverting earlier backfills can then clear the only copies.
    /// Without it such a migration is refused; restore from the backup instead.
    #[arg(long)]
    pub allow_data_loss: bool,
}

/// `cutover baseline`.
#[derive(Debug, Args)]
pub struct BaselineArgs {
    /// The version the database already has (with --generate: the new baseline's version,
    /// default 0001).
    #[arg(
        required_unless_present_any = ["generate", "from_history"],
        conflicts_with = "from_history"
    )]
    pub version: Option<String>,
    /// Write `<VERSION>_baseline.toml` that rebuilds the live schema (introspected), then
    /// record it as applied, so that `cutover drift` is clean.
    #[arg(long, conflicts_with = "from_history")]
    pub generate: bool,
    /// Mark exactly what another tool's history table says ran: sqlx, refinery, flyway,
    /// dbmate, golang-migrate, prisma, sea-orm or alembic (default: the tool whose table the
    /// database has).
    #[arg(long, value_name = "TOOL", num_args = 0..=1, value_parser = crate::adopt_args::parse_tool)]
    pub from_history: Option<Option<cutover_core::adopt::Tool>>,
    /// With --from-history: show what would be marked, write nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Where to connect.
    #[command(flatten)]
    pub connect: ConnectOpts,
}

/// `cutover test`.
#[derive(Debug, Args)]
pub struct TestArgs {
    /// Servers to test on (a scratch database is created on each and dropped afterwards);
    /// default: every target of cutover.toml.
    #[arg(long = "database", value_name = "URL")]
    pub databases: Vec<String>,
    /// Fixture files with seed rows (repeatable); default: `[test] fixtures` of cutover.toml.
    #[arg(long = "fixtures", value_name = "FILE")]
    pub fixtures: Vec<std::path::PathBuf>,
}

/// A reason given on the command line: some text, not only spaces.
fn parse_reason(s: &str) -> Result<String, String> {
    let t = s.trim();
    if t.is_empty() {
        return Err("give a reason, e.g. --ignore-min-age \"staging, no traffic to watch\": it is recorded in the history".into());
    }
    Ok(t.to_string())
}
