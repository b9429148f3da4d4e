//! The columns that schema-changing steps name are checked at load against the schema model
//! (per dialect when steps are limited with `dialects = [..]`): a typo or a column that only
//! another dialect's step adds is a file:line error with a "did you mean"; tables made by raw
//! SQL stay unchecked.

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};

use cutover_core::Error;
use cutover_core::plan::Plan;

/// A plan directory under the system temp dir, removed when dropped.
struct TempPlan {
    dir: PathBuf,
}

impl TempPlan {
    fn new(files: &[(&str, &str)]) -> TempPlan {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let dir = std::env::temp_dir().join(format!("cutover-stepcols-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("create temp plan dir");
        for (name, text) in files {
            std::fs::write(dir.join(name), text).expect("write plan file");
        }
        TempPlan { dir }
    }

    fn load(&self) -> Result<Plan, Error> {
        Plan::load(&self.dir)
    }
}

impl Drop for TempPlan {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

const BASE: &str = r#"description = "base"

[[steps]]
op = "create_table"
table = "users"
columns = [
  { name = "id", type = "bigint", primary_key = true, identity = true },
  { name = "name", type = "text" },
  { name = "score", type = "integer" },
]
"#;

/// Loads BASE plus a second migration whose only step is `step`; the error text, if any.
fn second(step: &str) -> Option<String> {
    let text = format!("description = \"second\"\n\n[[steps]]\n{step}");
    let plan = TempPlan::new(&[("0001_base.toml", BASE), ("0002_second.toml", &text)]);
    plan.load().err().map(|e| e.to_string())
}

#[test]
fn misspelled_columns_of_structural_steps_are_load_errors() {
    let cases = [
        (
            "op = \"create_index\"\ntable = \"users\"\ncolumns = [\"score\", \"nmae DESC\"]\n",
            "0002_second.toml:6: step 1 (create_index), field `columns`",
        ),
        (
            "op = \"add_unique\"\ntable = \"users\"\ncolumns = [\"nmae\"]\n",
            "0002_second.toml:6: step 1 (add_unique), field `columns`",
        ),
        (
            "op = \"drop_column\"\ntable = \"users\"\ncolumn = \"nmae\"\n",
            "0002_second.toml:6: step 1 (drop_column), field `column`",
        ),
        (
            "op = \"alter_column\"\ntable = \"users\"\ncolumn = \"nmae\"\nnullable = false\n",
            "0002_second.toml:6: step 1 (alter_column), field `column`",
        ),
        (
            "op = \"rename_column\"\ntable = \"users\"\ncolumn = \"nmae\"\nto = \"full_name\"\n",
            "0002_second.toml:6: step 1 (rename_column), field `column`",
        ),
        (
            "op = \"add_foreign_key\"\ntable = \"users\"\ncolumns = [\"score\"]\nreferences = \"users(nmae)\"\n",
            "0002_second.toml:7: step 1 (add_foreign_key), field `references`",
        ),
        (
            "op = \"add_foreign_key\"\ntable = \"users\"\ncolumns = [\"nmae\"]\nreferences = \"users(id)\"\n",
            "0002_second.toml:6: step 1 (add_foreign_key), field `columns`",
        ),
        (
            "op = \"create_table\"\ntable = \"t2\"\ncolumns = [{ name = \"id\", type = \"bigint\", primary_key = true }, { name = \"u\", type = \"text\" }]\nforeign_keys = [{ columns = [\"u\"], references = \"users(nmae)\" }]\n",
            "0002_second.toml:7: step 1 (create_table), field `references`",
        ),
    ];
    for (step, expected) in cases {
        let err = second(step).unwrap_or_else(|| panic!("loaded: {step}"));
        assert!(err.contains(expected), "{step}\n-> {err}");
        assert!(err.contains("(did you mean `name`?)"), "{step}\n-> {err}");
    }
}

#[test]
fn structural_steps_over_existing_columns_load() {
    for step in [
        "op = \"create_index\"\ntable = \"users\"\ncolumns = [\"score\", \"name DESC\"]\n",
        "op = \"add_unique\"\ntable = \"users\"\ncolumns = [\"name\"]\n",
        "op = \"drop_column\"\ntable = \"users\"\ncolumn = \"name\"\n",
        "op = \"rename_column\"\ntable = \"users\"\ncolumn = \"name\"\nto = \"full_name\"\n\n[[steps]]\nop = \"create_index\"\ntable = \"users\"\ncolumns = [\"full_name\"]\n",
        "op = \"create_table\"\ntable = \"t2\"\ncolumns = [{ name = \"id\", type = \"bigint\", primary_key = true }, { name = \"parent\", type = \"bigint\" }, { name = \"u\", type = \"bigint\" }]\nforeign_keys = [{ columns = [\"parent\"], references = \"t2(id)\" }, { columns = [\"u\"], references = \"users(id)\" }]\n",
        // A table the plan does not define is not checked.
        "op = \"create_index\"\ntable = \"legacy\"\ncolumns = [\"whatever\"]\n",
    ] {
        assert_eq!(second(step), None, "{step}");
    }
}

#[test]
fn a_column_renamed_away_is_gone_for_later_steps() {
    let err = second(
        "op = \"rename_column\"\ntable = \"users\"\ncolumn = \"name\"\nto = \"full_name\"\n\n[[steps]]\nop = \"drop_column\"\ntable = \"users\"\ncolumn = \"name\"\n",
    )
    .expect("dropping the old name must fail");
    assert!(
        err.contains("0002_second.toml:12: step 2 (drop_column), field `column`"),
        "{err}"
    );
    assert!(err.contains("(its columns: id, full_name, score)"), "{err}");
}

const PG_ONLY_COLUMN: &str = r#"description = "nick on postgres only"

[[steps]]
op = "add_column"
table = "users"
column = { name = "nick", type = "text" }
dialects = ["postgres"]

[[steps]]
op = "create_index"
table = "users"
columns = ["nick"]
"#;

#[test]
fn a_column_added_for_one_dialect_cannot_be_indexed_on_all() {
    let plan = TempPlan::new(&[("0001_base.toml", BASE), ("0002_nick.toml", PG_ONLY_COLUMN)]);
    let err = plan.load().expect_err("must not load").to_string();
    assert!(
        err.contains("0002_nick.toml:12: step 2 (create_index), field `columns`"),
        "{err}"
    );
    assert!(
        err.contains("column `nick` is not a column of table `users`"),
        "{err}"
    );
    assert!(
        err.contains("in the mysql schema, which has only the steps that run on mysql"),
        "{err}"
    );
    // Limiting the index to the same dialect makes it load.
    let limited = format!("{PG_ONLY_COLUMN}dialects = [\"postgres\"]\n");
    let plan = TempPlan::new(&[("0001_base.toml", BASE), ("0002_nick.toml", &limited)]);
    plan.load().expect("an index limited like its column loads");
}

const RAW: &str = r#"description = "raw"

[[steps]]
op = "sql"
sql = "CREATE TABLE legacy (id bigint PRIMARY KEY, code text)"

[[steps]]
op = "sql"
sql = "ALTER TABLE users ADD COLUMN nick text"

[[steps]]
op = "create_index"
table = "legacy"
columns = ["code"]

[[steps]]
op = "create_index"
table = "users"
columns = ["nick"]
"#;

#[test]
fn tables_raw_sql_made_or_changed_stay_unchecked() {
    let plan = TempPlan::new(&[("0001_base.toml", BASE), ("0002_raw.toml", RAW)]);
    plan.load().expect("raw SQL tables are not checked");
}
