//! The load-time rules of `updated_at_trigger` (red-team rt4 F1, F9, F6) and drift of a
//! disabled one (F2): dropping or renaming the column it keeps, or dropping its table, is a
//! file:line error with the fix unless the trigger was removed first; a column the plan types
//! as something other than a timestamp is refused; a derived trigger name over 63 bytes is
//! refused; removing the trigger with raw SQL first lets the plan run on all three databases;
//! `disable_trigger` of such a trigger is no drift on PostgreSQL.

use cutover_cli::connect::connect;
use cutover_core::Dialect;
use cutover_core::plan::{LoadOptions, Plan};
use cutover_core::runner::{Runner, RunnerOptions, Silent, Target};
use cutover_tests::plans::PlanDir;
use cutover_tests::{Backend as Kind, TestDb, backends, for_each_backend};

const BASE: &str = r#"description = "order lines kept up to date"

[[steps]]
op = "create_table"
table = "Order Lines"
columns = [
  { name = "id", type = "bigint", primary_key = true },
  { name = "qty", type = "integer" },
  { name = "epoch", type = "bigint", nullable = false, default = 0 },
  { name = "Updated At", type = "timestamp", nullable = false, default_expr = "now()" },
]
allow = [{ rule = "pg/prefer-timestamptz", reason = "test" }]

[[steps]]
op = "updated_at_trigger"
table = "Order Lines"
column = "Updated At"
"#;

fn load(files: &[(&str, &str)], dialects: Option<Vec<Dialect>>) -> Result<Plan, String> {
    let dir = PlanDir::new();
    for (name, text) in files {
        dir.write(name, text);
    }
    match dialects {
        Some(dialects) => Plan::load_with(dir.path(), &LoadOptions { dialects }),
        None => Plan::load(dir.path()),
    }
    .map_err(|e| e.to_string())
}

fn second(steps: &str) -> Result<Plan, String> {
    let text = format!("description = \"second\"\n\n{steps}");
    load(
        &[("0001_base.toml", BASE), ("0002_second.toml", &text)],
        None,
    )
}

#[test]
fn renaming_or_dropping_the_kept_column_is_refused_with_the_fix() {
    let err = second(
        "[[steps]]\nop = \"rename_column\"\ntable = \"Order Lines\"\ncolumn = \"Updated At\"\nto = \"modified_at\"\n",
    )
    .expect_err("rename of the kept column");
    assert!(err.contains("0002_second.toml:6"), "{err}");
    assert!(err.contains("field `column`"), "{err}");
    assert!(
        err.contains("kept by the updated_at trigger `Order Lines_set_Updated At`"),
        "{err}"
    );
    assert!(err.contains("drop_trigger"), "{err}");
    let err = second(
        "[[steps]]\nop = \"drop_column\"\ntable = \"Order Lines\"\ncolumn = \"Updated At\"\n",
    )
    .expect_err("drop of the kept column");
    assert!(err.contains("dropping it"), "{err}");
    let err = second(
        "[[steps]]\nop = \"alter_column\"\ntable = \"Order Lines\"\ncolumn = \"Updated At\"\ntype = \"bigint\"\n",
    )
    .expect_err("a new type that is not a timestamp");
    assert!(
        err.contains("field `type`") && err.contains("cannot become `bigint`"),
        "{err}"
    );
    let err = second("[[steps]]\nop = \"drop_table\"\ntable = \"Order Lines\"\n")
        .expect_err("drop of the table");
    assert!(err.contains("leaves its PostgreSQL function"), "{err}");
    // Another column of the table is fine.
    second("[[steps]]\nop = \"rename_column\"\ntable = \"Order Lines\"\ncolumn = \"qty\"\nto = \"quantity\"\n")
        .expect("rename of another column");
}

#[test]
fn removing_the_trigger_first_allows_it() {
    let pg = "[[steps]]\nop = \"drop_trigger\"\ntable = \"Order Lines\"\nname = \"Order Lines_set_Updated At\"\n\
              [[steps]]\nop = \"drop_function\"\nname = \"Order Lines_set_Updated At\"\n\
              [[steps]]\nop = \"drop_column\"\ntable = \"Order Lines\"\ncolumn = \"Updated At\"\n";
    let text = format!("description = \"second\"\n\n{pg}");
    load(
        &[("0001_base.toml", BASE), ("0002_second.toml", &text)],
        Some(vec![Dialect::Postgres]),
    )
    .expect("typed drop_trigger first");
    second(
        "[[steps]]\nop = \"sql\"\nsql = 'DROP TRIGGER \"Order Lines_set_Updated At\"'\n\
         [[steps]]\nop = \"rename_column\"\ntable = \"Order Lines\"\ncolumn = \"Updated At\"\nto = \"modified_at\"\n",
    )
    .expect("raw DROP TRIGGER first");
}

#[test]
fn a_column_that_is_not_a_timestamp_is_refused() {
    let err = second(
        "[[steps]]\nop = \"updated_at_trigger\"\ntable = \"Order Lines\"\ncolumn = \"epoch\"\n",
    )
    .expect_err("bigint column");
    assert!(err.contains("0002_second.toml:6"), "{err}");
    assert!(err.contains("is `bigint`, not a timestamp"), "{err}");
}

#[test]
fn a_derived_trigger_name_over_63_bytes_is_refused() {
    let long = "customer_subscription_invoice_line_adjustments_v2";
    let text = format!(
        "description = \"long\"\n\n[[steps]]\nop = \"create_table\"\ntable = \"{long}\"\n\
         columns = [{{ name = \"id\", type = \"integer\", primary_key = true }}, \
         {{ name = \"last_modified_timestamp\", type = \"timestamptz\" }}]\n\n\
         [[steps]]\nop = \"updated_at_trigger\"\ntable = \"{long}\"\ncolumn = \"last_modified_timestamp\"\n"
    );
    let err = load(&[("0001_long.toml", &text)], None).expect_err("too long");
    assert!(err.contains("field `name`"), "{err}");
    assert!(err.contains("63"), "{err}");
    let named = text.replace(
        "column = \"last_modified_timestamp\"\n",
        "column = \"last_modified_timestamp\"\nname = \"adjustments_touch\"\n",
    );
    load(&[("0001_long.toml", &named)], None).expect("an explicit short name");
}

const DROP_FIRST: &str = r#"description = "retire Updated At"

[[steps]]
op = "sql"
postgres = 'DROP TRIGGER "Order Lines_set_Updated At" ON "Order Lines"; DROP FUNCTION "Order Lines_set_Updated At"()'
mysql = 'DROP TRIGGER `Order Lines_set_Updated At`'
sqlite = 'DROP TRIGGER "Order Lines_set_Updated At"'

[[steps]]
op = "drop_column"
table = "Order Lines"
column = "Updated At"
allow = [{ rule = "sqlite/table-rebuild", reason = "test table" }]
"#;

#[tokio::test]
async fn dropping_the_column_after_removing_the_trigger_keeps_updates_working() {
    for_each_backend(|db| async move {
        let dir = PlanDir::new();
        dir.write("0001_base.toml", BASE)
            .write("0002_drop.toml", DROP_FIRST);
        let plan = dir.load();
        let mut b = connect(db.url()).await.expect("connect");
        Runner::new(b.as_mut(), &plan, RunnerOptions::default(), &Silent)
            .up(Target::Latest)
            .await
            .unwrap_or_else(|e| panic!("up: {e}"));
        let t = b.dialect().quote("Order Lines");
        b.execute(&format!("INSERT INTO {t} (id, qty) VALUES (7, 1)"))
            .await
            .expect("insert");
        b.execute(&format!("UPDATE {t} SET qty = 8 WHERE id = 7"))
            .await
            .expect("updates work: no trigger names the dropped column");
        let qty = b
            .query(&format!("SELECT qty FROM {t} WHERE id = 7"))
            .await
            .expect("select")
            .scalar()
            .map(str::to_string);
        assert_eq!(qty.as_deref(), Some("8"));
        b.close().await.expect("close");
    })
    .await;
}

const DISABLE: &str = r#"description = "pause the stamp"

[[steps]]
op = "disable_trigger"
table = "Order Lines"
name = "Order Lines_set_Updated At"
dialects = ["postgres"]
"#;

#[tokio::test]
async fn disabling_an_updated_at_trigger_is_no_drift() {
    if !backends().contains(&Kind::Postgres) {
        return;
    }
    let db = TestDb::create(Kind::Postgres).await;
    let mut b = connect(db.url()).await.expect("connect");
    let dir = PlanDir::new();
    dir.write("0001_base.toml", BASE)
        .write("0002_disable.toml", DISABLE);
    let plan = Plan::load_with(
        dir.path(),
        &LoadOptions {
            dialects: vec![Dialect::Postgres],
        },
    )
    .expect("load");
    let mut runner = Runner::new(b.as_mut(), &plan, RunnerOptions::default(), &Silent);
    let up = runner.up(Target::Latest).await.map_err(|e| e.to_string());
    let clean = runner.drift().await.map(|d| d.differences);
    drop(runner);
    let enabled = b
        .execute("ALTER TABLE \"Order Lines\" ENABLE TRIGGER \"Order Lines_set_Updated At\"")
        .await;
    let runner_after = Runner::new(b.as_mut(), &plan, RunnerOptions::default(), &Silent)
        .drift()
        .await
        .map(|d| d.differences);
    let _ = b.close().await;
    db.drop_db().await;
    up.expect("up");
    enabled.expect("enable by hand");
    let clean = clean.expect("drift");
    assert!(
        clean.is_empty(),
        "no drift after disable_trigger: {clean:?}"
    );
    let changed = runner_after.expect("drift");
    assert!(
        changed
            .iter()
            .any(|d| d.detail.contains("disabled expected, enabled found")),
        "enabled by hand is drift: {changed:?}"
    );
}

const RAW_KV: &str = r#"description = "a key-value table made by raw SQL"

[[steps]]
op = "sql"
sql = "CREATE TABLE kv (k TEXT NOT NULL, n INTEGER NOT NULL, v TEXT, updated_at TEXT, PRIMARY KEY (k, n)) WITHOUT ROWID"
down = "DROP TABLE kv"
dialects = ["sqlite"]

[[steps]]
op = "updated_at_trigger"
table = "kv"
dialects = ["sqlite"]
"#;

#[tokio::test]
async fn sqlite_refuses_a_without_rowid_table_it_does_not_know_at_apply_time() {
    if !backends().contains(&Kind::Sqlite) {
        return;
    }
    for (without_rowid, expect_ok) in [(true, false), (false, true)] {
        let db = TestDb::create(Kind::Sqlite).await;
        let mut b = connect(db.url()).await.expect("connect");
        let dir = PlanDir::new();
        let text = if without_rowid {
            RAW_KV.to_string()
        } else {
            RAW_KV.replace(" WITHOUT ROWID", "")
        };
        dir.write("0001_kv.toml", &text);
        let plan = dir.load();
        let up = Runner::new(b.as_mut(), &plan, RunnerOptions::default(), &Silent)
            .up(Target::Latest)
            .await
            .map_err(|e| format!("{e:#}"));
        let trigger = b
            .query("SELECT count(*) FROM sqlite_master WHERE type = 'trigger'")
            .await
            .expect("count")
            .scalar()
            .map(str::to_string);
        let update = if expect_ok {
            b.execute("INSERT INTO kv VALUES ('a', 1, 'x', NULL); UPDATE kv SET v = 'y'")
                .await
                .map(|_| ())
                .map_err(|e| e.to_string())
        } else {
            Ok(())
        };
        let stamped = b
            .query("SELECT count(*) FROM kv WHERE updated_at IS NOT NULL")
            .await
            .ok()
            .and_then(|r| r.scalar().map(str::to_string));
        let _ = b.close().await;
        db.drop_db().await;
        if expect_ok {
            up.expect("a rowid table works");
            update.expect("update");
            assert_eq!(stamped.as_deref(), Some("1"), "the trigger stamped the row");
        } else {
            let err = up.expect_err("WITHOUT ROWID is refused");
            assert!(err.contains("no such column: rowid"), "{err}");
            assert!(err.contains("step 2 (updated_at_trigger)"), "{err}");
            assert_eq!(trigger.as_deref(), Some("0"), "no trigger left behind");
        }
    }
}
