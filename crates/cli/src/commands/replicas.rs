//! `--max-replica-lag`: the replicas a backfill watches, from cutover.toml and `--replica`.

use std::time::Duration;

use anyhow::{Result, bail};
use cutover_core::backfill::{BackfillOptions, PrimaryStandbys, ReplicaSource, ReplicaSourceMode};

use crate::cli::{BatchOpts, ConnectOpts};
use crate::project::Project;

/// Adds the replica settings of `batch` (and of the target `connect` names) to `options`.
pub(crate) fn apply(
    project: &Project,
    connect: &ConnectOpts,
    batch: &BatchOpts,
    options: &mut BackfillOptions,
) -> Result<()> {
    let url = project.database_url(connect).ok();
    apply_to(
        project,
        connect.target.as_deref(),
        url.as_deref(),
        batch,
        options,
    )
}

/// Like [`apply`], for the database `url` (if known), which is target `target` of
/// cutover.toml when named (its `replicas`, `on_unreachable` and `replica_source` apply).
pub(crate) fn apply_to(
    project: &Project,
    target: Option<&str>,
    url: Option<&str>,
    batch: &BatchOpts,
    options: &mut BackfillOptions,
) -> Result<()> {
    let Some(secs) = batch.max_replica_lag else {
        return refuse_without_limit(batch);
    };
    if !secs.is_finite() || secs < 0.0 {
        bail!(
            "--max-replica-lag {secs}: give the largest lag to allow, in seconds (e.g. 2 or 0.5)"
        );
    }
    let mut urls = Vec::new();
    let mut source = ReplicaSourceMode::Auto;
    if let Some(name) = target {
        urls = project.config.target_replicas(name)?;
        if let Some(t) = project.config.targets.get(name) {
            options.on_unreachable = t.on_unreachable;
            source = t.replica_source;
        }
    }
    if let Some(o) = batch.on_unreachable {
        options.on_unreachable = o;
    }
    if let Some(s) = batch.replica_source {
        source = s;
    }
    if source == ReplicaSourceMode::Primary && !batch.replica.is_empty() {
        bail!(
            "--replica-source primary reads the lag on the primary alone: drop --replica, or use --replica-source replicas"
        );
    }
    urls.extend(batch.replica.iter().cloned());
    let primary = match source {
        ReplicaSourceMode::Primary => true,
        ReplicaSourceMode::Replicas => false,
        ReplicaSourceMode::Auto => urls.is_empty(),
    };
    if primary {
        let dialect = url.and_then(|u| cutover_core::url::dialect_of(u).ok());
        if let Some(d) = dialect
            && d.replica_lag().primary_standbys_sql().is_none()
        {
            bail!(
                "--max-replica-lag on {}: the primary does not report its replicas' lag, so list the replicas to watch in cutover.toml (`[targets.NAME] replicas = [\"mysql://...\"]`, used with --target NAME) or pass --replica URL",
                d.name()
            );
        }
        options.primary_standbys = Some(PrimaryStandbys::new());
        options.max_replica_lag = Some(Duration::from_secs_f64(secs));
        return Ok(());
    }
    if urls.is_empty() {
        bail!(
            "--replica-source replicas needs the replicas to watch: list them in cutover.toml (`[targets.NAME] replicas = [\"postgres://...\"]`, used with --target NAME) or pass --replica URL"
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

/// `--replica`, `--on-unreachable` and `--replica-source` only mean something with
/// `--max-replica-lag`: refused rather than silently ignored.
pub(super) fn refuse_without_limit(batch: &BatchOpts) -> Result<()> {
    let given: Vec<&str> = [
        (!batch.replica.is_empty(), "--replica"),
        (batch.on_unreachable.is_some(), "--on-unreachable"),
        (batch.replica_source.is_some(), "--replica-source"),
    ]
    .into_iter()
    .filter_map(|(on, flag)| on.then_some(flag))
    .collect();
    if given.is_empty() {
        return Ok(());
    }
    bail!(
        "{} only take effect with --max-replica-lag SECS (the lag to allow); add it, or drop {}",
        given.join(", "),
        if given.len() == 1 { "it" } else { "them" }
    )
}
