//! The plan and helpers shared by the sync trigger tests.

use std::time::Duration;

use cutover_core::backend::Backend;
use cutover_core::backup::BackupPolicy;
use cutover_core::plan::{Plan, Version};
use cutover_core::runner::{DownTarget, Runner, RunnerOptions, Silent, Target};
use cutover_tests::Backend as Kind;
use cutover_tests::plans::PlanDir;

pub(super) const ITEMS: &str = r#"
description = "items with a url"
[[steps]]
op = "create_table"
table = "items"
columns = [
  { name = "id", type = "bigint", primary_key = true },
  { name = "url", type = "varchar(200)" },
  { name = "note", type = "varchar(40)" },
]
"#;

pub(super) const ADD_LABEL: &str = r#"
description = "the new label column"
phase = "expand"
[[steps]]
op = "add_column"
table = "items"
column = { name = "label", type = "varchar(250)" }
"#;

pub(super) const FILL: &str = r#"
description = "label from url, kept in sync while both app versions run"
phase = "backfill"
[[steps]]
op = "backfill"
id = "items_label"
table = "items"
where = "url IS NOT NULL AND url <> ''"
pending = "label IS NULL"
set.label = "concat(upper(substring_after_last(url, '/')), ':', CASE WHEN url LIKE 'https://%' THEN 'secure' ELSE 'plain' END)"
batch_size = 20
sync = true
undo.label = "NULL"
[[checks]]
name = "every item with a url has a label"
table = "items"
where = "url IS NOT NULL AND url <> '' AND label IS NULL"
expect = 0
"#;

/// Rebuilds `items` on SQLite (a CHECK added to an existing table) and widens `url` while the
/// trigger is on.
pub(super) const CHECK_ID: &str = r#"
description = "ids are positive"
phase = "expand"
[[steps]]
op = "add_check"
table = "items"
name = "items_id_positive"
expr = "id > 0"
allow = [{ rule = "sqlite/table-rebuild", reason = "test table" }]
# PostgreSQL refuses to change the type of a column a trigger's UPDATE OF names: the trigger is
# dropped around it.
[[steps]]
op = "alter_column"
table = "items"
column = "url"
type = "varchar(300)"
[[down]]
op = "alter_column"
table = "items"
column = "url"
type = "varchar(200)"
[[down]]
op = "drop_check"
table = "items"
name = "items_id_positive"
"#;

pub(super) const DROP_URL: &str = r#"
description = "drop the old url column"
phase = "contract"
[[steps]]
op = "drop_column"
table = "items"
column = "url"
allow = [{ rule = "sqlite/table-rebuild", reason = "test table" }]
[[down]]
op = "add_column"
table = "items"
column = { name = "url", type = "varchar(300)" }
"#;

pub(super) fn plan() -> (PlanDir, Plan) {
    let dir = PlanDir::new();
    dir.write("0001_items.toml", ITEMS)
        .write("0002_add_label.toml", ADD_LABEL)
        .write("0003_fill.toml", FILL)
        .write("0004_check_id.toml", CHECK_ID)
        .write("0005_drop_url.toml", DROP_URL);
    let plan = dir.load();
    (dir, plan)
}

pub(super) fn options() -> RunnerOptions {
    let mut o = RunnerOptions {
        backup: BackupPolicy::Skip,
        retry_backoff: Duration::from_millis(50),
        applied_by: "tester@ci".into(),
        ..RunnerOptions::default()
    };
    o.backfill.adaptive = false;
    o
}

pub(super) async fn up_to(b: &mut dyn Backend, plan: &Plan, to: &str) {
    let target = Target::Version(Version::parse(to).expect("version"));
    Runner::new(b, plan, options(), &Silent)
        .up(target)
        .await
        .unwrap_or_else(|e| panic!("up to {to}: {e}"));
}

pub(super) async fn down(b: &mut dyn Backend, plan: &Plan, target: DownTarget) {
    Runner::new(b, plan, options(), &Silent)
        .down(target)
        .await
        .unwrap_or_else(|e| panic!("down: {e}"));
}

/// The sync triggers of the database, as `table.trigger`.
pub(super) async fn sync_triggers(b: &mut dyn Backend) -> Vec<String> {
    let sql = b.dialect().sync_triggers().list_sync_triggers_sql();
    let rows = b.query(&sql).await.expect("list sync triggers");
    rows.rows
        .into_iter()
        .map(|r| {
            let v = |i: usize| r.get(i).cloned().flatten().unwrap_or_default();
            format!("{}.{}", v(1), v(0))
        })
        .collect()
}

pub(super) fn expected_triggers(kind: Kind) -> Vec<String> {
    match kind {
        Kind::Postgres => vec!["items.cutover_sync_items_label".to_string()],
        Kind::Mysql | Kind::Sqlite => vec![
            "items.cutover_sync_items_label_insert".to_string(),
            "items.cutover_sync_items_label_update".to_string(),
        ],
    }
}

/// The `label` of item `id`.
pub(super) async fn label_of(b: &mut dyn Backend, id: u64) -> Option<String> {
    b.query(&format!("SELECT label FROM items WHERE id = {id}"))
        .await
        .expect("read label")
        .scalar()
        .map(str::to_string)
}
