//! Backups never expose a password: not in the dump and restore tools' arguments (the
//! adapters' commands are inspected), not in any output, manifest or backup, and on MySQL
//! never in a file (the dump tool reads it from a pipe, the client from its environment).

mod common;

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use cutover_core::backend::Backend;
use cutover_mysql::MysqlBackend;
use cutover_postgres::PostgresBackend;
use cutover_tests::{Backend as Kind, TestDb, for_each_backend};

/// The password; `#` and `"` need quoting in a MySQL option file.
const SECRET: &str = "S3cret#Pass\"word";
/// The same, percent-encoded for a URL.
const SECRET_IN_URL: &str = "S3cret%23Pass%22word";

fn args_of(cmd: &Command) -> Vec<String> {
    std::iter::once(cmd.get_program())
        .chain(cmd.get_args())
        .map(|a| a.to_string_lossy().into_owned())
        .collect()
}

fn env_of(cmd: &Command, name: &str) -> Option<String> {
    cmd.get_envs()
        .find(|(k, _)| *k == name)
        .and_then(|(_, v)| v.map(|v| v.to_string_lossy().into_owned()))
}

fn assert_clean(what: &str, text: &str) {
    assert!(
        !text.contains(SECRET) && !text.contains(SECRET_IN_URL),
        "password leaked in {what}:\n{text}"
    );
}

/// A MariaDB user with the password, allowed everything on the test database; dropped by
/// [`drop_user`].
async fn create_user(db: &TestDb, user: &str) -> String {
    let mut admin = MysqlBackend::connect(db.url())
        .await
        .expect("admin connection");
    let quoted = SECRET.replace('\\', "\\\\").replace('\'', "\\'");
    admin
        .execute(&format!(
            "CREATE USER '{user}'@'%' IDENTIFIED BY '{quoted}'; GRANT ALL ON `{}`.* TO '{user}'@'%'",
            db.name()
        ))
        .await
        .expect("create user");
    Box::new(admin).close().await.expect("close");
    db.url()
        .replacen("://root@", &format!("://{user}:{SECRET_IN_URL}@"), 1)
}

async fn drop_user(db: &TestDb, user: &str) {
    let mut admin = MysqlBackend::connect(db.url())
        .await
        .expect("admin connection");
    admin
        .execute(&format!("DROP USER IF EXISTS '{user}'@'%'"))
        .await
        .expect("drop user");
    let _ = Box::new(admin).close().await;
}

/// A table with a row and a view, so that the dumps hold something.
async fn fill(backend: &mut dyn Backend) {
    backend
        .execute(
            "CREATE TABLE t (id integer PRIMARY KEY, v text); INSERT INTO t VALUES (1, 'a'); \
             CREATE VIEW tv AS SELECT id, v FROM t",
        )
        .await
        .expect("fill");
}

/// Option files of cutover (any process) in the temp directory that hold the password.
fn option_files_with_secret() -> Vec<PathBuf> {
    std::fs::read_dir(std::env::temp_dir())
        .map(|d| {
            d.filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| {
                    let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
                    name.starts_with("cutover-") && name.ends_with(".cnf")
                })
                .filter(|p| std::fs::read_to_string(p).is_ok_and(|t| t.contains("S3cret#Pass")))
                .collect()
        })
        .unwrap_or_default()
}

/// `cutover backup`, `backup verify` and `restore` with the password in the URL: nothing they
/// print, write or leave behind holds it.
fn run_cli(dir: &Path, url: &str) {
    let plan = dir.join("plan");
    std::fs::create_dir_all(&plan).expect("plan dir");
    let file = dir.join("backup.out");
    let (file_s, plan_s) = (file.to_str().expect("utf8"), plan.to_str().expect("utf8"));
    let trace = [("RUST_LOG", "trace")];
    let backup = [
        "backup",
        "--database",
        url,
        "--plan",
        plan_s,
        "--output",
        file_s,
    ];
    let verify = ["backup", "verify", file_s, "--plan", plan_s];
    let restore = [
        "restore",
        file_s,
        "--yes",
        "--database",
        url,
        "--plan",
        plan_s,
    ];
    let json_backup = [
        "backup",
        "--json",
        "--database",
        url,
        "--plan",
        plan_s,
        "--backup-dir",
    ];
    for args in [&backup[..], &verify[..], &restore[..]] {
        let out = common::run_env(dir, args, &trace);
        let text = common::text(&out);
        assert_eq!(out.status.code(), Some(0), "{args:?}:\n{text}");
        assert_clean(&format!("the output of {args:?}"), &text);
    }
    let mut json = json_backup.to_vec();
    let auto = dir.join("auto");
    json.push(auto.to_str().expect("utf8"));
    let out = common::run_env(dir, &json, &trace);
    assert_eq!(out.status.code(), Some(0), "{}", common::text(&out));
    assert_clean("the JSON output of backup", &common::text(&out));
    let mut files = vec![
        file.clone(),
        cutover_core::backup::Manifest::path_for(&file),
    ];
    files.extend(
        std::fs::read_dir(&auto)
            .expect("auto dir")
            .filter_map(|e| e.ok().map(|e| e.path())),
    );
    assert_eq!(files.len(), 4, "two backups and their manifests: {files:?}");
    for f in files {
        let bytes = std::fs::read(&f).expect("read");
        assert_clean(&f.display().to_string(), &String::from_utf8_lossy(&bytes));
        let mode = std::fs::metadata(&f).expect("meta").permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "{}", f.display());
    }
    assert_eq!(
        option_files_with_secret(),
        Vec::<PathBuf>::new(),
        "option files are removed"
    );
}

#[tokio::test]
async fn passwords_stay_out_of_tool_arguments_outputs_and_files() {
    for_each_backend(|db| async move {
        let dir = std::env::temp_dir().join(format!("cutover_secrets_{}", db.name()));
        std::fs::create_dir_all(&dir).expect("dir");
        let path = dir.join("x.bak");
        match db.backend() {
            Kind::Sqlite => {} // SQLite URLs carry no password and no tool runs.
            Kind::Postgres => {
                // Trust authentication on the test server accepts any password.
                let url =
                    db.url()
                        .replacen("://postgres@", &format!("://postgres:{SECRET_IN_URL}@"), 1);
                let mut backend = PostgresBackend::connect(&url).await.expect("connect");
                fill(&mut backend).await;
                for cmd in [
                    backend.dump_command(&path).expect("dump command"),
                    backend.restore_command(&path).expect("restore command"),
                ] {
                    let args = args_of(&cmd).join(" ");
                    assert_clean("pg_dump/pg_restore arguments", &args);
                    assert_eq!(
                        env_of(&cmd, "PGPASSWORD").as_deref(),
                        Some(SECRET),
                        "{args}"
                    );
                    assert_eq!(env_of(&cmd, "PGDATABASE").as_deref(), Some(db.name()));
                }
                Box::new(backend).close().await.expect("close");
                run_cli(&dir, &url);
            }
            Kind::Mysql => {
                let user = format!("cvt_{}", std::process::id());
                let url = create_user(&db, &user).await;
                let mut backend = MysqlBackend::connect(&url)
                    .await
                    .expect("connect as the user");
                fill(&mut backend).await;
                // The dump tool reads its credentials from a pipe on its stdin: no file.
                let (cmd, pipe) = backend.dump_command().expect("dump command");
                let args = args_of(&cmd);
                assert_clean("mariadb-dump arguments", &args.join(" "));
                assert_eq!(
                    args.get(1).map(String::as_str),
                    Some("--defaults-extra-file=/dev/stdin"),
                    "the option pipe comes first"
                );
                let mut text = String::new();
                std::io::Read::read_to_string(&mut pipe.into_stdin(), &mut text).expect("pipe");
                assert!(text.contains("password=\"S3cret#Pass\\\"word\""), "{text}");
                // The restore client's stdin is the dump: the password is in its environment.
                let cmd = backend.restore_command().expect("restore command");
                let args = args_of(&cmd);
                assert_clean("mariadb arguments", &args.join(" "));
                assert_eq!(env_of(&cmd, "MYSQL_PWD").as_deref(), Some(SECRET));
                Box::new(backend).close().await.expect("close");
                run_cli(&dir, &url);
                drop_user(&db, &user).await;
            }
        }
        let _ = std::fs::remove_dir_all(&dir);
    })
    .await;
}

/// Option files (`cutover-<pid>-*.cnf`) left in the temp dir by the process `pid`.
fn option_files_of(pid: u32) -> Vec<PathBuf> {
    let prefix = format!("cutover-{pid}-");
    std::fs::read_dir(std::env::temp_dir())
        .map(|d| {
            d.filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| {
                    let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
                    name.starts_with(&prefix) && name.ends_with(".cnf")
                })
                .collect()
        })
        .unwrap_or_default()
}

/// `cutover backup` on MySQL killed with SIGKILL at several moments of its run (before,
/// during and after the dump tool runs) leaves no file holding the password: the dump tool
/// reads it from a pipe.
#[tokio::test]
async fn a_killed_mysql_backup_leaves_no_option_file() {
    for_each_backend(|db| async move {
        if db.backend() != Kind::Mysql {
            return;
        }
        let user = format!("cvk_{}", std::process::id());
        let url = create_user(&db, &user).await;
        let mut backend = MysqlBackend::connect(&url).await.expect("connect");
        fill(&mut backend).await;
        Box::new(backend).close().await.expect("close");
        let dir = std::env::temp_dir().join(format!("cutover_kill_backup_{}", db.name()));
        std::fs::create_dir_all(dir.join("plan")).expect("dir");
        for (i, delay) in [10u64, 40, 80, 150, 300, 600].into_iter().enumerate() {
            let out = dir.join(format!("b{i}.sql"));
            let mut child = Command::new(common::bin())
                .args(["backup", "--database", &url, "--output"])
                .arg(&out)
                .arg("--plan")
                .arg(dir.join("plan"))
                .env_remove("DATABASE_URL")
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::null())
                .spawn()
                .expect("spawn");
            tokio::time::sleep(std::time::Duration::from_millis(delay)).await;
            let _ = child.kill(); // SIGKILL; it may have finished already.
            let _ = child.wait();
            let left = option_files_of(child.id());
            for f in &left {
                let _ = std::fs::remove_file(f);
            }
            assert_eq!(left, Vec::<PathBuf>::new(), "killed after {delay} ms");
        }
        let _ = std::fs::remove_dir_all(&dir);
        drop_user(&db, &user).await;
    })
    .await;
}
