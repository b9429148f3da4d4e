//! Driver messages that name a column of a backfill's undo log, rewritten to name the
//! user's column (red-team rtB #6). The log keeps each key column as `k_<col>`, each old
//! value as `o_<col>` and each written value as `n_<col>`; MariaDB reports a value too long
//! for the log's copy as "Data too long for column 'n_code'", which names no column the
//! user wrote.

use super::spec::BackfillSpec;
use super::undo_log::{UndoLog, k, n, o};
use crate::error::Error;

/// `e` with every undo-log column name in its driver message replaced by the user's column
/// and a note saying which copy it is; unchanged when the backfill keeps no undo log or the
/// message names none of its columns.
pub(crate) fn user_names(e: Error, spec: &BackfillSpec) -> Error {
    match UndoLog::of(spec) {
        Some(log) => rename(e, &log),
        None => e,
    }
}

fn rename(e: Error, log: &UndoLog) -> Error {
    match e {
        Error::Context { context, cause } => Error::Context {
            context,
            cause: Box::new(rename(*cause, log)),
        },
        Error::Driver {
            dialect,
            message,
            kind,
        } => Error::Driver {
            dialect,
            message: rewrite(&message, log),
            kind,
        },
        other => other,
    }
}

/// The internal names of `log` with the user's column and what the copy holds.
fn names(log: &UndoLog) -> Vec<(String, &str, &'static str)> {
    let mut out = Vec::new();
    for c in &log.key {
        out.push((k(c), c.as_str(), "its key value"));
    }
    for c in &log.cols {
        let (new, old) = if log.insert {
            ("the inserted value", "the inserted value")
        } else {
            ("the value the backfill writes", "the value it replaces")
        };
        out.push((n(c), c.as_str(), new));
        out.push((o(c), c.as_str(), old));
    }
    // Longer names first, so `n_ab` is not found inside `n_abc`'s quotes.
    out.sort_by_key(|(internal, _, _)| std::cmp::Reverse(internal.len()));
    out
}

/// `message` with `'n_code'` (any quote) replaced by `'code'`, plus a note per column.
pub(crate) fn rewrite(message: &str, log: &UndoLog) -> String {
    let mut text = message.to_string();
    let mut notes = Vec::new();
    for (internal, user, what) in names(log) {
        let mut hit = false;
        for q in ['\'', '`', '"'] {
            let quoted = format!("{q}{internal}{q}");
            if text.contains(&quoted) {
                text = text.replace(&quoted, &format!("{q}{user}{q}"));
                hit = true;
            }
        }
        if hit {
            notes.push(format!(
                "`{user}` here is the undo log's copy of {what} (log table `{}`)",
                log.table
            ));
        }
    }
    if notes.is_empty() {
        text
    } else {
        format!("{text} [{}]", notes.join("; "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn log(insert: bool) -> UndoLog {
        UndoLog {
            id: "fill".into(),
            table: "cutover_undo_0123".into(),
            target: "t".into(),
            key: vec!["id".into()],
            cols: vec!["code".into(), "code2".into()],
            insert,
            held: Vec::new(),
        }
    }

    #[test]
    fn internal_names_become_the_users_columns() {
        assert_eq!(
            rewrite(
                "Data too long for column 'n_code' at row 1 (error 1406)",
                &log(false)
            ),
            "Data too long for column 'code' at row 1 (error 1406) [`code` here is the undo log's copy of the value the backfill writes (log table `cutover_undo_0123`)]"
        );
        assert_eq!(
            rewrite("Column 'k_id' cannot be null", &log(true)),
            "Column 'id' cannot be null [`id` here is the undo log's copy of its key value (log table `cutover_undo_0123`)]"
        );
        assert_eq!(
            rewrite("value too long for \"o_code2\"", &log(false)),
            "value too long for \"code2\" [`code2` here is the undo log's copy of the value it replaces (log table `cutover_undo_0123`)]"
        );
    }

    #[test]
    fn other_messages_are_left_alone() {
        let m = "Data too long for column 'code' at row 1";
        assert_eq!(rewrite(m, &log(false)), m);
        assert_eq!(
            rewrite("n_code without quotes", &log(false)),
            "n_code without quotes"
        );
    }
}
