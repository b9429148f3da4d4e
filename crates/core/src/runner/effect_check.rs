//! Checking a statement's effect (see [`effect`](super::effect)) against the live schema.

use super::Runner;
use super::effect::{Effect, Expect, Outcome, effect_of};
use crate::error::Result;

impl Runner<'_> {
    /// Whether the DDL statement `sql`, whose outcome is unknown, took effect.
    pub(crate) async fn ddl_outcome(&mut self, sql: &str) -> Result<Outcome> {
        let expects = match effect_of(sql, self.backend.dialect()) {
            Effect::Known(e) => e,
            Effect::Rerunnable => return Ok(Outcome::NotDone),
            Effect::Unknown(reason) => return Ok(Outcome::Unknown(reason)),
        };
        let mut holding = 0;
        for e in &expects {
            if self.holds(e).await? {
                holding += 1;
            }
        }
        Ok(if holding == expects.len() {
            Outcome::Done
        } else if holding == 0 {
            Outcome::NotDone
        } else {
            Outcome::Unknown(format!(
                "only part of its effect is in the schema ({holding} of {} facts)",
                expects.len()
            ))
        })
    }

    /// Whether one fact holds in the live schema (names compared case-insensitively).
    async fn holds(&mut self, e: &Expect) -> Result<bool> {
        let sql = self.backend.dialect().sql();
        let listed = |rows: crate::backend::Rows, name: &str| {
            rows.rows.iter().any(|r| {
                r.first()
                    .and_then(|v| v.as_deref())
                    .is_some_and(|v| v.eq_ignore_ascii_case(name))
            })
        };
        Ok(match e {
            Expect::Table { name, present } => {
                listed(self.backend.query(&sql.list_tables_sql()).await?, name) == *present
            }
            Expect::View { name, present } => {
                listed(self.backend.query(&sql.list_views_sql()).await?, name) == *present
            }
            Expect::Column {
                table,
                column,
                present,
            } => {
                let rows = self.backend.query(&sql.column_types_sql(table)).await?;
                listed(rows, column) == *present
            }
            Expect::Index {
                table,
                index,
                present,
            } => {
                let rows = self
                    .backend
                    .query(&sql.index_exists_sql(table, index))
                    .await?;
                rows.rows.is_empty() != *present
            }
            Expect::Constraint {
                table,
                name,
                present,
            } => {
                let rows = self
                    .backend
                    .query(&sql.constraint_exists_sql(table, name))
                    .await?;
                rows.rows.is_empty() != *present
            }
            Expect::Trigger { name, present } => {
                let check = self.backend.dialect().triggers().trigger_exists_sql(name);
                let rows = self.backend.query(&check).await?;
                rows.rows.is_empty() != *present
            }
        })
    }
}
