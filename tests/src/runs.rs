//! Running a plan directory with the library runner (backups off) and reading what it left,
//! as the `down` tests of migrations that stopped part way do.

use cutover_core::backend::Backend;
use cutover_core::runner::{DownTarget, Runner, RunnerOptions, Silent, Target};

use crate::plans::PlanDir;

/// Runner options with backups off.
pub fn options() -> RunnerOptions {
    RunnerOptions {
        backup: cutover_core::backup::BackupPolicy::Skip,
        ..RunnerOptions::default()
    }
}

/// `up` to the latest migration of the plan in `dir`; the error as text.
pub async fn up(b: &mut dyn Backend, dir: &PlanDir) -> Result<(), String> {
    Runner::new(b, &dir.load(), options(), &Silent)
        .up(Target::Latest)
        .await
        .map(drop)
        .map_err(|e| e.to_string())
}

/// `down` of one migration of the plan in `dir`; the error as text.
pub async fn down_one(b: &mut dyn Backend, dir: &PlanDir) -> Result<(), String> {
    Runner::new(b, &dir.load(), options(), &Silent)
        .down(DownTarget::Steps(1))
        .await
        .map(drop)
        .map_err(|e| e.to_string())
}

/// The rows `sql` returns, each as its values joined by `|` (NULL as empty).
pub async fn rows(b: &mut dyn Backend, sql: &str) -> Vec<String> {
    b.query(sql)
        .await
        .expect(sql)
        .rows
        .into_iter()
        .map(|r| {
            r.into_iter()
                .map(|v| v.unwrap_or_default())
                .collect::<Vec<_>>()
                .join("|")
        })
        .collect()
}

/// The database's tables, sorted, without cutover's own.
pub async fn tables(b: &mut dyn Backend) -> Vec<String> {
    let mut t: Vec<String> = b
        .introspect()
        .await
        .expect("introspect")
        .tables
        .keys()
        .filter(|n| !n.starts_with("cutover"))
        .cloned()
        .collect();
    t.sort();
    t
}

/// The columns of `table`, in order.
pub async fn columns(b: &mut dyn Backend, table: &str) -> Vec<String> {
    b.introspect().await.expect("introspect").tables[table]
        .columns
        .iter()
        .map(|c| c.name.clone())
        .collect()
}
