//! Two sync backfills on one table where one reads (or also sets) a column the other sets:
//! refused at load with both ids and where each is written; the firing order of their
//! triggers differs per database. Once a contract ended the first trigger, the second loads.

use cutover_core::plan::Plan;
use cutover_tests::plans::PlanDir;

const ITEMS: &str = r#"
description = "items"
[[steps]]
op = "create_table"
table = "items"
columns = [
  { name = "id", type = "bigint", primary_key = true },
  { name = "price", type = "integer" },
  { name = "qty", type = "integer" },
  { name = "total", type = "integer" },
  { name = "tax", type = "integer" },
]
"#;

const TOTAL: &str = r#"
description = "total"
phase = "backfill"
[[steps]]
op = "backfill"
id = "b_total"
table = "items"
where = "price IS NOT NULL AND qty IS NOT NULL"
pending = "total IS NULL"
set.total = "price * qty"
sync = true
"#;

const TAX: &str = r#"
description = "tax"
phase = "backfill"
[[steps]]
op = "backfill"
id = "a_tax"
table = "items"
where = "total IS NOT NULL"
pending = "tax IS NULL"
set.tax = "total * 2"
sync = true
"#;

fn load(files: &[(&str, &str)]) -> Result<Plan, String> {
    let dir = PlanDir::new();
    for (name, text) in files {
        dir.write(name, text);
    }
    Plan::load(dir.path()).map_err(|e| e.to_string())
}

#[test]
fn a_sync_backfill_reading_another_ones_target_is_refused() {
    let e = load(&[
        ("0001_items.toml", ITEMS),
        ("0002_total.toml", TOTAL),
        ("0003_tax.toml", TAX),
    ])
    .expect_err("a_tax reads total, which b_total's trigger sets");
    assert!(e.contains("0003_tax.toml:"), "{e}");
    assert!(
        e.contains("sync backfill `a_tax` reads `total`, which sync backfill `b_total` (")
            && e.contains("0002_total.toml:")
            && e.contains("remove `sync` from one of them"),
        "{e}"
    );

    // The same in one migration, the reader first.
    let both = format!(
        "{TAX}\n{}",
        TOTAL.replace("description = \"total\"\nphase = \"backfill\"\n", "")
    );
    let e = load(&[("0001_items.toml", ITEMS), ("0002_both.toml", &both)])
        .expect_err("one migration, two dependent triggers");
    assert!(
        e.contains("sync backfill `a_tax` (")
            && e.contains("reads `total`, which sync backfill `b_total` sets"),
        "{e}"
    );

    // Both setting one column.
    let twice = TAX
        .replace("a_tax", "b_tax")
        .replace("set.tax = \"total * 2\"", "set.total = \"price\"")
        .replace(
            "where = \"total IS NOT NULL\"",
            "where = \"price IS NOT NULL\"",
        )
        .replace("pending = \"tax IS NULL\"", "pending = \"total IS NULL\"");
    let e = load(&[
        ("0001_items.toml", ITEMS),
        ("0002_total.toml", TOTAL),
        ("0003_twice.toml", &twice),
    ])
    .expect_err("two triggers set total");
    assert!(e.contains("both set `total`"), "{e}");

    // Without `sync` on one of them, or once a contract ended the first trigger, it loads.
    let plain = TAX.replace("sync = true\n", "");
    load(&[
        ("0001_items.toml", ITEMS),
        ("0002_total.toml", TOTAL),
        ("0003_tax.toml", &plain),
    ])
    .expect("only one trigger");
    let contract = r#"
description = "drop qty"
phase = "contract"
[[steps]]
op = "drop_column"
table = "items"
column = "qty"
"#;
    load(&[
        ("0001_items.toml", ITEMS),
        ("0002_total.toml", TOTAL),
        ("0003_drop_qty.toml", contract),
        ("0004_tax.toml", TAX),
    ])
    .expect("the contract ended b_total's trigger");
}

/// F-I: `where` reading a target turns the UPDATE sync off once the target is filled.
#[test]
fn a_sync_where_reading_its_own_target_is_refused() {
    let reads_target = TOTAL.replace(
        "where = \"price IS NOT NULL AND qty IS NOT NULL\"",
        "where = \"price IS NOT NULL AND qty IS NOT NULL AND total IS NULL\"",
    );
    let e = load(&[
        ("0001_items.toml", ITEMS),
        ("0002_total.toml", &reads_target),
    ])
    .expect_err("where reads total");
    assert!(
        e.contains("0002_total.toml:")
            && e.contains("where")
            && e.contains("move that condition to `pending`"),
        "{e}"
    );
}
