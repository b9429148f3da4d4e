//! The replica flags of `up` / `backfill run`: `--max-replica-lag` without replica URLs
//! reads the lag on a PostgreSQL primary; `--replica`, `--on-unreachable` and
//! `--replica-source` without a limit, or contradicting each other, are refused before
//! anything is applied.

mod common;

use cutover_cli::connect::connect;
use cutover_tests::plans::PlanDir;
use cutover_tests::replicas::{database_on_pair, drop_on_pair, replicas_off};
use cutover_tests::{Backend as Kind, for_each_backend};

/// Fifty rows with `a` set, and a backfill filling `b`.
fn plan() -> PlanDir {
    let rows: Vec<String> = (1..=50).map(|i| format!("({i}, {i})")).collect();
    let plan = PlanDir::new();
    plan.write(
        "0001_t.toml",
        &format!(
            r#"
description = "fifty rows"
[[steps]]
op = "create_table"
table = "t"
columns = [{{ name = "id", type = "bigint", primary_key = true }}, {{ name = "a", type = "integer" }}, {{ name = "b", type = "integer" }}]
[[steps]]
op = "sql"
sql = "INSERT INTO t (id, a) VALUES {}"
down = "DELETE FROM t"
"#,
            rows.join(", ")
        ),
    )
    .write(
        "0002_fill.toml",
        r#"
description = "fill b"
[[steps]]
op = "backfill"
id = "fill_b"
table = "t"
pending = "b IS NULL"
set.b = "a + 1"
"#,
    );
    plan
}

fn up(plan: &PlanDir, url: &str, extra: &[&str]) -> std::process::Output {
    let dir = plan.path().to_str().expect("utf8").to_string();
    let mut args = vec![
        "up",
        "--database",
        url,
        "--plan",
        &dir,
        "--batch-size",
        "10",
    ];
    args.extend_from_slice(extra);
    common::run(plan.path(), &args)
}

#[tokio::test]
async fn replica_flags_without_a_limit_or_contradicting_are_refused() {
    for_each_backend(|db| async move {
        let plan = plan();
        let cases: [(&[&str], &str); 4] = [
            (
                &["--replica", "postgres://postgres:s3cret@127.0.0.1:1/x"],
                "--replica only take effect with --max-replica-lag",
            ),
            (
                &["--on-unreachable", "fail", "--replica-source", "primary"],
                "--on-unreachable, --replica-source only take effect with --max-replica-lag",
            ),
            (
                &[
                    "--max-replica-lag",
                    "2",
                    "--replica-source",
                    "primary",
                    "--replica",
                    "postgres://postgres@127.0.0.1:1/x",
                ],
                "--replica-source primary reads the lag on the primary alone",
            ),
            (
                &["--max-replica-lag", "2", "--replica-source", "replicas"],
                "--replica-source replicas needs the replicas to watch",
            ),
        ];
        for (flags, want) in cases {
            let out = up(&plan, db.url(), flags);
            let text = common::text(&out);
            assert_ne!(out.status.code(), Some(0), "{text}");
            assert!(text.contains(want), "{flags:?}: {text}");
            assert!(!text.contains("s3cret"), "{text}");
        }
        // Nothing was applied.
        let mut b = connect(db.url()).await.expect("connect");
        assert!(
            b.query("SELECT COUNT(*) FROM t").await.is_err(),
            "table t was created"
        );
        if db.backend() == Kind::Mysql {
            // A MariaDB primary cannot report its replicas: their URLs are required.
            let out = up(&plan, db.url(), &["--max-replica-lag", "2"]);
            let text = common::text(&out);
            assert_ne!(out.status.code(), Some(0), "{text}");
            assert!(
                text.contains("the primary does not report its replicas' lag"),
                "{text}"
            );
            assert!(
                b.query("SELECT COUNT(*) FROM t").await.is_err(),
                "table t was created"
            );
        }
        b.close().await.expect("close");
    })
    .await;
}

/// `--max-replica-lag` with no replica listed, on the PostgreSQL primary of the replica
/// pair: the lag of its streaming standby is read from pg_stat_replication and the backfill
/// runs (before, it was refused for want of replica URLs).
#[tokio::test]
async fn max_replica_lag_without_replica_urls_reads_the_postgres_primary() {
    if replicas_off() || !cutover_tests::backends().contains(&Kind::Postgres) {
        return;
    }
    let name = format!("cutover_replica_flags_{}", std::process::id());
    let env = "CUTOVER_TEST_PG_PRIMARY_URL";
    let (url, _) = database_on_pair(env, "CUTOVER_TEST_PG_REPLICA_URL", &name).await;
    let plan = plan();
    let out = up(&plan, &url, &["--max-replica-lag", "5"]);
    let text = common::text(&out);
    let mut b = connect(&url).await.expect("connect");
    let filled = b
        .query("SELECT COUNT(*) FROM t WHERE b = a + 1")
        .await
        .map(|r| r.scalar().unwrap_or_default().to_string());
    b.close().await.expect("close");
    drop_on_pair(env, &name).await;
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert_eq!(filled.expect("count"), "50", "{text}");
}

/// `backfill run --group --max-replica-lag`: each target watches its own replicas, with its
/// own settings. `a` is the pair's primary with its streaming replica listed (it runs); `b`
/// lists none, so its lag is read on its primary, which has no standby, and its
/// `on_unreachable = "fail"` fails it; `c` lists `a`'s replica, which is not its own (refused).
#[tokio::test]
async fn backfill_run_group_watches_each_targets_own_replicas() {
    if replicas_off() || !cutover_tests::backends().contains(&Kind::Postgres) {
        return;
    }
    let name = format!("cutover_replica_group_{}", std::process::id());
    let env = "CUTOVER_TEST_PG_PRIMARY_URL";
    let (a, a_replica) = database_on_pair(env, "CUTOVER_TEST_PG_REPLICA_URL", &name).await;
    let server = std::env::var("CUTOVER_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
    let mut admin = connect(&server).await.expect("connect");
    let (b, c) = (format!("{name}_b"), format!("{name}_c"));
    for db in [&b, &c] {
        admin
            .execute(&format!("DROP DATABASE IF EXISTS {db}"))
            .await
            .expect("drop");
        admin
            .execute(&format!("CREATE DATABASE {db}"))
            .await
            .expect("create");
    }
    let (b_url, c_url) = (
        cutover_core::url::with_database(&server, &b),
        cutover_core::url::with_database(&server, &c),
    );
    let plan = plan();
    let dir = plan.path().join("project");
    std::fs::create_dir_all(&dir).expect("mkdir");
    std::fs::write(
        dir.join("cutover.toml"),
        format!(
            "plan = {:?}\n[targets.a]\nurl = {a:?}\nreplicas = [{a_replica:?}]\n[targets.b]\nurl = {b_url:?}\non_unreachable = \"fail\"\n[targets.c]\nurl = {c_url:?}\nreplicas = [{a_replica:?}]\n[groups.fleet]\ntargets = [\"a\", \"b\", \"c\"]\n",
            plan.path().display().to_string()
        ),
    )
    .expect("write cutover.toml");
    let up = common::run(&dir, &["up", "--group", "fleet", "--to", "0001"]);
    assert_eq!(up.status.code(), Some(0), "{}", common::text(&up));
    let out = common::run(
        &dir,
        &[
            "backfill",
            "run",
            "--group",
            "fleet",
            "--max-replica-lag",
            "5",
            "--json",
        ],
    );
    let doc = common::json(&out);
    let mut filled = Vec::new();
    for url in [&a, &b_url, &c_url] {
        let mut conn = connect(url).await.expect("connect");
        let n = conn
            .query("SELECT COUNT(*) FROM t WHERE b = a + 1")
            .await
            .map(|r| r.scalar().unwrap_or_default().to_string());
        conn.close().await.expect("close");
        filled.push(n.expect("count"));
    }
    for db in [&b, &c] {
        admin
            .execute(&format!("DROP DATABASE {db}"))
            .await
            .expect("drop");
    }
    admin.close().await.expect("close");
    drop_on_pair(env, &name).await;
    let target = |n: &str| {
        doc["targets"]
            .as_array()
            .and_then(|ts| ts.iter().find(|t| t["target"] == n))
            .cloned()
            .unwrap_or_else(|| panic!("{n} missing in {doc:#}"))
    };
    assert_eq!(out.status.code(), Some(11), "{doc:#}");
    assert_eq!(target("a")["status"], "ok", "{doc:#}");
    let (tb, tc) = (target("b").to_string(), target("c").to_string());
    assert!(tb.contains("the primary lists no standby"), "{tb}");
    assert!(tc.contains("it is a replica of another cluster"), "{tc}");
    assert_eq!(filled, ["50", "0", "0"], "{doc:#}");
}
