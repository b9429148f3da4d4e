//! Resuming a migration past its gates.
//!
//! A run that got past the contract gate and the soak gate, committed some statements and
//! stopped (a failed statement, a failed verification, a kill) left a `partial` or `failed`
//! history entry with `statements_applied > 0`. Its gates were decided when it started: the
//! resume neither re-verifies the backfills (the statements that ran may have dropped what
//! they read) nor takes another backup (it would copy the already-changed tables, and the
//! history's `restore --before` pointer must keep naming the copy taken before the first
//! statement), nor waits for `min_age` again. It keeps the first run's backup pointer and
//! its gate note (`--no-backup`, `--ignore-min-age "REASON"`), which a failure note carries
//! in front of the error (see [`GateRecord::failure_note`]).

use super::gate::GateRecord;
use super::history::{EntryState, HistoryEntry};
use crate::plan::Version;

/// Between the gate note of a failed run and its error, in the history note.
const FAILED_AFTER: &str = "\nfailed: ";

/// The history entry of `version` when it is a run that already got past its gates and
/// stopped half way (statements committed), else `None`.
pub(super) fn past_gates<'a>(
    entries: &'a [HistoryEntry],
    version: &Version,
) -> Option<&'a HistoryEntry> {
    entries.iter().find(|e| {
        &e.version == version
            && e.statements_applied > 0
            && matches!(e.state, EntryState::Partial | EntryState::Failed)
    })
}

impl GateRecord {
    /// The record of a resume of `prior` (see [`past_gates`]): its backup and its gate note,
    /// no re-verification (`guard` stays `None`).
    pub(super) fn resumed(prior: &HistoryEntry) -> Self {
        let note = match prior.state {
            // A failed run's note is `GATE\nfailed: ERROR`, or only the error.
            EntryState::Failed => prior
                .note
                .as_deref()
                .and_then(|n| n.split_once(FAILED_AFTER))
                .map(|(gate, _)| gate.to_string()),
            _ => prior.note.clone(),
        };
        GateRecord {
            backup: prior.backup.clone(),
            note,
            guard: None,
            soak: None,
            locked: Vec::new(),
        }
    }

    /// The history note of a failed run: the gate note first (so a resume keeps it), then
    /// the error (truncated to 2000 characters).
    pub(crate) fn failure_note(&self, error: &str) -> String {
        let error: String = error.chars().take(2000).collect();
        match self.history_note() {
            Some(gate) => format!("{gate}{FAILED_AFTER}{error}"),
            None => error,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(state: EntryState, applied: i64, note: Option<&str>) -> HistoryEntry {
        HistoryEntry {
            version: Version::parse("0004").expect("version"),
            name: "drop".into(),
            description: String::new(),
            checksum: String::new(),
            state,
            statements_applied: applied,
            statements_total: 2,
            statement_checksums: Vec::new(),
            started_at: String::new(),
            finished_at: None,
            duration_ms: None,
            tool_version: String::new(),
            applied_by: String::new(),
            note: note.map(str::to_string),
            backup: Some("/b/first.sql".into()),
        }
    }

    #[test]
    fn a_failed_run_keeps_its_gate_note_and_backup_for_the_resume() {
        let gate = GateRecord {
            soak: Some("min_age 1h not waited for (--ignore-min-age by a@b: t)".into()),
            ..GateRecord::default()
        };
        let note = gate.failure_note("mysql: CONSTRAINT failed");
        let prior = entry(EntryState::Failed, 1, Some(&note));
        let resumed = GateRecord::resumed(&prior);
        assert_eq!(resumed.backup.as_deref(), Some("/b/first.sql"));
        assert_eq!(resumed.history_note(), gate.history_note());
        let plain = entry(EntryState::Failed, 1, Some("mysql: CONSTRAINT failed"));
        assert_eq!(GateRecord::resumed(&plain).history_note(), None);
        let killed = entry(EntryState::Partial, 1, Some("gate"));
        assert_eq!(
            GateRecord::resumed(&killed).history_note().as_deref(),
            Some("gate")
        );
    }

    #[test]
    fn only_a_run_with_committed_statements_is_past_its_gates() {
        let v = Version::parse("0004").expect("version");
        let none = [entry(EntryState::Failed, 0, None)];
        assert!(past_gates(&none, &v).is_none());
        let applied = [entry(EntryState::Applied, 2, None)];
        assert!(past_gates(&applied, &v).is_none());
        let half = [entry(EntryState::Partial, 1, None)];
        assert!(past_gates(&half, &v).is_some());
    }
}
