//! `down` of a step whose captured definition is missing: said, not silent.
//!
//! A step that replaced, dropped or toggled an object always captures a row when it ran
//! without `if_exists` (the object existed, or the step would have failed). When `down`
//! finds none, the captured table lost it (history restored from a dump without
//! `<history>_captured`, a database adopted with `baseline`, a hand cleanup, or a migration
//! applied before the capture existed): nothing can be re-created, and the run warns, naming
//! the object, the migration and the step, and what to do.

use super::Runner;
use super::report::Event;
use crate::plan::Step;
use crate::render::CaptureKey;

/// What `down` does when the captured rows of a step are missing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Missing {
    /// The step could not have run without capturing (a `drop_policy` without `if_exists`):
    /// the rows were removed, so `down` refuses (the table was tampered with).
    Refuse,
    /// The step captures when it runs, but a migration applied before cutover captured the
    /// object has none: `down` warns and goes on.
    Warn,
}

impl Runner<'_> {
    /// Whether `key`'s up step must have captured something, and what a missing capture means.
    pub(crate) fn expected_capture(&self, key: &CaptureKey) -> Option<Missing> {
        let step = self
            .plan
            .get(&key.version)
            .and_then(|m| m.steps.get(key.step.wrapping_sub(1)))
            .map(|s| &s.item)?;
        match step {
            Step::DropPolicy(d) if !d.if_exists => Some(Missing::Refuse),
            Step::DropFunction(d) if !d.if_exists => Some(Missing::Warn),
            Step::DropTrigger(d) if !d.if_exists => Some(Missing::Warn),
            Step::CreateFunction(f) if f.replace => Some(Missing::Warn),
            Step::EnableTrigger(_) | Step::DisableTrigger(_) => Some(Missing::Warn),
            _ => None,
        }
    }

    /// Warns that `key`'s up step must have captured something and nothing was found.
    pub(crate) fn warn_missing_capture(&self, key: &CaptureKey) {
        let msg = format!(
            "migration {} step {}: no captured definition of the {} {} was found, so `down` \
             could not put it back as it was before the step (the `_captured` rows of the \
             history are gone, or the migration was applied before cutover captured this \
             object); restore it by hand (from a backup or the source of truth), then check \
             with `cutover drift`",
            key.version,
            key.step,
            key.object.kind(),
            key.object.name()
        );
        self.reporter.event(&Event::Warning(&msg));
    }
}
