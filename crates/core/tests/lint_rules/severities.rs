//! Lint rules: severities.

use super::*;

#[test]
fn errors_and_warnings_are_distinguished() {
    let found = lint(&refs(&one(RENAME)), PG);
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(found[0].severity, Severity::Warning);
    let text = found[0].to_string();
    assert!(
        text.contains("0002_change.toml:3: warning[pg/rename] migration 0002 (change), step 1 (rename_column) [postgres]: column `users.name` is renamed to `full_name`"),
        "{text}"
    );
    assert!(
        text.contains("\n  why: ") && text.contains("\n  fix: "),
        "{text}"
    );
}
