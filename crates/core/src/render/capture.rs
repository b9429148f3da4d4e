//! Which statements capture an object's live definition before they run, and which re-create
//! it from the capture (see [`ObjectRef`]).

use serde::Serialize;

use super::{Direction, Statement};
use crate::dialect::Dialect;
use crate::plan::{Migration, ObjectRef, Step};

/// What the runner does for a statement besides running it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum CaptureAction {
    /// Before running it, read the object's recreate-SQL and keep it with the history, in
    /// the same transaction.
    Save(CaptureKey),
    /// Instead of running it (a comment), run the definition captured under the key.
    Restore(CaptureKey),
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

/// Marks the statements of one rendered step (`first..`) of `migration`: the first
/// statement of an up step that replaces an object saves its definition (where the dialect
/// can read it); the marker of a derived restore step restores it.
pub(crate) fn mark(
    statements: &mut [Statement],
    step: &Step,
    migration: &Migration,
    dialect: Dialect,
    direction: Direction,
) {
    let version = migration.version.text.clone();
    match (step, direction) {
        (Step::RestoreCaptured(r), _) => {
            if let Some(last) = statements.last_mut() {
                last.capture = Some(CaptureAction::Restore(CaptureKey {
                    version,
                    step: r.step,
                    object: r.object.clone(),
                }));
            }
        }
        (_, Direction::Up) => {
            let Some(object) = step.replaces() else {
                return;
            };
            if dialect.sql().captured_definition_sql(&object).is_none() {
                return;
            }
            if let Some(first) = statements.first_mut() {
                first.capture = Some(CaptureAction::Save(CaptureKey {
                    version,
                    step: first.step,
                    object,
                }));
            }
        }
        _ => {}
    }
}
