//! Backfill tables are named without a schema (red-team #18): `table = "app.items"` would
//! address a table literally named `app.items`, so the plan is refused at load, pointing at
//! the field, with the hint to use the connection's current schema.

mod common;
use common::TempPlan;

use cutover_core::Error;
use cutover_core::plan::Plan;

fn load_error(step: &str) -> String {
    let src = format!("description = \"x\"\n\n[[steps]]\nop = \"backfill\"\n{step}");
    let tmp = TempPlan::new(&[("0001_bf.toml", src.as_str())]);
    match Plan::load(&tmp.dir) {
        Ok(_) => panic!("plan loaded, expected a refusal of the schema-qualified table"),
        Err(e @ Error::Plan { .. }) => e.to_string(),
        Err(e) => panic!("not a plan error: {e:?}"),
    }
}

#[test]
fn update_backfill_on_a_schema_qualified_table_is_refused() {
    let text = load_error("id = \"b\"\ntable = \"app.items\"\nset.total = \"price * 2\"\n");
    assert!(text.contains("0001_bf.toml:6: "), "{text}");
    assert!(
        text.contains("`app.items`: a backfill takes a table of the connection's current schema"),
        "{text}"
    );
    assert!(text.contains("write `items`"), "{text}");
}

#[test]
fn insert_select_into_a_schema_qualified_table_is_refused() {
    let text = load_error(
        "id = \"b\"\ntable = \"items\"\ninsert_into = \"archive.items\"\nvalues.id = \"id\"\n",
    );
    assert!(text.contains("0001_bf.toml:7: "), "{text}");
    assert!(text.contains("`archive.items`"), "{text}");
}

#[test]
fn joined_schema_qualified_table_is_refused() {
    let text = load_error(
        "id = \"b\"\ntable = \"items\"\nset.total = \"price\"\nfrom.table = \"app.prices\"\nfrom.on = \"prices.id = items.id\"\n",
    );
    assert!(text.contains("`app.prices`"), "{text}");
}

#[test]
fn plain_table_names_still_load() {
    let src = "description = \"x\"\n\n[[steps]]\nop = \"backfill\"\nid = \"b\"\ntable = \"items\"\nset.total = \"price * 2\"\n";
    let tmp = TempPlan::new(&[("0001_bf.toml", src)]);
    Plan::load(&tmp.dir).expect("a backfill on a plain table name loads");
}
