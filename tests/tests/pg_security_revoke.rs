//! Red team rt1 F4 and F13 on real PostgreSQL: a `revoke` fails when the role keeps the right
//! through another grantor (PostgreSQL's REVOKE only removes its own grantor's entries),
//! drift reports a revoked right that came back, and revoking a right the role granted on
//! (WITH GRANT OPTION) names the dependents or, with `cascade = true`, revokes them too.

#[path = "pg_security/support.rs"]
mod support;

use cutover_core::backend::Backend;
use cutover_tests::plans::PlanDir;
use support::{BASE, down_one, drift, extra_role, setup, teardown_roles, up};

const REVOKE_UPDATE: &str = r#"
description = "the app role may no longer update notes"

[[steps]]
op = "revoke"
privileges = ["update"]
objects = ["notes"]
from = ["ROLE"]
dialects = ["postgres"]
"#;

const REVOKE_SELECT: &str = r#"
description = "the app role may no longer read notes"

[[steps]]
op = "revoke"
privileges = ["select"]
objects = ["notes"]
from = ["ROLE"]
CASCADE
dialects = ["postgres"]
"#;

async fn holds(b: &mut dyn Backend, role: &str, privilege: &str) -> bool {
    let sql = format!("SELECT has_table_privilege('{role}', 'notes', '{privilege}')::text");
    let rows = b.query(&sql).await.expect("has_table_privilege");
    rows.rows[0][0].as_deref() == Some("true")
}

/// `found` without the line reporting `grant`, which must be there: the other grantor's own
/// right, granted by hand, is not the plan's (issue 16).
fn without(found: Vec<String>, grant: &str) -> Vec<String> {
    let line = format!("grant not in the plan: {grant} (granted by ");
    assert!(
        found.iter().any(|f| f.contains(&line)),
        "{line} in {found:?}"
    );
    found.into_iter().filter(|f| !f.contains(&line)).collect()
}

/// Runs `sql` as `role` (cutover's connection is a superuser).
async fn as_role(b: &mut dyn Backend, role: &str, sql: &str) {
    b.execute(&format!("SET ROLE \"{role}\"; {sql}; RESET ROLE"))
        .await
        .unwrap_or_else(|e| panic!("{sql} as {role}: {e}"));
}

#[tokio::test]
async fn revoke_fails_while_another_grantor_keeps_the_right_and_drift_sees_it_come_back() {
    let Some((db, mut b, role)) = setup().await else {
        return;
    };
    let other = extra_role(b.as_mut(), &db, "grantor").await;
    let dir = PlanDir::new();
    dir.write("0001_base.toml", BASE);
    dir.write(
        "0002_revoke.toml",
        &REVOKE_UPDATE.replace("ROLE", role.as_str()),
    );
    let plan = dir.load();
    up(b.as_mut(), &plan, Some("0001")).await.expect("up 0001");
    // The owner gave UPDATE, and so did another role that holds it WITH GRANT OPTION.
    b.execute(&format!(
        "GRANT UPDATE ON notes TO \"{role}\"; GRANT UPDATE ON notes TO \"{other}\" WITH GRANT OPTION"
    ))
    .await
    .expect("grants");
    as_role(
        b.as_mut(),
        &other,
        &format!("GRANT UPDATE ON notes TO \"{role}\""),
    )
    .await;

    let e = up(b.as_mut(), &plan, None)
        .await
        .expect_err("the role still holds UPDATE from the other grantor");
    assert!(e.contains("still held after the REVOKE"), "{e}");
    assert!(
        e.contains(&format!("UPDATE on notes to {role} (granted by {other})")),
        "names the grant left: {e}"
    );
    assert!(e.contains("0002"), "names the migration: {e}");
    // Rolled back: the owner's grant is still there too.
    assert!(holds(b.as_mut(), &role, "UPDATE").await);

    // The other grantor takes its grant back: the revoke now really removes the right.
    as_role(
        b.as_mut(),
        &other,
        &format!("REVOKE UPDATE ON notes FROM \"{role}\""),
    )
    .await;
    up(b.as_mut(), &plan, None).await.expect("up 0002");
    assert!(!holds(b.as_mut(), &role, "UPDATE").await);
    let others = format!("UPDATE ON notes TO {other} WITH GRANT OPTION");
    assert_eq!(
        without(drift(b.as_mut(), &plan).await, &others),
        Vec::<String>::new()
    );

    // Given back by hand, by the other grantor: drift reports the revoked right.
    as_role(
        b.as_mut(),
        &other,
        &format!("GRANT UPDATE ON notes TO \"{role}\""),
    )
    .await;
    let found = without(drift(b.as_mut(), &plan).await, &others);
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(
        found[0].contains(&format!(
            "UPDATE on table notes was revoked from {role} by the plan, but is held again: UPDATE on notes to {role} (granted by {other})"
        )),
        "{found:?}"
    );
    as_role(
        b.as_mut(),
        &other,
        &format!("REVOKE UPDATE ON notes FROM \"{role}\""),
    )
    .await;
    assert_eq!(
        without(drift(b.as_mut(), &plan).await, &others),
        Vec::<String>::new()
    );

    // down gives the owner's grant back.
    down_one(b.as_mut(), &plan).await;
    assert!(holds(b.as_mut(), &role, "UPDATE").await);
    teardown_roles(db, b, &[&role, &other]).await;
}

#[tokio::test]
async fn revoking_a_right_granted_on_names_the_dependents_or_cascades() {
    let Some((db, mut b, role)) = setup().await else {
        return;
    };
    let reader = extra_role(b.as_mut(), &db, "reader").await;
    let dir = PlanDir::new();
    dir.write("0001_base.toml", BASE);
    let revoke = REVOKE_SELECT.replace("ROLE", role.as_str());
    dir.write("0002_revoke.toml", &revoke.replace("CASCADE\n", ""));
    let plan = dir.load();
    up(b.as_mut(), &plan, Some("0001")).await.expect("up 0001");
    b.execute(&format!(
        "GRANT SELECT ON notes TO \"{role}\" WITH GRANT OPTION"
    ))
    .await
    .expect("grant");
    as_role(
        b.as_mut(),
        &role,
        &format!("GRANT SELECT ON notes TO \"{reader}\""),
    )
    .await;

    let e = up(b.as_mut(), &plan, None)
        .await
        .expect_err("dependent rights exist");
    assert!(e.contains("granted the right on to others"), "{e}");
    assert!(
        e.contains(&format!("SELECT on notes to {reader} (granted by {role})")),
        "names the dependent: {e}"
    );
    assert!(e.contains("cascade = true"), "says what to do: {e}");
    assert!(holds(b.as_mut(), &role, "SELECT").await);
    assert!(holds(b.as_mut(), &reader, "SELECT").await);

    dir.write(
        "0002_revoke.toml",
        &revoke.replace("CASCADE", "cascade = true"),
    );
    let plan = dir.load();
    up(b.as_mut(), &plan, None).await.expect("up with cascade");
    assert!(!holds(b.as_mut(), &role, "SELECT").await);
    assert!(!holds(b.as_mut(), &reader, "SELECT").await, "cascaded");
    assert_eq!(drift(b.as_mut(), &plan).await, Vec::<String>::new());
    // down gives the role its own right back, with its grant option (not the dependent's).
    down_one(b.as_mut(), &plan).await;
    let acl = b
        .query("SELECT relacl::text FROM pg_class WHERE relname = 'notes'")
        .await
        .expect("acl");
    let acl = acl.rows[0][0].clone().unwrap_or_default();
    assert!(acl.contains(&format!("{role}=r*/postgres")), "{acl}");
    assert!(!holds(b.as_mut(), &reader, "SELECT").await);
    teardown_roles(db, b, &[&role, &reader]).await;
}
