//! Identity resync: after rows were written with explicit ids, the next generated id must
//! be `MAX(id) + 1`, or the application's next insert collides (PostgreSQL sequences do not
//! follow explicit values; MySQL/MariaDB AUTO_INCREMENT and SQLite do).
//!
//! cutover resyncs every identity column of each table a step may have written explicit
//! values to: the target of an insert-select backfill, the table of an update backfill that
//! sets an identity column, and the plan's tables with an identity column that a raw `sql`
//! step writes to (INSERT, UPDATE, MERGE, REPLACE, COPY). It is one cheap statement per table,
//! and nothing where the database moves its counter by itself. `op = "resync_identity"` does
//! the same for a table the model does not know (created or filled by raw SQL).

use std::collections::BTreeSet;

use crate::dialect::Dialect;
use crate::error::{Error, Result};
use crate::plan::{Plan, ResyncIdentity, Step};
use crate::schema::Schema;

/// The statements of an explicit `resync_identity` step.
pub(crate) fn resync_step(
    r: &ResyncIdentity,
    dialect: Dialect,
    schema: &Schema,
) -> Result<Vec<String>> {
    let columns = match &r.column {
        Some(c) => vec![c.clone()],
        None => {
            let known = identity_columns(schema, &r.table);
            if known.is_empty() {
                return Err(Error::Other(format!(
                    "the plan defines no identity column of table `{}`: give `column = \"...\"`",
                    r.table
                )));
            }
            known
        }
    };
    Ok(columns
        .iter()
        .filter_map(|c| dialect.sql().resync_identity_sql(&r.table, c))
        .collect())
}

/// The resync statements to run after `step` (empty where the dialect needs none).
pub(crate) fn resync_after(step: &Step, dialect: Dialect, schema: &Schema) -> Vec<String> {
    let mut out = Vec::new();
    for table in written_tables(step, dialect, schema) {
        for column in identity_columns(schema, &table) {
            out.extend(dialect.sql().resync_identity_sql(&table, &column));
        }
    }
    out
}

/// The resync statements after backfill `id` runs on `dialect` outside its migration
/// (`cutover backfill run`): the plan's model is replayed up to the backfill's step.
pub fn resync_after_backfill(plan: &Plan, dialect: Dialect, id: &str) -> Vec<String> {
    let mut schema = Schema::default();
    for m in &plan.migrations {
        for (_, s) in m.steps_for(dialect) {
            if let Step::Backfill(b) = &s.item
                && b.id_in(&m.version) == id
            {
                return resync_after(&s.item, dialect, &schema);
            }
            schema.apply(&s.item);
        }
    }
    Vec::new()
}

/// The identity columns of `table` in the model.
fn identity_columns(schema: &Schema, table: &str) -> Vec<String> {
    schema
        .table(table)
        .map(|t| {
            t.columns
                .iter()
                .filter(|c| c.identity)
                .map(|c| c.name.clone())
                .collect()
        })
        .unwrap_or_default()
}

/// Tables `step` may have written explicit identity values to.
fn written_tables(step: &Step, dialect: Dialect, schema: &Schema) -> Vec<String> {
    match step {
        Step::Backfill(b) => match &b.insert_into {
            Some(target) => vec![target.clone()],
            None => {
                let ids = identity_columns(schema, &b.table);
                if b.set.iter().any(|(c, _)| ids.contains(c)) {
                    vec![b.table.clone()]
                } else {
                    Vec::new()
                }
            }
        },
        Step::Sql(s) => match s.up().for_dialect(dialect) {
            Some(sql) if s.applies_to(dialect) => written_by_sql(sql, dialect, schema),
            _ => Vec::new(),
        },
        _ => Vec::new(),
    }
}

/// The plan's tables with an identity column that raw SQL names, when it writes data.
fn written_by_sql(sql: &str, dialect: Dialect, schema: &Schema) -> Vec<String> {
    let lexis = dialect.sql().lexis();
    let words: BTreeSet<String> = super::split_sql(sql, lexis)
        .iter()
        .flat_map(|s| super::words(s, lexis, usize::MAX))
        .collect();
    const WRITES: [&str; 5] = ["INSERT", "UPDATE", "MERGE", "REPLACE", "COPY"];
    if !WRITES.iter().any(|w| words.contains(*w)) {
        return Vec::new();
    }
    let lower = sql.to_lowercase();
    schema
        .tables
        .keys()
        .filter(|t| !identity_columns(schema, t).is_empty())
        .filter(|t| {
            words.contains(&t.to_ascii_uppercase())
                || lower.contains(&dialect.quote(t).to_lowercase())
        })
        .cloned()
        .collect()
}
