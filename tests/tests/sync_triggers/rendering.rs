//! Which migrations remove, suspend and reinstall a sync trigger, from the rendered SQL alone
//! (no database): renames and drops of what the trigger uses end it in any phase, a contract
//! ends it only when it touches its table, unrelated changes leave it alone.

use cutover_core::Dialect;
use cutover_core::render::{Direction, RenderOptions, render_plan};
use cutover_tests::plans::PlanDir;

use super::support::{ADD_LABEL, FILL, ITEMS};

/// The ops of the sync statements of each migration, up and down, for `dialect`.
fn sync_ops(later: &[(&str, &str)], dialect: Dialect, direction: Direction) -> Vec<String> {
    let dir = PlanDir::new();
    dir.write("0001_items.toml", ITEMS)
        .write("0002_add_label.toml", ADD_LABEL)
        .write("0003_fill.toml", FILL);
    for (file, text) in later {
        dir.write(file, text);
    }
    let plan = dir.load();
    let options = RenderOptions {
        direction,
        ..RenderOptions::default()
    };
    render_plan(&plan, dialect, &options)
        .expect("renders")
        .into_iter()
        .map(|m| {
            let ops: Vec<&str> = m
                .statements
                .iter()
                .map(|s| s.op)
                .filter(|op| op.contains("sync_trigger"))
                .collect();
            let first = m.statements.first().map(|s| s.op).unwrap_or("-");
            let last = m.statements.last().map(|s| s.op).unwrap_or("-");
            format!("{}: {} (first {first}, last {last})", m.version, ops.len())
        })
        .collect()
}

const RENAME_URL: &str = r#"
description = "rename url, an expand step"
phase = "expand"
[[steps]]
op = "rename_column"
table = "items"
column = "url"
to = "link"
"#;

const RENAME_NOTE: &str = r#"
description = "rename note, which the trigger does not use"
phase = "expand"
[[steps]]
op = "rename_column"
table = "items"
column = "note"
to = "remark"
"#;

const OTHER_CONTRACT: &str = r#"
description = "a contract on another table"
phase = "contract"
[[steps]]
op = "create_table"
table = "other"
columns = [{ name = "id", type = "bigint", primary_key = true }]
[[steps]]
op = "drop_table"
table = "other"
"#;

#[test]
fn a_rename_of_a_source_column_ends_the_trigger_in_any_phase() {
    for d in [Dialect::Postgres, Dialect::Mysql, Dialect::Sqlite] {
        let installs = if d == Dialect::Postgres { 3 } else { 4 };
        let drops = if d == Dialect::Postgres { 1 } else { 2 };
        let up = sync_ops(&[("0004_rename_url.toml", RENAME_URL)], d, Direction::Up);
        assert_eq!(
            up[2],
            format!("0003: {installs} (first sync_trigger, last backfill)"),
            "{d}"
        );
        assert_eq!(
            up[3],
            format!("0004: {drops} (first drop_sync_trigger, last rename_column)"),
            "{d}"
        );
        let down = sync_ops(&[("0004_rename_url.toml", RENAME_URL)], d, Direction::Down);
        assert_eq!(
            down[0],
            format!("0004: {installs} (first rename_column, last sync_trigger)"),
            "{d}"
        );
    }
}

#[test]
fn unrelated_changes_leave_the_trigger_alone() {
    for d in [Dialect::Postgres, Dialect::Mysql, Dialect::Sqlite] {
        let later = [
            ("0004_rename_note.toml", RENAME_NOTE),
            ("0005_other.toml", OTHER_CONTRACT),
        ];
        let up = sync_ops(&later, d, Direction::Up);
        assert!(up[3].starts_with("0004: 0 "), "{d}: {}", up[3]);
        assert!(up[4].starts_with("0005: 0 "), "{d}: {}", up[4]);
        // Down of the backfill's migration drops it first, with the function on PostgreSQL.
        let down = sync_ops(&later, d, Direction::Down);
        assert_eq!(
            down[2], "0003: 2 (first drop_sync_trigger, last backfill)",
            "{d}"
        );
    }
}
