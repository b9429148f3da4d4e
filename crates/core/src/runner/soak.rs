//! The soak gate of `up`: a migration with `min_age` (see [`Soak`]) runs only once every
//! migration it soaks after was applied at least that long ago, by the database's clock.
//!
//! Measured per migration it soaks after, from the latest of: its history entry's
//! `finished_at` (written with the database's clock), and, for each of its backfills that is
//! `complete`, the checkpoint's `updated_at` (set with the database's clock when the
//! verification marked it complete: a backfill finished a minute ago has not soaked). A
//! migration applied in this same run has soaked for no time at all. A baselined migration
//! (it ran elsewhere, before cutover knew it) and a retired backfill impose no wait.
//! `--ignore-min-age "REASON"` ([`RunnerOptions::ignore_min_age`](super::RunnerOptions))
//! lets the migration through and records the reason in its history entry.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::Runner;
use super::backfill_step::BackfillStatus;
use super::history::{EntryState, HistoryEntry};
use crate::error::{Error, Result};
use crate::plan::{Migration, Soak, Version, format_duration};

/// Where a pending migration with `min_age` stands (`status`, the gate of `up`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SoakWait {
    /// The soak time as written (`24h`).
    pub min_age: String,
    /// The migration it waits for longest (`0003 (backfill_attachments)`).
    pub after: String,
    /// What happened when, e.g. `applied 2026-11-27 10:00:00 UTC`.
    pub since: String,
    /// Seconds left; 0 when it has soaked.
    pub left_secs: u64,
    /// When the wait ends, by the database's clock (counted from now when `after` is not
    /// applied yet).
    pub ready_at: String,
    /// `after` is not applied yet: the wait starts once it is.
    pub not_applied: bool,
}

impl SoakWait {
    /// Whether the soak time has passed.
    pub fn soaked(&self) -> bool {
        self.left_secs == 0
    }

    /// `13h 12m left (after 2026-11-27 23:12:00 UTC)`, or `soaked`.
    pub fn summary(&self) -> String {
        if self.soaked() {
            format!("soaked ({} after {})", self.min_age, self.after)
        } else if self.not_applied {
            format!(
                "soaking: {} after {}, which is not applied yet",
                self.min_age, self.after
            )
        } else {
            format!(
                "soaking: {} left of {} after {} ({}); ready after {}",
                format_duration(self.left_secs),
                self.min_age,
                self.after,
                self.since,
                self.ready_at
            )
        }
    }
}

/// Why `up` refused a migration whose `min_age` has not passed
/// ([`Error::SoakPending`](crate::Error::SoakPending)).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SoakRefusal {
    /// The migration label.
    pub migration: String,
    /// The soak time as written (`24h`).
    pub min_age: String,
    /// The soak time in seconds.
    pub min_age_secs: u64,
    /// The migration it waits for.
    pub after: String,
    /// What happened when: `applied 2026-11-27 10:00:00 UTC`.
    pub since: String,
    /// Seconds left.
    pub left_secs: u64,
    /// When the wait ends, by the database's clock (`2026-11-27 23:12:00 UTC`).
    pub ready_at: String,
    /// `migrations/0004_drop.toml:7`: where `min_age` is written.
    pub location: String,
}

impl std::fmt::Display for SoakRefusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "migration {} must soak {} after {} ({}): {} left (`min_age` at {}); run `cutover up` again after {}, or skip the wait with --ignore-min-age \"REASON\"",
            self.migration,
            self.min_age,
            self.after,
            self.since,
            format_duration(self.left_secs),
            self.location,
            self.ready_at
        )
    }
}

impl Runner<'_> {
    /// The database's clock now (UTC).
    pub(crate) async fn database_now(&mut self) -> Result<DateTime<Utc>> {
        let expr = self.backend.dialect().sql().now_utc_expr();
        let text = self
            .backend
            .query(&format!("SELECT {expr}"))
            .await
            .map_err(|e| e.context("reading the database's clock for `min_age`"))?
            .scalar()
            .map(str::to_string)
            .unwrap_or_default();
        parse_time(&text).ok_or_else(|| {
            Error::Other(format!(
                "the database's clock read `{text}`, which is not a time; `min_age` cannot be measured"
            ))
        })
    }

    /// The database's clock now, as history stores it (`2026-11-27T10:00:00.000Z`): the
    /// `started_at` of an entry, so that it and `finished_at` come from the same clock.
    pub(crate) async fn database_stamp(&mut self) -> Result<String> {
        let expr = self.backend.dialect().sql().now_utc_expr();
        let text = self
            .backend
            .query(&format!("SELECT {expr}"))
            .await
            .map_err(|e| e.context("reading the database's clock for the history entry"))?
            .scalar()
            .map(str::to_string)
            .unwrap_or_default();
        if parse_time(&text).is_none() {
            return Err(Error::Other(format!(
                "the database's clock read `{text}`, which is not a time; the history entry cannot record when the migration started"
            )));
        }
        Ok(text)
    }

    /// Runs before `m` is applied, after the contract gate: refuses with
    /// [`Error::SoakPending`] while `m`'s `min_age` has not passed, unless
    /// `ignore_min_age` gives a reason, which `m`'s history entry then records.
    pub(super) async fn soak_gate(
        &mut self,
        m: &Migration,
        entries: &[HistoryEntry],
        applied_now: &[Version],
    ) -> Result<()> {
        self.gate.soak = None;
        let Some(soak) = &m.soak else {
            return Ok(());
        };
        // A run that already got past the gate and stopped half way (statements committed)
        // is finished, never held back: the wait was decided when it started.
        if super::resume_gate::past_gates(entries, &m.version).is_some() {
            return Ok(());
        }
        let states = self.backfill_states(entries, applied_now).await?;
        let now = self.database_now().await?;
        let wait = soak_wait(self.plan, soak, entries, applied_now, &states, now);
        if wait.soaked() {
            return Ok(());
        }
        if let Some(reason) = self.options.ignore_min_age.as_deref().map(str::trim) {
            if reason.is_empty() {
                return Err(Error::Other(format!(
                    "migration {} has not soaked ({} left of min_age {}), and --ignore-min-age was given without a reason; say why the wait is skipped, e.g. --ignore-min-age \"staging only, no traffic\"",
                    m.label(),
                    format_duration(wait.left_secs),
                    soak.text
                )));
            }
            if reason.chars().count() > MAX_REASON {
                return Err(Error::Other(format!(
                    "migration {}: the --ignore-min-age reason is {} characters long; the history note keeps at most {MAX_REASON}: give a shorter reason (a ticket link, a sentence)",
                    m.label(),
                    reason.chars().count()
                )));
            }
            self.gate.soak = Some(format!(
                "{SKIPPED}{} not waited for (--ignore-min-age by {}: {reason}); {} was left after {} ({})",
                soak.text,
                self.options.applied_by,
                format_duration(wait.left_secs),
                wait.after,
                wait.since
            ));
            return Ok(());
        }
        Err(Error::SoakPending(Box::new(SoakRefusal {
            migration: m.label(),
            min_age: soak.text.clone(),
            min_age_secs: soak.seconds,
            after: wait.after,
            since: wait.since,
            left_secs: wait.left_secs,
            ready_at: wait.ready_at,
            location: format!("{}:{}", m.path.display(), soak.line),
        })))
    }

    /// `; soaking: 13h 12m left of 24h after ...` for `m` when it has `min_age`, for the
    /// message of `up --phase` stopping before it (`report`: what this run applied so far).
    pub(super) async fn soak_summary(
        &mut self,
        m: &Migration,
        entries: &[HistoryEntry],
        report: &super::RunReport,
    ) -> Result<String> {
        let Some(soak) = &m.soak else {
            return Ok(String::new());
        };
        let applied_now: Vec<Version> = report
            .migrations
            .iter()
            .filter(|x| x.outcome == "applied")
            .map(|x| x.version.clone())
            .collect();
        let states = self.backfill_states(entries, &applied_now).await?;
        let now = self.database_now().await?;
        let wait = soak_wait(self.plan, soak, entries, &applied_now, &states, now);
        Ok(format!("; {}", wait.summary()))
    }

    /// The soak state of every pending migration with `min_age`, by version (for `status`).
    pub(crate) async fn soak_waits(
        &mut self,
        entries: &[HistoryEntry],
    ) -> Result<Vec<(Version, SoakWait)>> {
        let pending: Vec<&Migration> = self
            .plan
            .migrations
            .iter()
            .filter(|m| m.soak.is_some())
            .filter(|m| {
                !entries
                    .iter()
                    .any(|e| e.version == m.version && e.state.is_done())
            })
            .collect();
        if pending.is_empty() {
            return Ok(Vec::new());
        }
        let states = self.backfill_states(entries, &[]).await?;
        let now = self.database_now().await?;
        Ok(pending
            .into_iter()
            .filter_map(|m| {
                let soak = m.soak.as_ref()?;
                let wait = soak_wait(self.plan, soak, entries, &[], &states, now);
                Some((m.version.clone(), wait))
            })
            .collect())
    }
}

/// The soak of one migration at `now`: the migration it soaks after that leaves the longest
/// wait.
fn soak_wait(
    plan: &crate::plan::Plan,
    soak: &Soak,
    entries: &[HistoryEntry],
    applied_now: &[Version],
    states: &[BackfillStatus],
    now: DateTime<Utc>,
) -> SoakWait {
    let min_age = chrono::Duration::seconds(i64::try_from(soak.seconds).unwrap_or(i64::MAX));
    let mut worst: Option<(DateTime<Utc>, String, String)> = None;
    for v in &soak.after {
        let label = plan
            .get(&v.text)
            .map(|m| m.label())
            .unwrap_or(v.text.clone());
        let entry = entries.iter().find(|e| e.version == *v);
        let (mut at, mut since) = match entry {
            _ if applied_now.contains(v) => (now, "applied in this run".to_string()),
            Some(e) if e.state == EntryState::Baselined => continue,
            Some(e) if e.state == EntryState::Applied => {
                let stamp = e.finished_at.as_deref().unwrap_or(&e.started_at);
                match parse_time(stamp) {
                    Some(t) => (t, format!("applied {}", show(t))),
                    None => (now, format!("applied at an unreadable time `{stamp}`")),
                }
            }
            _ => (now, NOT_APPLIED.to_string()),
        };
        // Its backfills matter once it is applied (before, or in this run, the wait is whole).
        let recorded = entry.is_some_and(|e| e.state == EntryState::Applied);
        for st in states.iter().filter(|st| recorded && st.migration == label) {
            if st.retired.is_some() {
                continue;
            }
            let verified = match (st.state.as_str(), st.updated_at.as_deref()) {
                ("complete", Some(stamp)) => parse_time(stamp),
                _ => None,
            };
            match verified {
                Some(t) if t > at => {
                    at = t;
                    since = format!("its backfill `{}` verified complete {}", st.id, show(t));
                }
                Some(_) => {}
                None if st.state != "complete" => {
                    at = now;
                    since = format!("its backfill `{}` is {}", st.id, st.state);
                }
                None => {}
            }
        }
        // On a tie, the later migration: the one a reader expects to be waited for.
        if worst.as_ref().is_none_or(|(w, _, _)| at >= *w) {
            worst = Some((at, label, since));
        }
    }
    let Some((at, after, since)) = worst else {
        return SoakWait {
            min_age: soak.text.clone(),
            after: "nothing (baselined)".into(),
            since: String::new(),
            left_secs: 0,
            ready_at: show(now),
            not_applied: false,
        };
    };
    let ready = at + min_age;
    let left = (ready - now).num_milliseconds().max(0) as u64;
    SoakWait {
        min_age: soak.text.clone(),
        after,
        not_applied: since == NOT_APPLIED,
        since,
        // Round up: "1s left" until it has really passed.
        left_secs: left.div_ceil(1000),
        ready_at: show(ready),
    }
}

/// What a soak says of a migration it waits for that is not applied.
const NOT_APPLIED: &str = "not applied yet";

/// The longest `--ignore-min-age` reason: the history note (TEXT on MySQL/MariaDB) also
/// holds the rest of the note and, after a failure, the error.
const MAX_REASON: usize = 1000;

/// The start of the history note that `--ignore-min-age` writes.
const SKIPPED: &str = "min_age ";

/// The part of a history note that says `--ignore-min-age` skipped the soak time.
pub(super) fn skipped_note(note: Option<&str>) -> Option<String> {
    let note = note?;
    let at = note
        .find(SKIPPED)
        .filter(|at| note[*at..].contains(" not waited for (--ignore-min-age"))?;
    Some(note[at..].to_string())
}

/// Reads a stored time: RFC 3339, or `YYYY-MM-DD HH:MM:SS[.fff]` taken as UTC.
pub(crate) fn parse_time(text: &str) -> Option<DateTime<Utc>> {
    let t = text.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(t) {
        return Some(t.with_timezone(&Utc));
    }
    chrono::NaiveDateTime::parse_from_str(t, "%Y-%m-%d %H:%M:%S%.f")
        .ok()
        .map(|n| n.and_utc())
}

/// `2026-11-27 10:00:00 UTC`.
fn show(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%d %H:%M:%S UTC").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_times_parse_in_utc() {
        let a = parse_time("2026-11-27T10:00:00.000Z");
        let b = parse_time("2026-11-27T12:00:00+02:00");
        let c = parse_time("2026-11-27 10:00:00");
        let d = parse_time("2026-11-27T10:00:00.123456Z");
        assert!(a.is_some());
        assert_eq!(a, b);
        assert_eq!(a, c);
        assert_eq!(d.map(|d| d.timestamp()), a.map(|a| a.timestamp()));
        assert_eq!(parse_time("yesterday"), None);
    }
}
