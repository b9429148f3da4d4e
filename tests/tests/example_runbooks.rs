//! The two runbooks of the field (`examples/attachments`, `examples/profile-links`) run as
//! plans on PostgreSQL, MariaDB and SQLite with 10k+ generated rows: expand, a dry run that
//! writes nothing, a preflight that halts, the batched backfill and its verification, every
//! row compared with values computed here in Rust, undo/down back to the exact rows, up
//! again, and the contract, after which the schema is read back from the catalog.

#[path = "example_runbooks/attachments.rs"]
mod attachments;
#[path = "example_runbooks/profile_links.rs"]
mod profile_links;

use std::path::PathBuf;

use cutover_core::Error;
use cutover_core::backend::Backend;
use cutover_core::backup::BackupPolicy;
use cutover_core::plan::{CheckWhen, Plan, Version};
use cutover_core::runner::{
    DownTarget, RunReport, Runner, RunnerOptions, Silent, Target, run_check,
};
use cutover_tests::{TestDb, for_each_backend, snapshot};

fn version(v: &str) -> Version {
    Version::parse(v).expect("version")
}

/// Runner options whose contract backups go to `dir`.
fn options(dir: &std::path::Path) -> RunnerOptions {
    RunnerOptions {
        backup: BackupPolicy::Auto {
            dir: dir.to_path_buf(),
        },
        ..RunnerOptions::default()
    }
}

/// `cutover up --to V` (or to the end).
async fn up(
    b: &mut dyn Backend,
    plan: &Plan,
    backups: &std::path::Path,
    to: Option<&str>,
) -> cutover_core::Result<RunReport> {
    let target = to.map_or(Target::Latest, |v| Target::Version(version(v)));
    Runner::new(b, plan, options(backups), &Silent)
        .up(target)
        .await
}

/// `cutover down --to V`.
async fn down_to(b: &mut dyn Backend, plan: &Plan, backups: &std::path::Path, to: &str) {
    Runner::new(b, plan, options(backups), &Silent)
        .down(DownTarget::Version(version(to)))
        .await
        .unwrap_or_else(|e| panic!("down to {to}: {e}"));
}

/// Asserts that `up` stopped on the preflight check `check`.
fn assert_halted(result: cutover_core::Result<RunReport>, check: &str) {
    match result {
        Err(Error::CheckFailed { check: failed, .. }) => assert_eq!(failed, check),
        Err(e) => panic!("expected preflight `{check}` to halt the run, got: {e}"),
        Ok(r) => panic!("expected preflight `{check}` to halt the run, but it ran: {r:?}"),
    }
}

/// Runs every `after` check of migration `v` against the database and asserts it passes.
async fn verify(b: &mut dyn Backend, plan: &Plan, v: &str) -> usize {
    let m = plan
        .migrations
        .iter()
        .find(|m| m.version == version(v))
        .expect("migration in plan");
    let mut n = 0;
    for c in m.checks.iter().filter(|c| c.item.when == CheckWhen::After) {
        let r = run_check(b, &c.item).await.expect("check runs");
        assert!(
            r.passed,
            "verification `{}` got {}, expected {}",
            r.name, r.value, r.expected
        );
        n += 1;
    }
    n
}

/// The state of a backfill's checkpoint (`done`, `complete`, ...) and its batch count.
async fn backfill_state(b: &mut dyn Backend, id: &str) -> (String, u64) {
    let rows = b
        .query(&format!(
            "SELECT state, batches FROM cutover_backfill WHERE id = '{id}'"
        ))
        .await
        .expect("checkpoint");
    let row = rows
        .rows
        .first()
        .unwrap_or_else(|| panic!("no checkpoint for {id}"));
    let state = row[0].clone().unwrap_or_default();
    let batches = row[1].as_deref().and_then(|v| v.parse().ok()).unwrap_or(0);
    (state, batches)
}

/// The column names of `table`, from the catalog, sorted.
async fn columns(b: &mut dyn Backend, table: &str) -> Vec<String> {
    let prefix = format!("column {table} ");
    let mut cols: Vec<String> = snapshot::schema(b)
        .await
        .into_iter()
        .filter_map(|l| {
            l.strip_prefix(&prefix)
                .and_then(|r| r.split(' ').next())
                .map(str::to_string)
        })
        .collect();
    cols.sort();
    cols
}

/// Sorted names, for comparing with [`columns`].
fn names(list: &[&str]) -> Vec<String> {
    let mut v: Vec<String> = list.iter().map(|s| s.to_string()).collect();
    v.sort();
    v
}

/// A directory for the contract's backups, removed afterwards by the caller.
fn backup_dir(db: &TestDb) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("cutover_examples_{}", db.name()));
    std::fs::create_dir_all(&dir).expect("backup dir");
    dir
}

#[tokio::test]
async fn attachments_runbook_runs_end_to_end() {
    for_each_backend(|db| async move {
        let dir = backup_dir(&db);
        attachments::scenario(&db, &dir).await;
        let _ = std::fs::remove_dir_all(&dir);
    })
    .await;
}

#[tokio::test]
async fn profile_links_runbook_runs_end_to_end() {
    for_each_backend(|db| async move {
        let dir = backup_dir(&db);
        profile_links::scenario(&db, &dir).await;
        let _ = std::fs::remove_dir_all(&dir);
    })
    .await;
}

/// What the brief of each example promises before any data: `cutover lint` finds nothing
/// (the suppressions carry their reasons), and `cutover test` (up one by one, down, up again,
/// contract backups included) passes on every selected database with the same schema.
#[tokio::test]
async fn example_plans_lint_clean_and_pass_cutover_test() {
    let urls: Vec<String> = cutover_tests::backends()
        .iter()
        .map(|b| b.server_url())
        .collect();
    for name in ["attachments", "profile-links"] {
        let dir = cutover_tests::plans::PlanDir::example(name);
        let plan = dir.load();
        let findings = cutover_core::lint::lint_plan(&plan, &cutover_core::Dialect::ALL);
        assert!(
            findings.is_empty(),
            "examples/{name}: lint findings {findings:?}"
        );
        let open: Box<cutover_core::plantest::Opener> = Box::new(|url: String| {
            Box::pin(async move { cutover_cli::connect::connect(&url).await })
        });
        let report = cutover_core::plantest::test_plan(&plan, &urls, open.as_ref())
            .await
            .expect("cutover test runs");
        assert!(
            report.ok,
            "examples/{name}: cutover test failed: {report:#?}"
        );
        assert_eq!(report.databases.len(), urls.len());
    }
}
