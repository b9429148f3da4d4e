//! The example service against PostgreSQL, MariaDB and SQLite (a fresh database each): the
//! service binary applies its embedded plan at startup, and the CLI (its command code, run
//! in-process on the same database) sees the same history; the other way round; a changed
//! plan file is a checksum mismatch for both; two instances started at once apply each
//! migration once.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};

use clap::Parser;
use cutover_cli::{Cli, ExitCode};
use cutover_example_service::{PLAN, connect};
use cutover_tests::for_each_backend;

const ALL: [&str; 4] = ["0001", "0002", "0003", "0004"];

/// A scratch directory: the service's working directory (its backups go there).
fn scratch() -> PathBuf {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    let dir = std::env::temp_dir().join(format!("cutover-service-{}-{n}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create scratch dir");
    dir
}

/// Starts the service binary on `url`.
fn spawn_service(url: &str, cwd: &Path) -> Child {
    Command::new(env!("CARGO_BIN_EXE_service"))
        .env("DATABASE_URL", url)
        .env("RUST_LOG", "off")
        .current_dir(cwd)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start the service")
}

fn text(o: &Output) -> String {
    format!(
        "exit {:?}\n--- stdout\n{}--- stderr\n{}",
        o.status.code(),
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// Runs the service to its end; panics unless it succeeded. Returns the versions it applied.
fn service(url: &str, cwd: &Path) -> Vec<String> {
    let out = spawn_service(url, cwd).wait_with_output().expect("wait");
    assert!(out.status.success(), "service failed: {}", text(&out));
    applied(&out)
}

/// The versions of the service's `applied N migrations: [..]` line.
fn applied(out: &Output) -> Vec<String> {
    let stdout = String::from_utf8_lossy(&out.stdout);
    let line = stdout
        .lines()
        .find(|l| l.starts_with("applied "))
        .unwrap_or_else(|| panic!("no `applied` line: {}", text(out)));
    let list = line
        .split_once('[')
        .and_then(|(_, rest)| rest.strip_suffix(']'))
        .unwrap_or_default();
    list.split(", ")
        .filter(|v| !v.is_empty())
        .map(String::from)
        .collect()
}

/// Runs a `cutover` command line through the CLI's own code (parse + dispatch), in the
/// example's directory (its cutover.toml names `migrations`).
async fn cutover(args: &[&str]) -> anyhow::Result<ExitCode> {
    let cli = Cli::try_parse_from(std::iter::once("cutover").chain(args.iter().copied()))?;
    cutover_cli::commands::dispatch(cli).await
}

/// `cutover status --exit-code`: `Success` when nothing is pending, `Pending` otherwise.
async fn cli_status(url: &str) -> ExitCode {
    cutover(&["status", "--exit-code", "--database", url])
        .await
        .unwrap_or_else(|e| panic!("cutover status: {e:#}"))
}

/// The state of each migration as the library reads the history.
async fn states(url: &str) -> Vec<(String, String)> {
    let plan = PLAN.load().expect("embedded plan");
    let mut migrator = cutover_core::app::Migrator::new(plan, connect(url).await.expect("connect"));
    let report = migrator.status().await.expect("status");
    migrator.close().await.expect("close");
    report
        .migrations
        .iter()
        .map(|m| (m.version.text.clone(), m.state.clone()))
        .collect()
}

fn all(state: &str) -> Vec<(String, String)> {
    ALL.iter()
        .map(|v| (v.to_string(), state.to_string()))
        .collect()
}

/// The users rows: (email, email_normalized).
async fn users(url: &str) -> Vec<(String, String)> {
    let mut db = connect(url).await.expect("connect");
    let rows = db
        .query("SELECT email, email_normalized FROM users ORDER BY id")
        .await
        .expect("select users");
    db.close().await.expect("close");
    rows.rows
        .into_iter()
        .map(|r| {
            let cell = |i: usize| r.get(i).cloned().flatten().unwrap_or_default();
            (cell(0), cell(1))
        })
        .collect()
}

#[tokio::test]
async fn the_service_applies_its_plan_and_the_cli_sees_it() {
    for_each_backend(|db| async move {
        let url = db.url().to_string();
        let cwd = scratch();
        assert_eq!(cli_status(&url).await, ExitCode::Pending);
        assert_eq!(service(&url, &cwd), ALL);
        assert_eq!(states(&url).await, all("applied"));
        assert_eq!(cli_status(&url).await, ExitCode::Success);
        let validated = cutover(&["validate", "--database", &url]).await;
        assert!(matches!(validated, Ok(ExitCode::Success)), "{validated:?}");
        // A second start applies nothing and serves again.
        assert!(service(&url, &cwd).is_empty());
        let rows = users(&url).await;
        assert_eq!(rows.len(), 2, "{rows:?}");
        for (email, normalized) in rows {
            assert_eq!(normalized, email.trim().to_lowercase());
        }
        let _ = std::fs::remove_dir_all(&cwd);
    })
    .await;
}

#[tokio::test]
async fn the_cli_applies_the_first_migrations_and_the_service_the_rest() {
    for_each_backend(|db| async move {
        let url = db.url().to_string();
        let cwd = scratch();
        let up = cutover(&["up", "--to", "0002", "--no-backup", "--database", &url]).await;
        assert!(matches!(up, Ok(ExitCode::Success)), "{up:?}");
        assert_eq!(cli_status(&url).await, ExitCode::Pending);
        assert_eq!(service(&url, &cwd), ["0003", "0004"]);
        assert_eq!(cli_status(&url).await, ExitCode::Success);
        assert_eq!(states(&url).await, all("applied"));
        let _ = std::fs::remove_dir_all(&cwd);
    })
    .await;
}

/// A copy of the example's plan with the description of 0001 edited.
fn edited_plan() -> PathBuf {
    let dir = scratch().join("migrations");
    std::fs::create_dir_all(&dir).expect("mkdir");
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations");
    for entry in std::fs::read_dir(&src).expect("read migrations") {
        let path = entry.expect("entry").path();
        let name = path.file_name().expect("file name");
        let text = std::fs::read_to_string(&path).expect("read");
        let text = text.replace(
            "description = \"Create users",
            "description = \"Create the users",
        );
        std::fs::write(dir.join(name), text).expect("write");
    }
    dir
}

#[tokio::test]
async fn a_changed_plan_file_is_a_checksum_mismatch_for_both() {
    for_each_backend(|db| async move {
        let url = db.url().to_string();
        let cwd = scratch();
        let edited = edited_plan();
        let edited = edited.to_str().expect("utf-8 path");

        // The service applied the plan it embeds; the CLI holds an edited 0001.
        assert_eq!(service(&url, &cwd), ALL);
        let err = cutover(&["validate", "--plan", edited, "--database", &url])
            .await
            .expect_err("validate refuses the edited plan");
        assert_eq!(
            ExitCode::for_error(&err),
            ExitCode::ChecksumMismatch,
            "{err:#}"
        );
        assert!(
            format!("{err:#}").contains("migration 0001 (create_users) was applied with checksum")
        );

        // The other way round: the edit is accepted with `cutover repair`, so the history now
        // holds the edited checksum; the service's embedded file no longer matches it and the
        // service refuses to start.
        let repair = cutover(&["repair", "--plan", edited, "--database", &url]).await;
        assert!(matches!(repair, Ok(ExitCode::Success)), "{repair:?}");
        let out = spawn_service(&url, &cwd).wait_with_output().expect("wait");
        assert!(!out.status.success(), "{}", text(&out));
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains("migration 0001 (create_users) was applied with checksum"),
            "{}",
            text(&out)
        );
        assert_eq!(
            users(&url).await.len(),
            1,
            "the refused start served nothing"
        );
        let _ = std::fs::remove_dir_all(&cwd);
        let _ = std::fs::remove_dir_all(Path::new(edited).parent().expect("parent"));
    })
    .await;
}

#[tokio::test]
async fn two_instances_started_at_once_apply_each_migration_once() {
    for_each_backend(|db| async move {
        let url = db.url().to_string();
        let cwd = scratch();
        let first = spawn_service(&url, &cwd);
        let second = spawn_service(&url, &cwd);
        let outputs = [first, second].map(|c| c.wait_with_output().expect("wait"));
        for out in &outputs {
            assert!(out.status.success(), "service failed: {}", text(out));
        }
        let mut versions: Vec<String> = outputs.iter().flat_map(applied).collect();
        versions.sort();
        assert_eq!(
            versions, ALL,
            "each migration applied by exactly one instance"
        );
        assert_eq!(states(&url).await, all("applied"));
        assert_eq!(users(&url).await.len(), 2);
        let _ = std::fs::remove_dir_all(&cwd);
    })
    .await;
}
