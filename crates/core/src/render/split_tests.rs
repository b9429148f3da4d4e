//! Golden tests of the statement splitter, per dialect.

use super::{SqlLexis, is_session_setting, split_sql, words};
use crate::dialect::Dialect;

fn split(sql: &str, dialect: Dialect) -> Vec<String> {
    split_sql(sql, dialect.sql().lexis())
}

fn all(sql: &str) -> Vec<Vec<String>> {
    [Dialect::Postgres, Dialect::Mysql, Dialect::Sqlite]
        .into_iter()
        .map(|d| split(sql, d))
        .collect()
}

#[test]
fn plain_statements_trailing_semicolon_and_empty_statements() {
    let want = [
        "UPDATE base SET v = v + 1 WHERE id = 1",
        "INSERT INTO t VALUES (1)",
    ];
    for got in all("UPDATE base SET v = v + 1 WHERE id = 1; INSERT INTO t VALUES (1)") {
        assert_eq!(got, want);
    }
    for got in
        all("\n  UPDATE base SET v = v + 1 WHERE id = 1;;\n ; INSERT INTO t VALUES (1);\n;  \n")
    {
        assert_eq!(got, want);
    }
    for got in all("") {
        assert!(got.is_empty());
    }
    for got in all(" ; ;\n") {
        assert!(got.is_empty());
    }
}

#[test]
fn semicolons_in_single_quotes_and_doubled_quotes() {
    let sql = "INSERT INTO t VALUES ('a;b', 'it''s; fine'); SELECT 1";
    for got in all(sql) {
        assert_eq!(
            got,
            ["INSERT INTO t VALUES ('a;b', 'it''s; fine')", "SELECT 1"]
        );
    }
}

#[test]
fn double_quotes_and_backticks() {
    let sql = r#"CREATE TABLE "a;b" (id INT); SELECT 1"#;
    for got in all(sql) {
        assert_eq!(got, [r#"CREATE TABLE "a;b" (id INT)"#, "SELECT 1"]);
    }
    let sql = "CREATE TABLE `a;b` (id INT); SELECT 1";
    assert_eq!(
        split(sql, Dialect::Mysql),
        ["CREATE TABLE `a;b` (id INT)", "SELECT 1"]
    );
    assert_eq!(
        split(sql, Dialect::Sqlite),
        ["CREATE TABLE `a;b` (id INT)", "SELECT 1"]
    );
    // SQLite's [bracketed] identifiers.
    assert_eq!(
        split("SELECT [a;b] FROM t; SELECT 2", Dialect::Sqlite),
        ["SELECT [a;b] FROM t", "SELECT 2"]
    );
}

#[test]
fn mysql_backslash_escapes_but_not_elsewhere() {
    // In MySQL `\'` is an escaped quote: the string runs on past it.
    let sql = r"INSERT INTO t VALUES ('a\';b'); SELECT 1";
    assert_eq!(
        split(sql, Dialect::Mysql),
        [r"INSERT INTO t VALUES ('a\';b')", "SELECT 1"]
    );
    // In standard SQL a backslash is an ordinary character: the string ends at `\'`.
    assert_eq!(
        split(r"INSERT INTO t VALUES ('a\'); SELECT 1", Dialect::Postgres),
        [r"INSERT INTO t VALUES ('a\')", "SELECT 1"]
    );
    assert_eq!(
        split(r"INSERT INTO t VALUES ('a\'); SELECT 1", Dialect::Sqlite),
        [r"INSERT INTO t VALUES ('a\')", "SELECT 1"]
    );
    // A MySQL double-quoted string with an escaped quote.
    assert_eq!(
        split(r#"SELECT "x\";y"; SELECT 2"#, Dialect::Mysql),
        [r#"SELECT "x\";y""#, "SELECT 2"]
    );
}

#[test]
fn postgres_escape_strings() {
    let sql = r"INSERT INTO t VALUES (E'a\';b'); SELECT 1";
    assert_eq!(
        split(sql, Dialect::Postgres),
        [r"INSERT INTO t VALUES (E'a\';b')", "SELECT 1"]
    );
    // A column named `e` followed by a string is not an escape string.
    assert_eq!(
        split(r"SELECT some_e'\'; SELECT 2", Dialect::Postgres).len(),
        2
    );
}

#[test]
fn comments() {
    let sql =
        "-- first; not a split\nSELECT 1; /* a; b */ SELECT 2 -- tail;\n; -- only a comment;\n";
    for got in all(sql) {
        assert_eq!(
            got,
            [
                "-- first; not a split\nSELECT 1",
                "/* a; b */ SELECT 2 -- tail;"
            ]
        );
    }
    // `#` comments are MySQL's only; in PostgreSQL `#` is an operator.
    assert_eq!(
        split("SELECT 1 # one; two\n; SELECT 2", Dialect::Mysql),
        ["SELECT 1 # one; two", "SELECT 2"]
    );
    assert_eq!(split("SELECT 5 # 3; SELECT 2", Dialect::Postgres).len(), 2);
    // MySQL needs a space after `--`; `1--1` is arithmetic.
    assert_eq!(
        split("SELECT 1--1; SELECT 2", Dialect::Mysql),
        ["SELECT 1--1", "SELECT 2"]
    );
    // PostgreSQL block comments nest.
    assert_eq!(
        split("/* a /* b; */ c; */ SELECT 1; SELECT 2", Dialect::Postgres),
        ["/* a /* b; */ c; */ SELECT 1", "SELECT 2"]
    );
}

#[test]
fn postgres_dollar_bodies() {
    let sql = "CREATE FUNCTION f() RETURNS trigger LANGUAGE plpgsql AS $$\nBEGIN\n  NEW.v := 1;\n  RETURN NEW;\nEND;\n$$;\nCREATE FUNCTION g() RETURNS int AS $body$ SELECT 1; $$ still; $body$ LANGUAGE sql;\nSELECT $1, a$b FROM t";
    let got = split(sql, Dialect::Postgres);
    assert_eq!(got.len(), 3, "{got:#?}");
    assert!(got[0].ends_with("END;\n$$"), "{}", got[0]);
    assert!(got[1].ends_with("$body$ LANGUAGE sql"), "{}", got[1]);
    assert_eq!(got[2], "SELECT $1, a$b FROM t");
}

#[test]
fn compound_bodies_of_triggers_and_routines() {
    let trigger = "CREATE TRIGGER t_ai AFTER INSERT ON t FOR EACH ROW BEGIN UPDATE c SET n = n + 1; INSERT INTO log VALUES (CASE WHEN 1 THEN 'a;' END); END";
    let sql = format!("{trigger};\nSELECT 1;");
    assert_eq!(split(&sql, Dialect::Sqlite), [trigger, "SELECT 1"]);
    assert_eq!(split(&sql, Dialect::Mysql), [trigger, "SELECT 1"]);
    let procedure = "CREATE DEFINER = CURRENT_USER PROCEDURE p() BEGIN DECLARE i INT DEFAULT 0; w: WHILE i < 3 DO IF i = 1 THEN SET i = i + 1; END IF; SET i = i + 1; END WHILE w; CASE i WHEN 3 THEN SELECT 1; END CASE; END";
    let sql = format!("{procedure}; CALL p()");
    assert_eq!(split(&sql, Dialect::Mysql), [procedure, "CALL p()"]);
    let atomic = "CREATE FUNCTION one() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; END";
    assert_eq!(
        split(&format!("{atomic}; SELECT 2"), Dialect::Postgres),
        [atomic, "SELECT 2"]
    );
    // A table named `event` is not a compound statement.
    assert_eq!(
        split("CREATE TABLE event (id INT); SELECT 1", Dialect::Mysql),
        ["CREATE TABLE event (id INT)", "SELECT 1"]
    );
}

#[test]
fn unterminated_quotes_keep_the_rest_together() {
    // The database reports the unterminated string; the splitter does not guess.
    assert_eq!(
        split("SELECT 1; SELECT 'open; SELECT 2", Dialect::Postgres),
        ["SELECT 1", "SELECT 'open; SELECT 2"]
    );
}

#[test]
fn the_example_seed_splits_into_two_inserts_per_dialect() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../examples/messages/migrations/0002_seed_demo_data.toml"
    );
    let text = std::fs::read_to_string(path).expect("example exists");
    let value: toml::Value = toml::from_str(&text).expect("toml");
    let step = &value["steps"][0];
    for d in [Dialect::Postgres, Dialect::Mysql, Dialect::Sqlite] {
        let sql = step[d.name()].as_str().expect("sql for dialect");
        let got = split(sql, d);
        assert_eq!(got.len(), 2, "{d}: {got:#?}");
        assert!(got.iter().all(|s| s.contains("INSERT INTO")), "{d}");
    }
}

#[test]
fn leading_words_skip_comments() {
    let lexis = SqlLexis::default();
    assert_eq!(
        words("-- c\n/* d */ update t set a = 1", lexis, 2),
        ["UPDATE", "T"]
    );
    assert!(words("", lexis, 1).is_empty());
}

#[test]
fn session_settings() {
    let my = Dialect::Mysql.sql().lexis();
    assert!(is_session_setting("SET foreign_key_checks = 0", my));
    assert!(is_session_setting("-- c\nset @x = 1", my));
    assert!(!is_session_setting("SET GLOBAL max_connections = 10", my));
    assert!(!is_session_setting("SET @@GLOBAL.max_connections = 10", my));
    assert!(!is_session_setting("SET PERSIST max_connections = 10", my));
    assert!(!is_session_setting("UPDATE t SET a = 1", my));
    let lite = Dialect::Sqlite.sql().lexis();
    assert!(is_session_setting("PRAGMA foreign_keys = OFF", lite));
}
