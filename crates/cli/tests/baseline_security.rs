//! A generated baseline writes row-level security, policies, grants, functions and
//! triggers as typed steps (F9): `drift` against the source is clean and understands them
//! (a policy dropped by hand is reported), and the plan applied to an empty database
//! rebuilds the same security catalog (flags, policies, ACLs, function settings, trigger
//! definitions and states). PostgreSQL only: the other databases have none of these.

mod baseline_support;
mod common;

use baseline_support::{cleanup, create_roles, exec, facts};
use common::{run, text};
use cutover_tests::plans::PlanDir;
use cutover_tests::{Backend as Kind, TestDb, backends};

/// `{r}` and `{w}` are the two roles.
const FIXTURE: &str = "CREATE TABLE notes (id bigint PRIMARY KEY, owner text NOT NULL, body text);
CREATE TABLE audit (id bigserial PRIMARY KEY, note_id bigint, action text);
CREATE FUNCTION audit_notes() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $f$ BEGIN INSERT INTO audit (note_id, action) VALUES (COALESCE(NEW.id, OLD.id), lower(TG_OP)); RETURN NULL; END $f$;
CREATE FUNCTION owner_of(n bigint) RETURNS text LANGUAGE plpgsql STABLE AS $f$ BEGIN RETURN (SELECT owner FROM notes WHERE id = n); END $f$;
CREATE FUNCTION strict_one(x integer) RETURNS integer LANGUAGE plpgsql STRICT AS $f$ BEGIN RETURN x; END $f$;
CREATE TRIGGER notes_audit AFTER INSERT OR UPDATE OF body ON notes FOR EACH ROW WHEN (NEW.body IS NOT NULL) EXECUTE FUNCTION audit_notes();
CREATE TRIGGER notes_audit_del AFTER DELETE ON notes FOR EACH ROW EXECUTE FUNCTION audit_notes();
ALTER TABLE notes DISABLE TRIGGER notes_audit_del;
ALTER TABLE notes ENABLE ROW LEVEL SECURITY;
ALTER TABLE notes FORCE ROW LEVEL SECURITY;
ALTER TABLE audit ENABLE ROW LEVEL SECURITY;
CREATE POLICY own_read ON notes FOR SELECT TO \"{r}\" USING (owner = current_user);
CREATE POLICY own_write ON notes AS RESTRICTIVE FOR UPDATE TO \"{r}\", \"{w}\" USING (owner = current_user) WITH CHECK (body <> '');
CREATE POLICY anyone_inserts ON notes FOR INSERT WITH CHECK (true);
GRANT SELECT, UPDATE ON notes TO \"{r}\";
GRANT SELECT ON notes TO \"{w}\" WITH GRANT OPTION;
GRANT USAGE ON SEQUENCE audit_id_seq TO \"{w}\";
GRANT EXECUTE ON FUNCTION owner_of(bigint) TO \"{r}\";
REVOKE EXECUTE ON FUNCTION audit_notes() FROM PUBLIC";

/// The security catalog, one fact a line, sorted.
const FACTS: &str = "SELECT 'rls ' || relname || ' ' || relrowsecurity || ' ' || relforcerowsecurity \
      || ' acl=' || coalesce(relacl::text, '') FROM pg_class \
    WHERE relnamespace = current_schema()::regnamespace AND relkind IN ('r', 'S') AND relname NOT LIKE 'cutover%' \
    UNION ALL SELECT 'policy ' || tablename || '.' || policyname || ' ' || permissive || ' ' || cmd \
      || ' ' || roles::text || ' ' || coalesce(qual, '-') || ' ' || coalesce(with_check, '-') \
    FROM pg_policies WHERE schemaname = current_schema() \
    UNION ALL SELECT 'function ' || proname || ' ' || prosecdef || ' ' || provolatile::text || ' ' || proisstrict \
      || ' ' || coalesce(proconfig::text, '') || ' acl=' || coalesce(proacl::text, '') || ' ' || prosrc \
    FROM pg_proc WHERE pronamespace = current_schema()::regnamespace \
    UNION ALL SELECT 'trigger ' || pg_get_triggerdef(oid) || ' ' || tgenabled::text FROM pg_trigger \
    WHERE NOT tgisinternal AND tgrelid::regclass::text NOT LIKE 'cutover%'";

#[tokio::test]
async fn security_objects_are_baselined_as_typed_steps_and_round_trip() {
    if !backends().contains(&Kind::Postgres) {
        return;
    }
    let db = TestDb::create(Kind::Postgres).await;
    let fresh = TestDb::create(Kind::Postgres).await;
    let roles = vec![format!("{}_r", db.name()), format!("{}_w", db.name())];
    let outcome = scenario(&db, &fresh, &roles).await;
    cleanup(vec![db, fresh], &roles).await;
    if let Err(e) = outcome {
        panic!("{e}");
    }
}

async fn scenario(db: &TestDb, fresh: &TestDb, roles: &[String]) -> Result<(), String> {
    create_roles(roles).await?;
    exec(
        db.url(),
        &FIXTURE.replace("{r}", &roles[0]).replace("{w}", &roles[1]),
    )
    .await?;
    let dir = PlanDir::new();
    let init = run(dir.path(), &["init", "--from-database", db.url()]);
    if !init.status.success() {
        return Err(format!("init: {}", text(&init)));
    }
    let toml = std::fs::read_to_string(dir.path().join("migrations/0001_baseline.toml"))
        .map_err(|e| format!("baseline: {e}"))?;
    for op in [
        "enable_rls",
        "create_policy",
        "grant",
        "create_function",
        "create_trigger",
        "disable_trigger",
        "revoke",
    ] {
        if !toml.contains(&format!("op = \"{op}\"")) {
            return Err(format!("no typed {op} step:\n{toml}"));
        }
    }
    for raw in [
        "CREATE POLICY",
        "ROW LEVEL SECURITY",
        "CREATE TRIGGER",
        "EXECUTE FUNCTION audit_notes()",
    ] {
        if toml.contains(raw) {
            return Err(format!("{raw} written as raw SQL:\n{toml}"));
        }
    }
    // STRICT is not a field of create_function: that one stays raw, saying why.
    if !toml.contains("-- not a typed create_function step: STRICT\nSET check_function_bodies = false;\nCREATE OR REPLACE FUNCTION strict_one") {
        return Err(format!("strict_one is not raw SQL:\n{toml}"));
    }
    let drift = run(dir.path(), &["drift", "--database", db.url()]);
    if drift.status.code() != Some(0) {
        return Err(format!("drift on the source: {}\n{toml}", text(&drift)));
    }

    let up = run(dir.path(), &["up", "--database", fresh.url()]);
    if !up.status.success() {
        return Err(format!("up on a fresh database: {}\n{toml}", text(&up)));
    }
    let (source, rebuilt) = (
        facts(db.url(), FACTS).await?,
        facts(fresh.url(), FACTS).await?,
    );
    if source != rebuilt {
        return Err(format!(
            "rebuilt security differs:\nsource {source:#?}\nrebuilt {rebuilt:#?}\n{toml}"
        ));
    }
    for url in [fresh.url(), db.url()] {
        let drift = run(dir.path(), &["drift", "--database", url]);
        if drift.status.code() != Some(0) {
            return Err(format!("drift after the round trip: {}", text(&drift)));
        }
    }

    // Drift understands the typed steps: a policy and a grant removed by hand are reported.
    exec(
        db.url(),
        &format!(
            "DROP POLICY own_read ON notes;\nREVOKE USAGE ON SEQUENCE audit_id_seq FROM \"{}\"",
            roles[1]
        ),
    )
    .await?;
    let drift = run(dir.path(), &["drift", "--database", db.url()]);
    let out = text(&drift);
    if drift.status.code() != Some(8)
        || !out.contains("policy own_read missing")
        || !out.contains("audit_id_seq")
    {
        return Err(format!("drift after a hand change: {out}"));
    }
    Ok(())
}
