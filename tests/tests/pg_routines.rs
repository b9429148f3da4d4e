//! Functions and triggers as typed steps on real PostgreSQL: an audit trigger whose rows
//! prove it fires, a security definer function run by a second role, enable/disable seen by
//! the rows, `down` removing what `up` created, a body error naming migration and step, and
//! the refusal on the other dialects.

use cutover_cli::connect::connect;
use cutover_core::Dialect;
use cutover_core::backend::Backend;
use cutover_core::plan::{LoadOptions, Plan};
use cutover_core::runner::{DownTarget, Runner, RunnerOptions, Silent, Target};
use cutover_tests::plans::PlanDir;
use cutover_tests::{Backend as Kind, TestDb, backends, snapshot};

const AUDIT: &str = r#"
description = "items with an audit trail kept by a trigger"

[[steps]]
op = "create_table"
table = "items"
columns = [
  { name = "id", type = "bigint", primary_key = true },
  { name = "name", type = "text" },
]

[[steps]]
op = "create_table"
table = "audit"
columns = [
  { name = "seq", type = "bigint", primary_key = true, identity = true },
  { name = "item_id", type = "bigint" },
  { name = "action", type = "text" },
]

[[steps]]
op = "create_function"
name = "audit_items"
returns = "trigger"
language = "plpgsql"
body = """
BEGIN
  INSERT INTO audit (item_id, action) VALUES (COALESCE(NEW.id, OLD.id), lower(TG_OP));
  RETURN NULL;
END
"""
dialects = ["postgres"]

[[steps]]
op = "create_trigger"
table = "items"
name = "items_audit"
timing = "after"
events = ["insert", "update", "delete"]
update_of = ["name"]
function = "audit_items"
dialects = ["postgres"]
"#;

const DISABLE: &str = r#"
description = "pause the audit trail"

[[steps]]
op = "disable_trigger"
table = "items"
name = "items_audit"
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

async fn up(b: &mut dyn Backend, plan: &Plan) -> Result<(), String> {
    Runner::new(b, plan, RunnerOptions::default(), &Silent)
        .up(Target::Latest)
        .await
        .map(drop)
        .map_err(|e| e.to_string())
}

async fn down(b: &mut dyn Backend, plan: &Plan, steps: usize) {
    Runner::new(b, plan, RunnerOptions::default(), &Silent)
        .down(DownTarget::Steps(steps))
        .await
        .unwrap_or_else(|e| panic!("down: {e}"));
}

async fn exec(b: &mut dyn Backend, sql: &str) {
    b.execute(sql)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
}

fn on_postgres() -> bool {
    backends().contains(&Kind::Postgres)
}

#[tokio::test]
async fn an_audit_trigger_fires_can_be_disabled_and_down_removes_it() {
    if !on_postgres() {
        return;
    }
    let db = TestDb::create(Kind::Postgres).await;
    let mut b = connect(db.url()).await.expect("connect");
    let dir = PlanDir::new();
    dir.write("0001_audit.toml", AUDIT);
    let plan = pg_only(&dir);
    up(b.as_mut(), &plan).await.expect("up");
    exec(b.as_mut(), "INSERT INTO items VALUES (1, 'a'), (2, 'b')").await;
    exec(b.as_mut(), "UPDATE items SET name = 'c' WHERE id = 1").await;
    // UPDATE OF name: an update that does not set `name` does not fire it.
    exec(b.as_mut(), "UPDATE items SET id = 3 WHERE id = 2").await;
    exec(b.as_mut(), "DELETE FROM items WHERE id = 1").await;
    assert_eq!(
        snapshot::rows(b.as_mut(), "audit").await,
        ["1|1|insert", "2|2|insert", "3|1|update", "4|1|delete"]
    );
    let report = Runner::new(b.as_mut(), &plan, RunnerOptions::default(), &Silent)
        .drift()
        .await
        .expect("drift");
    assert!(report.differences.is_empty(), "{:?}", report.differences);

    // Disabled: rows change, the trail does not; down enables it again.
    dir.write("0002_pause.toml", DISABLE);
    let plan = pg_only(&dir);
    up(b.as_mut(), &plan).await.expect("up 0002");
    let enabled =
        "SELECT count(*) FROM pg_trigger WHERE tgname = 'items_audit' AND tgenabled <> 'D'";
    assert_eq!(snapshot::count(b.as_mut(), enabled).await, 0);
    exec(b.as_mut(), "INSERT INTO items VALUES (5, 'e')").await;
    assert_eq!(
        snapshot::count(b.as_mut(), "SELECT count(*) FROM audit").await,
        4
    );
    let report = Runner::new(b.as_mut(), &plan, RunnerOptions::default(), &Silent)
        .drift()
        .await
        .expect("drift");
    assert!(report.differences.is_empty(), "{:?}", report.differences);
    down(b.as_mut(), &plan, 1).await;
    assert_eq!(snapshot::count(b.as_mut(), enabled).await, 1);
    exec(b.as_mut(), "INSERT INTO items VALUES (6, 'f')").await;
    assert_eq!(
        snapshot::count(b.as_mut(), "SELECT count(*) FROM audit").await,
        5
    );

    // Down of 0001 drops the trigger, the function and the tables.
    down(b.as_mut(), &plan, 1).await;
    let left = "SELECT (SELECT count(*) FROM pg_proc WHERE proname = 'audit_items') \
                + (SELECT count(*) FROM pg_trigger WHERE tgname = 'items_audit')";
    assert_eq!(snapshot::count(b.as_mut(), left).await, 0);
    let _ = b.close().await;
    db.drop_db().await;
}

const SECRETS: &str = r#"
description = "a count of secrets anyone may read, through a security definer function"

[[steps]]
op = "sql"
sql = "CREATE TABLE secrets (id int PRIMARY KEY, body text); INSERT INTO secrets VALUES (1, 'x'), (2, 'y'); REVOKE ALL ON secrets FROM PUBLIC"
down = "DROP TABLE secrets"
creates = ["table secrets"]

[[steps]]
op = "create_function"
name = "secret_count"
returns = "bigint"
language = "sql"
body = "SELECT count(*) FROM public.secrets"
security_definer = true
set_search_path = "pg_catalog, pg_temp"
volatility = "stable"
dialects = ["postgres"]

[[steps]]
op = "create_function"
name = "secret_count_invoker"
returns = "bigint"
language = "sql"
body = "SELECT count(*) FROM public.secrets"
dialects = ["postgres"]
"#;

#[tokio::test]
async fn a_security_definer_function_runs_with_its_owners_rights_for_another_role() {
    if !on_postgres() {
        return;
    }
    let db = TestDb::create(Kind::Postgres).await;
    let role = format!("{}_reader", db.name());
    let mut b = connect(db.url()).await.expect("connect");
    exec(b.as_mut(), &format!("CREATE ROLE \"{role}\" NOLOGIN")).await;
    let dir = PlanDir::new();
    dir.write("0001_secrets.toml", SECRETS);
    let plan = pg_only(&dir);
    let outcome = up(b.as_mut(), &plan).await;
    exec(b.as_mut(), &format!("SET ROLE \"{role}\"")).await;
    let direct = b.query("SELECT count(*) FROM secrets").await.err();
    let definer = b.query("SELECT secret_count()").await;
    let invoker = b.query("SELECT secret_count_invoker()").await.err();
    exec(b.as_mut(), "RESET ROLE").await;
    let config = b
        .query("SELECT array_to_string(proconfig, ';') FROM pg_proc WHERE proname = 'secret_count'")
        .await;
    let _ = b.close().await;
    db.drop_db().await;
    let mut admin = connect(&Kind::Postgres.server_url())
        .await
        .expect("connect");
    exec(admin.as_mut(), &format!("DROP ROLE \"{role}\"")).await;
    let _ = admin.close().await;

    outcome.expect("up");
    assert!(direct.is_some_and(|e| e.to_string().contains("permission denied")));
    assert_eq!(definer.expect("definer runs").scalar(), Some("2"));
    assert!(invoker.is_some_and(|e| e.to_string().contains("permission denied")));
    assert_eq!(
        config.expect("proconfig").scalar(),
        Some("search_path=pg_catalog, pg_temp")
    );
}

const BROKEN: &str = r#"
description = "a function with a typo in its body"

[[steps]]
op = "create_table"
table = "t"
columns = [{ name = "id", type = "bigint", primary_key = true }]

[[steps]]
op = "create_function"
name = "broken"
returns = "bigint"
language = "sql"
body = "SELEC count(*) FROM t"
dialects = ["postgres"]
"#;

#[tokio::test]
async fn a_body_error_names_the_migration_and_step_and_leaves_nothing() {
    if !on_postgres() {
        return;
    }
    let db = TestDb::create(Kind::Postgres).await;
    let mut b = connect(db.url()).await.expect("connect");
    let dir = PlanDir::new();
    dir.write("0001_broken.toml", BROKEN);
    let plan = pg_only(&dir);
    let err = up(b.as_mut(), &plan).await.expect_err("typo fails");
    let tables = snapshot::tables(b.as_mut()).await;
    let _ = b.close().await;
    db.drop_db().await;
    assert!(err.contains("0001_broken.toml"), "{err}");
    assert!(err.contains("migration 0001"), "{err}");
    assert!(err.contains("step 2 (create_function)"), "{err}");
    assert!(err.contains("syntax error at or near \"SELEC\""), "{err}");
    // One transaction: the table of step 1 is gone too.
    assert!(!tables.contains(&"t".to_string()), "{tables:?}");
}

#[test]
fn typed_functions_and_triggers_are_refused_on_other_dialects_without_dialects() {
    let dir = PlanDir::new();
    dir.write(
        "0001_f.toml",
        "description = \"f\"\n\n[[steps]]\nop = \"create_function\"\nname = \"f\"\nreturns = \"void\"\nbody = \"BEGIN END\"\n",
    );
    let err = Plan::load(dir.path()).expect_err("refused").to_string();
    assert!(
        err.contains("0001_f.toml:3: step 1 (create_function)"),
        "{err}"
    );
    assert!(
        err.contains("create_function is not supported on mysql"),
        "{err}"
    );
    assert!(err.contains("dialects = [\"postgres\"]"), "{err}");
    for op in [
        "op = \"create_trigger\"\ntable = \"t\"\nname = \"x\"\ntiming = \"before\"\nevents = [\"insert\"]\nfunction = \"f\"",
        "op = \"drop_trigger\"\ntable = \"t\"\nname = \"x\"",
        "op = \"disable_trigger\"\ntable = \"t\"\nname = \"x\"",
        "op = \"drop_function\"\nname = \"f\"\nargs = [\"integer\"]",
    ] {
        dir.write(
            "0001_f.toml",
            &format!("description = \"f\"\n\n[[steps]]\n{op}\n"),
        );
        let err = Plan::load(dir.path()).expect_err(op).to_string();
        assert!(err.contains("is not supported on mysql"), "{err}");
        dir.write(
            "0001_f.toml",
            &format!("description = \"f\"\n\n[[steps]]\n{op}\ndialects = [\"postgres\"]\n"),
        );
        Plan::load(dir.path()).unwrap_or_else(|e| panic!("{op}: {e}"));
    }
}

#[test]
fn load_time_checks_name_the_field() {
    let dir = PlanDir::new();
    let cases = [
        (
            "body = \"  \"",
            "field `body`: function `f` has an empty body",
        ),
        ("body = \"x\"\nlanguage = \"pl pgsql\"", "field `language`"),
        (
            "body = \"x\"\nargs = [\"a inte ger(\"]",
            "field `args`: `inte ger(` is not a type",
        ),
        (
            "body = \"x\"\nargs = [\"justaname\"]",
            "must be \"name type\"",
        ),
    ];
    for (extra, expected) in cases {
        dir.write(
            "0001_f.toml",
            &format!(
                "description = \"f\"\n\n[[steps]]\nop = \"create_function\"\nname = \"f\"\nreturns = \"void\"\n{extra}\ndialects = [\"postgres\"]\n"
            ),
        );
        let err = Plan::load(dir.path()).expect_err(extra).to_string();
        assert!(err.contains(expected), "{extra}: {err}");
    }
}

/// `cutover test` across databases: a PostgreSQL-only function and trigger (limited with
/// `dialects`) are a difference made on purpose, not a failure.
#[tokio::test]
async fn cutover_test_accepts_postgres_only_functions_and_triggers() {
    if !on_postgres() || backends().len() < 2 {
        return;
    }
    let dir = PlanDir::new();
    dir.write("0001_audit.toml", AUDIT);
    let urls: Vec<String> = backends().iter().map(Kind::server_url).collect();
    let open: Box<cutover_core::plantest::Opener> =
        Box::new(|url: String| Box::pin(async move { connect(&url).await }));
    let report = cutover_core::plantest::test_plan(&dir.load(), &urls, open.as_ref())
        .await
        .expect("cutover test runs");
    assert!(report.ok, "{:#?}", report.cross_dialect);
    assert!(
        report.databases.iter().all(|d| d.ok),
        "{:#?}",
        report.databases
    );
}
