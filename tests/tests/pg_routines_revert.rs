//! Reverting what the plan never knew, on real PostgreSQL: `create_function` with
//! `replace = true` over a live function, `drop_trigger` and `drop_function` are undone by
//! `down` from the definitions captured at apply, exactly as the catalog printed them before;
//! and drift names a function changed by hand, a trigger dropped by hand and an extra
//! trigger, while cutover's own `cutover_sync_*` triggers are never drift.

use cutover_cli::connect::connect;
use cutover_core::Dialect;
use cutover_core::backend::Backend;
use cutover_core::plan::{LoadOptions, Plan};
use cutover_core::runner::{DownTarget, Runner, RunnerOptions, Silent, Target};
use cutover_tests::plans::PlanDir;
use cutover_tests::{Backend as Kind, TestDb, backends, snapshot};

const LIVE: &str = "\
CREATE TABLE t (id int PRIMARY KEY, v int);
CREATE FUNCTION bump(x integer) RETURNS integer LANGUAGE sql IMMUTABLE AS $$ SELECT x + 1 $$;
CREATE FUNCTION set_v() RETURNS trigger LANGUAGE plpgsql AS $$BEGIN NEW.v := bump(NEW.id); RETURN NEW; END$$;
CREATE TRIGGER t_set_v BEFORE INSERT ON t FOR EACH ROW WHEN (NEW.id > 0) EXECUTE FUNCTION set_v();
CREATE FUNCTION shout(a text) RETURNS text LANGUAGE sql STABLE AS 'SELECT upper(a)';
CREATE TRIGGER t_off AFTER INSERT ON t FOR EACH STATEMENT EXECUTE FUNCTION set_v();
ALTER TABLE t DISABLE TRIGGER t_off;
";

const REPLACE: &str = r#"
description = "bump by 100, a new helper, and retire a trigger and a function"

[[steps]]
op = "create_function"
name = "bump"
args = ["x int"]
returns = "integer"
language = "sql"
body = "SELECT x + 100"
volatility = "immutable"
replace = true
dialects = ["postgres"]

[[steps]]
op = "create_function"
name = "fresh"
returns = "integer"
language = "sql"
body = "SELECT 7"
replace = true
dialects = ["postgres"]

[[steps]]
op = "drop_trigger"
table = "t"
name = "t_set_v"
dialects = ["postgres"]

[[steps]]
op = "drop_trigger"
table = "t"
name = "t_off"
dialects = ["postgres"]

[[steps]]
op = "drop_function"
name = "shout"
args = ["text"]
dialects = ["postgres"]
"#;

fn pg_only(dir: &PlanDir) -> Plan {
    Plan::load_with(
        dir.path(),
        &LoadOptions {
            dialects: vec![Dialect::Postgres],
        },
    )
    .unwrap_or_else(|e| panic!("plan does not load: {e}"))
}

async fn text(b: &mut dyn Backend, sql: &str) -> Option<String> {
    b.query(sql)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
        .scalar()
        .map(str::to_string)
}

const BUMP_DEF: &str = "SELECT pg_get_functiondef('bump(integer)'::regprocedure)";
const TRIGGER_DEF: &str = "SELECT pg_get_triggerdef(oid) FROM pg_trigger WHERE tgname = 't_set_v'";
const SHOUT_DEF: &str = "SELECT pg_get_functiondef(to_regprocedure('shout(text)'))";
const OFF: &str =
    "SELECT tgenabled::text || pg_get_triggerdef(oid) FROM pg_trigger WHERE tgname = 't_off'";
const FRESH: &str = "SELECT count(*) FROM pg_proc WHERE proname = 'fresh'";

#[tokio::test]
async fn down_restores_replaced_and_dropped_definitions_exactly() {
    if !backends().contains(&Kind::Postgres) {
        return;
    }
    let db = TestDb::create(Kind::Postgres).await;
    let mut b = connect(db.url()).await.expect("connect");
    b.execute(LIVE).await.expect("live objects");
    let before = (
        text(b.as_mut(), BUMP_DEF).await,
        text(b.as_mut(), TRIGGER_DEF).await,
        text(b.as_mut(), SHOUT_DEF).await,
        text(b.as_mut(), OFF).await,
    );
    let dir = PlanDir::new();
    dir.write("0001_replace.toml", REPLACE);
    let plan = pg_only(&dir);
    Runner::new(b.as_mut(), &plan, RunnerOptions::default(), &Silent)
        .up(Target::Latest)
        .await
        .unwrap_or_else(|e| panic!("up: {e}"));
    assert_eq!(
        text(b.as_mut(), "SELECT bump(1)").await.as_deref(),
        Some("101")
    );
    assert_eq!(text(b.as_mut(), TRIGGER_DEF).await, None);
    assert_eq!(text(b.as_mut(), SHOUT_DEF).await, None);
    assert_eq!(snapshot::count(b.as_mut(), FRESH).await, 1);

    Runner::new(b.as_mut(), &plan, RunnerOptions::default(), &Silent)
        .down(DownTarget::Steps(1))
        .await
        .unwrap_or_else(|e| panic!("down: {e}"));
    let after = (
        text(b.as_mut(), BUMP_DEF).await,
        text(b.as_mut(), TRIGGER_DEF).await,
        text(b.as_mut(), SHOUT_DEF).await,
        text(b.as_mut(), OFF).await,
    );
    // A function that did not exist before `replace = true` is dropped again.
    let fresh = snapshot::count(b.as_mut(), FRESH).await;
    b.execute("INSERT INTO t (id) VALUES (5)")
        .await
        .expect("insert");
    let v = text(b.as_mut(), "SELECT v FROM t WHERE id = 5").await;
    let _ = b.close().await;
    db.drop_db().await;
    assert!(before.0.as_deref().is_some_and(|d| d.contains("x + 1")));
    // Restored disabled, as it was.
    assert!(
        before.3.as_deref().is_some_and(|d| d.starts_with('D')),
        "{before:?}"
    );
    assert_eq!(before, after);
    assert_eq!(fresh, 0);
    // The restored trigger fires and calls the restored function.
    assert_eq!(v.as_deref(), Some("6"));
}

const MANAGED: &str = r#"
description = "a trigger function and two triggers"

[[steps]]
op = "create_table"
table = "items"
columns = [
  { name = "id", type = "bigint", primary_key = true },
  { name = "name", type = "text" },
  { name = "touched", type = "integer", default = 0 },
]

[[steps]]
op = "create_function"
name = "touch"
returns = "trigger"
body = "BEGIN NEW.touched := NEW.touched + 1; RETURN NEW; END"
dialects = ["postgres"]

[[steps]]
op = "create_trigger"
table = "items"
name = "items_touch"
timing = "before"
events = ["update"]
function = "touch"
dialects = ["postgres"]

[[steps]]
op = "create_trigger"
table = "items"
name = "items_touch_insert"
timing = "before"
events = ["insert"]
function = "touch"
dialects = ["postgres"]
"#;

#[tokio::test]
async fn drift_names_a_changed_function_a_dropped_trigger_and_an_extra_one() {
    if !backends().contains(&Kind::Postgres) {
        return;
    }
    let db = TestDb::create(Kind::Postgres).await;
    let mut b = connect(db.url()).await.expect("connect");
    let dir = PlanDir::new();
    dir.write("0001_touch.toml", MANAGED);
    let plan = pg_only(&dir);
    let mut runner = Runner::new(b.as_mut(), &plan, RunnerOptions::default(), &Silent);
    runner.up(Target::Latest).await.expect("up");
    let clean = runner.drift().await.expect("drift").differences;
    b.execute(
        "CREATE OR REPLACE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS \
           $$BEGIN RETURN NEW; END$$;
         CREATE FUNCTION touch(n int) RETURNS int LANGUAGE sql AS 'SELECT n';
         DROP TRIGGER items_touch_insert ON items;
         CREATE TRIGGER items_extra AFTER DELETE ON items FOR EACH ROW EXECUTE FUNCTION touch();
         CREATE TRIGGER cutover_sync_items AFTER INSERT ON items FOR EACH ROW EXECUTE FUNCTION touch();
         ALTER TABLE items DISABLE TRIGGER items_touch",
    )
    .await
    .expect("hand changes");
    let report = Runner::new(b.as_mut(), &plan, RunnerOptions::default(), &Silent)
        .drift()
        .await
        .expect("drift");
    let _ = b.close().await;
    db.drop_db().await;
    assert!(clean.is_empty(), "{clean:?}");
    let lines: Vec<String> = report
        .differences
        .iter()
        .map(|d| format!("{}: {}", d.object, d.detail))
        .collect();
    let expected = [
        "items_extra: trigger not in the plan",
        "items_touch_insert: trigger missing",
        "touch(): function touch(): body differs from the plan's",
        "touch(integer): function touch(integer) not in the plan",
        "items_touch: trigger items_touch on items: state enabled expected, disabled found",
    ];
    for e in expected {
        assert!(
            lines.iter().any(|l| l.starts_with(e)),
            "{e} not in {lines:#?}"
        );
    }
    assert_eq!(lines.len(), expected.len(), "{lines:#?}");
    assert!(
        !lines.iter().any(|l| l.contains("cutover_sync_")),
        "{lines:#?}"
    );
}
