//! Malformed plans: Column references and types, checked against the plan's own schema.

use super::*;

/// A table with an integer, a text and a boolean column, for the semantic checks below.
const ITEMS: &str = "description = \"items\"\n\n[[steps]]\nop = \"create_table\"\ntable = \"items\"\ncolumns = [\n  { name = \"id\", type = \"bigint\", primary_key = true },\n  { name = \"title\", type = \"text\" },\n  { name = \"qty\", type = \"integer\" },\n  { name = \"done\", type = \"boolean\" },\n]\n";

/// Asserts that a second migration `0002_bad.toml` after [`ITEMS`] fails at `line`.
#[track_caller]
fn bad_after_items(src: &str, line: usize, phrase: &str) {
    fails(
        &[("0001_items.toml", ITEMS), ("0002_bad.toml", src)],
        "0002_bad.toml",
        line,
        phrase,
    );
}

const BACKFILL_HEAD: &str =
    "description = \"b\"\n\n[[steps]]\nop = \"backfill\"\ntable = \"items\"\n";

#[test]
fn misspelled_column_in_set_names_the_column_and_suggests_the_right_one() {
    bad_after_items(
        &format!("{BACKFILL_HEAD}set.title = \"upper(titel)\"\n"),
        6,
        "step 1 (backfill), field `set.title`: column `titel` is not a column of table `items` (did you mean `title`?)",
    );
}

#[test]
fn misspelled_set_target_is_refused() {
    bad_after_items(
        &format!("{BACKFILL_HEAD}set.titel = \"upper(title)\"\n"),
        6,
        "column `titel` is not a column of table `items` (did you mean `title`?)",
    );
}

#[test]
fn misspelled_column_in_pending_where_and_checks_is_refused() {
    bad_after_items(
        &format!("{BACKFILL_HEAD}set.qty = \"1\"\npending = \"qtty IS NULL\"\n"),
        7,
        "field `pending`: column `qtty` is not a column of table `items` (did you mean `qty`?)",
    );
    bad_after_items(
        "description = \"c\"\n\n[[steps]]\nop = \"sql\"\nsql = \"SELECT 1\"\n\n[[checks]]\nname = \"c\"\ntable = \"items\"\nwhere = \"dne = true\"\nexpect = 0\n",
        10,
        "check 1 (c), field `where`: column `dne` is not a column of table `items` (did you mean `done`?)",
    );
}

#[test]
fn misspelled_column_in_index_where_and_check_constraint_is_refused() {
    bad_after_items(
        "description = \"i\"\n\n[[steps]]\nop = \"create_index\"\ntable = \"items\"\ncolumns = [\"qty\"]\nwhere = \"titl IS NOT NULL\"\n",
        7,
        "field `where`: column `titl` is not a column of table `items`",
    );
    bad(
        "description = \"t\"\n\n[[steps]]\nop = \"create_table\"\ntable = \"t\"\ncolumns = [{ name = \"body\", type = \"text\" }]\nchecks = [{ name = \"ck\", expr = \"length(bdy) > 0\" }]\n",
        7,
        "column `bdy` is not a column of table `t` (did you mean `body`?)",
    );
}

#[test]
fn arithmetic_on_text_is_a_type_error() {
    bad_after_items(
        &format!("{BACKFILL_HEAD}set.qty = \"lower(title) / 2\"\n"),
        6,
        "field `set.qty`: arithmetic on text",
    );
}

#[test]
fn comparing_a_number_with_text_is_a_type_error() {
    bad_after_items(
        &format!("{BACKFILL_HEAD}set.qty = \"1\"\nwhere = \"qty = title\"\n"),
        7,
        "a comparison of an integer with text",
    );
}

#[test]
fn a_non_condition_where_and_text_into_integer_are_type_errors() {
    bad_after_items(
        &format!("{BACKFILL_HEAD}set.qty = \"1\"\nwhere = \"qty\"\n"),
        7,
        "is an integer, not a condition",
    );
    bad_after_items(
        &format!("{BACKFILL_HEAD}set.qty = \"title\"\n"),
        6,
        "column `qty` (integer) does not store the same way",
    );
}

#[test]
fn tables_outside_the_plan_and_tables_changed_by_raw_ddl_are_not_checked() {
    let tmp = TempPlan::new(&[
        ("0001_items.toml", ITEMS),
        (
            "0002_raw.toml",
            "description = \"r\"\n\n[[steps]]\nop = \"sql\"\nsql = \"ALTER TABLE items ADD COLUMN extra integer\"\n\n[[steps]]\nop = \"backfill\"\ntable = \"items\"\nset.extra = \"qty + 1\"\n\n[[steps]]\nop = \"backfill\"\ntable = \"legacy\"\nset.a = \"b + 1\"\n",
        ),
    ]);
    Plan::load(&tmp.dir).expect("unknown tables are not checked");
}

#[test]
fn from_in_an_insert_select_backfill_is_refused() {
    bad_after_items(
        "description = \"f\"\n\n[[steps]]\nop = \"backfill\"\ntable = \"items\"\ninsert_into = \"items\"\nvalues.qty = \"qty\"\nfrom = { table = \"items\", on = \"items.id = items.id\" }\n",
        8,
        "`from` is not supported in an insert-select backfill",
    );
}

#[test]
fn misspelled_backfill_key_is_refused() {
    bad_after_items(
        &format!("{BACKFILL_HEAD}key = [\"idd\"]\nset.qty = \"1\"\n"),
        6,
        "field `key`: column `idd` is not a column of table `items` (did you mean `id`?)",
    );
}

#[test]
fn two_backfills_with_one_id_are_refused() {
    let table = "description = \"t\"\n\n[[steps]]\nop = \"create_table\"\ntable = \"t\"\ncolumns = [{ name = \"id\", type = \"integer\", primary_key = true }, { name = \"a\", type = \"integer\", nullable = true }, { name = \"b\", type = \"integer\", nullable = true }]\n";
    let two = "description = \"fill\"\n\n[[steps]]\nop = \"backfill\"\ntable = \"t\"\nset.a = \"1\"\n\n[[steps]]\nop = \"backfill\"\ntable = \"t\"\nset.b = \"2\"\n";
    fails(
        &[("0001_t.toml", table), ("0002_fill.toml", two)],
        "0002_fill.toml",
        8,
        "backfill id `0002_t` is already used by migration 0002 (fill), step 1",
    );
    let named = "description = \"fill\"\n\n[[steps]]\nop = \"backfill\"\nid = \"x\"\ntable = \"t\"\nset.a = \"1\"\n";
    let again = "description = \"again\"\n\n[[steps]]\nop = \"backfill\"\nid = \"x\"\ntable = \"t\"\nset.b = \"2\"\n";
    fails(
        &[
            ("0001_t.toml", table),
            ("0002_fill.toml", named),
            ("0003_again.toml", again),
        ],
        "0003_again.toml",
        3,
        "give one of them another `id`",
    );
}

#[test]
fn a_float_default_toml_rounded_is_refused() {
    bad(
        "description = \"x\"\n[[steps]]\nop = \"create_table\"\ntable = \"t\"\ncolumns = [\n  { name = \"id\", type = \"bigint\", primary_key = true },\n  { name = \"big\", type = \"decimal(30,2)\", default = 12345678901234567890.12 },\n]\n",
        7,
        "the default 12345678901234567000 of column `big` has more digits than a TOML float keeps exactly",
    );
}
