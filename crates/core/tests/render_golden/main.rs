//! Golden SQL for every step op, on PostgreSQL, MySQL/MariaDB and SQLite (tier 1: no database).
//!
//! Each test writes a small plan into a temporary directory, loads it with [`Plan::load`] and
//! renders it with [`render_plan`]; the expected strings are the exact SQL per dialect, or the
//! `Unsupported` error a dialect answers with. The rendered SQL of these cases was run by hand
//! against PostgreSQL 15, MariaDB 10.11 and SQLite 3.40; running it in CI is tier 2's job.
//!
//! The whole-plan golden files `tests/fixtures/messages.<dialect>.sql` are regenerated with
//! `UPDATE_GOLDEN=1 cargo test -p cutover-core --test render_golden`.

#[path = "../common/mod.rs"]
mod common;
use common::TempPlan;

use std::path::{Path, PathBuf};

use cutover_core::plan::Plan;
use cutover_core::render::{
    Direction, RenderOptions, RenderedMigration, StatementKind, check_query, render_plan,
};
use cutover_core::{Dialect, Error};

/// What one dialect is expected to produce.
enum Expect<'a> {
    /// These statements, in order.
    Sql(&'a [&'a str]),
    /// `Error::Unsupported` for this dialect, with a hint containing this text.
    Refused(&'a str),
}

use Expect::{Refused, Sql};

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

fn statements(rendered: &[RenderedMigration]) -> Vec<String> {
    rendered
        .iter()
        .flat_map(|m| m.statements.iter().map(|s| s.sql.clone()))
        .collect()
}

/// Asserts what each dialect renders for a plan of `files`, in `direction`.
#[track_caller]
fn golden_files(files: &[(&str, &str)], direction: Direction, expected: [Expect<'_>; 3]) {
    let tmp = TempPlan::new(files);
    let plan = tmp.load();
    for (dialect, expect) in Dialect::ALL.into_iter().zip(expected) {
        let got = render(&plan, dialect, direction);
        match (expect, got) {
            (Sql(sql), Ok(rendered)) => assert_eq!(statements(&rendered), sql, "on {dialect}"),
            (Sql(_), Err(e)) => panic!("on {dialect}: expected SQL, got error: {e}"),
            (Refused(hint), Ok(rendered)) => {
                panic!(
                    "on {dialect}: expected Unsupported ({hint}), got {:?}",
                    statements(&rendered)
                )
            }
            (Refused(hint), Err(e)) => assert_unsupported(&e, dialect, hint),
        }
    }
}

/// [`golden_files`] for one migration file, rendered up.
#[track_caller]
fn golden(migration: &str, expected: [Expect<'_>; 3]) {
    golden_files(&[("0001_golden.toml", migration)], Direction::Up, expected);
}

/// Asserts that `e` is `Unsupported` on `dialect`, says so, and carries a hint with `hint`.
#[track_caller]
fn assert_unsupported(e: &Error, dialect: Dialect, hint: &str) {
    let text = e.to_string();
    match e.root() {
        Error::Unsupported {
            dialect: d,
            hint: h,
            ..
        } => {
            assert_eq!(*d, dialect, "{text}");
            assert!(h.contains(hint), "hint of {dialect} lacks `{hint}`: {text}");
        }
        other => panic!("on {dialect}: expected Unsupported, got {other:?}"),
    }
    assert!(
        text.contains(&format!("is not supported on {dialect}: ")),
        "{text}"
    );
    // The context names the migration file, its line and the step.
    assert!(text.contains("0001_golden.toml:"), "{text}");
    assert!(text.contains("migration 0001 (golden)"), "{text}");
}

/// The statement kinds of a one-migration plan on `dialect`.
fn kinds(migration: &str, dialect: Dialect) -> Vec<StatementKind> {
    let tmp = TempPlan::new(&[("0001_golden.toml", migration)]);
    let rendered = render(&tmp.load(), dialect, Direction::Up).expect("renders");
    rendered[0].statements.iter().map(|s| s.kind).collect()
}

mod alter_column;
mod backfill;
mod checks;
mod columns;
mod constraints;
mod create_table;
mod down;
mod example_plan;
mod indexes;
mod raw_sql;
mod tables;
use alter_column::SQLITE_REBUILD;
