//! The expression undo of a backfill without an undo log: over the rows `undo_where` selects
//! when the backfill completed, and else only over the key ranges its checkpoints record as
//! done, so that a non-idempotent `undo` (`v - 1`) never writes rows the backfill never
//! reached.

use super::spec::{BackfillSpec, KeyKind};
use super::state::{Checkpoint, PartState, StateTable};
use crate::backend::Backend;
use crate::error::{Error, Result};
use crate::expr::Expression;

/// The spec that undoes `spec` with its `undo` expressions, and whether it is limited to the
/// rows a partial run covered. Refuses when the backfill did not complete and its
/// checkpoints cannot tell which rows it wrote.
pub async fn expression_undo(
    b: &mut dyn Backend,
    spec: &BackfillSpec,
) -> Result<(BackfillSpec, bool)> {
    let mut undo = spec.undo()?;
    let states = StateTable::new(b.dialect(), &spec.scope);
    states.ensure(b).await?;
    let parts = states.load(b, &spec.id).await?;
    let refuse = |why: &str| {
        Error::Other(format!(
            "backfill `{}` has no undo log and {why}, so its `undo` expressions cannot be limited to the rows it changed and would also rewrite rows it never reached: nothing was undone; restore the rows from a backup (or finish the backfill with `cutover backfill run {}` and undo it then)",
            spec.id, spec.id
        ))
    };
    if parts.is_empty() {
        return Err(refuse("no checkpoint on this database"));
    }
    if parts
        .iter()
        .all(|p| matches!(p.state, PartState::Done | PartState::Complete))
    {
        return Ok((undo, false));
    }
    let limit = covered(spec, &parts)
        .ok_or_else(|| refuse("its key is not a single column of integers or text"))?;
    let limit = Expression::parse(&limit).map_err(|_| refuse("its key cannot be compared"))?;
    undo.step.pending = Some(match undo.step.pending.take() {
        Some(w) => w.and(limit),
        None => limit,
    });
    Ok((undo, true))
}

/// The condition selecting the keys the parts processed: per part, from where it starts
/// (the previous part's end) through its cursor (the last key it processed). `None` when it
/// cannot be written (composite key, a part without an end before another).
fn covered(spec: &BackfillSpec, parts: &[Checkpoint]) -> Option<String> {
    let [key] = spec.key.as_slice() else {
        return None;
    };
    if !key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        return None;
    }
    let kind = spec.key_kinds.as_ref().and_then(|k| k.first().copied());
    let literal = |v: &[String]| -> Option<String> {
        let [v] = v else { return None };
        match (kind, v.parse::<i64>()) {
            (Some(KeyKind::Integer) | None, Ok(n)) => Some(n.to_string()),
            (Some(KeyKind::Integer), Err(_)) => None,
            _ => Some(format!("'{}'", v.replace('\'', "''"))),
        }
    };
    let mut terms = Vec::new();
    for (i, p) in parts.iter().enumerate() {
        let mut conds = Vec::new();
        if i > 0 {
            let end = parts[i - 1].range_end.as_deref()?;
            let (keys, inclusive) = super::split::end_bound(end);
            let op = if inclusive { ">" } else { ">=" };
            conds.push(format!("{key} {op} {}", literal(keys)?));
        }
        let Some(cursor) = &p.cursor else { continue };
        conds.push(format!("{key} <= {}", literal(cursor)?));
        terms.push(format!("({})", conds.join(" AND ")));
    }
    Some(if terms.is_empty() {
        "1 = 0".to_string()
    } else {
        terms.join(" OR ")
    })
}
