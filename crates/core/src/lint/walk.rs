//! The plan as the rules see it: every up step with the schema before it and the tables its
//! migration has created so far, replayed once.

use std::collections::BTreeMap;

use super::finding::{Finding, RuleInfo};
use super::sql_facts::{Fact, facts};
use crate::dialect::Dialect;
use crate::plan::{Located, Migration, NewTables, Plan, Step};
use crate::schema::Schema;

/// One up step in context.
pub(crate) struct StepView<'a> {
    /// Index of the migration in the plan.
    pub m: usize,
    /// The migration.
    pub migration: &'a Migration,
    /// 0-based index of the step in its migration.
    pub index: usize,
    /// The step and its line.
    pub located: &'a Located<Step>,
    /// The schema the plan has built before this step.
    pub before: Schema,
    /// Tables created earlier in the same migration (new, so nothing can be locked or lost);
    /// the same notion as the runner's contract gate ([`NewTables`]).
    pub created_here: NewTables,
    /// For raw SQL steps: the facts of the SQL per linted dialect that parses.
    pub facts: Vec<(Dialect, Vec<Fact>)>,
}

impl StepView<'_> {
    /// The step.
    pub fn step(&self) -> &Step {
        &self.located.item
    }

    /// Whether `table` exists before this migration: created earlier in the plan or outside
    /// it, so it may hold rows and serve traffic. A table this migration creates, in an
    /// earlier step or earlier in this raw SQL step, is new.
    pub fn existing(&self, table: &str) -> bool {
        let created_by_this_step =
            self.facts.iter().flat_map(|(_, facts)| facts).any(
                |f| matches!(f, Fact::CreateTable { table: t } if t.eq_ignore_ascii_case(table)),
            );
        !self.created_here.contains(table) && !created_by_this_step
    }

    /// A finding of `rule` about this step.
    pub fn finding(&self, rule: &RuleInfo, message: impl Into<String>) -> Finding {
        Finding::step(rule, self.migration, self.index, self.located, message)
    }

    /// The raw SQL facts for `dialect` (empty for other steps or unparsable SQL).
    pub fn facts_for(&self, dialect: Dialect) -> &[Fact] {
        self.facts
            .iter()
            .find(|(d, _)| *d == dialect)
            .map(|(_, f)| f.as_slice())
            .unwrap_or_default()
    }

    /// The raw SQL facts of every linted dialect, without repeats.
    pub fn all_facts(&self) -> Vec<&Fact> {
        let mut out: Vec<&Fact> = Vec::new();
        for f in self.facts.iter().flat_map(|(_, f)| f) {
            if !out.contains(&f) {
                out.push(f);
            }
        }
        out
    }
}

/// The whole plan, replayed.
pub(crate) struct PlanView<'a> {
    /// The plan.
    pub plan: &'a Plan,
    /// Every up step of every migration, in order.
    pub steps: Vec<StepView<'a>>,
    /// The schema after each migration (an empty one for a migration outside the scope,
    /// which has no step views: copying the schema for every applied migration would cost
    /// more than the lint of the pending ones).
    pub after: Vec<Schema>,
    /// Migration indexes that create each table (with `create_table`, not `if_not_exists`).
    pub creators: BTreeMap<String, Vec<usize>>,
    /// The migrations linted (by index); the others only build the schema (`None`: all).
    pub scope: Option<&'a [bool]>,
}

impl<'a> PlanView<'a> {
    /// Replays `plan`, reading raw SQL for each of `dialects`. Only the migrations `scope`
    /// marks (`None`: all) get step views; the others are replayed into the schema only (the
    /// applied migrations before a run).
    pub fn scoped(plan: &'a Plan, dialects: &[Dialect], scope: Option<&'a [bool]>) -> Self {
        Self::replay(plan, dialects, None, scope)
    }

    /// Replays only the steps that run on `dialect` (see `dialects = [..]` on steps), so that
    /// its rules see that dialect's schema and never another dialect's steps; keeps the scope.
    pub fn for_dialect(&self, dialect: Dialect) -> PlanView<'a> {
        Self::replay(self.plan, &[dialect], Some(dialect), self.scope)
    }

    fn replay(
        plan: &'a Plan,
        dialects: &[Dialect],
        only: Option<Dialect>,
        scope: Option<&'a [bool]>,
    ) -> PlanView<'a> {
        let mut schema = Schema::default();
        let mut steps = Vec::new();
        let mut after = Vec::new();
        let mut creators: BTreeMap<String, Vec<usize>> = BTreeMap::new();
        for (m, migration) in plan.migrations.iter().enumerate() {
            let mut created_here = NewTables::default();
            let linted = scope.is_none_or(|s| s.get(m).copied().unwrap_or(true));
            for (index, located) in migration.steps.iter().enumerate() {
                if only.is_some_and(|d| !located.runs_on(d)) {
                    continue;
                }
                if !linted {
                    // Context only: the schema and the creators, no facts, no views.
                    if let Step::CreateTable(t) = &located.item
                        && !t.if_not_exists
                    {
                        creators.entry(t.table.clone()).or_default().push(m);
                    }
                    schema.apply(&located.item);
                    continue;
                }
                let facts = raw_facts(&located.item, dialects);
                steps.push(StepView {
                    m,
                    migration,
                    index,
                    located,
                    before: schema.clone(),
                    created_here: created_here.clone(),
                    facts,
                });
                created_here.track(&located.item, only);
                // `if_not_exists` tables may exist outside the plan before it creates them.
                if let Step::CreateTable(t) = &located.item
                    && !t.if_not_exists
                {
                    creators.entry(t.table.clone()).or_default().push(m);
                }
                schema.apply(&located.item);
            }
            after.push(if linted {
                schema.clone()
            } else {
                Schema::default()
            });
        }
        PlanView {
            plan,
            steps,
            after,
            creators,
            scope,
        }
    }

    /// The steps of migration `m` (`steps` are in migration order: found by binary search,
    /// so that a rule asking for every migration's steps stays linear).
    pub fn steps_of(&self, m: usize) -> impl Iterator<Item = &StepView<'a>> {
        let start = self.steps.partition_point(|s| s.m < m);
        let end = self.steps.partition_point(|s| s.m <= m);
        self.steps[start..end].iter()
    }
}

fn raw_facts(step: &Step, dialects: &[Dialect]) -> Vec<(Dialect, Vec<Fact>)> {
    let Step::Sql(s) = step else {
        return Vec::new();
    };
    dialects
        .iter()
        .filter(|d| s.applies_to(**d))
        .filter_map(|&d| {
            let sql = s.up().for_dialect(d)?.to_string();
            facts(&sql, d).map(|f| (d, f))
        })
        .collect()
}
