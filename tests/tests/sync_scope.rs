//! Dual-write sync triggers are namespaced by history table (issue 16), on real PostgreSQL,
//! MariaDB and SQLite: two plans share one database with history tables `hist_a` and
//! `hist_b`, each with a `sync = true` backfill `copy_old` (on tables `ta` and `tb`, with
//! columns of their own). Installing B's trigger does not replace A's (PostgreSQL: the
//! trigger function; MySQL/SQLite: the schema-wide trigger names), B's contract removes B's
//! trigger only, and A's keeps firing; `status`, `drift` and `verify` of each plan see its
//! own trigger and never claim the other plan's.

use std::time::Duration;

use cutover_cli::connect::connect;
use cutover_core::backend::Backend;
use cutover_core::dialect::Dialect;
use cutover_core::plan::{Plan, Version};
use cutover_core::runner::{BackfillStatus, Runner, RunnerOptions, Silent, Target};
use cutover_tests::for_each_backend;
use cutover_tests::plans::PlanDir;

/// Table `t` with columns `old_<c>` and `new_<c>`: each plan's trigger reads and writes
/// columns the other table does not have.
fn table(t: &str, c: &str) -> String {
    format!(
        r#"
description = "{t}"
[[steps]]
op = "create_table"
table = "{t}"
columns = [
  {{ name = "id", type = "bigint", primary_key = true }},
  {{ name = "old_{c}", type = "text" }},
  {{ name = "new_{c}", type = "text" }},
]
"#
    )
}

/// The same backfill id in both plans, kept in sync.
fn fill(t: &str, c: &str) -> String {
    format!(
        r#"
description = "fill"
phase = "backfill"
[[steps]]
op = "backfill"
id = "copy_old"
table = "{t}"
where = "old_{c} IS NOT NULL"
set.new_{c} = "old_{c}"
sync = true
"#
    )
}

fn contract(t: &str, c: &str) -> String {
    format!(
        r#"
description = "drop old"
phase = "contract"
[[steps]]
op = "drop_column"
table = "{t}"
column = "old_{c}"
[[down]]
op = "add_column"
table = "{t}"
column = {{ name = "old_{c}", type = "text" }}
"#
    )
}

fn plan_dir(t: &str, c: &str) -> PlanDir {
    let dir = PlanDir::new();
    dir.write("0001_t.toml", &table(t, c))
        .write("0002_fill.toml", &fill(t, c))
        .write("0003_drop.toml", &contract(t, c));
    dir
}

fn options(history: &str) -> RunnerOptions {
    RunnerOptions {
        retry_backoff: Duration::from_millis(20),
        backup: cutover_core::backup::BackupPolicy::Skip,
        lock_wait: Duration::ZERO,
        history_table: history.to_string(),
        ..RunnerOptions::default()
    }
}

async fn up(b: &mut dyn Backend, plan: &Plan, history: &str, to: &str) {
    Runner::new(b, plan, options(history), &Silent)
        .up(Target::Version(Version::parse(to).expect("v")))
        .await
        .unwrap_or_else(|e| panic!("{history} up {to}: {e}"));
}

async fn value(b: &mut dyn Backend, sql: &str) -> String {
    let rows = b.query(sql).await.unwrap_or_else(|e| panic!("{sql}: {e}"));
    rows.scalar().unwrap_or_default().to_string()
}

async fn status(b: &mut dyn Backend, plan: &Plan, history: &str) -> BackfillStatus {
    let mut st = Runner::new(b, plan, options(history), &Silent)
        .backfill_status()
        .await
        .expect("backfill status");
    assert_eq!(st.len(), 1, "{st:?}");
    st.remove(0)
}

/// The sync-trigger lines of `drift` of the plan with history table `history`.
async fn sync_drift(b: &mut dyn Backend, plan: &Plan, history: &str) -> Vec<String> {
    let report = Runner::new(b, plan, options(history), &Silent)
        .drift()
        .await
        .expect("drift");
    report
        .differences
        .iter()
        .map(|d| format!("{}: {}", d.object, d.detail))
        .filter(|d| d.contains("sync") || d.contains("cutover_sync"))
        .collect()
}

#[tokio::test]
async fn two_history_tables_keep_their_sync_triggers_apart() {
    for_each_backend(|db| async move {
        let mut b = connect(db.url()).await.expect("connect");
        let (dir_a, dir_b) = (plan_dir("ta", "a"), plan_dir("tb", "b"));
        let (plan_a, plan_b) = (dir_a.load(), dir_b.load());
        up(b.as_mut(), &plan_a, "hist_a", "0002").await;
        up(b.as_mut(), &plan_b, "hist_b", "0002").await;

        // Both triggers fire, each with its own plan's transform.
        b.execute("INSERT INTO ta (id, old_a) VALUES (1, 'a1')")
            .await
            .expect("A's insert after B's install");
        b.execute("INSERT INTO tb (id, old_b) VALUES (1, 'b1')")
            .await
            .expect("B's insert");
        assert_eq!(
            value(b.as_mut(), "SELECT new_a FROM ta WHERE id = 1").await,
            "a1"
        );
        assert_eq!(
            value(b.as_mut(), "SELECT new_b FROM tb WHERE id = 1").await,
            "b1"
        );
        for (plan, h) in [(&plan_a, "hist_a"), (&plan_b, "hist_b")] {
            let st = status(b.as_mut(), plan, h).await;
            assert!(st.sync_active, "{h}: {st:?}");
            assert!(!st.sync_missing && !st.sync_altered, "{h}: {st:?}");
            let drift = sync_drift(b.as_mut(), plan, h).await;
            assert!(drift.is_empty(), "{h}: {drift:?}");
        }

        // B's contract ends B's trigger, and only B's.
        up(b.as_mut(), &plan_b, "hist_b", "0003").await;
        b.execute("INSERT INTO ta (id, old_a) VALUES (2, 'a2')")
            .await
            .expect("A's insert after B's contract");
        b.execute("UPDATE ta SET old_a = 'a1x' WHERE id = 1")
            .await
            .expect("A's update after B's contract");
        assert_eq!(
            value(b.as_mut(), "SELECT new_a FROM ta WHERE id = 2").await,
            "a2",
            "A's trigger no longer fires after B's contract"
        );
        assert_eq!(
            value(b.as_mut(), "SELECT new_a FROM ta WHERE id = 1").await,
            "a1x"
        );
        let a = status(b.as_mut(), &plan_a, "hist_a").await;
        assert!(a.sync_active && !a.sync_missing && !a.sync_altered, "{a:?}");
        let st_b = status(b.as_mut(), &plan_b, "hist_b").await;
        assert!(!st_b.sync_active && !st_b.sync_missing, "{st_b:?}");
        assert!(sync_drift(b.as_mut(), &plan_a, "hist_a").await.is_empty());
        assert!(sync_drift(b.as_mut(), &plan_b, "hist_b").await.is_empty());

        // A's trigger dropped by hand: A's status, drift and verify say so; B's do not.
        let names = triggers_on(b.as_mut(), "ta").await;
        assert!(!names.is_empty());
        assert!(
            names.iter().all(|n| n.starts_with("cutover_sync_")),
            "{names:?}"
        );
        for n in &names {
            let drop = match b.dialect() {
                Dialect::Postgres => format!("DROP TRIGGER \"{n}\" ON ta"),
                _ => format!("DROP TRIGGER {n}"),
            };
            b.execute(&drop).await.expect("drop A's trigger");
        }
        // The base name (MySQL/SQLite: without `_insert`, `_update`).
        let base = names[0].trim_end_matches("_insert").to_string();
        let a = status(b.as_mut(), &plan_a, "hist_a").await;
        assert!(!a.sync_active && a.sync_missing, "{a:?}");
        let drift = sync_drift(b.as_mut(), &plan_a, "hist_a").await;
        assert_eq!(drift.len(), 1, "{drift:?}");
        assert!(drift[0].contains(&format!("{base} ")), "{drift:?}");
        let verify = Runner::new(b.as_mut(), &plan_a, options("hist_a"), &Silent)
            .verify(&[])
            .await
            .expect("verify A");
        assert!(
            verify
                .warnings
                .iter()
                .any(|w| w.contains(&format!("{base} "))),
            "{verify:?}"
        );
        assert!(sync_drift(b.as_mut(), &plan_b, "hist_b").await.is_empty());
    })
    .await;
}

/// The names of the triggers on table `t`, from the catalog.
async fn triggers_on(b: &mut dyn Backend, t: &str) -> Vec<String> {
    let sql = match b.dialect() {
        Dialect::Postgres => format!(
            "SELECT tgname::text FROM pg_trigger WHERE tgrelid = '{t}'::regclass \
             AND NOT tgisinternal ORDER BY 1"
        ),
        Dialect::Mysql => format!(
            "SELECT trigger_name FROM information_schema.triggers WHERE trigger_schema = \
             DATABASE() AND event_object_table = '{t}' ORDER BY 1"
        ),
        _ => format!(
            "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = '{t}' ORDER BY 1"
        ),
    };
    b.query(&sql)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
        .into_first_column()
}

/// `cutover sql` (render_plan) names the triggers after the history table it is given; the
/// default history table keeps the names of earlier releases.
#[test]
fn rendering_names_the_triggers_after_the_history_table() {
    use cutover_core::backfill::BackfillScope;
    use cutover_core::render::{RenderOptions, render_plan};
    let dir = plan_dir("ta", "a");
    let plan = dir.load();
    for d in [Dialect::Postgres, Dialect::Mysql, Dialect::Sqlite] {
        let sql = |scope: BackfillScope| -> String {
            let options = RenderOptions {
                scope,
                ..RenderOptions::default()
            };
            let rendered = render_plan(&plan, d, &options).expect("renders");
            rendered
                .iter()
                .flat_map(|m| m.statements.iter().map(|s| s.sql.clone()))
                .collect::<Vec<_>>()
                .join("\n")
        };
        let default = sql(BackfillScope::default());
        assert!(default.contains("cutover_sync_copy_old"), "{d}: {default}");
        let scoped_name = BackfillScope::of("hist_a").sync_trigger_name("copy_old");
        assert_ne!(scoped_name, "cutover_sync_copy_old");
        let scoped = sql(BackfillScope::of("hist_a"));
        assert!(scoped.contains(&scoped_name), "{d}: {scoped}");
        assert!(!scoped.contains("cutover_sync_copy_old"), "{d}: {scoped}");
    }
}
