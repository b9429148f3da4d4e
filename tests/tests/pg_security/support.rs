//! Shared by the PostgreSQL security tests: the plans, a test database with a role of its
//! own, and readers of policies, visible rows and drift.

#![allow(dead_code)]

use cutover_cli::connect::connect;
use cutover_core::backend::Backend;
use cutover_core::plan::Plan;
use cutover_core::runner::{DownTarget, Runner, RunnerOptions, Silent, Target};
use cutover_tests::plans::PlanDir;
use cutover_tests::{Backend as Kind, TestDb, backends};

pub const BASE: &str = r#"
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
pub const SECURE: &str = r#"
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

pub const ALICE: &str = "11111111-1111-1111-1111-111111111111";
pub const BOB: &str = "22222222-2222-2222-2222-222222222222";

/// The test's role: its name (derefs to `&str`, prints as the name). When the test panics
/// before [`teardown`], dropping it drops the test database (with `FORCE`) and the role, so
/// that a failing test leaves no role behind on the server.
pub struct TestRole {
    name: String,
    db: String,
}

impl TestRole {
    /// The role's name.
    pub fn as_str(&self) -> &str {
        &self.name
    }
}

impl std::ops::Deref for TestRole {
    type Target = str;
    fn deref(&self) -> &str {
        &self.name
    }
}

impl std::fmt::Display for TestRole {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.name)
    }
}

impl Drop for TestRole {
    fn drop(&mut self) {
        if !std::thread::panicking() {
            return; // `teardown` dropped both
        }
        let (db, role) = (self.db.clone(), self.name.clone());
        // The test's runtime is unwinding: a thread of its own with a runtime of its own.
        let _ = std::thread::spawn(move || {
            let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            else {
                return;
            };
            rt.block_on(async {
                if let Ok(mut s) = connect(&Kind::Postgres.server_url()).await {
                    let _ = s
                        .execute(&format!("DROP DATABASE IF EXISTS \"{db}\" WITH (FORCE)"))
                        .await;
                    let _ = s.execute(&format!("DROP ROLE IF EXISTS \"{role}\"")).await;
                    let _ = s.close().await;
                }
            });
        })
        .join();
    }
}

/// A PostgreSQL test database and a role of its own (`<db>_app`), or `None` when the run
/// excludes PostgreSQL.
pub async fn setup() -> Option<(TestDb, Box<dyn Backend>, TestRole)> {
    if !backends().contains(&Kind::Postgres) {
        return None;
    }
    let db = TestDb::create(Kind::Postgres).await;
    let mut b = connect(db.url()).await.expect("connect");
    let role = TestRole {
        name: format!("{}_app", db.name()),
        db: db.name().to_string(),
    };
    b.execute(&format!("CREATE ROLE \"{role}\" NOLOGIN"))
        .await
        .expect("create role");
    Some((db, b, role))
}

/// A second role for `db` (`<db>_<suffix>`), cleaned up like the first when the test
/// panics; [`teardown_roles`] drops it.
pub async fn extra_role(b: &mut dyn Backend, db: &TestDb, suffix: &str) -> TestRole {
    let role = TestRole {
        name: format!("{}_{suffix}", db.name()),
        db: db.name().to_string(),
    };
    b.execute(&format!("CREATE ROLE \"{role}\" NOLOGIN"))
        .await
        .expect("create role");
    role
}

/// [`teardown`] for a test with more than one role.
pub async fn teardown_roles(db: TestDb, mut b: Box<dyn Backend>, roles: &[&str]) {
    let _ = b.execute("RESET ROLE").await;
    for role in roles.iter().skip(1) {
        b.execute(&format!("DROP OWNED BY \"{role}\""))
            .await
            .expect("drop owned");
    }
    teardown(db, b, roles[0]).await;
    let server = connect(&Kind::Postgres.server_url()).await;
    if let Ok(mut s) = server {
        for role in roles.iter().skip(1) {
            s.execute(&format!("DROP ROLE IF EXISTS \"{role}\""))
                .await
                .expect("drop role");
        }
        let _ = s.close().await;
    }
}

pub async fn teardown(db: TestDb, mut b: Box<dyn Backend>, role: &str) {
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

pub fn runner<'a>(b: &'a mut dyn Backend, plan: &'a Plan) -> Runner<'a> {
    Runner::new(b, plan, RunnerOptions::default(), &Silent)
}

pub async fn up(b: &mut dyn Backend, plan: &Plan, to: Option<&str>) -> Result<(), String> {
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

pub async fn down_one(b: &mut dyn Backend, plan: &Plan) {
    runner(b, plan)
        .down(DownTarget::Steps(1))
        .await
        .unwrap_or_else(|e| panic!("down: {e}"));
}

pub async fn drift(b: &mut dyn Backend, plan: &Plan) -> Vec<String> {
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
pub async fn policies(b: &mut dyn Backend) -> Vec<String> {
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
pub async fn visible_as(b: &mut dyn Backend, role: &str, user: &str) -> Vec<String> {
    // cutover's sessions run with row_security = off (a filtered query fails); a test of
    // what a role sees turns it on, as an application session has it.
    b.execute(&format!("SET row_security = on; SET ROLE \"{role}\""))
        .await
        .expect("set role");
    b.execute(&format!(
        "SELECT set_config('request.jwt.claim.sub', '{user}', false)"
    ))
    .await
    .expect("claim");
    let rows = b.query("SELECT id::text FROM notes ORDER BY id").await;
    b.execute("RESET ROLE; SET row_security = off")
        .await
        .expect("reset role");
    rows.expect("select as role")
        .rows
        .into_iter()
        .map(|r| r.into_iter().next().flatten().unwrap_or_default())
        .collect()
}

pub fn plan(role: &str) -> PlanDir {
    let dir = PlanDir::new();
    dir.write("0001_base.toml", BASE);
    dir.write("0002_secure.toml", &SECURE.replace("ROLE", role));
    dir
}
