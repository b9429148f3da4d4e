//! Lint rules: the base plan and the catalog.

use super::*;

#[test]
fn the_base_plan_is_clean_on_every_dialect() {
    assert_eq!(lint(&[], ALL), Vec::new());
}

#[test]
fn rule_ids_are_unique_prefixed_by_dialect_and_documented() {
    let docs = std::fs::read_to_string(
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../docs/lint.md"),
    )
    .expect("docs/lint.md exists");
    let mut ids: Vec<&str> = rules().iter().map(|r| r.id).collect();
    for r in rules() {
        let prefix = r.dialect.map_or("plan", |d| match d {
            Dialect::Postgres => "pg",
            Dialect::Mysql => "mysql",
            Dialect::Sqlite => "sqlite",
        });
        assert!(r.id.starts_with(&format!("{prefix}/")), "{}", r.id);
        assert!(
            docs.contains(&format!("### `{}`", r.id)),
            "docs/lint.md has no section for {}",
            r.id
        );
        assert!(!r.summary.is_empty() && !r.explanation.is_empty() && !r.fix.is_empty());
    }
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), rules().len());
}
