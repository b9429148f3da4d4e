//! Schema-per-tenant: `?search_path=NAME` in a URL puts the session in schema NAME.
//!
//! The parameter is cutover's (the driver does not know it): it is taken out of the URL before
//! connecting, then the session runs `SET search_path TO "NAME"`. Unqualified names (the
//! plan's tables, the history, lock and checkpoint tables) then resolve in that schema, and
//! the migration and backfill advisory locks are scoped to it, so two tenants in one database
//! neither see nor block each other.

use cutover_core::{Error, Result};
use tokio_postgres::Client;

use crate::errors::driver_error;

/// Splits `search_path=NAME[,NAME...]` off `url`: the URL the driver gets, and the schemas
/// in order (the first is the target schema). Every name must be a plain identifier.
pub(crate) fn split_search_path(url: &str) -> Result<(String, Option<Vec<String>>)> {
    let Some(list) = cutover_core::search_path::own_schemas(url) else {
        return Ok((url.to_string(), None));
    };
    if list.is_empty() {
        return Err(Error::Url {
            url: cutover_core::url::redact(url),
            message: "`search_path=` names no schema".to_string(),
        });
    }
    for schema in &list {
        cutover_core::url::check_schema_name(schema).map_err(|message| Error::Url {
            url: cutover_core::url::redact(url),
            message,
        })?;
    }
    let url = cutover_core::url::without_search_path(url);
    Ok((url, Some(list)))
}

/// The advisory-lock key of `key` for a session whose effective schema is `schema` (see
/// [`effective_schema`]): scoped to it, unchanged without one, so runs in `public` keep
/// their lock ids. Two URLs that put their sessions in the same schema (`?search_path=t1`,
/// `?options=-csearch_path%3Dt1`, a role's default search_path) share one lock.
pub(crate) fn lock_scope(schema: Option<&str>, key: &str) -> String {
    match schema {
        Some(schema) => format!("{schema}/{key}"),
        None => key.to_string(),
    }
}

/// The schema the session really uses: `current_schema()`, where unqualified names (the
/// plan's tables, the history, checkpoint and lock tables) are created. `None` for `public`
/// (the default, unscoped) and when no schema of the search_path exists.
pub(crate) async fn effective_schema(client: &Client) -> Result<Option<String>> {
    let row = client
        .query_one("SELECT current_schema()", &[])
        .await
        .map_err(|e| driver_error(&e))?;
    let current: Option<String> = row.try_get(0).map_err(|e| driver_error(&e))?;
    Ok(current.filter(|s| s != "public"))
}

/// Sets the session's search_path to `schemas` (each quoted, so matched exactly) and checks
/// that the first, the target schema, is where the session works (see [`verify_target`]).
pub(crate) async fn enter(client: &Client, url: &str, schemas: &[String]) -> Result<()> {
    let list: Vec<String> = schemas
        .iter()
        .map(|s| cutover_core::url::quote_schema(s))
        .collect();
    client
        .batch_execute(&format!("SET search_path TO {}", list.join(", ")))
        .await
        .map_err(|e| driver_error(&e))?;
    verify_target(client, url, schemas).await
}

/// Checks that `current_schema()` is the first of `schemas` (the target schema): PostgreSQL
/// creates unqualified objects (the plan's tables, the history) in the first listed schema
/// that exists, so a missing target schema would silently put a tenant in the next one
/// (`public` in `tenant,public`). Refused with the `CREATE SCHEMA` hint. A list starting
/// with `$user` (PostgreSQL's default) is not checked.
pub(crate) async fn verify_target(client: &Client, url: &str, schemas: &[String]) -> Result<()> {
    let Some(target) = schemas.first() else {
        return Ok(());
    };
    if target == "$user" {
        return Ok(());
    }
    let row = client
        .query_one("SELECT current_schema()", &[])
        .await
        .map_err(|e| driver_error(&e))?;
    let current: Option<String> = row.try_get(0).map_err(|e| driver_error(&e))?;
    if current.as_deref() == Some(target.as_str()) {
        return Ok(());
    }
    let instead = match (&current, schemas.len()) {
        (Some(other), n) if n > 1 => format!(
            " (the session would work in `{other}`, the next schema of the search_path, instead)"
        ),
        _ => String::new(),
    };
    Err(Error::Driver {
        dialect: cutover_core::Dialect::Postgres,
        message: format!(
            "schema {target} does not exist in {} (or the role has no USAGE on it){instead}; the target schema is the first one of the search_path; create it with `cutover up --create-database` (creates the database and the schema) or `CREATE SCHEMA {}`",
            cutover_core::url::redact(url),
            cutover_core::url::quote_schema(target)
        ),
        kind: cutover_core::error::DriverErrorKind::MissingDatabase,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn search_path_is_split_off_and_scopes_locks() {
        let (url, schema) =
            split_search_path("postgres://u@h/db?search_path=t1&connect_timeout=3").expect("ok");
        assert_eq!(url, "postgres://u@h/db?connect_timeout=3");
        assert_eq!(schema, Some(vec!["t1".to_string()]));
        let (url, schema) = split_search_path("postgres://u@h/db").expect("ok");
        assert_eq!((url.as_str(), schema), ("postgres://u@h/db", None));
        assert!(split_search_path("postgres://h/db?search_path=a;drop").is_err());
        let (_, schema) = split_search_path("postgres://h/db?search_path=t1,public").expect("ok");
        assert_eq!(schema, Some(vec!["t1".to_string(), "public".to_string()]));
        assert!(split_search_path("postgres://h/db?search_path=t1,a;drop").is_err());
        assert_eq!(lock_scope(Some("t1"), "k"), "t1/k");
        assert_eq!(lock_scope(None, "k"), "k");
    }
}
