//! Lost connections at every statement boundary, on PostgreSQL and MariaDB.
//!
//! Each case runs `up`, `down` or `backfill run` of the plan in `faults/scenario.rs` through a
//! [`FaultProxy`] that breaks the connection once: before statement n + 1 for each of the
//! first 30 boundaries (and a sample of the later ones), after the server received the k-th
//! COMMIT but before its reply reaches the client, after the server ran a statement whose
//! reply is lost, and at pseudo-random bytes in both directions. Then either a second runner
//! starts right after the cut while the first one retries ([`Second::Runner`]), or the first
//! runner is left alone to retry and reconnect ([`Second::Alone`]); a final clean run
//! finishes the job. The end state must equal an uninterrupted run's: every marker row
//! (one per migration and direction) exactly once, the same history rows (state and
//! statement counts), backfill checkpoints, introspected schema and rows.
//!
//! Cases run in parallel (`CUTOVER_FAULT_PARALLEL`, default 4), each on its own database of
//! a small pool, emptied before every case. `CUTOVER_FAULT_EVERY=1` cuts at every statement boundary instead of the first
//! 30 and a sample; `CUTOVER_FAULT_SEED` changes the random byte positions (printed).
//! SQLite has no connection to lose and is not part of these tests.

#[path = "faults/pool.rs"]
mod pool;
#[path = "faults/scenario.rs"]
mod scenario;

use cutover_core::plan::Plan;
use cutover_tests::faults::{Counts, Fault, FaultProxy, protocol_of, proxied_url, upstream};
use cutover_tests::{Backend as Kind, backends};
use futures_util::StreamExt;
use pool::{Pool, on_fresh_db};
use scenario::{Op, Outcome, plan_dir, prepare, run_at};

/// Statement boundaries cut one by one (the "first 30").
const FIRST_BOUNDARIES: u64 = 30;
/// Later boundaries, spread evenly over the rest of the run.
const LATER_BOUNDARIES: u64 = 12;
/// Statements whose reply is lost after the server ran them, spread over the run.
const LOST_REPLIES: u64 = 8;
/// Random cut bytes per direction.
const RANDOM_BYTES: usize = 3;

/// What happens right after the cut.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Second {
    /// A second runner starts the same operation on a direct connection.
    Runner,
    /// Nobody else: the first runner retries and reconnects by itself.
    Alone,
}

/// An uninterrupted run: its end state and what the proxy counted.
struct Reference {
    outcome: Outcome,
    /// For `down`: the state after `up` applied the reverted migrations again.
    reapplied: Option<Outcome>,
    counts: Counts,
}

fn env_u64(name: &str) -> Option<u64> {
    std::env::var(name).ok()?.trim().parse().ok()
}

fn server_backends() -> Vec<Kind> {
    backends()
        .into_iter()
        .filter(|k| *k != Kind::Sqlite)
        .collect()
}

/// The uninterrupted run, through a proxy that only counts, plus the final run the cases do.
async fn reference(kind: Kind, op: Op, plan: &Plan) -> Reference {
    let result = on_fresh_db(kind, |url| async move {
        prepare(op, &url, plan).await?;
        let proxy = FaultProxy::start(protocol_of(&url), upstream(&url).await, Fault::None).await;
        run_at(op, &proxied_url(&url, &proxy), plan)
            .await
            .map_err(|e| format!("uninterrupted run: {e}"))?;
        let counts = proxy.counts();
        drop(proxy);
        run_at(op, &url, plan)
            .await
            .map_err(|e| format!("repeated run: {e}"))?;
        let outcome = Outcome::read(&url).await?;
        let reapplied = match op {
            Op::Down => {
                run_at(Op::Up, &url, plan)
                    .await
                    .map_err(|e| format!("up after down: {e}"))?;
                Some(Outcome::read(&url).await?)
            }
            _ => None,
        };
        Ok(Reference {
            outcome,
            reapplied,
            counts,
        })
    })
    .await;
    result.unwrap_or_else(|e| panic!("[{}] reference run of {op:?}: {e}", kind.name()))
}

/// A small deterministic generator for the random cut bytes.
fn xorshift(state: &mut u64) -> u64 {
    *state ^= *state << 13;
    *state ^= *state >> 7;
    *state ^= *state << 17;
    *state
}

/// Where to cut a run the proxy counted as `counts`.
fn faults(counts: Counts, seed: u64) -> Vec<Fault> {
    let total = counts.statements;
    let mut out = Vec::new();
    if env_u64("CUTOVER_FAULT_EVERY") == Some(1) {
        out.extend((0..total).map(Fault::AfterStatements));
    } else {
        out.extend((0..total.min(FIRST_BOUNDARIES)).map(Fault::AfterStatements));
        let rest = total.saturating_sub(FIRST_BOUNDARIES);
        let stride = (rest / LATER_BOUNDARIES).max(1);
        out.extend(
            (FIRST_BOUNDARIES + stride / 2..total)
                .step_by(stride as usize)
                .map(Fault::AfterStatements),
        );
    }
    out.extend((1..=counts.commits).map(Fault::CommitReplyLost));
    let stride = (total / LOST_REPLIES).max(1);
    out.extend((1..=total).step_by(stride as usize).map(Fault::ReplyLost));
    let mut state = seed | 1;
    for _ in 0..RANDOM_BYTES {
        out.push(Fault::ToServerByte(
            xorshift(&mut state) % counts.to_server.max(1),
        ));
        out.push(Fault::ToClientByte(
            xorshift(&mut state) % counts.to_client.max(1),
        ));
    }
    out
}

/// One cut: `Ok(note)` when the end state equals the reference, `Err(what differs)`.
async fn case(
    pool: &Pool,
    op: Op,
    fault: Fault,
    second: Second,
    plan: &Plan,
    reference: &Reference,
) -> Result<String, String> {
    pool.run(|url| async move {
        prepare(op, &url, plan).await?;
        let proxy = FaultProxy::start(protocol_of(&url), upstream(&url).await, fault).await;
        let via = proxied_url(&url, &proxy);
        let (done, mut done_rx) = tokio::sync::watch::channel(false);
        let first = async {
            let result = run_at(op, &via, plan).await;
            done.send_replace(true);
            result
        };
        let other = async {
            if second == Second::Alone {
                return None;
            }
            tokio::select! {
                _ = proxy.wait_fired() => {}
                _ = done_rx.wait_for(|d| *d) => {}
            }
            Some(run_at(op, &url, plan).await)
        };
        let (first, other) = tokio::join!(first, other);
        let fired = proxy.fired();
        drop(proxy);
        let runs = format!("first run: {first:?}, second run: {other:?}");
        if !fired {
            return Ok(format!("the fault did not fire; {runs}"));
        }
        run_at(op, &url, plan)
            .await
            .map_err(|e| format!("the final clean run failed: {e}; {runs}"))?;
        let mut diffs = Outcome::read(&url).await?.differences(&reference.outcome);
        if let Some(reapplied) = &reference.reapplied {
            // A reverted migration applied again must give the same result as before.
            match run_at(Op::Up, &url, plan).await {
                Ok(()) => diffs.extend(
                    Outcome::read(&url)
                        .await?
                        .differences(reapplied)
                        .into_iter()
                        .map(|d| format!("after `up` again: {d}")),
                ),
                Err(e) => diffs.push(format!("`up` again after the down failed: {e}")),
            }
        }
        if diffs.is_empty() {
            Ok(runs)
        } else {
            Err(format!("{}; {runs}", diffs.join("; ")))
        }
    })
    .await
}

/// Cuts `op` everywhere on every selected server and fails with the list of broken cases.
async fn cut_everywhere(op: Op, second: Second) {
    let dir = plan_dir();
    let plan = dir.load();
    let parallel = env_u64("CUTOVER_FAULT_PARALLEL").unwrap_or(4).max(1) as usize;
    let seed = env_u64("CUTOVER_FAULT_SEED").unwrap_or(0x5eed_c0de);
    let mut failures = Vec::new();
    let mut ran = 0;
    for kind in server_backends() {
        let reference = reference(kind, op, &plan).await;
        let faults = faults(reference.counts, seed);
        eprintln!(
            "[{}] {op:?} ({second:?}): {} statements, {} commits, {} cases, seed {seed:#x}",
            kind.name(),
            reference.counts.statements,
            reference.counts.commits,
            faults.len()
        );
        let pool = Pool::new(kind, parallel).await;
        let (plan, outcome, slots) = (&plan, &reference, &pool);
        let started = std::time::Instant::now();
        let mut results: Vec<(usize, Fault, Result<String, String>)> =
            futures_util::stream::iter(faults.into_iter().enumerate())
                .map(
                    |(i, f)| async move { (i, f, case(slots, op, f, second, plan, outcome).await) },
                )
                .buffer_unordered(parallel)
                .collect()
                .await;
        pool.drop_all().await;
        results.sort_by_key(|(i, _, _)| *i);
        eprintln!(
            "[{}] {op:?} ({second:?}): {} cases in {:.1} s",
            kind.name(),
            results.len(),
            started.elapsed().as_secs_f64()
        );
        for (_, fault, result) in results {
            ran += 1;
            if let Err(e) = result {
                failures.push(format!("[{} {op:?} {second:?} {fault:?}] {e}", kind.name()));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {ran} cut cases broke a guarantee:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[tokio::test]
async fn up_survives_cuts_with_a_second_runner() {
    cut_everywhere(Op::Up, Second::Runner).await;
}

#[tokio::test]
async fn up_survives_cuts_alone() {
    cut_everywhere(Op::Up, Second::Alone).await;
}

#[tokio::test]
async fn down_survives_cuts_with_a_second_runner() {
    cut_everywhere(Op::Down, Second::Runner).await;
}

#[tokio::test]
async fn down_survives_cuts_alone() {
    cut_everywhere(Op::Down, Second::Alone).await;
}

#[tokio::test]
async fn backfill_run_survives_cuts_with_a_second_runner() {
    cut_everywhere(Op::Backfill, Second::Runner).await;
}

#[tokio::test]
async fn backfill_run_survives_cuts_alone() {
    cut_everywhere(Op::Backfill, Second::Alone).await;
}
