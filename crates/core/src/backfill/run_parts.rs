//! The parts of one backfill run: one after the other on the run's session, or each on a
//! connection of its own (`--workers`), all sharing the run's settings.

use futures_util::future::join_all;

use super::engine::{PartContext, run_part};
use super::options::{BackfillOptions, Connector};
use super::report::{BackfillObserver, BackfillReport};
use super::spec::{BackfillSpec, KeyKind};
use super::state::Checkpoint;
use crate::backend::Backend;
use crate::error::Result;
use crate::fence::Fence;

/// What every part of a run shares.
#[derive(Clone, Copy)]
pub(super) struct Run<'a> {
    pub(super) spec: &'a BackfillSpec,
    pub(super) kinds: &'a [KeyKind],
    pub(super) options: &'a BackfillOptions,
    pub(super) observer: &'a dyn BackfillObserver,
    pub(super) fence: Option<&'a Fence>,
    pub(super) captured: bool,
}

/// Runs `parts`, one after the other on `b` or each on a connection of its own.
pub(super) async fn run_parts(
    b: &mut dyn Backend,
    connector: Option<&Connector>,
    run: &Run<'_>,
    parts: Vec<Checkpoint>,
    span_of: &(dyn Fn(&Checkpoint) -> Option<(i64, i64)> + Sync),
) -> Result<BackfillReport> {
    let Run {
        spec,
        kinds,
        options,
        observer,
        fence,
        captured,
    } = *run;
    let mut total = BackfillReport {
        id: spec.id.clone(),
        parts: parts.len(),
        ..BackfillReport::default()
    };
    if parts.len() <= 1 || connector.is_none() {
        for p in parts {
            let ctx = PartContext {
                spec,
                kinds,
                options,
                observer,
                span: span_of(&p),
                fence,
                holds_lock: fence.is_some(),
                captured,
            };
            let r = run_part(b, &ctx, p).await?;
            total.absorb(&r);
        }
    } else if let Some(connect) = connector {
        let mut conns = Vec::new();
        for _ in 0..parts.len() {
            conns.push(connect().await?);
        }
        let futures = conns.into_iter().zip(parts).map(|(mut conn, p)| {
            let span = span_of(&p);
            async move {
                let ctx = PartContext {
                    spec,
                    kinds,
                    options,
                    observer,
                    span,
                    fence,
                    holds_lock: false,
                    captured,
                };
                let r = run_part(conn.as_mut(), &ctx, p).await;
                let _ = conn.close().await;
                r
            }
        });
        for r in join_all(futures).await {
            total.absorb(&r?);
        }
    }
    Ok(total)
}
