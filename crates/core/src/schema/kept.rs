//! What a table rebuild lost: the live table before and after, compared.
//!
//! SQLite rebuilds a table from the plan's model of it. When the live table has more than the
//! model knows (a table the plan did not create, or constraints added by raw SQL), the
//! rebuild would silently drop it; the runner compares the live shapes and refuses instead.

use super::TableShape;

/// Everything `before` has that `after` lacks and that the step `op` does not remove by
/// itself, described for a message (`check (length(body) > 0)`, `index idx_a`, ...).
///
/// A `drop_check`, `drop_foreign_key` or `drop_unique` may lose one item of its kind; a
/// `drop_column` one column and the indexes, keys and checks over it (the check's text or
/// name mentions it).
pub fn lost_in_rebuild(before: &TableShape, after: &TableShape, op: &str) -> Vec<String> {
    let mut lost = Vec::new();
    let dropped: Vec<&str> = before
        .columns
        .iter()
        .filter(|c| !after.columns.iter().any(|a| a.name == c.name))
        .map(|c| c.name.as_str())
        .collect();
    let column_dropped = op == "drop_column" && dropped.len() == 1;
    let on_dropped = |cols: &[String]| {
        column_dropped && cols.iter().any(|c| c.split(' ').next() == Some(dropped[0]))
    };
    if !column_dropped {
        lost.extend(dropped.iter().map(|c| format!("column {c}")));
    }
    let allowance = |kind: &str| op == kind;
    let once = |kind: &str, lost_items: Vec<String>, out: &mut Vec<String>| {
        let mut items = lost_items.into_iter();
        if allowance(kind) {
            items.next();
        }
        out.extend(items);
    };
    let checks: Vec<String> = before
        .checks
        .difference(&after.checks)
        .filter(|c| !(column_dropped && c.contains(dropped[0])))
        .map(|c| format!("check {c}"))
        .collect();
    once("drop_check", checks, &mut lost);
    let fks: Vec<String> = before
        .foreign_keys
        .difference(&after.foreign_keys)
        .filter(|f| !on_dropped(&f.columns))
        .map(|f| format!("foreign key ({}) -> {}", f.columns.join(", "), f.ref_table))
        .collect();
    once("drop_foreign_key", fks, &mut lost);
    let uniques: Vec<String> = before
        .unique
        .difference(&after.unique)
        .filter(|u| !on_dropped(u))
        .map(|u| format!("unique ({})", u.join(", ")))
        .collect();
    once("drop_unique", uniques, &mut lost);
    for (name, index) in &before.indexes {
        if !after.indexes.contains_key(name) && !on_dropped(&index.columns) {
            lost.push(format!("index {name}"));
        }
    }
    lost
}
