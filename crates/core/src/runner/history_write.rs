//! Writing the history table: conditional writes that never overwrite an applied entry,
//! each checking the lock's fence inside its transaction.

use sea_query::{Expr, ExprTrait, Query};

use super::history::{COLUMNS, EntryState, History, HistoryEntry};
use crate::backend::Backend;
use crate::error::{Error, Result};
use crate::plan::Version;
use crate::render::ident;

impl History {
    /// Writes the entry of `e.version`, inside the caller's transaction: replaces a
    /// `partial` or `failed` entry, and refuses with [`Error::AlreadyRecorded`] when the
    /// version is already `applied` or `baselined` (a second apply must fail loudly, never
    /// overwrite). The version is the primary key, so two runs inserting it at once cannot
    /// both commit. When a fence is set, it is checked first.
    pub async fn save(&self, backend: &mut dyn Backend, e: &HistoryEntry) -> Result<()> {
        self.check_fence(backend, &format!("writing history entry {}", e.version))
            .await?;
        let version = e.version.number as i64;
        let unfinished = Query::delete()
            .from_table(ident(&self.table))
            .and_where(Expr::col(ident("version_number")).eq(version))
            .and_where(
                Expr::col(ident("state"))
                    .is_not_in([EntryState::Applied.as_str(), EntryState::Baselined.as_str()]),
            )
            .to_owned();
        backend
            .execute(&self.dialect.query(&unfinished))
            .await
            .map_err(|err| err.context(format!("replacing history entry {}", e.version)))?;
        if let Some(state) = self.state_of(backend, &e.version).await? {
            return Err(Error::AlreadyRecorded {
                table: self.table.clone(),
                version: e.version.to_string(),
                state,
            });
        }
        self.insert(backend, e).await
    }

    /// Replaces the entry of `e.version` whatever its state, for deliberate rewrites of done
    /// entries (`repair` accepting a new checksum).
    pub async fn replace(&self, backend: &mut dyn Backend, e: &HistoryEntry) -> Result<()> {
        self.delete(backend, &e.version).await?;
        self.insert(backend, e).await
    }

    /// Like [`replace`](History::replace), in a transaction of its own.
    pub async fn replace_atomic(&self, backend: &mut dyn Backend, e: &HistoryEntry) -> Result<()> {
        backend.begin().await?;
        match self.replace(backend, e).await {
            Ok(()) => backend.commit().await,
            Err(err) => {
                let _ = backend.rollback().await;
                Err(err)
            }
        }
    }

    /// The recorded state of `version`, if it has an entry.
    async fn state_of(
        &self,
        backend: &mut dyn Backend,
        version: &Version,
    ) -> Result<Option<String>> {
        let q = Query::select()
            .column(ident("state"))
            .from(ident(&self.table))
            .and_where(Expr::col(ident("version_number")).eq(version.number as i64))
            .to_owned();
        Ok(backend
            .query(&self.dialect.query(&q))
            .await
            .map_err(|err| err.context(format!("reading history entry {version}")))?
            .scalar()
            .map(str::to_string))
    }

    /// Checks the fence, if any, in the caller's transaction.
    async fn check_fence(&self, backend: &mut dyn Backend, what: &str) -> Result<()> {
        match &self.fence {
            Some(f) => f.check(backend, what).await,
            None => Ok(()),
        }
    }

    async fn insert(&self, backend: &mut dyn Backend, e: &HistoryEntry) -> Result<()> {
        let values: Vec<Expr> = vec![
            Expr::val(e.version.number as i64),
            Expr::val(e.version.text.clone()),
            Expr::val(e.name.clone()),
            Expr::val(e.description.clone()),
            Expr::val(e.checksum.clone()),
            Expr::val(e.state.as_str()),
            Expr::val(e.statements_applied),
            Expr::val(e.statements_total),
            Expr::val(e.statement_checksums.join(",")),
            Expr::val(e.started_at.clone()),
            // The database's clock, not the client's: `min_age` measures soak time from it.
            match &e.finished_at {
                Some(_) => Expr::cust(self.dialect.sql().now_utc_expr()),
                None => Expr::val(None::<String>),
            },
            Expr::val(e.duration_ms),
            Expr::val(e.tool_version.clone()),
            Expr::val(e.applied_by.clone()),
            Expr::val(e.note.clone()),
            Expr::val(e.backup.clone()),
        ];
        let mut q = Query::insert();
        q.into_table(ident(&self.table))
            .columns(
                COLUMNS
                    .iter()
                    .map(|c| ident(c))
                    .chain([ident("note"), ident("backup")]),
            )
            .values(values)
            .map_err(|err| Error::Other(format!("building history insert: {err}")))?;
        backend
            .execute(&self.dialect.query(&q))
            .await
            .map(|_| ())
            .map_err(|err| err.context(format!("writing history entry {}", e.version)))
    }

    /// Like [`save`](History::save), in a transaction of its own (for use outside a
    /// migration's transaction), so that a crash never loses the entry and the fence check
    /// holds until the write commits.
    pub async fn save_atomic(&self, backend: &mut dyn Backend, e: &HistoryEntry) -> Result<()> {
        backend.begin().await?;
        match self.save(backend, e).await {
            Ok(()) => backend.commit().await,
            Err(err) => {
                let _ = backend.rollback().await;
                Err(err)
            }
        }
    }

    /// Like [`delete`](History::delete), in a transaction of its own, so that the fence
    /// check holds until the delete commits.
    pub async fn delete_atomic(&self, backend: &mut dyn Backend, version: &Version) -> Result<()> {
        backend.begin().await?;
        match self.delete(backend, version).await {
            Ok(()) => backend.commit().await,
            Err(err) => {
                let _ = backend.rollback().await;
                Err(err)
            }
        }
    }

    /// Removes the entry of `version` (checking the fence first, when one is set).
    pub async fn delete(&self, backend: &mut dyn Backend, version: &Version) -> Result<()> {
        self.check_fence(backend, &format!("deleting history entry {version}"))
            .await?;
        let q = Query::delete()
            .from_table(ident(&self.table))
            .and_where(Expr::col(ident("version_number")).eq(version.number as i64))
            .to_owned();
        backend
            .execute(&self.dialect.query(&q))
            .await
            .map(|_| ())
            .map_err(|err| err.context(format!("deleting history entry {version}")))
    }
}
