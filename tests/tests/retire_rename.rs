//! Red-team finding 1, on real PostgreSQL, MariaDB and SQLite: a contract that renames the
//! column a finished backfill reads must not retire it (the data is still there under the
//! new name), so the later contract that drops the renamed column is refused while rows
//! written since the backfill finished are unmigrated. Its checks no longer run on the
//! renamed schema, so the refusal names the backfill and says to verify it and retire it
//! explicitly; after `backfill retire` the drop runs.

use std::time::Duration;

use cutover_cli::connect::connect;
use cutover_cli::exit::ExitCode;
use cutover_core::backend::Backend;
use cutover_core::backup::BackupPolicy;
use cutover_core::plan::{Phase, Plan, Version};
use cutover_core::runner::{BackfillStatus, Runner, RunnerOptions, Silent, Target};
use cutover_tests::plans::PlanDir;
use cutover_tests::{for_each_backend, snapshot};

const ITEMS: &str = r#"
description = "items with their legacy name"
phase = "expand"
[[steps]]
op = "create_table"
table = "items"
columns = [{ name = "id", type = "bigint", primary_key = true }, { name = "legacy_name", type = "varchar(40)" }, { name = "name", type = "varchar(40)" }]
[[steps]]
op = "sql"
sql = "INSERT INTO items (id, legacy_name) VALUES (1, 'apple'), (2, 'pear')"
down = "DELETE FROM items"
"#;

const FILL: &str = r#"
description = "copy legacy_name into name"
phase = "backfill"
[[steps]]
op = "backfill"
id = "fill_name"
table = "items"
pending = "name IS NULL AND legacy_name IS NOT NULL"
set.name = "upper(legacy_name)"
[[checks]]
name = "every item has a name"
table = "items"
where = "name IS NULL AND legacy_name IS NOT NULL"
expect = 0
"#;

const RENAME: &str = r#"
description = "rename the legacy name"
phase = "contract"
[[steps]]
op = "rename_column"
table = "items"
column = "legacy_name"
to = "old_name"
"#;

const DROP: &str = r#"
description = "drop the old name"
phase = "contract"
[[steps]]
op = "drop_column"
table = "items"
column = "old_name"
"#;

fn plan() -> (PlanDir, Plan) {
    let dir = PlanDir::new();
    dir.write("0001_items.toml", ITEMS)
        .write("0002_fill.toml", FILL)
        .write("0003_rename.toml", RENAME)
        .write("0004_drop.toml", DROP);
    let plan = dir.load();
    (dir, plan)
}

fn options() -> RunnerOptions {
    RunnerOptions {
        backup: BackupPolicy::Skip,
        retry_backoff: Duration::from_millis(50),
        applied_by: "tester@ci".into(),
        ..RunnerOptions::default()
    }
}

async fn up(b: &mut dyn Backend, plan: &Plan, target: Target) -> cutover_core::Result<()> {
    Runner::new(b, plan, options(), &Silent)
        .up(target)
        .await
        .map(drop)
}

async fn status(b: &mut dyn Backend, plan: &Plan) -> BackfillStatus {
    Runner::new(b, plan, options(), &Silent)
        .backfill_status()
        .await
        .expect("backfill status")
        .into_iter()
        .find(|s| s.id == "fill_name")
        .expect("fill_name in status")
}

#[tokio::test]
async fn a_rename_does_not_retire_and_the_drop_after_it_is_refused() {
    for_each_backend(|db| async move {
        let (_dir, plan) = plan();
        let mut b = connect(db.url()).await.expect("connect");
        let mut o = options();
        o.phase = Some(Phase::Backfill);
        Runner::new(b.as_mut(), &plan, o, &Silent)
            .up(Target::Latest)
            .await
            .expect("up --phase backfill");
        assert_eq!(status(b.as_mut(), &plan).await.state, "complete");
        // Old code keeps writing after the backfill finished.
        b.execute("INSERT INTO items (id, legacy_name) VALUES (3, 'plum')")
            .await
            .expect("insert");

        up(
            b.as_mut(),
            &plan,
            Target::Version(Version::parse("0003").expect("v")),
        )
        .await
        .expect("the rename runs (it destroys nothing)");
        let st = status(b.as_mut(), &plan).await;
        assert_eq!(
            (st.state.as_str(), &st.retired),
            ("complete", &None),
            "a rename does not retire the backfill"
        );

        let e = up(b.as_mut(), &plan, Target::Latest)
            .await
            .expect_err("the drop of the renamed column is refused");
        let message = e.to_string();
        let code = ExitCode::for_error(&anyhow::Error::from(e)) as u8;
        assert_eq!(code, 5, "{message}");
        assert!(
            message.contains("backfill `fill_name`")
                && message.contains("cannot be re-verified")
                && message.contains("cutover backfill retire fill_name --yes"),
            "{message}"
        );
        // Nothing was dropped: the unmigrated row is still there under the new name.
        assert_eq!(
            snapshot::rows(b.as_mut(), "items").await,
            ["1|apple|APPLE", "2|pear|PEAR", "3|plum|NULL"]
        );

        // The user verifies by hand, retires it, and the drop runs.
        Runner::new(b.as_mut(), &plan, options(), &Silent)
            .retire_backfill("fill_name", Some("checked by hand"))
            .await
            .expect("retire");
        up(b.as_mut(), &plan, Target::Latest)
            .await
            .expect("the drop runs once the backfill is retired");
        assert_eq!(
            snapshot::rows(b.as_mut(), "items").await,
            ["1|APPLE", "2|PEAR", "3|NULL"]
        );
        b.close().await.expect("close");
    })
    .await;
}
