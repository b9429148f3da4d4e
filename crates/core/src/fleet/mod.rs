//! Fleets: one operation on many databases (`--group NAME`, `--all-targets`).
//!
//! [`run`] schedules one task per target: `canary` targets first (all of them must succeed,
//! else nothing else starts), then the rest with at most `parallel` at once; after
//! `max_failures` failures no new target starts, while the running ones finish. Each task is
//! the normal single-database run (its own connection, history, lock and checkpoints), so a
//! re-run simply continues where every target stands.

mod checks;
mod ops;
mod report;
mod validate;

use std::future::Future;
use std::time::Instant;

use tokio::task::JoinSet;

pub use checks::{backfill_one, dialects_of, drift_one};
pub use ops::{FleetJob, OpenFn, status_one, up_one};
pub use report::{FleetReport, Outcome, TargetResult, TargetStatus};
pub use validate::FleetFlags;

use crate::plan::FleetMember;

/// How a fleet run schedules its targets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FleetOptions {
    /// Targets running at once (at least 1).
    pub parallel: usize,
    /// The first N targets run first; if any of them fails, no other target starts.
    pub canary: usize,
    /// After this many failures no new target starts (`None`: no limit).
    pub max_failures: Option<usize>,
}

impl Default for FleetOptions {
    fn default() -> Self {
        FleetOptions {
            parallel: 4,
            canary: 0,
            max_failures: None,
        }
    }
}

/// Runs `op` once per member as scheduled by `options`; returns one result per member, in
/// member order (members never started are [`TargetStatus::NotStarted`] with the reason).
/// `op` returns the outcome or a one-line error message; a panicking task is a failure too.
pub async fn run<F, Fut>(members: Vec<FleetMember>, options: FleetOptions, op: F) -> FleetReport
where
    F: Fn(FleetMember) -> Fut,
    Fut: Future<Output = std::result::Result<Outcome, String>> + Send + 'static,
{
    let (_keep, stop) = tokio::sync::watch::channel(false);
    run_until(members, options, op, stop).await
}

/// Like [`run`], stopping early when `stop` turns true (Ctrl-C): no new target starts, the
/// running ones finish, and the report is [`FleetReport::interrupted`].
pub async fn run_until<F, Fut>(
    members: Vec<FleetMember>,
    options: FleetOptions,
    op: F,
    mut stop: tokio::sync::watch::Receiver<bool>,
) -> FleetReport
where
    F: Fn(FleetMember) -> Fut,
    Fut: Future<Output = std::result::Result<Outcome, String>> + Send + 'static,
{
    let mut interrupted = false;
    let parallel = options.parallel.max(1);
    let canary = options.canary.min(members.len());
    let mut results: Vec<Option<TargetResult>> = vec![None; members.len()];
    let mut stopped: Option<String> = None;
    let mut failures = 0usize;
    let mut tasks: JoinSet<(usize, f64, std::result::Result<Outcome, String>)> = JoinSet::new();
    let mut ids = std::collections::HashMap::new();
    let mut next = 0usize;
    // Phase 1: canaries (up to `parallel` at once), all finished before anything else starts.
    // Phase 2: everyone else.
    for phase_end in [canary, members.len()] {
        while next < phase_end || !tasks.is_empty() {
            while next < phase_end && tasks.len() < parallel && stopped.is_none() {
                let started = Instant::now();
                let fut = op(members[next].clone());
                let index = next;
                let handle = tasks.spawn(async move {
                    let outcome = fut.await;
                    (index, started.elapsed().as_secs_f64(), outcome)
                });
                ids.insert(handle.id(), (index, started));
                next += 1;
            }
            let joined = tokio::select! {
                joined = tasks.join_next_with_id() => joined,
                () = stop_signal(&mut stop), if !interrupted => {
                    interrupted = true;
                    stopped = Some(
                        "interrupted (Ctrl-C): no new target was started; the running ones finished"
                            .to_string(),
                    );
                    continue;
                }
            };
            let Some(joined) = joined else {
                break;
            };
            let (index, seconds, outcome) = match joined {
                Ok((_, done)) => done,
                Err(e) => {
                    let (index, started) = ids.get(&e.id()).copied().unwrap_or((0, Instant::now()));
                    let seconds = started.elapsed().as_secs_f64();
                    (
                        index,
                        seconds,
                        Err(format!("internal error: the task ended: {e}")),
                    )
                }
            };
            let failed = outcome.as_ref().map_or(true, |o| o.failed.is_some());
            results[index] = Some(TargetResult::new(
                &members[index],
                index < canary,
                seconds,
                outcome,
            ));
            if failed {
                failures += 1;
                if index < canary && stopped.is_none() {
                    stopped = Some(format!(
                        "canary {} failed: no other target was started",
                        members[index].name
                    ));
                } else if options.max_failures.is_some_and(|max| failures >= max)
                    && stopped.is_none()
                {
                    stopped = Some(format!(
                        "{failures} targets failed (--max-failures {}): no new target was started",
                        options.max_failures.unwrap_or(failures)
                    ));
                }
            }
            if stopped.is_some() && next < phase_end && tasks.is_empty() {
                break;
            }
        }
        if stopped.is_some() {
            break;
        }
    }
    let reason = stopped.clone().unwrap_or_default();
    let targets = members
        .iter()
        .zip(results)
        .enumerate()
        .map(|(i, (m, r))| r.unwrap_or_else(|| TargetResult::not_started(m, i < canary, &reason)))
        .collect();
    let mut report = FleetReport::new(targets, stopped);
    report.interrupted = interrupted;
    report
}

/// Resolves when `stop` is (or turns) true; never when its sender is gone.
async fn stop_signal(stop: &mut tokio::sync::watch::Receiver<bool>) {
    loop {
        if *stop.borrow_and_update() {
            return;
        }
        if stop.changed().await.is_err() {
            std::future::pending::<()>().await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn members(n: usize) -> Vec<FleetMember> {
        (0..n)
            .map(|i| FleetMember {
                name: format!("t{i}"),
                url: format!("sqlite://t{i}.db"),
            })
            .collect()
    }

    fn outcome() -> Outcome {
        Outcome {
            version: Some("0002".into()),
            ..Outcome::default()
        }
    }

    async fn fail_on(failing: &'static [&'static str], options: FleetOptions) -> FleetReport {
        run(members(10), options, |m| async move {
            if failing.contains(&m.name.as_str()) {
                Err(format!("{} broke", m.name))
            } else {
                Ok(outcome())
            }
        })
        .await
    }

    #[tokio::test]
    async fn a_failing_canary_stops_everything_else() {
        let options = FleetOptions {
            parallel: 3,
            canary: 2,
            max_failures: None,
        };
        let report = fail_on(&["t1"], options).await;
        let states: Vec<TargetStatus> = report.targets.iter().map(|t| t.status).collect();
        assert_eq!(states[..2], [TargetStatus::Ok, TargetStatus::Failed]);
        assert!(states[2..].iter().all(|s| *s == TargetStatus::NotStarted));
        assert!(
            report
                .stopped
                .as_deref()
                .unwrap_or_default()
                .contains("canary t1")
        );
    }

    #[tokio::test]
    async fn a_failure_after_some_migrations_keeps_its_version_and_stops_the_canary_phase() {
        let options = FleetOptions {
            parallel: 1,
            canary: 1,
            max_failures: None,
        };
        let report = run(members(3), options, |_| async move {
            Ok(Outcome {
                version: Some("0001".into()),
                failed: Some("0002 broke".into()),
                ..Outcome::default()
            })
        })
        .await;
        let first = &report.targets[0];
        assert_eq!(first.status, TargetStatus::Failed);
        assert_eq!(first.version.as_deref(), Some("0001"));
        assert_eq!(first.error.as_deref(), Some("0002 broke"));
        assert_eq!(report.count(TargetStatus::NotStarted), 2);
        assert!(report.versions.is_empty());
    }

    #[tokio::test]
    async fn max_failures_stops_new_starts_only() {
        let options = FleetOptions {
            parallel: 1,
            canary: 0,
            max_failures: Some(2),
        };
        let report = fail_on(&["t2", "t4"], options).await;
        let ok = report.count(TargetStatus::Ok);
        assert_eq!(
            (
                ok,
                report.count(TargetStatus::Failed),
                report.count(TargetStatus::NotStarted)
            ),
            (3, 2, 5)
        );
        assert_eq!(report.targets[5].status, TargetStatus::NotStarted);
    }

    #[tokio::test]
    async fn a_stop_starts_nothing_new_and_lets_running_targets_finish() {
        let (tx, rx) = tokio::sync::watch::channel(false);
        let tx = std::sync::Arc::new(tx);
        let options = FleetOptions {
            parallel: 2,
            canary: 0,
            max_failures: None,
        };
        let report = run_until(
            members(10),
            options,
            move |m| {
                let tx = tx.clone();
                async move {
                    if m.name == "t1" {
                        let _ = tx.send(true);
                    }
                    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                    Ok(outcome())
                }
            },
            rx,
        )
        .await;
        assert!(report.interrupted);
        assert_eq!(report.count(TargetStatus::Ok), 2, "{report:?}");
        assert_eq!(report.count(TargetStatus::NotStarted), 8);
        assert!(
            report
                .stopped
                .as_deref()
                .unwrap_or_default()
                .contains("interrupted")
        );
    }

    #[tokio::test]
    async fn failures_below_the_limit_do_not_stop_others() {
        let report = fail_on(&["t0", "t9"], FleetOptions::default()).await;
        assert_eq!(report.count(TargetStatus::Ok), 8);
        assert_eq!(report.count(TargetStatus::Failed), 2);
        assert_eq!(report.targets[9].error.as_deref(), Some("t9 broke"));
        assert!(report.stopped.is_none());
    }
}
