//! First-run papercuts: the environment must never beat an explicit flag, a closed pipe is
//! not a panic, read-only commands work on a read-only SQLite file, and cutover leaves a
//! SQLite file's journal mode as it found it.

mod common;

use std::path::PathBuf;

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("cutover-papercut-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("migrations")).expect("mkdir");
    std::fs::write(
        dir.join("migrations/0001_t.toml"),
        "description = \"t\"\n[[steps]]\nop = \"create_table\"\ntable = \"t\"\ncolumns = [{ name = \"id\", type = \"integer\", primary_key = true }]\n",
    )
    .expect("write migration");
    std::fs::write(
        dir.join("cutover.toml"),
        "plan = \"migrations\"\n[targets.local]\nurl = \"sqlite://target.db\"\n",
    )
    .expect("write config");
    dir
}

#[test]
fn a_target_flag_beats_database_url_in_the_environment() {
    let dir = scratch("target");
    let env_db = format!("sqlite://{}", dir.join("env.db").display());
    let out = common::run_env(
        &dir,
        &["up", "--target", "local"],
        &[("DATABASE_URL", &env_db)],
    );
    assert_eq!(out.status.code(), Some(0), "{}", common::text(&out));
    assert!(
        dir.join("target.db").exists(),
        "the target's database was used"
    );
    assert!(!dir.join("env.db").exists(), "DATABASE_URL was not used");

    // Without a flag, DATABASE_URL is the database.
    let out = common::run_env(&dir, &["up"], &[("DATABASE_URL", &env_db)]);
    assert_eq!(out.status.code(), Some(0), "{}", common::text(&out));
    assert!(dir.join("env.db").exists(), "DATABASE_URL was used");

    // An explicit --database beats DATABASE_URL too.
    let flag_db = format!("sqlite://{}", dir.join("flag.db").display());
    let out = common::run_env(
        &dir,
        &["status", "--database", &flag_db],
        &[("DATABASE_URL", &env_db)],
    );
    // `status` only reads: it names the flag's (missing) file and creates nothing.
    assert_eq!(out.status.code(), Some(1), "{}", common::text(&out));
    assert!(
        common::text(&out).contains("flag.db"),
        "{}",
        common::text(&out)
    );
    assert!(!dir.join("flag.db").exists());
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_closed_stdout_is_not_a_panic() {
    let dir = scratch("pipe");
    let up = common::run(&dir, &["up", "--target", "local"]);
    assert_eq!(up.status.code(), Some(0), "{}", common::text(&up));
    for args in [
        &["sql", "--dialect", "postgres"][..],
        &["lint"][..],
        &["status", "--target", "local"][..],
        &["schema", "plan-format"][..],
    ] {
        let mut child = std::process::Command::new(common::bin())
            .args(args)
            .current_dir(&dir)
            .env_remove("DATABASE_URL")
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("run cutover");
        // Close the reading end before cutover writes: every write hits a broken pipe.
        drop(child.stdout.take());
        let out = child.wait_with_output().expect("wait");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
        assert_eq!(out.status.code(), Some(0), "{args:?}: {stderr}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// The journal mode recorded in a SQLite file's header (bytes 18 and 19: 1 = rollback
/// journal, 2 = WAL), read without SQLite so that reading cannot change it.
fn header_journal(path: &std::path::Path) -> (u8, u8) {
    let bytes = std::fs::read(path).expect("read database file");
    (bytes[18], bytes[19])
}

#[test]
fn cutover_leaves_the_sqlite_journal_mode_as_it_found_it() {
    let dir = scratch("journal");
    let db = dir.join("target.db");
    // A new file, created by `up`: rollback journal, as SQLite makes it.
    let out = common::run(&dir, &["up", "--target", "local"]);
    assert_eq!(out.status.code(), Some(0), "{}", common::text(&out));
    assert_eq!(header_journal(&db), (1, 1), "up switched a new file to WAL");
    for args in [
        &["status", "--target", "local"][..],
        &["down", "--target", "local"][..],
    ] {
        let out = common::run(&dir, args);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{args:?}: {}",
            common::text(&out)
        );
        assert_eq!(
            header_journal(&db),
            (1, 1),
            "{args:?} switched the file to WAL"
        );
    }
    assert!(
        !dir.join("target.db-wal").exists(),
        "a WAL file was left behind"
    );

    // A file the user keeps in WAL mode stays in WAL mode.
    let wal = format!("sqlite://{}?journal_mode=wal", dir.join("wal.db").display());
    let out = common::run(&dir, &["database", "create", "--database", &wal]);
    assert_eq!(out.status.code(), Some(0), "{}", common::text(&out));
    let out = common::run(&dir, &["up", "--database", &wal]);
    assert_eq!(out.status.code(), Some(0), "{}", common::text(&out));
    assert_eq!(header_journal(&dir.join("wal.db")), (2, 2));
    let plain = format!("sqlite://{}", dir.join("wal.db").display());
    let out = common::run(&dir, &["down", "--database", &plain]);
    assert_eq!(out.status.code(), Some(0), "{}", common::text(&out));
    assert_eq!(
        header_journal(&dir.join("wal.db")),
        (2, 2),
        "down switched a WAL file back"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// Whether the tests run as root (who may write any file whatever its mode).
fn running_as_root() -> bool {
    std::process::Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

#[test]
fn status_reads_a_read_only_sqlite_file() {
    use std::os::unix::fs::PermissionsExt;

    let dir = scratch("readonly");
    let db = dir.join("target.db");
    let out = common::run(&dir, &["up", "--target", "local"]);
    assert_eq!(out.status.code(), Some(0), "{}", common::text(&out));
    let before = std::fs::read(&db).expect("read database");
    // Neither the file nor its directory is writable (no journal can be created beside it).
    std::fs::set_permissions(&db, std::fs::Permissions::from_mode(0o444)).expect("chmod file");
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o555)).expect("chmod dir");
    let url = format!("sqlite://{}", db.display());
    let mut cmd = if running_as_root() {
        // Root writes through any mode; run as `nobody`, for whom the modes hold.
        let mut c = std::process::Command::new("setpriv");
        c.args([
            "--reuid=65534",
            "--regid=65534",
            "--clear-groups",
            common::bin(),
        ]);
        c
    } else {
        std::process::Command::new(common::bin())
    };
    let out = cmd
        .args(["status", "--exit-code", "--database", &url])
        .current_dir(&dir)
        .env_remove("DATABASE_URL")
        .output()
        .expect("run cutover status");
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).expect("chmod dir");
    let text = common::text(&out);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(text.contains("0001") && text.contains("applied"), "{text}");
    assert_eq!(
        std::fs::read(&db).expect("read database"),
        before,
        "status wrote to the file"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn run_time_errors_name_the_file_and_line_of_the_failing_step_and_check() {
    cutover_tests::for_each_backend(|db| async move {
        let name = db.backend().name();
        let dir = cutover_tests::plans::PlanDir::new();
        let root = dir.path();
        std::fs::create_dir_all(root.join("migrations")).expect("mkdir");
        let plan = root.join("migrations");
        std::fs::write(
            plan.join("0001_t.toml"),
            "description = \"t\"\n[[steps]]\nop = \"create_table\"\ntable = \"t\"\ncolumns = [{ name = \"id\", type = \"integer\", primary_key = true }]\n",
        )
        .expect("write");
        let up = || common::run(root, &["up", "--database", db.url()]);

        // A raw step that fails at run time: the error names the file and the step's line.
        std::fs::write(
            plan.join("0002_bad_step.toml"),
            "description = \"bad step\"\n\n[[steps]]\nop = \"sql\"\nsql = \"INSERT INTO no_such_table VALUES (1)\"\n",
        )
        .expect("write");
        let out = up();
        let text = common::text(&out);
        assert_eq!(out.status.code(), Some(1), "[{name}] {text}");
        assert!(text.contains("0002_bad_step.toml:3:"), "[{name}] {text}");
        assert!(text.contains("step 1 (sql)"), "[{name}] {text}");
        assert!(!text.contains("1-0"), "[{name}] {text}");

        // A check that fails: the error names the file and the check's line.
        std::fs::remove_file(plan.join("0002_bad_step.toml")).expect("remove");
        std::fs::write(
            plan.join("0002_bad_check.toml"),
            "description = \"bad check\"\n[[steps]]\nop = \"sql\"\nsql = \"INSERT INTO t (id) VALUES (1)\"\ndown = \"DELETE FROM t\"\n\n[[checks]]\nname = \"never\"\ntable = \"t\"\nexpect = 0\n",
        )
        .expect("write");
        let out = up();
        let text = common::text(&out);
        assert_eq!(out.status.code(), Some(5), "[{name}] {text}");
        assert!(text.contains("0002_bad_check.toml:7"), "[{name}] {text}");
        assert!(text.contains("check `never` failed"), "[{name}] {text}");
    })
    .await;
}

#[tokio::test]
async fn validate_calls_a_failed_migration_whose_file_is_gone_failed_not_applied() {
    cutover_tests::for_each_backend(|db| async move {
        let name = db.backend().name();
        let dir = cutover_tests::plans::PlanDir::new();
        let root = dir.path();
        let plan = root.join("migrations");
        std::fs::create_dir_all(&plan).expect("mkdir");
        std::fs::write(
            plan.join("0001_t.toml"),
            "description = \"t\"\n[[steps]]\nop = \"create_table\"\ntable = \"t\"\ncolumns = [{ name = \"id\", type = \"integer\", primary_key = true }]\n",
        )
        .expect("write");
        std::fs::write(
            plan.join("0002_bad.toml"),
            "description = \"bad\"\n[[steps]]\nop = \"sql\"\nsql = \"INSERT INTO no_such_table VALUES (1)\"\n",
        )
        .expect("write");
        let run = |args: &[&str]| {
            let mut all = args.to_vec();
            all.extend(["--database", db.url()]);
            common::run(root, &all)
        };
        assert_eq!(run(&["up"]).status.code(), Some(1), "[{name}] 0002 fails");
        // The file of the failed attempt is deleted instead of fixed.
        std::fs::remove_file(plan.join("0002_bad.toml")).expect("remove");
        let out = run(&["validate"]);
        let text = common::text(&out);
        assert_eq!(out.status.code(), Some(1), "[{name}] {text}");
        assert!(!text.contains("is applied"), "[{name}] {text}");
        assert!(
            text.contains("0002 (bad) failed (nothing of it stays applied)")
                && text.contains("cutover repair"),
            "[{name}] {text}"
        );
        // Following the advice makes the database and the plan agree again.
        let out = run(&["repair"]);
        assert_eq!(out.status.code(), Some(0), "[{name}] {}", common::text(&out));
        let out = run(&["validate"]);
        assert_eq!(out.status.code(), Some(0), "[{name}] {}", common::text(&out));
    })
    .await;
}
