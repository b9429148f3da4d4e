//! The per-dialect answers without a database: version thresholds and the forms cutover
//! renders (the live behaviour is tested in crates/cli/tests/explain.rs).

use super::{ServerVersion, StepFacts, TableWork};
use crate::Dialect;
use crate::plan::{Column, Step};
use crate::types::ColumnType;

fn step(toml: &str) -> Step {
    toml::from_str(toml).expect("step")
}

fn facts<'a>(step: &'a Step, server: &'a ServerVersion) -> StepFacts<'a> {
    StepFacts {
        step,
        server,
        table_exists: true,
        column_before: None,
        rebuild: false,
        not_null_proven: false,
    }
}

const ADD: &str = "op = \"add_column\"\ntable = \"t\"\ncolumn = { name = \"c\", type = \"integer\", default = 0 }";

#[test]
fn server_versions_parse() {
    let m = ServerVersion::parse("10.11.19-MariaDB-0+deb12u1");
    assert_eq!((m.number, m.mariadb), ((10, 11, 19), true));
    let p = ServerVersion::parse("15.20 (Debian 15.20-0+deb12u1)");
    assert_eq!((p.number, p.mariadb), ((15, 20, 0), false));
    assert!(p.at_least(11, 0, 0) && !p.at_least(16, 0, 0));
}

#[test]
fn mysql_add_column_is_instant_from_the_documented_versions() {
    let add = step(ADD);
    let algo = |v: &str| {
        let s = ServerVersion::parse(v);
        Dialect::Mysql
            .explainer()
            .step_impact(&facts(&add, &s))
            .algorithm
            .unwrap_or_default()
    };
    assert_eq!(algo("8.0.11"), "INPLACE");
    assert_eq!(algo("8.0.12"), "INSTANT");
    assert_eq!(algo("10.3.1-MariaDB"), "INPLACE");
    assert_eq!(algo("10.3.2-MariaDB"), "INSTANT");
}

#[test]
fn postgres_volatile_default_rewrites_and_a_proven_not_null_skips_the_scan() {
    let s = ServerVersion::parse("15.2");
    let pg = Dialect::Postgres.explainer();
    let volatile = step(
        "op = \"add_column\"\ntable = \"t\"\ncolumn = { name = \"u\", type = \"uuid\", default_expr = \"uuid()\" }",
    );
    assert_eq!(
        pg.step_impact(&facts(&volatile, &s)).work,
        TableWork::Rewrite
    );
    assert_eq!(
        pg.step_impact(&facts(&step(ADD), &s)).work,
        TableWork::Catalog
    );
    let old = ServerVersion::parse("10.5");
    assert_eq!(
        pg.step_impact(&facts(&step(ADD), &old)).work,
        TableWork::Rewrite
    );

    let not_null = step("op = \"alter_column\"\ntable = \"t\"\ncolumn = \"c\"\nnullable = false");
    assert_eq!(pg.step_impact(&facts(&not_null, &s)).work, TableWork::Scan);
    let proven = StepFacts {
        not_null_proven: true,
        ..facts(&not_null, &s)
    };
    assert_eq!(pg.step_impact(&proven).work, TableWork::Catalog);
}

#[test]
fn postgres_binary_coercible_type_changes_do_not_rewrite() {
    let s = ServerVersion::parse("15.2");
    let pg = Dialect::Postgres.explainer();
    let to_text = step("op = \"alter_column\"\ntable = \"t\"\ncolumn = \"c\"\ntype = \"text\"");
    let before = Column {
        name: "c".into(),
        ty: ColumnType::Varchar(20),
        nullable: None,
        default: None,
        default_expr: None,
        primary_key: false,
        identity: false,
        unique: false,
    };
    let f = StepFacts {
        column_before: Some(&before),
        ..facts(&to_text, &s)
    };
    assert_eq!(pg.step_impact(&f).work, TableWork::Catalog);
    let to_int = step("op = \"alter_column\"\ntable = \"t\"\ncolumn = \"c\"\ntype = \"bigint\"");
    let f = StepFacts {
        column_before: Some(&before),
        ..facts(&to_int, &s)
    };
    assert_eq!(pg.step_impact(&f).work, TableWork::Rewrite);
}

#[test]
fn a_type_change_from_an_unknown_type_is_never_called_catalog_only() {
    let s = ServerVersion::parse("15.20");
    let m = ServerVersion::parse("10.11.19-MariaDB");
    let to_int = step("op = \"alter_column\"\ntable = \"t\"\ncolumn = \"c\"\ntype = \"bigint\"");
    let pg = Dialect::Postgres
        .explainer()
        .step_impact(&facts(&to_int, &s));
    assert_eq!(pg.work, TableWork::Rewrite);
    assert!(pg.note.contains("current type is unknown"), "{}", pg.note);
    let my = Dialect::Mysql.explainer().step_impact(&facts(&to_int, &m));
    assert_eq!(my.work, TableWork::Rewrite);
    assert_eq!(my.algorithm.as_deref(), Some("COPY"));
}

#[test]
fn full_scans_are_read_from_each_plan_format() {
    use crate::backend::Rows;
    let rows = |cols: &[&str], lines: &[&[&str]]| Rows {
        columns: cols.iter().map(|c| c.to_string()).collect(),
        rows: lines
            .iter()
            .map(|l| l.iter().map(|v| Some(v.to_string())).collect())
            .collect(),
    };
    let pg = rows(
        &["QUERY PLAN"],
        &[
            &["Aggregate  (cost=1..2 rows=1)"],
            &["  ->  Seq Scan on big  (cost=0..3)"],
        ],
    );
    assert_eq!(Dialect::Postgres.explainer().full_scans(&pg), ["big"]);
    let my = rows(
        &["id", "table", "type"],
        &[&["1", "big", "ALL"], &["1", "small", "ref"]],
    );
    assert_eq!(Dialect::Mysql.explainer().full_scans(&my), ["big"]);
    let lite = rows(
        &["id", "parent", "notused", "detail"],
        &[
            &["2", "0", "0", "SCAN big"],
            &[
                "3",
                "0",
                "0",
                "SEARCH small USING INTEGER PRIMARY KEY (rowid<?)",
            ],
        ],
    );
    assert_eq!(Dialect::Sqlite.explainer().full_scans(&lite), ["big"]);
}

#[test]
fn mysql_varchar_widening_copies_when_it_crosses_255_bytes() {
    let m = ServerVersion::parse("10.11.19-MariaDB");
    let widen = |from: u32, to: u32| {
        let step = step(&format!(
            "op = \"alter_column\"\ntable = \"t\"\ncolumn = \"c\"\ntype = \"varchar({to})\""
        ));
        let before = Column {
            name: "c".into(),
            ty: ColumnType::Varchar(from),
            nullable: None,
            default: None,
            default_expr: None,
            primary_key: false,
            identity: false,
            unique: false,
        };
        let f = StepFacts {
            column_before: Some(&before),
            ..facts(&step, &m)
        };
        let impact = Dialect::Mysql.explainer().step_impact(&f);
        (impact.algorithm.unwrap_or_default(), impact.work)
    };
    // utf8mb4: 60 characters are 240 bytes, 100 are 400 (checked on MariaDB 10.11: 50 -> 100
    // refuses INSTANT, NOCOPY and INPLACE; 50 -> 60 is INSTANT).
    assert_eq!(widen(50, 60), ("INSTANT".to_string(), TableWork::Catalog));
    assert_eq!(widen(50, 100), ("COPY".to_string(), TableWork::Rewrite));
    assert_eq!(widen(100, 200), ("INSTANT".to_string(), TableWork::Catalog));
}

#[test]
fn postgres_add_unique_takes_the_share_lock_of_its_index_build() {
    // add_unique renders CREATE UNIQUE INDEX, which pg_locks shows as ShareLock: writes wait,
    // reads go on (it was reported as ACCESS EXCLUSIVE).
    let s = ServerVersion::parse("15.20");
    let add = step("op = \"add_unique\"\ntable = \"t\"\ncolumns = [\"c\"]");
    let impact = Dialect::Postgres.explainer().step_impact(&facts(&add, &s));
    assert_eq!(impact.lock, "SHARE");
    assert_eq!(impact.work, TableWork::IndexBuild);
}

#[test]
fn trigger_creation_names_its_lock_on_every_dialect() {
    let s = ServerVersion::parse("10.11.19-MariaDB");
    let touch = step("op = \"updated_at_trigger\"\ntable = \"t\"\ncolumn = \"updated_at\"");
    let my = Dialect::Mysql.explainer().step_impact(&facts(&touch, &s));
    assert_eq!(my.lock, "exclusive metadata lock");
    assert!(
        my.blocks.starts_with("everything on the table"),
        "{}",
        my.blocks
    );
    let pg = Dialect::Postgres
        .explainer()
        .step_impact(&facts(&touch, &s));
    assert_eq!(pg.lock, "SHARE ROW EXCLUSIVE");
    let lite = Dialect::Sqlite.explainer().step_impact(&facts(&touch, &s));
    assert_eq!(lite.lock, "database write lock");

    let sync = step("op = \"backfill\"\ntable = \"t\"\nset = { b = \"a\" }\nsync = true");
    let my = Dialect::Mysql.explainer().step_impact(&facts(&sync, &s));
    assert!(
        my.lock
            .starts_with("exclusive metadata lock (CREATE TRIGGER)"),
        "{}",
        my.lock
    );
    assert!(!my.online);
    let pg = Dialect::Postgres.explainer().step_impact(&facts(&sync, &s));
    assert!(
        pg.lock.starts_with("SHARE ROW EXCLUSIVE (CREATE TRIGGER)"),
        "{}",
        pg.lock
    );
}
