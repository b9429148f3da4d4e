//! `down` of a migration whose up stopped part way (`failed` or `partial` with statements
//! that committed: a `transaction = false` migration, or any migration on MySQL).
//!
//! Only the up steps that ran are reverted: the down is rendered from the migration cut
//! after the last step one of whose statements committed (the step that failed counts when
//! part of it committed, e.g. a `grant` whose post-check failed). Steps keep their numbers,
//! so captured prior definitions are found as for a full down.
//!
//! The history entry becomes `reverting` and its `statements_applied` then counts down
//! statements, so the number of up steps that ran is kept in its note
//! ([`PARTIAL_MARK`]) for a resumed down to render the same statements again.

use super::history::{EntryState, HistoryEntry};
use super::revert_cut::render_one_of;
use super::{Runner, statement_checksum};
use crate::error::{Error, Result};
use crate::plan::{Migration, Plan};
use crate::render::{Direction, RenderedMigration, Statement};

/// The start of the note of a `reverting` entry whose up stopped part way, followed by the
/// number of up steps that ran (`reverting a partial up: steps 1-3 ran`).
pub(super) const PARTIAL_MARK: &str = "reverting a partial up: steps 1-";

/// The note that records `steps` up steps ran, followed by `rest` (an error, when a down
/// statement failed).
pub(super) fn partial_note(steps: usize, rest: Option<&str>) -> String {
    match rest {
        Some(r) => format!("{PARTIAL_MARK}{steps} ran; {r}"),
        None => format!("{PARTIAL_MARK}{steps} ran"),
    }
}

/// The number of up steps a `reverting` entry's note records as run, when its up stopped
/// part way.
pub(super) fn partial_steps_of(e: &HistoryEntry) -> Option<usize> {
    let rest = e.note.as_deref()?.strip_prefix(PARTIAL_MARK)?;
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok()
}

/// How many up steps ran when the first `ran` of `statements` committed: every step up to
/// the one of the last committed statement, except that a step cut part way counts only
/// when something beyond cutover's guard checks of it committed (a `grant` whose `GRANT`
/// failed after its ownership check did nothing to revert; a `revoke` whose `REVOKE` ran
/// before its post-check failed did).
fn steps_that_ran(statements: &[Statement], ran: usize) -> usize {
    let Some(last) = statements.get(..ran).and_then(<[Statement]>::last) else {
        return 0;
    };
    let complete = statements
        .get(ran)
        .is_none_or(|next| next.step != last.step);
    let effect = statements[..ran]
        .iter()
        .filter(|s| s.step == last.step)
        .any(|s| !is_guard(s));
    if complete || effect {
        last.step
    } else {
        statements[..ran]
            .iter()
            .filter(|s| s.step != last.step)
            .map(|s| s.step)
            .max()
            .unwrap_or(0)
    }
}

/// Where an up that stopped after `ran` of `statements` resumes: at `ran`, unless the step
/// it stopped in had only its guard checks committed; then at that step's first statement,
/// so that the checks, and the capture of the prior definition they carry, run again
/// against the database as it is now (the fix may have changed it, e.g. created the role a
/// `grant` names).
pub(super) fn resume_point(statements: &[Statement], ran: usize) -> usize {
    let (Some(next), Some(first)) = (statements.get(ran), ran.checked_sub(1)) else {
        return ran;
    };
    let start = statements[..ran]
        .iter()
        .rposition(|s| s.step != next.step)
        .map_or(0, |i| i + 1);
    if start <= first && statements[start..ran].iter().all(is_guard) {
        start
    } else {
        ran
    }
}

/// Whether `s` is one of cutover's own guard checks of a typed step (a `DO` block that
/// raises when the step may not run), which changes nothing.
fn is_guard(s: &Statement) -> bool {
    s.op != "sql" && s.sql.trim_start().starts_with("DO ")
}

/// Whether `e` records an up that stopped part way: some of its statements committed, or
/// none did (`failed`, or `partial` after a kill). `down` is aimed at it (its down reverts
/// what ran and clears the entry) and never skips it to revert the migration before it
/// (rtg #2). A `partial` entry with no statement committed is reverted only when it stopped
/// in a first-step backfill ([`Runner::partial_up_cut`]); otherwise `down` refuses it.
pub(super) fn is_partial_up(e: &HistoryEntry) -> bool {
    matches!(e.state, EntryState::Failed | EntryState::Partial)
}

impl Runner<'_> {
    /// How many up steps of `m` ran, from its `failed`/`partial` entry `e`: the step of its
    /// last committed statement. Refused when those statements changed in the plan since
    /// (the down would not match what ran) or when `m` has explicit down steps (which cannot
    /// be matched to up steps).
    pub(super) fn partial_up_steps(&self, m: &Migration, e: &HistoryEntry) -> Result<usize> {
        let label = m.label();
        if e.statements_applied == 0 {
            return Ok(0);
        }
        if m.down.is_some() {
            return Err(Error::Other(format!(
                "migration {label} stopped part way (statements 1-{} of {} ran) and has explicit `[[down]]` steps, which cannot be matched to the up steps that ran; finish it with `cutover up` after fixing the cause, or undo its effect by hand and run `cutover repair`",
                e.statements_applied, e.statements_total
            )));
        }
        let r = self.render_one(m, Direction::Up)?;
        let ran = e.statements_applied as usize;
        let current: Vec<String> = r
            .statements
            .iter()
            .take(ran)
            .map(|s| statement_checksum(&s.sql))
            .collect();
        if ran > r.statements.len()
            || (!e.statement_checksums.is_empty() && current != e.statement_checksums)
        {
            return Err(Error::Other(format!(
                "migration {label}: up statements 1-{ran} ran on this database but have changed in the plan since, so which steps to revert is unknown; restore the file as it ran, or accept the edit with `cutover repair` first"
            )));
        }
        Ok(steps_that_ran(&r.statements, ran))
    }

    /// The down of `m`'s first `steps` up steps, rendered against the plan's schema as it
    /// was after them.
    pub(super) fn partial_down(&self, m: &Migration, steps: usize) -> Result<RenderedMigration> {
        let mut plan: Plan = self.plan.clone();
        let Some(cut) = plan.migrations.iter_mut().find(|x| x.version == m.version) else {
            return Err(Error::Other(format!(
                "internal: {} is not in the plan",
                m.label()
            )));
        };
        cut.steps.truncate(steps);
        render_one_of(
            &plan,
            self.backend.dialect(),
            m,
            Direction::Down,
            &self.scope(),
        )
    }

    /// `repair`'s line about an entry whose up stopped part way or whose down is half done:
    /// where it stands and the commands that finish it either way.
    pub(super) fn stranded_advice(&self, e: &HistoryEntry) -> Option<String> {
        let label = format!("{} ({})", e.version, e.name);
        match e.state {
            EntryState::Failed | EntryState::Partial if e.statements_applied > 0 => {
                let steps = self
                    .plan
                    .get(&e.version.text)
                    .and_then(|m| self.partial_up_steps(m, e).ok());
                let reverts = match steps {
                    Some(n) => format!("`cutover down` reverts the up steps that ran (1-{n})"),
                    None => "`cutover down` explains why it cannot revert it".to_string(),
                };
                Some(format!(
                    "{label}: {} after up statements 1-{} of {} committed; nothing to repair: fix the cause and run `cutover up` to resume at statement {}, or {reverts}",
                    e.state.as_str(),
                    e.statements_applied,
                    e.statements_total,
                    e.statements_applied + 1
                ))
            }
            EntryState::Reverting => Some(format!(
                "{label}: half reverted (down statements 1-{} of {} ran); nothing to repair: fix the cause and run `cutover down` to finish the revert",
                e.statements_applied, e.statements_total
            )),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{resume_point, steps_that_ran};
    use crate::render::{Statement, StatementKind};

    fn st(step: usize, op: &'static str, sql: &str) -> Statement {
        Statement {
            sql: sql.to_string(),
            kind: StatementKind::Ddl,
            step,
            op,
            rebuild: None,
            backfill: None,
            capture: Vec::new(),
        }
    }

    /// enable_rls, create_policy (2 statements), grant (guard + GRANT), revoke (guard,
    /// REVOKE, post-check).
    fn plan() -> Vec<Statement> {
        vec![
            st(1, "enable_rls", "ALTER TABLE t ENABLE ROW LEVEL SECURITY"),
            st(2, "create_policy", "DROP POLICY IF EXISTS p ON t"),
            st(2, "create_policy", "CREATE POLICY p ON t"),
            st(3, "grant", "DO $$ BEGIN PERFORM 1; END $$"),
            st(3, "grant", "GRANT SELECT ON t TO r"),
            st(4, "revoke", "DO $$ BEGIN PERFORM 1; END $$"),
            st(4, "revoke", "REVOKE SELECT ON t FROM r"),
            st(4, "revoke", "DO $$ BEGIN PERFORM 2; END $$"),
        ]
    }

    #[test]
    fn a_step_counts_when_it_finished_or_changed_something() {
        let s = plan();
        assert_eq!(steps_that_ran(&s, 0), 0);
        assert_eq!(steps_that_ran(&s, 1), 1);
        // The policy's DROP ran, its CREATE failed: the step changed something.
        assert_eq!(steps_that_ran(&s, 2), 2);
        assert_eq!(steps_that_ran(&s, 3), 2);
        // The grant's guard alone ran: nothing of step 3 to revert.
        assert_eq!(steps_that_ran(&s, 4), 2);
        assert_eq!(steps_that_ran(&s, 5), 3);
        assert_eq!(steps_that_ran(&s, 6), 3);
        // REVOKE ran, the post-check failed: the revoke is reverted.
        assert_eq!(steps_that_ran(&s, 7), 4);
        assert_eq!(steps_that_ran(&s, 8), 4);
    }

    #[test]
    fn a_step_whose_guard_alone_ran_resumes_from_its_start() {
        let s = plan();
        assert_eq!(resume_point(&s, 0), 0);
        assert_eq!(resume_point(&s, 2), 2, "a DROP ran: resume at the CREATE");
        assert_eq!(resume_point(&s, 3), 3);
        assert_eq!(resume_point(&s, 4), 3, "only the grant's guard ran");
        assert_eq!(resume_point(&s, 6), 5, "only the revoke's guard ran");
        assert_eq!(resume_point(&s, 7), 7, "the REVOKE ran");
        assert_eq!(resume_point(&s, 8), 8);
    }
}
