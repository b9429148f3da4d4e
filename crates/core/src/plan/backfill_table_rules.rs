//! Load-time rule of every backfill: its tables (`table`, `insert_into`, `from.table`) are
//! named without a schema.
//!
//! Backfill SQL quotes each table name as one identifier, so `table = "app.items"` would
//! address a table literally named `app.items` in the connection's current schema (and the
//! undo log, checkpoints and sync triggers would be created there), never `items` of schema
//! `app`. Refused with a hint instead of silently writing to the wrong place.

use super::model::Step;

type Invalid = (Option<String>, String);

/// Refuses a backfill step one of whose tables carries a schema prefix (a dot).
pub(crate) fn check_step(step: &Step) -> Result<(), Invalid> {
    let Step::Backfill(b) = step else {
        return Ok(());
    };
    let tables = [
        ("table", Some(&b.table)),
        ("insert_into", b.insert_into.as_ref()),
        ("from.table", b.from.as_ref().map(|j| &j.table)),
    ];
    for (field, name) in tables {
        if let Some(name) = name.filter(|n| n.contains('.')) {
            return Err((
                Some(field.to_string()),
                format!(
                    "`{name}`: a backfill takes a table of the connection's current schema, without a schema prefix (the name would be quoted as one identifier and address a table literally named `{name}`); connect with that schema as the current one (PostgreSQL: the role's or URL's search_path; MySQL: the database in the target URL) and write `{}`",
                    name.rsplit('.').next().unwrap_or(name)
                ),
            ));
        }
    }
    Ok(())
}
