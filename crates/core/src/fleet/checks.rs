//! More per-target operations of a fleet: `backfill run` and `drift` on one database, as the
//! single-database commands run them, plus the dialects a fleet's lint covers.

use super::FleetJob;
use super::Outcome;
use super::ops::{Counting, outcome_of};
use crate::Dialect;
use crate::error::{Error, Result};
use crate::plan::FleetMember;
use crate::runner::{Reporter, Runner};

/// `backfill run` on one member: the named backfills (`ids`), or every backfill that is not
/// retired and whose migrations are applied (the others are listed in `notes`), each run to
/// the end and verified. A backfill whose verification fails is an error of this member.
pub async fn backfill_one(
    job: &FleetJob,
    member: &FleetMember,
    ids: &[String],
    reporter: &dyn Reporter,
) -> Result<Outcome> {
    if crate::url::is_missing_file(&member.url) {
        return Err(Error::Other(format!(
            "MISSING: no SQLite database at {}: run `cutover up --group ...` first",
            crate::url::sqlite_path(&member.url).unwrap_or_default()
        )));
    }
    let mut backend = (job.open)(member.url.clone()).await?;
    let counting = Counting::new(reporter);
    let url = member.url.clone();
    let open = job.open.clone();
    let connector: Box<crate::backfill::Connector> = Box::new(move || open(url.clone()));
    let result = async {
        let mut runner = Runner::new(backend.as_mut(), &job.plan, job.options.clone(), &counting)
            .with_connector(connector.as_ref());
        let mut notes = Vec::new();
        let chosen = if ids.is_empty() {
            let mut chosen = Vec::new();
            for st in runner.backfill_status().await? {
                if st.retired.is_some() {
                    notes.push(format!("backfill {}: retired, skipped", st.id));
                    continue;
                }
                let missing = runner.backfill_blockers(&st.id).await?;
                if missing.is_empty() {
                    chosen.push(st.id);
                } else {
                    notes.push(format!(
                        "backfill {}: skipped, {} not applied yet (run `cutover up` first)",
                        st.id,
                        missing.join(", ")
                    ));
                }
            }
            chosen
        } else {
            for id in ids {
                runner
                    .ensure_not_retired(id, job.options.backfill.restart)
                    .await?;
                runner.ensure_backfill_ready(id).await?;
            }
            ids.to_vec()
        };
        for id in &chosen {
            let outcome = runner.backfill(id).await?;
            if !outcome.complete && outcome.waiting_for.is_empty() {
                return Err(Error::Other(format!(
                    "backfill {id}: ran, but its verification FAILED (see `cutover verify --target ...` on this database)"
                )));
            }
            if !outcome.waiting_for.is_empty() {
                notes.push(format!(
                    "backfill {id}: verification waits for backfill {}",
                    outcome.waiting_for.join(", ")
                ));
            }
        }
        let status = runner.status().await?;
        Ok::<_, Error>((notes, status))
    }
    .await;
    let _ = backend.close().await;
    let (notes, status) = result?;
    let mut outcome = outcome_of(&status);
    counting.fill(&mut outcome);
    outcome.notes = notes;
    Ok(outcome)
}

/// `drift` on one member: compares its live schema with what its applied migrations build.
/// The differences land in [`Outcome::drift`] (the member itself succeeded).
pub async fn drift_one(job: &FleetJob, member: &FleetMember) -> Result<Outcome> {
    if crate::url::is_missing_file(&member.url) {
        return Err(Error::Other(format!(
            "MISSING: no SQLite database at {}: drift only reads and creates none; `cutover up --group ...` creates it",
            crate::url::sqlite_path(&member.url).unwrap_or_default()
        )));
    }
    let mut backend = (job.open)(member.url.clone()).await?;
    let result = async {
        let mut runner = Runner::new(
            backend.as_mut(),
            &job.plan,
            job.options.clone(),
            &crate::runner::Silent,
        );
        let drift = runner.drift().await?;
        let status = runner.status().await?;
        Ok::<_, Error>((drift, status))
    }
    .await;
    let _ = backend.close().await;
    let (drift, status) = result?;
    let mut outcome = outcome_of(&status);
    outcome.drift = drift
        .differences
        .iter()
        .map(|d| format!("{}: {}", d.object, d.detail))
        .collect();
    Ok(outcome)
}

/// The distinct dialects of the members, in order of first appearance: a fleet lints the plan
/// once per dialect, not once per database (lint reads no database).
pub fn dialects_of(members: &[FleetMember]) -> Result<Vec<Dialect>> {
    let mut dialects = Vec::new();
    for m in members {
        let d = crate::url::dialect_of(&m.url)?;
        if !dialects.contains(&d) {
            dialects.push(d);
        }
    }
    Ok(dialects)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn member(url: &str) -> FleetMember {
        FleetMember {
            name: url.to_string(),
            url: url.to_string(),
        }
    }

    #[test]
    fn dialects_are_distinct_in_order_of_first_appearance() {
        let members = [
            member("sqlite://a.db"),
            member("postgres://u@h/a"),
            member("sqlite://b.db"),
            member("mariadb://u@h/c"),
            member("postgres://u@h/b"),
        ];
        assert_eq!(
            dialects_of(&members).ok(),
            Some(vec![Dialect::Sqlite, Dialect::Postgres, Dialect::Mysql])
        );
        let err = dialects_of(&[member("oracle://x")])
            .err()
            .map(|e| e.to_string());
        assert!(err.unwrap_or_default().contains("oracle"));
    }
}
