//! Golden SQL of the PostgreSQL security steps (enable_rls, disable_rls, create_policy,
//! drop_policy, grant, revoke), up and derived down, with the capture marks the runner acts
//! on; the load errors of their fields; and the refusal on MySQL/SQLite.

mod common;
use common::TempPlan;

use cutover_core::Dialect;
use cutover_core::plan::{LoadOptions, Plan};
use cutover_core::render::{CaptureAction, Direction, RenderOptions, render_plan};

const BASE: &str = r#"description = "notes"

[[steps]]
op = "create_table"
table = "notes"
columns = [{ name = "id", type = "bigint", primary_key = true }, { name = "user_id", type = "uuid" }]
"#;

const SECURE: &str = r#"description = "security"

[[steps]]
op = "enable_rls"
table = "notes"
force = true
dialects = ["postgres"]

[[steps]]
op = "create_policy"
table = "notes"
name = "own notes"
command = "update"
permissive = false
roles = ["authenticated", "public", "Current_User", "odd\"name"]
using = "auth.uid() = user_id"
with_check = "  (select auth.uid()) = user_id "
dialects = ["postgres"]

[[steps]]
op = "drop_policy"
table = "notes"
name = "legacy"
if_exists = true
dialects = ["postgres"]

[[steps]]
op = "grant"
privileges = ["select", "update"]
objects = ["notes", "auth.users"]
to = ["authenticated"]
with_grant_option = true
dialects = ["postgres"]

[[steps]]
op = "grant"
on = "function"
privileges = ["execute"]
objects = ["auth.uid()", "f(integer, text)"]
to = ["anon"]
dialects = ["postgres"]

[[steps]]
op = "revoke"
on = "schema"
privileges = ["all"]
objects = ["auth"]
from = ["public"]
dialects = ["postgres"]

[[steps]]
op = "create_policy"
table = "notes"
name = "read"
command = "select"
using = "true"
replace = true
dialects = ["postgres"]
"#;

fn plan() -> (TempPlan, Plan) {
    let dir = TempPlan::new(&[("0001_base.toml", BASE), ("0002_secure.toml", SECURE)]);
    let plan = dir.load();
    (dir, plan)
}

fn render(
    plan: &Plan,
    dialect: Dialect,
    direction: Direction,
) -> Vec<cutover_core::render::Statement> {
    let options = RenderOptions {
        direction,
        from: Some(cutover_core::plan::Version::parse("0002").expect("v")),
        ..Default::default()
    };
    render_plan(plan, dialect, &options)
        .unwrap_or_else(|e| panic!("renders on {dialect}: {e}"))
        .into_iter()
        .flat_map(|m| m.statements)
        .collect()
}

#[test]
fn up_on_postgres() {
    let (_dir, plan) = plan();
    let got: Vec<String> = render(&plan, Dialect::Postgres, Direction::Up)
        .into_iter()
        .map(|s| s.sql)
        .collect();
    // Every grant and revoke is preceded by the ownership check, a revoke followed by the
    // check that the rights are gone (PostgreSQL only warns when it changed nothing).
    let checks: Vec<usize> = (0..got.len())
        .filter(|&i| got[i].starts_with("DO $cutover_check$"))
        .collect();
    assert_eq!(checks, [4, 6, 8, 9, 11], "{got:#?}");
    assert!(got[4].contains("grant on table %: cutover runs as %, which does not own it"));
    assert!(got[8].contains("to_regprocedure") || got[8].contains("nspowner"));
    assert!(got[9].contains("granted the right on to others"));
    assert!(got[11].contains("the right is still held after the REVOKE"));
    let got: Vec<String> = got
        .into_iter()
        .filter(|s| !s.starts_with("DO $cutover_check$"))
        .collect();
    assert_eq!(
        got,
        [
            r#"ALTER TABLE "notes" ENABLE ROW LEVEL SECURITY"#,
            r#"ALTER TABLE "notes" FORCE ROW LEVEL SECURITY"#,
            r#"CREATE POLICY "own notes" ON "notes" AS RESTRICTIVE FOR UPDATE TO "authenticated", PUBLIC, CURRENT_USER, "odd""name" USING (auth.uid() = user_id) WITH CHECK ((select auth.uid()) = user_id)"#,
            r#"DROP POLICY IF EXISTS "legacy" ON "notes""#,
            r#"GRANT SELECT, UPDATE ON TABLE "notes", "auth"."users" TO "authenticated" WITH GRANT OPTION"#,
            r#"GRANT EXECUTE ON FUNCTION "auth"."uid"(), "f"(integer, text) TO "anon""#,
            r#"REVOKE ALL PRIVILEGES ON SCHEMA "auth" FROM PUBLIC"#,
            r#"DROP POLICY IF EXISTS "read" ON "notes""#,
            r#"CREATE POLICY "read" ON "notes" AS PERMISSIVE FOR SELECT TO PUBLIC USING (true)"#,
        ]
    );
}

#[test]
fn capture_marks_on_the_statements_that_replace_drop_or_define() {
    let (_dir, plan) = plan();
    let marks: Vec<(usize, String)> = render(&plan, Dialect::Postgres, Direction::Up)
        .into_iter()
        .flat_map(|s| {
            s.capture
                .iter()
                .map(|a| match a {
                    CaptureAction::Save(k) => format!("save {} {}", k.step, k.object.name()),
                    CaptureAction::Record(k) => format!("record {} {}", k.step, k.object.name()),
                    CaptureAction::Restore(k) => format!("restore {} {}", k.step, k.object.name()),
                })
                .map(|m| (s.step, m))
                .collect::<Vec<_>>()
        })
        .collect();
    assert_eq!(
        marks,
        [
            (1, "save 1 row-level security of notes".to_string()),
            (2, "record 2 own notes on notes".to_string()),
            (3, "save 3 legacy on notes".to_string()),
            (
                4,
                "save 4 table notes, auth.users to authenticated".to_string(),
            ),
            (
                5,
                "save 5 function auth.uid(), f(integer, text) to anon".to_string(),
            ),
            (6, "save 6 schema auth to public".to_string()),
            (7, "save 7 read on notes".to_string()),
            (7, "record 7 read on notes".to_string()),
        ]
    );
}

#[test]
fn derived_down_on_postgres() {
    let (_dir, plan) = plan();
    let down = render(&plan, Dialect::Postgres, Direction::Down);
    let got: Vec<String> = down.iter().map(|s| s.sql.clone()).collect();
    assert_eq!(
        got,
        [
            r#"DROP POLICY IF EXISTS "read" ON "notes""#,
            "-- cutover: re-create the policy read on notes as captured before up step 7 ran (from the history's captured definitions)",
            "-- cutover: re-create the grants schema auth to public as captured before up step 6 ran (from the history's captured definitions)",
            "-- cutover: re-create the granted_rights function auth.uid(), f(integer, text) to anon as captured before up step 5 ran (from the history's captured definitions)",
            "-- cutover: re-create the granted_rights table notes, auth.users to authenticated as captured before up step 4 ran (from the history's captured definitions)",
            "-- cutover: re-create the policy legacy on notes as captured before up step 3 ran (from the history's captured definitions)",
            r#"DROP POLICY "own notes" ON "notes""#,
            "-- cutover: re-create the row_security row-level security of notes as captured before up step 1 ran (from the history's captured definitions)",
        ]
    );
    let restores = down
        .iter()
        .filter(|s| matches!(s.capture.first(), Some(CaptureAction::Restore(_))))
        .count();
    assert_eq!(restores, 6);
}

#[test]
fn skipped_elsewhere_and_refused_without_dialects() {
    let (_dir, plan) = plan();
    for d in [Dialect::Mysql, Dialect::Sqlite] {
        assert!(render(&plan, d, Direction::Up).is_empty());
        assert!(render(&plan, d, Direction::Down).is_empty());
    }
    let unlimited = SECURE.replace("dialects = [\"postgres\"]\n", "");
    let dir = TempPlan::new(&[("0001_base.toml", BASE), ("0002_secure.toml", &unlimited)]);
    let err = Plan::load(&dir.dir).expect_err("refused").to_string();
    assert!(
        err.contains("0002_secure.toml:3: step 1 (enable_rls): enable_rls is not supported on mysql or sqlite"),
        "{err}"
    );
    assert!(
        err.contains("limit the step with dialects = [\"postgres\"]"),
        "{err}"
    );
    // A plan for PostgreSQL only needs no `dialects` on the steps.
    let options = LoadOptions {
        dialects: vec![Dialect::Postgres],
    };
    let pg_only = Plan::load_with(&dir.dir, &options).expect("loads for postgres only");
    // Run against SQLite anyway: a typed refusal with what to do, never a panic.
    let err = render_plan(&pg_only, Dialect::Sqlite, &RenderOptions::default())
        .expect_err("refused on sqlite")
        .to_string();
    assert!(
        err.contains("step 1 (enable_rls): enable_rls on table `notes` is not supported on sqlite"),
        "{err}"
    );
    assert!(err.contains("run this plan against PostgreSQL"), "{err}");
}

fn load_error(step: &str) -> String {
    let text = format!("description = \"x\"\n\n[[steps]]\n{step}dialects = [\"postgres\"]\n");
    let dir = TempPlan::new(&[("0001_base.toml", BASE), ("0002_x.toml", &text)]);
    Plan::load(&dir.dir).expect_err("invalid").to_string()
}

#[test]
fn field_errors_name_the_line_and_say_what_to_do() {
    let cases = [
        (
            "op = \"create_policy\"\ntable = \"notes\"\nname = \"p\"\nusing = \"user_id = = 1\"\n",
            ":7: step 1 (create_policy), field `using`: `user_id = = 1` is not a PostgreSQL expression",
        ),
        (
            "op = \"create_policy\"\ntable = \"notes\"\nname = \"p\"\nusing = \"true; DROP TABLE notes\"\n",
            "field `using`: unexpected `;` after the end of the expression",
        ),
        (
            "op = \"create_policy\"\ntable = \"notes\"\nname = \"p\"\ncommand = \"insert\"\nusing = \"true\"\n",
            "an insert policy has no `using`",
        ),
        (
            "op = \"create_policy\"\ntable = \"notes\"\nname = \"p\"\ncommand = \"select\"\nwith_check = \"true\"\n",
            "a select policy has no `with_check`",
        ),
        (
            "op = \"create_policy\"\ntable = \"notes\"\nname = \"p\"\nusing = \"  \"\n",
            "the expression is empty",
        ),
        (
            "op = \"grant\"\nprivileges = [\"execute\"]\nobjects = [\"notes\"]\nto = [\"app\"]\n",
            "`execute` is not a privilege of a table: use select, insert, update, delete, truncate, references, trigger or all",
        ),
        (
            "op = \"grant\"\nprivileges = [\"select\"]\nobjects = []\nto = [\"app\"]\n",
            "field `objects`: list the objects by name",
        ),
        (
            "op = \"revoke\"\nprivileges = [\"select\"]\nobjects = [\"notes\"]\nfrom = []\n",
            "field `from`: list at least one role",
        ),
        (
            "op = \"grant\"\nprivileges = [\"selekt\"]\nobjects = [\"notes\"]\nto = [\"app\"]\n",
            "unknown variant `selekt`",
        ),
        (
            "op = \"create_policy\"\ntable = \"notes\"\nname = \"p\"\nroles = []\nusing = \"true\"\n",
            "`roles = []` would make the policy apply to every role (PUBLIC)",
        ),
        (
            "op = \"create_policy\"\ntable = \"a.auth.users\"\nname = \"p\"\nusing = \"true\"\n",
            "field `table`: `a.auth.users`: create_policy takes a table name, or a schema and a table separated by one dot",
        ),
        (
            "op = \"enable_rls\"\ntable = \"storage.\"\n",
            "with no empty part",
        ),
        (
            "op = \"create_policy\"\ntable = \"notes\"\nname = \"p\"\ncommand = \"upsert\"\n",
            "unknown variant `upsert`",
        ),
        (
            "op = \"grant\"\non = \"function\"\nprivileges = [\"execute\"]\nobjects = [\"f(); DROP TABLE notes; --)\"]\nto = [\"app\"]\n",
            "is not a function signature",
        ),
        (
            "op = \"grant\"\non = \"function\"\nprivileges = [\"execute\"]\nobjects = [\"f(int) x()\"]\nto = [\"app\"]\n",
            "is not a function signature",
        ),
        (
            "op = \"restore_captured\"\n",
            "unknown variant `restore_captured`",
        ),
    ];
    for (step, want) in cases {
        let err = load_error(step);
        assert!(err.contains(want), "{step}\n=> {err}");
    }
}
