//! `op = "updated_at_trigger"` on all three databases: an UPDATE that does not set the
//! column moves it forward, an UPDATE that sets it keeps the value written, drift knows the
//! trigger, and `down` removes it (and PostgreSQL's function).

use cutover_cli::connect::connect;
use cutover_core::backend::Backend;
use cutover_core::plan::Plan;
use cutover_core::runner::{DownTarget, Runner, RunnerOptions, Silent, Target};
use cutover_tests::plans::PlanDir;
use cutover_tests::{Backend as Kind, for_each_backend, snapshot};

const PLAN: &str = r#"
description = "links whose updatedAt follows every change"

[[steps]]
op = "create_table"
table = "links"
columns = [
  { name = "id", type = "bigint", primary_key = true },
  { name = "url", type = "text" },
  { name = "updatedAt", type = "timestamp", nullable = true },
]

[[steps]]
op = "updated_at_trigger"
table = "links"
column = "updatedAt"
"#;

async fn exec(b: &mut dyn Backend, sql: &str) {
    b.execute(sql)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
}

/// `updatedAt` of link `id`, as text cut to the second (`YYYY-MM-DD HH:MM:SS`).
async fn stamp(b: &mut dyn Backend, id: i64) -> String {
    let q = b.dialect().quote("updatedAt");
    let rows = b
        .query(&format!("SELECT {q} FROM links WHERE id = {id}"))
        .await
        .expect("select");
    let v = rows.scalar().unwrap_or("NULL").replace('T', " ");
    v.chars().take(19).collect()
}

async fn trigger_objects(b: &mut dyn Backend, kind: Kind) -> i64 {
    let sql = match kind {
        Kind::Postgres => {
            "SELECT (SELECT count(*) FROM pg_trigger WHERE tgname = 'links_set_updatedAt') \
             + (SELECT count(*) FROM pg_proc WHERE proname = 'links_set_updatedAt')"
        }
        Kind::Mysql => {
            "SELECT count(*) FROM information_schema.triggers \
             WHERE trigger_schema = DATABASE() AND trigger_name = 'links_set_updatedAt'"
        }
        Kind::Sqlite => {
            "SELECT count(*) FROM sqlite_schema WHERE type = 'trigger' AND name = 'links_set_updatedAt'"
        }
    };
    snapshot::count(b, sql).await
}

#[tokio::test]
async fn updated_at_moves_on_update_keeps_an_explicit_value_and_down_removes_it() {
    for_each_backend(|db| async move {
        let dir = PlanDir::new();
        dir.write("0001_links.toml", PLAN);
        let plan: Plan = dir.load();
        let mut b = connect(db.url()).await.expect("connect");
        let mut runner = Runner::new(b.as_mut(), &plan, RunnerOptions::default(), &Silent);
        runner.up(Target::Latest).await.expect("up");
        let drift = runner.drift().await.expect("drift").differences;
        assert!(drift.is_empty(), "{drift:?}");
        let q = b.dialect().quote("updatedAt");
        exec(
            b.as_mut(),
            &format!(
                "INSERT INTO links (id, url, {q}) VALUES (1, 'a', '2000-01-01 00:00:00'), \
                 (2, 'b', '2000-01-01 00:00:00'), (3, 'c', NULL)"
            ),
        )
        .await;
        // Not set by the statement: moves to now (NULL too).
        exec(b.as_mut(), "UPDATE links SET url = 'a2' WHERE id IN (1, 3)").await;
        let moved = stamp(b.as_mut(), 1).await;
        assert!(moved.as_str() > "2020-01-01", "{moved}");
        assert!(stamp(b.as_mut(), 3).await.as_str() > "2020-01-01");
        // Set by the statement: kept.
        exec(
            b.as_mut(),
            &format!("UPDATE links SET url = 'b2', {q} = '2011-11-11 11:11:11' WHERE id = 2"),
        )
        .await;
        assert_eq!(stamp(b.as_mut(), 2).await, "2011-11-11 11:11:11");
        assert_eq!(
            snapshot::count(
                b.as_mut(),
                "SELECT count(*) FROM links WHERE url IN ('a2', 'b2', 'c')"
            )
            .await,
            3
        );
        assert_eq!(
            trigger_objects(b.as_mut(), db.backend()).await,
            match db.backend() {
                Kind::Postgres => 2,
                _ => 1,
            }
        );

        // Dropped by hand: drift names it.
        let drop_sql = match db.backend() {
            Kind::Postgres => "DROP TRIGGER \"links_set_updatedAt\" ON links",
            Kind::Mysql => "DROP TRIGGER `links_set_updatedAt`",
            Kind::Sqlite => "DROP TRIGGER \"links_set_updatedAt\"",
        };
        exec(b.as_mut(), drop_sql).await;
        let drift = Runner::new(b.as_mut(), &plan, RunnerOptions::default(), &Silent)
            .drift()
            .await
            .expect("drift")
            .differences;
        assert!(
            drift
                .iter()
                .any(|d| d.object == "links_set_updatedAt" && d.detail == "trigger missing"),
            "{drift:?}"
        );
        Runner::new(b.as_mut(), &plan, RunnerOptions::default(), &Silent)
            .up(Target::Latest)
            .await
            .expect("nothing to apply");

        // Down with the trigger gone by hand still works (IF EXISTS), and removes the rest.
        Runner::new(b.as_mut(), &plan, RunnerOptions::default(), &Silent)
            .down(DownTarget::Steps(1))
            .await
            .unwrap_or_else(|e| panic!("down: {e}"));
        assert_eq!(trigger_objects(b.as_mut(), db.backend()).await, 0);
        let _ = b.close().await;
    })
    .await;
}

#[tokio::test]
async fn down_of_the_trigger_alone_leaves_the_table_and_stops_the_updates() {
    for_each_backend(|db| async move {
        let dir = PlanDir::new();
        let (table, trigger) =
            PLAN.split_at(PLAN.find("[[steps]]\nop = \"updated_at").expect("step"));
        dir.write("0001_links.toml", table);
        dir.write(
            "0002_trigger.toml",
            &format!("description = \"the trigger\"\n\n{trigger}"),
        );
        let plan = dir.load();
        let mut b = connect(db.url()).await.expect("connect");
        Runner::new(b.as_mut(), &plan, RunnerOptions::default(), &Silent)
            .up(Target::Latest)
            .await
            .expect("up");
        Runner::new(b.as_mut(), &plan, RunnerOptions::default(), &Silent)
            .down(DownTarget::Steps(1))
            .await
            .unwrap_or_else(|e| panic!("down: {e}"));
        assert_eq!(trigger_objects(b.as_mut(), db.backend()).await, 0);
        let q = b.dialect().quote("updatedAt");
        exec(
            b.as_mut(),
            &format!("INSERT INTO links (id, url, {q}) VALUES (1, 'a', '2000-01-01 00:00:00')"),
        )
        .await;
        exec(b.as_mut(), "UPDATE links SET url = 'a2'").await;
        assert_eq!(stamp(b.as_mut(), 1).await, "2000-01-01 00:00:00");
        let _ = b.close().await;
    })
    .await;
}
