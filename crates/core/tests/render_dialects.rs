//! Golden SQL for steps limited with `dialects = [..]` (up, explicit and derived down, the
//! skipped list) and for identity resync (automatic after explicit ids, and
//! `op = "resync_identity"`).

mod common;
use common::TempPlan;

use cutover_core::Dialect;
use cutover_core::plan::Plan;
use cutover_core::render::{Direction, RenderOptions, RenderedMigration, render_plan};

const BASE: &str = r#"description = "base"

[[steps]]
op = "create_table"
table = "items"
columns = [
  { name = "id", type = "bigint", primary_key = true, identity = true },
  { name = "name", type = "text" },
]

[[steps]]
op = "create_table"
table = "legacy"
columns = [
  { name = "id", type = "bigint", primary_key = true },
  { name = "name", type = "text" },
]
"#;

const NOT_NULL: &str = r#"description = "items.name becomes NOT NULL"

[[steps]]
op = "add_check"
table = "items"
name = "items_name_not_null"
expr = "name IS NOT NULL"
not_valid = true
dialects = ["postgres"]

[[steps]]
op = "validate_constraint"
table = "items"
name = "items_name_not_null"
dialects = ["postgres"]

[[steps]]
op = "alter_column"
table = "items"
column = "name"
nullable = false
dialects = ["postgres"]

[[steps]]
op = "drop_check"
table = "items"
name = "items_name_not_null"
dialects = ["postgres"]

[[steps]]
op = "alter_column"
table = "items"
column = "name"
nullable = false
dialects = ["mysql", "sqlite"]

[[down]]
op = "alter_column"
table = "items"
column = "name"
nullable = true
dialects = ["postgres", "mysql"]

[[down]]
op = "sql"
sqlite = "SELECT 'sqlite down'"
dialects = ["sqlite"]
"#;

/// The statements of migration `version` as `step op: sql` lines.
fn lines(plan: &Plan, dialect: Dialect, direction: Direction, version: &str) -> Vec<String> {
    migration(plan, dialect, direction, version)
        .statements
        .iter()
        .map(|s| format!("{} {}: {}", s.step, s.op, s.sql))
        .collect()
}

fn migration(
    plan: &Plan,
    dialect: Dialect,
    direction: Direction,
    version: &str,
) -> RenderedMigration {
    let options = RenderOptions {
        direction,
        ..Default::default()
    };
    render_plan(plan, dialect, &options)
        .unwrap_or_else(|e| panic!("{dialect}: {e}"))
        .into_iter()
        .find(|m| m.version.text == version)
        .unwrap_or_else(|| panic!("no migration {version}"))
}

/// `step op` of each skipped step.
fn skipped(plan: &Plan, dialect: Dialect, direction: Direction, version: &str) -> Vec<String> {
    migration(plan, dialect, direction, version)
        .skipped
        .iter()
        .map(|k| format!("{} {} {:?}", k.step, k.op, k.dialects))
        .collect()
}

#[test]
fn not_null_through_a_validated_check_on_postgres_and_a_plain_alter_elsewhere() {
    let tmp = TempPlan::new(&[("0001_base.toml", BASE), ("0002_not_null.toml", NOT_NULL)]);
    let plan = tmp.load();
    let up = |d| lines(&plan, d, Direction::Up, "0002");
    assert_eq!(
        up(Dialect::Postgres),
        [
            r#"1 add_check: ALTER TABLE "items" ADD CONSTRAINT "items_name_not_null" CHECK ("name" IS NOT NULL) NOT VALID"#,
            r#"2 validate_constraint: ALTER TABLE "items" VALIDATE CONSTRAINT "items_name_not_null""#,
            r#"3 alter_column: ALTER TABLE "items" ALTER COLUMN "name" SET NOT NULL"#,
            r#"4 drop_check: ALTER TABLE "items" DROP CONSTRAINT "items_name_not_null""#,
        ]
    );
    assert_eq!(
        up(Dialect::Mysql),
        [
            "5 alter_column: ALTER TABLE `items` MODIFY COLUMN `name` longtext CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL"
        ]
    );
    assert_eq!(
        up(Dialect::Sqlite),
        [concat!(
            r#"5 alter_column: CREATE TABLE "_cutover_new_items" ( "id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "name" TEXT NOT NULL );"#,
            "\n",
            r#"INSERT INTO "_cutover_new_items" (rowid, "id", "name") SELECT rowid, "id", "name" FROM "items";"#,
            "\nDROP TABLE \"items\";\n",
            r#"ALTER TABLE "_cutover_new_items" RENAME TO "items""#
        )]
    );
    assert_eq!(
        skipped(&plan, Dialect::Postgres, Direction::Up, "0002"),
        ["5 alter_column [Mysql, Sqlite]"]
    );
    let pg_only = [
        "1 add_check [Postgres]",
        "2 validate_constraint [Postgres]",
        "3 alter_column [Postgres]",
        "4 drop_check [Postgres]",
    ];
    assert_eq!(
        skipped(&plan, Dialect::Mysql, Direction::Up, "0002"),
        pg_only
    );
    assert_eq!(
        skipped(&plan, Dialect::Sqlite, Direction::Up, "0002"),
        pg_only
    );
}

#[test]
fn explicit_down_steps_follow_their_dialects() {
    let tmp = TempPlan::new(&[("0001_base.toml", BASE), ("0002_not_null.toml", NOT_NULL)]);
    let plan = tmp.load();
    let down = |d| lines(&plan, d, Direction::Down, "0002");
    assert_eq!(
        down(Dialect::Postgres),
        [r#"1 alter_column: ALTER TABLE "items" ALTER COLUMN "name" DROP NOT NULL"#]
    );
    assert_eq!(
        down(Dialect::Mysql),
        [
            "1 alter_column: ALTER TABLE `items` MODIFY COLUMN `name` longtext CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NULL"
        ]
    );
    assert_eq!(down(Dialect::Sqlite), ["2 sql: SELECT 'sqlite down'"]);
    assert_eq!(
        skipped(&plan, Dialect::Sqlite, Direction::Down, "0002"),
        ["1 alter_column [Postgres, Mysql]"]
    );
}

#[test]
fn a_derived_down_reverts_only_the_steps_of_its_dialect() {
    let diverge = r#"description = "a column on postgres, an index elsewhere"

[[steps]]
op = "add_column"
table = "items"
column = { name = "extra", type = "integer" }
dialects = ["postgres"]

[[steps]]
op = "create_index"
table = "items"
columns = ["name"]
dialects = ["mysql", "sqlite"]
"#;
    let tmp = TempPlan::new(&[("0001_base.toml", BASE), ("0002_diverge.toml", diverge)]);
    let plan = tmp.load();
    let down = |d| lines(&plan, d, Direction::Down, "0002");
    assert_eq!(
        down(Dialect::Postgres),
        [r#"1 drop_column: ALTER TABLE "items" DROP COLUMN "extra""#]
    );
    assert_eq!(
        down(Dialect::Mysql),
        ["1 drop_index: DROP INDEX `idx_items_name` ON `items`"]
    );
    assert_eq!(
        down(Dialect::Sqlite),
        [r#"1 drop_index: DROP INDEX "idx_items_name""#]
    );
}

const COPY: &str = r#"description = "copy legacy rows with their ids"

[[steps]]
op = "backfill"
table = "legacy"
insert_into = "items"
values.id = "id"
values.name = "name"

[[steps]]
op = "sql"
sql = "INSERT INTO items (id, name) VALUES (1000, 'raw')"

[[steps]]
op = "sql"
sql = "SELECT COUNT(*) FROM items"

[[steps]]
op = "resync_identity"
table = "items"

[[down]]
op = "sql"
sql = "DELETE FROM items WHERE id IN (SELECT id FROM legacy) OR id = 1000"

[[down]]
op = "sql"
sql = "INSERT INTO items (id, name) VALUES (1, 'restored')"
"#;

const RESYNC_ITEMS: &str = r#"SELECT setval(seq, GREATEST(top + 1, COALESCE(pg_sequence_last_value(seq::regclass) + 1, 1)), false) FROM (SELECT pg_get_serial_sequence('"items"', 'id') AS seq, COALESCE(MAX("id"), 0) AS top FROM "items") AS resync"#;

#[test]
fn identity_columns_are_resynced_after_explicit_ids_on_postgres_only() {
    let tmp = TempPlan::new(&[("0001_base.toml", BASE), ("0002_copy.toml", COPY)]);
    let plan = tmp.load();
    let ops = |d, direction| -> Vec<String> {
        migration(&plan, d, direction, "0002")
            .statements
            .iter()
            .map(|s| format!("{} {}", s.step, s.op))
            .collect()
    };
    assert_eq!(
        ops(Dialect::Postgres, Direction::Up),
        [
            "1 backfill",
            "1 resync_identity",
            "2 sql",
            "2 resync_identity",
            "3 sql",
            "4 resync_identity"
        ]
    );
    let pg = lines(&plan, Dialect::Postgres, Direction::Up, "0002");
    assert_eq!(pg[1], format!("1 resync_identity: {RESYNC_ITEMS}"));
    assert_eq!(pg[5], format!("4 resync_identity: {RESYNC_ITEMS}"));
    assert_eq!(
        ops(Dialect::Postgres, Direction::Down),
        ["1 sql", "2 sql", "2 resync_identity"]
    );
    // Deleting rows cannot leave a sequence behind; the restoring INSERT can.
    // MySQL/MariaDB and SQLite move their counters themselves: nothing extra.
    for d in [Dialect::Mysql, Dialect::Sqlite] {
        assert_eq!(
            ops(d, Direction::Up),
            ["1 backfill", "2 sql", "3 sql"],
            "{d}"
        );
        assert_eq!(ops(d, Direction::Down), ["1 sql", "2 sql"], "{d}");
    }
}

#[test]
fn resync_identity_with_an_explicit_column_quotes_both_names() {
    let raw = r#"description = "a table made by raw SQL"

[[steps]]
op = "sql"
postgres = "CREATE TABLE \"Odd\" (\"Key\" bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY)"
dialects = ["postgres"]

[[steps]]
op = "resync_identity"
table = "Odd"
column = "Key"
dialects = ["postgres"]
"#;
    let tmp = TempPlan::new(&[("0001_raw.toml", raw)]);
    let plan = tmp.load();
    assert_eq!(
        lines(&plan, Dialect::Postgres, Direction::Up, "0001")[1],
        r#"2 resync_identity: SELECT setval(seq, GREATEST(top + 1, COALESCE(pg_sequence_last_value(seq::regclass) + 1, 1)), false) FROM (SELECT pg_get_serial_sequence('"Odd"', 'Key') AS seq, COALESCE(MAX("Key"), 0) AS top FROM "Odd") AS resync"#
    );
    assert!(lines(&plan, Dialect::Mysql, Direction::Up, "0001").is_empty());
}
