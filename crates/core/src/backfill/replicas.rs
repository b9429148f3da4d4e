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

    /// Reads the replica's lag; `Err` when it cannot be reached.
    async fn lag(
        &self,
        sql: &str,
        parse: impl Fn(&crate::backend::Rows) -> ReplicaLag,
    ) -> Result<ReplicaLag> {
        let mut slot = self.conn.lock().await;
        if slot.is_none() {
            *slot = Some((self.connect)().await?);
        }
        let Some(conn) = slot.as_mut() else {
            return Err(Error::Other("replica connection missing".into()));
        };
        match conn.query(sql).await {
            Ok(rows) => Ok(parse(&rows)),
            Err(e) => {
                // Open a fresh connection next time.
                *slot = None;
                Err(e)
            }
        }
    }
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
    if options.replicas.is_empty() {
        return Ok(());
    }
    let dialect = b.dialect();
    let probe = dialect.replica_lag();
    if !probe.has_replicas() {
        return Err(Error::unsupported(
            dialect,
            "--max-replica-lag",
            "this database has no replicas to watch; remove `replicas` from the target or drop the flag",
        ));
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
        for replica in &options.replicas {
            let status = match replica.lag(&sql, |r| probe.parse_replica_lag(r)).await {
                Ok(ReplicaLag::Seconds(s)) if s <= limit_s => continue,
                Ok(ReplicaLag::Seconds(s)) => {
                    format!("replica lag {} s > {} s", round(s), round(limit_s))
                }
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
    }
}
