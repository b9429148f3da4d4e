//! Golden SQL for array (`text[]`, ...) and enum column types on PostgreSQL, MySQL/MariaDB and
//! SQLite, and the load-time errors of the expressions that use them (tier 1: no database).

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};

use cutover_core::plan::Plan;
use cutover_core::render::{
    Direction, RenderOptions, RenderedMigration, StatementKind, render_plan,
};
use cutover_core::{Dialect, Error};

/// A plan directory under the system temp dir, removed when dropped.
struct TempPlan {
    dir: PathBuf,
}

impl TempPlan {
    fn new(files: &[(&str, &str)]) -> TempPlan {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let dir =
            std::env::temp_dir().join(format!("cutover-types-golden-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("create temp plan dir");
        for (name, text) in files {
            std::fs::write(dir.join(name), text).expect("write plan file");
        }
        TempPlan { dir }
    }

    fn load(&self) -> Result<Plan, Error> {
        Plan::load(&self.dir)
    }
}

impl Drop for TempPlan {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

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

/// The statements (SQL and kind) of every migration of the plan of `files`.
fn rendered(
    files: &[(&str, &str)],
    dialect: Dialect,
    direction: Direction,
) -> cutover_core::Result<Vec<(String, StatementKind)>> {
    let tmp = TempPlan::new(files);
    let plan = tmp
        .load()
        .unwrap_or_else(|e| panic!("plan does not load: {e}"));
    Ok(render(&plan, dialect, direction)?
        .iter()
        .flat_map(|m| m.statements.iter().map(|s| (s.sql.clone(), s.kind)))
        .collect())
}

/// Asserts the SQL each dialect renders for `files` in `direction` (PostgreSQL, MySQL, SQLite).
#[track_caller]
fn golden(files: &[(&str, &str)], direction: Direction, expected: [&[&str]; 3]) {
    for (dialect, want) in Dialect::ALL.into_iter().zip(expected) {
        let got =
            rendered(files, dialect, direction).unwrap_or_else(|e| panic!("on {dialect}: {e}"));
        let sql: Vec<&str> = got.iter().map(|(s, _)| s.as_str()).collect();
        assert_eq!(sql, want, "on {dialect}");
    }
}

/// Asserts that loading `files` fails at `file:line` with `phrase` in the message.
#[track_caller]
fn load_fails(files: &[(&str, &str)], file: &str, line: usize, phrase: &str) {
    let tmp = TempPlan::new(files);
    let err = match tmp.load() {
        Ok(_) => panic!("plan loaded, expected an error at {file}:{line}"),
        Err(e) => e,
    };
    let text = err.to_string();
    let prefix = format!("{}:{line}: ", tmp.dir.join(file).display());
    assert!(
        text.starts_with(&prefix),
        "expected `{prefix}...`, got: {text}"
    );
    assert!(text.contains(phrase), "expected `{phrase}` in: {text}");
}

mod enums_and_arrays;
mod load_errors;
use enums_and_arrays::{LINKS, PROFILES};
