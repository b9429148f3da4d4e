//! `--max-replica-lag`: before each batch, wait while any replica is too far behind.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use serde::Deserialize;

use super::options::{BackfillOptions, Connector};
use super::report::{BackfillEvent, BackfillObserver};
use crate::backend::Backend;
use crate::dialect::ReplicaLag;
use crate::error::{Error, Result};

/// What a backfill does when a replica cannot be reached (connection or query fails).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum OnUnreachable {
    /// Wait (and say so on every check) until the replica answers again. The default.
    #[default]
    Pause,
    /// Stop the backfill with an error; its checkpoint stays, a re-run resumes.
    Fail,
    /// Go on without that replica, reporting it on every check.
    Ignore,
}

/// One replica to watch: a name for messages (its URL without password) and a way to
/// connect. The connection is kept between checks and opened again after an error.
#[derive(Clone)]
pub struct ReplicaSource {
    /// The replica's name in messages (never holds a password).
    pub name: String,
    connect: Arc<Connector>,
    conn: Arc<tokio::sync::Mutex<Option<Box<dyn Backend>>>>,
}

impl fmt::Debug for ReplicaSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ReplicaSource")
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

impl ReplicaSource {
    /// A replica reached through `connect` (e.g. the CLI's connector for its URL).
    pub fn new(name: impl Into<String>, connect: Box<Connector>) -> Self {
        ReplicaSource {
            name: name.into(),
            connect: Arc::from(connect),
            conn: Arc::new(tokio::sync::Mutex::new(None)),
        }
    }

    /// Reads the replica's lag: the outer `Err` is fatal (the replica is not a replica of
    /// `primary`, or the primary failed), the inner one means it cannot be reached. A new
    /// connection is checked against `primary` before it is used.
    async fn lag(
        &self,
        primary: &mut dyn Backend,
        sql: &str,
        parse: impl Fn(&crate::backend::Rows) -> ReplicaLag,
    ) -> Result<Result<ReplicaLag>> {
        let mut slot = self.conn.lock().await;
        if slot.is_none() {
            let mut conn = match (self.connect)().await {
                Ok(c) => c,
                Err(e) => return Ok(Err(e)),
            };
            match self.verify(primary, conn.as_mut()).await? {
                Ok(()) => *slot = Some(conn),
                Err(e) => return Ok(Err(e)),
            }
        }
        let Some(conn) = slot.as_mut() else {
            return Ok(Err(Error::Other("replica connection missing".into())));
        };
        match conn.query(sql).await {
            Ok(rows) => Ok(Ok(parse(&rows))),
            Err(e) => {
                // Open a fresh connection next time.
                *slot = None;
                Ok(Err(e))
            }
        }
    }

    /// Whether `conn` is a replica of `primary` (same dialect, in recovery / replicating,
    /// from that primary). Outer `Err`: it is not; inner: the replica's query failed.
    async fn verify(
        &self,
        primary: &mut dyn Backend,
        conn: &mut dyn Backend,
    ) -> Result<Result<()>> {
        let (want, got) = (primary.dialect(), conn.dialect());
        let fail = |problem: String, hint: &str| Error::Replica {
            replica: self.name.clone(),
            problem,
            hint: hint.into(),
        };
        if want != got {
            return Err(fail(
                format!(
                    "it is a {} database, but the target is {}",
                    got.name(),
                    want.name()
                ),
                "list replicas of the target's own dialect",
            ));
        }
        let probe = want.replica_lag();
        let (Some(p_sql), Some(r_sql)) =
            (probe.primary_identity_sql(), probe.replica_identity_sql())
        else {
            return Ok(Ok(()));
        };
        let p = primary
            .query(p_sql)
            .await
            .map_err(|e| e.context("reading the primary's identity for --max-replica-lag"))?;
        let r = match conn.query(r_sql).await {
            Ok(r) => r,
            Err(e) => return Ok(Err(e)),
        };
        probe.check_replica_identity(&p, &r).map_err(|problem| {
            fail(
                problem,
                "list the target's own replicas (its lag would be meaningless: 0 or never-ending); nothing was written",
            )
        })?;
        Ok(Ok(()))
    }
}

/// Before the first batch: every replica that answers is a replica of `b`, and the primary
/// can report its standbys when it is watched. A replica that does not answer is left to
/// the checks before each batch (`on_unreachable`).
pub(super) async fn verify_replicas(b: &mut dyn Backend, options: &BackfillOptions) -> Result<()> {
    if options.max_replica_lag.is_none() {
        return Ok(());
    }
    if options.replicas.is_empty() && options.primary_standbys.is_none() {
        return Ok(());
    }
    let dialect = b.dialect();
    if !dialect.replica_lag().has_replicas() {
        return Err(no_replicas(dialect));
    }
    if let Some(watch) = &options.primary_standbys {
        watch.verify(b).await?;
    }
    for replica in &options.replicas {
        let mut slot = replica.conn.lock().await;
        if slot.is_some() {
            continue;
        }
        let Ok(mut conn) = (replica.connect)().await else {
            continue;
        };
        if replica.verify(b, conn.as_mut()).await?.is_ok() {
            *slot = Some(conn);
        }
    }
    Ok(())
}

/// How often a paused backfill looks at its replicas again.
const RECHECK: Duration = Duration::from_millis(500);

/// Waits until every replica of `options.replicas` is at most `options.max_replica_lag`
/// behind the primary `b`. Reports each wait through `obs`; returns an error when a replica
/// cannot be reached and `on_unreachable` is `fail`.
pub(super) async fn wait_for_replicas(
    b: &mut dyn Backend,
    options: &BackfillOptions,
    obs: &dyn BackfillObserver,
) -> Result<()> {
    let Some(limit) = options.max_replica_lag else {
        return Ok(());
    };
    if options.replicas.is_empty() && options.primary_standbys.is_none() {
        return Ok(());
    }
    let dialect = b.dialect();
    let probe = dialect.replica_lag();
    if !probe.has_replicas() {
        return Err(no_replicas(dialect));
    }
    let limit_s = limit.as_secs_f64();
    loop {
        let position = match probe.primary_position_sql() {
            Some(q) => b
                .query(q)
                .await
                .map_err(|e| e.context("reading the primary's position for --max-replica-lag"))?
                .scalar()
                .map(str::to_string),
            None => None,
        };
        let sql = probe.replica_lag_sql(position.as_deref());
        let mut hold = None;
        if let Some(watch) = &options.primary_standbys {
            hold = watch.check(b, limit_s, options.on_unreachable, obs).await?;
        }
        for replica in &options.replicas {
            if hold.is_some() {
                break;
            }
            let status = match replica.lag(b, &sql, |r| probe.parse_replica_lag(r)).await? {
                Ok(ReplicaLag::Seconds(s)) if s <= limit_s => continue,
                Ok(ReplicaLag::Seconds(s)) => over_limit(s, limit_s),
                Ok(ReplicaLag::Unknown(why)) => format!("replica lag unknown: {why}"),
                Err(e) => {
                    let status = format!("replica unreachable: {}", e.root());
                    match options.on_unreachable {
                        OnUnreachable::Pause => status,
                        OnUnreachable::Fail => {
                            return Err(Error::Other(format!(
                                "replica {} cannot be reached ({}) and on_unreachable = \"fail\": the backfill stopped before its next batch; its checkpoint is kept, run it again once the replica answers (or set on_unreachable = \"pause\")",
                                replica.name,
                                e.root()
                            )));
                        }
                        OnUnreachable::Ignore => {
                            obs.event(&BackfillEvent::Replica {
                                replica: &replica.name,
                                status: &format!("{status} (ignored: on_unreachable = \"ignore\")"),
                                paused: false,
                            });
                            continue;
                        }
                    }
                }
            };
            hold = Some((replica.name.clone(), status));
            break;
        }
        let Some((name, status)) = hold else {
            return Ok(());
        };
        obs.event(&BackfillEvent::Replica {
            replica: &name,
            status: &status,
            paused: true,
        });
        tokio::time::sleep(RECHECK).await;
    }
}

fn no_replicas(dialect: crate::Dialect) -> Error {
    Error::unsupported(
        dialect,
        "--max-replica-lag",
        "this database has no replicas to watch; remove `replicas` from the target or drop the flag",
    )
}

/// `replica lag 4.2 s > 2 s`; with two decimals when one would print the limit itself
/// (`1.04 s > 1 s`, not `1 s > 1 s`).
pub(super) fn over_limit(s: f64, limit_s: f64) -> String {
    let lag = if round(s) == round(limit_s) {
        format!("{:.2}", (s * 100.0).ceil() / 100.0)
    } else {
        round(s)
    };
    format!("replica lag {lag} s > {} s", round(limit_s))
}

/// One decimal: `4.2`, `2`.
fn round(s: f64) -> String {
    let r = (s * 10.0).round() / 10.0;
    if r.fract() == 0.0 {
        format!("{r:.0}")
    } else {
        format!("{r:.1}")
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn rounds_like_the_progress_line() {
        assert_eq!(super::round(4.24), "4.2");
        assert_eq!(super::round(2.0), "2");
        assert_eq!(super::round(0.04), "0");
        assert_eq!(super::over_limit(4.24, 2.0), "replica lag 4.2 s > 2 s");
        assert_eq!(super::over_limit(1.04, 1.0), "replica lag 1.04 s > 1 s");
    }
}
