//! Golden cases: the example plan, whole.

use super::*;

fn examples_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/messages/migrations")
}

/// The plan rendered the way `cutover sql` prints it.
fn script(rendered: &[RenderedMigration], dialect: Dialect) -> String {
    let mut out =
        format!("-- examples/messages rendered for {dialect}; regenerate with UPDATE_GOLDEN=1\n\n");
    for m in rendered {
        out.push_str(&format!("-- migration {} ({})\n", m.version, m.name));
        for s in &m.statements {
            let note = match (&s.backfill, s.kind) {
                (Some(id), _) => format!(" backfill {id}, run in batches"),
                (None, StatementKind::NoTransaction) => " outside a transaction".into(),
                _ => String::new(),
            };
            out.push_str(&format!("-- step {} ({}){note}\n", s.step, s.op));
            let sql = s.sql.trim_end();
            out.push_str(sql);
            out.push_str(if sql.ends_with(';') { "\n" } else { ";\n" });
        }
        out.push('\n');
    }
    out
}

#[test]
fn example_plan_matches_the_golden_files() {
    let plan = Plan::load(&examples_dir()).expect("example plan loads");
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let update = std::env::var_os("UPDATE_GOLDEN").is_some_and(|v| v == "1");
    for dialect in Dialect::ALL {
        let rendered = render(&plan, dialect, Direction::Up).expect("example renders");
        let got = script(&rendered, dialect);
        let path = fixtures.join(format!("messages.{dialect}.sql"));
        if update {
            std::fs::create_dir_all(&fixtures).expect("create fixtures dir");
            std::fs::write(&path, &got).expect("write golden file");
            continue;
        }
        let want = std::fs::read_to_string(&path).unwrap_or_else(|e| {
            panic!(
                "{}: {e}; run with UPDATE_GOLDEN=1 to create it",
                path.display()
            )
        });
        assert_eq!(
            got,
            want,
            "{} is out of date; rerun with UPDATE_GOLDEN=1 and review the diff",
            path.display()
        );
    }
}

#[test]
fn example_plan_reverts_newest_first() {
    let plan = Plan::load(&examples_dir()).expect("example plan loads");
    let rendered = render(&plan, Dialect::Postgres, Direction::Down).expect("example reverts");
    let versions: Vec<String> = rendered.iter().map(|m| m.version.to_string()).collect();
    assert_eq!(versions, ["0005", "0004", "0003", "0002", "0001"]);
    // The revoke's ownership and dependent-rights checks before it and its check that the
    // rights are gone after.
    let all = statements(&rendered);
    let checks = all
        .iter()
        .filter(|s| s.starts_with("DO $cutover_check$"))
        .count();
    assert_eq!(checks, 3);
    let all: Vec<_> = all
        .into_iter()
        .filter(|s| !s.starts_with("DO $cutover_check$"))
        .collect();
    assert_eq!(
        all,
        &[
            r#"REVOKE SELECT, UPDATE ON TABLE "messages" FROM "social_selling_user""#,
            r#"UPDATE "messages" SET "attachments" = jsonb_build_array() WHERE "media_url" IS NOT NULL AND "media_url" <> '' AND CAST("attachments" AS text) LIKE '%legacy_migration%'"#,
            r#"ALTER TABLE "messages" DROP COLUMN "attachments""#,
            "DELETE FROM messages",
            "DELETE FROM conversations",
            r#"DROP TABLE "messages""#,
            r#"DROP TABLE "conversations""#,
        ]
    );
}
