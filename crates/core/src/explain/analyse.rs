//! Walks the selected migrations step by step and asks the database and the dialect.

use std::collections::BTreeMap;

use super::live::LiveColumns;
use super::queries::plan;
use super::rows::table_rows;
use super::{ExplainReport, MigrationExplain, RowCount, RowSource, Sample, StepExplain};
use crate::backend::{Backend, Timeouts};
use crate::backfill::{BackfillScope, BackfillSpec};
use crate::dialect::explain::{ServerVersion, StepFacts, TableWork, changed_column};
use crate::error::Result;
use crate::plan::{CheckWhen, Migration, Plan, Step};
use crate::render::{check_query, needs_rebuild};
use crate::schema::Schema;

/// Explains the migrations of `plan` that `selected` picks (in plan order), against the
/// database `b`. Read-only (see the [module docs](super)). Every query waits at most
/// `timeouts.lock` for a lock: a table another session locks longer is reported as busy.
pub async fn explain_migrations(
    b: &mut dyn Backend,
    plan: &Plan,
    selected: &dyn Fn(&Migration) -> bool,
    sample: Sample,
    timeouts: Timeouts,
    scope: &BackfillScope,
) -> Result<ExplainReport> {
    let dialect = b.dialect();
    b.set_timeouts(timeouts).await?;
    let server = ServerVersion::parse(&b.server_version().await?);
    let specs = BackfillSpec::all_on(plan, Some(dialect), scope)?;
    let hypo = match dialect.explainer().hypothetical_index_probe_sql() {
        Some(sql) => Some(b.query(&sql).await?.scalar().is_some_and(|v| v != "0")),
        None => None,
    };
    let mut walk = Walk {
        b,
        server: &server,
        rows: BTreeMap::new(),
        specs: &specs,
        scope,
        sample,
        hypothetical: hypo.unwrap_or(false).then(Vec::new),
        timeouts,
        busy: Vec::new(),
        notes: Vec::new(),
        live: LiveColumns::default(),
    };
    let mut report = ExplainReport {
        dialect,
        server: server.text.clone(),
        migrations: Vec::new(),
        warnings: Vec::new(),
        notes: Vec::new(),
    };
    let mut schema = Schema::default();
    for m in &plan.migrations {
        if !selected(m) {
            for s in m.steps.iter().filter(|s| s.runs_on(dialect)) {
                schema.apply(&s.item);
            }
            continue;
        }
        let mut out = MigrationExplain {
            version: m.version.clone(),
            name: m.name.clone(),
            steps: Vec::new(),
            checks: Vec::new(),
        };
        // `before` checks run before the steps, `after` checks after them (with the indexes
        // the steps create, when they can be hypothetical).
        walk.checks(m, &mut out, CheckWhen::Before).await?;
        for (i, s) in m.steps.iter().enumerate() {
            if !s.runs_on(dialect) {
                continue;
            }
            let step = walk.step(m, i + 1, s.line, &s.item, &schema).await?;
            schema.apply(&s.item);
            out.steps.push(step);
        }
        walk.checks(m, &mut out, CheckWhen::After).await?;
        report.migrations.push(out);
    }
    for m in &report.migrations {
        let steps = m
            .steps
            .iter()
            .filter_map(|s| s.backfill.as_ref())
            .map(|b| &b.batch);
        for p in steps.chain(m.checks.iter()) {
            if let Some(w) = &p.warning {
                report.warnings.push(format!("{}: {w}", m.version));
            }
        }
        for s in m
            .steps
            .iter()
            .filter(|s| s.impact.work.per_row() && !s.impact.online)
        {
            if let Some(n) = s.rows.filter(|r| r.rows >= super::LARGE_TABLE_ROWS) {
                report.warnings.push(format!(
                    "{} step {} ({}): {} of `{}` ({} rows) under {}",
                    m.version,
                    s.step,
                    s.op,
                    s.impact.work.as_str(),
                    s.table.as_deref().unwrap_or("?"),
                    n.rows,
                    s.impact.lock
                ));
            }
        }
    }
    for t in &walk.busy {
        report.warnings.push(format!(
            "`{t}` is busy: {}; its rows and plans are unknown, run explain again later",
            busy_text(timeouts)
        ));
    }
    report.notes.append(&mut walk.notes);
    let made = match walk.hypothetical.take() {
        Some(made) => {
            if let Some(sql) = dialect.explainer().hypothetical_reset_sql() {
                walk.b.query(&sql).await?;
            }
            Some(made)
        }
        None => None,
    };
    report.notes.push(match (hypo, made) {
        (Some(true), Some(made)) if made.is_empty() => "hypothetical indexes (hypopg): the plan creates no index on an existing table".into(),
        (Some(true), Some(made)) => format!(
            "hypothetical indexes (hypopg): the plans include the indexes this plan creates ({}), made for this session only",
            made.join(", ")
        ),
        (Some(_), _) => "hypothetical indexes: the hypopg extension is not installed here, so the plans do not include indexes this plan creates".into(),
        (None, _) => format!("hypothetical indexes: none on {dialect}, so the plans do not include indexes this plan creates"),
    });
    report.notes.push(match sample {
        Sample::No => "durations come from the checkpoint history only; --sample times one batch per backfill in a transaction that is rolled back".into(),
        Sample::OneBatch => "--sample ran the first batch of every backfill in a transaction that was rolled back: it took row locks, may have advanced sequences and wrote WAL/undo, though no row changed".into(),
    });
    if let Some(c) = dialect.explainer().caveat() {
        report.notes.push(c.into());
    }
    Ok(report)
}

/// The walk over the selected migrations: the database and what was learned so far.
pub(super) struct Walk<'a> {
    pub(super) b: &'a mut dyn Backend,
    pub(super) server: &'a ServerVersion,
    /// Rows per existing table (`None`: the table does not exist).
    pub(super) rows: BTreeMap<String, Option<RowCount>>,
    pub(super) specs: &'a [BackfillSpec],
    /// The plan's backfill scope (which state table earlier runs are read from).
    pub(super) scope: &'a BackfillScope,
    pub(super) sample: Sample,
    /// The hypothetical indexes made so far (`None`: the database has none).
    pub(super) hypothetical: Option<Vec<String>>,
    /// The session timeouts every query runs under.
    pub(super) timeouts: Timeouts,
    /// Tables that could not be read within the lock timeout.
    pub(super) busy: Vec<String>,
    /// Notes for the report (skipped hypothetical indexes).
    pub(super) notes: Vec<String>,
    /// Columns of tables the plan did not create.
    pub(super) live: LiveColumns,
}

/// "could not get a lock within Ns".
pub(crate) fn busy_text(timeouts: Timeouts) -> String {
    format!(
        "could not get a lock within {}s",
        timeouts.lock.as_secs_f64()
    )
}

impl Walk<'_> {
    pub(super) async fn table(&mut self, table: &str) -> Result<Option<RowCount>> {
        if let Some(r) = self.rows.get(table) {
            return Ok(*r);
        }
        let r = if self.b.table_exists(table).await? {
            match table_rows(self.b, table).await {
                Ok(r) => Some(r),
                Err(e) if e.is_timeout() => {
                    self.busy.push(table.to_string());
                    Some(RowCount {
                        rows: 0,
                        source: RowSource::Busy,
                        at_least: true,
                    })
                }
                Err(e) => return Err(e),
            }
        } else {
            None
        };
        self.rows.insert(table.to_string(), r);
        Ok(r)
    }

    pub(super) async fn plan(
        &mut self,
        what: String,
        sql: String,
        expected: &str,
    ) -> super::QueryPlan {
        let rows = self.rows.clone();
        let rows_of = move |t: &str| rows.get(t).copied().flatten();
        plan(self.b, what, sql, expected, &rows_of, self.timeouts).await
    }

    async fn step(
        &mut self,
        m: &Migration,
        number: usize,
        line: usize,
        step: &Step,
        schema: &Schema,
    ) -> Result<StepExplain> {
        let dialect = self.b.dialect();
        let table = step.table().map(str::to_string);
        let rows = match &table {
            Some(t) => self.table(t).await?,
            None => None,
        };
        let rebuild = needs_rebuild(step, dialect, schema);
        let mut column_before =
            changed_column(step).and_then(|(t, c)| schema.table(t).and_then(|t| t.column(c)));
        // A type change on a table the plan did not create: the type it has now, from the
        // database (or a pending add_column), not an assumption.
        let live_column = match (step, column_before) {
            (Step::AlterColumn(a), None) if a.ty.is_some() && rows.is_some() => {
                self.live.column(self.b, &a.table, &a.column).await
            }
            _ => None,
        };
        if column_before.is_none() {
            column_before = live_column.as_ref();
        }
        self.live.note(step);
        let mut not_null_proven = false;
        if let Some((t, c)) = changed_column(step)
            && rows.is_some()
            && let Some(sql) = dialect.explainer().not_null_proof_sql(t, c)
        {
            // A busy table proves nothing: the step is explained without the proof.
            not_null_proven = match self.b.query(&sql).await {
                Ok(r) => r.scalar().is_some_and(|v| v.trim() != "0"),
                Err(e) if e.is_timeout() => false,
                Err(e) => return Err(e),
            };
        }
        let facts = StepFacts {
            step,
            server: self.server,
            table_exists: rows.is_some(),
            column_before,
            rebuild,
            not_null_proven,
        };
        let mut impact = dialect.explainer().step_impact(&facts);
        if let Step::Backfill(bf) = step
            && bf.sync
        {
            impact.note = format!(
                "{}; {}",
                impact.note,
                dialect.sync_triggers().install_lock_note()
            );
        }
        if impact.work == TableWork::IndexBuild {
            self.hypothetical_index(m, number, step, schema).await?;
        }
        let backfill = match step {
            Step::Backfill(bf) if impact.work == TableWork::Batches => {
                Some(self.backfill(m, bf).await?)
            }
            _ => None,
        };
        Ok(StepExplain {
            step: number,
            line,
            op: step.op().to_string(),
            table,
            impact,
            rows,
            backfill,
        })
    }

    /// The plans of `m`'s checks that run `when`.
    async fn checks(
        &mut self,
        m: &Migration,
        out: &mut MigrationExplain,
        when: CheckWhen,
    ) -> Result<()> {
        let dialect = self.b.dialect();
        for c in m.checks_for(dialect).filter(|c| c.item.when == when) {
            let sql = check_query(&c.item, dialect)
                .map_err(|e| e.context(m.check_location(&c.item.name)))?;
            let what = format!(
                "check `{}` ({})",
                c.item.name,
                m.check_location(&c.item.name)
            );
            let p = self.plan(what, sql, "the check's filter").await;
            out.checks.push(p);
        }
        Ok(())
    }

    /// Makes the index `step` builds a hypothetical one, when the database can.
    async fn hypothetical_index(
        &mut self,
        m: &Migration,
        number: usize,
        step: &Step,
        schema: &Schema,
    ) -> Result<()> {
        let dialect = self.b.dialect();
        let Some(made) = self.hypothetical.as_mut() else {
            return Ok(());
        };
        let Ok(statements) = crate::render::render_step(step, dialect, schema, m) else {
            return Ok(());
        };
        for (sql, _) in statements {
            let upper = sql.to_ascii_uppercase();
            if !(upper.starts_with("CREATE INDEX") || upper.starts_with("CREATE UNIQUE INDEX")) {
                continue;
            }
            let Some(q) = dialect.explainer().hypothetical_index_sql(&sql) else {
                continue;
            };
            // An index on a column or table a pending step creates cannot be hypothetical
            // (hypopg needs it in the catalog): skipped with a note, never an abort.
            match self.b.query(&q).await {
                Ok(rows) => made.extend(rows.scalar().map(str::to_string)),
                Err(e)
                    if matches!(
                        e.root(),
                        crate::Error::Driver {
                            kind: crate::error::DriverErrorKind::Connection,
                            ..
                        }
                    ) =>
                {
                    return Err(e);
                }
                Err(e) => self.notes.push(format!(
                    "hypothetical index of {} step {number} skipped (the plans do not include it): {e}",
                    m.version
                )),
            }
        }
        Ok(())
    }
}
