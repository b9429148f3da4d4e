//! `requires` written as a bare number (`requires = [1]`) names migration `0001`: it is met by
//! a migration applied earlier in the same run, as `requires = ["0001"]` is (the versions are
//! compared by number, as the plan orders them).

use cutover_cli::connect::connect;
use cutover_core::runner::{Runner, RunnerOptions, Silent, Target};
use cutover_tests::plans::PlanDir;
use cutover_tests::{for_each_backend, snapshot};

const FIRST: &str = r#"
description = "create t1"
[[steps]]
op = "create_table"
table = "t1"
columns = [{ name = "id", type = "bigint", primary_key = true }]
"#;

const SECOND: &str = r#"
description = "create t2 after t1"
requires = [1]
[[steps]]
op = "create_table"
table = "t2"
columns = [{ name = "id", type = "bigint", primary_key = true }]
"#;

#[tokio::test]
async fn a_bare_number_requirement_is_met_within_one_run() {
    for_each_backend(|db| async move {
        let dir = PlanDir::new();
        dir.write("0001_t1.toml", FIRST);
        dir.write("0002_t2.toml", SECOND);
        let plan = dir.load();
        let mut b = connect(db.url()).await.expect("connect");
        let report = Runner::new(b.as_mut(), &plan, RunnerOptions::default(), &Silent)
            .up(Target::Latest)
            .await
            .expect("0002's requirement on 1 is met by 0001 applied in the same run");
        assert_eq!(report.migrations.len(), 2);
        assert_eq!(
            snapshot::count(b.as_mut(), "SELECT COUNT(*) FROM t2").await,
            0
        );
        let _ = b.close().await;
    })
    .await;
}
