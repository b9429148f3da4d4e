//! A MySQL/MariaDB or SQLite sync trigger re-created by hand for another event (`UPDATE`
//! instead of `INSERT`) with the same body: `status` and `drift` report it as ALTERED (the
//! MySQL catalog's `action_statement` is the body alone, so comparing it missed the event),
//! and `backfill run` puts the plan's trigger back. PostgreSQL: sync_trigger_events.rs.

#[allow(dead_code)]
#[path = "sync_triggers/support.rs"]
mod support;

use cutover_cli::connect::connect;
use cutover_core::backend::Backend;
use cutover_core::plan::Plan;
use cutover_core::runner::{Runner, Silent};
use cutover_tests::{Backend as Kind, TestDb, backends};

use support::{options, plan, up_to};

const NAME: &str = "cutover_sync_items_label_insert";

/// `(status says altered, drift reports it as altered)`.
async fn altered(b: &mut dyn Backend, plan: &Plan) -> (bool, bool) {
    let mut r = Runner::new(b, plan, options(), &Silent);
    let st = r.backfill_status().await.expect("status");
    let drift = r.drift().await.expect("drift");
    let reported = drift.differences.iter().any(|d| {
        d.detail.contains("sync trigger cutover_sync_items_label") && d.detail.contains("ALTERED")
    });
    (st[0].sync_altered, reported)
}

/// The statements that re-create the insert trigger, same body, for UPDATE.
async fn on_update(b: &mut dyn Backend, kind: Kind) -> Vec<String> {
    type Recreate = fn(&str) -> String;
    let (sql, create): (String, Recreate) = match kind {
        Kind::Mysql => (
            format!(
                "SELECT action_statement FROM information_schema.triggers WHERE trigger_schema = DATABASE() AND trigger_name = '{NAME}'"
            ),
            |body: &str| {
                format!("CREATE TRIGGER {NAME} BEFORE UPDATE ON items FOR EACH ROW {body}")
            },
        ),
        _ => (
            format!("SELECT sql FROM sqlite_master WHERE name = '{NAME}'"),
            |stmt: &str| stmt.replacen("AFTER INSERT", "AFTER UPDATE", 1),
        ),
    };
    let rows = b.query(&sql).await.expect(&sql);
    let text = rows.rows[0][0].clone().expect("a definition");
    let recreated = create(&text);
    assert_ne!(recreated, text, "the event changed");
    vec![format!("DROP TRIGGER {NAME}"), recreated]
}

#[tokio::test]
async fn a_sync_trigger_recreated_for_another_event_is_altered() {
    let kinds: Vec<Kind> = backends()
        .into_iter()
        .filter(|k| matches!(k, Kind::Mysql | Kind::Sqlite))
        .collect();
    assert!(
        !kinds.is_empty(),
        "CUTOVER_TEST_BACKENDS names neither mysql nor sqlite"
    );
    for kind in kinds {
        let db = TestDb::create(kind).await;
        let (_dir, plan) = plan();
        let mut b = connect(db.url()).await.expect("connect");
        up_to(b.as_mut(), &plan, "0003").await;
        assert_eq!(
            altered(b.as_mut(), &plan).await,
            (false, false),
            "{kind:?}: as installed"
        );
        for s in on_update(b.as_mut(), kind).await {
            b.execute(&s).await.unwrap_or_else(|e| panic!("{s}: {e}"));
        }
        assert_eq!(
            altered(b.as_mut(), &plan).await,
            (true, true),
            "{kind:?}: insert trigger re-created for UPDATE"
        );
        Runner::new(b.as_mut(), &plan, options(), &Silent)
            .backfill("items_label")
            .await
            .expect("backfill run reinstalls it");
        assert_eq!(
            altered(b.as_mut(), &plan).await,
            (false, false),
            "{kind:?}: reinstalled"
        );
        b.close().await.expect("close");
        db.drop_db().await;
    }
}
