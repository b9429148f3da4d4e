//! A `transaction = false` security migration that fails part way (its third step grants to a
//! role that does not exist): `repair` says where it stands and what to run, `down` reverts
//! exactly the steps that ran (from their captured rows), and fixing the cause lets `up`
//! resume and finish. Real PostgreSQL; the state is read from the catalogs.

#[path = "pg_security/support.rs"]
mod support;

use cutover_core::backend::Backend;
use cutover_tests::plans::PlanDir;
use support::{BASE, down_one, extra_role, runner, setup, teardown_roles, up};

/// Four steps; `ROLE` is the test's role, `MISSING` a role created only to fix the failure.
const SECURE: &str = r#"
description = "row-level security on notes, step by step"
transaction = false

[[steps]]
op = "enable_rls"
table = "notes"
force = true
dialects = ["postgres"]

[[steps]]
op = "create_policy"
table = "notes"
name = "own notes"
replace = true
roles = ["ROLE"]
using = "auth.uid() = user_id"
dialects = ["postgres"]

[[steps]]
op = "grant"
privileges = ["select", "insert", "update"]
objects = ["notes"]
to = ["ROLE", "MISSING"]
dialects = ["postgres"]

[[steps]]
op = "grant"
on = "schema"
privileges = ["usage"]
objects = ["auth"]
to = ["ROLE"]
dialects = ["postgres"]
"#;

/// RLS flags and ACL of `notes`, the ACL of schema `auth` (its default when never changed:
/// a GRANT then REVOKE leaves the same rights written out), and every policy of `notes`.
async fn state(b: &mut dyn Backend) -> Vec<String> {
    let sql = "SELECT concat_ws(' | ', c.relrowsecurity, c.relforcerowsecurity, coalesce(c.relacl::text, '-'), \
               (SELECT coalesce(nspacl, acldefault('n', nspowner))::text FROM pg_namespace WHERE nspname = 'auth')) \
               FROM pg_class c WHERE c.relname = 'notes' \
               UNION ALL SELECT concat_ws(' | ', policyname, roles::text, qual) FROM pg_policies WHERE tablename = 'notes'";
    let rows = b.query(sql).await.expect("state");
    let mut out: Vec<String> = rows
        .rows
        .into_iter()
        .map(|r| r.into_iter().next().flatten().unwrap_or_default())
        .collect();
    out.sort();
    out
}

/// `version|state|statements_applied|statements_total` of every history entry.
async fn history(b: &mut dyn Backend) -> Vec<String> {
    b.query("SELECT version, state, statements_applied, statements_total FROM cutover_history ORDER BY version_number")
        .await
        .expect("history")
        .rows
        .into_iter()
        .map(|r| r.into_iter().map(|v| v.unwrap_or_default()).collect::<Vec<_>>().join("|"))
        .collect()
}

async fn held(b: &mut dyn Backend, role: &str, privilege: &str) -> bool {
    let sql = format!("SELECT has_table_privilege('{role}', 'notes', '{privilege}')::text");
    let rows = b.query(&sql).await.expect("has_table_privilege");
    rows.rows[0][0].as_deref() == Some("true")
}

/// Applies 0001, gives the state a history of its own (a hand-made policy of the same name
/// and a SELECT the role already holds), then runs 0002 until its third step fails.
/// Returns the plan and the state before 0002.
async fn fail_part_way(b: &mut dyn Backend, role: &str, missing: &str) -> (PlanDir, Vec<String>) {
    let dir = PlanDir::new();
    dir.write("0001_base.toml", BASE);
    dir.write(
        "0002_secure.toml",
        &SECURE.replace("MISSING", missing).replace("ROLE", role),
    );
    let plan = dir.load();
    up(b, &plan, Some("0001")).await.expect("up 0001");
    b.execute(&format!(
        "CREATE POLICY \"own notes\" ON notes USING (true); GRANT SELECT ON notes TO \"{role}\""
    ))
    .await
    .expect("hand-made state");
    let before = state(b).await;
    let e = up(b, &plan, None)
        .await
        .expect_err("a grant to a missing role");
    assert!(e.contains("step 3 (grant)"), "{e}");
    let h = history(b).await;
    assert_eq!(h.len(), 2, "{h:?}");
    assert!(h[1].starts_with("0002|failed|"), "{h:?}");
    // RLS and the new policy are in place: the first two steps committed.
    let mid = state(b).await;
    assert!(mid.iter().any(|l| l.starts_with("t | t | ")), "{mid:?}");
    assert!(
        mid.iter().any(|l| l.contains("(auth.uid() = user_id)")),
        "{mid:?}"
    );
    (dir, before)
}

#[tokio::test]
async fn a_failed_non_transactional_security_migration_reverts_exactly_the_steps_that_ran() {
    let Some((db, mut b, role)) = setup().await else {
        return;
    };
    let missing = format!("{}_missing", db.name());
    let (dir, before) = fail_part_way(b.as_mut(), &role, &missing).await;
    let plan = dir.load();

    let advice = runner(b.as_mut(), &plan).repair().await.expect("repair");
    let line = advice
        .iter()
        .find(|l| l.starts_with("0002 "))
        .unwrap_or_else(|| panic!("repair says nothing about 0002: {advice:?}"));
    assert!(line.contains("`cutover up` to resume"), "{line}");
    assert!(
        line.contains("`cutover down` reverts the up steps that ran (1-2)"),
        "{line}"
    );
    assert_eq!(
        history(b.as_mut()).await[1].split('|').nth(1),
        Some("failed"),
        "repair changed nothing"
    );

    down_one(b.as_mut(), &plan).await;
    assert_eq!(
        state(b.as_mut()).await,
        before,
        "down restores RLS and policy"
    );
    assert!(
        held(b.as_mut(), &role, "SELECT").await,
        "the SELECT held before stays"
    );
    assert!(!held(b.as_mut(), &role, "INSERT").await);
    assert_eq!(history(b.as_mut()).await.len(), 1, "0002 is forgotten");

    teardown_roles(db, b, &[role.as_str()]).await;
}

#[tokio::test]
async fn fixing_the_cause_lets_up_resume_and_down_then_reverts_everything() {
    let Some((db, mut b, role)) = setup().await else {
        return;
    };
    let missing = format!("{}_missing", db.name());
    let (dir, before) = fail_part_way(b.as_mut(), &role, &missing).await;
    let plan = dir.load();

    // The fix: the role the grant names now exists.
    let created = extra_role(b.as_mut(), &db, "missing").await;
    assert_eq!(created.as_str(), missing);
    up(b.as_mut(), &plan, None).await.expect("up resumes");
    let h = history(b.as_mut()).await;
    assert!(h[1].starts_with("0002|applied|"), "{h:?}");
    assert!(held(b.as_mut(), &missing, "UPDATE").await);
    assert!(held(b.as_mut(), &role, "INSERT").await);

    down_one(b.as_mut(), &plan).await;
    assert_eq!(state(b.as_mut()).await, before, "down restores the state");
    assert!(
        held(b.as_mut(), &role, "SELECT").await,
        "the SELECT held before stays"
    );
    assert!(!held(b.as_mut(), &missing, "SELECT").await);

    teardown_roles(db, b, &[role.as_str(), created.as_str()]).await;
}
