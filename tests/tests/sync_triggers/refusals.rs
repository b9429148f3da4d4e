//! `sync = true` where a trigger cannot express the backfill: refused when the plan loads,
//! with the file, line and field and what to do instead.

use cutover_core::plan::Plan;
use cutover_tests::plans::PlanDir;

use super::support::{ADD_LABEL, FILL, ITEMS};

/// The load error of a plan whose backfill is `fill` (as the third migration).
fn load_error(fill: &str) -> String {
    let dir = PlanDir::new();
    dir.write("0001_items.toml", ITEMS)
        .write("0002_add_label.toml", ADD_LABEL)
        .write("0003_fill.toml", fill);
    match Plan::load(dir.path()) {
        Ok(_) => panic!("the plan loads, but `sync` cannot work for it:\n{fill}"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn sync_is_refused_where_a_trigger_cannot_express_the_backfill() {
    let subquery = FILL.replace(
        "where = \"url IS NOT NULL AND url <> ''\"",
        "where = \"EXISTS (SELECT 1 FROM items AS o WHERE o.id = items.id + 1)\"",
    );
    let e = load_error(&subquery);
    assert!(e.contains("0003_fill.toml:"), "{e}");
    assert!(
        e.contains("`sync = true` cannot run a subquery in a trigger"),
        "{e}"
    );

    let joined = FILL.replace(
        "batch_size = 20",
        "batch_size = 20\nfrom = { table = \"items\", on = \"items.id = items.id\" }",
    );
    let e = load_error(&joined);
    assert!(
        e.contains("`sync = true` cannot read the joined table `items`"),
        "{e}"
    );

    let self_read = FILL.replace("set.label = \"concat(", "set.label = \"concat(label, ");
    let e = load_error(&self_read);
    assert!(e.contains("reads `label`, which this backfill sets"), "{e}");

    let insert = r#"
description = "insert-select with sync"
[[steps]]
op = "create_table"
table = "labels"
columns = [{ name = "item_id", type = "bigint", primary_key = true }, { name = "label", type = "varchar(250)" }]
[[steps]]
op = "backfill"
table = "items"
insert_into = "labels"
values.item_id = "id"
values.label = "url"
sync = true
"#;
    let e = load_error(insert);
    assert!(
        e.contains("`sync = true` is not supported on an insert-select backfill"),
        "{e}"
    );

    let misspelled = FILL.replace("sync = true", "sync = \"yes\"");
    let e = load_error(&misspelled);
    assert!(
        e.contains("0003_fill.toml:12:") && e.contains("expected a boolean"),
        "{e}"
    );

    let long = FILL.replace(
        "id = \"items_label\"",
        &format!("id = \"{}\"", "x".repeat(50)),
    );
    let e = load_error(&long);
    assert!(e.contains("0003_fill.toml:"), "{e}");
    assert!(
        e.contains("is longer than 63 bytes") && e.contains("shorter `id`"),
        "{e}"
    );

    let typo = FILL.replace("sync = true", "sycn = true");
    let e = load_error(&typo);
    assert!(e.contains("sycn"), "{e}");
}
