//! `import::read_sql_dir` on the fixture folders of the CLI tests: versions, names, downs,
//! transaction flags and the line of every statement, as `cutover import` needs them.

use std::path::PathBuf;

use cutover_core::Dialect;
use cutover_core::import::{Layout, SqlDir, read_sql_dir};

fn read(fixture: &str, layout: Option<Layout>, dialect: Dialect) -> SqlDir {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../cli/tests/fixtures/sql_dirs")
        .join(fixture);
    read_sql_dir(&dir, layout, dialect).unwrap_or_else(|e| panic!("{fixture}: {e}"))
}

/// (version, name, up statement lines, down statement lines, transaction)
type Shape = (String, String, Vec<usize>, Option<Vec<usize>>, bool);

fn shape(d: &SqlDir) -> Vec<Shape> {
    d.migrations
        .iter()
        .map(|m| {
            (
                m.version.text.clone(),
                m.name.clone(),
                m.up.statements.iter().map(|s| s.line).collect(),
                m.down
                    .as_ref()
                    .map(|f| f.statements.iter().map(|s| s.line).collect()),
                m.transaction,
            )
        })
        .collect()
}

fn s(v: &str, n: &str, up: &[usize], down: Option<&[usize]>, tx: bool) -> Shape {
    (
        v.into(),
        n.into(),
        up.to_vec(),
        down.map(<[usize]>::to_vec),
        tx,
    )
}

#[test]
fn sqlx_keeps_downs_and_no_transaction() {
    let d = read("sqlx", None, Dialect::Postgres);
    assert_eq!(d.layout, Layout::Sqlx);
    assert_eq!(
        shape(&d),
        vec![
            s("20240101000000", "users", &[1], None, true),
            s("20240102000000", "email_index", &[3], Some(&[1]), true),
            s("20240103000000", "concurrent", &[2], None, false),
        ]
    );
    assert_eq!(
        d.migrations[1].up.statements[0].sql,
        "CREATE INDEX users_email ON users (email)"
    );
    assert!(
        d.migrations[1]
            .down
            .as_ref()
            .is_some_and(|f| f.path.ends_with("20240102000000_email_index.down.sql"))
    );
}

#[test]
fn dbmate_sections_keep_their_file_lines() {
    let d = read("dbmate", None, Dialect::Postgres);
    assert_eq!(
        shape(&d),
        vec![
            s("20240101000000", "users", &[2], Some(&[5]), true),
            s("20240102000000", "email_not_null", &[3], Some(&[6]), true),
            s("20240103000000", "email_index", &[2], Some(&[5]), false),
        ]
    );
}

#[test]
fn flyway_undos_and_repeatables() {
    let d = read("flyway", None, Dialect::Postgres);
    assert_eq!(
        shape(&d),
        vec![
            s("1", "users", &[1], None, true),
            s("2", "bigint_ids", &[4], Some(&[1]), true),
            s("R__user_emails", "user_emails", &[1], None, true),
        ]
    );
    assert_eq!(d.migrations[2].version.number, 3);
}

#[test]
fn refinery_u_files_are_migrations_and_prisma_reads_directories() {
    let d = read("refinery", Some(Layout::Refinery), Dialect::Sqlite);
    assert_eq!(
        shape(&d),
        vec![
            s("1", "users", &[1], None, true),
            s("2", "forget_emails", &[2], None, true),
            s("3", "email_index", &[1], None, true),
        ]
    );
    let d = read("prisma", None, Dialect::Postgres);
    assert_eq!(d.layout, Layout::Prisma);
    assert_eq!(
        shape(&d),
        vec![
            s("20240101000000", "init", &[2, 5], None, true),
            s("20240102000000", "orders_user_fk", &[2], None, true),
        ]
    );
}

#[test]
fn the_plan_of_a_folder_locates_steps_at_statements() {
    let d = read("golang_migrate", None, Dialect::Mysql);
    assert_eq!(d.layout, Layout::GolangMigrate);
    let plan = d.to_plan(Dialect::Mysql);
    let m = &plan.migrations[1];
    assert!(m.path.ends_with("000002_widen_email.up.sql"));
    assert_eq!(m.steps[0].line, 2);
    assert_eq!(m.steps[0].item.op(), "sql");
    assert!(m.down.as_ref().is_some_and(|d| d.len() == 1));
    assert_eq!(m.checksum.len(), 64);
}
