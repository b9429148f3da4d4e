//! Message builders used by the `#[error(..)]` texts of [`Error`](super::Error).

use crate::dialect::Dialect;

pub(super) fn checksum_message(mismatches: &[(String, String, String)]) -> String {
    let list: Vec<String> = mismatches
        .iter()
        .map(|(m, old, new)| {
            format!(
                "migration {m} was applied with checksum {} but its file now has {}",
                short(old),
                short(new)
            )
        })
        .collect();
    format!(
        "{}; revert the edit, or if it was deliberate run `cutover repair` to accept the new checksum",
        list.join("; ")
    )
}

pub(super) fn lint_message(dialect: Dialect, findings: &[crate::lint::Finding]) -> String {
    let list: Vec<String> = findings
        .iter()
        .map(|f| {
            format!(
                "{}:{}: {} migration {}: {}",
                f.file.display(),
                f.line,
                f.rule,
                f.migration,
                f.message
            )
        })
        .collect();
    format!(
        "the pending migrations have {} lint error{} for {dialect}, so nothing was applied: {}; fix them, suppress each with `allow = [{{ rule = \"...\", reason = \"...\" }}]`, or apply anyway with LintGate::Warn",
        findings.len(),
        if findings.len() == 1 { "" } else { "s" },
        list.join("; ")
    )
}

fn short(s: &str) -> &str {
    &s[..s.len().min(12)]
}
