//! Golden SQL for every step op, on PostgreSQL, MySQL/MariaDB and SQLite (tier 1: no database).
//!
//! Each test writes a small plan into a temporary directory, loads it with [`Plan::load`] and
//! renders it with [`render_plan`]; the expected strings are the exact SQL per dialect, or the
//! `Unsupported` error a dialect answers with. The rendered SQL of these cases was run by hand
//! against PostgreSQL 15, MariaDB 10.11 and SQLite 3.40; running it in CI is tier 2's job.
//!
//! The whole-plan golden files `tests/fixtures/messages.<dialect>.sql` are regenerated with
//! `UPDATE_GOLDEN=1 cargo test -p cutover-core --test render_golden`.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use cutover_core::plan::Plan;
use cutover_core::render::{
    Direction, RenderOptions, RenderedMigration, StatementKind, check_query, render_plan,
};
use cutover_core::{Dialect, Error};

/// A plan directory under the system temp dir, removed when dropped.
struct TempPlan {
    dir: PathBuf,
}

impl TempPlan {
    fn new(files: &[(&str, &str)]) -> TempPlan {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let dir =
            std::env::temp_dir().join(format!("cutover-render-golden-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("create temp plan dir");
        for (name, text) in files {
            std::fs::write(dir.join(name), text).expect("write plan file");
        }
        TempPlan { dir }
    }

    fn load(&self) -> Plan {
        Plan::load(&self.dir).unwrap_or_else(|e| panic!("plan does not load: {e}"))
    }
}

impl Drop for TempPlan {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// What one dialect is expected to produce.
enum Expect<'a> {
    /// These statements, in order.
    Sql(&'a [&'a str]),
    /// `Error::Unsupported` for this dialect, with a hint containing this text.
    Refused(&'a str),
}

use Expect::{Refused, Sql};

fn render(
    plan: &Plan,
    dialect: Dialect,
    direction: Direction,
) -> cutover_core::Result<Vec<RenderedMigration>> {
    let options = RenderOptions {
        direction,
        ..Default::default()
    };
    render_plan(plan, dialect, &options)
}

fn statements(rendered: &[RenderedMigration]) -> Vec<String> {
    rendered
        .iter()
        .flat_map(|m| m.statements.iter().map(|s| s.sql.clone()))
        .collect()
}

/// Asserts what each dialect renders for a plan of `files`, in `direction`.
#[track_caller]
fn golden_files(files: &[(&str, &str)], direction: Direction, expected: [Expect<'_>; 3]) {
    let tmp = TempPlan::new(files);
    let plan = tmp.load();
    for (dialect, expect) in Dialect::ALL.into_iter().zip(expected) {
        let got = render(&plan, dialect, direction);
        match (expect, got) {
            (Sql(sql), Ok(rendered)) => assert_eq!(statements(&rendered), sql, "on {dialect}"),
            (Sql(_), Err(e)) => panic!("on {dialect}: expected SQL, got error: {e}"),
            (Refused(hint), Ok(rendered)) => {
                panic!(
                    "on {dialect}: expected Unsupported ({hint}), got {:?}",
                    statements(&rendered)
                )
            }
            (Refused(hint), Err(e)) => assert_unsupported(&e, dialect, hint),
        }
    }
}

/// [`golden_files`] for one migration file, rendered up.
#[track_caller]
fn golden(migration: &str, expected: [Expect<'_>; 3]) {
    golden_files(&[("0001_golden.toml", migration)], Direction::Up, expected);
}

/// Asserts that `e` is `Unsupported` on `dialect`, says so, and carries a hint with `hint`.
#[track_caller]
fn assert_unsupported(e: &Error, dialect: Dialect, hint: &str) {
    let text = e.to_string();
    match e.root() {
        Error::Unsupported {
            dialect: d,
            hint: h,
            ..
        } => {
            assert_eq!(*d, dialect, "{text}");
            assert!(h.contains(hint), "hint of {dialect} lacks `{hint}`: {text}");
        }
        other => panic!("on {dialect}: expected Unsupported, got {other:?}"),
    }
    assert!(
        text.contains(&format!("is not supported on {dialect}: ")),
        "{text}"
    );
    // The context names the migration file, its line and the step.
    assert!(text.contains("0001_golden.toml:"), "{text}");
    assert!(text.contains("migration 0001 (golden)"), "{text}");
}

/// The statement kinds of a one-migration plan on `dialect`.
fn kinds(migration: &str, dialect: Dialect) -> Vec<StatementKind> {
    let tmp = TempPlan::new(&[("0001_golden.toml", migration)]);
    let rendered = render(&tmp.load(), dialect, Direction::Up).expect("renders");
    rendered[0].statements.iter().map(|s| s.kind).collect()
}

// ----- create_table -----

#[test]
fn create_table_with_identity_key_every_portable_type_and_defaults() {
    golden(
        r#"
description = "every type"

[[steps]]
op = "create_table"
table = "things"
columns = [
  { name = "id", type = "bigint", primary_key = true, identity = true },
  { name = "i", type = "integer", nullable = false, default = 0 },
  { name = "b", type = "bigint" },
  { name = "t", type = "text", default = "it's" },
  { name = "v", type = "varchar(100)", nullable = false, default = "" },
  { name = "flag", type = "boolean", default = true },
  { name = "ts", type = "timestamp", default_expr = "now()" },
  { name = "tstz", type = "timestamptz" },
  { name = "d", type = "date" },
  { name = "u", type = "uuid", unique = true },
  { name = "doc", type = "json", default = "{}" },
  { name = "amount", type = "decimal(10,2)", default = 1.5 },
  { name = "r", type = "real" },
  { name = "dbl", type = "double" },
  { name = "blob", type = "bytes" },
]
"#,
        [
            Sql(&[
                r#"CREATE TABLE "things" ( "id" bigint GENERATED BY DEFAULT AS IDENTITY NOT NULL PRIMARY KEY, "i" integer NOT NULL DEFAULT 0, "b" bigint, "t" text DEFAULT E'it\'s', "v" varchar(100) NOT NULL DEFAULT '', "flag" boolean DEFAULT TRUE, "ts" timestamp DEFAULT (now()), "tstz" timestamptz, "d" date, "u" uuid UNIQUE, "doc" jsonb DEFAULT '{}', "amount" numeric(10,2) DEFAULT 1.5, "r" real, "dbl" double precision, "blob" bytea )"#,
            ]),
            Sql(&[
                r#"CREATE TABLE `things` ( `id` bigint NOT NULL PRIMARY KEY AUTO_INCREMENT, `i` int NOT NULL DEFAULT 0, `b` bigint, `t` longtext CHARACTER SET utf8mb4 COLLATE utf8mb4_bin DEFAULT ('it\'s'), `v` varchar(100) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL DEFAULT '', `flag` tinyint(1) DEFAULT TRUE, `ts` datetime(6) DEFAULT (CURRENT_TIMESTAMP(6)), `tstz` datetime(6), `d` date, `u` char(36) UNIQUE, `doc` json DEFAULT ('{}'), `amount` decimal(10,2) DEFAULT 1.5, `r` float, `dbl` double, `blob` longblob )"#,
            ]),
            Sql(&[
                r#"CREATE TABLE "things" ( "id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "i" INTEGER NOT NULL DEFAULT 0, "b" BIGINT, "t" TEXT DEFAULT 'it''s', "v" VARCHAR(100) NOT NULL DEFAULT '', "flag" BOOLEAN DEFAULT TRUE, "ts" TIMESTAMP DEFAULT (CURRENT_TIMESTAMP), "tstz" TIMESTAMPTZ, "d" DATE, "u" UUID UNIQUE, "doc" JSON DEFAULT '{}' CHECK ("doc" IS NULL OR json_valid("doc")), "amount" DECIMAL(10,2) DEFAULT 1.5, "r" REAL, "dbl" DOUBLE, "blob" BLOB )"#,
            ]),
        ],
    );
}

#[test]
fn create_table_with_integer_identity_and_unique_column() {
    golden(
        r#"
description = "tags"

[[steps]]
op = "create_table"
table = "tags"
columns = [
  { name = "id", type = "integer", primary_key = true, identity = true },
  { name = "name", type = "varchar(50)", nullable = false, unique = true },
]
"#,
        [
            Sql(&[
                r#"CREATE TABLE "tags" ( "id" integer GENERATED BY DEFAULT AS IDENTITY NOT NULL PRIMARY KEY, "name" varchar(50) NOT NULL UNIQUE )"#,
            ]),
            Sql(&[
                "CREATE TABLE `tags` ( `id` int NOT NULL PRIMARY KEY AUTO_INCREMENT, `name` varchar(50) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL UNIQUE )",
            ]),
            Sql(&[
                r#"CREATE TABLE "tags" ( "id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "name" VARCHAR(50) NOT NULL UNIQUE )"#,
            ]),
        ],
    );
}

#[test]
fn create_table_with_text_primary_key_and_json_column() {
    golden(
        r#"
description = "key-value"

[[steps]]
op = "create_table"
table = "kv"
columns = [
  { name = "k", type = "varchar(64)", primary_key = true },
  { name = "val", type = "json" },
]
"#,
        [
            Sql(&[r#"CREATE TABLE "kv" ( "k" varchar(64) NOT NULL PRIMARY KEY, "val" jsonb )"#]),
            Sql(&[
                "CREATE TABLE `kv` ( `k` varchar(64) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL PRIMARY KEY, `val` json )",
            ]),
            Sql(&[
                r#"CREATE TABLE "kv" ( "k" VARCHAR(64) NOT NULL PRIMARY KEY, "val" JSON CHECK ("val" IS NULL OR json_valid("val")) )"#,
            ]),
        ],
    );
}

#[test]
fn create_table_with_composite_key_unique_checks_and_foreign_keys() {
    golden(
        r#"
description = "memberships"

[[steps]]
op = "create_table"
table = "memberships"
if_not_exists = true
primary_key = ["org_id", "user_id"]
columns = [
  { name = "org_id", type = "bigint" },
  { name = "user_id", type = "bigint" },
  { name = "role", type = "varchar(20)", nullable = false, default = "member" },
  { name = "seats", type = "integer", nullable = false, default = 1 },
  { name = "invited_by", type = "bigint" },
]
unique = [
  { columns = ["user_id", "role"] },
  { name = "uq_named", columns = ["org_id", "seats"] },
]
checks = [
  { name = "ck_seats_positive", expr = "seats > 0" },
  { name = "ck_role", expr = "role IN ('member', 'admin')" },
]
foreign_keys = [
  { columns = ["org_id"], references = "orgs(id)", on_delete = "cascade", on_update = "restrict" },
  { name = "fk_inviter", columns = ["invited_by"], references = "users(id)", on_delete = "set_null", on_update = "no_action" },
  { columns = ["org_id", "user_id"], references = "org_users(org_id, user_id)", on_update = "cascade" },
]
"#,
        [
            Sql(&[
                r#"CREATE TABLE IF NOT EXISTS "memberships" ( "org_id" bigint NOT NULL, "user_id" bigint NOT NULL, "role" varchar(20) NOT NULL DEFAULT 'member', "seats" integer NOT NULL DEFAULT 1, "invited_by" bigint, PRIMARY KEY ("org_id", "user_id"), CONSTRAINT "uq_memberships_user_id_role" UNIQUE ("user_id", "role"), CONSTRAINT "uq_named" UNIQUE ("org_id", "seats"), CONSTRAINT "fk_memberships_org_id" FOREIGN KEY ("org_id") REFERENCES "orgs" ("id") ON DELETE CASCADE ON UPDATE RESTRICT, CONSTRAINT "fk_inviter" FOREIGN KEY ("invited_by") REFERENCES "users" ("id") ON DELETE SET NULL ON UPDATE NO ACTION, CONSTRAINT "fk_memberships_org_id_user_id" FOREIGN KEY ("org_id", "user_id") REFERENCES "org_users" ("org_id", "user_id") ON UPDATE CASCADE, CONSTRAINT "ck_seats_positive" CHECK ("seats" > 0), CONSTRAINT "ck_role" CHECK ("role" IN ('member', 'admin')) )"#,
            ]),
            Sql(&[
                "CREATE TABLE IF NOT EXISTS `memberships` ( `org_id` bigint NOT NULL, `user_id` bigint NOT NULL, `role` varchar(20) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL DEFAULT 'member', `seats` int NOT NULL DEFAULT 1, `invited_by` bigint, PRIMARY KEY (`org_id`, `user_id`), UNIQUE KEY `uq_memberships_user_id_role` (`user_id`, `role`), UNIQUE KEY `uq_named` (`org_id`, `seats`), CONSTRAINT `fk_memberships_org_id` FOREIGN KEY (`org_id`) REFERENCES `orgs` (`id`) ON DELETE CASCADE ON UPDATE RESTRICT, CONSTRAINT `fk_inviter` FOREIGN KEY (`invited_by`) REFERENCES `users` (`id`) ON DELETE SET NULL ON UPDATE NO ACTION, CONSTRAINT `fk_memberships_org_id_user_id` FOREIGN KEY (`org_id`, `user_id`) REFERENCES `org_users` (`org_id`, `user_id`) ON UPDATE CASCADE, CONSTRAINT `ck_seats_positive` CHECK (`seats` > 0), CONSTRAINT `ck_role` CHECK ((CAST(CONVERT(`role` USING utf8mb4) AS BINARY)) IN ('member', 'admin')) )",
            ]),
            Sql(&[
                r#"CREATE TABLE IF NOT EXISTS "memberships" ( "org_id" BIGINT NOT NULL, "user_id" BIGINT NOT NULL, "role" VARCHAR(20) NOT NULL DEFAULT 'member', "seats" INTEGER NOT NULL DEFAULT 1, "invited_by" BIGINT, PRIMARY KEY ("org_id", "user_id"), CONSTRAINT "uq_memberships_user_id_role" UNIQUE ("user_id", "role"), CONSTRAINT "uq_named" UNIQUE ("org_id", "seats"), FOREIGN KEY ("org_id") REFERENCES "orgs" ("id") ON DELETE CASCADE ON UPDATE RESTRICT, FOREIGN KEY ("invited_by") REFERENCES "users" ("id") ON DELETE SET NULL ON UPDATE NO ACTION, FOREIGN KEY ("org_id", "user_id") REFERENCES "org_users" ("org_id", "user_id") ON UPDATE CASCADE, CONSTRAINT "ck_seats_positive" CHECK ("seats" > 0), CONSTRAINT "ck_role" CHECK ("role" IN ('member', 'admin')) )"#,
            ]),
        ],
    );
}

#[test]
fn identity_column_named_in_table_level_primary_key_is_declared_inline() {
    golden(
        r#"
description = "tags"

[[steps]]
op = "create_table"
table = "tags"
primary_key = ["id"]
columns = [
  { name = "id", type = "bigint", identity = true },
  { name = "name", type = "text" },
]
"#,
        [
            Sql(&[
                r#"CREATE TABLE "tags" ( "id" bigint GENERATED BY DEFAULT AS IDENTITY NOT NULL PRIMARY KEY, "name" text )"#,
            ]),
            Sql(&[
                "CREATE TABLE `tags` ( `id` bigint NOT NULL PRIMARY KEY AUTO_INCREMENT, `name` longtext CHARACTER SET utf8mb4 COLLATE utf8mb4_bin )",
            ]),
            Sql(&[
                r#"CREATE TABLE "tags" ( "id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "name" TEXT )"#,
            ]),
        ],
    );
}

#[test]
fn foreign_key_set_default_is_refused_on_mysql() {
    golden(
        r#"
description = "set default"

[[steps]]
op = "create_table"
table = "users"
columns = [
  { name = "id", type = "integer", primary_key = true, identity = true },
  { name = "org", type = "integer", default = 0 },
]
foreign_keys = [ { columns = ["org"], references = "orgs(id)", on_update = "set_default" } ]
"#,
        [
            Sql(&[
                r#"CREATE TABLE "users" ( "id" integer GENERATED BY DEFAULT AS IDENTITY NOT NULL PRIMARY KEY, "org" integer DEFAULT 0, CONSTRAINT "fk_users_org" FOREIGN KEY ("org") REFERENCES "orgs" ("id") ON UPDATE SET DEFAULT )"#,
            ]),
            Refused("InnoDB (MySQL and MariaDB) has no ON DELETE/ON UPDATE SET DEFAULT"),
            Sql(&[
                r#"CREATE TABLE "users" ( "id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "org" INTEGER DEFAULT 0, FOREIGN KEY ("org") REFERENCES "orgs" ("id") ON UPDATE SET DEFAULT )"#,
            ]),
        ],
    );
}

#[test]
fn unsupported_errors_name_the_file_line_and_step() {
    let tmp = TempPlan::new(&[(
        "0001_golden.toml",
        "description = \"x\"\n\n[[steps]]\nop = \"sql\"\nsql = \"SELECT 1\"\n\n[[steps]]\nop = \"drop_table\"\ntable = \"old\"\ncascade = true\n",
    )]);
    let err = render(&tmp.load(), Dialect::Sqlite, Direction::Up).expect_err("refused");
    assert_eq!(
        err.to_string(),
        format!(
            "{}:7: migration 0001 (golden), step 2 (drop_table): drop_table with cascade on table `old` is not supported on sqlite: this dialect has no DROP TABLE ... CASCADE: drop the dependent objects (foreign keys, views) in earlier steps and remove `cascade`",
            tmp.dir.join("0001_golden.toml").display()
        )
    );
}

// ----- drop_table, rename_table -----

#[test]
fn drop_table_plain_and_if_exists() {
    golden(
        r#"
description = "drop"

[[steps]]
op = "drop_table"
table = "old"

[[steps]]
op = "drop_table"
table = "older"
if_exists = true
"#,
        [
            Sql(&[r#"DROP TABLE "old""#, r#"DROP TABLE IF EXISTS "older""#]),
            Sql(&["DROP TABLE `old`", "DROP TABLE IF EXISTS `older`"]),
            Sql(&[r#"DROP TABLE "old""#, r#"DROP TABLE IF EXISTS "older""#]),
        ],
    );
}

#[test]
fn drop_table_cascade_only_on_postgres() {
    golden(
        r#"
description = "drop cascade"

[[steps]]
op = "drop_table"
table = "old"
if_exists = true
cascade = true
"#,
        [
            Sql(&[r#"DROP TABLE IF EXISTS "old" CASCADE"#]),
            Refused("no DROP TABLE ... CASCADE"),
            Refused("no DROP TABLE ... CASCADE"),
        ],
    );
}

#[test]
fn rename_table() {
    golden(
        r#"
description = "rename"

[[steps]]
op = "rename_table"
table = "old"
to = "new"
"#,
        [
            Sql(&[r#"ALTER TABLE "old" RENAME TO "new""#]),
            Sql(&["RENAME TABLE `old` TO `new`"]),
            Sql(&[r#"ALTER TABLE "old" RENAME TO "new""#]),
        ],
    );
}

// ----- columns -----

#[test]
fn add_column_nullable_not_null_json_and_text_defaults() {
    golden(
        r#"
description = "add columns"

[[steps]]
op = "add_column"
table = "users"
column = { name = "nick", type = "varchar(40)" }

[[steps]]
op = "add_column"
table = "users"
column = { name = "score", type = "integer", nullable = false, default = 0 }

[[steps]]
op = "add_column"
table = "users"
column = { name = "prefs", type = "json", nullable = false, default = "{}" }

[[steps]]
op = "add_column"
table = "users"
column = { name = "bio", type = "text", default = "none" }
"#,
        [
            Sql(&[
                r#"ALTER TABLE "users" ADD COLUMN "nick" varchar(40)"#,
                r#"ALTER TABLE "users" ADD COLUMN "score" integer NOT NULL DEFAULT 0"#,
                r#"ALTER TABLE "users" ADD COLUMN "prefs" jsonb NOT NULL DEFAULT '{}'"#,
                r#"ALTER TABLE "users" ADD COLUMN "bio" text DEFAULT 'none'"#,
            ]),
            Sql(&[
                "ALTER TABLE `users` ADD COLUMN `nick` varchar(40) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin",
                "ALTER TABLE `users` ADD COLUMN `score` int NOT NULL DEFAULT 0",
                "ALTER TABLE `users` ADD COLUMN `prefs` json NOT NULL DEFAULT ('{}')",
                "ALTER TABLE `users` ADD COLUMN `bio` longtext CHARACTER SET utf8mb4 COLLATE utf8mb4_bin DEFAULT ('none')",
            ]),
            Sql(&[
                r#"ALTER TABLE "users" ADD COLUMN "nick" VARCHAR(40)"#,
                r#"ALTER TABLE "users" ADD COLUMN "score" INTEGER NOT NULL DEFAULT 0"#,
                r#"ALTER TABLE "users" ADD COLUMN "prefs" JSON NOT NULL DEFAULT '{}' CHECK ("prefs" IS NULL OR json_valid("prefs"))"#,
                r#"ALTER TABLE "users" ADD COLUMN "bio" TEXT DEFAULT 'none'"#,
            ]),
        ],
    );
}

#[test]
fn add_column_not_null_without_default_is_refused_on_sqlite() {
    golden(
        r#"
description = "add not null"

[[steps]]
op = "add_column"
table = "users"
column = { name = "nick", type = "varchar(40)", nullable = false }
"#,
        [
            Sql(&[r#"ALTER TABLE "users" ADD COLUMN "nick" varchar(40) NOT NULL"#]),
            Sql(&[
                "ALTER TABLE `users` ADD COLUMN `nick` varchar(40) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL",
            ]),
            Refused("SQLite cannot add a NOT NULL column without a default"),
        ],
    );
}

#[test]
fn add_column_with_default_expr_is_refused_on_sqlite() {
    golden(
        r#"
description = "add with expression default"

[[steps]]
op = "add_column"
table = "users"
column = { name = "seen", type = "timestamp", default_expr = "now()" }
"#,
        [
            Sql(&[r#"ALTER TABLE "users" ADD COLUMN "seen" timestamp DEFAULT (now())"#]),
            Sql(&[
                "ALTER TABLE `users` ADD COLUMN `seen` datetime(6) DEFAULT (CURRENT_TIMESTAMP(6))",
            ]),
            Refused("accepts only constant defaults"),
        ],
    );
}

#[test]
fn add_unique_column_is_refused_on_sqlite() {
    golden(
        r#"
description = "add unique"

[[steps]]
op = "add_column"
table = "users"
column = { name = "code", type = "varchar(10)", unique = true }
"#,
        [
            Sql(&[r#"ALTER TABLE "users" ADD COLUMN "code" varchar(10) UNIQUE"#]),
            Sql(&[
                "ALTER TABLE `users` ADD COLUMN `code` varchar(10) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin UNIQUE",
            ]),
            Refused("then a `create_index` step with unique = true"),
        ],
    );
}

#[test]
fn drop_column() {
    golden(
        r#"
description = "drop column"

[[steps]]
op = "drop_column"
table = "users"
column = "nick"
"#,
        [
            Sql(&[r#"ALTER TABLE "users" DROP COLUMN "nick""#]),
            Sql(&["ALTER TABLE `users` DROP COLUMN `nick`"]),
            Sql(&[r#"ALTER TABLE "users" DROP COLUMN "nick""#]),
        ],
    );
}

#[test]
fn rename_column() {
    golden(
        r#"
description = "rename column"

[[steps]]
op = "rename_column"
table = "users"
column = "nick"
to = "nickname"
"#,
        [
            Sql(&[r#"ALTER TABLE "users" RENAME COLUMN "nick" TO "nickname""#]),
            Sql(&["ALTER TABLE `users` RENAME COLUMN `nick` TO `nickname`"]),
            Sql(&[r#"ALTER TABLE "users" RENAME COLUMN "nick" TO "nickname""#]),
        ],
    );
}

// ----- alter_column -----

/// SQLite changes columns and constraints by rebuilding the table, which needs its definition.
const SQLITE_REBUILD: &str = "cutover rebuilds only tables the plan created";

#[test]
fn alter_column_on_a_table_the_plan_defines() {
    let create = r#"
description = "users"

[[steps]]
op = "create_table"
table = "users"
columns = [
  { name = "id", type = "bigint", primary_key = true, identity = true },
  { name = "name", type = "varchar(50)", nullable = false, default = "anon" },
  { name = "age", type = "integer" },
]
"#;
    let alter = r#"
description = "alter"

[[steps]]
op = "alter_column"
table = "users"
column = "name"
type = "varchar(200)"

[[steps]]
op = "alter_column"
table = "users"
column = "age"
nullable = false

[[steps]]
op = "alter_column"
table = "users"
column = "age"
default = 18

[[steps]]
op = "alter_column"
table = "users"
column = "name"
drop_default = true

[[steps]]
op = "alter_column"
table = "users"
column = "age"
type = "bigint"
nullable = true

[[steps]]
op = "alter_column"
table = "users"
column = "name"
default_expr = "lower('X')"
"#;
    let tmp = TempPlan::new(&[("0001_users.toml", create), ("0002_alter.toml", alter)]);
    let plan = tmp.load();
    let second = |d: Dialect| render(&plan, d, Direction::Up).map(|r| statements(&r[1..]));
    // PostgreSQL alters in place; MySQL restates the whole column as the plan knows it: type, NULL / NOT NULL, default.
    assert_eq!(
        second(Dialect::Postgres).expect("renders"),
        &[
            r#"ALTER TABLE "users" ALTER COLUMN "name" TYPE varchar(200) USING "name"::varchar(200)"#,
            r#"ALTER TABLE "users" ALTER COLUMN "age" SET NOT NULL"#,
            r#"ALTER TABLE "users" ALTER COLUMN "age" SET DEFAULT 18"#,
            r#"ALTER TABLE "users" ALTER COLUMN "name" DROP DEFAULT"#,
            r#"ALTER TABLE "users" ALTER COLUMN "age" TYPE bigint USING "age"::bigint"#,
            r#"ALTER TABLE "users" ALTER COLUMN "age" DROP NOT NULL"#,
            r#"ALTER TABLE "users" ALTER COLUMN "name" SET DEFAULT (LOWER('X'))"#,
        ]
    );
    assert_eq!(
        second(Dialect::Mysql).expect("renders"),
        &[
            "ALTER TABLE `users` MODIFY COLUMN `name` varchar(200) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL DEFAULT 'anon'",
            "ALTER TABLE `users` MODIFY COLUMN `age` int NOT NULL",
            "ALTER TABLE `users` ALTER COLUMN `age` SET DEFAULT 18",
            "ALTER TABLE `users` ALTER COLUMN `name` DROP DEFAULT",
            "ALTER TABLE `users` MODIFY COLUMN `age` bigint NULL DEFAULT 18",
            "ALTER TABLE `users` ALTER COLUMN `name` SET DEFAULT (LOWER('X'))",
        ]
    );
    // SQLite rebuilds the table from the plan's definition after each change.
    assert_eq!(
        second(Dialect::Sqlite).expect("renders"),
        &[
            r#"CREATE TABLE "_cutover_new_users" ( "id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "name" VARCHAR(200) NOT NULL DEFAULT 'anon', "age" INTEGER );
INSERT INTO "_cutover_new_users" (rowid, "id", "name", "age") SELECT rowid, "id", "name", "age" FROM "users";
DROP TABLE "users";
ALTER TABLE "_cutover_new_users" RENAME TO "users""#,
            r#"CREATE TABLE "_cutover_new_users" ( "id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "name" VARCHAR(200) NOT NULL DEFAULT 'anon', "age" INTEGER NOT NULL );
INSERT INTO "_cutover_new_users" (rowid, "id", "name", "age") SELECT rowid, "id", "name", "age" FROM "users";
DROP TABLE "users";
ALTER TABLE "_cutover_new_users" RENAME TO "users""#,
            r#"CREATE TABLE "_cutover_new_users" ( "id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "name" VARCHAR(200) NOT NULL DEFAULT 'anon', "age" INTEGER NOT NULL DEFAULT 18 );
INSERT INTO "_cutover_new_users" (rowid, "id", "name", "age") SELECT rowid, "id", "name", "age" FROM "users";
DROP TABLE "users";
ALTER TABLE "_cutover_new_users" RENAME TO "users""#,
            r#"CREATE TABLE "_cutover_new_users" ( "id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "name" VARCHAR(200) NOT NULL, "age" INTEGER NOT NULL DEFAULT 18 );
INSERT INTO "_cutover_new_users" (rowid, "id", "name", "age") SELECT rowid, "id", "name", "age" FROM "users";
DROP TABLE "users";
ALTER TABLE "_cutover_new_users" RENAME TO "users""#,
            r#"CREATE TABLE "_cutover_new_users" ( "id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "name" VARCHAR(200) NOT NULL, "age" BIGINT DEFAULT 18 );
INSERT INTO "_cutover_new_users" (rowid, "id", "name", "age") SELECT rowid, "id", "name", "age" FROM "users";
DROP TABLE "users";
ALTER TABLE "_cutover_new_users" RENAME TO "users""#,
            r#"CREATE TABLE "_cutover_new_users" ( "id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "name" VARCHAR(200) NOT NULL DEFAULT (LOWER('X')), "age" BIGINT DEFAULT 18 );
INSERT INTO "_cutover_new_users" (rowid, "id", "name", "age") SELECT rowid, "id", "name", "age" FROM "users";
DROP TABLE "users";
ALTER TABLE "_cutover_new_users" RENAME TO "users""#,
        ]
    );
}

#[test]
fn alter_identity_column_type_keeps_auto_increment_on_mysql() {
    golden(
        r#"
description = "widen id"

[[steps]]
op = "create_table"
table = "users"
columns = [
  { name = "id", type = "integer", primary_key = true, identity = true },
]

[[steps]]
op = "alter_column"
table = "users"
column = "id"
type = "bigint"
"#,
        [
            Sql(&[
                r#"CREATE TABLE "users" ( "id" integer GENERATED BY DEFAULT AS IDENTITY NOT NULL PRIMARY KEY )"#,
                r#"ALTER TABLE "users" ALTER COLUMN "id" TYPE bigint USING "id"::bigint"#,
            ]),
            Sql(&[
                "CREATE TABLE `users` ( `id` int NOT NULL PRIMARY KEY AUTO_INCREMENT )",
                "ALTER TABLE `users` MODIFY COLUMN `id` bigint NOT NULL AUTO_INCREMENT",
            ]),
            Sql(&[
                r#"CREATE TABLE "users" ( "id" integer NOT NULL PRIMARY KEY AUTOINCREMENT )"#,
                r#"CREATE TABLE "_cutover_new_users" ( "id" integer NOT NULL PRIMARY KEY AUTOINCREMENT );
INSERT INTO "_cutover_new_users" (rowid, "id") SELECT rowid, "id" FROM "users";
DROP TABLE "users";
ALTER TABLE "_cutover_new_users" RENAME TO "users""#,
            ]),
        ],
    );
}

#[test]
fn alter_column_type_of_a_table_outside_the_plan_needs_nullable_on_mysql() {
    golden(
        r#"
description = "alter unknown"

[[steps]]
op = "alter_column"
table = "users"
column = "name"
type = "varchar(200)"
"#,
        [
            Sql(&[
                r#"ALTER TABLE "users" ALTER COLUMN "name" TYPE varchar(200) USING "name"::varchar(200)"#,
            ]),
            Refused("give both `type` and `nullable`"),
            Refused(SQLITE_REBUILD),
        ],
    );
}

#[test]
fn alter_column_type_and_nullable_of_a_table_outside_the_plan() {
    golden(
        r#"
description = "alter unknown"

[[steps]]
op = "alter_column"
table = "users"
column = "name"
type = "varchar(200)"
nullable = false
"#,
        [
            Sql(&[
                r#"ALTER TABLE "users" ALTER COLUMN "name" TYPE varchar(200) USING "name"::varchar(200)"#,
                r#"ALTER TABLE "users" ALTER COLUMN "name" SET NOT NULL"#,
            ]),
            Sql(&[
                "ALTER TABLE `users` MODIFY COLUMN `name` varchar(200) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL",
            ]),
            Refused(SQLITE_REBUILD),
        ],
    );
}

#[test]
fn alter_column_type_nullable_and_default_of_a_table_outside_the_plan() {
    golden(
        r#"
description = "alter unknown"

[[steps]]
op = "alter_column"
table = "users"
column = "name"
type = "varchar(200)"
nullable = false
default = "x"
"#,
        [
            Sql(&[
                r#"ALTER TABLE "users" ALTER COLUMN "name" TYPE varchar(200) USING "name"::varchar(200)"#,
                r#"ALTER TABLE "users" ALTER COLUMN "name" SET DEFAULT 'x'"#,
                r#"ALTER TABLE "users" ALTER COLUMN "name" SET NOT NULL"#,
            ]),
            Sql(&[
                "ALTER TABLE `users` MODIFY COLUMN `name` varchar(200) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL DEFAULT 'x'",
            ]),
            Refused(SQLITE_REBUILD),
        ],
    );
}

#[test]
fn alter_column_default_of_a_table_outside_the_plan() {
    golden(
        r#"
description = "defaults"

[[steps]]
op = "alter_column"
table = "users"
column = "name"
default = "x"

[[steps]]
op = "alter_column"
table = "users"
column = "name"
drop_default = true
"#,
        [
            Sql(&[
                r#"ALTER TABLE "users" ALTER COLUMN "name" SET DEFAULT 'x'"#,
                r#"ALTER TABLE "users" ALTER COLUMN "name" DROP DEFAULT"#,
            ]),
            Sql(&[
                "ALTER TABLE `users` ALTER COLUMN `name` SET DEFAULT ('x')",
                "ALTER TABLE `users` ALTER COLUMN `name` DROP DEFAULT",
            ]),
            Refused(SQLITE_REBUILD),
        ],
    );
}

// ----- indexes -----

#[test]
fn create_index_unique_multi_column_and_desc() {
    golden(
        r#"
description = "indexes"

[[steps]]
op = "create_index"
table = "users"
columns = ["email"]
unique = true

[[steps]]
op = "create_index"
table = "users"
name = "idx_users_recent"
columns = ["org_id", "created_at DESC", "name asc"]
"#,
        [
            Sql(&[
                r#"CREATE UNIQUE INDEX "uq_users_email" ON "users" ("email")"#,
                r#"CREATE INDEX "idx_users_recent" ON "users" ("org_id", "created_at" DESC, "name")"#,
            ]),
            Sql(&[
                "CREATE UNIQUE INDEX `uq_users_email` ON `users` (`email`)",
                "CREATE INDEX `idx_users_recent` ON `users` (`org_id`, `created_at` DESC, `name`)",
            ]),
            Sql(&[
                r#"CREATE UNIQUE INDEX "uq_users_email" ON "users" ("email")"#,
                r#"CREATE INDEX "idx_users_recent" ON "users" ("org_id", "created_at" DESC, "name")"#,
            ]),
        ],
    );
}

#[test]
fn partial_index_is_refused_on_mysql() {
    golden(
        r#"
description = "partial"

[[steps]]
op = "create_index"
table = "users"
columns = ["email"]
where = "deleted_at IS NULL"
"#,
        [
            Sql(&[
                r#"CREATE INDEX "idx_users_email" ON "users" ("email") WHERE "deleted_at" IS NULL"#,
            ]),
            Refused("MySQL/MariaDB have no partial indexes"),
            Sql(&[
                r#"CREATE INDEX "idx_users_email" ON "users" ("email") WHERE "deleted_at" IS NULL"#,
            ]),
        ],
    );
}

const CONCURRENT_INDEX: &str = r#"
description = "concurrent"
transaction = false

[[steps]]
op = "create_index"
table = "users"
columns = ["email"]
concurrently = true
"#;

#[test]
fn concurrent_index_is_concurrently_and_outside_a_transaction_on_postgres_only() {
    golden(
        CONCURRENT_INDEX,
        [
            Sql(&[r#"CREATE INDEX CONCURRENTLY "idx_users_email" ON "users" ("email")"#]),
            Sql(&["CREATE INDEX `idx_users_email` ON `users` (`email`)"]),
            Sql(&[r#"CREATE INDEX "idx_users_email" ON "users" ("email")"#]),
        ],
    );
    assert_eq!(
        kinds(CONCURRENT_INDEX, Dialect::Postgres),
        [StatementKind::NoTransaction]
    );
    assert_eq!(
        kinds(CONCURRENT_INDEX, Dialect::Mysql),
        [StatementKind::Ddl]
    );
    assert_eq!(
        kinds(CONCURRENT_INDEX, Dialect::Sqlite),
        [StatementKind::Ddl]
    );
}

#[test]
fn create_index_if_not_exists_is_refused_on_mysql() {
    golden(
        r#"
description = "if not exists"

[[steps]]
op = "create_index"
table = "users"
columns = ["email"]
if_not_exists = true
"#,
        [
            Sql(&[r#"CREATE INDEX IF NOT EXISTS "idx_users_email" ON "users" ("email")"#]),
            Refused("MySQL has no CREATE INDEX IF NOT EXISTS"),
            Sql(&[r#"CREATE INDEX IF NOT EXISTS "idx_users_email" ON "users" ("email")"#]),
        ],
    );
}

const DROP_INDEXES: &str = r#"
description = "drop indexes"

[[steps]]
op = "drop_index"
table = "users"
name = "idx_users_email"

[[steps]]
op = "drop_index"
table = "users"
name = "idx_users_email2"
concurrently = true
"#;

#[test]
fn drop_index_plain_and_concurrently() {
    golden(
        DROP_INDEXES,
        [
            Sql(&[
                r#"DROP INDEX "idx_users_email""#,
                r#"DROP INDEX CONCURRENTLY "idx_users_email2""#,
            ]),
            Sql(&[
                "DROP INDEX `idx_users_email` ON `users`",
                "DROP INDEX `idx_users_email2` ON `users`",
            ]),
            Sql(&[
                r#"DROP INDEX "idx_users_email""#,
                r#"DROP INDEX "idx_users_email2""#,
            ]),
        ],
    );
    use StatementKind::{Ddl, NoTransaction};
    assert_eq!(kinds(DROP_INDEXES, Dialect::Postgres), [Ddl, NoTransaction]);
    assert_eq!(kinds(DROP_INDEXES, Dialect::Mysql), [Ddl, Ddl]);
}

#[test]
fn drop_index_if_exists_is_refused_on_mysql() {
    golden(
        r#"
description = "if exists"

[[steps]]
op = "drop_index"
table = "users"
name = "idx_users_email"
if_exists = true
"#,
        [
            Sql(&[r#"DROP INDEX IF EXISTS "idx_users_email""#]),
            Refused("MySQL has no DROP INDEX IF EXISTS"),
            Sql(&[r#"DROP INDEX IF EXISTS "idx_users_email""#]),
        ],
    );
}

// ----- constraints -----

#[test]
fn add_and_drop_foreign_key() {
    golden(
        r#"
description = "foreign key"

[[steps]]
op = "add_foreign_key"
table = "messages"
columns = ["conversation_id"]
references = "conversations(id)"
on_delete = "cascade"
on_update = "no_action"

[[steps]]
op = "drop_foreign_key"
table = "messages"
name = "fk_messages_conversation_id"
"#,
        [
            Sql(&[
                r#"ALTER TABLE "messages" ADD CONSTRAINT "fk_messages_conversation_id" FOREIGN KEY ("conversation_id") REFERENCES "conversations" ("id") ON DELETE CASCADE ON UPDATE NO ACTION"#,
                r#"ALTER TABLE "messages" DROP CONSTRAINT "fk_messages_conversation_id""#,
            ]),
            Sql(&[
                "ALTER TABLE `messages` ADD CONSTRAINT `fk_messages_conversation_id` FOREIGN KEY (`conversation_id`) REFERENCES `conversations` (`id`) ON DELETE CASCADE ON UPDATE NO ACTION",
                "ALTER TABLE `messages` DROP FOREIGN KEY `fk_messages_conversation_id`",
            ]),
            Refused(SQLITE_REBUILD),
        ],
    );
}

#[test]
fn drop_foreign_key_alone_is_refused_on_sqlite() {
    golden(
        r#"
description = "drop fk"

[[steps]]
op = "drop_foreign_key"
table = "messages"
name = "fk_messages_conversation_id"
"#,
        [
            Sql(&[r#"ALTER TABLE "messages" DROP CONSTRAINT "fk_messages_conversation_id""#]),
            Sql(&["ALTER TABLE `messages` DROP FOREIGN KEY `fk_messages_conversation_id`"]),
            Refused(SQLITE_REBUILD),
        ],
    );
}

#[test]
fn add_and_drop_check() {
    golden(
        r#"
description = "check"

[[steps]]
op = "add_check"
table = "users"
name = "ck_age"
expr = "age >= 0 AND age < 200"

[[steps]]
op = "drop_check"
table = "users"
name = "ck_age"
"#,
        [
            Sql(&[
                r#"ALTER TABLE "users" ADD CONSTRAINT "ck_age" CHECK ("age" >= 0 AND "age" < 200)"#,
                r#"ALTER TABLE "users" DROP CONSTRAINT "ck_age""#,
            ]),
            Sql(&[
                "ALTER TABLE `users` ADD CONSTRAINT `ck_age` CHECK (`age` >= 0 AND `age` < 200)",
                "ALTER TABLE `users` DROP CONSTRAINT `ck_age`",
            ]),
            Refused(SQLITE_REBUILD),
        ],
    );
}

#[test]
fn not_valid_constraints_and_validate_constraint() {
    golden(
        r#"
description = "not valid"

[[steps]]
op = "add_foreign_key"
table = "messages"
columns = ["conversation_id"]
references = "conversations(id)"
not_valid = true

[[steps]]
op = "add_check"
table = "messages"
name = "ck_body"
expr = "body <> ''"
not_valid = true

[[steps]]
op = "validate_constraint"
table = "messages"
name = "fk_messages_conversation_id"

[[steps]]
op = "validate_constraint"
table = "messages"
name = "ck_body"
"#,
        [
            Sql(&[
                r#"ALTER TABLE "messages" ADD CONSTRAINT "fk_messages_conversation_id" FOREIGN KEY ("conversation_id") REFERENCES "conversations" ("id") NOT VALID"#,
                r#"ALTER TABLE "messages" ADD CONSTRAINT "ck_body" CHECK ("body" <> '') NOT VALID"#,
                r#"ALTER TABLE "messages" VALIDATE CONSTRAINT "fk_messages_conversation_id""#,
                r#"ALTER TABLE "messages" VALIDATE CONSTRAINT "ck_body""#,
            ]),
            Sql(&[
                "ALTER TABLE `messages` ADD CONSTRAINT `fk_messages_conversation_id` FOREIGN KEY (`conversation_id`) REFERENCES `conversations` (`id`)",
                "ALTER TABLE `messages` ADD CONSTRAINT `ck_body` CHECK (`body` <> '')",
            ]),
            Refused(SQLITE_REBUILD),
        ],
    );
}

#[test]
fn constraint_on_a_table_the_plan_defines_rebuilds_it_on_sqlite() {
    let create = r#"
description = "users"

[[steps]]
op = "create_table"
table = "users"
columns = [
  { name = "id", type = "bigint", primary_key = true, identity = true },
  { name = "email", type = "varchar(255)", nullable = false },
  { name = "age", type = "integer" },
]

[[steps]]
op = "create_index"
table = "users"
columns = ["email"]
unique = true
"#;
    let check = r#"
description = "check"

[[steps]]
op = "add_check"
table = "users"
name = "ck_age"
expr = "age >= 0"
"#;
    let tmp = TempPlan::new(&[("0001_users.toml", create), ("0002_check.toml", check)]);
    let rendered = render(&tmp.load(), Dialect::Sqlite, Direction::Up).expect("renders");
    let rebuild = &rendered[1].statements;
    assert_eq!(
        statements(&rendered[1..]),
        &[
            r#"CREATE TABLE "_cutover_new_users" ( "id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "email" VARCHAR(255) NOT NULL, "age" INTEGER, CONSTRAINT "ck_age" CHECK ("age" >= 0) );
INSERT INTO "_cutover_new_users" (rowid, "id", "email", "age") SELECT rowid, "id", "email", "age" FROM "users";
DROP TABLE "users";
ALTER TABLE "_cutover_new_users" RENAME TO "users";
CREATE UNIQUE INDEX "uq_users_email" ON "users" ("email")"#,
        ]
    );
    assert_eq!(rebuild[0].kind, StatementKind::Rebuild);
}

#[test]
fn add_and_drop_unique_render_as_a_unique_index() {
    golden(
        r#"
description = "unique"

[[steps]]
op = "add_unique"
table = "users"
columns = ["org_id", "email"]

[[steps]]
op = "drop_unique"
table = "users"
name = "uq_users_org_id_email"
"#,
        [
            Sql(&[
                r#"CREATE UNIQUE INDEX "uq_users_org_id_email" ON "users" ("org_id", "email")"#,
                r#"DROP INDEX "uq_users_org_id_email""#,
            ]),
            Sql(&[
                "CREATE UNIQUE INDEX `uq_users_org_id_email` ON `users` (`org_id`, `email`)",
                "DROP INDEX `uq_users_org_id_email` ON `users`",
            ]),
            Sql(&[
                r#"CREATE UNIQUE INDEX "uq_users_org_id_email" ON "users" ("org_id", "email")"#,
                r#"DROP INDEX "uq_users_org_id_email""#,
            ]),
        ],
    );
}

#[test]
fn drop_unique_declared_by_create_table_drops_the_constraint() {
    let create = r#"
description = "users"

[[steps]]
op = "create_table"
table = "users"
columns = [
  { name = "id", type = "bigint", primary_key = true, identity = true },
  { name = "org_id", type = "bigint" },
  { name = "email", type = "varchar(255)" },
]
unique = [ { columns = ["org_id", "email"] } ]
"#;
    let drop = r#"
description = "drop unique"

[[steps]]
op = "drop_unique"
table = "users"
name = "uq_users_org_id_email"
"#;
    golden_files(
        &[("0001_users.toml", create), ("0002_drop.toml", drop)],
        Direction::Up,
        [
            Sql(&[
                r#"CREATE TABLE "users" ( "id" bigint GENERATED BY DEFAULT AS IDENTITY NOT NULL PRIMARY KEY, "org_id" bigint, "email" varchar(255), CONSTRAINT "uq_users_org_id_email" UNIQUE ("org_id", "email") )"#,
                r#"ALTER TABLE "users" DROP CONSTRAINT "uq_users_org_id_email""#,
            ]),
            Sql(&[
                "CREATE TABLE `users` ( `id` bigint NOT NULL PRIMARY KEY AUTO_INCREMENT, `org_id` bigint, `email` varchar(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin, UNIQUE KEY `uq_users_org_id_email` (`org_id`, `email`) )",
                "ALTER TABLE `users` DROP INDEX `uq_users_org_id_email`",
            ]),
            Sql(&[
                r#"CREATE TABLE "users" ( "id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "org_id" BIGINT, "email" VARCHAR(255), CONSTRAINT "uq_users_org_id_email" UNIQUE ("org_id", "email") )"#,
                r#"CREATE TABLE "_cutover_new_users" ( "id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "org_id" BIGINT, "email" VARCHAR(255) );
INSERT INTO "_cutover_new_users" (rowid, "id", "org_id", "email") SELECT rowid, "id", "org_id", "email" FROM "users";
DROP TABLE "users";
ALTER TABLE "_cutover_new_users" RENAME TO "users""#,
            ]),
        ],
    );
}

// ----- raw SQL -----

#[test]
fn sql_step_shared_by_every_dialect_is_trimmed() {
    golden(
        r#"
description = "shared"

[[steps]]
op = "sql"
sql = "  UPDATE users SET active = 1 WHERE active IS NULL;  "
"#,
        [
            Sql(&["UPDATE users SET active = 1 WHERE active IS NULL"]),
            Sql(&["UPDATE users SET active = 1 WHERE active IS NULL"]),
            Sql(&["UPDATE users SET active = 1 WHERE active IS NULL"]),
        ],
    );
}

#[test]
fn sql_step_is_split_into_its_statements_with_their_kinds() {
    let plan = r#"
description = "several"

[[steps]]
op = "sql"
sql = "UPDATE base SET v = v + 1 WHERE id = 1; CREATE TABLE a (id INT); -- done;"
"#;
    let both: &[&str] = &[
        "UPDATE base SET v = v + 1 WHERE id = 1",
        "CREATE TABLE a (id INT)",
    ];
    golden(plan, [Sql(both), Sql(both), Sql(both)]);
    for dialect in Dialect::ALL {
        assert_eq!(
            kinds(plan, dialect),
            [StatementKind::Dml, StatementKind::Ddl],
            "{dialect}"
        );
    }
}

#[test]
fn sql_step_with_transaction_control_is_refused() {
    let plan = r#"
description = "own transaction"

[[steps]]
op = "sql"
sql = "BEGIN; UPDATE base SET v = 1; COMMIT"
"#;
    let hint = "cutover owns the transactions";
    golden(plan, [Refused(hint), Refused(hint), Refused(hint)]);
}

#[test]
fn raw_concurrently_and_vacuum_run_outside_a_transaction() {
    let plan = r#"
description = "concurrently"
transaction = false

[[steps]]
op = "sql"
postgres = "CREATE INDEX CONCURRENTLY i ON t (c); ANALYZE t"
sqlite = "VACUUM"
sql = "SELECT 1"
"#;
    use StatementKind::{Ddl, Dml, NoTransaction};
    assert_eq!(kinds(plan, Dialect::Postgres), [NoTransaction, Ddl]);
    assert_eq!(kinds(plan, Dialect::Sqlite), [NoTransaction]);
    assert_eq!(kinds(plan, Dialect::Mysql), [Dml]);
}

#[test]
fn sql_step_per_dialect_overrides_the_shared_sql() {
    golden(
        r#"
description = "per dialect"

[[steps]]
op = "sql"
sql = "SELECT 1"
postgres = "SELECT 2"
"#,
        [Sql(&["SELECT 2"]), Sql(&["SELECT 1"]), Sql(&["SELECT 1"])],
    );
}

#[test]
fn sql_step_limited_to_dialects_renders_nothing_elsewhere() {
    golden(
        r#"
description = "postgres only"

[[steps]]
op = "sql"
postgres = "CREATE EXTENSION IF NOT EXISTS pgcrypto"
dialects = ["postgres"]
"#,
        [
            Sql(&["CREATE EXTENSION IF NOT EXISTS pgcrypto"]),
            Sql(&[]),
            Sql(&[]),
        ],
    );
}

#[test]
fn sql_step_without_sql_for_a_dialect_is_refused_there() {
    golden(
        r#"
description = "no sqlite"

[[steps]]
op = "sql"
postgres = "SELECT 2"
mysql = "SELECT 3"
"#,
        [
            Sql(&["SELECT 2"]),
            Sql(&["SELECT 3"]),
            Refused("the step has no SQL for sqlite: add `sqlite = \"...\"`"),
        ],
    );
}

// ----- backfill -----

#[test]
fn backfill_renders_one_set_based_update() {
    let migration = r#"
description = "backfill"

[[steps]]
op = "backfill"
table = "users"
pending = "display_name IS NULL"
set.display_name = "first_name || ' ' || last_name"
set.updated = "now()"
"#;
    golden(
        migration,
        [
            Sql(&[
                r#"UPDATE "users" SET "display_name" = "first_name" || ' ' || "last_name", "updated" = now() WHERE "display_name" IS NULL"#,
            ]),
            Sql(&[
                "UPDATE `users` SET `display_name` = CONCAT(`first_name`, ' ', `last_name`), `updated` = CURRENT_TIMESTAMP(6) WHERE `display_name` IS NULL",
            ]),
            Sql(&[
                r#"UPDATE "users" SET "display_name" = ("first_name" || ' ') || "last_name", "updated" = CURRENT_TIMESTAMP WHERE "display_name" IS NULL"#,
            ]),
        ],
    );
    let tmp = TempPlan::new(&[("0001_golden.toml", migration)]);
    let rendered = render(&tmp.load(), Dialect::Postgres, Direction::Up).expect("renders");
    let s = &rendered[0].statements[0];
    assert_eq!(
        (s.kind, s.backfill.as_deref()),
        (StatementKind::Dml, Some("0001_users"))
    );
}

#[test]
fn backfill_from_a_joined_table() {
    golden(
        r#"
description = "backfill from"

[[steps]]
op = "backfill"
table = "messages"
key = ["id"]
batch_size = 500
pending = "messages.owner_id IS NULL"
set.owner_id = "conversations.auth_user_id"
from = { table = "conversations", on = "conversations.id = messages.conversation_id" }
"#,
        [
            Sql(&[
                r#"UPDATE "messages" SET "owner_id" = "conversations"."auth_user_id" FROM "conversations" WHERE "conversations"."id" = "messages"."conversation_id" AND "messages"."owner_id" IS NULL"#,
            ]),
            Sql(&[
                "UPDATE `messages` JOIN `conversations` ON `conversations`.`id` = `messages`.`conversation_id` AND `messages`.`owner_id` IS NULL SET `messages`.`owner_id` = `conversations`.`auth_user_id`",
            ]),
            Sql(&[
                r#"UPDATE "messages" SET "owner_id" = "conversations"."auth_user_id" FROM "conversations" WHERE "conversations"."id" = "messages"."conversation_id" AND "messages"."owner_id" IS NULL"#,
            ]),
        ],
    );
}

// ----- checks -----

#[test]
fn check_queries_count_rows_or_run_the_dialect_sql() {
    let tmp = TempPlan::new(&[(
        "0001_golden.toml",
        r#"
description = "checks"

[[steps]]
op = "sql"
sql = "SELECT 1"

[[checks]]
name = "no orphans"
table = "messages"
where = "conversation_id IS NULL"
expect = 0

[[checks]]
name = "per dialect"
sql = "SELECT COUNT(*) FROM users"
sqlite = "SELECT count(*) FROM users"
expect = ">= 1"
"#,
    )]);
    let plan = tmp.load();
    let checks = &plan.migrations[0].checks;
    let q = |i: usize, d: Dialect| check_query(&checks[i].item, d).expect("renders");
    assert_eq!(
        q(0, Dialect::Postgres),
        r#"SELECT COUNT(*) FROM "messages" WHERE "conversation_id" IS NULL"#
    );
    assert_eq!(
        q(0, Dialect::Mysql),
        "SELECT COUNT(*) FROM `messages` WHERE `conversation_id` IS NULL"
    );
    assert_eq!(q(1, Dialect::Mysql), "SELECT COUNT(*) FROM users");
    assert_eq!(q(1, Dialect::Sqlite), "SELECT count(*) FROM users");
}

// ----- down -----

#[test]
fn down_inverts_steps_on_an_existing_table_in_reverse_order() {
    golden_files(
        &[(
            "0001_golden.toml",
            r#"
description = "reversible"

[[steps]]
op = "add_column"
table = "users"
column = { name = "email", type = "varchar(255)" }

[[steps]]
op = "create_index"
table = "users"
columns = ["email"]
unique = true

[[steps]]
op = "rename_column"
table = "users"
column = "name"
to = "full_name"

[[steps]]
op = "rename_table"
table = "users"
to = "people"

[[steps]]
op = "sql"
sql = "INSERT INTO people (full_name) VALUES ('root')"
down = "DELETE FROM people WHERE full_name = 'root'"
"#,
        )],
        Direction::Down,
        [
            Sql(&[
                "DELETE FROM people WHERE full_name = 'root'",
                r#"ALTER TABLE "people" RENAME TO "users""#,
                r#"ALTER TABLE "users" RENAME COLUMN "full_name" TO "name""#,
                r#"DROP INDEX "uq_users_email""#,
                r#"ALTER TABLE "users" DROP COLUMN "email""#,
            ]),
            Sql(&[
                "DELETE FROM people WHERE full_name = 'root'",
                "RENAME TABLE `people` TO `users`",
                "ALTER TABLE `users` RENAME COLUMN `full_name` TO `name`",
                "DROP INDEX `uq_users_email` ON `users`",
                "ALTER TABLE `users` DROP COLUMN `email`",
            ]),
            Sql(&[
                "DELETE FROM people WHERE full_name = 'root'",
                r#"ALTER TABLE "people" RENAME TO "users""#,
                r#"ALTER TABLE "users" RENAME COLUMN "full_name" TO "name""#,
                r#"DROP INDEX "uq_users_email""#,
                r#"ALTER TABLE "users" DROP COLUMN "email""#,
            ]),
        ],
    );
}

#[test]
fn down_of_create_table_drops_it_and_skips_steps_on_it() {
    golden_files(
        &[(
            "0001_golden.toml",
            r#"
description = "new table"

[[steps]]
op = "create_table"
table = "users"
columns = [
  { name = "id", type = "bigint", primary_key = true, identity = true },
  { name = "name", type = "text" },
]

[[steps]]
op = "add_column"
table = "users"
column = { name = "email", type = "varchar(255)" }

[[steps]]
op = "create_index"
table = "users"
columns = ["email"]
"#,
        )],
        Direction::Down,
        [
            Sql(&[r#"DROP TABLE "users""#]),
            Sql(&["DROP TABLE `users`"]),
            Sql(&[r#"DROP TABLE "users""#]),
        ],
    );
}

#[test]
fn down_drops_foreign_keys_before_indexes() {
    golden_files(
        &[(
            "0001_golden.toml",
            r#"
description = "constraints"

[[steps]]
op = "add_foreign_key"
table = "messages"
columns = ["conversation_id"]
references = "conversations(id)"

[[steps]]
op = "add_check"
table = "messages"
name = "ck_body"
expr = "body <> ''"

[[steps]]
op = "add_unique"
table = "messages"
columns = ["body"]

[[steps]]
op = "create_index"
table = "messages"
columns = ["conversation_id"]
concurrently = true
"#,
        )],
        Direction::Down,
        [
            Sql(&[
                r#"ALTER TABLE "messages" DROP CONSTRAINT "fk_messages_conversation_id""#,
                r#"DROP INDEX CONCURRENTLY "idx_messages_conversation_id""#,
                r#"DROP INDEX "uq_messages_body""#,
                r#"ALTER TABLE "messages" DROP CONSTRAINT "ck_body""#,
            ]),
            Sql(&[
                "ALTER TABLE `messages` DROP FOREIGN KEY `fk_messages_conversation_id`",
                "DROP INDEX `idx_messages_conversation_id` ON `messages`",
                "DROP INDEX `uq_messages_body` ON `messages`",
                "ALTER TABLE `messages` DROP CONSTRAINT `ck_body`",
            ]),
            Refused(SQLITE_REBUILD),
        ],
    );
}

#[test]
fn explicit_down_is_rendered_as_written() {
    golden_files(
        &[(
            "0001_golden.toml",
            r#"
description = "drop legacy"

[[steps]]
op = "drop_column"
table = "users"
column = "legacy"

[[down]]
op = "add_column"
table = "users"
column = { name = "legacy", type = "text" }
"#,
        )],
        Direction::Down,
        [
            Sql(&[r#"ALTER TABLE "users" ADD COLUMN "legacy" text"#]),
            Sql(&[
                "ALTER TABLE `users` ADD COLUMN `legacy` longtext CHARACTER SET utf8mb4 COLLATE utf8mb4_bin",
            ]),
            Sql(&[r#"ALTER TABLE "users" ADD COLUMN "legacy" TEXT"#]),
        ],
    );
}

#[test]
fn irreversible_migration_names_file_line_and_step() {
    let tmp = TempPlan::new(&[(
        "0001_golden.toml",
        r#"description = "irreversible"

[[steps]]
op = "add_column"
table = "users"
column = { name = "x", type = "text" }

[[steps]]
op = "drop_column"
table = "users"
column = "legacy"
"#,
    )]);
    let plan = tmp.load();
    for dialect in Dialect::ALL {
        let err = render(&plan, dialect, Direction::Down).expect_err("irreversible");
        let expected = format!(
            "{}:8: migration 0001 (golden): step 2 (drop_column) cannot be reversed automatically; add a [[down]] section that reverts the migration",
            tmp.dir.join("0001_golden.toml").display()
        );
        assert_eq!(err.to_string(), expected, "on {dialect}");
    }
}

#[test]
fn down_renders_migrations_newest_first() {
    let tmp = TempPlan::new(&[
        (
            "0001_a.toml",
            "description = \"a\"\n[[steps]]\nop = \"sql\"\nsql = \"SELECT 1\"\ndown = \"SELECT -1\"\n",
        ),
        (
            "0002_b.toml",
            "description = \"b\"\n[[steps]]\nop = \"sql\"\nsql = \"SELECT 2\"\ndown = \"SELECT -2\"\n",
        ),
    ]);
    let rendered = render(&tmp.load(), Dialect::Sqlite, Direction::Down).expect("renders");
    let versions: Vec<String> = rendered.iter().map(|m| m.version.to_string()).collect();
    assert_eq!(versions, ["0002", "0001"]);
    assert_eq!(statements(&rendered), ["SELECT -2", "SELECT -1"]);
}

// ----- the example plan, whole -----

fn examples_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/messages/migrations")
}

/// The plan rendered the way `cutover sql` prints it.
fn script(rendered: &[RenderedMigration], dialect: Dialect) -> String {
    let mut out =
        format!("-- examples/messages rendered for {dialect}; regenerate with UPDATE_GOLDEN=1\n\n");
    for m in rendered {
        out.push_str(&format!("-- migration {} ({})\n", m.version, m.name));
        for s in &m.statements {
            let note = match (&s.backfill, s.kind) {
                (Some(id), _) => format!(" backfill {id}, run in batches"),
                (None, StatementKind::NoTransaction) => " outside a transaction".into(),
                _ => String::new(),
            };
            out.push_str(&format!("-- step {} ({}){note}\n", s.step, s.op));
            let sql = s.sql.trim_end();
            out.push_str(sql);
            out.push_str(if sql.ends_with(';') { "\n" } else { ";\n" });
        }
        out.push('\n');
    }
    out
}

#[test]
fn example_plan_matches_the_golden_files() {
    let plan = Plan::load(&examples_dir()).expect("example plan loads");
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let update = std::env::var_os("UPDATE_GOLDEN").is_some_and(|v| v == "1");
    for dialect in Dialect::ALL {
        let rendered = render(&plan, dialect, Direction::Up).expect("example renders");
        let got = script(&rendered, dialect);
        let path = fixtures.join(format!("messages.{dialect}.sql"));
        if update {
            std::fs::create_dir_all(&fixtures).expect("create fixtures dir");
            std::fs::write(&path, &got).expect("write golden file");
            continue;
        }
        let want = std::fs::read_to_string(&path).unwrap_or_else(|e| {
            panic!(
                "{}: {e}; run with UPDATE_GOLDEN=1 to create it",
                path.display()
            )
        });
        assert_eq!(
            got,
            want,
            "{} is out of date; rerun with UPDATE_GOLDEN=1 and review the diff",
            path.display()
        );
    }
}

#[test]
fn example_plan_reverts_newest_first() {
    let plan = Plan::load(&examples_dir()).expect("example plan loads");
    let rendered = render(&plan, Dialect::Postgres, Direction::Down).expect("example reverts");
    let versions: Vec<String> = rendered.iter().map(|m| m.version.to_string()).collect();
    assert_eq!(versions, ["0004", "0003", "0002", "0001"]);
    assert_eq!(
        statements(&rendered),
        &[
            r#"UPDATE "messages" SET "attachments" = jsonb_build_array() WHERE CAST("attachments" AS text) LIKE '%legacy_migration%'"#,
            r#"ALTER TABLE "messages" DROP COLUMN "attachments""#,
            "DELETE FROM messages",
            "DELETE FROM conversations",
            r#"DROP TABLE "messages""#,
            r#"DROP TABLE "conversations""#,
        ]
    );
}
