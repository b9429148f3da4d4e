//! One database of a `cutover test` run: its scratch database, its connection, and the
//! checks made on it. The driver in [`super`] moves all lanes through the plan in
//! lockstep, so that their rows can be compared after every step.

use std::time::Instant;

use crate::backend::Backend;
use crate::backup::BackupPolicy;
use crate::dialect::Dialect;
use crate::error::Result;
use crate::plan::{Loss, Plan, Step};
use crate::runner::{DownTarget, Runner, RunnerOptions, Silent, Target};
use crate::schema::{Difference, Schema, SchemaShape, diff};
use crate::url::{dialect_of, redact, with_database};

use super::rows::{Digest, TableRows, digest, read_table, user_tables};
use super::scratch_dir::ScratchDir;
use super::seed::Load;
use super::{DatabaseReport, Opener, TestStep, row_checksums, step};

/// A database under test.
pub(crate) struct Lane {
    pub(crate) dialect: Dialect,
    url: String,
    name: String,
    scratch: String,
    admin: Option<Box<dyn Backend>>,
    backups: Option<ScratchDir>,
    options: RunnerOptions,
    /// The connection; `None` once a step failed (the lane takes no further part).
    b: Option<Box<dyn Backend>>,
    steps: Vec<TestStep>,
    model: Schema,
    empty: SchemaShape,
    after_each: Vec<SchemaShape>,
    /// Rows before each migration's up, to check its down with.
    before: Vec<Digest>,
    /// The first reverted migration that destroyed data (a dropped column comes back
    /// empty): the reverts after it may depend on that data, so their rows are not checked.
    destroyed_by: Option<String>,
    first: Option<SchemaShape>,
    first_rows: Vec<(String, String)>,
    raw_sql: bool,
    started: Instant,
}

fn lines(d: Vec<Difference>) -> Vec<String> {
    d.into_iter()
        .map(|d| format!("{}: {}", d.object, d.detail))
        .collect()
}

impl Lane {
    /// Creates the scratch database on the server `url` names and connects to it.
    pub(crate) async fn open(plan: &Plan, url: &str, n: usize, open: &Opener) -> Result<Lane> {
        let started = Instant::now();
        let dialect = dialect_of(url)?;
        let name = format!(
            "cutover_test_{}_{n}_{}",
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.subsec_nanos())
                .unwrap_or(0)
        );
        let backups = ScratchDir::new(n)?;
        let options = RunnerOptions {
            backup: BackupPolicy::Auto {
                dir: backups.path().to_path_buf(),
            },
            // A plan test applies the whole plan at once in scratch databases: soak times
            // (`min_age`) are for live databases and never hold it up.
            ignore_min_age: Some(PLAN_TEST_SOAK.into()),
            ..RunnerOptions::default()
        };
        let mut lane = Lane {
            dialect,
            url: redact(url),
            scratch: with_database(url, &name),
            name,
            admin: None,
            backups: Some(backups),
            options,
            b: None,
            steps: Vec::new(),
            model: Schema::default(),
            empty: SchemaShape::default(),
            after_each: Vec::new(),
            before: Vec::new(),
            destroyed_by: None,
            first: None,
            first_rows: Vec::new(),
            raw_sql: plan
                .migrations
                .iter()
                .any(|m| m.steps.iter().any(|s| matches!(s.item, Step::Sql(_)))),
            started,
        };
        if let Some(sql) = dialect.sql().create_database_sql(&lane.name) {
            let mut admin = open(url.to_string()).await?;
            let created = admin.execute(&sql).await;
            lane.admin = Some(admin);
            if let Err(e) = created {
                lane.close().await;
                return Err(e);
            }
        }
        match open(lane.scratch.clone()).await {
            Ok(mut b) => match b.introspect().await {
                Ok(empty) => {
                    lane.empty = empty;
                    lane.b = Some(b);
                }
                Err(e) => {
                    let _ = b.close().await;
                    lane.close().await;
                    return Err(e);
                }
            },
            Err(e) => {
                lane.close().await;
                return Err(e);
            }
        }
        Ok(lane)
    }

    /// Records a failed step and stops the lane.
    async fn fail(&mut self, phase: &str, migration: Option<String>, problem: String) {
        self.steps.push(step(phase, migration, vec![problem]));
        if let Some(b) = self.b.take() {
            let _ = b.close().await;
        }
    }

    /// Applies migration `i`, compares the schema with the model, loads its fixtures.
    pub(crate) async fn up(&mut self, plan: &Plan, i: usize, loads: &[Load]) -> Result<()> {
        let m = &plan.migrations[i];
        let Some(b) = self.b.as_mut() else {
            return Ok(());
        };
        let shape = b.introspect().await?;
        self.before
            .push(digest(b.as_mut(), &shape, &self.model).await?);
        let up = Runner::new(b.as_mut(), plan, self.options.clone(), &Silent)
            .up(Target::Version(m.version.clone()))
            .await;
        if let Err(e) = up {
            self.fail("up", Some(m.label()), e.to_string()).await;
            return Ok(());
        }
        // The model of this dialect: steps limited to others are not in it.
        for (_, s) in m.steps_for(self.dialect) {
            self.model.apply(&s.item);
        }
        let live = b.introspect().await?;
        // Objects made by raw SQL are not in the model; they are still compared across
        // databases at the end.
        let raw_sql = self.raw_sql;
        let problems = lines(diff(&self.model.shape(self.dialect), &live))
            .into_iter()
            .filter(|p| !(raw_sql && p.ends_with(" not in the plan") && !p.contains(": column ")))
            .collect();
        self.steps.push(step("up", Some(m.label()), problems));
        self.after_each.push(live);
        for load in loads {
            if let Err(e) = load.insert(b.as_mut()).await {
                self.fail("seed", Some(m.label()), e.to_string()).await;
                return Ok(());
            }
        }
        Ok(())
    }

    /// The live schema, `None` when the lane has stopped.
    pub(crate) async fn shape(&mut self) -> Result<Option<SchemaShape>> {
        match self.b.as_mut() {
            Some(b) => b.introspect().await.map(Some),
            None => Ok(None),
        }
    }

    /// The rows of `table` now (`t` its shape), `None` when the lane has stopped or no
    /// column of the table is compared.
    pub(crate) async fn table_rows(
        &mut self,
        table: &str,
        t: &crate::schema::TableShape,
    ) -> Result<Option<TableRows>> {
        match self.b.as_mut() {
            Some(b) => read_table(b.as_mut(), table, t, &self.model).await,
            None => Ok(None),
        }
    }

    /// Remembers the end state of the first up pass.
    pub(crate) async fn mark_first(&mut self) -> Result<()> {
        let Some(b) = self.b.as_mut() else {
            return Ok(());
        };
        let first = b.introspect().await?;
        self.first_rows = row_checksums(b.as_mut(), &first, &self.model).await?;
        self.first = Some(first);
        Ok(())
    }

    /// Removes the fixture rows loaded after migration `i` into older tables, reverts it,
    /// and checks that schema and rows are as before its up.
    pub(crate) async fn down(&mut self, plan: &Plan, i: usize, loads: &[Load]) -> Result<()> {
        let m = &plan.migrations[i];
        let Some(b) = self.b.as_mut() else {
            return Ok(());
        };
        for load in loads.iter().rev() {
            if let Err(e) = load.remove(b.as_mut()).await {
                self.fail("down", Some(m.label()), e.to_string()).await;
                return Ok(());
            }
        }
        let down = Runner::new(b.as_mut(), plan, self.options.clone(), &Silent)
            .down(DownTarget::Steps(1))
            .await;
        if let Err(e) = down {
            self.fail("down", Some(m.label()), e.to_string()).await;
            return Ok(());
        }
        let before = if i == 0 {
            &self.empty
        } else {
            &self.after_each[i - 1]
        };
        let live = b.introspect().await?;
        let mut problems: Vec<String> = lines(diff(before, &live))
            .into_iter()
            .map(|p| format!("after down: {p}"))
            .collect();
        let lost: Vec<Loss> = plan
            .losses(Some(self.dialect))
            .remove(&m.version.number)
            .unwrap_or_default()
            .into_iter()
            .map(|(_, l)| l)
            .collect();
        if let (Some(before), None) = (self.before.get(i), &self.destroyed_by) {
            let when = format!("before {}", m.version);
            for (table, t) in user_tables(&live) {
                if lost.iter().any(|l| {
                    l.table.is_none() || (l.table.as_deref() == Some(table) && l.column.is_none())
                }) {
                    continue;
                }
                let (Some(then), Some(now)) = (
                    before.table(table),
                    read_table(b.as_mut(), table, t, &self.model).await?,
                ) else {
                    continue;
                };
                let skip = |c: &str| {
                    lost.iter().any(|l| {
                        l.table.as_deref() == Some(table) && l.column.as_deref() == Some(c)
                    })
                };
                problems.extend(
                    now.changes_since(table, then, &when, &skip)
                        .into_iter()
                        .map(|p| format!("rows after down: {p}")),
                );
            }
        }
        if !lost.is_empty() && self.destroyed_by.is_none() {
            self.destroyed_by = Some(m.label());
        }
        self.steps.push(step("down", Some(m.label()), problems));
        Ok(())
    }

    /// Applies every migration again, one at a time with its fixtures, and compares schema
    /// and rows with the first pass.
    pub(crate) async fn again(&mut self, plan: &Plan, i: usize, loads: &[Load]) -> Result<()> {
        let m = &plan.migrations[i];
        let Some(b) = self.b.as_mut() else {
            return Ok(());
        };
        let up = Runner::new(b.as_mut(), plan, self.options.clone(), &Silent)
            .up(Target::Version(m.version.clone()))
            .await;
        if let Err(e) = up {
            self.fail("again", Some(m.label()), e.to_string()).await;
            return Ok(());
        }
        for load in loads {
            if let Err(e) = load.insert(b.as_mut()).await {
                self.fail("again", Some(m.label()), e.to_string()).await;
                return Ok(());
            }
        }
        Ok(())
    }

    /// After the last [`again`](Lane::again): the same schema and rows as the first pass.
    pub(crate) async fn check_again(&mut self) -> Result<()> {
        let Some(b) = self.b.as_mut() else {
            return Ok(());
        };
        let Some(first) = &self.first else {
            return Ok(());
        };
        let live = b.introspect().await?;
        self.steps
            .push(step("again", None, lines(diff(first, &live))));
        let rows_again = row_checksums(b.as_mut(), &live, &self.model).await?;
        let problems = self
            .first_rows
            .iter()
            .filter(|r| !rows_again.contains(r))
            .map(|(t, c)| {
                let now = rows_again
                    .iter()
                    .find(|x| x.0 == *t)
                    .map(|x| x.1.as_str())
                    .unwrap_or("missing");
                format!("table {t}: {c} after the first up, {now} after down and up")
            })
            .collect();
        self.steps.push(step("rows", None, problems));
        Ok(())
    }

    /// Closes the connection, drops the scratch database, removes the backup directory.
    async fn close(&mut self) {
        if let Some(b) = self.b.take() {
            let _ = b.close().await;
        }
        self.backups.take();
        if let Some(a) = self.admin.as_mut()
            && let Some(sql) = self.dialect.sql().drop_database_sql(&self.name)
        {
            let _ = a.execute(&sql).await;
        }
        if let Some(a) = self.admin.take() {
            let _ = a.close().await;
        }
        if self.dialect == Dialect::Sqlite
            && let Some(path) = crate::url::sqlite_path(&self.scratch)
        {
            for suffix in ["", "-wal", "-shm"] {
                let _ = std::fs::remove_file(format!("{path}{suffix}"));
            }
        }
    }

    /// Cleans up and gives the report.
    pub(crate) async fn finish(mut self) -> DatabaseReport {
        self.close().await;
        DatabaseReport {
            url: self.url.clone(),
            dialect: self.dialect,
            ok: self.steps.iter().all(|s| s.ok),
            steps: std::mem::take(&mut self.steps),
            duration_ms: self.started.elapsed().as_millis() as u64,
            shape: self.first.take(),
        }
    }
}

/// The reason a plan test's scratch histories record for skipping `min_age`.
const PLAN_TEST_SOAK: &str = "cutover test applies the whole plan at once in scratch databases";
