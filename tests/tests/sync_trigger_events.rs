//! A PostgreSQL sync trigger re-created by hand with other events, other `UPDATE OF`
//! columns, a `WHEN` condition, or disabled, keeps its function's body, so only comparing
//! the body missed it: `status` and `drift` now report it as ALTERED, and `backfill run`
//! puts the plan's trigger back.

#[allow(dead_code)]
#[path = "sync_triggers/support.rs"]
mod support;

use cutover_cli::connect::connect;
use cutover_core::backend::Backend;
use cutover_core::plan::Plan;
use cutover_core::runner::{Runner, Silent};
use cutover_tests::{Backend as Kind, TestDb, backends};

use support::{options, plan, up_to};

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

const RECREATE: &str = "DROP TRIGGER cutover_sync_items_label ON items;\nCREATE TRIGGER cutover_sync_items_label BEFORE ";
const CALL: &str = " FOR EACH ROW EXECUTE FUNCTION cutover_sync_items_label()";

#[tokio::test]
async fn a_sync_trigger_with_other_events_or_disabled_is_altered() {
    if !backends().contains(&Kind::Postgres) {
        return;
    }
    let db = TestDb::create(Kind::Postgres).await;
    let (_dir, plan) = plan();
    let mut b = connect(db.url()).await.expect("connect");
    up_to(b.as_mut(), &plan, "0003").await;
    assert_eq!(
        altered(b.as_mut(), &plan).await,
        (false, false),
        "as installed"
    );
    let changes = [
        ("insert only", format!("{RECREATE}INSERT ON items{CALL}")),
        (
            "update of another column",
            format!("{RECREATE}INSERT OR UPDATE OF note ON items{CALL}"),
        ),
        (
            "a when condition",
            format!(
                "{RECREATE}INSERT OR UPDATE OF url ON items FOR EACH ROW WHEN (NEW.note IS NOT NULL) EXECUTE FUNCTION cutover_sync_items_label()"
            ),
        ),
        (
            "disabled",
            "ALTER TABLE items DISABLE TRIGGER cutover_sync_items_label".to_string(),
        ),
    ];
    for (what, sql) in changes {
        for s in sql.split(";\n") {
            b.execute(s).await.unwrap_or_else(|e| panic!("{s}: {e}"));
        }
        assert_eq!(altered(b.as_mut(), &plan).await, (true, true), "{what}");
        Runner::new(b.as_mut(), &plan, options(), &Silent)
            .backfill("items_label")
            .await
            .expect("backfill run reinstalls it");
        assert_eq!(
            altered(b.as_mut(), &plan).await,
            (false, false),
            "{what}: reinstalled"
        );
    }
    b.close().await.expect("close");
    db.drop_db().await;
}
