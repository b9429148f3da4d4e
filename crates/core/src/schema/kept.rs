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
/// `drop_column` one column and the indexes and keys over it, its unnamed checks that mention
/// it, and named checks (introspection knows them by name only).
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
        // A named check is known by its name only: one may go with a dropped column.
        .filter(|c| !(column_dropped && (c.contains(dropped[0]) || !c.starts_with("check ("))))
        .map(|c| {
            if c.starts_with("check (") {
                c.clone()
            } else {
                format!("check {c}")
            }
        })
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::{ColumnShape, IndexShape};

    fn table(columns: &[&str], checks: &[&str], indexes: &[(&str, &str)]) -> TableShape {
        TableShape {
            columns: columns
                .iter()
                .map(|c| ColumnShape {
                    name: c.to_string(),
                    ty: "text".into(),
                    nullable: true,
                    has_default: false,
                })
                .collect(),
            checks: checks.iter().map(|c| c.to_string()).collect(),
            indexes: indexes
                .iter()
                .map(|(n, c)| {
                    (
                        n.to_string(),
                        IndexShape {
                            columns: vec![c.to_string()],
                            partial: false,
                        },
                    )
                })
                .collect(),
            ..TableShape::default()
        }
    }

    #[test]
    fn an_alter_may_lose_nothing() {
        let before = table(
            &["a", "b"],
            &["check (length(b) > 0)", "named"],
            &[("i", "a")],
        );
        let after = table(&["a", "b"], &[], &[]);
        assert_eq!(
            lost_in_rebuild(&before, &after, "alter_column"),
            ["check (length(b) > 0)", "check named", "index i"]
        );
        assert!(lost_in_rebuild(&before, &before, "alter_column").is_empty());
    }

    #[test]
    fn a_drop_loses_what_it_drops_only() {
        let before = table(
            &["a", "b"],
            &["check (length(b) > 0)", "named"],
            &[("i", "b")],
        );
        let after = table(&["a", "b"], &["check (length(b) > 0)"], &[("i", "b")]);
        assert!(lost_in_rebuild(&before, &after, "drop_check").is_empty());
        let after = table(&["a"], &[], &[]);
        assert!(lost_in_rebuild(&before, &after, "drop_column").is_empty());
        let before = table(&["a", "b"], &["check (length(a) > 0)"], &[("i", "a")]);
        assert_eq!(
            lost_in_rebuild(&before, &after, "drop_column"),
            ["check (length(a) > 0)", "index i"]
        );
    }
}
