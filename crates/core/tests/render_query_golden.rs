//! Golden SQL of portable queries (checks' `query`) and of subqueries in expressions, per
//! dialect: PostgreSQL, MySQL/MariaDB, SQLite.

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};

use cutover_core::expr::{Expression, SelectQuery};
use cutover_core::plan::Plan;
use cutover_core::render::{RenderOptions, check_query, render_plan};
use cutover_core::{Dialect, Error};

const ALL: [Dialect; 3] = [Dialect::Postgres, Dialect::Mysql, Dialect::Sqlite];

/// The query rendered for each dialect.
fn q(src: &str) -> [String; 3] {
    let q = SelectQuery::parse(src).unwrap_or_else(|e| panic!("{src}: {e}"));
    ALL.map(|d| q.to_sql(d).unwrap_or_else(|e| panic!("{src} on {d}: {e}")))
}

/// The expression rendered for each dialect.
fn e(src: &str) -> [String; 3] {
    let e = Expression::parse(src).unwrap_or_else(|e| panic!("{src}: {e}"));
    ALL.map(|d| e.to_sql(d).unwrap_or_else(|e| panic!("{src} on {d}: {e}")))
}

/// Double quotes for PostgreSQL and SQLite, backticks for MySQL.
fn same(pg: &str) -> [String; 3] {
    [pg.to_string(), pg.replace('"', "`"), pg.to_string()]
}

#[test]
fn orphan_rows_with_a_left_join() {
    assert_eq!(
        q(
            "SELECT COUNT(*) FROM messages m LEFT JOIN conversations c ON c.id = m.conversation_id WHERE c.id IS NULL"
        ),
        same(
            r#"SELECT COUNT(*) FROM "messages" AS "m" LEFT JOIN "conversations" AS "c" ON "c"."id" = "m"."conversation_id" WHERE "c"."id" IS NULL"#
        )
    );
}

#[test]
fn duplicates_through_a_derived_table_with_group_by_and_having() {
    assert_eq!(
        q(
            "SELECT COUNT(*) FROM (SELECT user_id, url FROM links GROUP BY user_id, url HAVING COUNT(*) > 1) d"
        ),
        same(
            r#"SELECT COUNT(*) FROM (SELECT "user_id", "url" FROM "links" GROUP BY "user_id", "url" HAVING COUNT(*) > 1) AS "d""#
        )
    );
}

#[test]
fn arithmetic_on_aggregates_and_scalar_subqueries() {
    assert_eq!(
        q("SELECT (SELECT COUNT(*) FROM new_t) - COUNT(*) FROM old_t"),
        same(r#"SELECT (SELECT COUNT(*) FROM "new_t") - COUNT(*) FROM "old_t""#)
    );
    assert_eq!(
        q(
            "SELECT count(distinct m.owner_id) - count(p.id) FROM profiles p INNER JOIN media m ON m.owner_id = p.user_id"
        ),
        same(
            r#"SELECT COUNT(DISTINCT "m"."owner_id") - COUNT("p"."id") FROM "profiles" AS "p" INNER JOIN "media" AS "m" ON "m"."owner_id" = "p"."user_id""#
        )
    );
}

#[test]
fn counting_json_array_elements_across_rows() {
    assert_eq!(
        q("SELECT SUM(json_length(attachments)) FROM messages"),
        [
            r#"SELECT SUM(jsonb_array_length("attachments")) FROM "messages""#.to_string(),
            "SELECT SUM(JSON_LENGTH(`attachments`)) FROM `messages`".to_string(),
            r#"SELECT SUM(json_array_length("attachments")) FROM "messages""#.to_string(),
        ]
    );
}

#[test]
fn cross_right_and_full_joins() {
    assert_eq!(
        q("SELECT COUNT(*) FROM a CROSS JOIN b RIGHT JOIN c ON c.x = a.x"),
        same(r#"SELECT COUNT(*) FROM "a" CROSS JOIN "b" RIGHT JOIN "c" ON "c"."x" = "a"."x""#)
    );
    let full =
        SelectQuery::parse("SELECT COUNT(*) FROM a FULL JOIN b ON a.id = b.id").expect("parses");
    let pg = r#"SELECT COUNT(*) FROM "a" FULL OUTER JOIN "b" ON "a"."id" = "b"."id""#;
    assert_eq!(full.to_sql(Dialect::Postgres).expect("renders"), pg);
    assert_eq!(full.to_sql(Dialect::Sqlite).expect("renders"), pg);
    match full.to_sql(Dialect::Mysql) {
        Err(Error::Unsupported {
            dialect,
            operation,
            hint,
        }) => {
            assert_eq!(dialect, Dialect::Mysql);
            assert_eq!(
                operation,
                "FULL JOIN of `b` (in query `SELECT COUNT(*) FROM a FULL JOIN b ON a.id = b.id`)"
            );
            assert!(hint.contains("no FULL JOIN"), "{hint}");
        }
        other => panic!("expected Unsupported, got {other:?}"),
    }
}

#[test]
fn in_and_exists_subqueries_in_a_query() {
    assert_eq!(
        q(
            "SELECT MAX(x) FROM t WHERE x IN (SELECT y FROM u WHERE u.z = 'q') AND NOT EXISTS (SELECT 1 FROM v WHERE v.t_id = t.id)"
        ),
        same(
            r#"SELECT MAX("x") FROM "t" WHERE "x" IN (SELECT "y" FROM "u" WHERE "u"."z" = 'q') AND (NOT EXISTS(SELECT 1 FROM "v" WHERE "v"."t_id" = "t"."id"))"#
        )
    );
}

#[test]
fn subqueries_in_expressions() {
    assert_eq!(
        e("NOT EXISTS (SELECT 1 FROM profile_links l WHERE l.profile_id = profiles.id)"),
        same(
            r#"NOT EXISTS(SELECT 1 FROM "profile_links" AS "l" WHERE "l"."profile_id" = "profiles"."id")"#
        )
    );
    assert_eq!(
        e("id IN (SELECT user_id FROM banned)"),
        same(r#""id" IN (SELECT "user_id" FROM "banned")"#)
    );
    assert_eq!(
        e("(SELECT name FROM users u WHERE u.id = owner_id ORDER BY u.created_at DESC LIMIT 1)"),
        same(
            r#"(SELECT "name" FROM "users" AS "u" WHERE "u"."id" = "owner_id" ORDER BY "u"."created_at" DESC LIMIT 1)"#
        )
    );
}

struct TempPlan(PathBuf);

impl TempPlan {
    fn new(text: &str) -> TempPlan {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let dir =
            std::env::temp_dir().join(format!("cutover-query-golden-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("create plan dir");
        std::fs::write(dir.join("0001_media.toml"), text).expect("write plan");
        TempPlan(dir)
    }

    fn load(&self) -> Plan {
        Plan::load(&self.0).unwrap_or_else(|e| panic!("plan does not load: {e}"))
    }
}

impl Drop for TempPlan {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

const MEDIA: &str = r#"
description = "links of profiles into deduplicated media"
[[steps]]
op = "create_table"
table = "profiles"
columns = [
  { name = "id", type = "bigint", primary_key = true },
  { name = "user_id", type = "bigint", nullable = false },
  { name = "social_links", type = "json" },
]
[[steps]]
op = "create_table"
table = "media"
columns = [
  { name = "id", type = "bigint", primary_key = true, identity = true },
  { name = "owner_id", type = "bigint", nullable = false },
  { name = "url", type = "varchar(255)", nullable = false },
]
unique = [{ columns = ["owner_id", "url"] }]
[[steps]]
op = "create_table"
table = "profile_media"
primary_key = ["profile_id", "position"]
columns = [
  { name = "profile_id", type = "bigint" },
  { name = "position", type = "integer" },
  { name = "media_id", type = "bigint", nullable = false },
]
[[steps]]
op = "backfill"
id = "profile_media"
table = "profiles"
insert_into = "profile_media"
explode = { column = "social_links", as = "link" }
values.profile_id = "profiles.id"
values.position = "link.position"
values.media_id = "(SELECT m.id FROM media m WHERE m.owner_id = profiles.user_id AND m.url = link.text)"

[[checks]]
name = "every link has its media"
query = "SELECT COUNT(*) FROM profile_media pm LEFT JOIN media m ON m.id = pm.media_id WHERE m.id IS NULL"
expect = 0
"#;

#[test]
fn an_insert_select_looks_up_ids_through_a_correlated_subquery() {
    let tmp = TempPlan::new(MEDIA);
    let plan = tmp.load();
    let got: Vec<String> = ALL
        .iter()
        .map(|d| {
            let rendered = render_plan(&plan, *d, &RenderOptions::default()).expect("renders");
            rendered[0]
                .statements
                .last()
                .expect("a statement")
                .sql
                .clone()
        })
        .collect();
    assert_eq!(
        got,
        [
            r#"INSERT INTO "profile_media" ("profile_id", "position", "media_id") SELECT "profiles"."id", "link"."position", (SELECT "m"."id" FROM "media" AS "m" WHERE "m"."owner_id" = "profiles"."user_id" AND "m"."url" = (("link"."value" #>> '{}'))) FROM "profiles" CROSS JOIN LATERAL jsonb_array_elements(CASE WHEN jsonb_typeof("profiles"."social_links") = 'array' THEN "profiles"."social_links" ELSE '[]'::jsonb END) WITH ORDINALITY AS "link"("value", "position")"#,
            r#"INSERT INTO `profile_media` (`profile_id`, `position`, `media_id`) SELECT * FROM (SELECT `profiles`.`id`, `link`.`position`, (SELECT `m`.`id` FROM `media` AS `m` WHERE `m`.`owner_id` = `profiles`.`user_id` AND (`m`.`url` = (CONVERT((CASE WHEN JSON_TYPE(`link`.`value`) = 'NULL' THEN NULL ELSE JSON_UNQUOTE(`link`.`value`) END) USING utf8mb4) COLLATE utf8mb4_bin) AND (CAST(CONVERT(`m`.`url` USING utf8mb4) AS BINARY)) = (CAST(CONVERT((CASE WHEN JSON_TYPE(`link`.`value`) = 'NULL' THEN NULL ELSE JSON_UNQUOTE(`link`.`value`) END) USING utf8mb4) AS BINARY)))) FROM `profiles` CROSS JOIN JSON_TABLE(CASE WHEN JSON_TYPE(`profiles`.`social_links`) = 'ARRAY' THEN `profiles`.`social_links` ELSE '[]' END, '$[*]' COLUMNS (`position` FOR ORDINALITY, `value` JSON PATH '$')) AS `link`) AS cutover_rows"#,
            r#"INSERT INTO "profile_media" ("profile_id", "position", "media_id") SELECT "profiles"."id", ("link"."key" + 1), (SELECT "m"."id" FROM "media" AS "m" WHERE "m"."owner_id" = "profiles"."user_id" AND "m"."url" = ((CASE "link"."type" WHEN 'null' THEN NULL WHEN 'true' THEN 'true' WHEN 'false' THEN 'false' ELSE CAST("link"."value" AS TEXT) END))) FROM "profiles" CROSS JOIN json_each(CASE WHEN json_type("profiles"."social_links") = 'array' THEN "profiles"."social_links" ELSE '[]' END) AS "link""#,
        ]
    );
    let check = &plan.migrations[0].checks[0].item;
    assert_eq!(
        ALL.map(|d| check_query(check, d).expect("renders")),
        same(
            r#"SELECT COUNT(*) FROM "profile_media" AS "pm" LEFT JOIN "media" AS "m" ON "m"."id" = "pm"."media_id" WHERE "m"."id" IS NULL"#
        )
    );
}

#[test]
fn a_subquery_reports_the_tables_and_columns_it_reads() {
    let e = Expression::parse(
        "id IN (SELECT l.profile_id FROM links l JOIN (SELECT owner_id FROM media) d ON d.owner_id = l.user_id WHERE l.url = profiles.url)",
    )
    .expect("parses");
    assert_eq!(e.tables(), ["links", "media"]);
    let columns: Vec<String> = e.columns().iter().map(ToString::to_string).collect();
    assert_eq!(
        columns,
        [
            "id",
            "owner_id",
            "l.profile_id",
            "d.owner_id",
            "l.user_id",
            "l.url",
            "profiles.url"
        ]
    );
}
