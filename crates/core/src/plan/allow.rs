//! Lint suppressions: `allow = [{ rule = "...", reason = "..." }]` on a step or at the top of
//! a migration.
//!
//! Suppressions are read next to the step, not into it, so adding one does not change the
//! migration's checksum.

use serde::Deserialize;

/// One lint suppression.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Allow {
    /// The rule id it silences, e.g. `pg/rename`.
    pub rule: String,
    /// Why the finding does not apply; a suppression without one is itself a finding.
    pub reason: Option<String>,
    /// 1-based line where the suppression is written.
    pub line: usize,
}

impl Allow {
    /// Whether the suppression gives a non-blank reason.
    pub fn has_reason(&self) -> bool {
        self.reason.as_deref().is_some_and(|r| !r.trim().is_empty())
    }
}

/// One lint suppression as written: `{ rule = "pg/rename", reason = "why it is safe" }`.
#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawAllow {
    /// The lint rule id it silences, e.g. `pg/rename` (`cutover lint --explain` lists them).
    rule: String,
    /// Why the finding does not apply here; a suppression without one is itself a finding.
    #[serde(default)]
    reason: Option<String>,
}

/// Parses the value of an `allow` key: a list of `{ rule = "...", reason = "..." }`.
pub(crate) fn parse_allows(value: toml::Value, line: usize) -> Result<Vec<Allow>, String> {
    let toml::Value::Array(items) = value else {
        return Err(
            "`allow` is a list of suppressions: allow = [{ rule = \"pg/rename\", reason = \"why it is safe\" }]"
                .into(),
        );
    };
    items
        .into_iter()
        .map(|item| {
            let raw: RawAllow = item.try_into().map_err(|e: toml::de::Error| {
                format!(
                    "{}: each suppression is {{ rule = \"<rule id>\", reason = \"why it is safe\" }}",
                    e.message().trim()
                )
            })?;
            Ok(Allow {
                rule: raw.rule,
                reason: raw.reason,
                line,
            })
        })
        .collect()
}
