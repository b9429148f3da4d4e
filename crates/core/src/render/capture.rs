//! Which statements capture an object's live definition before they run, and which re-create
//! it from the capture (see [`ObjectRef`]).

use serde::Serialize;

use super::{Direction, Statement};
use crate::dialect::Dialect;
use crate::plan::{Migration, ObjectRef, Step};

/// What the runner does for a statement besides running it (a statement may carry several:
/// saves run before it, records after it; a restore runs instead of it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum CaptureAction {
    /// Before running it, read the object's recreate-SQL and keep it with the history, in
    /// the same transaction.
    Save(CaptureKey),
    /// Instead of running it (a comment), run the definition captured under the key.
    Restore(CaptureKey),
    /// After running it, read the definition of the object it created, as the database
    /// prints it, and keep it with the history (drift compares the live object with it).
    Record(CaptureKey),
}

/// Where a captured definition is kept: the migration, its up step and the object.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CaptureKey {
    /// The migration's version text.
    pub version: String,
    /// 1-based index of the up step that replaced or dropped the object.
    pub step: usize,
    /// The object.
    pub object: ObjectRef,
}

/// Marks the statements of one rendered step of `migration`: the first statement of an up
/// step that replaces an object saves its definition before it runs; the last statement of
/// an up step that defines an object records it after it ran (both where the dialect can
/// read the object); the marker of a derived restore step restores it.
pub(crate) fn mark(
    statements: &mut [Statement],
    step: &Step,
    migration: &Migration,
    dialect: Dialect,
    direction: Direction,
) {
    let key = |object: ObjectRef, step: usize| CaptureKey {
        version: migration.version.text.clone(),
        step,
        object,
    };
    if let Step::RestoreCaptured(r) = step {
        if let Some(last) = statements.last_mut() {
            last.capture
                .push(CaptureAction::Restore(key(r.object.clone(), r.step)));
        }
        return;
    }
    if direction != Direction::Up {
        return;
    }
    let readable = |o: &ObjectRef| dialect.sql().captured_definition_sql(o).is_some();
    if let Some(object) = step.replaces().filter(readable)
        && let Some(first) = statements.first_mut()
    {
        let k = key(object, first.step);
        first.capture.push(CaptureAction::Save(k));
    }
    if let Some(object) = step.defines().filter(readable)
        && let Some(last) = statements.last_mut()
    {
        let k = key(object, last.step);
        last.capture.push(CaptureAction::Record(k));
    }
}
