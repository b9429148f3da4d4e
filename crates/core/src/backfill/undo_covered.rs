//! The expression undo of a backfill without an undo log: over the rows `undo_where` selects
//! when the backfill completed, and else only over the key ranges its checkpoints record as
//! done, so that a non-idempotent `undo` (`v - 1`) never writes rows the backfill never
//! reached; resumed from its own checkpoint, so it never writes a row twice.

use super::spec::{BackfillSpec, KeyKind};
use super::state::{Checkpoint, PartState, StateTable};
use crate::backend::Backend;
use crate::error::{Error, Result};
use crate::expr::Expression;
use sha2::{Digest, Sha256};

/// What an expression undo does next (see [`expression_undo`]).
#[derive(Debug, Clone)]
pub enum ExpressionUndo {
    /// An earlier undo ran to the end (the backfill's checkpoint is gone, the undo's is
    /// finished): nothing is left to write.
    AlreadyUndone,
    /// Run `spec` with the engine, never with `restart`: it checkpoints each batch in the
    /// batch's transaction, so a resumed undo goes on after the last committed batch.
    Run {
        /// The undo spec (its `pending` limited to the covered key ranges when `limited`).
        spec: Box<BackfillSpec>,
        /// Limited to the key ranges the backfill's checkpoints record as done (it did not
        /// complete).
        limited: bool,
        /// An earlier undo wrote rows and was interrupted: this one goes on from it.
        resuming: bool,
    },
}

/// The undo of `spec` with its `undo` expressions: over the rows `undo_where` (within the
/// backfill's scope) selects when the backfill completed, else only over the key ranges its
/// checkpoints record as done. An undo that was interrupted after writing rows (the
/// backfill is `undoing`) goes on with the scope it started with (its checkpoint's checksum
/// says which), from its own checkpoint, so no row is written twice; a fresh one drops a
/// stale checkpoint of an earlier undo. Refuses when the backfill did not complete and its
/// checkpoints cannot tell which rows it wrote.
pub async fn expression_undo(b: &mut dyn Backend, spec: &BackfillSpec) -> Result<ExpressionUndo> {
    plan_expression_undo(b, spec, true).await
}

/// What [`expression_undo`] would run, for `backfill undo --dry-run`: reads only (no state
/// table is created, no stale checkpoint of an earlier undo removed).
pub async fn expression_undo_preview(
    b: &mut dyn Backend,
    spec: &BackfillSpec,
) -> Result<ExpressionUndo> {
    plan_expression_undo(b, spec, false).await
}

async fn plan_expression_undo(
    b: &mut dyn Backend,
    spec: &BackfillSpec,
    write: bool,
) -> Result<ExpressionUndo> {
    let mut undo = spec.undo()?;
    let states = StateTable::new(b.dialect(), &spec.scope);
    let (parts, undo_parts) = if write || b.table_exists(states.name()).await? {
        if write {
            states.ensure(b).await?;
        }
        (
            states.load(b, &spec.id).await?,
            states.load(b, &undo.id).await?,
        )
    } else {
        (Vec::new(), Vec::new())
    };
    let finished = |p: &Checkpoint| matches!(p.state, PartState::Done | PartState::Complete);
    let refuse = |why: &str| {
        Error::Other(format!(
            "backfill `{}` has no undo log and {why}, so its `undo` expressions cannot be limited to the rows it changed and would also rewrite rows it never reached: nothing was undone; restore the rows from a backup (or finish the backfill with `cutover backfill run {}` and undo it then)",
            spec.id, spec.id
        ))
    };
    if parts.is_empty() {
        if !undo_parts.is_empty() && undo_parts.iter().all(finished) {
            return Ok(ExpressionUndo::AlreadyUndone);
        }
        return Err(refuse("no checkpoint on this database"));
    }
    let resuming = parts.iter().any(|p| p.state == PartState::Undoing);
    if write && !resuming && !undo_parts.is_empty() {
        // Left by an undo of an earlier run of the backfill (or one killed before it
        // wrote a row): this undo starts over.
        states.clear(b, &undo.id).await?;
    }
    let complete = if resuming {
        undo_parts.iter().any(|p| p.checksum == undo.checksum)
    } else {
        parts.iter().all(finished)
    };
    if complete {
        return Ok(ExpressionUndo::Run {
            spec: Box::new(undo),
            limited: false,
            resuming,
        });
    }
    // The key's kind as the walk resolved it (a binary key's cursor that the dialect writes
    // as a byte literal cannot be written in this condition: refused).
    let kinds = super::keys::resolve(b, spec)
        .await
        .ok()
        .map(|(_, kinds)| kinds);
    let limit = covered(spec, (b.dialect(), kinds.as_deref()), &parts)
        .ok_or_else(|| refuse("its key is not a single column of integers or text"))?;
    // The limited undo's checkpoint differs from the full one's, so that a resumed undo
    // tells which it was.
    undo.checksum = Sha256::digest(format!("{}\n{limit}", undo.checksum).as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let limit = Expression::parse(&limit).map_err(|_| refuse("its key cannot be compared"))?;
    undo.step.pending = Some(match undo.step.pending.take() {
        Some(w) => w.and(limit),
        None => limit,
    });
    Ok(ExpressionUndo::Run {
        spec: Box::new(undo),
        limited: true,
        resuming,
    })
}

/// The condition selecting the keys the parts processed: per part, from where it starts
/// (the previous part's end) through its cursor (the last key it processed). `None` when it
/// cannot be written (composite key, a part without an end before another).
fn covered(
    spec: &BackfillSpec,
    (dialect, kinds): (crate::Dialect, Option<&[KeyKind]>),
    parts: &[Checkpoint],
) -> Option<String> {
    let [key] = spec.key.as_slice() else {
        return None;
    };
    let simple = |s: &str| s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if !simple(key) {
        return None;
    }
    // Qualified, so that a table joined with `from` that has a column of the same name
    // never makes it ambiguous.
    let table = &spec.step.table;
    let key = if simple(table) {
        format!("{table}.{key}")
    } else {
        key.clone()
    };
    let kind = kinds
        .or(spec.key_kinds.as_deref())
        .and_then(|k| k.first().copied());
    let literal = |v: &[String]| -> Option<String> {
        let [v] = v else { return None };
        match (kind, v.parse::<i64>()) {
            (Some(KeyKind::Integer) | None, Ok(n)) => Some(n.to_string()),
            (Some(KeyKind::Integer), Err(_)) => None,
            // Bytes the dialect writes as a byte literal (`X'..'`): not an expression.
            (Some(KeyKind::Bytes), _) if dialect.key_kinds().bytes_key_literal(v).is_some() => None,
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Dialect;

    fn spec() -> BackfillSpec {
        crate::backfill::spec::test_spec(
            "key = [\"id\"]
set.x = \"1\"
",
        )
    }

    fn part(cursor: &str) -> Checkpoint {
        Checkpoint {
            id: "b".into(),
            part: 0,
            checksum: "c".into(),
            cursor: Some(vec![cursor.into()]),
            range_end: None,
            rows_scanned: 1,
            rows_changed: 1,
            batches: 1,
            state: PartState::Running,
            started_at: String::new(),
            updated_at: String::new(),
        }
    }

    #[test]
    fn a_binary_cursor_written_as_bytes_cannot_limit_an_undo() {
        let bytes = [KeyKind::Bytes];
        let parts = [part("41c00001")];
        assert_eq!(
            covered(&spec(), (Dialect::Mysql, Some(&bytes)), &parts),
            None
        );
        assert_eq!(
            covered(&spec(), (Dialect::Sqlite, Some(&bytes)), &parts),
            None
        );
        // PostgreSQL reads `bytea` as `\x..`, which a string literal casts back.
        assert_eq!(
            covered(
                &spec(),
                (Dialect::Postgres, Some(&bytes)),
                &[part("\\x41c0")]
            )
            .as_deref(),
            Some("(t.id <= '\\x41c0')")
        );
        assert_eq!(
            covered(&spec(), (Dialect::Mysql, Some(&[KeyKind::Text])), &parts).as_deref(),
            Some("(t.id <= '41c00001')")
        );
    }
}
