//! Load-time rules of `updated_at_trigger`: the trigger's body names its column, so a later
//! step that drops or renames that column (or drops the table, leaving PostgreSQL's trigger
//! function behind) would make every UPDATE of the table fail on PostgreSQL and
//! MySQL/MariaDB. Such a step is refused unless the trigger was removed earlier in the plan
//! (`drop_trigger`, or a raw `sql` step that names it). A column whose type the plan knows
//! must be a timestamp: the trigger writes the current time into it.

use std::collections::BTreeSet;

use super::model::Step;
use super::step_columns::Problem;
use crate::dialect::{Dialect, UpdatedAtSpec};
use crate::schema::Schema;
use crate::types::ColumnType;

/// Checks `step` against the `updated_at` triggers `schema` (the model before the step)
/// holds; `removed`: trigger names raw SQL named earlier (the plan author handles them);
/// `dialect`: the database the model is for (`None`: every one). A table dropped by a
/// written `[[down]]` (`down`) is not refused: reverting the migration that created it is
/// the usual case, and the plan cannot tell which trigger steps that down undoes.
pub(super) fn check(
    schema: &Schema,
    step: &Step,
    removed: &BTreeSet<String>,
    dialect: Option<Dialect>,
    down: bool,
) -> Result<(), Problem> {
    let kept = |table: &str| -> Vec<(&str, &str)> {
        schema
            .routines
            .updated_at
            .iter()
            .filter(|((t, n), _)| t == table && !removed.contains(&n.to_lowercase()))
            .map(|((_, n), c)| (n.as_str(), c.as_str()))
            .collect()
    };
    let hint = |name: &str| {
        format!(
            "remove the trigger first, in this migration or an earlier one (PostgreSQL: \
             `op = \"drop_trigger\"` and `op = \"drop_function\"` of `{name}()`; elsewhere a raw \
             `sql` step `DROP TRIGGER {name}`), then re-create it with `op = \"updated_at_trigger\"` \
             on the new column if you still want it"
        )
    };
    match step {
        Step::DropColumn(d) => {
            if let Some((name, _)) = kept(&d.table).into_iter().find(|(_, c)| *c == d.column) {
                return Err((
                    "column".into(),
                    format!(
                        "column `{}` of `{}` is kept by the updated_at trigger `{name}`: dropping it \
                         makes every later UPDATE of the table fail; {}",
                        d.column,
                        d.table,
                        hint(name)
                    ),
                ));
            }
        }
        Step::RenameColumn(r) => {
            if let Some((name, _)) = kept(&r.table).into_iter().find(|(_, c)| *c == r.column) {
                return Err((
                    "column".into(),
                    format!(
                        "column `{}` of `{}` is kept by the updated_at trigger `{name}`, whose body \
                         names the column: after the rename every UPDATE of the table fails on \
                         PostgreSQL and MySQL/MariaDB; {}",
                        r.column,
                        r.table,
                        hint(name)
                    ),
                ));
            }
        }
        Step::DropTable(d) if !down => {
            let leaves_function = |(name, column): (&str, &str)| {
                let spec = UpdatedAtSpec {
                    table: &d.table,
                    column,
                    name,
                    key: &[],
                };
                let on = |x: Dialect| x.triggers().updated_at_function_body(&spec).is_some();
                dialect.map_or_else(|| Dialect::ALL.iter().any(|x| on(*x)), on)
            };
            if let Some((name, _)) = kept(&d.table).into_iter().find(|k| leaves_function(*k)) {
                return Err((
                    "table".into(),
                    format!(
                        "table `{}` has the updated_at trigger `{name}`: dropping the table leaves \
                         its PostgreSQL function `{name}()` behind (and drift reports it); remove \
                         the trigger and its function first (`op = \"drop_trigger\"` and \
                         `op = \"drop_function\"`, `dialects = [\"postgres\"]`)",
                        d.table
                    ),
                ));
            }
        }
        Step::AlterColumn(a) => {
            let kept_here = kept(&a.table).into_iter().find(|(_, c)| *c == a.column);
            if let (Some((name, _)), Some(ty)) = (kept_here, a.ty)
                && !matches!(ty, ColumnType::Timestamp | ColumnType::TimestampTz)
            {
                return Err((
                    "type".into(),
                    format!(
                        "column `{}` of `{}` is kept by the updated_at trigger `{name}`, which writes                          the current time into it: it cannot become `{ty}`; {}",
                        a.column,
                        a.table,
                        hint(name)
                    ),
                ));
            }
        }
        Step::UpdatedAtTrigger(u) => {
            let ty = schema
                .table(&u.table)
                .and_then(|t| t.column(&u.column))
                .map(|c| c.ty);
            if let Some(ty) = ty
                && !matches!(ty, ColumnType::Timestamp | ColumnType::TimestampTz)
            {
                return Err((
                    "column".into(),
                    format!(
                        "column `{}` of `{}` is `{}`, not a timestamp: the trigger writes the current \
                         time into it (an epoch number or text would fail or be garbled on every \
                         UPDATE); choose a `timestamp`/`timestamptz` column, or keep the value \
                         from the application",
                        u.column, u.table, ty
                    ),
                ));
            }
        }
        _ => {}
    }
    Ok(())
}

/// The names (lowercase) of `updated_at` triggers that raw SQL `text` (lowercase) names.
pub(super) fn mentioned(schema: &Schema, text: &str) -> Vec<String> {
    schema
        .routines
        .updated_at
        .keys()
        .map(|(_, n)| n.to_lowercase())
        .filter(|n| text.contains(n.as_str()))
        .collect()
}
