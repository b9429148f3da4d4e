//! `import::read_sql_dir` on folders the red team built (issue 15): sub-folders (Flyway and
//! refinery search them, the other tools do not), a byte order mark.

use std::path::{Path, PathBuf};

use cutover_core::Dialect;
use cutover_core::import::{Layout, read_sql_dir};

/// A scratch folder removed on drop.
struct Dir(PathBuf);

impl Dir {
    fn new(what: &str) -> Dir {
        let p = std::env::temp_dir().join(format!(
            "cutover-import-folders-{what}-{}",
            std::process::id()
        ));
        let _ = std::fs::remove_dir_all(&p);
        std::fs::create_dir_all(&p).expect("mkdir");
        Dir(p)
    }

    fn write(&self, rel: &str, text: &str) {
        let p = self.0.join(rel);
        std::fs::create_dir_all(p.parent().unwrap_or(Path::new("."))).expect("mkdir");
        std::fs::write(p, text).expect("write");
    }
}

impl Drop for Dir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[test]
fn flyway_and_refinery_read_sub_folders_in_version_order() {
    for layout in [Layout::Flyway, Layout::Refinery] {
        let d = Dir::new(layout.name());
        d.write("V1__a.sql", "CREATE TABLE a (x int);");
        d.write("sub/V4__d.sql", "CREATE TABLE d (x int);");
        d.write("sub/deeper/V2__b.sql", "CREATE TABLE b (x int);");
        let read = read_sql_dir(&d.0, Some(layout), Dialect::Postgres).expect("read");
        let got: Vec<(String, String)> = read
            .migrations
            .iter()
            .map(|m| (m.version.text.clone(), m.name.clone()))
            .collect();
        assert_eq!(
            got,
            [
                ("1".into(), "a".into()),
                ("2".into(), "b".into()),
                ("4".into(), "d".into())
            ]
        );
        // The same version in two folders is still a duplicate.
        d.write("other/V2__again.sql", "SELECT 1;");
        let e = read_sql_dir(&d.0, Some(layout), Dialect::Postgres)
            .expect_err("duplicate")
            .to_string();
        assert!(e.contains("duplicate version 2"), "{e}");
    }
}

#[test]
fn tools_that_read_only_the_top_refuse_sql_in_sub_folders_naming_each_file() {
    let d = Dir::new("sqlx");
    d.write("1_a.sql", "CREATE TABLE a (x int);");
    d.write("old/2_b.sql", "CREATE TABLE b (x int);");
    d.write("old/x/3_c.sql", "CREATE TABLE c (x int);");
    d.write("notes/readme.txt", "not sql");
    let e = read_sql_dir(&d.0, Some(Layout::Sqlx), Dialect::Postgres)
        .expect_err("refused")
        .to_string();
    assert!(
        e.contains("old/2_b.sql") && e.contains("old/x/3_c.sql"),
        "{e}"
    );
    assert!(!e.contains("readme"), "{e}");
}

#[test]
fn a_byte_order_mark_never_reaches_a_statement() {
    let d = Dir::new("bom");
    d.write(
        "20240101000000_a.sql",
        "\u{feff}-- migrate:up\nCREATE TABLE a (x int);\n-- migrate:down\nDROP TABLE a;\n",
    );
    let read = read_sql_dir(&d.0, Some(Layout::Dbmate), Dialect::Mysql).expect("read");
    assert_eq!(
        read.migrations[0].up.statements[0].sql,
        "CREATE TABLE a (x int)"
    );
    assert_eq!(read.migrations[0].up.statements[0].line, 2);
}

#[test]
fn flyway_callbacks_and_baseline_migrations_are_listed_not_imported() {
    let d = Dir::new("callbacks");
    d.write("V1__a.sql", "CREATE TABLE a (x int);");
    d.write("V2__b.sql", "CREATE TABLE b (x int);");
    d.write(
        "B2__base.sql",
        "CREATE TABLE a (x int);\nCREATE TABLE b (x int);",
    );
    d.write("beforeMigrate.sql", "SELECT 1;");
    d.write("afterMigrate__log.sql", "SELECT 2;");
    let read = read_sql_dir(&d.0, Some(Layout::Flyway), Dialect::Postgres).expect("read");
    let versions: Vec<&str> = read
        .migrations
        .iter()
        .map(|m| m.version.text.as_str())
        .collect();
    assert_eq!(versions, ["1", "2"]);
    let import = read.to_plan_files(Dialect::Postgres).expect("plan files");
    let mut left: Vec<String> = import
        .skipped
        .iter()
        .map(|s| {
            s.source
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default()
        })
        .collect();
    left.sort();
    assert_eq!(
        left,
        ["B2__base.sql", "afterMigrate__log.sql", "beforeMigrate.sql"]
    );
    assert!(
        import
            .skipped
            .iter()
            .any(|s| s.reason.contains("Flyway callback"))
    );
    // Detection still sees a Flyway folder.
    assert_eq!(
        read_sql_dir(&d.0, None, Dialect::Postgres)
            .expect("detect")
            .layout,
        Layout::Flyway
    );
}

#[test]
fn flyway_placeholders_are_refused_at_their_line() {
    let d = Dir::new("placeholders");
    d.write(
        "V1__a.sql",
        "CREATE TABLE a (x text);\nINSERT INTO a VALUES ('${env}');\n",
    );
    let e = read_sql_dir(&d.0, Some(Layout::Flyway), Dialect::Postgres)
        .expect_err("refused")
        .to_string();
    assert!(e.contains("V1__a.sql:2") && e.contains("${env}"), "{e}");
}

#[test]
fn an_unterminated_quote_or_comment_is_refused_at_its_line() {
    let d = Dir::new("unterminated");
    d.write(
        "1_a.up.sql",
        "CREATE TABLE a (x text);\nINSERT INTO a VALUES ('it''s);\nCREATE TABLE b (x int);\n",
    );
    let e = read_sql_dir(&d.0, Some(Layout::GolangMigrate), Dialect::Postgres)
        .expect_err("refused")
        .to_string();
    assert!(
        e.contains("1_a.up.sql:2") && e.contains("never ends"),
        "{e}"
    );
    d.write(
        "1_a.up.sql",
        "CREATE TABLE a (x text);\n/* open\nCREATE TABLE b (x int);\n",
    );
    let e = read_sql_dir(&d.0, Some(Layout::GolangMigrate), Dialect::Mysql)
        .expect_err("refused")
        .to_string();
    assert!(e.contains("1_a.up.sql:2"), "{e}");
}

#[test]
fn dbmate_sections_that_disagree_on_the_transaction_are_refused() {
    let d = Dir::new("dbmate-tx");
    d.write(
        "20240101000000_a.sql",
        "-- migrate:up\nCREATE INDEX i ON a (x);\n\n-- migrate:down transaction:false\nDROP INDEX CONCURRENTLY i;\n",
    );
    let e = read_sql_dir(&d.0, Some(Layout::Dbmate), Dialect::Postgres)
        .expect_err("refused")
        .to_string();
    assert!(
        e.contains("20240101000000_a.sql:4") && e.contains("transaction:false"),
        "{e}"
    );
    d.write(
        "20240101000000_a.sql",
        "-- migrate:up transaction:false\nCREATE INDEX CONCURRENTLY i ON a (x);\n\n-- migrate:down transaction:false\nDROP INDEX CONCURRENTLY i;\n",
    );
    let read = read_sql_dir(&d.0, Some(Layout::Dbmate), Dialect::Postgres).expect("both agree");
    assert!(!read.migrations[0].transaction);
}
