//! Red team rt1 F16 and F8 on real PostgreSQL: cutover's own tables are closed to other
//! roles (default privileges revoked, row-level security on), `down` refuses a captured
//! definition someone changed, and a backfill that row-level security would filter fails
//! loudly instead of reporting "0 rows".

#[path = "pg_security/support.rs"]
mod support;

use cutover_cli::connect::connect;
use cutover_core::backend::Backend;
use cutover_core::runner::DownTarget;
use cutover_tests::plans::PlanDir;
use cutover_tests::snapshot;
use cutover_tests::{Backend as Kind, TestDb};
use support::{BASE, runner, setup, teardown, up};

const DROP_LEGACY: &str = r#"
description = "drop the legacy policy"

[[steps]]
op = "drop_policy"
table = "notes"
name = "legacy"
dialects = ["postgres"]
"#;

/// Creates the policy the plan drops, and default privileges that give `role` every right
/// on every new table, as Supabase does for its API roles.
async fn open_by_default(b: &mut dyn Backend, role: &str) {
    b.execute(&format!(
        "ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT ALL ON TABLES TO \"{role}\"; \
         GRANT USAGE ON SCHEMA public TO \"{role}\""
    ))
    .await
    .expect("default privileges");
}

#[tokio::test]
async fn cutover_tables_are_closed_to_roles_default_privileges_open_them_to() {
    let Some((db, mut b, role)) = setup().await else {
        return;
    };
    open_by_default(b.as_mut(), &role).await;
    let dir = PlanDir::new();
    dir.write("0001_base.toml", BASE);
    dir.write("0002_drop.toml", DROP_LEGACY);
    let plan = dir.load();
    up(b.as_mut(), &plan, Some("0001")).await.expect("up 0001");
    b.execute("CREATE POLICY legacy ON notes FOR SELECT USING (true)")
        .await
        .expect("legacy policy");
    up(b.as_mut(), &plan, None).await.expect("up 0002");

    // The plan's own table got the default privileges (the setup works) ...
    let notes = format!(
        "SELECT COUNT(*) FROM pg_class WHERE relname = 'notes' AND has_table_privilege('{role}', oid, 'INSERT')"
    );
    assert_eq!(snapshot::count(b.as_mut(), &notes).await, 1);
    // ... cutover's tables kept none of them, and have row-level security on.
    let tables = "SELECT COUNT(*) FROM pg_class WHERE relkind = 'r' AND relname LIKE 'cutover%'";
    assert!(
        snapshot::count(b.as_mut(), tables).await >= 3,
        "history, fence, captured"
    );
    let open = "SELECT COUNT(*) FROM pg_class c CROSS JOIN LATERAL aclexplode(c.relacl) a \
                WHERE c.relkind = 'r' AND c.relname LIKE 'cutover%' AND a.grantee <> c.relowner";
    assert_eq!(snapshot::count(b.as_mut(), open).await, 0);
    let no_rls = "SELECT COUNT(*) FROM pg_class WHERE relkind = 'r' AND relname LIKE 'cutover%' AND NOT relrowsecurity";
    assert_eq!(snapshot::count(b.as_mut(), no_rls).await, 0);
    // (row_security on for this check: with cutover's `off` the RLS error would come first.)
    b.execute(&format!("SET row_security = on; SET ROLE \"{role}\""))
        .await
        .expect("set role");
    let write = b
        .execute("UPDATE cutover_history_captured SET definition = definition || '; SELECT 1'")
        .await;
    b.execute("RESET ROLE").await.expect("reset role");
    let e = write.expect_err("the role may not write the captured definitions");
    assert!(e.to_string().contains("permission denied"), "{e}");
    teardown(db, b, &role).await;
}

#[tokio::test]
async fn down_refuses_a_captured_definition_that_was_tampered_with() {
    let Some((db, mut b, role)) = setup().await else {
        return;
    };
    let dir = PlanDir::new();
    dir.write("0001_base.toml", BASE);
    dir.write("0002_drop.toml", DROP_LEGACY);
    let plan = dir.load();
    up(b.as_mut(), &plan, Some("0001")).await.expect("up 0001");
    b.execute("CREATE POLICY legacy ON notes FOR SELECT USING (true)")
        .await
        .expect("legacy policy");
    up(b.as_mut(), &plan, None).await.expect("up 0002");
    let original = b
        .query("SELECT definition FROM cutover_history_captured WHERE phase = 'before'")
        .await
        .expect("captured")
        .scalar()
        .map(str::to_string)
        .expect("the dropped policy was captured");
    let set = |text: &str| {
        format!(
            "UPDATE cutover_history_captured SET definition = $t${text}$t$ WHERE phase = 'before'"
        )
    };
    for payload in [
        format!("{original}; ALTER ROLE \"{role}\" SUPERUSER"),
        format!("GRANT ALL ON TABLE cutover_history TO \"{role}\""),
        format!("ALTER ROLE \"{role}\" SUPERUSER"),
        "CREATE POLICY other ON notes USING (true)".to_string(),
    ] {
        b.execute(&set(&payload)).await.expect("tamper");
        let e = runner(b.as_mut(), &plan)
            .down(DownTarget::Steps(1))
            .await
            .expect_err("down must refuse");
        let text = e.to_string();
        assert!(text.contains("tampered"), "{payload}: {text}");
        assert!(text.contains("cutover_history_captured"), "{text}");
    }
    // Rows deleted: the dropped policy would silently not come back.
    b.execute("DELETE FROM cutover_history_captured WHERE phase = 'before'")
        .await
        .expect("delete");
    let e = runner(b.as_mut(), &plan)
        .down(DownTarget::Steps(1))
        .await
        .expect_err("down must refuse a missing capture");
    assert!(e.to_string().contains("its rows are missing"), "{e}");
    b.execute(&format!(
        "INSERT INTO cutover_history_captured VALUES ('0002', 1, 'before', 0, 'policy', 'legacy on notes', $t${original}$t$, 'now')"
    ))
    .await
    .expect("put back");
    let superuser = format!("SELECT COUNT(*) FROM pg_roles WHERE rolname = '{role}' AND rolsuper");
    assert_eq!(snapshot::count(b.as_mut(), &superuser).await, 0);
    // Untouched, the same down works.
    runner(b.as_mut(), &plan)
        .down(DownTarget::Steps(1))
        .await
        .expect("down");
    let legacy = "SELECT COUNT(*) FROM pg_policy WHERE polname = 'legacy'";
    assert_eq!(snapshot::count(b.as_mut(), legacy).await, 1);
    teardown(db, b, &role).await;
}

const MSGS: &str = r#"
description = "msgs"

[[steps]]
op = "create_table"
table = "msgs"
columns = [
  { name = "id", type = "bigint", primary_key = true },
  { name = "owner", type = "text" },
  { name = "body", type = "text" },
  { name = "copy", type = "text" },
]
"#;

const FORCE: &str = r#"
description = "msgs: private to their owner, even for the table owner"

[[steps]]
op = "enable_rls"
table = "msgs"
force = true
dialects = ["postgres"]

[[steps]]
op = "create_policy"
table = "msgs"
name = "owner only"
using = "owner = current_setting('app.user', true)"
dialects = ["postgres"]
"#;

const BACKFILL: &str = r#"
description = "copy body"
phase = "backfill"

[[steps]]
op = "backfill"
id = "msgs_copy"
table = "msgs"
where = "body IS NOT NULL"
pending = "copy IS NULL"
set.copy = "body"
"#;

/// A LOGIN role that owns the schema's new tables but is no superuser (the normal production
/// setup), and a session as it.
async fn owner_session(db: &TestDb, b: &mut dyn Backend) -> (String, Box<dyn Backend>) {
    let owner = format!("{}_owner", db.name());
    b.execute(&format!(
        "CREATE ROLE \"{owner}\" LOGIN; GRANT ALL ON SCHEMA public TO \"{owner}\""
    ))
    .await
    .expect("owner role");
    let url = db
        .url()
        .replacen("://postgres@", &format!("://{owner}@"), 1);
    assert_ne!(url, db.url(), "the test url names user postgres");
    (owner, connect(&url).await.expect("connect as owner"))
}

async fn drop_role(name: &str) {
    if let Ok(mut s) = connect(&Kind::Postgres.server_url()).await {
        let _ = s.execute(&format!("DROP ROLE IF EXISTS \"{name}\"")).await;
        let _ = s.close().await;
    }
}

#[tokio::test]
async fn a_backfill_row_level_security_would_filter_fails_instead_of_seeing_no_rows() {
    let Some((db, mut b, role)) = setup().await else {
        return;
    };
    let (owner, mut o) = owner_session(&db, b.as_mut()).await;
    let dir = PlanDir::new();
    dir.write("0001_msgs.toml", MSGS);
    dir.write("0002_force.toml", FORCE);
    dir.write("0003_backfill.toml", BACKFILL);
    let plan = dir.load();
    up(o.as_mut(), &plan, Some("0001")).await.expect("up 0001");
    o.execute(
        "INSERT INTO msgs SELECT g, 'u' || (g % 10), 'b' || g, NULL FROM generate_series(1, 500) g",
    )
    .await
    .expect("rows");
    let e = up(o.as_mut(), &plan, None)
        .await
        .expect_err("the backfill must fail, not report 0 rows");
    assert!(e.contains("row-level security"), "{e}");
    assert!(e.contains("msgs"), "{e}");
    assert!(e.contains("BYPASSRLS"), "{e}");
    let copied = "SELECT COUNT(*) FROM msgs WHERE copy IS NOT NULL";
    assert_eq!(snapshot::count(b.as_mut(), copied).await, 0);
    let applied =
        "SELECT COUNT(*) FROM cutover_history WHERE version = '0003' AND state = 'applied'";
    assert_eq!(snapshot::count(b.as_mut(), applied).await, 0);
    let _ = o.close().await;
    b.execute(&format!("DROP OWNED BY \"{owner}\""))
        .await
        .expect("drop owned");
    teardown(db, b, &role).await;
    drop_role(&owner).await;
}
