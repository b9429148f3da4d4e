//! How each dialect measures how far a replica is behind its primary (`--max-replica-lag`).

use super::{Mysql, Postgres, Sqlite};
use crate::backend::Rows;

/// What one look at a replica found.
#[derive(Debug, Clone, PartialEq)]
pub enum ReplicaLag {
    /// The replica is this many seconds behind (0: it has replayed everything the primary
    /// had written when the primary's position was read).
    Seconds(f64),
    /// The replica answered but its lag cannot be known (replay stopped, not a replica, no
    /// transaction replayed yet): treated as too far behind.
    Unknown(String),
}

/// The replica-lag probe of a dialect. Core runs these statements on connections the caller
/// opens (the primary's and one per replica); it never opens connections itself.
pub trait ReplicaLagDialect: Send + Sync {
    /// Whether this dialect has replicas cutover can watch. Default: yes.
    fn has_replicas(&self) -> bool {
        true
    }

    /// A query run on the primary right before the replicas are read, returning the
    /// primary's write position as one value (PostgreSQL: the current WAL LSN), or `None`
    /// when the replica's own report is enough (MariaDB/MySQL).
    fn primary_position_sql(&self) -> Option<&'static str> {
        None
    }

    /// The query run on a replica; `primary_position` is what [`Self::primary_position_sql`]
    /// returned, if anything.
    fn replica_lag_sql(&self, primary_position: Option<&str>) -> String;

    /// Reads the answer of [`Self::replica_lag_sql`]. Default: one row of `(lag seconds,
    /// reason when the lag is NULL)`.
    fn parse_replica_lag(&self, rows: &Rows) -> ReplicaLag {
        let Some(row) = rows.rows.first() else {
            return ReplicaLag::Unknown("the lag query returned no row".into());
        };
        let lag = row.first().cloned().flatten();
        match lag.as_deref().map(str::trim).map(str::parse::<f64>) {
            Some(Ok(s)) => ReplicaLag::Seconds(s.max(0.0)),
            _ => ReplicaLag::Unknown(
                row.get(1)
                    .cloned()
                    .flatten()
                    .unwrap_or_else(|| "lag unknown".into()),
            ),
        }
    }
}

impl ReplicaLagDialect for Postgres {
    fn primary_position_sql(&self) -> Option<&'static str> {
        Some("SELECT pg_current_wal_lsn()::text")
    }

    /// Caught up (0) once the replica has replayed the primary's position; while there is a
    /// gap, the time since the last transaction it replayed committed (`replay_lag` of
    /// `pg_stat_replication` goes NULL or stale when the primary idles, so it is not used).
    fn replica_lag_sql(&self, primary_position: Option<&str>) -> String {
        let lsn = primary_position
            .filter(|p| p.chars().all(|c| c.is_ascii_hexdigit() || c == '/'))
            .unwrap_or("0/0");
        format!(
            "SELECT CASE WHEN NOT pg_is_in_recovery() THEN NULL \
             WHEN pg_last_wal_replay_lsn() >= '{lsn}'::pg_lsn THEN 0 \
             ELSE EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()) END::text, \
             CASE WHEN NOT pg_is_in_recovery() THEN 'not a replica (pg_is_in_recovery() is false)' \
             WHEN pg_is_wal_replay_paused() THEN 'replay is paused (pg_wal_replay_pause())' \
             ELSE 'no transaction replayed since the replica started' END"
        )
    }
}

impl ReplicaLagDialect for Mysql {
    fn replica_lag_sql(&self, _primary_position: Option<&str>) -> String {
        // `SHOW REPLICA STATUS` exists from MariaDB 10.5.1 / MySQL 8.0.22; the older
        // spelling works on every version cutover supports.
        "SHOW SLAVE STATUS".into()
    }

    /// `Seconds_Behind_Master` (`Seconds_Behind_Source` on MySQL 8): NULL while the SQL (or
    /// IO) thread is stopped, which is unknown, never zero.
    fn parse_replica_lag(&self, rows: &Rows) -> ReplicaLag {
        let col = |names: &[&str]| {
            rows.columns
                .iter()
                .position(|c| names.iter().any(|n| c.eq_ignore_ascii_case(n)))
        };
        let Some(row) = rows.rows.first() else {
            return ReplicaLag::Unknown("not a replica (SHOW SLAVE STATUS is empty)".into());
        };
        let get = |names: &[&str]| col(names).and_then(|i| row.get(i).cloned().flatten());
        let lag = get(&["Seconds_Behind_Master", "Seconds_Behind_Source"]);
        if let Some(Ok(s)) = lag.as_deref().map(str::parse::<f64>) {
            return ReplicaLag::Seconds(s.max(0.0));
        }
        let io = get(&["Slave_IO_Running", "Replica_IO_Running"]).unwrap_or_default();
        let sql = get(&["Slave_SQL_Running", "Replica_SQL_Running"]).unwrap_or_default();
        let error = get(&["Last_Error"]).filter(|e| !e.is_empty());
        let mut why = format!(
            "Seconds_Behind_Master is NULL (IO thread running: {io}, SQL thread running: {sql})"
        );
        if let Some(e) = error {
            why.push_str(&format!("; last error: {e}"));
        }
        ReplicaLag::Unknown(why)
    }
}

impl ReplicaLagDialect for Sqlite {
    fn has_replicas(&self) -> bool {
        false
    }

    fn replica_lag_sql(&self, _primary_position: Option<&str>) -> String {
        "SELECT NULL, 'SQLite has no replicas'".into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(columns: &[&str], row: &[Option<&str>]) -> Rows {
        Rows {
            columns: columns.iter().map(|c| c.to_string()).collect(),
            rows: vec![row.iter().map(|v| v.map(str::to_string)).collect()],
        }
    }

    #[test]
    fn mysql_null_lag_is_unknown_and_names_the_threads() {
        let r = rows(
            &[
                "Slave_IO_Running",
                "Slave_SQL_Running",
                "Seconds_Behind_Master",
            ],
            &[Some("Yes"), Some("No"), None],
        );
        match Mysql.parse_replica_lag(&r) {
            ReplicaLag::Unknown(why) => assert!(why.contains("SQL thread running: No"), "{why}"),
            other => panic!("{other:?}"),
        }
        let r = rows(&["Seconds_Behind_Source"], &[Some("7")]);
        assert_eq!(Mysql.parse_replica_lag(&r), ReplicaLag::Seconds(7.0));
    }

    #[test]
    fn postgres_position_is_never_spliced_unchecked() {
        let sql = Postgres.replica_lag_sql(Some("0/1'; DROP TABLE x; --"));
        assert!(sql.contains("'0/0'::pg_lsn"), "{sql}");
        assert!(!sql.contains("DROP"));
        let r = rows(&["lag", "why"], &[None, Some("replay is paused")]);
        assert_eq!(
            Postgres.parse_replica_lag(&r),
            ReplicaLag::Unknown("replay is paused".into())
        );
    }
}
