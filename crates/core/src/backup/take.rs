//! Taking a backup with its manifest, and restoring one.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use super::files::{measure, unique_file_name};
use super::manifest::{MANIFEST_FORMAT, Manifest, MigrationRef, TableCount};
use super::verify::verify_hash;
use crate::backend::{Backend, BackupInfo};
use crate::error::{Error, Result};
use crate::runner::History;

/// Backs up the connected database into `path` (which must not exist) with the adapter's
/// [`Backend::backup`], then writes the manifest beside it: database, last applied migration
/// (from `history_table`), tables with row counts, views, size and SHA-256. On failure
/// neither file is left behind.
pub async fn take(backend: &mut dyn Backend, path: &Path, history_table: &str) -> Result<Manifest> {
    take_scoped(backend, path, history_table, None).await
}

/// Like [`take`], for only `tables` (a table-level backup, [`Backend::backup_tables`]): the
/// manifest lists just them, with their row counts, in `only_tables`; restoring it replaces
/// exactly these tables.
pub async fn take_tables(
    backend: &mut dyn Backend,
    path: &Path,
    history_table: &str,
    tables: &[String],
) -> Result<Manifest> {
    take_scoped(backend, path, history_table, Some(tables)).await
}

async fn take_scoped(
    backend: &mut dyn Backend,
    path: &Path,
    history_table: &str,
    only: Option<&[String]>,
) -> Result<Manifest> {
    for existing in [path.to_path_buf(), Manifest::path_for(path)] {
        if existing.exists() {
            return Err(Error::Other(format!(
                "{} already exists; {}: choose another path or remove it",
                existing.display(),
                super::files::NEVER_OVERWRITES
            )));
        }
    }
    let info = match only {
        Some(tables) => backend.backup_tables(path, tables).await,
        None => backend.backup(path).await,
    }
    .map_err(|e| e.context(format!("backing up to {}", path.display())))?;
    match describe(backend, path, history_table, info, only).await {
        Ok(manifest) => Ok(manifest),
        Err(e) => {
            let _ = std::fs::remove_file(path);
            let _ = std::fs::remove_file(Manifest::path_for(path));
            Err(e.context(format!("writing the manifest of {}", path.display())))
        }
    }
}

/// Restores the backup at `path` into the connected database.
///
/// Checks the manifest and the file's hash first and refuses a backup of another dialect.
/// Tables and views created after the backup are dropped (where the adapter's restore does
/// not replace the whole database), so that afterwards the default schema holds what the
/// backup holds; then the adapter's [`Backend::restore`] runs. The caller holds the
/// migration lock ([`Runner::restore`](crate::runner::Runner::restore) does).
pub async fn restore(backend: &mut dyn Backend, path: &Path) -> Result<Manifest> {
    let manifest = verify_hash(path).await?;
    let dialect = backend.dialect();
    if manifest.dialect != dialect {
        return Err(Error::Other(format!(
            "{} is a {} backup; it cannot be restored into a {dialect} database",
            path.display(),
            manifest.dialect
        )));
    }
    super::tenant::check_schema(path, &manifest, backend.schema().as_deref())?;
    backend.check_restore_tools()?;
    if let Some(tables) = &manifest.only_tables {
        // A table-level backup replaces its tables and leaves everything else alone.
        backend
            .restore_tables(path, tables)
            .await
            .map_err(|e| e.context(format!("restoring {}", path.display())))?;
        return Ok(manifest);
    }
    let sql = dialect.sql();
    if !sql.restore_replaces_everything() {
        let keep: BTreeSet<&str> = manifest
            .tables
            .iter()
            .map(|t| t.name.as_str())
            .chain(manifest.internal_tables.iter().map(String::as_str))
            .chain(manifest.views.iter().map(String::as_str))
            .collect();
        for (list, view) in [(sql.list_views_sql(), true), (sql.list_tables_sql(), false)] {
            for name in names(backend, &list).await? {
                if !keep.contains(name.as_str()) {
                    tracing::info!(name, view, "dropping an object created after the backup");
                    backend
                        .execute(&sql.drop_for_restore_sql(&name, view))
                        .await
                        .map_err(|e| {
                            e.context(format!("dropping `{name}`, created after the backup"))
                        })?;
                }
            }
        }
    }
    backend
        .restore(path)
        .await
        .map_err(|e| e.context(format!("restoring {}", path.display())))?;
    Ok(manifest)
}

/// `<dir>/<database>[.<schema>]-<version>-<time>-<hash>.<ext>` for a backup of the connected
/// database (never an existing file's name), the
/// version being the newest applied migration in `history_table` (see
/// [`unique_file_name`]).
pub async fn default_path(
    backend: &mut dyn Backend,
    dir: &Path,
    history_table: &str,
) -> Result<PathBuf> {
    let sql = backend.dialect().sql();
    let database = database_name(backend).await?;
    let tables = names(backend, &sql.list_tables_sql()).await?;
    let last = if tables.iter().any(|t| t == history_table) {
        last_applied(backend, history_table).await?
    } else {
        None
    };
    let version = last.as_ref().map(|m| m.version.as_str());
    let server = match sql.server_identity_sql() {
        Some(q) => backend
            .query(&q)
            .await?
            .scalar()
            .unwrap_or_default()
            .to_string(),
        None => String::new(),
    };
    let schema = backend.schema();
    let identity = format!(
        "{}|{server}|{database}|{}",
        backend.dialect(),
        schema.as_deref().unwrap_or_default()
    );
    let name = |n: u32| {
        let name = unique_file_name(
            &database,
            schema.as_deref(),
            &identity,
            version,
            sql.backup_extension(),
        );
        match n {
            0 => dir.join(name),
            n => {
                let (stem, ext) = name.rsplit_once('.').unwrap_or((name.as_str(), ""));
                dir.join(format!("{stem}-{n}.{ext}"))
            }
        }
    };
    // Unique by construction; a name taken anyway (a clock set back) gets a suffix, as a
    // backup never overwrites a file.
    let mut n = 0;
    loop {
        let path = name(n);
        if n >= 100 || (!path.exists() && !Manifest::path_for(&path).exists()) {
            return Ok(path);
        }
        n += 1;
    }
}

/// The connected database's name as manifests record it (SQLite: the file path).
pub async fn database_name(backend: &mut dyn Backend) -> Result<String> {
    let sql = backend.dialect().sql();
    Ok(backend
        .query(&sql.database_name_sql())
        .await?
        .scalar()
        .unwrap_or_default()
        .to_string())
}

/// The newest applied (or baselined) migration in `history_table`.
async fn last_applied(
    backend: &mut dyn Backend,
    history_table: &str,
) -> Result<Option<MigrationRef>> {
    Ok(History::new(history_table, backend.dialect())
        .load(backend)
        .await?
        .into_iter()
        .filter(|e| e.state.is_done())
        .max_by_key(|e| e.version.number)
        .map(|e| MigrationRef {
            version: e.version.text,
            name: e.name,
        }))
}

/// Fills in the manifest of the backup just written to `path` and writes it.
async fn describe(
    backend: &mut dyn Backend,
    path: &Path,
    history_table: &str,
    info: BackupInfo,
    only: Option<&[String]>,
) -> Result<Manifest> {
    let dialect = backend.dialect();
    let sql = dialect.sql();
    let database = database_name(backend).await?;
    let all = names(backend, &sql.list_tables_sql()).await?;
    let has_history = all.iter().any(|t| t == history_table);
    let (internal, user, views) = match only {
        Some(tables) => (Vec::new(), tables.to_vec(), Vec::new()),
        None => {
            let (internal, user): (Vec<String>, Vec<String>) = all
                .into_iter()
                .partition(|t| t == history_table || t.starts_with("cutover_"));
            (internal, user, names(backend, &sql.list_views_sql()).await?)
        }
    };
    let mut tables = Vec::with_capacity(user.len());
    for name in user {
        let q = format!("SELECT COUNT(*) FROM {}", dialect.quote(&name));
        let rows = backend.query(&q).await?;
        let rows = rows.scalar().and_then(|v| v.parse().ok()).unwrap_or(0);
        tables.push(TableCount { name, rows });
    }
    let last_migration = if has_history {
        last_applied(backend, history_table).await?
    } else {
        None
    };
    let (size_bytes, sha256) = measure(path).await?;
    let manifest = Manifest {
        format: MANIFEST_FORMAT,
        file: path
            .file_name()
            .map(|f| f.to_string_lossy().into_owned())
            .unwrap_or_default(),
        dialect,
        server_version: info.server_version,
        tool: info.tool,
        database,
        created_at: crate::runner::now(),
        cutover_version: env!("CARGO_PKG_VERSION").to_string(),
        last_migration,
        tables,
        internal_tables: internal,
        views,
        size_bytes,
        sha256,
        only_tables: only.map(<[String]>::to_vec),
        schema: backend.schema(),
    };
    manifest.write(path)?;
    Ok(manifest)
}

/// The first column of every row of `sql`.
async fn names(backend: &mut dyn Backend, sql: &str) -> Result<Vec<String>> {
    Ok(backend.query(sql).await?.into_first_column())
}
