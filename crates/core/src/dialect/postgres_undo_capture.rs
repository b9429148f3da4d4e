//! PostgreSQL logs a batch with an `AFTER UPDATE .. REFERENCING OLD TABLE .. NEW TABLE ..
//! FOR EACH STATEMENT` trigger: the transition tables hold exactly the row versions the
//! UPDATE replaced and wrote, also under READ COMMITTED when it waited for another writer.
//! The trigger acts only in a transaction whose `cutover.undo_log` names its log; any other
//! UPDATE of the table (the application's) returns at once.

use super::undo_capture::{CaptureShape, UndoCapture};
use super::{Dialect, Postgres, quote_literal};

/// Rows per packed row: an array may not exceed 1 GB, and a batch of large rows (a
/// thousand 600 kB documents) made one array per batch fail every time.
const CHUNK: usize = 500;

fn q(name: &str) -> String {
    Dialect::Postgres.quote(name)
}

impl UndoCapture for Postgres {
    fn install_sql(&self, c: &CaptureShape) -> Vec<String> {
        let log = quote_literal(&c.log);
        let same_key: Vec<String> = c
            .key
            .iter()
            .map(|k| format!("o.{0} = n.{0}", q(k)))
            .collect();
        let element: Vec<String> = c
            .log_columns
            .iter()
            .map(|col| element_value(c, col))
            .collect();
        let written: Vec<String> = c.cols.iter().map(|col| quote_literal(col)).collect();
        // Only the batch's own UPDATE (trigger depth 1): an UPDATE of the same table run by
        // one of the application's row triggers fires this trigger again, nested, before the
        // outer statement's, and its rows would be unpacked in the wrong order. Its changes
        // make those rows differ from what the batch wrote: undo leaves them alone.
        let function = format!(
            "CREATE OR REPLACE FUNCTION {f}() RETURNS trigger LANGUAGE plpgsql AS $cutover$
BEGIN
  IF current_setting('cutover.undo_log', true) IS DISTINCT FROM {log} OR pg_trigger_depth() > 1 THEN
    RETURN NULL;
  END IF;
  PERFORM set_config('cutover.undo_logged', {log}, true);
  INSERT INTO {b} (rows, written)
    SELECT array_agg(e), ARRAY[{written}]::text[]
    FROM (SELECT ROW({element})::{l} AS e, (row_number() OVER ()) / {CHUNK} AS chunk
          FROM cutover_old AS o JOIN cutover_new AS n ON {join}) AS packed
    GROUP BY chunk;
  RETURN NULL;
END
$cutover$",
            f = q(&c.log),
            b = q(&c.batches()),
            l = q(&c.log),
            element = element.join(", "),
            written = written.join(", "),
            join = same_key.join(" AND "),
            CHUNK = CHUNK,
        );
        vec![
            "SET LOCAL lock_timeout = '1s'".into(),
            // `written`: the columns the packing run wrote, the only ones unpacking renews.
            format!(
                "CREATE TABLE IF NOT EXISTS {} (seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, rows {}[] NOT NULL, written text[] NOT NULL)",
                q(&c.batches()),
                q(&c.log)
            ),
            // lz4 (PostgreSQL 14+, where built with it) compresses the packed rows at a
            // fraction of pglz's cost: 1.21x instead of 1.31x the log-less batch's CPU.
            format!(
                "DO $cutover$ BEGIN IF EXISTS (SELECT 1 FROM pg_settings WHERE name = 'default_toast_compression' AND 'lz4' = ANY (enumvals)) THEN EXECUTE {}; END IF; END $cutover$",
                quote_literal(&format!(
                    "ALTER TABLE {} ALTER COLUMN rows SET COMPRESSION lz4",
                    q(&c.batches())
                ))
            ),
            function,
        ]
    }

    fn trigger_state_sql(&self, log: &str, target: &str) -> String {
        format!(
            "SELECT (tgenabled = 'A')::text, (tgenabled = 'A' OR (tgenabled = 'O') = (current_setting('session_replication_role') <> 'replica') AND tgenabled <> 'D')::text FROM pg_trigger WHERE tgrelid = to_regclass({}) AND tgname = {}",
            quote_literal(&q(target)),
            quote_literal(log)
        )
    }

    /// A SHARE ROW EXCLUSIVE lock: waited for at most a second.
    fn enable_trigger_sql(&self, log: &str, target: &str) -> Vec<String> {
        vec![
            "SET LOCAL lock_timeout = '1s'".into(),
            format!("ALTER TABLE {} ENABLE ALWAYS TRIGGER {}", q(target), q(log)),
        ]
    }

    /// A SHARE ROW EXCLUSIVE lock on the table: it waits for writers, not for readers.
    fn create_trigger_sql(&self, log: &str, target: &str) -> String {
        format!(
            "CREATE TRIGGER {f} AFTER UPDATE ON {t} REFERENCING OLD TABLE AS cutover_old NEW TABLE AS cutover_new FOR EACH STATEMENT EXECUTE FUNCTION {f}()",
            f = q(log),
            t = q(target)
        )
    }

    fn batch_sql(&self, log: &str, target: &str) -> (String, String) {
        let message = format!(
            "the undo log trigger {} on table {} did not run for this batch (dropped or disabled while the backfill ran); nothing was written: run the backfill again, which installs it again",
            q(log),
            q(target)
        );
        (
            format!("SET LOCAL cutover.undo_log = {}", quote_literal(log)),
            format!(
                "DO $cutover$ BEGIN IF current_setting('cutover.undo_logged', true) IS DISTINCT FROM {} THEN RAISE EXCEPTION '%', {}; END IF; END $cutover$",
                quote_literal(log),
                quote_literal(&message)
            ),
        )
    }

    fn fold_lock_sql(&self, c: &CaptureShape) -> String {
        format!("LOCK TABLE {} IN SHARE ROW EXCLUSIVE MODE", q(&c.batches()))
    }

    fn fold_peek_sql(&self, c: &CaptureShape) -> String {
        let b = q(&c.batches());
        format!(
            "SELECT b.seq::text, w FROM {b} AS b LEFT JOIN LATERAL unnest(b.written) AS w ON true WHERE b.seq = (SELECT min(seq) FROM {b})"
        )
    }

    fn fold_step_sql(&self, c: &CaptureShape, seq: i64, written: &[String]) -> String {
        let b = q(&c.batches());
        let keys: Vec<String> = c.key.iter().map(|k| q(&format!("k_{k}"))).collect();
        // Renews the written values of the columns the batch's run wrote, and replaces the
        // old values when someone changed the row between the logged batch and this one.
        let all: Vec<String> = c
            .log_columns
            .iter()
            .filter_map(|col| col.strip_prefix("o_"))
            .filter(|col| c.log_columns.contains(&format!("n_{col}")))
            .map(str::to_string)
            .collect();
        let mut renew = super::merge_set(super::Dialect::Postgres, &c.log, &all, written);
        renew.push(format!("{} = 0", q("cutover_mark")));
        let columns: Vec<String> = c.log_columns.iter().map(|col| q(col)).collect();
        let picked: Vec<String> = c
            .log_columns
            .iter()
            .map(|col| format!("r.{}", q(col)))
            .collect();
        format!(
            "WITH d AS (DELETE FROM {b} WHERE seq = {seq} RETURNING rows) INSERT INTO {l} ({columns}) SELECT {picked} FROM d CROSS JOIN LATERAL unnest(d.rows) AS r ON CONFLICT ({keys}) DO UPDATE SET {renew}",
            l = q(&c.log),
            columns = columns.join(", "),
            picked = picked.join(", "),
            keys = keys.join(", "),
            renew = renew.join(", ")
        )
    }

    fn packed_rows_sql(&self, log: &str) -> String {
        format!(
            "SELECT coalesce(sum(cardinality(rows)), 0) FROM {}",
            q(&format!("{log}_b"))
        )
    }

    /// `DROP TRIGGER` takes an ACCESS EXCLUSIVE lock on the table: wait at most a second.
    fn remove_sql(&self, log: &str) -> Vec<String> {
        vec!["SET LOCAL lock_timeout = '1s'".into(), drop_function(log)]
    }

    fn drop_sql(&self, log: &str) -> Vec<String> {
        vec![
            drop_function(log),
            format!("DROP TABLE IF EXISTS {}", q(&format!("{log}_b"))),
        ]
    }
}

/// The trigger depends on its function: CASCADE drops it without naming the table (which a
/// revert may have dropped already).
fn drop_function(log: &str) -> String {
    format!("DROP FUNCTION IF EXISTS {}() CASCADE", q(log))
}

/// The packed value of log column `col`: the key and written values from the new row, the
/// old values from the old one, 0 for the mark. A column an older definition wrote and this
/// one does not gets the row's value (unchanged by this run: unpacking does not renew it),
/// NULL where the table no longer has it.
fn element_value(c: &CaptureShape, col: &str) -> String {
    if col == "cutover_mark" {
        return "0".into();
    }
    let named = |prefix: &str, names: &[String]| {
        col.strip_prefix(prefix)
            .filter(|name| names.iter().any(|x| x == name))
            .map(q)
    };
    if let Some(k) = named("k_", &c.key) {
        return format!("n.{k}");
    }
    if let Some(old) = named("o_", &c.target_columns) {
        return format!("o.{old}");
    }
    match named("n_", &c.target_columns) {
        Some(new) => format!("n.{new}"),
        None => "NULL".into(),
    }
}
