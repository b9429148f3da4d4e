//! Lint rules: suppressions.

use super::*;

pub(super) const RENAME: &str =
    "[[steps]]\nop = \"rename_column\"\ntable = \"users\"\ncolumn = \"name\"\nto = \"full_name\"\n";

#[test]
fn a_reasoned_suppression_silences_its_rule_on_its_step() {
    let allowed = format!(
        "{RENAME}allow = [{{ rule = \"pg/rename\", reason = \"no release reads users.name\" }}]\n"
    );
    fires(&refs(&one(RENAME)), PG, "pg/rename", "0002_change.toml", 3);
    assert_eq!(lint(&refs(&one(&allowed)), PG), Vec::new());
    // At the top of the migration it covers every step.
    let top = format!(
        "allow = [{{ rule = \"pg/rename\", reason = \"no release reads users.name\" }}]\n{RENAME}"
    );
    assert_eq!(lint(&refs(&one(&top)), PG), Vec::new());
}

#[test]
fn suppression_without_reason() {
    let bare = format!("{RENAME}allow = [{{ rule = \"pg/rename\" }}]\n");
    fires(
        &refs(&one(&bare)),
        PG,
        "plan/suppression-without-reason",
        "0002_change.toml",
        8,
    );
    let found = lint(&refs(&one(&bare)), PG);
    assert!(
        found.iter().all(|f| f.rule != "pg/rename"),
        "still suppressed"
    );
    let reasoned = format!("{RENAME}allow = [{{ rule = \"pg/rename\", reason = \"unused\" }}]\n");
    silent(
        &refs(&one(&reasoned)),
        PG,
        "plan/suppression-without-reason",
    );
}

#[test]
fn unknown_suppression() {
    let typo = format!("{RENAME}allow = [{{ rule = \"pg/renam\", reason = \"typo\" }}]\n");
    fires(
        &refs(&one(&typo)),
        PG,
        "plan/unknown-suppression",
        "0002_change.toml",
        8,
    );
    let known = format!("{RENAME}allow = [{{ rule = \"pg/rename\", reason = \"unused\" }}]\n");
    silent(&refs(&one(&known)), PG, "plan/unknown-suppression");
}

#[test]
fn unused_suppression() {
    let stale = format!("{ADD_NICKNAME}allow = [{{ rule = \"pg/rename\", reason = \"old\" }}]\n");
    fires(
        &refs(&one(&stale)),
        PG,
        "plan/unused-suppression",
        "0002_change.toml",
        7,
    );
    // A suppression for a dialect that is not linted is not judged.
    silent(&refs(&one(&stale)), SQLITE, "plan/unused-suppression");
    let used = format!("{RENAME}allow = [{{ rule = \"pg/rename\", reason = \"unused\" }}]\n");
    silent(&refs(&one(&used)), PG, "plan/unused-suppression");
}
