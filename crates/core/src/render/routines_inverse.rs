//! The automatic `down` of function and trigger steps.

use super::routines::updated_at;
use crate::dialect::Dialect;
use crate::plan::{DropFunction, DropTrigger, SqlStep, Step};
use crate::schema::Schema;

/// `Some(Some(step))`: the inverse; `Some(None)`: nothing to undo; `None`: not derivable
/// from the plan. A replaced or dropped definition the plan never knew (`create_function`
/// with `replace`, `drop_function`, `drop_trigger`) is restored from the definition
/// captured at apply instead: `down_steps` asks [`Step::replaces`] first.
pub(crate) fn invert(step: &Step, schema: &Schema) -> Option<Option<Step>> {
    Some(Some(match step {
        Step::CreateFunction(f) if !f.replace => Step::DropFunction(DropFunction {
            name: f.name.clone(),
            args: f.arg_types(),
            if_exists: false,
        }),
        Step::CreateTrigger(t) => Step::DropTrigger(DropTrigger {
            table: t.table.clone(),
            name: t.name.clone(),
            if_exists: false,
        }),
        Step::EnableTrigger(t) => Step::DisableTrigger(t.clone()),
        Step::DisableTrigger(t) => Step::EnableTrigger(t.clone()),
        Step::UpdatedAtTrigger(u) => {
            let sql = |d: Dialect| Some(updated_at(u, d, schema, false).join(";\n"));
            Step::Sql(SqlStep {
                sql: None,
                postgres: sql(Dialect::Postgres),
                mysql: sql(Dialect::Mysql),
                sqlite: sql(Dialect::Sqlite),
                dialects: None,
                down: None,
                creates: Vec::new(),
            })
        }
        _ => return None,
    }))
}
