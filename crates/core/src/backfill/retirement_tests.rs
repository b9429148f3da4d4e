//! Unit tests of [`super`]: which backfills a later migration retires.

use super::*;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::plan::Plan;

static DIRS: AtomicU64 = AtomicU64::new(0);

fn plan(files: &[(&str, &str)]) -> Plan {
    let dir = std::env::temp_dir().join(format!(
        "cutover_retirement_{}_{}",
        std::process::id(),
        DIRS.fetch_add(1, Ordering::Relaxed)
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("dir");
    for (name, text) in files {
        let text = format!("description = \"{name}\"\n{text}");
        std::fs::write(dir.join(name), text).expect("write");
    }
    let plan = Plan::load(&dir).expect("plan loads");
    let _ = std::fs::remove_dir_all(&dir);
    plan
}

const TABLE: &str = r#"
[[steps]]
op = "create_table"
table = "t"
columns = [{ name = "id", type = "bigint", primary_key = true }, { name = "old", type = "text" }, { name = "other", type = "text" }]
[[steps]]
op = "add_column"
table = "t"
column = { name = "new", type = "text" }
"#;

const FILL: &str = r#"
[[steps]]
op = "backfill"
id = "fill_new"
table = "t"
pending = "new IS NULL AND old IS NOT NULL"
set.new = "upper(old)"
"#;

fn retired_by(later: &str) -> Option<Retirement> {
    let p = plan(&[
        ("0001_t.toml", TABLE),
        ("0002_fill.toml", FILL),
        ("0003_later.toml", later),
    ]);
    let spec = BackfillSpec::find(
        &p,
        "fill_new",
        &crate::backfill::BackfillScope::default_history(),
    )
    .expect("spec");
    superseded(&p, &spec, &|_| true, Dialect::Postgres)
}

#[test]
fn dropping_a_column_it_reads_retires_it() {
    let r = retired_by("[[steps]]\nop = \"drop_column\"\ntable = \"t\"\ncolumn = \"old\"\n");
    assert_eq!(
        r,
        Some(Retirement::Superseded {
            migration: "0003 (later)".into(),
            change: "drops column \"t\".\"old\"".into()
        })
    );
}

#[test]
fn renames_and_widenings_never_retire_it() {
    // Finding 1: the data is still there under the new name; the contract gate must
    // still verify it before anything is dropped.
    assert_eq!(
        retired_by("[[steps]]\nop = \"rename_table\"\ntable = \"t\"\nto = \"t2\"\n"),
        None
    );
    assert_eq!(
        retired_by(
            "[[steps]]\nop = \"rename_column\"\ntable = \"t\"\ncolumn = \"old\"\nto = \"o\"\n"
        ),
        None
    );
    assert_eq!(
        retired_by(
            "[[steps]]\nop = \"alter_column\"\ntable = \"t\"\ncolumn = \"old\"\ntype = \"text\"\n"
        ),
        None
    );
}

#[test]
fn dropping_its_table_or_a_written_column_retires_it() {
    let r = retired_by("[[steps]]\nop = \"drop_table\"\ntable = \"t\"\n");
    assert!(r.is_some_and(|r| r.to_string().contains("drops table \"t\"")));
    let r = retired_by("[[steps]]\nop = \"drop_column\"\ntable = \"t\"\ncolumn = \"new\"\n");
    assert!(r.is_some());
}

#[test]
fn a_migration_that_retires_it_also_guards_it() {
    let p = plan(&[
        ("0001_t.toml", TABLE),
        ("0002_fill.toml", FILL),
        (
            "0003_drop.toml",
            "[[steps]]\nop = \"drop_column\"\ntable = \"t\"\ncolumn = \"old\"\n",
        ),
    ]);
    let spec = BackfillSpec::find(
        &p,
        "fill_new",
        &crate::backfill::BackfillScope::default_history(),
    )
    .expect("spec");
    let losses = p.losses(Some(Dialect::Postgres));
    let l: Vec<Loss> = losses[&3].iter().map(|(_, l)| l.clone()).collect();
    assert!(guarded_by(&spec, &l));
    assert!(!guarded_by(&spec, &[]));
}

#[test]
fn raw_sql_that_drops_a_column_it_reads_retires_it() {
    let r = retired_by("[[steps]]\nop = \"sql\"\nsql = \"ALTER TABLE t DROP COLUMN old\"\n");
    assert!(r.is_some(), "{r:?}");
}

#[test]
fn changes_to_columns_it_does_not_use_do_not() {
    assert_eq!(
        retired_by("[[steps]]\nop = \"drop_column\"\ntable = \"t\"\ncolumn = \"other\"\n"),
        None
    );
    assert_eq!(
        retired_by(
            "[[steps]]\nop = \"add_column\"\ntable = \"t\"\ncolumn = { name = \"x\", type = \"text\" }\n"
        ),
        None
    );
    assert_eq!(
        retired_by(
            "[[steps]]\nop = \"create_table\"\ntable = \"u\"\ncolumns = [{ name = \"old\", type = \"text\" }]\n[[steps]]\nop = \"drop_column\"\ntable = \"u\"\ncolumn = \"old\"\n"
        ),
        None,
        "a column of the same name in another table"
    );
}

#[test]
fn only_done_later_migrations_count() {
    let p = plan(&[
        ("0001_t.toml", TABLE),
        ("0002_fill.toml", FILL),
        (
            "0003_drop.toml",
            "[[steps]]\nop = \"drop_column\"\ntable = \"t\"\ncolumn = \"old\"\n",
        ),
    ]);
    let spec = BackfillSpec::find(
        &p,
        "fill_new",
        &crate::backfill::BackfillScope::default_history(),
    )
    .expect("spec");
    let upto = |n: u64| move |v: &Version| v.number <= n;
    assert_eq!(superseded(&p, &spec, &upto(2), Dialect::Sqlite), None);
    assert!(superseded(&p, &spec, &upto(3), Dialect::Sqlite).is_some());
}

#[test]
fn insert_select_footprint_covers_the_exploded_column_and_the_target() {
    let p = plan(&[
        (
            "0001_t.toml",
            r#"
[[steps]]
op = "create_table"
table = "src"
columns = [{ name = "id", type = "bigint", primary_key = true }, { name = "links", type = "json" }]
[[steps]]
op = "create_table"
table = "dst"
columns = [{ name = "id", type = "bigint", primary_key = true }, { name = "src_id", type = "bigint" }, { name = "url", type = "text" }]
"#,
        ),
        (
            "0002_copy.toml",
            r#"
[[steps]]
op = "backfill"
id = "copy"
table = "src"
insert_into = "dst"
explode = { column = "links", as = "l" }
values.src_id = "src.id"
values.url = "json_text(l.value, 'url')"
on_conflict = "ignore"
"#,
        ),
        (
            "0003_later.toml",
            "[[steps]]\nop = \"drop_column\"\ntable = \"dst\"\ncolumn = \"url\"\n",
        ),
    ]);
    let spec = BackfillSpec::find(
        &p,
        "copy",
        &crate::backfill::BackfillScope::default_history(),
    )
    .expect("spec");
    let f = Footprint::of(&spec);
    assert!(f.has_column("src", "links"), "the exploded column");
    assert!(f.has_column("dst", "url"), "a target column");
    assert!(
        !f.has_column("src", "value"),
        "the element alias is no column"
    );
    assert!(superseded(&p, &spec, &|_| true, Dialect::Mysql).is_some());
}
