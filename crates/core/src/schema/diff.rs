//! Comparing two schema shapes.

use serde::Serialize;

use super::shape::{SchemaShape, TableShape};

/// One difference between an expected and an actual schema.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Difference {
    /// The table (or `view`/`trigger` name) it concerns.
    pub object: String,
    /// What differs, e.g. `column email: type varchar(255) expected, text found`.
    pub detail: String,
}

/// Every difference between `expected` and `actual`, in a stable order.
pub fn diff(expected: &SchemaShape, actual: &SchemaShape) -> Vec<Difference> {
    let mut out = Vec::new();
    let mut push = |object: &str, detail: String| {
        out.push(Difference {
            object: object.to_string(),
            detail,
        })
    };
    for (name, e) in &expected.tables {
        match actual.tables.get(name) {
            None => push(name, "table missing".into()),
            Some(a) => table_diff(e, a, &mut |d| push(name, d)),
        }
    }
    // Tables a raw step declares: only their presence is known.
    for name in &expected.opaque_tables {
        if !actual.tables.contains_key(name) {
            push(name, "table missing".into());
        }
    }
    for name in actual
        .tables
        .keys()
        .filter(|n| !expected.tables.contains_key(*n) && !expected.opaque_tables.contains(*n))
    {
        push(name, "table not in the plan".into());
    }
    for v in expected.views.symmetric_difference(&actual.views) {
        let what = if expected.views.contains(v) {
            "view missing"
        } else {
            "view not in the plan"
        };
        push(v, what.into());
    }
    // Options only of views the plan declares with theirs (`view NAME (..)`).
    for (v, e) in &expected.view_options {
        let a = actual.view_options.get(v).map_or(&[][..], Vec::as_slice);
        if actual.views.contains(v) && e.as_slice() != a {
            push(
                v,
                format!(
                    "view options ({}) expected, ({}) found",
                    e.join(", "),
                    a.join(", ")
                ),
            );
        }
    }
    // Triggers named `cutover_sync_*` are cutover's own, whichever plan's (history table's):
    // each plan's `drift` reports its own missing or altered ones (`runner/sync_health.rs`).
    for t in expected
        .triggers
        .symmetric_difference(&actual.triggers)
        .filter(|t| !super::routines_diff::is_internal_trigger(t))
    {
        let what = if expected.triggers.contains(t) {
            "trigger missing"
        } else {
            "trigger not in the plan"
        };
        push(t, what.into());
    }
    super::routines_diff::diff_routines(&expected.routines, &actual.routines, &mut push);
    out
}

fn table_diff(e: &TableShape, a: &TableShape, push: &mut dyn FnMut(String)) {
    for ec in &e.columns {
        match a.columns.iter().find(|c| c.name == ec.name) {
            None => push(format!("column {} missing", ec.name)),
            Some(ac) => {
                if ec.ty != ac.ty {
                    push(format!(
                        "column {}: type {} expected, {} found",
                        ec.name, ec.ty, ac.ty
                    ));
                }
                if ec.nullable != ac.nullable {
                    push(format!(
                        "column {}: {} expected, {} found",
                        ec.name,
                        if ec.nullable { "NULL" } else { "NOT NULL" },
                        if ac.nullable { "NULL" } else { "NOT NULL" }
                    ));
                }
                if ec.has_default != ac.has_default {
                    push(format!(
                        "column {}: {} expected",
                        ec.name,
                        if ec.has_default {
                            "a default"
                        } else {
                            "no default"
                        }
                    ));
                }
            }
        }
    }
    for ac in a
        .columns
        .iter()
        .filter(|ac| !e.columns.iter().any(|c| c.name == ac.name))
    {
        push(format!("column {} not in the plan", ac.name));
    }
    if e.primary_key != a.primary_key {
        push(format!(
            "primary key ({}) expected, ({}) found",
            e.primary_key.join(", "),
            a.primary_key.join(", ")
        ));
    }
    // Only a WITHOUT ROWID table where the plan expects a rowid table is drift: the plan's
    // sync triggers find its rows by `rowid` and would fail. The other way round is what
    // cutover made before uuid-keyed tables were WITHOUT ROWID by default (and what a
    // baseline keeps with `sqlite_rowid = true`): rows are found by key there, only slower.
    if a.without_rowid && !e.without_rowid {
        push(
            "layout: a rowid table expected, WITHOUT ROWID found (the plan's triggers find \
             rows by rowid)"
                .to_string(),
        );
    }
    for u in e.unique.difference(&a.unique) {
        push(format!("unique ({}) missing", u.join(", ")));
    }
    // Unique indexes a raw step declares are known by name only.
    let declared_unique: Vec<&Vec<String>> = e
        .opaque_indexes
        .iter()
        .filter_map(|n| a.unique_indexes.get(n))
        .collect();
    for u in a
        .unique
        .difference(&e.unique)
        .filter(|u| !declared_unique.contains(u))
    {
        push(format!("unique ({}) not in the plan", u.join(", ")));
    }
    for (name, ei) in &e.indexes {
        match a.indexes.get(name) {
            None => push(format!("index {name} missing")),
            Some(ai) if ai != ei => push(format!(
                "index {name}: ({}){} expected, ({}){} found",
                ei.columns.join(", "),
                if ei.partial { " partial" } else { "" },
                ai.columns.join(", "),
                if ai.partial { " partial" } else { "" }
            )),
            _ => {}
        }
    }
    for name in a
        .indexes
        .keys()
        .filter(|n| !e.indexes.contains_key(*n) && !e.opaque_indexes.contains(*n))
    {
        push(format!("index {name} not in the plan"));
    }
    for name in e
        .opaque_indexes
        .iter()
        .filter(|n| !a.indexes.contains_key(*n) && !a.unique_indexes.contains_key(*n))
    {
        push(format!("index {name} missing"));
    }
    for fk in e.foreign_keys.difference(&a.foreign_keys) {
        push(format!(
            "foreign key ({}) -> {}({}) on delete {} missing",
            fk.columns.join(", "),
            fk.ref_table,
            fk.ref_columns.join(", "),
            fk.on_delete
        ));
    }
    for fk in a.foreign_keys.difference(&e.foreign_keys) {
        push(format!(
            "foreign key ({}) -> {}({}) on delete {} not in the plan",
            fk.columns.join(", "),
            fk.ref_table,
            fk.ref_columns.join(", "),
            fk.on_delete
        ));
    }
    for c in e.checks.difference(&a.checks) {
        push(format!("check {c} missing"));
    }
    for c in a.checks.difference(&e.checks) {
        push(format!("check {c} not in the plan"));
    }
}
