//! [`Migrator`]: `up`, `status` and `backfill run` of one plan on one database.

use crate::backend::Backend;
use crate::backfill::Connector;
use crate::embed::EmbeddedPlan;
use crate::error::{Error, Result};
use crate::plan::Plan;
use crate::runner::{
    BackfillOutcome, BackfillStatus, Event, Reporter, RunReport, Runner, Silent, StatusReport,
    Target,
};

use super::log::Log;
use super::options::{LintGate, MigratorOptions};

/// Applies one plan to one database from a Rust application, with the policy of the CLI:
/// [`up`](Migrator::up) is `cutover up`, [`status`](Migrator::status) is `cutover status`,
/// [`backfill`](Migrator::backfill) is `cutover backfill run ID`.
///
/// ```no_run
/// # async fn run(backend: Box<dyn cutover_core::backend::Backend>) -> cutover_core::Result<()> {
/// use cutover_core::app::Migrator;
/// use cutover_core::plan::Plan;
///
/// let plan = Plan::load(std::path::Path::new("migrations"))?;
/// let mut migrator = Migrator::new(plan, backend);
/// let report = migrator.up().await?;
/// println!("applied {} migrations", report.migrations.len());
/// migrator.close().await?;
/// # Ok(()) }
/// ```
pub struct Migrator {
    plan: Plan,
    backend: Box<dyn Backend>,
    options: MigratorOptions,
    reporter: Box<dyn Reporter>,
    connector: Option<Box<Connector>>,
}

impl Migrator {
    /// A migrator for `plan` on `backend` with the default [`MigratorOptions`] and the
    /// [`Log`] reporter.
    pub fn new(plan: Plan, backend: Box<dyn Backend>) -> Migrator {
        Migrator {
            plan,
            backend,
            options: MigratorOptions::default(),
            reporter: Box::new(Log),
            connector: None,
        }
    }

    /// Loads `embedded` and returns a migrator for it on `backend`, with the history table
    /// of its `cutover.toml` (if it embeds one).
    pub fn embedded(embedded: &EmbeddedPlan, backend: Box<dyn Backend>) -> Result<Migrator> {
        let options = MigratorOptions::from_config(&embedded.config()?);
        Ok(Migrator::new(embedded.load()?, backend).with_options(options))
    }

    /// Replaces the options.
    pub fn with_options(mut self, options: MigratorOptions) -> Migrator {
        self.options = options;
        self
    }

    /// Replaces the reporter that receives progress events ([`Silent`] for none).
    pub fn with_reporter(mut self, reporter: Box<dyn Reporter>) -> Migrator {
        self.reporter = reporter;
        self
    }

    /// Lets backfills open more connections to the same database, for
    /// `options.runner.backfill.workers > 1`; without one they run on one connection.
    pub fn with_connector(mut self, connector: Box<Connector>) -> Migrator {
        self.connector = Some(connector);
        self
    }

    /// The plan.
    pub fn plan(&self) -> &Plan {
        &self.plan
    }

    /// The options.
    pub fn options(&self) -> &MigratorOptions {
        &self.options
    }

    /// The database connection, e.g. for the application's own first queries.
    pub fn backend(&mut self) -> &mut dyn Backend {
        self.backend.as_mut()
    }

    /// Applies every pending migration: [`up_to`](Migrator::up_to) with [`Target::Latest`].
    pub async fn up(&mut self) -> Result<RunReport> {
        self.up_to(Target::Latest).await
    }

    /// `cutover up [--to V]`: lints the migrations it will apply for the database's dialect
    /// (the applied ones as context) and, with [`LintGate::Refuse`], applies nothing when
    /// they have errors; then takes the migration lock, validates the history (changed
    /// checksums fail with [`Error::ChecksumMismatch`]) and applies the pending migrations
    /// with their checks, the contract gate and backfill steps. Instances that start at
    /// once serialise on the lock: each migration is applied once. With nothing pending it
    /// only reads the history.
    pub async fn up_to(&mut self, target: Target) -> Result<RunReport> {
        self.lint_gate(&target).await?;
        let mut runner = Runner::new(
            self.backend.as_mut(),
            &self.plan,
            self.options.runner.clone(),
            self.reporter.as_ref(),
        );
        if let Some(connector) = &self.connector {
            runner = runner.with_connector(connector.as_ref());
        }
        runner.up(target).await
    }

    /// `cutover status`: every migration of the plan with its state and whether its checksum
    /// still matches, plus the backfills. Creates nothing.
    pub async fn status(&mut self) -> Result<StatusReport> {
        self.runner().status().await
    }

    /// `cutover validate`: [`status`](Migrator::status), failing when applied migrations
    /// changed or are missing, or pending ones are out of order.
    pub async fn validate(&mut self) -> Result<StatusReport> {
        self.runner().validate().await
    }

    /// `cutover backfill status`: each backfill of the plan with its checkpoint.
    pub async fn backfill_status(&mut self) -> Result<Vec<BackfillStatus>> {
        self.runner().backfill_status().await
    }

    /// `cutover backfill run ID`: refuses a retired backfill (unless
    /// `options.runner.backfill.restart`) and one whose earlier migrations are not applied
    /// ([`Error::BackfillNotReady`]); runs or resumes it in batches under its own lock, then
    /// verifies it with its migration's `after` checks.
    pub async fn backfill(&mut self, id: &str) -> Result<BackfillOutcome> {
        let restart = self.options.runner.backfill.restart;
        let mut runner = Runner::new(
            self.backend.as_mut(),
            &self.plan,
            self.options.runner.clone(),
            self.reporter.as_ref(),
        );
        if let Some(connector) = &self.connector {
            runner = runner.with_connector(connector.as_ref());
        }
        runner.ensure_not_retired(id, restart).await?;
        runner.ensure_backfill_ready(id).await?;
        runner.backfill(id).await
    }

    /// Gives the connection back, e.g. to run the application's queries on it.
    pub fn into_backend(self) -> Box<dyn Backend> {
        self.backend
    }

    /// Closes the connection.
    pub async fn close(self) -> Result<()> {
        self.backend.close().await
    }

    fn runner(&mut self) -> Runner<'_> {
        Runner::new(
            self.backend.as_mut(),
            &self.plan,
            self.options.runner.clone(),
            self.reporter.as_ref(),
        )
    }

    /// The lint gate of `up`: the error findings of the migrations not applied yet that
    /// this run applies (up to `--to`'s version, not after).
    async fn lint_gate(&mut self, target: &Target) -> Result<()> {
        let limit = match target {
            Target::Version(v) => v.number,
            Target::Latest => u64::MAX,
        };
        let dialect = self.backend.dialect();
        let done = Runner::new(
            self.backend.as_mut(),
            &self.plan,
            self.options.runner.clone(),
            &Silent,
        )
        .done_versions()
        .await;
        let errors = crate::lint::up_gate(&self.plan, dialect, |m| {
            !done.contains(&m.version.number) && m.version.number <= limit
        });
        if errors.is_empty() {
            return Ok(());
        }
        match self.options.lint {
            LintGate::Refuse => Err(Error::LintFailed {
                dialect,
                findings: errors,
            }),
            LintGate::Warn => {
                for f in &errors {
                    let message = format!("applying despite a lint error: {f}");
                    self.reporter.event(&Event::Warning(&message));
                }
                Ok(())
            }
        }
    }
}
