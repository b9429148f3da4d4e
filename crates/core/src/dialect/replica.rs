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

    /// A query run on the primary returning what its replicas report about it (see
    /// [`Self::check_replica_identity`]), or `None` when replicas cannot be checked.
    fn primary_identity_sql(&self) -> Option<&'static str> {
        None
    }

    /// A query run on a replica returning what it says about itself and its primary.
    fn replica_identity_sql(&self) -> Option<&'static str> {
        None
    }

    /// Whether `replica` (the answer of [`Self::replica_identity_sql`]) is a replica of the
    /// primary that answered `primary`; `Err` says why not.
    fn check_replica_identity(&self, _primary: &Rows, _replica: &Rows) -> Result<(), String> {
        Ok(())
    }

    /// A query run on the primary listing its standbys, one row each: `(name, state, replay
    /// position, primary's current position, replay lag in seconds)`, positions as byte
    /// offsets, the lag NULL when the primary has none; `None` when the primary cannot report
    /// its standbys' lag (MariaDB/MySQL: only a replica knows its lag).
    fn primary_standbys_sql(&self) -> Option<&'static str> {
        None
    }

    /// A query run on the primary returning `true` when this session may read the
    /// positions of every standby ([`Self::primary_standbys_sql`]).
    fn primary_standbys_privilege_sql(&self) -> Option<&'static str> {
        None
    }
}

/// The value of column `name` (any case) in the first row.
fn first_value(rows: &Rows, names: &[&str]) -> Option<String> {
    let i = rows
        .columns
        .iter()
        .position(|c| names.iter().any(|n| c.eq_ignore_ascii_case(n)))?;
    rows.rows.first()?.get(i).cloned().flatten()
}

/// The value at `index` of the first row.
fn nth_value(rows: &Rows, index: usize) -> Option<String> {
    rows.rows.first()?.get(index).cloned().flatten()
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

    fn primary_identity_sql(&self) -> Option<&'static str> {
        Some("SELECT system_identifier::text FROM pg_control_system()")
    }

    fn replica_identity_sql(&self) -> Option<&'static str> {
        Some(
            "SELECT (SELECT system_identifier::text FROM pg_control_system()), \
             pg_is_in_recovery()::text",
        )
    }

    /// A streaming replica is in recovery and shares its primary's system identifier
    /// (`pg_basebackup` copies it; every `initdb` makes a new one).
    fn check_replica_identity(&self, primary: &Rows, replica: &Rows) -> Result<(), String> {
        let want = nth_value(primary, 0).unwrap_or_default();
        let got = nth_value(replica, 0).unwrap_or_default();
        if nth_value(replica, 1).as_deref() != Some("true") {
            return Err("it is not a replica (pg_is_in_recovery() is false)".into());
        }
        if want != got {
            return Err(format!(
                "it is a replica of another cluster (its system identifier is {got}, the target's is {want})"
            ));
        }
        Ok(())
    }

    /// `replay_lag` is NULL when the standby has replayed everything (and stale between
    /// its status messages): the caller also compares positions.
    fn primary_standbys_sql(&self) -> Option<&'static str> {
        Some(
            "SELECT coalesce(nullif(application_name, ''), 'standby') || ' at ' || \
             coalesce(host(client_addr), 'local socket'), state, \
             pg_wal_lsn_diff(replay_lsn, '0/0')::text, \
             pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0')::text, \
             EXTRACT(EPOCH FROM replay_lag)::text \
             FROM pg_stat_replication ORDER BY 1",
        )
    }

    /// Without `pg_read_all_stats` (in `pg_monitor`) or superuser, the positions of other
    /// roles' standbys read as NULL.
    fn primary_standbys_privilege_sql(&self) -> Option<&'static str> {
        Some("SELECT pg_has_role(current_user, 'pg_read_all_stats', 'USAGE')::text")
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

    fn primary_identity_sql(&self) -> Option<&'static str> {
        Some("SELECT @@server_id, @@port")
    }

    fn replica_identity_sql(&self) -> Option<&'static str> {
        Some("SHOW SLAVE STATUS")
    }

    /// The replica's primary must have the target's `@@server_id` and port. Server ids are
    /// unique only within one replication setup (every server defaults to 1), so the port
    /// is compared too; the host is not (the replica may reach the primary by another name).
    fn check_replica_identity(&self, primary: &Rows, replica: &Rows) -> Result<(), String> {
        if replica.rows.is_empty() {
            return Err("it is not a replica (SHOW SLAVE STATUS is empty)".into());
        }
        let id = nth_value(primary, 0).unwrap_or_default();
        let port = nth_value(primary, 1).unwrap_or_default();
        let get = |names: &[&str]| first_value(replica, names).unwrap_or_default();
        let master_id = get(&["Master_Server_Id", "Source_Server_Id"]);
        let host = get(&["Master_Host", "Source_Host"]);
        let master_port = get(&["Master_Port", "Source_Port"]);
        if master_id.is_empty() || master_id == "0" {
            return Err(format!(
                "it has not connected to its primary {host}:{master_port} yet (Master_Server_Id is 0; IO thread running: {}, last IO error: {})",
                get(&["Slave_IO_Running", "Replica_IO_Running"]),
                get(&["Last_IO_Error"])
            ));
        }
        if master_id != id {
            return Err(format!(
                "it replicates from {host}:{master_port} (server_id {master_id}), but the target's @@server_id is {id}: it is a replica of another database"
            ));
        }
        if master_port != port {
            return Err(format!(
                "it replicates from {host}:{master_port}, but the target listens on port {port} (both have server_id {id}, which separate replication setups may share): it is a replica of another database"
            ));
        }
        Ok(())
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
