//! Which steps of a migration run on one dialect, in one direction; the others are listed as
//! skipped so that `cutover sql` and JSON output show them.

use serde::Serialize;

use super::Direction;
use super::inverse::down_steps;
use crate::dialect::Dialect;
use crate::error::Result;
use crate::plan::{Located, Migration, Step};
use crate::schema::Schema;

/// A step that runs on the dialect being rendered.
pub(crate) struct Planned {
    /// 0-based index in its array (`steps` or an explicit `down`; derived down: its position).
    pub index: usize,
    /// Its line in the file (`None` for derived down steps).
    pub line: Option<usize>,
    /// The step.
    pub step: Step,
}

/// A step left out for this dialect because of its `dialects = [..]`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SkippedStep {
    /// 1-based index of the step in its array (`steps`, or `down` when rendering down).
    pub step: usize,
    /// The step's `op`.
    pub op: &'static str,
    /// Its line in the migration file.
    pub line: usize,
    /// The dialects it is limited to.
    pub dialects: Vec<Dialect>,
}

/// The steps of `migration` that run on `dialect` in `direction`, and the ones skipped.
/// `schema` is the state after the migration (used to derive down steps).
pub(crate) fn planned_steps(
    migration: &Migration,
    dialect: Dialect,
    schema: &Schema,
    direction: Direction,
) -> Result<(Vec<Planned>, Vec<SkippedStep>)> {
    let written = match direction {
        Direction::Up => Some(&migration.steps),
        Direction::Down => migration.down.as_ref(),
    };
    match written {
        Some(steps) => Ok(split(steps, dialect)),
        None => {
            let derived = down_steps(migration, schema, dialect)?;
            let planned = derived
                .into_iter()
                .enumerate()
                .map(|(index, step)| Planned {
                    index,
                    line: None,
                    step,
                })
                .collect();
            Ok((planned, Vec::new()))
        }
    }
}

fn split(steps: &[Located<Step>], dialect: Dialect) -> (Vec<Planned>, Vec<SkippedStep>) {
    let mut planned = Vec::new();
    let mut skipped = Vec::new();
    for (index, s) in steps.iter().enumerate() {
        if s.runs_on(dialect) {
            planned.push(Planned {
                index,
                line: Some(s.line),
                step: s.item.clone(),
            });
        } else {
            skipped.push(SkippedStep {
                step: index + 1,
                op: s.item.op(),
                line: s.line,
                dialects: s.dialects.clone().unwrap_or_default(),
            });
        }
    }
    (planned, skipped)
}
