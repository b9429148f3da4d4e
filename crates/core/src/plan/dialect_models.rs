//! The load-time expression checks of a plan whose steps are limited with `dialects = [..]`:
//! one schema model per dialect (see [`super::semantics`]).

use super::Migration;
use super::model::Step;
use super::semantics::check_on;
use crate::dialect::Dialect;
use crate::error::{Error, Result};

/// Checks every expression of the plan's migrations (in version order), resolving them in
/// place (see [`crate::expr::Expression::typecheck`]).
///
/// When steps or checks are limited with `dialects = [..]`, the schema differs per dialect:
/// each dialect's model replays only its steps, and every item is checked against the model
/// of each dialect it runs on. An item must resolve the same way on all of them.
pub(crate) fn check_plan(migrations: &mut [Migration]) -> Result<()> {
    if !migrations.iter().any(typed_limits) {
        return check_on(migrations, None);
    }
    let mut resolved: Vec<(Dialect, Vec<Migration>)> = Vec::new();
    for d in Dialect::ALL {
        let mut copy = migrations.to_vec();
        check_on(&mut copy, Some(d))?;
        resolved.push((d, copy));
    }
    for (i, m) in migrations.iter_mut().enumerate() {
        let steps =
            std::iter::once(("steps", &mut m.steps)).chain(m.down.as_mut().map(|d| ("down", d)));
        for (array, list) in steps {
            for (j, s) in list.iter_mut().enumerate() {
                let versions = resolved
                    .iter()
                    .filter(|(d, _)| s.runs_on(*d))
                    .map(|(d, c)| {
                        let copy = &c[i];
                        let list = if array == "down" {
                            copy.down.as_ref()
                        } else {
                            Some(&copy.steps)
                        };
                        (*d, list.and_then(|l| l.get(j)).map(|l| l.item.clone()))
                    });
                let versions: Vec<(Dialect, Option<Step>)> = versions.collect();
                if let Some((d, Some(first))) = versions.first() {
                    if let Some((other, _)) =
                        versions.iter().find(|(_, v)| v.as_ref() != Some(first))
                    {
                        return Err(Error::plan(
                            &m.path,
                            Some(s.line),
                            format!(
                                "{}step {} ({}): its expressions mean different things on {d} and {other} because their schemas differ there (see `dialects` on earlier steps): write one step per dialect with `dialects = [..]`",
                                if array == "down" { "down " } else { "" },
                                j + 1,
                                s.item.op()
                            ),
                        ));
                    }
                    s.item = first.clone();
                }
            }
        }
        for (j, c) in m.checks.iter_mut().enumerate() {
            if let Some((_, copy)) = resolved.iter().find(|(d, _)| c.runs_on(*d))
                && let Some(r) = copy[i].checks.get(j)
            {
                c.item = r.item.clone();
            }
        }
    }
    Ok(())
}

/// Whether a typed step, down step or check of `m` is limited to some dialects. Raw `sql`
/// steps do not count: their DDL makes tables opaque in every dialect's model alike.
fn typed_limits(m: &Migration) -> bool {
    let typed = |s: &super::Located<Step>| s.dialects.is_some() && !matches!(s.item, Step::Sql(_));
    m.steps.iter().any(typed)
        || m.down.iter().flatten().any(typed)
        || m.checks.iter().any(|c| c.dialects.is_some())
}
