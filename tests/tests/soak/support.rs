//! The plan and helpers of the soak tests: users, an expand, a verified backfill and a
//! contract with `min_age`; runner options; moving stored times back.

use std::time::Duration;

use cutover_core::Error;
use cutover_core::backend::Backend;
use cutover_core::backup::BackupPolicy;
use cutover_core::plan::{Phase, Plan};
use cutover_core::runner::{RunReport, Runner, RunnerOptions, Silent, Target};
use cutover_tests::plans::PlanDir;
use cutover_tests::{Backend as Kind, snapshot};

pub(crate) const USERS: &str = r#"
description = "users"
[[steps]]
op = "create_table"
table = "users"
columns = [{ name = "id", type = "bigint", primary_key = true }, { name = "name", type = "text" }]
[[steps]]
op = "sql"
sql = "INSERT INTO users (id, name) VALUES (1, 'ann'), (2, 'bob')"
down = "DELETE FROM users"
"#;

pub(crate) const EXPAND: &str = r#"
description = "add display_name"
phase = "expand"
[[steps]]
op = "add_column"
table = "users"
column = { name = "display_name", type = "text" }
"#;

pub(crate) const BACKFILL: &str = r#"
description = "fill display_name"
phase = "backfill"
[[steps]]
op = "backfill"
id = "fill_display_name"
table = "users"
pending = "display_name IS NULL"
set.display_name = "upper(name)"
[[checks]]
name = "every user has a display name"
table = "users"
where = "display_name IS NULL"
expect = 0
"#;

pub(crate) fn contract(min_age: &str) -> String {
    format!(
        r#"
description = "drop name"
phase = "contract"
min_age = "{min_age}"
[[steps]]
op = "drop_column"
table = "users"
column = "name"
"#
    )
}

pub(crate) fn plan(min_age: &str) -> (PlanDir, Plan) {
    let dir = PlanDir::new();
    dir.write("0001_users.toml", USERS)
        .write("0002_display_name.toml", EXPAND)
        .write("0003_fill.toml", BACKFILL)
        .write("0004_drop_name.toml", &contract(min_age));
    let plan = dir.load();
    (dir, plan)
}

pub(crate) fn options(phase: Option<Phase>, ignore: Option<&str>) -> RunnerOptions {
    RunnerOptions {
        phase,
        backup: BackupPolicy::Skip,
        ignore_min_age: ignore.map(str::to_string),
        retry_backoff: Duration::from_millis(50),
        ..RunnerOptions::default()
    }
}

pub(crate) async fn up(
    b: &mut dyn Backend,
    plan: &Plan,
    options: RunnerOptions,
) -> cutover_core::Result<RunReport> {
    Runner::new(b, plan, options, &Silent)
        .up(Target::Latest)
        .await
}

pub(crate) fn applied(report: &RunReport) -> Vec<String> {
    report
        .migrations
        .iter()
        .map(|m| format!("{} {}", m.version, m.outcome))
        .collect()
}

pub(crate) async fn has_name(b: &mut dyn Backend) -> bool {
    snapshot::schema(b)
        .await
        .iter()
        .any(|l| l.starts_with("column users name "))
}

/// The seconds the refusal says are left; panics unless `err` is the soak gate's.
pub(crate) fn left_secs(err: &Error) -> u64 {
    match err.root() {
        Error::SoakPending(r) => r.left_secs,
        other => panic!("expected the soak gate, got: {other}"),
    }
}

pub(crate) async fn history_count(b: &mut dyn Backend, version: i64) -> i64 {
    snapshot::count(
        b,
        &format!("SELECT COUNT(*) FROM cutover_history WHERE version_number = {version}"),
    )
    .await
}

/// A session time zone far from UTC, so that a stored or compared time that is not UTC
/// would be hours off.
pub(crate) async fn far_time_zone(b: &mut dyn Backend, kind: Kind) {
    let sql = match kind {
        Kind::Postgres => "SET TIME ZONE 'Pacific/Kiritimati'",
        Kind::Mysql => "SET time_zone = '+13:00'",
        Kind::Sqlite => return,
    };
    b.execute(sql).await.expect("set the session time zone");
}

/// `RFC 3339 UTC` of the client's clock `hours` ago (the test's databases run on this
/// machine, so both clocks agree to within the test's margins).
pub(crate) fn hours_ago(hours: i64) -> String {
    (chrono::Utc::now() - chrono::Duration::hours(hours))
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

pub(crate) async fn age_history(b: &mut dyn Backend, hours: i64) {
    b.execute(&format!(
        "UPDATE cutover_history SET finished_at = '{}' WHERE version_number IN (2, 3)",
        hours_ago(hours)
    ))
    .await
    .expect("move the history back");
}

pub(crate) async fn age_backfill(b: &mut dyn Backend, hours: i64) {
    b.execute(&format!(
        "UPDATE cutover_backfill SET updated_at = '{}' WHERE id = 'fill_display_name'",
        hours_ago(hours)
    ))
    .await
    .expect("move the backfill's verification back");
}
