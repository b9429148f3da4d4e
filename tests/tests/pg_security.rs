//! Row-level security, policies and grants on real PostgreSQL: a Supabase-style plan
//! (`auth.uid() = user_id`) really filters rows for a non-owner role, drift is clean after
//! `up` and reports policies dropped, changed or added by hand, a missing grant and a flag
//! change; `down` re-creates a dropped policy exactly as captured; a typo in a policy
//! expression names the migration and step. Roles are created per test with unique names
//! and dropped.

#[path = "pg_security/support.rs"]
mod support;

use cutover_core::plan::Plan;
use cutover_tests::plans::PlanDir;
use cutover_tests::snapshot;
use support::{
    ALICE, BASE, BOB, SECURE, down_one, drift, plan, policies, setup, teardown, up, visible_as,
};

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

#[tokio::test]
async fn a_typo_in_a_policy_expression_names_the_migration_and_step() {
    let Some((db, mut b, role)) = setup().await else {
        return;
    };
    let dir = PlanDir::new();
    dir.write("0001_base.toml", BASE);
    dir.write(
        "0002_typo.toml",
        &SECURE.replace("ROLE", role.as_str()).replacen(
            "auth.uid() = user_id",
            "auth.uid() = usr_id",
            1,
        ),
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
