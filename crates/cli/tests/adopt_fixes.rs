//! Red-team findings on `cutover import --from` (issue 15), each run on the databases it
//! concerns: the imported statements are the ones `up` runs (routine bodies, rules and
//! MySQL `DELIMITER` scripts stay whole), a byte order mark and an outer `BEGIN; ...
//! COMMIT;` wrapper do not reach the database.

mod adopt_support;
mod common;

use adopt_support::{Scratch, import};
use cutover_cli::connect::connect;
use cutover_tests::{for_each_backend, snapshot};

fn run_ok(dir: &std::path::Path, args: &[&str]) -> String {
    let out = common::run(dir, args);
    let text = common::text(&out);
    assert_eq!(out.status.code(), Some(0), "cutover {args:?}: {text}");
    text
}

/// A body that the old import splitter cut apart, per dialect, and the rows of `t` (and of
/// `log` on PostgreSQL) once it ran.
fn compound(dialect: &str) -> (&'static str, &'static [&'static str]) {
    match dialect {
        "postgres" => (
            "CREATE TABLE log (id int);\n\
             CREATE RULE r AS ON INSERT TO t DO ALSO (INSERT INTO log VALUES (NEW.id); INSERT INTO log VALUES (NEW.id + 100));\n\
             INSERT INTO t VALUES (5, 'p');\n",
            &["1|a;b", "5|p"],
        ),
        "mysql" => (
            "DELIMITER //\n\
             CREATE PROCEDURE bump(x int)\nBEGIN\n  IF x > 0 THEN\n    INSERT INTO t VALUES (x, 'p');\n  END IF;\n  \
             lbl: WHILE x > 100 DO\n    SET x = x - 1;\n  END WHILE lbl;\n  UPDATE t SET v = 'q' WHERE id = 1;\nEND //\n\
             DELIMITER ;\nCALL bump(5);\n",
            &["1|q", "5|p"],
        ),
        _ => (
            "CREATE TRIGGER big AFTER INSERT ON t BEGIN\n  \
             UPDATE t SET v = CASE WHEN NEW.id > 1 THEN 'big' ELSE v END WHERE id = NEW.id;\nEND;\n\
             INSERT INTO t VALUES (5, 'p');\n",
            &["1|a;b", "5|big"],
        ),
    }
}

#[tokio::test]
async fn imported_scripts_run_as_written_bom_and_outer_transaction_dropped() {
    for_each_backend(|db| async move {
        let dialect = db.backend().name();
        let src = Scratch::new("fix-split-src");
        let out = Scratch::new("fix-split-plan");
        let plan_dir = out.join("migrations");
        std::fs::write(
            src.join("1_t.up.sql"),
            "\u{feff}BEGIN;\nCREATE TABLE t (id int PRIMARY KEY, v varchar(20));\nINSERT INTO t VALUES (1, 'a;b');\nCOMMIT;\n",
        )
        .expect("write");
        std::fs::write(src.join("1_t.down.sql"), "BEGIN;\nDROP TABLE t;\nCOMMIT;\n").expect("write");
        let (body, want) = compound(dialect);
        std::fs::write(src.join("2_body.up.sql"), body).expect("write");
        let o = import("golang-migrate", &src.0, &plan_dir, dialect);
        assert_eq!(o.status.code(), Some(0), "{}", common::text(&o));
        let first = std::fs::read_to_string(plan_dir.join("1_t.toml")).expect("plan file");
        assert!(!first.contains("BEGIN") && !first.contains("COMMIT"), "{first}");
        assert!(!first.contains('\u{feff}'), "{first}");
        let second = std::fs::read_to_string(plan_dir.join("2_body.toml")).expect("plan file");
        assert!(!second.contains("DELIMITER"), "{second}");

        let plan = plan_dir.to_str().expect("utf8");
        run_ok(&out.0, &["up", "--database", db.url(), "--plan", plan]);
        let mut b = connect(db.url()).await.expect("connect");
        assert_eq!(snapshot::rows(b.as_mut(), "t").await, want);
        if dialect == "postgres" {
            assert_eq!(snapshot::rows(b.as_mut(), "log").await, ["5", "105"]);
        }
        b.close().await.expect("close");

        // Transaction control that is not an outer wrapper is refused at its line.
        std::fs::write(src.join("3_mid.up.sql"), "CREATE TABLE u (id int);\nCOMMIT;\nCREATE TABLE w (id int);\n")
            .expect("write");
        let o = import("golang-migrate", &src.0, &out.join("again"), dialect);
        let text = common::text(&o);
        assert_ne!(o.status.code(), Some(0), "{text}");
        assert!(text.contains("3_mid.up.sql:2") && text.contains("transaction control"), "{text}");
    })
    .await;
}

#[tokio::test]
async fn up_refuses_a_migration_imported_for_another_database() {
    for_each_backend(|db| async move {
        let dialect = db.backend().name();
        let other = if dialect == "postgres" {
            "mysql"
        } else {
            "postgres"
        };
        let src = Scratch::new("fix-dialect-src");
        let out = Scratch::new("fix-dialect-plan");
        let plan_dir = out.join("migrations");
        std::fs::write(src.join("1_t.up.sql"), "CREATE TABLE t (id int);\n").expect("write");
        let o = import("golang-migrate", &src.0, &plan_dir, other);
        assert_eq!(o.status.code(), Some(0), "{}", common::text(&o));
        let plan = plan_dir.to_str().expect("utf8");
        let o = common::run(&out.0, &["up", "--database", db.url(), "--plan", plan]);
        let text = common::text(&o);
        assert_ne!(o.status.code(), Some(0), "{text}");
        assert!(
            text.contains("plan/no-sql-for-dialect") && text.contains("runs nothing on"),
            "{text}"
        );
        let mut b = connect(db.url()).await.expect("connect");
        assert_eq!(snapshot::tables(b.as_mut()).await, Vec::<String>::new());
        b.close().await.expect("close");
    })
    .await;
}

#[test]
fn import_refuses_a_dialect_the_prisma_folder_contradicts() {
    let src = Scratch::new("fix-prisma-src");
    let out = Scratch::new("fix-prisma-plan");
    std::fs::write(
        src.join("migration_lock.toml"),
        "provider = \"postgresql\"\n",
    )
    .expect("write");
    std::fs::create_dir_all(src.join("20240101000000_init")).expect("mkdir");
    std::fs::write(
        src.join("20240101000000_init/migration.sql"),
        "CREATE TABLE t (id int);\n",
    )
    .expect("write");
    let plan = out.join("migrations");
    let args = [
        "import",
        "--from",
        "prisma",
        src.0.to_str().expect("utf8"),
        "--dialect",
        "mysql",
        "--plan",
        plan.to_str().expect("utf8"),
    ];
    let o = common::run(&src.0, &args);
    let text = common::text(&o);
    assert_ne!(o.status.code(), Some(0), "{text}");
    assert!(
        text.contains("migration_lock.toml") && text.contains("pass --dialect postgres"),
        "{text}"
    );
    assert!(!out.join("migrations").exists());
}

#[tokio::test]
async fn up_refuses_and_status_warns_on_a_database_another_tool_migrated() {
    for_each_backend(|db| async move {
        let out = Scratch::new("fix-foreign-plan");
        let plan_dir = out.join("migrations");
        std::fs::create_dir_all(&plan_dir).expect("mkdir");
        std::fs::write(
            plan_dir.join("20240101000000_t.toml"),
            "description = \"t\"\n[[steps]]\nop = \"sql\"\nsql = \"INSERT INTO t VALUES (1)\"\n",
        )
        .expect("write");
        let mut b = connect(db.url()).await.expect("connect");
        // What dbmate left: its table, the migration's table and row.
        b.execute("CREATE TABLE schema_migrations (version varchar(128) PRIMARY KEY)")
            .await
            .expect("ddl");
        b.execute("INSERT INTO schema_migrations VALUES ('20240101000000')")
            .await
            .expect("row");
        b.execute("CREATE TABLE t (id int)").await.expect("ddl");
        b.execute("INSERT INTO t VALUES (1)").await.expect("row");
        let plan = plan_dir.to_str().expect("utf8");

        let o = common::run(&out.0, &["status", "--database", db.url(), "--plan", plan]);
        let text = common::text(&o);
        assert!(
            text.contains("`schema_migrations` (dbmate or golang-migrate)")
                && text.contains("baseline --from-history"),
            "{text}"
        );

        let o = common::run(&out.0, &["up", "--database", db.url(), "--plan", plan]);
        let text = common::text(&o);
        assert_ne!(o.status.code(), Some(0), "{text}");
        assert!(
            text.contains("baseline --from-history") && text.contains("--ignore-foreign-history"),
            "{text}"
        );
        assert_eq!(
            snapshot::rows(b.as_mut(), "t").await,
            ["1"],
            "nothing ran twice"
        );

        run_ok(
            &out.0,
            &[
                "up",
                "--database",
                db.url(),
                "--plan",
                plan,
                "--ignore-foreign-history",
            ],
        );
        assert_eq!(
            snapshot::rows(b.as_mut(), "t").await,
            ["1", "1"],
            "the flag runs the plan"
        );
        b.close().await.expect("close");
    })
    .await;
}

#[tokio::test]
async fn drift_leaves_out_another_tools_history_table() {
    for_each_backend(|db| async move {
        let out = Scratch::new("fix-drift-plan");
        let plan_dir = out.join("migrations");
        std::fs::create_dir_all(&plan_dir).expect("mkdir");
        std::fs::write(
            plan_dir.join("0001_items.toml"),
            "description = \"items\"\n[[steps]]\nop = \"create_table\"\ntable = \"items\"\ncolumns = [{ name = \"id\", type = \"bigint\", primary_key = true }]\n",
        )
        .expect("write");
        let mut b = connect(db.url()).await.expect("connect");
        b.execute("CREATE TABLE flyway_schema_history (installed_rank int PRIMARY KEY)").await.expect("ddl");
        b.close().await.expect("close");
        let plan = plan_dir.to_str().expect("utf8");
        run_ok(&out.0, &["up", "--database", db.url(), "--plan", plan, "--ignore-foreign-history"]);
        let o = common::run(&out.0, &["drift", "--database", db.url(), "--plan", plan]);
        let text = common::text(&o);
        assert_eq!(o.status.code(), Some(0), "{text}");
        assert!(!text.contains("flyway_schema_history"), "{text}");
    })
    .await;
}
