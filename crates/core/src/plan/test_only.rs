//! Test-only migrations (`test_only = true`): data that `cutover test` loads into its
//! scratch databases, written as a migration (raw SQL or a backfill) instead of a fixture
//! file.
//!
//! They are set apart at load time into [`Plan::test_only`](super::Plan::test_only), so
//! `up`, `down`, `status`, `drift`, `lint` and the checksum validation never see them and
//! nothing about them is ever recorded on a real database. To keep the schema that
//! `cutover test` proves equal to the one `up` builds, they may only hold `sql` and
//! `backfill` steps, and no other migration may `require` one.

use super::Migration;
use super::model::Step;
use crate::error::{Error, Result};

/// Splits the plan's migrations into (real, test-only), checking the rules above.
pub(crate) fn split(migrations: Vec<Migration>) -> Result<(Vec<Migration>, Vec<Migration>)> {
    let (test, real): (Vec<Migration>, Vec<Migration>) =
        migrations.into_iter().partition(|m| m.test_only);
    for m in &test {
        let steps = m.steps.iter().chain(m.down.iter().flatten());
        for s in steps {
            if !matches!(s.item, Step::Sql(_) | Step::Backfill(_)) {
                return Err(Error::plan(
                    &m.path,
                    Some(s.line),
                    format!(
                        "migration {} is test_only, so it may only load data (`sql` and `backfill` steps): a schema step here would make `cutover test` prove another schema than `up` builds; move it to a regular migration",
                        m.label()
                    ),
                ));
            }
        }
    }
    for m in &real {
        if let Some(r) = m
            .requires
            .iter()
            .find(|r| test.iter().any(|t| t.version == **r))
        {
            return Err(Error::plan(
                &m.path,
                Some(1),
                format!(
                    "`requires` names {r}, a test_only migration that never runs on a real database; remove the requirement"
                ),
            ));
        }
    }
    Ok((real, test))
}
