//! A backfill's work ahead in `cutover explain`: pending rows, the rate measured before (or
//! a sample batch, rolled back), the ETA and the plan of its first batch.

use super::analyse::{Walk, busy_text};
use super::queries::first_batch_sql;
use super::rows::{measured_rate, pending_rows};
use super::{BackfillEstimate, Sample, SampleBatch};
use crate::backend::Backend;
use crate::error::Result;
use crate::plan::{Backfill, Migration};
use crate::render::backfill_id;

impl Walk<'_> {
    /// The work ahead of backfill `bf`: pending rows, rate, ETA and its first batch's plan.
    pub(super) async fn backfill(
        &mut self,
        m: &Migration,
        bf: &Backfill,
    ) -> Result<BackfillEstimate> {
        let id = backfill_id(bf, m);
        let what = format!("batch of backfill `{id}`");
        let mut out = BackfillEstimate {
            id: id.clone(),
            pending: None,
            pending_note: None,
            rows_per_second: None,
            rate_from: None,
            sample: None,
            sample_error: None,
            eta_seconds: None,
            batch: super::QueryPlan {
                what: what.clone(),
                sql: String::new(),
                plan: Vec::new(),
                full_scans: Vec::new(),
                warning: None,
                error: None,
            },
        };
        let Some(spec) = self.specs.iter().find(|s| s.id == id) else {
            return Ok(out);
        };
        if let Some(t) = &spec.step.insert_into {
            self.table(t).await?;
        }
        match pending_rows(self.b, spec).await {
            Ok(n) => out.pending = Some(n),
            Err(e) if e.is_timeout() => {
                if !self.busy.contains(&spec.step.table) {
                    self.busy.push(spec.step.table.clone());
                }
                out.pending_note = Some(format!(
                    "`{}` is busy: {}",
                    spec.step.table,
                    busy_text(self.timeouts)
                ));
            }
            // Its condition names what an earlier pending step creates: every row of the
            // table is in scope.
            Err(_) => {
                out.pending = self.table(&spec.step.table).await?;
                out.pending_note = Some(format!(
                    "every row of `{}`: the pending condition cannot run before the steps before it",
                    spec.step.table
                ));
            }
        }
        let batch = u64::from(bf.batch_size.unwrap_or(1000));
        match first_batch_sql(self.b, spec, batch).await {
            Ok(sql) => {
                out.batch = self.plan(what, sql, "the backfill's key range").await;
            }
            Err(e) => {
                out.batch.error = Some(format!("no batch query yet: {e}"));
            }
        }
        if self.sample == Sample::OneBatch && out.batch.error.is_none() {
            let sampled = sample_batch(self.b, &out.batch.sql).await;
            self.b.set_timeouts(self.timeouts).await?;
            match sampled {
                Ok(s) => out.sample = Some(s),
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
                Err(e) => out.sample_error = Some(e.to_string()),
            }
        }
        let measured = measured_rate(self.b, self.scope, &id).await?;
        let sampled = out.sample.filter(|s| s.rows > 0 && s.millis > 0).map(|s| {
            let rate = s.rows as f64 * 1000.0 / s.millis as f64;
            (rate, "a sample batch, rolled back".to_string())
        });
        if let Some((rate, from)) = measured.or(sampled) {
            out.rows_per_second = Some(rate);
            out.rate_from = Some(from);
            out.eta_seconds = out.pending.map(|p| p.rows as f64 / rate);
        }
        Ok(out)
    }
}

/// Runs `sql` (one batch) in a transaction and rolls it back, timed.
/// It waits at most 2 s for a row lock and runs at most 60 s, so that it never queues behind
/// the application for long.
async fn sample_batch(b: &mut dyn Backend, sql: &str) -> Result<SampleBatch> {
    b.set_timeouts(crate::backend::Timeouts {
        lock: std::time::Duration::from_secs(2),
        statement: Some(std::time::Duration::from_secs(60)),
    })
    .await?;
    b.begin().await?;
    let started = std::time::Instant::now();
    let result = b.execute(sql).await;
    let millis = started.elapsed().as_millis() as u64;
    // Rolled back on every path, a failed batch included.
    b.rollback().await?;
    Ok(SampleBatch {
        rows: result.map_err(|e| e.context("the sample batch (rolled back)"))?,
        millis: millis.max(1),
    })
}
