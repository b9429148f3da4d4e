//! Golden SQL of the function and trigger steps: up and derived down on PostgreSQL (with the
//! capture marks of the steps that replace or drop what the plan never knew), the
//! `updated_at_trigger` on every dialect, and the refusals elsewhere.

mod common;
use common::TempPlan;

use cutover_core::Dialect;
use cutover_core::plan::{LoadOptions, Plan, Version};
use cutover_core::render::{CaptureAction, Direction, RenderOptions, render_plan};

const BASE: &str = r#"description = "items"

[[steps]]
op = "create_table"
table = "items"
columns = [{ name = "id", type = "bigint", primary_key = true }, { name = "updated_at", type = "timestamp", nullable = true }]
"#;

const ROUTINES: &str = r#"description = "routines"

[[steps]]
op = "create_function"
name = "audit.log_change"
args = ["item_id bigint", { name = "note", type = "text", default = "'none'" }]
returns = "trigger"
body = "BEGIN RETURN $cutover$; END"
security_definer = true
set_search_path = "audit, pg_temp"
volatility = "stable"
dialects = ["postgres"]

[[steps]]
op = "create_function"
name = "bump"
args = ["x int"]
returns = "integer"
language = "sql"
body = "SELECT x + 1"
replace = true
dialects = ["postgres"]

[[steps]]
op = "create_trigger"
table = "items"
name = "items_log"
timing = "after"
events = ["insert", "update", "delete"]
update_of = ["updated_at"]
when = "pg_trigger_depth() = 0"
function = "audit.log_change"
args = ["it's"]
dialects = ["postgres"]

[[steps]]
op = "disable_trigger"
table = "items"
name = "items_log"
dialects = ["postgres"]

[[steps]]
op = "drop_trigger"
table = "items"
name = "legacy"
dialects = ["postgres"]

[[steps]]
op = "drop_function"
name = "old_helper"
args = ["integer", "text"]
dialects = ["postgres"]

[[steps]]
op = "updated_at_trigger"
table = "items"
"#;

fn plan() -> (TempPlan, Plan) {
    let dir = TempPlan::new(&[("0001_base.toml", BASE), ("0002_routines.toml", ROUTINES)]);
    let plan = dir.load();
    (dir, plan)
}

fn render(plan: &Plan, dialect: Dialect, direction: Direction) -> Vec<String> {
    statements(plan, dialect, direction)
        .into_iter()
        .map(|s| s.sql)
        .collect()
}

fn statements(
    plan: &Plan,
    dialect: Dialect,
    direction: Direction,
) -> Vec<cutover_core::render::Statement> {
    let options = RenderOptions {
        direction,
        from: Some(Version::parse("0002").expect("v")),
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
    assert_eq!(
        render(&plan, Dialect::Postgres, Direction::Up),
        [
            "CREATE FUNCTION \"audit\".\"log_change\"(\"item_id\" bigint, \"note\" text DEFAULT 'none')\nRETURNS trigger\nLANGUAGE plpgsql\nSTABLE\nSECURITY DEFINER\nSET search_path = \"audit\", \"pg_temp\"\nAS $cutover1$BEGIN RETURN $cutover$; END$cutover1$",
            "CREATE OR REPLACE FUNCTION \"bump\"(\"x\" int)\nRETURNS integer\nLANGUAGE sql\nAS $cutover$SELECT x + 1$cutover$",
            "CREATE TRIGGER \"items_log\" AFTER INSERT OR UPDATE OF \"updated_at\" OR DELETE ON \"items\" FOR EACH ROW WHEN (pg_trigger_depth() = 0) EXECUTE FUNCTION \"audit\".\"log_change\"('it''s')",
            "ALTER TABLE \"items\" DISABLE TRIGGER \"items_log\"",
            "DROP TRIGGER \"legacy\" ON \"items\"",
            "DROP FUNCTION \"old_helper\"(integer, text)",
            "SELECT \"updated_at\" FROM \"items\" WHERE 1 = 0",
            "CREATE FUNCTION \"items_set_updated_at\"() RETURNS trigger LANGUAGE plpgsql AS $cutover$\nBEGIN\n  IF NEW.\"updated_at\" IS NOT DISTINCT FROM OLD.\"updated_at\" THEN\n    NEW.\"updated_at\" := now();\n  END IF;\n  RETURN NEW;\nEND\n$cutover$",
            "CREATE TRIGGER \"items_set_updated_at\" BEFORE UPDATE ON \"items\" FOR EACH ROW EXECUTE FUNCTION \"items_set_updated_at\"()",
        ]
    );
}

#[test]
fn capture_marks_and_derived_down_on_postgres() {
    let (_dir, plan) = plan();
    let marks: Vec<String> = statements(&plan, Dialect::Postgres, Direction::Up)
        .into_iter()
        .flat_map(|s| {
            s.capture.into_iter().filter_map(|a| match a {
                CaptureAction::Save(k) => Some(format!("save {} {}", k.step, k.object.name())),
                _ => None,
            })
        })
        .collect();
    assert_eq!(
        marks,
        [
            "save 2 \"bump\"(int)",
            "save 4 items_log on items",
            "save 5 legacy on items",
            "save 6 \"old_helper\"(integer, text)",
        ]
    );
    assert_eq!(
        render(&plan, Dialect::Postgres, Direction::Down),
        [
            "DROP TRIGGER IF EXISTS \"items_set_updated_at\" ON \"items\"",
            "DROP FUNCTION IF EXISTS \"items_set_updated_at\"()",
            "-- cutover: re-create the function \"old_helper\"(integer, text) as captured before up step 6 ran (from the history's captured definitions)",
            "-- cutover: re-create the trigger legacy on items as captured before up step 5 ran (from the history's captured definitions)",
            // The state captured before `disable_trigger` ran, not a blind ENABLE.
            "-- cutover: re-create the trigger items_log on items as captured before up step 4 ran (from the history's captured definitions)",
            "DROP TRIGGER \"items_log\" ON \"items\"",
            "-- cutover: re-create the function \"bump\"(int) as captured before up step 2 ran (from the history's captured definitions)",
            "DROP FUNCTION \"audit\".\"log_change\"(bigint, text)",
        ]
    );
}

#[test]
fn updated_at_trigger_on_mysql_and_sqlite_and_the_rest_skipped() {
    let (_dir, plan) = plan();
    assert_eq!(
        render(&plan, Dialect::Mysql, Direction::Up),
        [
            "SELECT `updated_at` FROM `items` WHERE 1 = 0",
            "CREATE TRIGGER `items_set_updated_at` BEFORE UPDATE ON `items` FOR EACH ROW SET NEW.`updated_at` = IF(NEW.`updated_at` <=> OLD.`updated_at`, CURRENT_TIMESTAMP(6), NEW.`updated_at`)",
        ]
    );
    assert_eq!(
        render(&plan, Dialect::Mysql, Direction::Down),
        ["DROP TRIGGER IF EXISTS `items_set_updated_at`"]
    );
    assert_eq!(
        render(&plan, Dialect::Sqlite, Direction::Up),
        [
            "SELECT \"updated_at\" FROM \"items\" WHERE 1 = 0",
            "CREATE TRIGGER \"items_set_updated_at\" AFTER UPDATE ON \"items\" FOR EACH ROW WHEN NEW.\"updated_at\" IS OLD.\"updated_at\" AND NEW.\"updated_at\" IS NOT CURRENT_TIMESTAMP BEGIN UPDATE \"items\" SET \"updated_at\" = CURRENT_TIMESTAMP WHERE \"id\" = NEW.\"id\"; END",
        ]
    );
    assert_eq!(
        render(&plan, Dialect::Sqlite, Direction::Down),
        ["DROP TRIGGER IF EXISTS \"items_set_updated_at\""]
    );
}

#[test]
fn refused_without_dialects_and_when_run_elsewhere() {
    let unlimited = ROUTINES.replace("dialects = [\"postgres\"]\n", "");
    let dir = TempPlan::new(&[("0001_base.toml", BASE), ("0002_routines.toml", &unlimited)]);
    let err = Plan::load(&dir.dir).expect_err("refused").to_string();
    assert!(
        err.contains(
            "0002_routines.toml:3: step 1 (create_function): create_function is not supported on mysql or sqlite"
        ),
        "{err}"
    );
    let pg_only = Plan::load_with(
        &dir.dir,
        &LoadOptions {
            dialects: vec![Dialect::Postgres],
        },
    )
    .expect("loads for postgres only");
    let err = render_plan(&pg_only, Dialect::Sqlite, &RenderOptions::default())
        .expect_err("refused on sqlite")
        .to_string();
    assert!(
        err.contains("step 1 (create_function): create_function `audit.log_change` is not supported on sqlite"),
        "{err}"
    );
    assert!(err.contains("run this plan against PostgreSQL"), "{err}");
}
