//! Golden SQL of JSON arrays as rows (`json_each(json) AS a` in FROM and joins, also in
//! subqueries), of `json_type`, and of the `delete_rows` step, per dialect: PostgreSQL,
//! MySQL/MariaDB, SQLite.

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};

use cutover_core::Dialect;
use cutover_core::expr::{Expression, SelectQuery};
use cutover_core::plan::Plan;
use cutover_core::render::{RenderOptions, render_plan};

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

#[test]
fn join_without_on_pairs_each_row_with_its_elements() {
    assert_eq!(
        q(
            "SELECT COUNT(*) FROM messages m JOIN json_each(m.attachments) AS a WHERE json_text(a.value, 'type') IS NULL"
        ),
        [
            r##"SELECT COUNT(*) FROM "messages" AS "m" CROSS JOIN LATERAL (SELECT "value", "ordinality" AS "position" FROM jsonb_array_elements((CASE WHEN (jsonb_typeof("m"."attachments") = 'array') THEN "m"."attachments" END)) WITH ORDINALITY) AS "a" WHERE (("a"."value") ->> 'type') IS NULL"##,
            r##"SELECT COUNT(*) FROM `messages` AS `m` CROSS JOIN JSON_TABLE(`m`.`attachments`, '$[*]' COLUMNS (`position` FOR ORDINALITY, `value` JSON PATH '$')) AS `a` WHERE (CASE WHEN (JSON_TYPE(JSON_EXTRACT(`a`.`value`, '$.\"type\"')) = 'NULL') THEN NULL ELSE JSON_UNQUOTE(JSON_EXTRACT(`a`.`value`, '$.\"type\"')) END) IS NULL"##,
            r##"SELECT COUNT(*) FROM "messages" AS "m" CROSS JOIN json_each((CASE WHEN (json_type("m"."attachments") = 'array') THEN "m"."attachments" END)) AS "a" WHERE (((CASE WHEN "a"."type" IN ('object', 'array') THEN json("a"."value") WHEN "a"."type" IN ('true', 'false') THEN json("a"."type") ELSE json_quote("a"."value") END)) ->> '$."type"') IS NULL"##,
        ]
    );
}

#[test]
fn left_join_keeps_rows_without_elements() {
    assert_eq!(
        q(
            "SELECT COUNT(*) FROM messages m LEFT JOIN json_each(m.attachments) AS a WHERE a.position IS NULL"
        ),
        [
            r##"SELECT COUNT(*) FROM "messages" AS "m" LEFT JOIN LATERAL (SELECT "value", "ordinality" AS "position" FROM jsonb_array_elements((CASE WHEN (jsonb_typeof("m"."attachments") = 'array') THEN "m"."attachments" END)) WITH ORDINALITY) AS "a" ON TRUE WHERE ("a"."position") IS NULL"##,
            r##"SELECT COUNT(*) FROM `messages` AS `m` LEFT JOIN JSON_TABLE(`m`.`attachments`, '$[*]' COLUMNS (`position` FOR ORDINALITY, `value` JSON PATH '$')) AS `a` ON TRUE WHERE (`a`.`position`) IS NULL"##,
            r##"SELECT COUNT(*) FROM "messages" AS "m" LEFT JOIN json_each((CASE WHEN (json_type("m"."attachments") = 'array') THEN "m"."attachments" END)) AS "a" ON TRUE WHERE (("a"."key" + 1)) IS NULL"##,
        ]
    );
    assert_eq!(
        q(
            "SELECT COUNT(*) FROM messages m LEFT JOIN json_each(m.attachments) AS a ON a.position = 1 WHERE a.text IS NULL"
        ),
        [
            r##"SELECT COUNT(*) FROM "messages" AS "m" LEFT JOIN LATERAL (SELECT "value", "ordinality" AS "position" FROM jsonb_array_elements((CASE WHEN (jsonb_typeof("m"."attachments") = 'array') THEN "m"."attachments" END)) WITH ORDINALITY) AS "a" ON ("a"."position") = 1 WHERE (("a"."value" #>> '{}')) IS NULL"##,
            r##"SELECT COUNT(*) FROM `messages` AS `m` LEFT JOIN JSON_TABLE(`m`.`attachments`, '$[*]' COLUMNS (`position` FOR ORDINALITY, `value` JSON PATH '$')) AS `a` ON (`a`.`position`) = 1 WHERE ((CASE WHEN JSON_TYPE(`a`.`value`) = 'NULL' THEN NULL ELSE JSON_UNQUOTE(`a`.`value`) END)) IS NULL"##,
            r##"SELECT COUNT(*) FROM "messages" AS "m" LEFT JOIN json_each((CASE WHEN (json_type("m"."attachments") = 'array') THEN "m"."attachments" END)) AS "a" ON (("a"."key" + 1)) = 1 WHERE ((CASE "a"."type" WHEN 'null' THEN NULL WHEN 'true' THEN 'true' WHEN 'false' THEN 'false' ELSE CAST("a"."value" AS TEXT) END)) IS NULL"##,
        ]
    );
}

#[test]
fn comma_and_cross_join_with_more_joins() {
    let comma =
        q("SELECT SUM(a.position) FROM messages m, json_each(m.attachments) a WHERE a.text = 'x'");
    assert_eq!(
        comma,
        [
            r##"SELECT SUM("a"."position") FROM "messages" AS "m" CROSS JOIN LATERAL (SELECT "value", "ordinality" AS "position" FROM jsonb_array_elements((CASE WHEN (jsonb_typeof("m"."attachments") = 'array') THEN "m"."attachments" END)) WITH ORDINALITY) AS "a" WHERE (("a"."value" #>> '{}')) = 'x'"##,
            r##"SELECT SUM(`a`.`position`) FROM `messages` AS `m` CROSS JOIN JSON_TABLE(`m`.`attachments`, '$[*]' COLUMNS (`position` FOR ORDINALITY, `value` JSON PATH '$')) AS `a` WHERE ((CASE WHEN JSON_TYPE(`a`.`value`) = 'NULL' THEN NULL ELSE JSON_UNQUOTE(`a`.`value`) END)) = 'x'"##,
            r##"SELECT SUM(("a"."key" + 1)) FROM "messages" AS "m" CROSS JOIN json_each((CASE WHEN (json_type("m"."attachments") = 'array') THEN "m"."attachments" END)) AS "a" WHERE ((CASE "a"."type" WHEN 'null' THEN NULL WHEN 'true' THEN 'true' WHEN 'false' THEN 'false' ELSE CAST("a"."value" AS TEXT) END)) = 'x'"##,
        ]
    );
    assert_eq!(
        q(
            "SELECT COUNT(*) FROM messages m CROSS JOIN json_each(m.attachments) AS a JOIN conversations c ON c.id = m.conversation_id"
        )[2],
        r##"SELECT COUNT(*) FROM "messages" AS "m" CROSS JOIN json_each((CASE WHEN (json_type("m"."attachments") = 'array') THEN "m"."attachments" END)) AS "a" INNER JOIN "conversations" AS "c" ON "c"."id" = "m"."conversation_id""##
    );
}

#[test]
fn json_each_in_a_correlated_subquery() {
    assert_eq!(
        e(
            "NOT EXISTS (SELECT 1 FROM json_each(attachments) AS a WHERE json_text(a.value, 'source') = 'legacy')"
        ),
        [
            r##"NOT EXISTS(SELECT 1 FROM LATERAL (SELECT "value", "ordinality" AS "position" FROM jsonb_array_elements((CASE WHEN (jsonb_typeof("attachments") = 'array') THEN "attachments" END)) WITH ORDINALITY) AS "a" WHERE (("a"."value") ->> 'source') = 'legacy')"##,
            r##"NOT EXISTS(SELECT 1 FROM JSON_TABLE(`attachments`, '$[*]' COLUMNS (`position` FOR ORDINALITY, `value` JSON PATH '$')) AS `a` WHERE (CASE WHEN (JSON_TYPE(JSON_EXTRACT(`a`.`value`, '$.\"source\"')) = 'NULL') THEN NULL ELSE JSON_UNQUOTE(JSON_EXTRACT(`a`.`value`, '$.\"source\"')) END) = 'legacy')"##,
            r##"NOT EXISTS(SELECT 1 FROM json_each((CASE WHEN (json_type("attachments") = 'array') THEN "attachments" END)) AS "a" WHERE (((CASE WHEN "a"."type" IN ('object', 'array') THEN json("a"."value") WHEN "a"."type" IN ('true', 'false') THEN json("a"."type") ELSE json_quote("a"."value") END)) ->> '$."source"') = 'legacy')"##,
        ]
    );
}

#[test]
fn an_alias_of_a_subquery_shadows_the_outer_json_rows() {
    // Inside the subquery `a` is the table `attachments_log`, not the outer elements.
    let got = q(
        "SELECT COUNT(*) FROM messages m JOIN json_each(m.attachments) AS a WHERE EXISTS (SELECT 1 FROM attachments_log a WHERE a.value = 1)",
    );
    assert!(
        got[2].ends_with(
            r#"WHERE EXISTS(SELECT 1 FROM "attachments_log" AS "a" WHERE "a"."value" = 1)"#
        ),
        "{}",
        got[2]
    );
}

#[test]
fn json_type_has_one_vocabulary() {
    assert_eq!(
        e("json_type(attachments) = 'array'"),
        [
            r##"jsonb_typeof("attachments") = 'array'"##,
            r##"(CASE WHEN (JSON_TYPE(`attachments`) IN ('INTEGER', 'UNSIGNED INTEGER', 'DOUBLE', 'DECIMAL')) THEN 'number' ELSE LOWER(JSON_TYPE(`attachments`)) END) = 'array'"##,
            r##"(CASE WHEN (json_type("attachments") IN ('true', 'false')) THEN 'boolean' WHEN (json_type("attachments") IN ('integer', 'real')) THEN 'number' WHEN (json_type("attachments") = 'text') THEN 'string' ELSE json_type("attachments") END) = 'array'"##,
        ]
    );
}

struct TempPlan(PathBuf);

impl TempPlan {
    fn new(text: &str) -> TempPlan {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let dir = std::env::temp_dir().join(format!(
            "cutover-json-rows-golden-{}-{n}",
            std::process::id()
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("create plan dir");
        std::fs::write(dir.join("0001_links.toml"), text).expect("write plan");
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

const DELETE: &str = r#"
description = "links"
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
table = "profile_links"
columns = [
  { name = "id", type = "bigint", primary_key = true },
  { name = "user_id", type = "bigint", nullable = false },
  { name = "url", type = "varchar(700)", nullable = false },
]
[[steps]]
op = "delete_rows"
table = "profile_links"
where = "EXISTS (SELECT 1 FROM profiles p JOIN json_each(p.social_links) AS l WHERE p.user_id = profile_links.user_id AND json_text(l.value, 'url') = profile_links.url)"
"#;

#[test]
fn delete_rows_is_one_delete_statement() {
    let tmp = TempPlan::new(DELETE);
    let plan = tmp.load();
    let got = ALL.map(|d| {
        let rendered = render_plan(&plan, d, &RenderOptions::default()).expect("renders");
        rendered[0]
            .statements
            .last()
            .expect("a statement")
            .sql
            .clone()
    });
    assert_eq!(
        got,
        [
            r##"DELETE FROM "profile_links" WHERE EXISTS(SELECT 1 FROM "profiles" AS "p" CROSS JOIN LATERAL (SELECT "value", "ordinality" AS "position" FROM jsonb_array_elements((CASE WHEN (jsonb_typeof("p"."social_links") = 'array') THEN "p"."social_links" END)) WITH ORDINALITY) AS "l" WHERE "p"."user_id" = "profile_links"."user_id" AND (("l"."value") ->> 'url') = "profile_links"."url")"##,
            r##"DELETE FROM `profile_links` WHERE EXISTS(SELECT 1 FROM `profiles` AS `p` CROSS JOIN JSON_TABLE(`p`.`social_links`, '$[*]' COLUMNS (`position` FOR ORDINALITY, `value` JSON PATH '$')) AS `l` WHERE `p`.`user_id` = `profile_links`.`user_id` AND ((CONVERT((CASE WHEN (JSON_TYPE(JSON_EXTRACT(`l`.`value`, '$.\"url\"')) = 'NULL') THEN NULL ELSE JSON_UNQUOTE(JSON_EXTRACT(`l`.`value`, '$.\"url\"')) END) USING utf8mb4) COLLATE utf8mb4_bin) = `profile_links`.`url` AND (CAST(CONVERT((CASE WHEN (JSON_TYPE(JSON_EXTRACT(`l`.`value`, '$.\"url\"')) = 'NULL') THEN NULL ELSE JSON_UNQUOTE(JSON_EXTRACT(`l`.`value`, '$.\"url\"')) END) USING utf8mb4) AS BINARY)) = (CAST(CONVERT(`profile_links`.`url` USING utf8mb4) AS BINARY))))"##,
            r##"DELETE FROM "profile_links" WHERE EXISTS(SELECT 1 FROM "profiles" AS "p" CROSS JOIN json_each((CASE WHEN (json_type("p"."social_links") = 'array') THEN "p"."social_links" END)) AS "l" WHERE "p"."user_id" = "profile_links"."user_id" AND (((CASE WHEN "l"."type" IN ('object', 'array') THEN json("l"."value") WHEN "l"."type" IN ('true', 'false') THEN json("l"."type") ELSE json_quote("l"."value") END)) ->> '$."url"') = "profile_links"."url")"##,
        ]
    );
    let step = &plan.migrations[0].steps[2].item;
    assert_eq!(
        step.destruction(&Default::default(), None).as_deref(),
        Some(
            "deletes the rows of \"profile_links\" where EXISTS (SELECT 1 FROM profiles p JOIN json_each(p.social_links) AS l WHERE p.user_id = profile_links.user_id AND json_text(l.value, 'url') = profile_links.url)"
        )
    );
}
