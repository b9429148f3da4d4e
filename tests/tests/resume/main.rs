//! Exact resume of migrations that run statement by statement (issue 10, item 2), on real
//! PostgreSQL, MariaDB and SQLite: a resume never runs again a statement that committed,
//! and the error says exactly which statements stay applied.

use std::sync::Mutex;

use cutover_core::Error;
use cutover_core::backend::Backend;
use cutover_core::plan::Plan;
use cutover_core::runner::{Event, Reporter, RunReport, Runner, RunnerOptions, Silent, Target};
use cutover_tests::snapshot;

mod ddl;
mod reproductions;

fn options() -> RunnerOptions {
    RunnerOptions {
        retry_backoff: std::time::Duration::from_millis(50),
        backup: cutover_core::backup::BackupPolicy::Skip,
        ..RunnerOptions::default()
    }
}

/// Keeps the warnings a run reports.
#[derive(Default)]
struct Warnings(Mutex<Vec<String>>);

impl Reporter for Warnings {
    fn event(&self, e: &Event<'_>) {
        if let Event::Warning(w) = e {
            self.0.lock().expect("not poisoned").push(w.to_string());
        }
    }
}

impl Warnings {
    fn all(&self) -> Vec<String> {
        self.0.lock().expect("not poisoned").clone()
    }
}

async fn up_with(
    backend: &mut dyn Backend,
    plan: &Plan,
    reporter: &dyn Reporter,
) -> cutover_core::Result<RunReport> {
    Runner::new(backend, plan, options(), reporter)
        .up(Target::Latest)
        .await
}

async fn up(backend: &mut dyn Backend, plan: &Plan) -> cutover_core::Result<RunReport> {
    up_with(backend, plan, &Silent).await
}

/// `(state, statements_applied, statements_total)` of migration `version` in the history.
async fn progress(b: &mut dyn Backend, version: u64) -> (String, i64, i64) {
    let rows = b
        .query(&format!(
            "SELECT state, statements_applied, statements_total FROM cutover_history WHERE version_number = {version}"
        ))
        .await
        .expect("read history");
    let row = rows.rows.first().expect("history row");
    let text = |i: usize| row[i].clone().expect("not null");
    (
        text(0),
        text(1).parse().expect("number"),
        text(2).parse().expect("number"),
    )
}

/// Pretends that the run applying `version` was killed right after statement `done + 1`
/// committed on its own, before its progress row was written.
async fn pretend_interrupted(b: &mut dyn Backend, version: u64, done: i64, checksums: &str) {
    b.execute(&format!(
        "UPDATE cutover_history SET state = 'partial', statements_applied = {done}, statement_checksums = '{checksums}' WHERE version_number = {version}"
    ))
    .await
    .expect("rewrite history");
}

async fn v_of(b: &mut dyn Backend) -> i64 {
    snapshot::count(b, "SELECT v FROM base WHERE id = 1").await
}

const BASE: &str = r#"
description = "base"
[[steps]]
op = "create_table"
table = "base"
columns = [{ name = "id", type = "bigint", primary_key = true }, { name = "v", type = "bigint" }]
[[steps]]
op = "sql"
sql = "INSERT INTO base (id, v) VALUES (1, 0)"
down = "DELETE FROM base"
"#;

const UPDATE_THEN_FAIL: &str = r#"
description = "bump"
[[steps]]
op = "sql"
sql = "UPDATE base SET v = v + 1 WHERE id = 1; INSERT INTO no_such_table (id) VALUES (1)"
down = "UPDATE base SET v = v - 1 WHERE id = 1"
"#;

/// The statement checksums recorded for `version`, first `n` of them.
async fn recorded_checksums(b: &mut dyn Backend, version: u64, n: usize) -> String {
    let rows = b
        .query(&format!(
            "SELECT statement_checksums FROM cutover_history WHERE version_number = {version}"
        ))
        .await
        .expect("read history");
    let all = rows.scalar().unwrap_or_default().to_string();
    all.split(',').take(n).collect::<Vec<_>>().join(",")
}
