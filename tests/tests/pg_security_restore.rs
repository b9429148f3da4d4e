//! Red team rt1 F2, F15, F1 and F3 on real PostgreSQL: `enable_rls`, `disable_rls` and
//! `grant` capture the state before and `down` restores exactly it; `revoke` captures column
//! rights and PUBLIC's default EXECUTE; a grant or revoke on an object cutover's role does
//! not own fails instead of succeeding with a server warning.

#[path = "pg_security/support.rs"]
mod support;

use cutover_cli::connect::connect;
use cutover_core::backend::Backend;
use cutover_tests::Backend as Kind;
use cutover_tests::plans::PlanDir;
use support::{BASE, down_one, setup, teardown, up};

const PLAIN: &str = r#"
description = "a second table"

[[steps]]
op = "create_table"
table = "plain"
columns = [{ name = "id", type = "bigint", primary_key = true }]
"#;

const HARDEN: &str = r#"
description = "make sure: RLS on notes, the app role reads and updates"

[[steps]]
op = "enable_rls"
table = "notes"
dialects = ["postgres"]

[[steps]]
op = "grant"
privileges = ["select", "update"]
objects = ["notes"]
to = ["ROLE"]
with_grant_option = true
dialects = ["postgres"]

[[steps]]
op = "disable_rls"
table = "plain"
force = true
dialects = ["postgres"]
"#;

async fn text(b: &mut dyn Backend, sql: &str) -> String {
    b.query(sql)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
        .rows
        .into_iter()
        .map(|r| {
            r.into_iter()
                .map(|v| v.unwrap_or_default())
                .collect::<Vec<_>>()
                .join(",")
        })
        .collect::<Vec<_>>()
        .join(" | ")
}

const STATE: &str = "SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity, coalesce(c.relacl::text, '-'), \
     coalesce((SELECT string_agg(a.attname || '=' || a.attacl::text, ';' ORDER BY a.attname) \
       FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attacl IS NOT NULL), '-') \
     FROM pg_class c WHERE c.relname IN ('notes', 'plain') ORDER BY 1";

#[tokio::test]
async fn enable_rls_grant_and_disable_rls_down_restore_exactly_the_state_before() {
    let Some((db, mut b, role)) = setup().await else {
        return;
    };
    let dir = PlanDir::new();
    dir.write("0001_base.toml", BASE);
    dir.write("0002_plain.toml", PLAIN);
    dir.write("0003_harden.toml", &HARDEN.replace("ROLE", role.as_str()));
    let plan = dir.load();
    up(b.as_mut(), &plan, Some("0002")).await.expect("up 0002");
    // Enabled long ago (dashboard); the role already reads, and updates one column.
    b.execute(&format!(
        "ALTER TABLE notes ENABLE ROW LEVEL SECURITY; GRANT SELECT ON notes TO \"{role}\"; \
         GRANT UPDATE (body) ON notes TO \"{role}\""
    ))
    .await
    .expect("state by hand");
    let before = text(b.as_mut(), STATE).await;
    up(b.as_mut(), &plan, None).await.expect("up 0003");
    let during = text(b.as_mut(), STATE).await;
    assert_ne!(during, before);
    assert!(
        during.contains(&format!("{role}=r*w*/postgres")),
        "{during}"
    );
    down_one(b.as_mut(), &plan).await;
    let after = text(b.as_mut(), STATE).await;
    assert_eq!(
        after, before,
        "RLS still on, SELECT and UPDATE (body) kept, plain unforced"
    );
    assert!(after.starts_with("notes,t,f"), "{after}");
    teardown(db, b, &role).await;
}

const REVOKE: &str = r#"
description = "lock down: no update on notes, nobody calls auth.uid() by default"

[[steps]]
op = "revoke"
privileges = ["update"]
objects = ["notes"]
from = ["ROLE"]
dialects = ["postgres"]

[[steps]]
op = "revoke"
on = "function"
privileges = ["execute"]
objects = ["auth.uid()"]
from = ["public"]
dialects = ["postgres"]
"#;

#[tokio::test]
async fn revoke_down_gives_back_column_rights_and_public_execute() {
    let Some((db, mut b, role)) = setup().await else {
        return;
    };
    let dir = PlanDir::new();
    dir.write("0001_base.toml", BASE);
    dir.write("0002_revoke.toml", &REVOKE.replace("ROLE", role.as_str()));
    let plan = dir.load();
    up(b.as_mut(), &plan, Some("0001")).await.expect("up 0001");
    b.execute(&format!(
        "GRANT UPDATE (body) ON notes TO \"{role}\"; GRANT USAGE ON SCHEMA auth TO \"{role}\""
    ))
    .await
    .expect("column right");
    let rights = format!(
        "SELECT has_column_privilege('{role}', 'notes', 'body', 'UPDATE'), \
         has_function_privilege('{role}', 'auth.uid()', 'EXECUTE')"
    );
    assert_eq!(text(b.as_mut(), &rights).await, "t,t");
    up(b.as_mut(), &plan, None).await.expect("up 0002");
    assert_eq!(text(b.as_mut(), &rights).await, "f,f");
    down_one(b.as_mut(), &plan).await;
    assert_eq!(text(b.as_mut(), &rights).await, "t,t", "both rights back");
    teardown(db, b, &role).await;
}

#[tokio::test]
async fn grant_and_revoke_on_an_object_cutover_does_not_own_fail() {
    let Some((db, mut b, role)) = setup().await else {
        return;
    };
    let runner_role = format!("{}_runner", db.name());
    b.execute(&format!(
        "CREATE ROLE \"{runner_role}\" LOGIN; GRANT ALL ON SCHEMA public TO \"{runner_role}\"; \
         CREATE SCHEMA ext; GRANT USAGE ON SCHEMA ext TO \"{runner_role}\"; \
         CREATE FUNCTION ext.secret() RETURNS text LANGUAGE sql AS 'select 1::text'"
    ))
    .await
    .expect("setup");
    let url = db
        .url()
        .replacen("://postgres@", &format!("://{runner_role}@"), 1);
    let mut r = connect(&url).await.expect("connect as runner");
    for (verb, field) in [("revoke", "from"), ("grant", "to")] {
        let dir = PlanDir::new();
        dir.write(
            "0001_ext.toml",
            &format!(
                "description = \"{verb} ext.secret\"\n[[steps]]\nop = \"{verb}\"\non = \"function\"\n\
                 privileges = [\"execute\"]\nobjects = [\"ext.secret()\"]\n{field} = [\"{}\"]\ndialects = [\"postgres\"]\n",
                if verb == "revoke" { "public" } else { role.as_str() }
            ),
        );
        let plan = dir.load();
        let e = up(r.as_mut(), &plan, None).await.expect_err("must fail");
        assert!(e.contains("does not own"), "{e}");
        assert!(e.contains("ext.secret()"), "{e}");
        assert!(e.contains("0001"), "{e}");
    }
    let rights = format!(
        "SELECT has_function_privilege('{role}', 'ext.secret()', 'EXECUTE'), \
         (SELECT proacl IS NULL FROM pg_proc WHERE proname = 'secret')"
    );
    assert_eq!(text(b.as_mut(), &rights).await, "t,t", "nothing changed");
    let _ = r.close().await;
    b.execute(&format!("DROP OWNED BY \"{runner_role}\""))
        .await
        .expect("drop owned");
    teardown(db, b, &role).await;
    if let Ok(mut s) = connect(&Kind::Postgres.server_url()).await {
        let _ = s
            .execute(&format!("DROP ROLE IF EXISTS \"{runner_role}\""))
            .await;
        let _ = s.close().await;
    }
}
