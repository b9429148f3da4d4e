//! `--max-replica-lag`: the replicas a backfill watches, from cutover.toml and `--replica`.

use std::time::Duration;

use anyhow::{Result, bail};
use cutover_core::backfill::{BackfillOptions, ReplicaSource};

use crate::cli::{BatchOpts, ConnectOpts};
use crate::project::Project;

/// Adds the replica settings of `batch` (and of the target `connect` names) to `options`.
pub(crate) fn apply(
    project: &Project,
    connect: &ConnectOpts,
    batch: &BatchOpts,
    options: &mut BackfillOptions,
) -> Result<()> {
    let Some(secs) = batch.max_replica_lag else {
        return Ok(());
    };
    if !secs.is_finite() || secs < 0.0 {
        bail!(
            "--max-replica-lag {secs}: give the largest lag to allow, in seconds (e.g. 2 or 0.5)"
        );
    }
    let mut urls = Vec::new();
    if let Some(name) = &connect.target {
        urls = project.config.target_replicas(name)?;
        if let Some(t) = project.config.targets.get(name) {
            options.on_unreachable = t.on_unreachable;
        }
    }
    urls.extend(batch.replica.iter().cloned());
    if let Some(o) = batch.on_unreachable {
        options.on_unreachable = o;
    }
    if urls.is_empty() {
        bail!(
            "--max-replica-lag needs the replicas to watch: list them in cutover.toml (`[targets.NAME] replicas = [\"postgres://...\"]`, used with --target NAME) or pass --replica URL"
        );
    }
    for url in urls {
        let dialect = cutover_core::url::dialect_of(&url)?;
        if !dialect.replica_lag().has_replicas() {
            bail!(
                "replica {}: {} databases have no replicas to watch; remove it",
                cutover_core::url::redact(&url),
                dialect.name()
            );
        }
        let name = cutover_core::url::redact(&url);
        options
            .replicas
            .push(ReplicaSource::new(name, super::connector(url)));
    }
    options.max_replica_lag = Some(Duration::from_secs_f64(secs));
    Ok(())
}
