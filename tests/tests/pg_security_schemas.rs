//! Red team findings on real PostgreSQL: security and trigger steps on a schema-qualified
//! table (`auth.users`, rt4 F3), a policy added by hand on a table the plan secures but did
//! not create (rt1 F6), no "policy changed" drift after `rename_column` (rt1 F5), and a
//! `[[checks]]` query that tries to `SET ROLE` for the rest of the run (rt1 F18).

#[path = "pg_security/support.rs"]
mod support;

use cutover_tests::plans::PlanDir;
use cutover_tests::snapshot;
use support::{BASE, SECURE, down_one, drift, setup, teardown, up};

const AUTH_USERS: &str = r#"
description = "auth.users, created by raw SQL as Supabase does"

[[steps]]
op = "sql"
dialects = ["postgres"]
postgres = """
CREATE SCHEMA auth;
CREATE TABLE auth.users (id bigint PRIMARY KEY, email text, touched int NOT NULL DEFAULT 0);
"""
down = "DROP SCHEMA auth CASCADE"
"#;

const SECURE_USERS: &str = r#"
description = "row-level security and a touch trigger on auth.users"

[[steps]]
op = "enable_rls"
table = "auth.users"
dialects = ["postgres"]

[[steps]]
op = "create_policy"
table = "auth.users"
name = "own row"
roles = ["ROLE"]
using = "id > 0"
dialects = ["postgres"]

[[steps]]
op = "create_function"
name = "auth.touch"
returns = "trigger"
language = "plpgsql"
body = "BEGIN NEW.touched := NEW.touched + 1; RETURN NEW; END"
dialects = ["postgres"]

[[steps]]
op = "create_trigger"
table = "auth.users"
name = "users_touch"
timing = "before"
events = ["update"]
function = "auth.touch"
dialects = ["postgres"]
"#;

#[tokio::test]
async fn security_and_trigger_steps_work_on_a_schema_qualified_table() {
    let Some((db, mut b, role)) = setup().await else {
        return;
    };
    let dir = PlanDir::new();
    dir.write("0001_auth.toml", AUTH_USERS);
    dir.write(
        "0002_secure.toml",
        &SECURE_USERS.replace("ROLE", role.as_str()),
    );
    let plan = dir.load();
    up(b.as_mut(), &plan, None).await.expect("up");
    let rls = "SELECT COUNT(*) FROM pg_class WHERE oid = 'auth.users'::regclass AND relrowsecurity";
    assert_eq!(snapshot::count(b.as_mut(), rls).await, 1);
    let policy = "SELECT COUNT(*) FROM pg_policies WHERE schemaname = 'auth' AND tablename = 'users' AND policyname = 'own row'";
    assert_eq!(snapshot::count(b.as_mut(), policy).await, 1);
    b.execute(
        "INSERT INTO auth.users (id, email) VALUES (1, 'a@x'); UPDATE auth.users SET email = 'b@x'",
    )
    .await
    .expect("write");
    let touched = "SELECT COUNT(*) FROM auth.users WHERE touched = 1";
    assert_eq!(
        snapshot::count(b.as_mut(), touched).await,
        1,
        "the trigger fired"
    );
    assert_eq!(drift(b.as_mut(), &plan).await, Vec::<String>::new());

    // A policy added by hand on the table the plan secures (but did not create).
    b.execute("CREATE POLICY backdoor ON auth.users USING (true)")
        .await
        .expect("backdoor");
    assert_eq!(
        drift(b.as_mut(), &plan).await,
        ["auth.users: policy backdoor not in the plan"]
    );
    b.execute("DROP POLICY backdoor ON auth.users")
        .await
        .expect("drop backdoor");

    down_one(b.as_mut(), &plan).await;
    assert_eq!(snapshot::count(b.as_mut(), rls).await, 0);
    assert_eq!(snapshot::count(b.as_mut(), policy).await, 0);
    let trigger = "SELECT COUNT(*) FROM pg_trigger WHERE tgname = 'users_touch'";
    assert_eq!(snapshot::count(b.as_mut(), trigger).await, 0);
    teardown(db, b, &role).await;
}

#[tokio::test]
async fn renaming_a_policy_column_is_no_policy_drift() {
    let Some((db, mut b, role)) = setup().await else {
        return;
    };
    let dir = support::plan(&role);
    dir.write(
        "0003_rename.toml",
        "description = \"user_id becomes owner_id\"\n\n[[steps]]\nop = \"rename_column\"\ntable = \"notes\"\ncolumn = \"user_id\"\nto = \"owner_id\"\n",
    );
    let plan = dir.load();
    up(b.as_mut(), &plan, Some("0001")).await.expect("up 0001");
    b.execute("CREATE POLICY legacy ON notes USING (true)")
        .await
        .expect("legacy");
    up(b.as_mut(), &plan, None).await.expect("up");
    assert_eq!(drift(b.as_mut(), &plan).await, Vec::<String>::new());
    // A real change is still seen.
    b.execute("ALTER POLICY \"own notes\" ON notes USING (true)")
        .await
        .expect("alter");
    let found = drift(b.as_mut(), &plan).await;
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(found[0].contains("policy own notes changed"), "{found:?}");
    teardown(db, b, &role).await;
}

#[tokio::test]
async fn a_check_may_not_change_the_sessions_role() {
    let Some((db, mut b, role)) = setup().await else {
        return;
    };
    let dir = PlanDir::new();
    dir.write("0001_base.toml", BASE);
    dir.write(
        "0002_secure.toml",
        &format!(
            "{}\n[[checks]]\nname = \"sneaky\"\nwhen = \"before\"\nsql = \"SELECT 0; SET ROLE \\\"{role}\\\"\"\nexpect = 0\n",
            SECURE.replace("ROLE", role.as_str()).replace(
                "[[steps]]\nop = \"drop_policy\"\ntable = \"notes\"\nname = \"legacy\"\ndialects = [\"postgres\"]\n",
                ""
            )
        ),
    );
    let plan = dir.load();
    let e = up(b.as_mut(), &plan, None)
        .await
        .expect_err("the check changes the session");
    assert!(e.contains("check `sneaky` changed the session"), "{e}");
    assert!(e.contains(&format!("role {role}")), "shows the change: {e}");
    let rows = b.query("SELECT current_user::text").await.expect("who");
    assert_eq!(
        rows.rows[0][0].as_deref(),
        Some("postgres"),
        "role given back"
    );
    // Nothing of 0002 ran.
    let rls = "SELECT COUNT(*) FROM pg_class WHERE relname = 'notes' AND relrowsecurity";
    assert_eq!(snapshot::count(b.as_mut(), rls).await, 0);
    teardown(db, b, &role).await;
}
