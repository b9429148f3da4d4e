//! The first COMMIT of a run records its lock acquisition (the fence). When the reply to it is
//! lost, the run renews its session and goes on: it applies everything, once.

use cutover_cli::connect::connect;
use cutover_core::runner::{Runner, RunnerOptions, Silent, Target};
use cutover_tests::faults::{Fault, FaultProxy, protocol_of, proxied_url, upstream};
use cutover_tests::plans::PlanDir;
use cutover_tests::{Backend as Kind, for_each_backend, snapshot};

const PLAN: &str = r#"
description = "a table and one row"
[[steps]]
op = "create_table"
table = "t"
columns = [{ name = "id", type = "integer", primary_key = true }]
[[steps]]
op = "sql"
sql = "INSERT INTO t (id) VALUES (1)"
down = "DELETE FROM t"
"#;

#[tokio::test]
async fn a_lost_reply_to_the_fence_commit_is_renewed() {
    for_each_backend(|db| async move {
        if db.backend() == Kind::Sqlite {
            return; // no connection to lose
        }
        let dir = PlanDir::new();
        dir.write("0001_t.toml", PLAN);
        let plan = dir.load();
        let proxy = FaultProxy::start(
            protocol_of(db.url()),
            upstream(db.url()).await,
            Fault::CommitReplyLost(1),
        )
        .await;
        let mut b = connect(&proxied_url(db.url(), &proxy))
            .await
            .expect("connect through the proxy");
        let options = RunnerOptions {
            retry_backoff: std::time::Duration::from_millis(50),
            ..RunnerOptions::default()
        };
        let report = Runner::new(b.as_mut(), &plan, options, &Silent)
            .up(Target::Latest)
            .await
            .expect("up renews the session and finishes");
        assert!(proxy.fired(), "the fence's COMMIT reply was dropped");
        assert_eq!(report.migrations.len(), 1);
        let mut direct = connect(db.url()).await.expect("connect");
        assert_eq!(snapshot::rows(direct.as_mut(), "t").await, ["1"]);
        b.close().await.ok();
        direct.close().await.expect("close");
    })
    .await;
}
