//! Starting, resuming and splitting a backfill into parts (parallel workers).

use std::time::Instant;

use super::keys;
use super::options::{BackfillOptions, Connector};
use super::report::{BackfillEvent, BackfillObserver, BackfillReport};
use super::run_parts::{Run, run_parts};
use super::spec::{BackfillSpec, KeyKind};
use super::sql::{key_bounds_sql, pending_exists_sql};
use super::state::{Checkpoint, PartState, StateTable};
use crate::backend::Backend;
use crate::error::{Error, Result};
use crate::fence::Fence;
use crate::runner::now;

/// Runs (or resumes) a backfill to the end of its key range.
///
/// `connector` opens extra connections for `options.workers > 1`; without it, or on SQLite
/// (one writer), the backfill runs serially. A single integer key splits evenly between its
/// `MIN` and `MAX`; any other key (UUID, text, composite) at sampled key quantiles.
pub async fn run(
    b: &mut dyn Backend,
    connector: Option<&Connector>,
    spec: &BackfillSpec,
    options: &BackfillOptions,
    observer: &dyn BackfillObserver,
) -> Result<BackfillReport> {
    run_fenced(b, connector, spec, options, observer, None).await
}

/// Like [`run`], for a run that holds a lock on `b`'s session: every batch (on `b` or on a
/// worker's connection) checks `fence` inside its transaction before committing, and a lost
/// connection of `b` is returned at once (its lock went with it) instead of reconnecting.
pub async fn run_fenced(
    b: &mut dyn Backend,
    connector: Option<&Connector>,
    spec: &BackfillSpec,
    options: &BackfillOptions,
    observer: &dyn BackfillObserver,
    fence: Option<&Fence>,
) -> Result<BackfillReport> {
    let started = Instant::now();
    super::replicas::verify_replicas(b, options).await?;
    let states = StateTable::new(b.dialect(), &spec.scope);
    states.ensure(b).await?;
    let mut existing = states.load(b, &spec.id).await?;
    let retired = existing.iter().any(|c| c.state == PartState::Retired);
    if retired && !options.restart && !options.force {
        // Retired with `cutover backfill retire` (the runner refuses to run it by name; this
        // keeps `up` from running the step of a migration applied after the retirement).
        return Ok(BackfillReport {
            id: spec.id.clone(),
            outcome: "retired".into(),
            parts: existing.len(),
            duration_ms: started.elapsed().as_millis() as u64,
            ..BackfillReport::default()
        });
    }
    let (key, kinds) = keys::resolve(b, spec).await?;
    let declared = !spec.key.is_empty();
    let mut spec = spec.clone();
    spec.key = key;
    super::key_set::refuse_key_set(b, &spec).await?;
    super::null_key::refuse_null_keys(b, &spec, declared).await?;
    super::key_unique::refuse_non_unique_key(b, &spec, declared).await?;

    let legacy = spec.legacy_checksum();
    let changed = |c: &Checkpoint| c.checksum != spec.checksum && c.checksum != legacy;
    // A changed definition after a run that committed no batch (it failed on its first)
    // starts over: no row was written with the old one.
    let untouched = existing
        .iter()
        .all(|c| c.batches == 0 && c.rows_changed == 0);
    let redefined = existing.iter().any(changed);
    if redefined && !options.restart && !untouched {
        return Err(Error::Other(changed_message(
            &spec.id,
            existing.iter().map(|c| c.rows_changed).sum::<i64>(),
            spec.has_pending(),
        )));
    }
    let starting_over = options.restart || options.force || redefined;
    let finished = |c: &Checkpoint| matches!(c.state, PartState::Done | PartState::Complete);
    let mut walk_again = false;
    if !starting_over && !existing.is_empty() && existing.iter().all(finished) {
        // A finished backfill is done at once only when no row is pending anywhere in the
        // key space: new rows land behind the cursor too (UUID or text keys, transactions
        // that were open during a batch), so the probe never starts at the checkpoint.
        // Insert-select backfills without `pending` probe with the default anti-join on the
        // target's key. Without any pending condition the checkpoint is the only answer.
        let nothing_pending = !spec.has_pending() || !pending_anywhere(b, &spec).await?;
        if nothing_pending {
            return Ok(BackfillReport {
                id: spec.id.clone(),
                outcome: "already done".into(),
                parts: existing.len(),
                duration_ms: started.elapsed().as_millis() as u64,
                ..BackfillReport::default()
            });
        }
        // New pending rows: walk the table once more.
        walk_again = true;
    }
    // Batches will run: the undo log is created or checked now (a log a finished backfill
    // cannot use any more stops nothing while no batch would write into it), before the
    // checkpoint is cleared, so a refusal leaves the backfill's state as it was.
    if let Some(log) = super::undo_log::UndoLog::of(&spec) {
        spec.undo_log_held = log
            .ensure(b)
            .await
            .map_err(|e| e.context(format!("backfill `{}`", spec.id)))?;
    }
    let spec = &spec;
    if starting_over || walk_again {
        states.clear(b, &spec.id).await?;
        existing.clear();
    }

    // Tables created or filled earlier in this run have no statistics yet: a batch joining
    // them could pick a plan that scans every pending row.
    super::stats::refresh_stale_stats(b, spec).await?;
    let integer_key = spec.key.len() == 1 && kinds.first() == Some(&KeyKind::Integer);
    let bounds = if integer_key {
        key_bounds(b, spec).await?
    } else {
        None
    };
    let parts: Vec<Checkpoint> = if existing.is_empty() {
        // One writer at a time (SQLite): parts would only wait on each other.
        let parallel = b.dialect().sql().parallel_writers();
        if options.workers > 1 && !parallel {
            let message = format!(
                "backfill `{}`: {} has one writer at a time, so --workers {} runs as one part \
                 (parts would only wait for each other)",
                spec.id,
                b.dialect(),
                options.workers
            );
            observer.event(&BackfillEvent::Notice { message: &message });
        }
        let can_split = options.workers > 1 && connector.is_some() && parallel;
        let n = if can_split { options.workers } else { 1 };
        let parts = if integer_key || n < 2 {
            split(spec, bounds.filter(|_| can_split), n)
        } else {
            let points = super::split::split_points(b, spec, &kinds, n).await?;
            split_at(spec, points)
        };
        // All parts or none: a run killed between two inserts would leave a checkpoint
        // whose parts do not cover the key space, and the resume would skip the rest.
        b.begin().await?;
        for p in &parts {
            if let Err(e) = states.insert(b, p).await {
                let _ = b.rollback().await;
                return Err(e);
            }
        }
        b.commit().await?;
        parts
    } else {
        existing.into_iter().filter(|c| !finished(c)).collect()
    };

    let estimate = match b
        .query(&b.dialect().sql().row_estimate_sql(&spec.step.table))
        .await
    {
        Ok(r) => r
            .scalar()
            .and_then(|v| v.parse::<f64>().ok())
            .map(|v| v as u64),
        Err(_) => None,
    };
    observer.event(&BackfillEvent::Started {
        id: &spec.id,
        estimate,
        parts: parts.len(),
    });
    let span_of = |p: &Checkpoint| -> Option<(i64, i64)> {
        let (lo, hi) = bounds?;
        let start = p
            .cursor
            .as_ref()
            .and_then(|c| c.first()?.parse().ok())
            .unwrap_or(lo);
        let end = p
            .range_end
            .as_ref()
            .and_then(|c| c.first()?.parse().ok())
            .unwrap_or(hi);
        Some((start, end))
    };

    // The database logs the batches by itself where it can (PostgreSQL), for this run only.
    let log = super::undo_log::UndoLog::of(spec);
    let mut notice = None;
    let captured = match &log {
        Some(log) => log.install_capture(b, &mut notice).await?,
        None => false,
    };
    if let Some(message) = &notice {
        observer.event(&BackfillEvent::Notice { message });
    }
    let run = Run {
        spec,
        kinds: &kinds,
        options,
        observer,
        fence,
        captured,
    };
    let ran = run_parts(b, connector, &run, parts, &span_of).await;
    if let (true, Some(log)) = (captured, &log)
        && let Err(e) = log.remove_capture(b).await
    {
        let message = format!(
            "backfill `{}`: the undo log trigger {} stays on table `{}` ({}); it logs nothing outside a backfill's batches, and the next run or undo removes it",
            spec.id,
            log.table,
            log.target,
            e.root()
        );
        observer.event(&BackfillEvent::Notice { message: &message });
    }
    let mut total = ran?;
    total.outcome = "done".into();
    total.duration_ms = started.elapsed().as_millis() as u64;
    total.ms_per_row = if total.rows_changed > 0 {
        total.duration_ms as f64 / total.rows_changed as f64
    } else {
        0.0
    };
    Ok(total)
}

/// The refusal to resume a backfill whose definition changed after `rows` rows were done.
fn changed_message(id: &str, rows: i64, pending: bool) -> String {
    let restart = format!(
        "backfill `{id}` changed since its checkpoint was written ({rows} rows done); run `cutover backfill run {id} --restart` to start over with the new definition"
    );
    if pending {
        return restart;
    }
    format!(
        "{restart}. It has no `pending`, so --restart writes the {rows} rows done again (`set` applied twice); to avoid that, put the step back as it was and let the run finish, or add a `pending` that tells the rows done apart before restarting"
    )
}

#[cfg(test)]
mod changed_tests {
    use super::changed_message;

    #[test]
    fn changed_message_names_the_id_in_the_command_and_the_rows_in_the_count() {
        assert_eq!(
            changed_message("fill_email", 1500, true),
            "backfill `fill_email` changed since its checkpoint was written (1500 rows done); run `cutover backfill run fill_email --restart` to start over with the new definition"
        );
    }

    #[test]
    fn without_pending_it_warns_that_restart_writes_the_rows_done_again() {
        let m = changed_message("bump", 10400, false);
        assert!(
            m.contains("--restart writes the 10400 rows done again"),
            "{m}"
        );
    }
}

/// Whether any row of `spec` is pending, over the whole key space (`SELECT 1 .. WHERE
/// pending LIMIT 1`). Used by the done-at-once check and by the contract gate.
pub async fn pending_anywhere(b: &mut dyn Backend, spec: &BackfillSpec) -> Result<bool> {
    let probe = pending_exists_sql(spec, b.dialect(), &[], None, None)?;
    Ok(!b.query(&probe).await?.rows.is_empty())
}

async fn key_bounds(b: &mut dyn Backend, spec: &BackfillSpec) -> Result<Option<(i64, i64)>> {
    let rows = b.query(&key_bounds_sql(spec, b.dialect())).await?;
    let row = rows.rows.first();
    let get = |i: usize| {
        row.and_then(|r| r.get(i).cloned().flatten())
            .and_then(|v| v.parse::<i64>().ok())
    };
    Ok(match (get(0), get(1)) {
        (Some(lo), Some(hi)) => Some((lo, hi)),
        _ => None,
    })
}

/// Parts between sampled split points: part `i` covers `(points[i-1], points[i]]` (the
/// first open below, the last open above).
fn split_at(spec: &BackfillSpec, points: Vec<Vec<String>>) -> Vec<Checkpoint> {
    let mut base = split(spec, None, 1);
    let Some(first) = base.pop() else {
        return Vec::new();
    };
    let mut parts = Vec::with_capacity(points.len() + 1);
    let mut cursor: Option<Vec<String>> = None;
    for (i, point) in points.into_iter().enumerate() {
        let mut end = point.clone();
        end.push(super::split::THROUGH.to_string());
        parts.push(Checkpoint {
            part: i as i64,
            cursor: cursor.take(),
            range_end: Some(end),
            ..first.clone()
        });
        cursor = Some(point);
    }
    parts.push(Checkpoint {
        part: parts.len() as i64,
        cursor,
        range_end: None,
        ..first
    });
    parts
}

/// Splits `[lo, hi]` into `n` disjoint ranges, each a checkpoint whose cursor is just below
/// its start and whose end is the next range's start (exclusive).
fn split(spec: &BackfillSpec, bounds: Option<(i64, i64)>, n: usize) -> Vec<Checkpoint> {
    let stamp = now();
    let make = |part: usize, cursor: Option<i64>, end: Option<i64>| Checkpoint {
        id: spec.id.clone(),
        part: part as i64,
        checksum: spec.checksum.clone(),
        cursor: cursor.map(|c| vec![c.to_string()]),
        range_end: end.map(|e| vec![e.to_string()]),
        rows_scanned: 0,
        rows_changed: 0,
        batches: 0,
        state: PartState::Running,
        started_at: stamp.clone(),
        updated_at: stamp.clone(),
    };
    let Some((lo, hi)) = bounds.filter(|_| n > 1) else {
        return vec![make(0, None, None)];
    };
    let width = ((hi as i128 - lo as i128 + 1) / n as i128).max(1);
    let starts: Vec<i64> = (0..n)
        .map(|i| (lo as i128 + width * i as i128) as i64)
        .collect();
    (0..n)
        .map(|i| {
            let cursor = if i == 0 { None } else { Some(starts[i] - 1) };
            let end = starts.get(i + 1).copied();
            make(i, cursor, end)
        })
        .collect()
}

#[cfg(test)]
#[path = "parallel_tests.rs"]
mod tests;
