//! `--max-replica-lag` read on the primary alone (PostgreSQL `pg_stat_replication`), for
//! runs that have no replica URLs.
//!
//! A standby's lag is 0 once its replay position has reached the primary's current WAL
//! position (`replay_lag` is NULL then, or stale). While it is behind, the lag is the larger
//! of `replay_lag` and the time since the primary's position first passed the standby's
//! replay position, measured from the positions this watch samples at each check: a standby
//! whose replay stopped then shows a lag that grows, even before its next status message
//! moves `replay_lag`.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use super::replicas::OnUnreachable;
use super::report::{BackfillEvent, BackfillObserver};
use crate::backend::Backend;
use crate::dialect::ReplicaLag;
use crate::error::{Error, Result};

/// Where `--max-replica-lag` reads the lag (`replica_source` of a target in cutover.toml,
/// `--replica-source`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum ReplicaSourceMode {
    /// The replicas' URLs when any are listed, else the primary (PostgreSQL). The default.
    #[default]
    Auto,
    /// Only the listed replica URLs (at least one is required).
    Replicas,
    /// Only the primary's own view of its standbys (PostgreSQL `pg_stat_replication`,
    /// needs `pg_monitor` or superuser); listed replica URLs are not used.
    Primary,
}

/// The name standby waits of this watch use when no standby is listed.
const PRIMARY: &str = "standbys of the primary (pg_stat_replication)";

/// Samples kept at most (one per check; a check every 500 ms is 8 hours).
const MAX_SAMPLES: usize = 60_000;

/// Watches every standby of the primary through the primary itself. Clones share their
/// samples, so parallel workers measure the same lag.
#[derive(Debug, Clone, Default)]
pub struct PrimaryStandbys {
    /// `(when, the primary's WAL position then)`, oldest first, positions increasing.
    samples: Arc<Mutex<VecDeque<(Instant, u64)>>>,
}

impl PrimaryStandbys {
    /// A watch with no samples yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Before the first batch: the dialect can report standbys, and this session may read
    /// their positions.
    pub(super) async fn verify(&self, b: &mut dyn Backend) -> Result<()> {
        let dialect = b.dialect();
        let probe = dialect.replica_lag();
        if probe.primary_standbys_sql().is_none() {
            return Err(Error::Replica {
                replica: "(read on the primary)".into(),
                problem: format!(
                    "a {} primary does not report its replicas' lag",
                    dialect.name()
                ),
                hint: "list the replicas to watch: `replicas = [\"mysql://...\"]` on the target in cutover.toml, or --replica URL".into(),
            });
        }
        let Some(sql) = probe.primary_standbys_privilege_sql() else {
            return Ok(());
        };
        let may = b
            .query(sql)
            .await
            .map_err(|e| e.context("checking that this role may read pg_stat_replication"))?;
        if may.scalar() != Some("true") {
            return Err(Error::Replica {
                replica: PRIMARY.into(),
                problem: "this role cannot read the standbys' positions (pg_stat_replication shows them as NULL without pg_read_all_stats)".into(),
                hint: "grant it: `GRANT pg_monitor TO <role>` (or run as a superuser), or list the replicas' URLs (`replicas = [...]` on the target, or --replica URL)".into(),
            });
        }
        Ok(())
    }

    /// One look at every standby: `Some((standby, status))` for the first one the run must
    /// wait for, `None` when all are within `limit_s`.
    pub(super) async fn check(
        &self,
        b: &mut dyn Backend,
        limit_s: f64,
        on_unreachable: OnUnreachable,
        obs: &dyn BackfillObserver,
    ) -> Result<Option<(String, String)>> {
        let probe = b.dialect().replica_lag();
        let Some(sql) = probe.primary_standbys_sql() else {
            return Ok(None);
        };
        let rows = b.query(sql).await.map_err(|e| {
            e.context("reading pg_stat_replication on the primary for --max-replica-lag")
        })?;
        if rows.rows.is_empty() {
            return none_listed(on_unreachable, obs);
        }
        let now = Instant::now();
        let num = |row: &[Option<String>], i: usize| row.get(i).cloned().flatten();
        let current = rows
            .rows
            .first()
            .and_then(|r| num(r, 3))
            .and_then(|v| v.parse::<u64>().ok());
        let mut hold = None;
        let mut oldest_replay = u64::MAX;
        for row in &rows.rows {
            let name = num(row, 0).unwrap_or_else(|| "standby".into());
            let state = num(row, 1).unwrap_or_else(|| "unknown".into());
            let replay = num(row, 2).and_then(|v| v.parse::<u64>().ok());
            let pg_lag = num(row, 4).and_then(|v| v.parse::<f64>().ok());
            let lag = match (replay, current) {
                (Some(r), Some(c)) if r >= c => ReplicaLag::Seconds(0.0),
                (Some(r), Some(c)) => {
                    oldest_replay = oldest_replay.min(r);
                    let own = self.behind_since(r, c, now);
                    ReplicaLag::Seconds(pg_lag.unwrap_or(0.0).max(own))
                }
                _ => ReplicaLag::Unknown(format!(
                    "standby state {state}, no replay position reported yet"
                )),
            };
            let status = match lag {
                ReplicaLag::Seconds(s) if s <= limit_s => continue,
                ReplicaLag::Seconds(s) => super::replicas::over_limit(s, limit_s),
                ReplicaLag::Unknown(why) => format!("replica lag unknown: {why}"),
            };
            if hold.is_none() {
                hold = Some((name, status));
            }
        }
        self.prune(oldest_replay);
        Ok(hold)
    }

    /// Seconds since the first sample past `replay`, after recording `current` at `now`.
    fn behind_since(&self, replay: u64, current: u64, now: Instant) -> f64 {
        let Ok(mut samples) = self.samples.lock() else {
            return 0.0;
        };
        if samples.back().is_none_or(|&(_, p)| p < current) {
            if samples.len() >= MAX_SAMPLES {
                samples.pop_front();
            }
            samples.push_back((now, current));
        }
        samples
            .iter()
            .find(|&&(_, p)| p > replay)
            .map_or(0.0, |&(t, _)| now.duration_since(t).as_secs_f64())
    }

    /// Forgets samples every standby has replayed past (keeping the newest).
    fn prune(&self, oldest_replay: u64) {
        if let Ok(mut samples) = self.samples.lock() {
            while samples.len() > 1 && samples.get(1).is_some_and(|&(_, p)| p <= oldest_replay) {
                samples.pop_front();
            }
        }
    }
}

/// The primary lists no standby although lag checks were asked for: a standby that stopped
/// or lost its connection is not listed, so this is an unreachable replica.
fn none_listed(
    on_unreachable: OnUnreachable,
    obs: &dyn BackfillObserver,
) -> Result<Option<(String, String)>> {
    let status = "replica unreachable: the primary lists no standby (pg_stat_replication is empty)";
    match on_unreachable {
        OnUnreachable::Pause => Ok(Some((PRIMARY.into(), status.into()))),
        OnUnreachable::Fail => Err(Error::Replica {
            replica: PRIMARY.into(),
            problem: "the primary lists no standby (a standby that stopped or lost its connection is not listed) and on_unreachable = \"fail\"".into(),
            hint: "start the standby and run the backfill again (its checkpoint is kept), or set on_unreachable = \"pause\" to wait for it".into(),
        }),
        OnUnreachable::Ignore => {
            obs.event(&BackfillEvent::Replica {
                replica: PRIMARY,
                status: &format!("{status} (ignored: on_unreachable = \"ignore\")"),
                paused: false,
            });
            Ok(None)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn a_standby_stuck_behind_shows_a_growing_lag_and_caught_up_samples_go() {
        let w = PrimaryStandbys::new();
        let t0 = Instant::now();
        // Caught up at the first look: nothing to measure.
        assert_eq!(w.behind_since(100, 100, t0), 0.0);
        // The primary moved on to 200; the standby stays at 100.
        assert_eq!(w.behind_since(100, 200, t0 + Duration::from_secs(1)), 0.0);
        let lag = w.behind_since(100, 300, t0 + Duration::from_secs(4));
        assert!((lag - 3.0).abs() < 1e-9, "{lag}");
        // It replayed 200: the lag counts from the sample at 300.
        w.prune(200);
        let lag = w.behind_since(200, 300, t0 + Duration::from_secs(5));
        assert!((lag - 1.0).abs() < 1e-9, "{lag}");
        assert_eq!(w.samples.lock().map(|s| s.len()).unwrap_or(0), 2);
    }
}
