//! `cutover verify`: re-runs the `after` checks and the backfill coverage of applied
//! migrations on demand (a cron job, a deployment's post-step).
//!
//! Read-only except for two bookkeeping writes: the result is recorded per migration in the
//! verification record ([`VerifyRecord`], shown by `status`), and a migration that fails
//! moves its backfills out of `complete` (as the contract gate does, see
//! [`reverify`](super::reverify)), so that the gate refuses the contract until
//! `cutover backfill run` verifies them again. It takes no lock: it never changes the
//! schema or user rows, and must not wait behind a long `up`.

use serde::Serialize;

use super::Runner;
use super::checks::{CheckResult, run_check};
use super::history::EntryState;
use super::now;
use super::transact::is_connection;
use super::verify_record::{LastVerified, VerifyRecord};
use super::verify_running::Running;
use crate::backend::Timeouts;
use crate::backfill::{BackfillSpec, pending_anywhere};
use crate::error::{Error, Result};
use crate::plan::{CheckWhen, Migration, OnFail, Plan, Version};

/// One backfill's coverage in a verification.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BackfillVerification {
    /// Backfill id.
    pub id: String,
    /// Its checkpoint state before this verification.
    pub state: String,
    /// Whether rows are pending again anywhere in its key space (`None`: it has no
    /// `pending` condition to probe, or the probe could not run).
    pub rows_pending: Option<bool>,
}

/// The verification of one applied migration.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MigrationVerification {
    /// Version.
    pub version: Version,
    /// Name.
    pub name: String,
    /// Its `after` checks, in plan order.
    pub checks: Vec<CheckResult>,
    /// Its backfills (retired ones are not re-verified and not listed).
    pub backfills: Vec<BackfillVerification>,
    /// What failed, one line each (empty when it passed).
    pub failures: Vec<String>,
    /// Failed `on_fail = "warn"` checks: reported, not failures.
    pub warnings: Vec<String>,
    /// Whether everything passed.
    pub passed: bool,
    /// Whether a check or probe could not get a lock within the lock timeout (a table was
    /// busy). Such a migration fails this run, but nothing was proven wrong: its result is
    /// not recorded and its backfills stay as they are.
    pub busy: bool,
}

/// The answer of [`Runner::verify`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct VerifyReport {
    /// When it ran, as recorded.
    pub verified_at: String,
    /// One entry per verified migration, oldest first.
    pub migrations: Vec<MigrationVerification>,
    /// Backfills moved out of `complete` by this run.
    pub unverified_backfills: Vec<String>,
    /// Whether every migration passed.
    pub passed: bool,
    /// What this run could not do but did not fail for, e.g. writing the verification
    /// record with a read-only user (the checks still ran and their results stand).
    pub warnings: Vec<String>,
}

impl Runner<'_> {
    /// Re-runs the `after` checks and the backfill coverage (a pending probe over the whole
    /// key space) of the applied migrations `versions` (empty: every applied one), records
    /// the result per migration, and moves the backfills of a failing migration out of
    /// `complete`. An error when a named version is not in the plan or not applied.
    ///
    /// Every query waits at most [`read_timeouts`](Self::read_timeouts) for a lock: a check
    /// on a busy table fails with "could not get a lock within Ns". A backfill another
    /// session is running is reported with its cursor, not failed. When the record cannot be
    /// written (a read-only user), the checks still run and the report says so.
    pub async fn verify(&mut self, versions: &[String]) -> Result<VerifyReport> {
        let timeouts = self.read_timeouts();
        self.backend.set_timeouts(timeouts).await?;
        let entries = self.history.load_if_exists(self.backend).await?;
        let applied = |m: &Migration| {
            entries
                .iter()
                .any(|e| e.version == m.version && e.state == EntryState::Applied)
        };
        let mut targets: Vec<&Migration> = Vec::new();
        for v in versions {
            let m = find_migration(self.plan, v).ok_or_else(|| {
                Error::Other(format!(
                    "verify: no migration {v} in the plan; `cutover status` lists them"
                ))
            })?;
            if !applied(m) {
                return Err(Error::Other(format!(
                    "verify: migration {} is not applied here; verify re-runs the checks of applied migrations (run `cutover up` first)",
                    m.label()
                )));
            }
            targets.push(m);
        }
        if versions.is_empty() {
            targets = self.plan.migrations.iter().filter(|m| applied(m)).collect();
        }
        targets.sort_by(|a, b| a.version.cmp(&b.version));
        targets.dedup_by(|a, b| a.version == b.version);

        let statuses = self.backfill_status().await?;
        let specs = BackfillSpec::all_on(self.plan, Some(self.backend.dialect()), &self.scope())?;
        let record = VerifyRecord::new(&self.options.history_table, self.backend.dialect());
        let at = now();
        let mut report = VerifyReport {
            verified_at: at.clone(),
            migrations: Vec::new(),
            unverified_backfills: Vec::new(),
            passed: true,
            warnings: Vec::new(),
        };
        // A sync trigger that is missing or not the plan's: old-version writes may not reach
        // the target, which the checks below cannot see yet.
        for st in statuses.iter().filter(|s| s.sync_missing || s.sync_altered) {
            report.warnings.push(if st.sync_altered {
                super::sync_health::altered_text(st)
            } else {
                format!(
                    "sync trigger {} of backfill `{id}` ({}) missing: `cutover backfill run {id}` installs it again",
                    super::sync_health::trigger_name(st),
                    st.migration,
                    id = st.id
                )
            });
        }
        let mut recording = match record.ensure(self.backend).await {
            Ok(()) => true,
            Err(e) if is_connection(&e) => return Err(e),
            Err(e) => {
                report.warnings.push(unrecorded(&e));
                false
            }
        };
        for m in targets {
            let mine: Vec<(&BackfillSpec, String)> = specs
                .iter()
                .filter(|s| Version::parse(&s.version).as_ref() == Some(&m.version))
                .filter_map(|s| {
                    let st = statuses.iter().find(|st| st.id == s.id)?;
                    (st.retired.is_none()).then(|| (s, st.state.clone()))
                })
                .collect();
            let v = self.verify_one(m, &mine, timeouts).await?;
            if v.busy {
                report.warnings.push(format!(
                    "{}: not recorded (a table was busy), its backfills left as they are",
                    m.version
                ));
            }
            if !v.passed && !v.busy && recording {
                let unverify = self.unverify(&mine, &mut report.unverified_backfills);
                if let Err(e) = unverify.await {
                    if is_connection(&e) {
                        return Err(e);
                    }
                    report.warnings.push(unrecorded(&e));
                    recording = false;
                }
            }
            let last = LastVerified {
                at: at.clone(),
                passed: v.passed,
                detail: v.failures.join("; "),
            };
            if recording
                && !v.busy
                && let Err(e) = record.write(self.backend, &m.version.text, &last).await
            {
                if is_connection(&e) {
                    return Err(e);
                }
                report.warnings.push(unrecorded(&e));
                recording = false;
            }
            report.passed &= v.passed;
            report.migrations.push(v);
        }
        Ok(report)
    }

    async fn verify_one(
        &mut self,
        m: &Migration,
        backfills: &[(&BackfillSpec, String)],
        timeouts: Timeouts,
    ) -> Result<MigrationVerification> {
        let mut v = MigrationVerification {
            version: m.version.clone(),
            name: m.name.clone(),
            checks: Vec::new(),
            backfills: Vec::new(),
            failures: Vec::new(),
            warnings: Vec::new(),
            passed: true,
            busy: false,
        };
        for c in m
            .checks_for(self.backend.dialect())
            .filter(|c| c.item.when == CheckWhen::After)
        {
            match run_check(self.backend, &c.item).await {
                Ok(r) => {
                    let line = format!(
                        "check `{}` ({}) got {}, expected {}",
                        r.name,
                        m.check_location(&r.name),
                        r.value,
                        r.expected
                    );
                    match (r.passed, r.on_fail) {
                        (true, _) => {}
                        (false, OnFail::Warn) => v.warnings.push(line),
                        (false, _) => v.failures.push(line),
                    }
                    v.checks.push(r);
                }
                Err(e) if is_connection(&e) => return Err(e),
                Err(e) if e.is_timeout() => {
                    v.busy = true;
                    v.failures.push(format!(
                    "check `{}` ({}) could not get a lock within {}s (a table it reads is busy); run verify again later",
                    c.item.name,
                    m.check_location(&c.item.name),
                    timeouts.lock.as_secs_f64()
                ))
                }
                Err(e) => v.failures.push(format!(
                    "check `{}` ({}) cannot run: {e}",
                    c.item.name,
                    m.check_location(&c.item.name)
                )),
            }
        }
        for (spec, state) in backfills {
            let mut rows_pending = None;
            if state == "running" {
                match self.running_backfill(&spec.id).await {
                    Running::Live(cursor) => {
                        v.warnings.push(format!(
                            "backfill `{}` is running ({cursor}): not verified now, run verify again when it finishes",
                            spec.id
                        ));
                        v.backfills.push(BackfillVerification {
                            id: spec.id.clone(),
                            state: state.clone(),
                            rows_pending,
                        });
                        continue;
                    }
                    Running::Interrupted(cursor) => v.failures.push(format!(
                        "backfill `{}` was interrupted ({cursor}); run `cutover backfill run {}` to resume it",
                        spec.id, spec.id
                    )),
                }
            } else if spec.has_pending() {
                match pending_anywhere(self.backend, spec).await {
                    Ok(p) => rows_pending = Some(p),
                    Err(e) if is_connection(&e) => return Err(e),
                    Err(e) if e.is_timeout() => {
                        v.busy = true;
                        v.failures.push(format!(
                        "backfill `{}`: its pending probe could not get a lock within {}s (its table is busy); run verify again later",
                        spec.id,
                        timeouts.lock.as_secs_f64()
                    ))
                    }
                    Err(e) => v.failures.push(format!(
                        "backfill `{}`: its pending probe cannot run: {e}",
                        spec.id
                    )),
                }
            }
            if rows_pending == Some(true) {
                v.failures.push(format!(
                    "backfill `{}` has pending rows (written since it finished); run `cutover backfill run {}`",
                    spec.id, spec.id
                ));
            } else if !matches!(state.as_str(), "done" | "complete" | "running") {
                v.failures.push(format!(
                    "backfill `{}` is {state}; run `cutover backfill run {}`",
                    spec.id, spec.id
                ));
            }
            v.backfills.push(BackfillVerification {
                id: spec.id.clone(),
                state: state.clone(),
                rows_pending,
            });
        }
        v.passed = v.failures.is_empty();
        Ok(v)
    }

    /// Moves `backfills` out of `complete`: their migration failed its verification.
    async fn unverify(
        &mut self,
        backfills: &[(&BackfillSpec, String)],
        out: &mut Vec<String>,
    ) -> Result<()> {
        if backfills.is_empty()
            || !self
                .backend
                .table_exists(&self.scope().state_table())
                .await?
        {
            return Ok(());
        }
        let states = self.states();
        for (spec, state) in backfills {
            states.mark_unverified(self.backend, &spec.id).await?;
            if state == "complete" {
                out.push(spec.id.clone());
            }
        }
        Ok(())
    }

    /// The last verification of every migration, by version text (none before the first
    /// `verify`; creates nothing).
    pub(crate) async fn last_verified(&mut self) -> Result<Vec<(String, LastVerified)>> {
        VerifyRecord::new(&self.options.history_table, self.backend.dialect())
            .load(self.backend)
            .await
    }
}

/// The warning when the verification record cannot be written.
fn unrecorded(e: &Error) -> String {
    format!(
        "the result could not be recorded (the checks ran, their results above stand): {e}; grant this user write access to the history tables, or ignore this for a read-only check"
    )
}

/// Migration `v` of `plan`, as written (`0004`) or by its number (`4`) when exactly one
/// migration has that number, as `explain --from/--to` accept.
pub(super) fn find_migration<'p>(plan: &'p Plan, v: &str) -> Option<&'p Migration> {
    if let Some(m) = plan.get(v) {
        return Some(m);
    }
    let n = Version::parse(v)?.number;
    let mut same = plan.migrations.iter().filter(|m| m.version.number == n);
    let first = same.next()?;
    same.next().is_none().then_some(first)
}
