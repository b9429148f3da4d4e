//! Undo logs the database writes by itself: a statement-level trigger that sees the rows a
//! batch's UPDATE replaced and wrote (PostgreSQL's transition tables) and packs them into one
//! row per batch, so that the batch runs the log-less UPDATE and nothing reads a row twice.
//! The packed rows are unpacked into the per-row log ("folded") before anything reads it.

/// What a capture trigger must know about one undo log. Names are unquoted.
#[derive(Debug, Clone)]
pub struct CaptureShape {
    /// The per-row log table; its row type is the packed element.
    pub log: String,
    /// The log table's columns, in order (a log created for an older definition may have
    /// more than this one writes: those are packed as NULL).
    pub log_columns: Vec<String>,
    /// The table the backfill updates.
    pub target: String,
    /// The target's key columns (unique: an undo-logged backfill refuses any other key).
    pub key: Vec<String>,
    /// The columns the backfill writes.
    pub cols: Vec<String>,
    /// The target's columns now.
    pub target_columns: Vec<String>,
}

impl CaptureShape {
    /// The table of packed batches.
    pub fn batches(&self) -> String {
        format!("{}_b", self.log)
    }
}

/// A dialect whose database can log a batch by itself (see the module docs).
pub trait UndoCapture: Send + Sync {
    /// The statements, run in one transaction, that create the table of packed batches
    /// (when missing) and the trigger function (replacing one left by an earlier run),
    /// waiting only briefly for locks (the first statement).
    fn install_sql(&self, c: &CaptureShape) -> Vec<String>;

    /// A query whose one row, if any, says that the trigger is on the table already (left by
    /// a run that was killed), with two values: whether it fires in every session, and
    /// whether it fires in this one. It is then kept (dropping and creating it again would
    /// lock the table more strongly) and, if need be, enabled.
    fn trigger_state_sql(&self, log: &str, target: &str) -> String;

    /// The DDL that puts the trigger on the table.
    fn create_trigger_sql(&self, log: &str, target: &str) -> String;

    /// The statements, run in one transaction, that make the trigger fire in every session,
    /// also one whose `session_replication_role` is `replica` and after someone disabled
    /// it, waiting only briefly for the table's lock.
    fn enable_trigger_sql(&self, log: &str, target: &str) -> Vec<String>;

    /// The statement that turns the trigger on for the batch's transaction (before its
    /// UPDATE), and the statement after the UPDATE that fails the batch when the trigger did
    /// not run (dropped or disabled while the backfill ran), so that no batch commits
    /// unlogged.
    /// `log` and `target` are the log table's and the updated table's names.
    fn batch_sql(&self, log: &str, target: &str) -> (String, String);

    /// The lock that keeps two unpackers apart, the first statement of each unpacking step's
    /// transaction.
    fn fold_lock_sql(&self, c: &CaptureShape) -> String;

    /// The oldest packed batch: rows of (its number, one column it wrote or NULL); none
    /// once nothing is left.
    fn fold_peek_sql(&self, c: &CaptureShape) -> String;

    /// The statement that moves packed batch `seq` into the per-row log: a key logged
    /// already keeps its old values and gets the new values of the columns `written`.
    fn fold_step_sql(&self, c: &CaptureShape, seq: i64, written: &[String]) -> String;

    /// The number of rows in packed batches not unpacked yet (`status`).
    fn packed_rows_sql(&self, log: &str) -> String;

    /// The statements, run in one transaction after a run's batches, that remove the
    /// trigger and its function (the packed batches stay until they are unpacked), waiting
    /// only briefly for the table's lock: a drop queued behind a long transaction would hold
    /// up every reader of the table while it waits.
    fn remove_sql(&self, log: &str) -> Vec<String>;

    /// The DDL that drops the trigger, its function and the table of packed batches, with the
    /// log (in the caller's transaction, if any).
    fn drop_sql(&self, log: &str) -> Vec<String>;
}
