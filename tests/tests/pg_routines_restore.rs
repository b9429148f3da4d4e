//! `down` on real PostgreSQL puts back exactly what the plan never knew: a dropped SECURITY
//! DEFINER function comes back with its owner and ACL (PUBLIC's default EXECUTE revoked as it
//! was, one role allowed), a function with the default ACL comes back with it, and
//! `enable_trigger` / `disable_trigger` are undone to the state each trigger had before
//! (`O`, `D`, `A`, `R`), with `mode = "always"` keeping ENABLE ALWAYS.

use cutover_cli::connect::connect;
use cutover_core::Dialect;
use cutover_core::backend::Backend;
use cutover_core::plan::{LoadOptions, Plan};
use cutover_core::runner::{DownTarget, Runner, RunnerOptions, Silent, Target};
use cutover_tests::plans::PlanDir;
use cutover_tests::{Backend as Kind, TestDb, backends};

fn pg_only(dir: &PlanDir) -> Plan {
    Plan::load_with(
        dir.path(),
        &LoadOptions {
            dialects: vec![Dialect::Postgres],
        },
    )
    .unwrap_or_else(|e| panic!("plan does not load: {e}"))
}

async fn text(b: &mut dyn Backend, sql: &str) -> String {
    b.query(sql)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
        .scalar()
        .unwrap_or("<null>")
        .to_string()
}

async fn up_down(b: &mut dyn Backend, plan: &Plan) -> Result<(), String> {
    Runner::new(b, plan, RunnerOptions::default(), &Silent)
        .up(Target::Latest)
        .await
        .map_err(|e| format!("up: {e}"))?;
    Runner::new(b, plan, RunnerOptions::default(), &Silent)
        .down(DownTarget::Steps(1))
        .await
        .map_err(|e| format!("down: {e}"))?;
    Ok(())
}

async fn drop_roles(roles: &[String]) {
    if let Ok(mut s) = connect(&Kind::Postgres.server_url()).await {
        for r in roles {
            let _ = s.execute(&format!("DROP ROLE IF EXISTS \"{r}\"")).await;
        }
        let _ = s.close().await;
    }
}

/// Owner, ACL, security definer and who may execute, for each function.
fn state_sql(owner: &str, caller: &str, other: &str) -> String {
    format!(
        "SELECT string_agg(p.proname || ' ' || pg_get_userbyid(p.proowner) || ' ' || \
           COALESCE(p.proacl::text, 'default') || ' ' || p.prosecdef::text || ' ' || \
           has_function_privilege('{owner}', p.oid, 'EXECUTE')::text || ' ' || \
           has_function_privilege('{caller}', p.oid, 'EXECUTE')::text || ' ' || \
           has_function_privilege('{other}', p.oid, 'EXECUTE')::text, '; ' ORDER BY p.proname) \
         FROM pg_proc p WHERE p.proname IN ('whoami_definer', 'plain_helper')"
    )
}

const DROP: &str = r#"
description = "drop whoami_definer and plain_helper"
[[steps]]
op = "drop_function"
name = "whoami_definer"
dialects = ["postgres"]
[[steps]]
op = "drop_function"
name = "plain_helper"
args = ["integer"]
dialects = ["postgres"]
"#;

#[tokio::test]
async fn down_of_drop_function_restores_owner_and_acl_exactly() {
    if !backends().contains(&Kind::Postgres) {
        return;
    }
    let db = TestDb::create(Kind::Postgres).await;
    let roles: Vec<String> = ["owner", "caller", "other"]
        .iter()
        .map(|r| format!("{}_{r}", db.name()))
        .collect();
    let (owner, caller, other) = (&roles[0], &roles[1], &roles[2]);
    let mut b = connect(db.url()).await.expect("connect");
    let setup = format!(
        "CREATE ROLE \"{owner}\" NOLOGIN; CREATE ROLE \"{caller}\" NOLOGIN; CREATE ROLE \"{other}\" NOLOGIN;
         CREATE FUNCTION whoami_definer() RETURNS text LANGUAGE sql SECURITY DEFINER
           SET search_path = pg_catalog AS 'select current_user::text';
         ALTER FUNCTION whoami_definer() OWNER TO \"{owner}\";
         REVOKE ALL ON FUNCTION whoami_definer() FROM PUBLIC;
         GRANT EXECUTE ON FUNCTION whoami_definer() TO \"{caller}\" WITH GRANT OPTION;
         CREATE FUNCTION plain_helper(x integer) RETURNS integer LANGUAGE sql AS 'select x';
         ALTER FUNCTION plain_helper(integer) OWNER TO \"{owner}\";"
    );
    b.execute(&setup).await.expect("setup");
    let state = state_sql(owner, caller, other);
    let before = text(b.as_mut(), &state).await;
    let dir = PlanDir::new();
    dir.write("0001_drop.toml", DROP);
    let plan = pg_only(&dir);
    let run = up_down(b.as_mut(), &plan).await;
    let after = text(b.as_mut(), &state).await;
    let _ = b.execute("DROP FUNCTION IF EXISTS whoami_definer(); DROP FUNCTION IF EXISTS plain_helper(integer)").await;
    let _ = b.close().await;
    db.drop_db().await;
    drop_roles(&roles).await;
    run.expect("up and down");
    // Not the migrating superuser, no PUBLIC execute, the granted role only.
    assert!(
        before.contains(&format!("whoami_definer {owner} {{")),
        "{before}"
    );
    assert!(before.contains("true true true false"), "{before}");
    assert!(
        before.contains(&format!(
            "plain_helper {owner} default false true true true"
        )),
        "{before}"
    );
    assert_eq!(
        after, before,
        "owner, ACL and execute rights restored exactly"
    );
}

const TOGGLE: &str = r#"
description = "make sure the guards are on, the audit off"
[[steps]]
op = "enable_trigger"
table = "items"
name = "Items Price Guard"
mode = "always"
dialects = ["postgres"]
[[steps]]
op = "enable_trigger"
table = "items"
name = "items_audit"
dialects = ["postgres"]
[[steps]]
op = "disable_trigger"
table = "items"
name = "items_off"
dialects = ["postgres"]
[[steps]]
op = "enable_trigger"
table = "items"
name = "items_replica"
dialects = ["postgres"]
"#;

const STATES: &str = "SELECT string_agg(tgname || '=' || tgenabled::text, ', ' ORDER BY tgname) \
     FROM pg_trigger WHERE tgrelid = 'items'::regclass AND NOT tgisinternal";

#[tokio::test]
async fn down_of_enable_and_disable_trigger_restores_the_prior_state() {
    if !backends().contains(&Kind::Postgres) {
        return;
    }
    let db = TestDb::create(Kind::Postgres).await;
    let mut b = connect(db.url()).await.expect("connect");
    b.execute(
        "CREATE TABLE items (id int PRIMARY KEY, price int);
         CREATE FUNCTION guard() RETURNS trigger LANGUAGE plpgsql AS
           $$BEGIN IF NEW.price < 0 THEN RAISE EXCEPTION 'negative'; END IF; RETURN NEW; END$$;
         CREATE TRIGGER \"Items Price Guard\" BEFORE UPDATE ON items FOR EACH ROW EXECUTE FUNCTION guard();
         CREATE TRIGGER items_audit BEFORE UPDATE ON items FOR EACH ROW EXECUTE FUNCTION guard();
         CREATE TRIGGER items_off BEFORE UPDATE ON items FOR EACH ROW EXECUTE FUNCTION guard();
         CREATE TRIGGER items_replica BEFORE UPDATE ON items FOR EACH ROW EXECUTE FUNCTION guard();
         ALTER TABLE items ENABLE ALWAYS TRIGGER \"Items Price Guard\";
         ALTER TABLE items DISABLE TRIGGER items_off;
         ALTER TABLE items DISABLE TRIGGER items_audit;
         ALTER TABLE items ENABLE REPLICA TRIGGER items_replica;
         INSERT INTO items VALUES (41, 10);",
    )
    .await
    .expect("setup");
    let before = text(b.as_mut(), STATES).await;
    let dir = PlanDir::new();
    dir.write("0001_toggle.toml", TOGGLE);
    let plan = pg_only(&dir);
    let up = Runner::new(b.as_mut(), &plan, RunnerOptions::default(), &Silent)
        .up(Target::Latest)
        .await;
    let during = text(b.as_mut(), STATES).await;
    let down = Runner::new(b.as_mut(), &plan, RunnerOptions::default(), &Silent)
        .down(DownTarget::Steps(1))
        .await;
    let after = text(b.as_mut(), STATES).await;
    let guarded = b.execute("UPDATE items SET price = -5 WHERE id = 41").await;
    let _ = b.close().await;
    db.drop_db().await;
    up.unwrap_or_else(|e| panic!("up: {e}"));
    down.unwrap_or_else(|e| panic!("down: {e}"));
    assert_eq!(
        before,
        "Items Price Guard=A, items_audit=D, items_off=D, items_replica=R"
    );
    // `mode = "always"` keeps ALWAYS; a plain enable makes the replica trigger `O`.
    assert_eq!(
        during,
        "Items Price Guard=A, items_audit=O, items_off=D, items_replica=O"
    );
    assert_eq!(after, before, "down put every trigger back as it was");
    assert!(guarded.is_err(), "the guard still fires after down");
}

/// Collects the run's warnings.
#[derive(Default)]
struct Warnings(std::sync::Mutex<Vec<String>>);

impl cutover_core::runner::Reporter for Warnings {
    fn event(&self, event: &cutover_core::runner::Event<'_>) {
        if let cutover_core::runner::Event::Warning(w) = event
            && let Ok(mut v) = self.0.lock()
        {
            v.push(w.to_string());
        }
    }
}

const REPLACE: &str = r#"
description = "legacy_fmt v3"
[[steps]]
op = "create_function"
name = "legacy_fmt"
args = ["x integer"]
returns = "text"
language = "plpgsql"
body = "begin return 'v3 ' || x; end"
replace = true
dialects = ["postgres"]
"#;

#[tokio::test]
async fn down_warns_when_the_captured_definition_is_gone() {
    if !backends().contains(&Kind::Postgres) {
        return;
    }
    let db = TestDb::create(Kind::Postgres).await;
    let mut b = connect(db.url()).await.expect("connect");
    b.execute(
        "CREATE FUNCTION legacy_fmt(x integer) RETURNS text LANGUAGE sql AS $$SELECT 'v2 ' || x$$",
    )
    .await
    .expect("setup");
    let dir = PlanDir::new();
    dir.write("0001_replace.toml", REPLACE);
    let plan = pg_only(&dir);
    let up = Runner::new(b.as_mut(), &plan, RunnerOptions::default(), &Silent)
        .up(Target::Latest)
        .await;
    let lost = b
        .execute("DELETE FROM cutover_history_captured WHERE version = '0001'")
        .await;
    let warnings = Warnings::default();
    let down = Runner::new(b.as_mut(), &plan, RunnerOptions::default(), &warnings)
        .down(DownTarget::Steps(1))
        .await;
    let _ = b.close().await;
    db.drop_db().await;
    up.unwrap_or_else(|e| panic!("up: {e}"));
    lost.expect("delete the captured rows");
    down.unwrap_or_else(|e| panic!("down: {e}"));
    let warnings = warnings.0.lock().map(|v| v.clone()).unwrap_or_default();
    assert!(
        warnings.iter().any(|w| w.contains("migration 0001 step 1")
            && w.contains("no captured definition of the function \"legacy_fmt\"(integer)")),
        "{warnings:?}"
    );
}
