//! `mysql/drop-index-needed-by-foreign-key`: raw SQL that drops the only index serving a
//! foreign key. InnoDB needs an index whose leading columns are the key's columns, and refuses
//! to drop the last one: error 1553, "Cannot drop index ..: needed in a foreign key
//! constraint". Typed `drop_index` / `drop_unique` steps (and the derived down of
//! `create_index` / `add_unique`) never hit it: the renderer adds the index MySQL would have
//! created for the key in the same ALTER TABLE. Raw SQL is run as written, so the rule checks
//! it against the schema the plan has built, in `up` steps and in explicit `[[down]]` steps.

use crate::dialect::Dialect;
use crate::lint::finding::{Finding, RuleInfo, Severity};
use crate::lint::sql_facts::{Fact, facts};
use crate::lint::walk::PlanView;
use crate::plan::{Located, Migration, Step};
use crate::render::foreign_keys_needing;
use crate::schema::Schema;

/// `mysql/drop-index-needed-by-foreign-key`.
pub(crate) const DROP_INDEX_NEEDED_BY_FOREIGN_KEY: RuleInfo = RuleInfo {
    id: "mysql/drop-index-needed-by-foreign-key",
    origin: "cutover",
    severity: Severity::Warning,
    dialect: Some(Dialect::Mysql),
    summary: "Raw SQL drops the only index a foreign key can use",
    explanation: "InnoDB needs an index that starts with a foreign key's columns and refuses to drop the last one (error 1553, \"needed in a foreign key constraint\"): the migration, or the `cutover down` that runs this SQL, fails on MySQL/MariaDB.",
    fix: "Use a typed drop_index / drop_unique step (cutover then adds the index the foreign key needs in the same ALTER TABLE), create another index starting with the key's columns first, or drop the foreign key first.",
};

/// Runs the rule over the raw SQL of every up step and of every explicit down step.
pub(crate) fn check(view: &PlanView<'_>, out: &mut Vec<Finding>) {
    for s in &view.steps {
        for fact in s.facts_for(Dialect::Mysql) {
            if let Some(f) = needed(&s.before, fact) {
                out.push(s.finding(&DROP_INDEX_NEEDED_BY_FOREIGN_KEY, f));
            }
        }
    }
    for (m, migration) in view.plan.migrations.iter().enumerate() {
        let (Some(down), Some(after)) = (&migration.down, view.after.get(m)) else {
            continue;
        };
        check_down(migration, down, after.clone(), out);
    }
}

/// The explicit down steps of `m`, replayed from the schema after its up steps.
fn check_down(m: &Migration, down: &[Located<Step>], mut schema: Schema, out: &mut Vec<Finding>) {
    for (index, located) in down.iter().enumerate() {
        if !located.runs_on(Dialect::Mysql) {
            continue;
        }
        if let Step::Sql(sql) = &located.item
            && let Some(text) = sql.up().for_dialect(Dialect::Mysql)
        {
            for fact in facts(text, Dialect::Mysql).unwrap_or_default() {
                if let Some(f) = needed(&schema, &fact) {
                    out.push(Finding::step(
                        &DROP_INDEX_NEEDED_BY_FOREIGN_KEY,
                        m,
                        index,
                        located,
                        format!("[[down]]: {f}"),
                    ));
                }
            }
        }
        schema.apply(&located.item);
    }
}

/// The message when `fact` drops an index that a foreign key of `schema` needs.
fn needed(schema: &Schema, fact: &Fact) -> Option<String> {
    let Fact::DropIndex { table, index } = fact else {
        return None;
    };
    let table = table.clone().or_else(|| table_of(schema, index))?;
    let needing = foreign_keys_needing(schema, &table, index);
    let (fk, columns) = needing.first()?;
    Some(format!(
        "DROP INDEX `{index}` on `{table}` fails with error 1553: it is the only index foreign key `{fk}` ({}) can use",
        columns.join(", ")
    ))
}

/// The table that has an index named `index`, when the statement does not say.
fn table_of(schema: &Schema, index: &str) -> Option<String> {
    schema
        .tables
        .iter()
        .find(|(_, t)| t.indexes.iter().any(|i| i.index_name() == index))
        .map(|(name, _)| name.clone())
}
