//! `cutover baseline --from-history`: on a database another tool migrated (its history table
//! created with the tool's DDL and filled as the tool fills it, its first two migrations
//! applied with raw SQL), cutover finds the tool, marks exactly those two migrations of the
//! plan as baselined (`--dry-run` first, which writes nothing), `status` shows them and
//! `up` runs only the third. For sqlx, refinery, Flyway, dbmate, golang-migrate, Prisma
//! (plans imported from their folders), sea-orm and Alembic (plans written by hand), on
//! PostgreSQL, MySQL/MariaDB and SQLite. Failed or dirty histories, versions the plan lacks
//! and two tools' tables are refused with nothing written.

mod adopt_support;
mod common;

use adopt_support::{
    FOLDER_TOOLS, SQLX_CHECKSUMS, Scratch, TABLES, UP_STATEMENTS, flyway_row, has_down,
    history_ddl, history_rows, import, versions, write_hand_plan, write_layout,
};
use cutover_cli::connect::connect;
use cutover_tests::{Backend, for_each_backend, snapshot};
use serde_json::Value;

/// A plan for `tool` in `dir/migrations`: imported from its folder, or written by hand.
fn plan_for(tool: &str, dir: &Scratch, dialect: &str) -> String {
    let plan = dir.join("migrations");
    if FOLDER_TOOLS.contains(&tool) {
        let src = dir.join("src");
        std::fs::create_dir_all(&src).expect("mkdir");
        write_layout(tool, &src);
        let out = import(tool, &src, &plan, dialect);
        assert_eq!(out.status.code(), Some(0), "{tool}: {}", common::text(&out));
    } else {
        std::fs::create_dir_all(&plan).expect("mkdir");
        write_hand_plan(tool, &plan);
    }
    plan.to_str().expect("utf8").to_string()
}

/// Creates `tool`'s history table and applies its first `ran` migrations as the tool would.
async fn migrate_with_tool(url: &str, backend: Backend, tool: &str, ran: usize) {
    let mut b = connect(url).await.expect("connect");
    for sql in history_ddl(tool, backend) {
        b.execute(&sql)
            .await
            .unwrap_or_else(|e| panic!("{tool}: {sql}: {e}"));
    }
    for stmts in &UP_STATEMENTS[..ran] {
        for sql in stmts.iter() {
            b.execute(sql)
                .await
                .unwrap_or_else(|e| panic!("{sql}: {e}"));
        }
    }
    for sql in history_rows(tool, backend, ran) {
        b.execute(&sql)
            .await
            .unwrap_or_else(|e| panic!("{tool}: {sql}: {e}"));
    }
    b.close().await.expect("close");
}

/// `cutover status --json`: (version, state) of every migration.
fn states(dir: &Scratch, url: &str, plan: &str) -> Vec<(String, String)> {
    let out = common::run(
        &dir.0,
        &["status", "--json", "--database", url, "--plan", plan],
    );
    assert_eq!(out.status.code(), Some(0), "{}", common::text(&out));
    let doc: Value = common::json(&out);
    doc["status"]["migrations"]
        .as_array()
        .expect("migrations")
        .iter()
        .map(|m| {
            (
                m["version"]["text"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string(),
                m["state"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

async fn has_history(url: &str) -> bool {
    let mut b = connect(url).await.expect("connect");
    let found = b
        .table_exists("cutover_history")
        .await
        .expect("list tables");
    b.close().await.expect("close");
    found
}

#[tokio::test]
async fn each_tools_history_marks_exactly_what_it_ran() {
    for_each_backend(|db| async move {
        for tool in [
            "sqlx",
            "dbmate",
            "golang-migrate",
            "flyway",
            "refinery",
            "prisma",
            "sea-orm",
            "alembic",
        ] {
            // A fresh database per tool: `schema_migrations` is dbmate's and golang-migrate's.
            let fresh = cutover_tests::TestDb::create(db.backend()).await;
            let url = fresh.url().to_string();
            let dir = Scratch::new(&format!("history-{tool}"));
            let plan = plan_for(tool, &dir, db.backend().name());
            migrate_with_tool(&url, db.backend(), tool, 2).await;
            let v = versions(tool);

            let base = [
                "baseline",
                "--from-history",
                "--database",
                &url,
                "--plan",
                &plan,
            ];
            let dry = common::run(&dir.0, &[&base[..], &["--dry-run"]].concat());
            let text = common::text(&dry);
            assert_eq!(dry.status.code(), Some(0), "{tool}: {text}");
            assert!(
                text.contains(&format!("would baseline 2 migrations: {}, {}", v[0], v[1]))
                    && text.contains(&format!("`cutover up` runs them): {}", v[2])),
                "{tool}: {text}"
            );
            assert!(!has_history(&url).await, "{tool}: --dry-run wrote nothing");

            let out = common::run(&dir.0, &[&base[..], &["--json"]].concat());
            let text = common::text(&out);
            assert_eq!(out.status.code(), Some(0), "{tool}: {text}");
            let doc: Value = common::json(&out);
            assert_eq!(doc["tool"], tool, "{text}");
            let marked: Vec<&str> = doc["baselined"]
                .as_array()
                .expect("baselined")
                .iter()
                .filter_map(|v| v["text"].as_str())
                .collect();
            assert_eq!(marked, [v[0], v[1]], "{tool}: {text}");
            // sqlx's, Flyway's and Prisma's own checksums match the ones import noted.
            assert_eq!(doc["changed"], serde_json::json!([]), "{tool}: {text}");
            if tool == "flyway" {
                assert!(
                    doc["ignored"][0]
                        .as_str()
                        .unwrap_or("")
                        .contains("repeatable"),
                    "{text}"
                );
            }
            let s = |state: &str, i: usize| (v[i].to_string(), state.to_string());
            assert_eq!(
                states(&dir, &url, &plan),
                [s("baselined", 0), s("baselined", 1), s("pending", 2)],
                "{tool}"
            );

            // `up` runs only the third: the first two would fail (their tables exist).
            let up = common::run(&dir.0, &["up", "--database", &url, "--plan", &plan]);
            assert_eq!(up.status.code(), Some(0), "{tool}: {}", common::text(&up));
            assert_eq!(
                states(&dir, &url, &plan),
                [s("baselined", 0), s("baselined", 1), s("applied", 2)],
                "{tool}"
            );
            let mut b = connect(&url).await.expect("connect");
            let tables = snapshot::tables(b.as_mut()).await;
            for t in TABLES {
                assert!(
                    tables.iter().any(|x| x == t),
                    "{tool}: {t} missing from {tables:?}"
                );
            }
            b.close().await.expect("close");

            // Running it again marks nothing new.
            let again = common::run(&dir.0, &base);
            let text = common::text(&again);
            assert_eq!(again.status.code(), Some(0), "{tool}: {text}");
            assert!(
                text.contains("baselined 0 migrations: none"),
                "{tool}: {text}"
            );
            assert!(
                text.contains(&format!("already recorded by cutover: {}, {}", v[0], v[1])),
                "{tool}: {text}"
            );
            // A migration adopted from the tool's history ran here: its down reverts it.
            if has_down(tool, 1) && has_down(tool, 2) {
                let down = common::run(
                    &dir.0,
                    &["down", "--steps", "2", "--database", &url, "--plan", &plan],
                );
                assert_eq!(
                    down.status.code(),
                    Some(0),
                    "{tool}: {}",
                    common::text(&down)
                );
                assert_eq!(
                    states(&dir, &url, &plan),
                    [s("baselined", 0), s("pending", 1), s("pending", 2)],
                    "{tool}"
                );
                let mut b = connect(&url).await.expect("connect");
                let tables = snapshot::tables(b.as_mut()).await;
                assert!(
                    tables.iter().any(|t| t == TABLES[0]) && !tables.iter().any(|t| t == TABLES[1]),
                    "{tool}: {tables:?}"
                );
                b.close().await.expect("close");
            }
            fresh.drop_db().await;
        }
    })
    .await;
}

/// Runs `baseline --from-history [tool]` and returns (exit code, output).
fn refused(dir: &Scratch, url: &str, plan: &str, tool: Option<&str>) -> (Option<i32>, String) {
    let mut args = vec!["baseline", "--from-history"];
    args.extend(tool);
    args.extend(["--database", url, "--plan", plan]);
    let out = common::run(&dir.0, &args);
    (out.status.code(), common::text(&out))
}

#[tokio::test]
async fn failed_dirty_unknown_and_ambiguous_histories_are_refused() {
    for_each_backend(|db| async move {
        let backend = db.backend();
        let url = db.url().to_string();
        let dir = Scratch::new("refusals");
        let plan = plan_for("sqlx", &dir, backend.name());
        let v = versions("sqlx");
        let mut b = connect(&url).await.expect("connect");
        for sql in history_ddl("sqlx", backend) {
            b.execute(&sql).await.expect("ddl");
        }
        // sqlx: 1 ran from another file than the one imported, 2 failed part-way, and a
        // version the plan does not have.
        for sql in [
            history_rows("sqlx", backend, 1)[0].replace(&SQLX_CHECKSUMS[0][..8], "00000000"),
            history_rows("sqlx", backend, 2)[1].replace("TRUE", "FALSE"),
            history_rows("sqlx", backend, 1)[0].replace(v[0], "20231231000000"),
        ] {
            b.execute(&sql)
                .await
                .unwrap_or_else(|e| panic!("{sql}: {e}"));
        }
        let (code, text) = refused(&dir, &url, &plan, None);
        assert_eq!(code, Some(1), "{text}");
        assert!(
            text.contains("cannot adopt the sqlx history in `_sqlx_migrations`")
                && text.contains(&format!(
                    "{} (orders): sqlx recorded `success = false`",
                    v[1]
                ))
                && text.contains(
                    "20231231000000 (users) ran, but the plan has no migration 20231231000000"
                )
                && text.contains("nothing was marked")
                && !text.contains("recorded checksum"),
            "{text}"
        );
        assert_eq!(
            snapshot::count(b.as_mut(), "SELECT COUNT(*) FROM cutover_history").await,
            0,
            "nothing recorded"
        );
        // Without the failed and the unknown row, it would mark 1, with a warning that its
        // file is not the one sqlx ran.
        b.execute(&format!(
            "DELETE FROM _sqlx_migrations WHERE version <> {}",
            v[0]
        ))
        .await
        .expect("delete");
        let out = common::run(
            &dir.0,
            &[
                "baseline",
                "--from-history",
                "--dry-run",
                "--database",
                &url,
                "--plan",
                &plan,
            ],
        );
        let text = common::text(&out);
        assert_eq!(out.status.code(), Some(0), "{text}");
        assert!(
            text.contains(&format!("would baseline 1 migration: {}", v[0]))
                && text.contains(&format!(
                    "warning: {} (users): sqlx recorded checksum 00000000{}, but ",
                    v[0],
                    &SQLX_CHECKSUMS[0][8..]
                ))
                && text.contains(&format!(
                    "file with checksum {}: the file changed",
                    SQLX_CHECKSUMS[0]
                )),
            "{text}"
        );

        // A second tool's table: auto-detection refuses and names both; naming the tool
        // reads that one.
        for sql in history_ddl("flyway", backend) {
            b.execute(&sql).await.expect("ddl");
        }
        b.execute(&flyway_row(1, Some("1"), "users", "SQL", true, 1))
            .await
            .expect("row");
        let (code, text) = refused(&dir, &url, &plan, None);
        assert_eq!(code, Some(1), "{text}");
        assert!(
            text.contains(
                "several tools: sqlx (`_sqlx_migrations`), flyway (`flyway_schema_history`)"
            ) && text.contains("--from-history TOOL"),
            "{text}"
        );
        let (code, text) = refused(&dir, &url, &plan, Some("flyway"));
        assert_eq!(code, Some(1), "{text}");
        assert!(
            text.contains("1 (users) ran, but the plan has no migration 1"),
            "{text}"
        );

        // golang-migrate: dirty is refused; dbmate named for golang-migrate's table too.
        for sql in history_ddl("golang-migrate", backend) {
            b.execute(&sql).await.expect("ddl");
        }
        b.execute("INSERT INTO schema_migrations (version, dirty) VALUES (20240102000000, TRUE)")
            .await
            .expect("row");
        let (code, text) = refused(&dir, &url, &plan, Some("golang-migrate"));
        assert_eq!(code, Some(1), "{text}");
        assert!(
            text.contains("20240102000000: golang-migrate marked it `dirty`"),
            "{text}"
        );
        let (code, text) = refused(&dir, &url, &plan, Some("dbmate"));
        assert_eq!(code, Some(1), "{text}");
        assert!(
            text.contains("so golang-migrate wrote it, not dbmate"),
            "{text}"
        );
        let (code, text) = refused(&dir, &url, &plan, Some("prisma"));
        assert_eq!(code, Some(1), "{text}");
        assert!(
            text.contains("this database has no table `_prisma_migrations`"),
            "{text}"
        );
        assert_eq!(
            snapshot::count(b.as_mut(), "SELECT COUNT(*) FROM cutover_history").await,
            0,
            "nothing recorded"
        );
        b.close().await.expect("close");
    })
    .await;
}

#[tokio::test]
async fn alembic_head_without_a_plan_migration_is_named() {
    for_each_backend(|db| async move {
        let url = db.url().to_string();
        let dir = Scratch::new("alembic-missing");
        let plan = plan_for("alembic", &dir, db.backend().name());
        let mut b = connect(&url).await.expect("connect");
        for sql in history_ddl("alembic", db.backend()) {
            b.execute(&sql).await.expect("ddl");
        }
        b.execute("INSERT INTO alembic_version (version_num) VALUES ('3f1d2c9e8b7a')")
            .await
            .expect("row");
        b.close().await.expect("close");
        let (code, text) = refused(&dir, &url, &plan, None);
        assert_eq!(code, Some(1), "{text}");
        assert!(
            text.contains(
                "revision 3f1d2c9e8b7a is the database's head, but no plan migration names it"
            ) && text.contains("0003_3f1d2c9e8b7a_add_users.toml"),
            "{text}"
        );
    })
    .await;
}

#[test]
fn dry_run_is_refused_without_from_history() {
    let dir = Scratch::new("dry-run-plain");
    let db = format!("sqlite://{}", dir.join("none.db").display());
    let out = common::run(&dir.0, &["baseline", "--dry-run", "1", "--database", &db]);
    let text = common::text(&out);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(
        text.contains("--dry-run previews `baseline --from-history` only"),
        "{text}"
    );
    assert!(!dir.join("none.db").exists(), "nothing opened");
}

#[tokio::test]
async fn plain_baseline_still_marks_everything_up_to_its_version() {
    for_each_backend(|db| async move {
        let dir = Scratch::new("plain-baseline");
        let plan = plan_for("golang-migrate", &dir, db.backend().name());
        let out = common::run(
            &dir.0,
            &[
                "baseline",
                "000002",
                "--database",
                db.url(),
                "--plan",
                &plan,
            ],
        );
        let text = common::text(&out);
        assert_eq!(out.status.code(), Some(0), "{text}");
        assert!(
            text.contains("baselined 2 migrations: 000001, 000002"),
            "{text}"
        );
        let s = |v: &str, state: &str| (v.to_string(), state.to_string());
        assert_eq!(
            states(&dir, db.url(), &plan),
            [
                s("000001", "baselined"),
                s("000002", "baselined"),
                s("000003", "pending")
            ]
        );
    })
    .await;
}
