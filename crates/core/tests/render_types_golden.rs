//! Golden SQL for array (`text[]`, ...) and enum column types on PostgreSQL, MySQL/MariaDB and
//! SQLite, and the load-time errors of the expressions that use them (tier 1: no database).

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};

use cutover_core::plan::Plan;
use cutover_core::render::{
    Direction, RenderOptions, RenderedMigration, StatementKind, render_plan,
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
            std::env::temp_dir().join(format!("cutover-types-golden-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("create temp plan dir");
        for (name, text) in files {
            std::fs::write(dir.join(name), text).expect("write plan file");
        }
        TempPlan { dir }
    }

    fn load(&self) -> Result<Plan, Error> {
        Plan::load(&self.dir)
    }
}

impl Drop for TempPlan {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

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

/// The statements (SQL and kind) of every migration of the plan of `files`.
fn rendered(
    files: &[(&str, &str)],
    dialect: Dialect,
    direction: Direction,
) -> cutover_core::Result<Vec<(String, StatementKind)>> {
    let tmp = TempPlan::new(files);
    let plan = tmp
        .load()
        .unwrap_or_else(|e| panic!("plan does not load: {e}"));
    Ok(render(&plan, dialect, direction)?
        .iter()
        .flat_map(|m| m.statements.iter().map(|s| (s.sql.clone(), s.kind)))
        .collect())
}

/// Asserts the SQL each dialect renders for `files` in `direction` (PostgreSQL, MySQL, SQLite).
#[track_caller]
fn golden(files: &[(&str, &str)], direction: Direction, expected: [&[&str]; 3]) {
    for (dialect, want) in Dialect::ALL.into_iter().zip(expected) {
        let got =
            rendered(files, dialect, direction).unwrap_or_else(|e| panic!("on {dialect}: {e}"));
        let sql: Vec<&str> = got.iter().map(|(s, _)| s.as_str()).collect();
        assert_eq!(sql, want, "on {dialect}");
    }
}

/// Asserts that loading `files` fails at `file:line` with `phrase` in the message.
#[track_caller]
fn load_fails(files: &[(&str, &str)], file: &str, line: usize, phrase: &str) {
    let tmp = TempPlan::new(files);
    let err = match tmp.load() {
        Ok(_) => panic!("plan loaded, expected an error at {file}:{line}"),
        Err(e) => e,
    };
    let text = err.to_string();
    let prefix = format!("{}:{line}: ", tmp.dir.join(file).display());
    assert!(
        text.starts_with(&prefix),
        "expected `{prefix}...`, got: {text}"
    );
    assert!(text.contains(phrase), "expected `{phrase}` in: {text}");
}

const PROFILES: &str = r#"
description = "profiles with arrays and an enum"

[[steps]]
op = "create_table"
table = "profiles"
columns = [
  { name = "id", type = "bigint", primary_key = true },
  { name = "urls", type = "text[]", nullable = false },
  { name = "scores", type = "integer[]" },
  { name = "ids", type = "bigint[]" },
  { name = "refs", type = "uuid[]" },
  { name = "kind", type = "enum(website, imdb, 'show reel')", nullable = false, default = "website" },
]
"#;

#[test]
fn create_table_with_array_and_enum_columns() {
    golden(
        &[("0001_profiles.toml", PROFILES)],
        Direction::Up,
        [
            &[
                r#"CREATE TYPE "cutover_enum_7e15d2a38aaafc17" AS ENUM ('website', 'imdb', 'show reel')"#,
                r#"CREATE TABLE "profiles" ( "id" bigint NOT NULL PRIMARY KEY, "urls" text[] NOT NULL, "scores" integer[], "ids" bigint[], "refs" uuid[], "kind" "cutover_enum_7e15d2a38aaafc17" NOT NULL DEFAULT 'website' )"#,
            ],
            &[
                r#"CREATE TABLE `profiles` ( `id` bigint NOT NULL PRIMARY KEY, `urls` json NOT NULL, `scores` json, `ids` json, `refs` json, `kind` enum('website','imdb','show reel') NOT NULL DEFAULT 'website' )"#,
            ],
            &[
                r#"CREATE TABLE "profiles" ( "id" BIGINT NOT NULL PRIMARY KEY, "urls" JSON TEXT NOT NULL CHECK ("urls" IS NULL OR json_valid("urls")), "scores" JSON TEXT CHECK ("scores" IS NULL OR json_valid("scores")), "ids" JSON TEXT CHECK ("ids" IS NULL OR json_valid("ids")), "refs" JSON TEXT CHECK ("refs" IS NULL OR json_valid("refs")), "kind" TEXT NOT NULL DEFAULT 'website' CHECK ("kind" IN ('website', 'imdb', 'show reel')) )"#,
            ],
        ],
    );
}

#[test]
fn down_drops_the_table_and_then_the_enum_type() {
    golden(
        &[("0001_profiles.toml", PROFILES)],
        Direction::Down,
        [
            &[
                r#"DROP TABLE "profiles""#,
                r#"DROP TYPE IF EXISTS "cutover_enum_7e15d2a38aaafc17""#,
            ],
            &[r#"DROP TABLE `profiles`"#],
            &[r#"DROP TABLE "profiles""#],
        ],
    );
}

const RENAMES: &str = r#"
description = "enum column added, renamed and dropped"

[[steps]]
op = "add_column"
table = "profiles"
column = { name = "status", type = "enum(draft, live)" }

[[steps]]
op = "rename_column"
table = "profiles"
column = "status"
to = "state"

[[steps]]
op = "rename_table"
table = "profiles"
to = "people"

[[steps]]
op = "drop_column"
table = "people"
column = "state"
"#;

#[test]
fn an_enum_type_survives_renames_and_goes_with_its_last_column() {
    golden(
        &[
            ("0001_profiles.toml", PROFILES),
            ("0002_status.toml", RENAMES),
        ],
        Direction::Up,
        [
            &[
                r#"CREATE TYPE "cutover_enum_7e15d2a38aaafc17" AS ENUM ('website', 'imdb', 'show reel')"#,
                r#"CREATE TABLE "profiles" ( "id" bigint NOT NULL PRIMARY KEY, "urls" text[] NOT NULL, "scores" integer[], "ids" bigint[], "refs" uuid[], "kind" "cutover_enum_7e15d2a38aaafc17" NOT NULL DEFAULT 'website' )"#,
                r#"CREATE TYPE "cutover_enum_66897639b5ba139a" AS ENUM ('draft', 'live')"#,
                r#"ALTER TABLE "profiles" ADD COLUMN "status" "cutover_enum_66897639b5ba139a""#,
                r#"ALTER TABLE "profiles" RENAME COLUMN "status" TO "state""#,
                r#"ALTER TABLE "profiles" RENAME TO "people""#,
                r#"ALTER TABLE "people" DROP COLUMN "state""#,
                r#"DROP TYPE IF EXISTS "cutover_enum_66897639b5ba139a""#,
            ],
            &[
                r#"CREATE TABLE `profiles` ( `id` bigint NOT NULL PRIMARY KEY, `urls` json NOT NULL, `scores` json, `ids` json, `refs` json, `kind` enum('website','imdb','show reel') NOT NULL DEFAULT 'website' )"#,
                r#"ALTER TABLE `profiles` ADD COLUMN `status` enum('draft','live')"#,
                r#"ALTER TABLE `profiles` RENAME COLUMN `status` TO `state`"#,
                r#"RENAME TABLE `profiles` TO `people`"#,
                r#"ALTER TABLE `people` DROP COLUMN `state`"#,
            ],
            &[
                r#"CREATE TABLE "profiles" ( "id" BIGINT NOT NULL PRIMARY KEY, "urls" JSON TEXT NOT NULL CHECK ("urls" IS NULL OR json_valid("urls")), "scores" JSON TEXT CHECK ("scores" IS NULL OR json_valid("scores")), "ids" JSON TEXT CHECK ("ids" IS NULL OR json_valid("ids")), "refs" JSON TEXT CHECK ("refs" IS NULL OR json_valid("refs")), "kind" TEXT NOT NULL DEFAULT 'website' CHECK ("kind" IN ('website', 'imdb', 'show reel')) )"#,
                r#"ALTER TABLE "profiles" ADD COLUMN "status" TEXT CHECK ("status" IN ('draft', 'live'))"#,
                r#"ALTER TABLE "profiles" RENAME COLUMN "status" TO "state""#,
                r#"ALTER TABLE "profiles" RENAME TO "people""#,
                r#"ALTER TABLE "people" DROP COLUMN "state""#,
            ],
        ],
    );
}

const ADD_VALUES: &str = r#"
description = "more kinds"

[[steps]]
op = "alter_column"
table = "profiles"
column = "kind"
type = "enum(blog, website, imdb, 'show reel', other)"
"#;

#[test]
fn adding_enum_values() {
    let files = [
        ("0001_profiles.toml", PROFILES),
        ("0002_kinds.toml", ADD_VALUES),
    ];
    golden(
        &files,
        Direction::Up,
        [
            &[
                r#"CREATE TYPE "cutover_enum_7e15d2a38aaafc17" AS ENUM ('website', 'imdb', 'show reel')"#,
                r#"CREATE TABLE "profiles" ( "id" bigint NOT NULL PRIMARY KEY, "urls" text[] NOT NULL, "scores" integer[], "ids" bigint[], "refs" uuid[], "kind" "cutover_enum_7e15d2a38aaafc17" NOT NULL DEFAULT 'website' )"#,
                r#"ALTER TYPE "cutover_enum_7e15d2a38aaafc17" RENAME TO "cutover_enum_9322140641b091fb""#,
                r#"ALTER TYPE "cutover_enum_9322140641b091fb" ADD VALUE IF NOT EXISTS 'blog' BEFORE 'website'"#,
                r#"ALTER TYPE "cutover_enum_9322140641b091fb" ADD VALUE IF NOT EXISTS 'other' AFTER 'show reel'"#,
            ],
            &[
                r#"CREATE TABLE `profiles` ( `id` bigint NOT NULL PRIMARY KEY, `urls` json NOT NULL, `scores` json, `ids` json, `refs` json, `kind` enum('website','imdb','show reel') NOT NULL DEFAULT 'website' )"#,
                r#"ALTER TABLE `profiles` MODIFY COLUMN `kind` enum('blog','website','imdb','show reel','other') NOT NULL DEFAULT 'website'"#,
            ],
            &[
                r#"CREATE TABLE "profiles" ( "id" BIGINT NOT NULL PRIMARY KEY, "urls" JSON TEXT NOT NULL CHECK ("urls" IS NULL OR json_valid("urls")), "scores" JSON TEXT CHECK ("scores" IS NULL OR json_valid("scores")), "ids" JSON TEXT CHECK ("ids" IS NULL OR json_valid("ids")), "refs" JSON TEXT CHECK ("refs" IS NULL OR json_valid("refs")), "kind" TEXT NOT NULL DEFAULT 'website' CHECK ("kind" IN ('website', 'imdb', 'show reel')) )"#,
                r#"CREATE TABLE "_cutover_new_profiles" ( "id" BIGINT NOT NULL PRIMARY KEY, "urls" JSON TEXT NOT NULL CHECK ("urls" IS NULL OR json_valid("urls")), "scores" JSON TEXT CHECK ("scores" IS NULL OR json_valid("scores")), "ids" JSON TEXT CHECK ("ids" IS NULL OR json_valid("ids")), "refs" JSON TEXT CHECK ("refs" IS NULL OR json_valid("refs")), "kind" TEXT NOT NULL DEFAULT 'website' CHECK ("kind" IN ('blog', 'website', 'imdb', 'show reel', 'other')) );
INSERT INTO "_cutover_new_profiles" (rowid, "id", "urls", "scores", "ids", "refs", "kind") SELECT rowid, "id", "urls", "scores", "ids", "refs", "kind" FROM "profiles";
DROP TABLE "profiles";
ALTER TABLE "_cutover_new_profiles" RENAME TO "profiles""#,
            ],
        ],
    );
    // Renamed and extended in the migration's transaction (PostgreSQL 12+ allows ADD VALUE
    // there; the value is usable once it commits).
    let kinds: Vec<StatementKind> = rendered(&files, Dialect::Postgres, Direction::Up)
        .expect("renders")
        .into_iter()
        .map(|(_, k)| k)
        .collect();
    assert_eq!(
        kinds[2..],
        [StatementKind::Ddl, StatementKind::Ddl, StatementKind::Ddl]
    );
}

const REMOVE_VALUE: &str = r#"
description = "fewer kinds"

[[steps]]
op = "alter_column"
table = "profiles"
column = "kind"
type = "enum(website, imdb)"
"#;

#[test]
fn removing_an_enum_value_converts_the_column_through_text() {
    let files = [
        ("0001_profiles.toml", PROFILES),
        ("0002_kinds.toml", REMOVE_VALUE),
    ];
    let pg = rendered(&files, Dialect::Postgres, Direction::Up).expect("renders");
    let tail: Vec<&str> = pg[2..].iter().map(|(s, _)| s.as_str()).collect();
    assert_eq!(
        tail,
        [
            r#"CREATE TYPE "cutover_enum_8e0bfe8e32ccad96" AS ENUM ('website', 'imdb')"#,
            r#"ALTER TABLE "profiles" ALTER COLUMN "kind" DROP DEFAULT"#,
            r#"ALTER TABLE "profiles" ALTER COLUMN "kind" TYPE "cutover_enum_8e0bfe8e32ccad96" USING CAST(CAST("kind" AS text) AS "cutover_enum_8e0bfe8e32ccad96")"#,
            r#"ALTER TABLE "profiles" ALTER COLUMN "kind" SET DEFAULT 'website'"#,
            r#"DROP TYPE IF EXISTS "cutover_enum_7e15d2a38aaafc17""#,
        ]
    );
    let mysql = rendered(&files, Dialect::Mysql, Direction::Up).expect("renders on mysql");
    assert_eq!(
        mysql.last().map(|(s, _)| s.as_str()),
        Some(
            "ALTER TABLE `profiles` MODIFY COLUMN `kind` enum('website','imdb') NOT NULL DEFAULT 'website'"
        )
    );
}

const LINKS: &str = r#"
description = "one row per url"

[[steps]]
op = "create_table"
table = "links"
columns = [
  { name = "profile_id", type = "bigint", nullable = false },
  { name = "position", type = "integer", nullable = false },
  { name = "url", type = "text", nullable = false },
  { name = "kind", type = "enum(website, imdb, 'show reel')", nullable = false },
]
primary_key = ["profile_id", "position"]

[[steps]]
op = "backfill"
id = "links"
table = "profiles"
insert_into = "links"
explode = { column = "urls", as = "u" }
where = "array_length(profiles.urls) > 0 AND profiles.kind <> 'imdb'"
values.profile_id = "profiles.id"
values.position = "u.position"
values.url = "u.text"
values.kind = "profiles.kind"
on_conflict = "ignore"

[[steps]]
op = "backfill"
id = "defaults"
table = "profiles"
pending = "array_length(profiles.scores) IS NULL"
set.scores = "array(1, 2)"
set.ids = "array()"
set.urls = "array('a', lower('B'))"
set.kind = "'show reel'"
"#;

#[test]
fn explode_an_array_column_and_write_array_values() {
    let files = [("0001_profiles.toml", PROFILES), ("0002_links.toml", LINKS)];
    golden(
        &files,
        Direction::Up,
        [
            &[
                r#"CREATE TYPE "cutover_enum_7e15d2a38aaafc17" AS ENUM ('website', 'imdb', 'show reel')"#,
                r#"CREATE TABLE "profiles" ( "id" bigint NOT NULL PRIMARY KEY, "urls" text[] NOT NULL, "scores" integer[], "ids" bigint[], "refs" uuid[], "kind" "cutover_enum_7e15d2a38aaafc17" NOT NULL DEFAULT 'website' )"#,
                r#"CREATE TABLE "links" ( "profile_id" bigint NOT NULL, "position" integer NOT NULL, "url" text NOT NULL, "kind" "cutover_enum_7e15d2a38aaafc17" NOT NULL, PRIMARY KEY ("profile_id", "position") )"#,
                r#"INSERT INTO "links" ("profile_id", "position", "url", "kind") SELECT "profiles"."id", "u"."position", CAST("u"."element" AS text), "profiles"."kind" FROM "profiles" CROSS JOIN LATERAL unnest("profiles"."urls") WITH ORDINALITY AS "u"("element", "position") WHERE cardinality("profiles"."urls") > 0 AND "profiles"."kind" <> 'imdb' ON CONFLICT DO NOTHING"#,
                r#"UPDATE "profiles" SET "scores" = ARRAY[1, 2], "ids" = '{}', "urls" = ARRAY['a', LOWER('B')], "kind" = 'show reel' WHERE cardinality("profiles"."scores") IS NULL"#,
            ],
            &[
                r#"CREATE TABLE `profiles` ( `id` bigint NOT NULL PRIMARY KEY, `urls` json NOT NULL, `scores` json, `ids` json, `refs` json, `kind` enum('website','imdb','show reel') NOT NULL DEFAULT 'website' )"#,
                r#"CREATE TABLE `links` ( `profile_id` bigint NOT NULL, `position` int NOT NULL, `url` longtext CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL, `kind` enum('website','imdb','show reel') NOT NULL, PRIMARY KEY (`profile_id`, `position`) )"#,
                r#"INSERT INTO `links` (`profile_id`, `position`, `url`, `kind`) SELECT * FROM (SELECT `profiles`.`id`, `u`.`position`, (CASE WHEN JSON_TYPE(`u`.`value`) = 'NULL' THEN NULL ELSE JSON_UNQUOTE(`u`.`value`) END), `profiles`.`kind` FROM `profiles` CROSS JOIN JSON_TABLE(CASE WHEN JSON_TYPE(`profiles`.`urls`) = 'ARRAY' THEN `profiles`.`urls` ELSE '[]' END, '$[*]' COLUMNS (`position` FOR ORDINALITY, `value` JSON PATH '$')) AS `u` WHERE JSON_LENGTH(`profiles`.`urls`) > 0 AND `profiles`.`kind` <> 'imdb') AS cutover_rows ON DUPLICATE KEY UPDATE `links`.`profile_id` = `links`.`profile_id`"#,
                r#"UPDATE `profiles` SET `scores` = JSON_ARRAY(1, 2), `ids` = JSON_ARRAY(), `urls` = JSON_ARRAY('a', LOWER('B')), `kind` = 'show reel' WHERE JSON_LENGTH(`profiles`.`scores`) IS NULL"#,
            ],
            &[
                r#"CREATE TABLE "profiles" ( "id" BIGINT NOT NULL PRIMARY KEY, "urls" JSON TEXT NOT NULL CHECK ("urls" IS NULL OR json_valid("urls")), "scores" JSON TEXT CHECK ("scores" IS NULL OR json_valid("scores")), "ids" JSON TEXT CHECK ("ids" IS NULL OR json_valid("ids")), "refs" JSON TEXT CHECK ("refs" IS NULL OR json_valid("refs")), "kind" TEXT NOT NULL DEFAULT 'website' CHECK ("kind" IN ('website', 'imdb', 'show reel')) )"#,
                r#"CREATE TABLE "links" ( "profile_id" BIGINT NOT NULL, "position" INTEGER NOT NULL, "url" TEXT NOT NULL, "kind" TEXT NOT NULL CHECK ("kind" IN ('website', 'imdb', 'show reel')), PRIMARY KEY ("profile_id", "position") )"#,
                r#"INSERT INTO "links" ("profile_id", "position", "url", "kind") SELECT * FROM (SELECT "profiles"."id", ("u"."key" + 1), (CASE "u"."type" WHEN 'null' THEN NULL WHEN 'true' THEN 'true' WHEN 'false' THEN 'false' ELSE CAST("u"."value" AS TEXT) END), "profiles"."kind" FROM "profiles" CROSS JOIN json_each(CASE WHEN json_type("profiles"."urls") = 'array' THEN "profiles"."urls" ELSE '[]' END) AS "u" WHERE json_array_length("profiles"."urls") > 0 AND "profiles"."kind" <> 'imdb') WHERE true ON CONFLICT DO NOTHING"#,
                r#"UPDATE "profiles" SET "scores" = json_array(1, 2), "ids" = json_array(), "urls" = json_array('a', LOWER('B')), "kind" = 'show reel' WHERE json_array_length("profiles"."scores") IS NULL"#,
            ],
        ],
    );
}

// ----- load-time errors -----

const DOCS: &str = r#"
description = "a json column"

[[steps]]
op = "add_column"
table = "profiles"
column = { name = "doc", type = "json" }
"#;

/// A one-step backfill of `profiles` with `body` appended (line 6 is the first body line).
fn backfill(body: &str) -> String {
    format!("description = \"bad\"\n\n[[steps]]\nop = \"backfill\"\ntable = \"profiles\"\n{body}")
}

#[test]
fn an_enum_compared_with_or_given_a_value_outside_its_list_is_a_load_error() {
    let bad = backfill("where = \"profiles.kind = 'blog'\"\nset.urls = \"array('x')\"\n");
    load_fails(
        &[("0001_profiles.toml", PROFILES), ("0002_bad.toml", &bad)],
        "0002_bad.toml",
        6,
        "'blog' is not a value of the enum: the allowed values are 'website', 'imdb', 'show reel'",
    );
    let bad =
        backfill("where = \"profiles.kind IN ('imdb', 'Website')\"\nset.urls = \"array('x')\"\n");
    load_fails(
        &[("0001_profiles.toml", PROFILES), ("0002_bad.toml", &bad)],
        "0002_bad.toml",
        6,
        "'Website' is not a value of the enum",
    );
    let bad = backfill("set.kind = \"'blog'\"\n");
    load_fails(
        &[("0001_profiles.toml", PROFILES), ("0002_bad.toml", &bad)],
        "0002_bad.toml",
        6,
        "cannot be stored in column `kind`: 'blog' is not a value of the enum",
    );
}

#[test]
fn ordering_enums_and_storing_numbers_into_them_are_load_errors() {
    let bad = backfill("where = \"profiles.kind < 'imdb'\"\nset.urls = \"array('x')\"\n");
    load_fails(
        &[("0001_profiles.toml", PROFILES), ("0002_bad.toml", &bad)],
        "0002_bad.toml",
        6,
        "<, <=, > and >= on an enum",
    );
    let bad = backfill("set.kind = \"profiles.id\"\n");
    load_fails(
        &[("0001_profiles.toml", PROFILES), ("0002_bad.toml", &bad)],
        "0002_bad.toml",
        6,
        "column `kind` (enum('website', 'imdb', 'show reel')) does not store the same way",
    );
}

#[test]
fn arrays_take_array_values_and_array_length_takes_arrays() {
    let bad = backfill("set.urls = \"'{a,b}'\"\n");
    load_fails(
        &[("0001_profiles.toml", PROFILES), ("0002_bad.toml", &bad)],
        "0002_bad.toml",
        6,
        "not an array: write the value of column `urls` (text[]) with array(..)",
    );
    let bad = backfill("set.scores = \"array('a')\"\n");
    load_fails(
        &[("0001_profiles.toml", PROFILES), ("0002_bad.toml", &bad)],
        "0002_bad.toml",
        6,
        "column `scores` (integer[])",
    );
    let bad = backfill("set.urls = \"array('a', 1)\"\n");
    load_fails(
        &[("0001_profiles.toml", PROFILES), ("0002_bad.toml", &bad)],
        "0002_bad.toml",
        6,
        "array() elements have different types (text[] and bigint[])",
    );
    let bad = backfill("where = \"array_length(profiles.doc) > 0\"\nset.urls = \"array('x')\"\n");
    load_fails(
        &[
            ("0001_profiles.toml", PROFILES),
            ("0002_doc.toml", DOCS),
            ("0003_bad.toml", &bad),
        ],
        "0003_bad.toml",
        6,
        "array_length() needs an array column, not json: use json_length()",
    );
    let bad = backfill("where = \"profiles.urls = profiles.urls\"\nset.urls = \"array('x')\"\n");
    load_fails(
        &[("0001_profiles.toml", PROFILES), ("0002_bad.toml", &bad)],
        "0002_bad.toml",
        6,
        "a comparison of an array (text[]) with an array (text[])",
    );
}

#[test]
fn bad_array_and_enum_types_and_defaults_are_load_errors() {
    let table = |column: &str| {
        format!(
            "description = \"bad\"\n\n[[steps]]\nop = \"create_table\"\ntable = \"t\"\ncolumns = [\n  {column},\n]\n"
        )
    };
    for (column, phrase) in [
        (
            r#"{ name = "d", type = "date[]" }"#,
            "arrays of text, integer, bigint and uuid are supported",
        ),
        (
            r#"{ name = "k", type = "enum(a, A)" }"#,
            "differ only in letter case",
        ),
        (
            r#"{ name = "k", type = "enum()" }"#,
            "an enum value is empty",
        ),
        (
            r#"{ name = "k", type = "enum(a, b)", default = "c" }"#,
            "the default of column `k` is not one of its enum values ('a', 'b')",
        ),
        (
            r#"{ name = "u", type = "text[]", default = "{}" }"#,
            "takes `default_expr = \"array(..)\"`",
        ),
    ] {
        let plan = table(column);
        let tmp = TempPlan::new(&[("0001_bad.toml", &plan)]);
        let err = tmp
            .load()
            .err()
            .unwrap_or_else(|| panic!("{column} loaded"));
        let text = err.to_string();
        assert!(text.contains("0001_bad.toml:"), "{text}");
        assert!(
            text.contains(phrase),
            "{column}: expected `{phrase}` in {text}"
        );
    }
}

const DROP_PROFILES: &str = r#"
description = "profiles go, links stay"

[[steps]]
op = "drop_table"
table = "profiles"

[[steps]]
op = "drop_column"
table = "links"
column = "kind"
"#;

#[test]
fn a_shared_enum_type_is_dropped_with_its_last_column() {
    let files = [
        ("0001_profiles.toml", PROFILES),
        ("0002_links.toml", LINKS),
        ("0003_drop.toml", DROP_PROFILES),
    ];
    let pg = rendered(&files, Dialect::Postgres, Direction::Up).expect("renders");
    let creates = pg
        .iter()
        .filter(|(s, _)| s.starts_with("CREATE TYPE"))
        .count();
    assert_eq!(
        creates, 1,
        "links.kind reuses the type of profiles.kind: {pg:#?}"
    );
    let tail: Vec<&str> = pg[pg.len() - 3..].iter().map(|(s, _)| s.as_str()).collect();
    assert_eq!(
        tail,
        [
            r#"DROP TABLE "profiles""#,
            r#"ALTER TABLE "links" DROP COLUMN "kind""#,
            r#"DROP TYPE IF EXISTS "cutover_enum_7e15d2a38aaafc17""#,
        ]
    );
}

#[test]
fn array_functions_per_dialect() {
    use cutover_core::expr::Expression;
    let cases: [(&str, [&str; 3]); 4] = [
        (
            "array_length(urls)",
            [
                r#"cardinality("urls")"#,
                "JSON_LENGTH(`urls`)",
                r#"json_array_length("urls")"#,
            ],
        ),
        (
            "array_contains(urls, 'a')",
            [
                r#"CASE WHEN "urls" IS NULL OR 'a' IS NULL THEN NULL ELSE COALESCE('a' = ANY("urls"), false) END"#,
                "CASE WHEN `urls` IS NULL OR 'a' IS NULL THEN NULL ELSE JSON_CONTAINS(`urls`, JSON_ARRAY('a')) END",
                r#"CASE WHEN "urls" IS NULL OR 'a' IS NULL THEN NULL ELSE EXISTS (SELECT 1 FROM json_each("urls") WHERE "value" = 'a') END"#,
            ],
        ),
        (
            "array('a', 'b''c')",
            [
                r#"ARRAY['a', E'b\'c']"#,
                "JSON_ARRAY('a', _utf8mb4 X'622763')",
                r#"json_array('a', 'b''c')"#,
            ],
        ),
        ("array()", ["'{}'", "JSON_ARRAY()", "json_array()"]),
    ];
    for (src, expected) in cases {
        let e = Expression::parse(src).expect(src);
        for (dialect, want) in Dialect::ALL.into_iter().zip(expected) {
            assert_eq!(e.to_sql(dialect).expect(src), want, "{src} on {dialect}");
        }
    }
}

#[test]
fn array_contains_checks_its_arguments() {
    let bad =
        backfill("where = \"array_contains(profiles.scores, 'a')\"\nset.urls = \"array('x')\"\n");
    load_fails(
        &[("0001_profiles.toml", PROFILES), ("0002_bad.toml", &bad)],
        "0002_bad.toml",
        6,
        "array_contains() looks for a string literal in an array (integer[])",
    );
    let ok = backfill(
        "where = \"array_contains(profiles.urls, 'a') AND array_contains(profiles.ids, profiles.id)\"\nset.urls = \"array('x')\"\n",
    );
    let tmp = TempPlan::new(&[("0001_profiles.toml", PROFILES), ("0002_ok.toml", &ok)]);
    tmp.load().unwrap_or_else(|e| panic!("{e}"));
}

const TEXT_INTO_ENUM: &str = r#"
description = "kinds from text"

[[steps]]
op = "backfill"
table = "links"
pending = "links.url <> ''"
set.kind = "CASE WHEN links.url LIKE '%imdb%' THEN 'imdb' ELSE lower(links.url) END"
"#;

#[test]
fn text_stored_into_an_enum_is_converted_through_text() {
    let files = [
        ("0001_profiles.toml", PROFILES),
        ("0002_links.toml", LINKS),
        ("0003_kinds.toml", TEXT_INTO_ENUM),
    ];
    let last = |dialect| {
        rendered(&files, dialect, Direction::Up)
            .expect("renders")
            .pop()
            .map(|(s, _)| s)
            .unwrap_or_default()
    };
    assert_eq!(
        last(Dialect::Postgres),
        r#"UPDATE "links" SET "kind" = CAST(CAST((CASE WHEN ("links"."url" LIKE '%imdb%') THEN 'imdb' ELSE LOWER("links"."url") END) AS text) AS "cutover_enum_7e15d2a38aaafc17") WHERE "links"."url" <> ''"#
    );
    assert!(
        last(Dialect::Mysql).contains("CAST(CAST((CASE"),
        "{}",
        last(Dialect::Mysql)
    );
    assert!(
        last(Dialect::Sqlite).contains("AS TEXT) AS TEXT)"),
        "{}",
        last(Dialect::Sqlite)
    );
}

const URLS_TO_JSON: &str = r#"
description = "urls as json"

[[steps]]
op = "alter_column"
table = "profiles"
column = "urls"
type = "json"
"#;

#[test]
fn changing_an_array_column_to_json_is_refused_on_postgres_only() {
    let files = [
        ("0001_profiles.toml", PROFILES),
        ("0002_json.toml", URLS_TO_JSON),
    ];
    let err = rendered(&files, Dialect::Postgres, Direction::Up).unwrap_err();
    assert!(matches!(err.root(), Error::Unsupported { .. }), "{err}");
    assert!(err.to_string().contains("between text[] and json"), "{err}");
    let mysql = rendered(&files, Dialect::Mysql, Direction::Up).expect("renders on mysql");
    assert_eq!(
        mysql.last().map(|(s, _)| s.as_str()),
        Some("ALTER TABLE `profiles` MODIFY COLUMN `urls` json NOT NULL"),
        "the same json column there"
    );
}
