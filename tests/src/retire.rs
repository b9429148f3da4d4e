//! The expand -> backfill -> contract plan and the runner calls the backfill retirement
//! tests share (backfill_retire.rs, backfill_retire_upgrade.rs).

use std::time::Duration;

use cutover_cli::exit::ExitCode;
use cutover_core::backend::Backend;
use cutover_core::backup::BackupPolicy;
use cutover_core::plan::{Phase, Plan};
use cutover_core::runner::{BackfillStatus, Runner, RunnerOptions, Silent, Target};

use crate::plans::PlanDir;

/// Migration 0001: `items` with its legacy name column, and rows.
pub const ITEMS: &str = r#"
description = "items with their legacy name"
phase = "expand"
[[steps]]
op = "create_table"
table = "items"
columns = [{ name = "id", type = "bigint", primary_key = true }, { name = "legacy_name", type = "varchar(40)" }]
[[steps]]
op = "sql"
sql = "INSERT INTO items (id, legacy_name) VALUES (1, 'apple'), (2, 'pear'), (3, 'plum'), (4, 'fig'), (5, 'kiwi')"
down = "DELETE FROM items"
"#;

/// Migration 0002 (expand): the new name column.
pub const ADD_NAME: &str = r#"
description = "the new name column"
phase = "expand"
[[steps]]
op = "add_column"
table = "items"
column = { name = "name", type = "varchar(40)" }
"#;

/// Migration 0003: the backfill `fill_name` from the legacy column.
pub const FILL: &str = r#"
description = "copy legacy_name into name"
phase = "backfill"
[[steps]]
op = "backfill"
id = "fill_name"
table = "items"
pending = "name IS NULL AND legacy_name IS NOT NULL"
set.name = "upper(legacy_name)"
batch_size = 2
[[checks]]
name = "every item has a name"
table = "items"
where = "name IS NULL"
expect = 0
"#;

/// Migration 0004 (contract): drops the legacy column.
pub const DROP_LEGACY: &str = r#"
description = "drop the legacy name"
phase = "contract"
[[steps]]
op = "drop_column"
table = "items"
column = "legacy_name"
[[down]]
op = "add_column"
table = "items"
column = { name = "legacy_name", type = "varchar(40)" }
"#;

/// The plan: items, a new name column, its backfill, the contract that drops the old one.
pub fn plan() -> (PlanDir, Plan) {
    let dir = PlanDir::new();
    dir.write("0001_items.toml", ITEMS)
        .write("0002_add_name.toml", ADD_NAME)
        .write("0003_fill.toml", FILL)
        .write("0004_drop_legacy.toml", DROP_LEGACY);
    let plan = dir.load();
    (dir, plan)
}

/// Runner options: no backup, quick retries, a fixed `applied_by`.
pub fn options() -> RunnerOptions {
    RunnerOptions {
        backup: BackupPolicy::Skip,
        retry_backoff: Duration::from_millis(50),
        applied_by: "tester@ci".into(),
        ..RunnerOptions::default()
    }
}

/// `up` to the latest migration of `plan`, of `phase` only when given.
pub async fn up(
    b: &mut dyn Backend,
    plan: &Plan,
    phase: Option<Phase>,
) -> cutover_core::Result<()> {
    let mut o = options();
    o.phase = phase;
    Runner::new(b, plan, o, &Silent)
        .up(Target::Latest)
        .await
        .map(drop)
}

/// The status of backfill `fill_name`.
pub async fn status(b: &mut dyn Backend, plan: &Plan) -> BackfillStatus {
    Runner::new(b, plan, options(), &Silent)
        .backfill_status()
        .await
        .expect("backfill status")
        .into_iter()
        .find(|s| s.id == "fill_name")
        .expect("fill_name in status")
}

/// The message of an error of kind `want`, with the exit code the CLI gives it.
pub fn message_and_code<T: std::fmt::Debug>(
    r: cutover_core::Result<T>,
    what: &str,
) -> (String, u8) {
    let e = r.expect_err(what);
    let message = e.to_string();
    let code = ExitCode::for_error(&anyhow::Error::from(e)) as u8;
    (message, code)
}

/// The rows of `items` (`id|name`) once the backfill ran.
pub const NAMES: [&str; 5] = ["1|APPLE", "2|PEAR", "3|PLUM", "4|FIG", "5|KIWI"];
