//! Captured definitions on real PostgreSQL: `revoke` and `create_policy` with `replace = true`
//! capture what existed and `down` gives exactly that back (ACL and pg_policies compared);
//! replacing a policy that did not exist reverts to none; a `transaction = false` migration
//! captures and restores statement by statement.

#[path = "pg_security/support.rs"]
mod support;

use cutover_tests::plans::PlanDir;
use cutover_tests::snapshot;
use support::{BASE, down_one, drift, policies, setup, teardown, up};

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
    dir.write("0002_revoke.toml", &REVOKE.replace("ROLE", role.as_str()));
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
    // The SELECT granted by hand before the plan's revoke is the only drift (issue 16).
    let found = drift(b.as_mut(), &plan).await;
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(
        found[0].starts_with(&format!(
            "notes: grant not in the plan: SELECT ON notes TO {role} WITH GRANT OPTION (granted by "
        )),
        "{found:?}"
    );

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
