//! `backfill run --group ... --max-replica-lag SECS`: every target of the fleet watches its
//! own replicas (its `replicas`, `on_unreachable` and `replica_source` in cutover.toml; a
//! member given by URL reads the lag on its primary).

use std::sync::Arc;

use anyhow::{Result, anyhow};
use cutover_core::fleet::FleetJob;
use cutover_core::plan::FleetMember;

use crate::cli::BatchOpts;
use crate::project::Project;

/// The job of each member, with that member's replicas, when `--max-replica-lag` is given;
/// empty otherwise (every member uses `shared`). Fails before anything runs when one
/// member's replicas cannot be watched, naming it.
pub(super) fn jobs(
    project: &Project,
    members: &[FleetMember],
    batch: &BatchOpts,
    shared: &Arc<FleetJob>,
) -> Result<Vec<(FleetMember, Arc<FleetJob>)>> {
    if batch.max_replica_lag.is_none() {
        super::replicas::refuse_without_limit(batch)?;
        return Ok(Vec::new());
    }
    let mut out = Vec::new();
    for m in members {
        let mut options = shared.options.clone();
        let target = project
            .config
            .targets
            .contains_key(&m.name)
            .then_some(m.name.as_str());
        super::replicas::apply_to(project, target, Some(&m.url), batch, &mut options.backfill)
            .map_err(|e| anyhow!("target {}: {e}", m.name))?;
        let job = FleetJob {
            plan: shared.plan.clone(),
            options,
            open: shared.open.clone(),
            target: shared.target.clone(),
            create: shared.create,
        };
        out.push((m.clone(), Arc::new(job)));
    }
    Ok(out)
}

/// The job `member` runs: its own from `jobs`, else `shared`.
pub(super) fn job_of(
    jobs: &[(FleetMember, Arc<FleetJob>)],
    member: &FleetMember,
    shared: &Arc<FleetJob>,
) -> Arc<FleetJob> {
    jobs.iter()
        .find(|(m, _)| m.name == member.name && m.url == member.url)
        .map_or_else(|| shared.clone(), |(_, j)| j.clone())
}
