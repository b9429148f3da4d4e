//! Renaming an indexed column keeps the index's (and unique constraint's) name on every
//! database, so `drift` stays clean after a `rename_column`, and `down` reverts it.

use cutover_cli::connect::connect;
use cutover_core::backend::Backend;
use cutover_core::plan::{Plan, Version};
use cutover_core::runner::{DownTarget, Runner, RunnerOptions, Silent, Target};
use cutover_tests::for_each_backend;
use cutover_tests::plans::PlanDir;

const USERS: &str = r#"
description = "users"
[[steps]]
op = "create_table"
table = "users"
columns = [{ name = "id", type = "bigint", primary_key = true }, { name = "name", type = "varchar(100)" }, { name = "org", type = "bigint" }]
unique = [{ columns = ["name", "org"] }]
[[steps]]
op = "create_index"
table = "users"
columns = ["name"]
"#;

const RENAME: &str = r#"
description = "rename"
[[steps]]
op = "rename_column"
table = "users"
column = "name"
to = "full_name"
"#;

fn run<'a>(b: &'a mut dyn Backend, plan: &'a Plan) -> Runner<'a> {
    Runner::new(b, plan, RunnerOptions::default(), &Silent)
}

#[tokio::test]
async fn drift_is_clean_after_renaming_an_indexed_column() {
    for_each_backend(|db| async move {
        let dir = PlanDir::new();
        dir.write("0001_users.toml", USERS)
            .write("0002_rename.toml", RENAME);
        let plan = dir.load();
        let mut b = connect(db.url()).await.expect("connect");
        run(b.as_mut(), &plan).up(Target::Latest).await.expect("up");
        let drift = run(b.as_mut(), &plan).drift().await.expect("drift");
        assert!(drift.differences.is_empty(), "{:?}", drift.differences);
        run(b.as_mut(), &plan)
            .down(DownTarget::Version(Version::parse("1").expect("version")))
            .await
            .expect("down to 0001");
        let drift = run(b.as_mut(), &plan).drift().await.expect("drift");
        assert!(drift.differences.is_empty(), "{:?}", drift.differences);
        b.close().await.expect("close");
    })
    .await;
}
