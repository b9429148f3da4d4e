//! Row-level security, policies and grants on real PostgreSQL: a Supabase-style plan
//! (`auth.uid() = user_id`) really filters rows for a non-owner role, drift is clean after
//! `up` and reports policies dropped, changed or added by hand, a missing grant and a flag
//! change; `down` re-creates a dropped policy and revoked rights exactly as captured; a typo
//! in a policy expression names the migration and step. Roles are created per test with
//! unique names and dropped.

use cutover_cli::connect::connect;
use cutover_core::backend::Backend;
use cutover_core::plan::Plan;
use cutover_core::runner::{DownTarget, Runner, RunnerOptions, Silent, Target};
use cutover_tests::plans::PlanDir;
use cutover_tests::{Backend as Kind, TestDb, backends, snapshot};

const BASE: &str = r#"
description = "notes, and the auth schema the policies call"

[[steps]]
op = "create_table"
table = "notes"
columns = [
  { name = "id", type = "bigint", primary_key = true },
  { name = "user_id", type = "uuid", nullable = false },
  { name = "body", type = "text" },
]

[[steps]]
op = "sql"
dialects = ["postgres"]
postgres = """
CREATE SCHEMA auth;
CREATE FUNCTION auth.uid() RETURNS uuid LANGUAGE sql STABLE
  AS $$ SELECT nullif(current_setting('request.jwt.claim.sub', true), '')::uuid $$;
"""
down = "DROP FUNCTION auth.uid(); DROP SCHEMA auth"
"#;

/// The security migration; `ROLE` is replaced by the test's role.
const SECURE: &str = r#"
description = "row-level security on notes"

[[steps]]
op = "enable_rls"
table = "notes"
force = true
dialects = ["postgres"]

[[steps]]
op = "create_policy"
table = "notes"
name = "own notes"
roles = ["ROLE"]
using = "auth.uid() = user_id"
with_check = "auth.uid() = user_id"
dialects = ["postgres"]

[[steps]]
op = "drop_policy"
table = "notes"
name = "legacy"
dialects = ["postgres"]

[[steps]]
op = "grant"
privileges = ["select", "insert"]
objects = ["notes"]
to = ["ROLE"]
dialects = ["postgres"]

[[steps]]
op = "grant"
on = "schema"
privileges = ["usage"]
objects = ["auth"]
to = ["ROLE"]
dialects = ["postgres"]

[[steps]]
op = "grant"
on = "function"
privileges = ["execute"]
objects = ["auth.uid()"]
to = ["ROLE"]
dialects = ["postgres"]
"#;

const ALICE: &str = "11111111-1111-1111-1111-111111111111";
const BOB: &str = "22222222-2222-2222-2222-222222222222";

/// A PostgreSQL test database and a role of its own (`<db>_app`), or `None` when the run
/// excludes PostgreSQL.
async fn setup() -> Option<(TestDb, Box<dyn Backend>, String)> {
    if !backends().contains(&Kind::Postgres) {
        return None;
    }
    let db = TestDb::create(Kind::Postgres).await;
    let mut b = connect(db.url()).await.expect("connect");
    let role = format!("{}_app", db.name());
    b.execute(&format!("CREATE ROLE \"{role}\" NOLOGIN"))
        .await
        .expect("create role");
    Some((db, b, role))
}

async fn teardown(db: TestDb, mut b: Box<dyn Backend>, role: &str) {
    let _ = b.execute("RESET ROLE").await;
    b.execute(&format!("DROP OWNED BY \"{role}\""))
        .await
        .expect("drop owned");
    let _ = b.close().await;
    db.drop_db().await;
    let server = connect(&Kind::Postgres.server_url()).await;
    if let Ok(mut s) = server {
        s.execute(&format!("DROP ROLE IF EXISTS \"{role}\""))
            .await
            .expect("drop role");
        let _ = s.close().await;
    }
}

fn runner<'a>(b: &'a mut dyn Backend, plan: &'a Plan) -> Runner<'a> {
    Runner::new(b, plan, RunnerOptions::default(), &Silent)
}

async fn up(b: &mut dyn Backend, plan: &Plan, to: Option<&str>) -> Result<(), String> {
    let target = match to {
        Some(v) => Target::Version(cutover_core::plan::Version::parse(v).expect("version")),
        None => Target::Latest,
    };
    runner(b, plan)
        .up(target)
        .await
        .map(drop)
        .map_err(|e| e.to_string())
}

async fn down_one(b: &mut dyn Backend, plan: &Plan) {
    runner(b, plan)
        .down(DownTarget::Steps(1))
        .await
        .unwrap_or_else(|e| panic!("down: {e}"));
}

async fn drift(b: &mut dyn Backend, plan: &Plan) -> Vec<String> {
    runner(b, plan)
        .drift()
        .await
        .expect("drift")
        .differences
        .into_iter()
        .map(|d| format!("{}: {}", d.object, d.detail))
        .collect()
}

/// Every policy of `notes`, one line each, as pg_policies shows it.
async fn policies(b: &mut dyn Backend) -> Vec<String> {
    let rows = b
        .query(
            "SELECT concat_ws(' | ', policyname, permissive, roles::text, cmd, qual, with_check) \
             FROM pg_policies WHERE tablename = 'notes' ORDER BY policyname",
        )
        .await
        .expect("pg_policies");
    rows.rows
        .into_iter()
        .map(|r| r.into_iter().next().flatten().unwrap_or_default())
        .collect()
}

/// The ids of the notes `role` sees as user `user`.
async fn visible_as(b: &mut dyn Backend, role: &str, user: &str) -> Vec<String> {
    b.execute(&format!("SET ROLE \"{role}\""))
        .await
        .expect("set role");
    b.execute(&format!(
        "SELECT set_config('request.jwt.claim.sub', '{user}', false)"
    ))
    .await
    .expect("claim");
    let rows = b.query("SELECT id::text FROM notes ORDER BY id").await;
    b.execute("RESET ROLE").await.expect("reset role");
    rows.expect("select as role")
        .rows
        .into_iter()
        .map(|r| r.into_iter().next().flatten().unwrap_or_default())
        .collect()
}

fn plan(role: &str) -> PlanDir {
    let dir = PlanDir::new();
    dir.write("0001_base.toml", BASE);
    dir.write("0002_secure.toml", &SECURE.replace("ROLE", role));
    dir
}

#[tokio::test]
async fn policies_filter_rows_drift_is_checked_and_down_restores_the_dropped_policy() {
    let Some((db, mut b, role)) = setup().await else {
        return;
    };
    let dir = plan(&role);
    let plan = dir.load();
    up(b.as_mut(), &plan, Some("0001")).await.expect("up 0001");
    // A policy made outside the plan, with a role list and a restrictive check.
    b.execute(&format!(
        "CREATE POLICY legacy ON notes AS RESTRICTIVE FOR UPDATE TO \"{role}\", PUBLIC \
         USING (body <> '' AND id > 0) WITH CHECK (length(body) < 100)"
    ))
    .await
    .expect("legacy policy");
    let before = policies(b.as_mut()).await;
    b.execute(&format!(
        "INSERT INTO notes VALUES (1, '{ALICE}', 'a1'), (2, '{BOB}', 'b1'), (3, '{ALICE}', 'a2')"
    ))
    .await
    .expect("rows");

    up(b.as_mut(), &plan, None).await.expect("up 0002");
    assert_eq!(visible_as(b.as_mut(), &role, ALICE).await, ["1", "3"]);
    assert_eq!(visible_as(b.as_mut(), &role, BOB).await, ["2"]);
    // WITH CHECK refuses a row for another user.
    b.execute(&format!("SET ROLE \"{role}\""))
        .await
        .expect("set role");
    b.execute(&format!(
        "SELECT set_config('request.jwt.claim.sub', '{ALICE}', false)"
    ))
    .await
    .expect("claim");
    let refused = b
        .execute(&format!("INSERT INTO notes VALUES (9, '{BOB}', 'x')"))
        .await;
    b.execute("RESET ROLE").await.expect("reset");
    let refused = refused.expect_err("a row for bob inserted as alice");
    assert!(
        refused.to_string().contains("row-level security"),
        "{refused}"
    );
    assert!(drift(b.as_mut(), &plan).await.is_empty(), "drift after up");

    // Drift by hand: a changed policy, an extra one, a missing grant, a flag.
    b.execute("ALTER POLICY \"own notes\" ON notes USING (true)")
        .await
        .expect("alter");
    b.execute("CREATE POLICY extra ON notes USING (false)")
        .await
        .expect("extra");
    b.execute(&format!("REVOKE INSERT ON notes FROM \"{role}\""))
        .await
        .expect("revoke");
    b.execute("ALTER TABLE notes NO FORCE ROW LEVEL SECURITY")
        .await
        .expect("no force");
    let found = drift(b.as_mut(), &plan).await;
    let has = |s: &str| found.iter().any(|d| d.contains(s));
    assert!(has("policy own notes changed"), "{found:?}");
    assert!(has("USING (true)"), "{found:?}");
    assert!(has("policy extra not in the plan"), "{found:?}");
    assert!(
        has(&format!("grant of INSERT on table notes to {role} missing")),
        "{found:?}"
    );
    assert!(
        has("forced row-level security on expected, off found"),
        "{found:?}"
    );
    assert_eq!(found.len(), 4, "{found:?}");
    b.execute("DROP POLICY \"own notes\" ON notes")
        .await
        .expect("drop by hand");
    let found = drift(b.as_mut(), &plan).await;
    assert!(
        found.iter().any(|d| d == "notes: policy own notes missing"),
        "{found:?}"
    );
    // Put the plan's state back, then revert.
    b.execute("DROP POLICY extra ON notes")
        .await
        .expect("drop extra");
    b.execute(&format!(
        "CREATE POLICY \"own notes\" ON notes TO \"{role}\" USING (auth.uid() = user_id) WITH CHECK (auth.uid() = user_id)"
    ))
    .await
    .expect("re-create");
    down_one(b.as_mut(), &plan).await;
    assert_eq!(
        policies(b.as_mut()).await,
        before,
        "the dropped policy as it was"
    );
    let rls = "SELECT COUNT(*) FROM pg_class WHERE relname = 'notes' AND (relrowsecurity OR relforcerowsecurity)";
    assert_eq!(snapshot::count(b.as_mut(), rls).await, 0);
    let select = format!(
        "SELECT COUNT(*) FROM pg_class WHERE relname = 'notes' AND has_table_privilege('{role}', oid, 'SELECT')"
    );
    assert_eq!(snapshot::count(b.as_mut(), &select).await, 0);
    let captured = "SELECT COUNT(*) FROM cutover_history_captured";
    assert_eq!(snapshot::count(b.as_mut(), captured).await, 0);
    teardown(db, b, &role).await;
}

const REVOKE: &str = r#"
description = "the app role may no longer update notes"

[[steps]]
op = "revoke"
privileges = ["update", "delete"]
objects = ["notes"]
from = ["ROLE"]
dialects = ["postgres"]

[[steps]]
op = "create_policy"
table = "notes"
name = "readable"
command = "select"
permissive = false
using = "body IS NOT NULL"
replace = true
dialects = ["postgres"]
"#;

#[tokio::test]
async fn revoke_and_replace_capture_what_existed_and_down_gives_it_back() {
    let Some((db, mut b, role)) = setup().await else {
        return;
    };
    let dir = PlanDir::new();
    dir.write("0001_base.toml", BASE);
    dir.write("0002_revoke.toml", &REVOKE.replace("ROLE", &role));
    let plan = dir.load();
    up(b.as_mut(), &plan, Some("0001")).await.expect("up 0001");
    b.execute(&format!(
        "GRANT SELECT, UPDATE ON notes TO \"{role}\" WITH GRANT OPTION"
    ))
    .await
    .expect("grant by hand");
    b.execute("CREATE POLICY readable ON notes FOR SELECT USING (id < 10)")
        .await
        .expect("policy by hand");
    let acl = "SELECT relacl::text FROM pg_class WHERE relname = 'notes'";
    let acl_before = b
        .query(acl)
        .await
        .expect("acl")
        .scalar()
        .map(str::to_string);
    let before = policies(b.as_mut()).await;

    up(b.as_mut(), &plan, None).await.expect("up 0002");
    let update = format!(
        "SELECT COUNT(*) FROM pg_class WHERE relname = 'notes' AND has_table_privilege('{role}', oid, 'UPDATE')"
    );
    assert_eq!(snapshot::count(b.as_mut(), &update).await, 0);
    let after = policies(b.as_mut()).await;
    assert_eq!(after.len(), 1);
    assert!(after[0].starts_with("readable | RESTRICTIVE"), "{after:?}");
    assert!(drift(b.as_mut(), &plan).await.is_empty());

    down_one(b.as_mut(), &plan).await;
    let acl_after = b
        .query(acl)
        .await
        .expect("acl")
        .scalar()
        .map(str::to_string);
    assert_eq!(acl_after, acl_before, "the rights as they were");
    assert_eq!(
        policies(b.as_mut()).await,
        before,
        "the replaced policy as it was"
    );

    // Replacing a policy that did not exist: down removes the new one.
    b.execute("DROP POLICY readable ON notes")
        .await
        .expect("drop");
    up(b.as_mut(), &plan, None).await.expect("up again");
    down_one(b.as_mut(), &plan).await;
    assert!(policies(b.as_mut()).await.is_empty());
    teardown(db, b, &role).await;
}

#[tokio::test]
async fn a_typo_in_a_policy_expression_names_the_migration_and_step() {
    let Some((db, mut b, role)) = setup().await else {
        return;
    };
    let dir = PlanDir::new();
    dir.write("0001_base.toml", BASE);
    dir.write(
        "0002_typo.toml",
        &SECURE
            .replace("ROLE", &role)
            .replacen("auth.uid() = user_id", "auth.uid() = usr_id", 1),
    );
    let plan = dir.load();
    up(b.as_mut(), &plan, Some("0001")).await.expect("up 0001");
    b.execute("CREATE POLICY legacy ON notes USING (true)")
        .await
        .expect("legacy");
    let err = up(b.as_mut(), &plan, None).await.expect_err("typo");
    assert!(err.contains("usr_id"), "{err}");
    assert!(err.contains("0002_typo.toml:"), "{err}");
    assert!(
        err.contains("migration 0002 (typo), step 2 (create_policy)"),
        "{err}"
    );
    assert!(err.contains("rolled back"), "{err}");
    // Nothing of it stayed: no row security, the legacy policy untouched, nothing captured.
    assert_eq!(policies(b.as_mut()).await.len(), 1);
    let captured = "SELECT COUNT(*) FROM pg_class WHERE relname = 'cutover_history_captured'";
    assert_eq!(snapshot::count(b.as_mut(), captured).await, 0);
    teardown(db, b, &role).await;
}

#[test]
fn security_steps_are_refused_for_mysql_and_sqlite_without_dialects() {
    let dir = PlanDir::new();
    dir.write("0001_base.toml", BASE);
    dir.write(
        "0002_rls.toml",
        "description = \"rls\"\n\n[[steps]]\nop = \"enable_rls\"\ntable = \"notes\"\n",
    );
    let err = Plan::load(dir.path()).expect_err("refused").to_string();
    assert!(err.contains("0002_rls.toml:3"), "{err}");
    assert!(err.contains("step 1 (enable_rls)"), "{err}");
    assert!(err.contains("not supported on mysql or sqlite"), "{err}");
    assert!(err.contains("dialects = [\"postgres\"]"), "{err}");
    // Limited, it loads; and a syntax error in an expression is a load error on its line.
    dir.write(
        "0002_rls.toml",
        "description = \"rls\"\n\n[[steps]]\nop = \"create_policy\"\ntable = \"notes\"\nname = \"p\"\nusing = \"auth.uid() = = user_id\"\ndialects = [\"postgres\"]\n",
    );
    let err = Plan::load(dir.path()).expect_err("syntax").to_string();
    assert!(err.contains("0002_rls.toml:7"), "{err}");
    assert!(err.contains("field `using`"), "{err}");
    assert!(err.contains("is not a PostgreSQL expression"), "{err}");
}

#[tokio::test]
async fn a_policy_moves_with_its_renamed_table_without_drift() {
    let Some((db, mut b, role)) = setup().await else {
        return;
    };
    let dir = plan(&role);
    dir.write(
        "0003_rename.toml",
        "description = \"notes become memos\"\n\n[[steps]]\nop = \"rename_table\"\ntable = \"notes\"\nto = \"memos\"\n",
    );
    let plan = dir.load();
    up(b.as_mut(), &plan, Some("0001")).await.expect("up 0001");
    b.execute("CREATE POLICY legacy ON notes USING (true)")
        .await
        .expect("legacy");
    up(b.as_mut(), &plan, None).await.expect("up");
    assert!(drift(b.as_mut(), &plan).await.is_empty());
    b.execute("ALTER TABLE memos DISABLE ROW LEVEL SECURITY")
        .await
        .expect("disable");
    assert_eq!(
        drift(b.as_mut(), &plan).await,
        ["memos: row-level security on expected, off found"]
    );
    teardown(db, b, &role).await;
}

#[tokio::test]
async fn statement_by_statement_migrations_capture_and_restore_too() {
    let Some((db, mut b, role)) = setup().await else {
        return;
    };
    let dir = PlanDir::new();
    dir.write("0001_base.toml", BASE);
    dir.write(
        "0002_swap.toml",
        &format!(
            "description = \"swap a policy, step by step\"\ntransaction = false\n\n\
             [[steps]]\nop = \"drop_policy\"\ntable = \"notes\"\nname = \"legacy\"\ndialects = [\"postgres\"]\n\n\
             [[steps]]\nop = \"create_policy\"\ntable = \"notes\"\nname = \"fresh\"\nroles = [\"{role}\"]\nusing = \"id > 1\"\ndialects = [\"postgres\"]\n"
        ),
    );
    let plan = dir.load();
    up(b.as_mut(), &plan, Some("0001")).await.expect("up 0001");
    b.execute(&format!(
        "CREATE POLICY legacy ON notes AS RESTRICTIVE FOR DELETE TO \"{role}\" USING (id < 5)"
    ))
    .await
    .expect("legacy");
    let before = policies(b.as_mut()).await;
    up(b.as_mut(), &plan, None).await.expect("up");
    let after = policies(b.as_mut()).await;
    assert_eq!(after.len(), 1);
    assert!(after[0].starts_with("fresh | PERMISSIVE"), "{after:?}");
    assert!(drift(b.as_mut(), &plan).await.is_empty());
    down_one(b.as_mut(), &plan).await;
    assert_eq!(policies(b.as_mut()).await, before);
    teardown(db, b, &role).await;
}
