//! Load-time rule of `sync = true` across backfills: two sync triggers on one table must not
//! depend on each other.
//!
//! When one active sync backfill reads (`set`, `where`, `pending`) a column another one on the
//! same table writes, or both write the same column, the outcome depends on the order the
//! triggers fire: PostgreSQL fires BEFORE triggers by name, MySQL/MariaDB by creation order
//! (which a `backfill retire` + `run --restart` changes), SQLite in its own order; and a
//! PostgreSQL `UPDATE OF col` trigger does not fire when another trigger changes `col`. The
//! same plan would leave different, silently stale data per database, so it is refused. A
//! trigger stops being active once a later migration ends it (see
//! [`sync_ended_by`](crate::render::sync_ended_by)).

use super::Migration;
use super::model::Step;
use crate::backfill::BackfillScope;
use crate::dialect::{Dialect, SyncTrigger};
use crate::error::{Error, Result};
use crate::render::{sync_ended_by, sync_trigger};
use crate::schema::Schema;

/// An active sync trigger and where its backfill is written.
struct Active {
    trigger: SyncTrigger,
    reads: Vec<String>,
    at: String,
}

/// Refuses two sync backfills active on one table at the same time where one reads or
/// writes a column the other writes.
pub(crate) fn check_chains(migrations: &[Migration]) -> Result<()> {
    let schema = Schema::default();
    for d in [Dialect::Postgres, Dialect::Mysql, Dialect::Sqlite] {
        let mut active: Vec<Active> = Vec::new();
        for m in migrations {
            active.retain(|a| sync_ended_by(m, d, &a.trigger).is_none());
            for (i, s) in m.steps_for(d) {
                let Step::Backfill(b) = &s.item else {
                    continue;
                };
                let Some(trigger) = sync_trigger(b, m, &schema, &BackfillScope::default()) else {
                    continue;
                };
                let new = Active {
                    reads: reads(&trigger),
                    trigger,
                    at: format!("{}:{}", m.path.display(), s.line),
                };
                if let Some(clash) = active.iter().find_map(|old| clash(old, &new)) {
                    return Err(Error::plan(
                        &m.path,
                        Some(s.line),
                        format!("step {} (backfill): {clash}", i + 1),
                    ));
                }
                active.push(new);
            }
        }
    }
    Ok(())
}

/// The columns of its own table that the trigger reads (`set`, `where`, `pending`), minus
/// those it writes.
fn reads(t: &SyncTrigger) -> Vec<String> {
    let mut out = t.sources.clone();
    for c in t.pending.iter().flat_map(|p| p.columns()) {
        let own = c.table.as_deref().is_none_or(|x| x == t.table);
        let target = t.set.iter().any(|(s, _)| *s == c.column);
        if own && !target && !out.contains(&c.column) {
            out.push(c.column);
        }
    }
    out
}

/// Why `new` cannot be active beside `old`, if it cannot.
fn clash(old: &Active, new: &Active) -> Option<String> {
    if old.trigger.table != new.trigger.table {
        return None;
    }
    let writes = |a: &Active, col: &str| a.trigger.set.iter().any(|(c, _)| c == col);
    let (o, n) = (&old.trigger.id, &new.trigger.id);
    let what = if let Some(c) = new.reads.iter().find(|c| writes(old, c)) {
        format!(
            "sync backfill `{n}` reads `{c}`, which sync backfill `{o}` ({}) sets",
            old.at
        )
    } else if let Some(c) = old.reads.iter().find(|c| writes(new, c)) {
        format!(
            "sync backfill `{o}` ({}) reads `{c}`, which sync backfill `{n}` sets",
            old.at
        )
    } else if let Some((c, _)) = new.trigger.set.iter().find(|(c, _)| writes(old, c)) {
        format!("sync backfills `{o}` ({}) and `{n}` both set `{c}`", old.at)
    } else {
        return None;
    };
    Some(format!(
        "{what} on table `{}`, and both keep their dual-write triggers: the result would depend \
         on the order the triggers fire, which differs per database (PostgreSQL by name, \
         MySQL/MariaDB by creation, SQLite its own), so a derived value would be silently stale \
         on some; merge the two into one backfill whose `set` computes both columns from the \
         sources, or remove `sync` from one of them",
        new.trigger.table
    ))
}
