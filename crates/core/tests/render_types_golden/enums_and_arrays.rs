//! Golden cases: enum and array columns rendered per dialect.

use super::*;

pub(super) const PROFILES: &str = r#"
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

pub(super) const LINKS: &str = r#"
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
