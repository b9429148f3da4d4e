//! Running a migration's checks.

use serde::Serialize;

use crate::backend::Backend;
use crate::error::{Error, Result};
use crate::plan::{Check, CheckWhen, OnFail};
use crate::render::check_query;

/// The outcome of one check.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CheckResult {
    /// The check's name.
    pub name: String,
    /// Before or after.
    pub when: CheckWhen,
    /// The value the query returned (text), or `NULL`.
    pub value: String,
    /// The expectation, e.g. `= 0`.
    pub expected: String,
    /// Whether it passed.
    pub passed: bool,
    /// What a failure does.
    pub on_fail: OnFail,
}

/// Runs `check` and compares its value with the expectation.
pub async fn run_check(backend: &mut dyn Backend, check: &Check) -> Result<CheckResult> {
    let sql = check_query(check, backend.dialect())?;
    let fingerprint = backend.dialect().sql().session_fingerprint_sql();
    let before = match fingerprint {
        Some(f) => backend.query(f).await?.scalar().map(str::to_string),
        None => None,
    };
    let rows = backend
        .query(&sql)
        .await
        .map_err(|e| e.context(format!("running check `{}`", check.name)))?;
    if let Some(f) = fingerprint {
        let after = backend.query(f).await?.scalar().map(str::to_string);
        if after != before {
            if let Some(restore) = backend.dialect().sql().session_restore_sql() {
                let _ = backend.execute(restore).await;
            }
            return Err(Error::Other(format!(
                "check `{}` changed the session (before: {}; after: {}): a check query must only read, and a `SET ROLE` or `SET` in it would apply to the rest of the migration; remove it from the query (the migration stops here, and its transaction, if any, is rolled back)",
                check.name,
                before.unwrap_or_default(),
                after.unwrap_or_default()
            )));
        }
    }
    let value = rows.scalar().map(str::to_string);
    let number = value.as_deref().and_then(|v| v.trim().parse::<f64>().ok());
    let passed = match number {
        Some(n) => check.expect.matches(n),
        None => false,
    };
    if value.is_some() && number.is_none() {
        return Err(Error::Other(format!(
            "check `{}`: its query returned `{}`, which is not a number; a check query must return one number",
            check.name,
            value.unwrap_or_default()
        )));
    }
    Ok(CheckResult {
        name: check.name.clone(),
        when: check.when,
        value: value.unwrap_or_else(|| "NULL".into()),
        expected: check.expect.to_string(),
        passed,
        on_fail: check.on_fail,
    })
}
