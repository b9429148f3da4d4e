//! The setup the runner tests share (runner.rs, runner_retries.rs): runner options, `up`,
//! and two small migrations.

use cutover_core::backend::Backend;
use cutover_core::plan::{Plan, Version};
use cutover_core::runner::{Runner, RunnerOptions, Silent, Target};

/// Runner options: quick retries, no automatic backup.
pub fn options() -> RunnerOptions {
    RunnerOptions {
        retry_backoff: std::time::Duration::from_millis(50),
        // Not about backups: gated migrations run without the automatic one.
        backup: cutover_core::backup::BackupPolicy::Skip,
        ..RunnerOptions::default()
    }
}

/// `up` to the latest migration of `plan`.
pub async fn up(
    backend: &mut dyn Backend,
    plan: &Plan,
) -> cutover_core::Result<cutover_core::runner::RunReport> {
    Runner::new(backend, plan, options(), &Silent)
        .up(Target::Latest)
        .await
}

/// A version from its text.
pub fn v(s: &str) -> Version {
    Version::parse(s).expect("version")
}

/// Migration: creates `t1 (id, note)`.
pub const T1: &str = r#"
description = "create t1"
[[steps]]
op = "create_table"
table = "t1"
columns = [{ name = "id", type = "bigint", primary_key = true }, { name = "note", type = "text" }]
"#;

/// Migration: creates `t2 (id)` and inserts three rows.
pub const T2: &str = r#"
description = "create t2"
[[steps]]
op = "create_table"
table = "t2"
columns = [{ name = "id", type = "bigint", primary_key = true }]
[[steps]]
op = "sql"
sql = "INSERT INTO t2 (id) VALUES (1), (2), (3)"
down = "DELETE FROM t2"
"#;
