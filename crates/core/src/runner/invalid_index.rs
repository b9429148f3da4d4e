//! Indexes left INVALID by a failed concurrent build.
//!
//! A `CREATE [UNIQUE] INDEX CONCURRENTLY` that fails (duplicate values, a cancelled or killed
//! session) does not roll back: PostgreSQL keeps the index, marked invalid, and the next
//! attempt fails with "relation already exists" (or, with `IF NOT EXISTS`, silently keeps
//! the unusable index). Before a typed `create_index` step runs, the runner drops such a
//! leftover and builds the index again; a valid index of that name stays an error. For raw
//! SQL, whose intent cutover does not own, the error says which statement removes it.

use sqlparser::ast::Statement as Ast;
use sqlparser::dialect::{MySqlDialect, PostgreSqlDialect, SQLiteDialect};
use sqlparser::parser::Parser;

use super::Runner;
use super::report::Event;
use crate::dialect::Dialect;
use crate::error::{Error, Result};
use crate::render::Statement;

/// An index as PostgreSQL stores it: in the schema of its table (`None`: the current one),
/// its name folded to lower case unless it was quoted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct IndexRef {
    /// The table's schema when the statement qualifies the table.
    pub schema: Option<String>,
    /// The index name as stored.
    pub name: String,
}

impl std::fmt::Display for IndexRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.schema {
            Some(schema) => write!(f, "{schema}.{}", self.name),
            None => f.write_str(&self.name),
        }
    }
}

/// An identifier as stored: unquoted ones fold to lower case.
fn stored(id: &sqlparser::ast::Ident) -> String {
    match id.quote_style {
        Some(_) => id.value.clone(),
        None => id.value.to_lowercase(),
    }
}

/// The index that `sql` builds concurrently, if it is one such statement, and whether it
/// says `IF NOT EXISTS`.
pub(crate) fn concurrent_index(sql: &str, dialect: Dialect) -> Option<(IndexRef, bool)> {
    let parsed = match dialect {
        Dialect::Postgres => Parser::parse_sql(&PostgreSqlDialect {}, sql),
        Dialect::Mysql => Parser::parse_sql(&MySqlDialect {}, sql),
        Dialect::Sqlite => Parser::parse_sql(&SQLiteDialect {}, sql),
    }
    .ok()?;
    let [Ast::CreateIndex(i)] = parsed.as_slice() else {
        return None;
    };
    if !i.concurrently {
        return None;
    }
    let name = i.name.as_ref()?.0.last()?.as_ident().map(stored)?;
    let parts = &i.table_name.0;
    let schema = parts
        .len()
        .checked_sub(2)
        .and_then(|k| parts.get(k))
        .and_then(|p| p.as_ident())
        .map(stored);
    Some((IndexRef { schema, name }, i.if_not_exists))
}

impl Runner<'_> {
    /// The index statement `s` builds concurrently when it is invalid in the live schema,
    /// and whether the statement says `IF NOT EXISTS`.
    async fn invalid_index_of(&mut self, s: &Statement) -> Result<Option<(IndexRef, bool)>> {
        let dialect = self.backend.dialect();
        let Some((index, if_not_exists)) = concurrent_index(&s.sql, dialect) else {
            return Ok(None);
        };
        let Some(probe) = dialect
            .sql()
            .invalid_index_sql(index.schema.as_deref(), &index.name)
        else {
            return Ok(None);
        };
        let rows = self.backend.query(&probe).await?;
        Ok((!rows.rows.is_empty()).then_some((index, if_not_exists)))
    }

    /// Before a statement that builds an index concurrently, when an invalid index of that
    /// name is left by an earlier failed attempt: for a typed `create_index`, drops it so that
    /// the build runs again; for raw SQL with `IF NOT EXISTS` (which would skip the build and
    /// keep the unusable index), refuses with the statement to run. A valid index of that
    /// name is left alone (the build then fails as it should).
    pub(crate) async fn drop_invalid_leftover(&mut self, s: &Statement, label: &str) -> Result<()> {
        if s.backfill.is_some() {
            return Ok(());
        }
        let Some((index, if_not_exists)) = self.invalid_index_of(s).await? else {
            return Ok(());
        };
        let Some(drop) = self
            .backend
            .dialect()
            .sql()
            .drop_invalid_index_sql(index.schema.as_deref(), &index.name)
        else {
            return Ok(());
        };
        if s.op != "create_index" {
            if !if_not_exists {
                // It fails with "already exists"; the error then says what to do.
                return Ok(());
            }
            return Err(Error::Other(format!(
                "migration {label}, step {} ({}): index `{index}` exists but is INVALID (left by an earlier failed build), and `IF NOT EXISTS` would keep it unusable: run `{drop};` on the database, then run `cutover up` again",
                s.step, s.op
            )));
        }
        self.backend.execute(&drop).await.map_err(|e| {
            e.context(format!(
                "migration {label}, step {}: dropping index `{index}`, left INVALID by an earlier failed build (`{drop}`)",
                s.step
            ))
        })?;
        let msg = format!(
            "migration {label}, step {}: index `{index}` was left INVALID by an earlier failed build; dropped it (`{drop}`) and building it again",
            s.step
        );
        self.reporter.event(&Event::Warning(&msg));
        Ok(())
    }

    /// After statement `s` failed: when an invalid index of the name it builds exists (left
    /// by this failure or an earlier one), what to do before the next run, with `resume`
    /// ("resume at statement N"). `None` when no such index is in the way.
    pub(crate) async fn invalid_index_advice(
        &mut self,
        s: &Statement,
        resume: &str,
    ) -> Option<String> {
        let (index, if_not_exists) = self.invalid_index_of(s).await.ok().flatten()?;
        if s.op == "create_index" {
            return Some(format!(
                "index `{index}` is left INVALID; `cutover up` drops it and builds it again, so fix the cause (e.g. the duplicate values) and run `cutover up` again to {resume}"
            ));
        }
        let drop = self
            .backend
            .dialect()
            .sql()
            .drop_invalid_index_sql(index.schema.as_deref(), &index.name)?;
        let rerun = if if_not_exists {
            "a plain re-run skips the build (IF NOT EXISTS) and keeps the unusable index"
        } else {
            "a plain re-run fails with \"already exists\""
        };
        Some(format!(
            "index `{index}` is left INVALID and {rerun}: run `{drop};` on the database, fix the cause, then run `cutover up` again to {resume}"
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::{IndexRef, concurrent_index};
    use crate::dialect::Dialect;

    fn index(schema: Option<&str>, name: &str) -> IndexRef {
        IndexRef {
            schema: schema.map(str::to_string),
            name: name.to_string(),
        }
    }

    #[test]
    fn reads_the_index_of_a_concurrent_build_only_as_stored() {
        let pg = Dialect::Postgres;
        assert_eq!(
            concurrent_index(
                "CREATE UNIQUE INDEX CONCURRENTLY \"uq_users_email\" ON \"users\" (\"email\")",
                pg
            ),
            Some((index(None, "uq_users_email"), false))
        );
        assert_eq!(
            concurrent_index(
                "CREATE INDEX CONCURRENTLY IF NOT EXISTS Ix_Mixed ON App.t (a)",
                pg
            ),
            Some((index(Some("app"), "ix_mixed"), true))
        );
        assert_eq!(
            concurrent_index("CREATE INDEX CONCURRENTLY \"Ix\" ON t (a)", pg),
            Some((index(None, "Ix"), false))
        );
        assert_eq!(concurrent_index("CREATE INDEX ix ON t (a)", pg), None);
        assert_eq!(concurrent_index("not sql", pg), None);
    }
}
