//! `SqlDir::to_plan_files` + `write_plan_files` (what `cutover import` writes), checked by
//! loading the written files back as a plan: every fixture folder of the CLI's lint tests
//! becomes plan files whose steps hold exactly the tool's statements, up and down, with the
//! tool's versions and names, the source checksum in the description, and nothing
//! overwritten.

mod common;

use std::path::PathBuf;

use common::TempPlan;
use cutover_core::Dialect;
use cutover_core::import::{Layout, read_sql_dir, write_plan_files};
use cutover_core::plan::{LoadOptions, Plan, Step};

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../cli/tests/fixtures/sql_dirs")
        .join(name)
}

/// The SQL of each raw step, for the dialect.
fn sqls(steps: &[cutover_core::plan::Located<Step>]) -> Vec<String> {
    steps
        .iter()
        .map(|s| match &s.item {
            Step::Sql(sql) => {
                assert_eq!(sql.dialects, Some(vec![Dialect::Postgres]));
                sql.up()
                    .for_dialect(Dialect::Postgres)
                    .unwrap_or("")
                    .to_string()
            }
            other => panic!("not a raw sql step: {other:?}"),
        })
        .collect()
}

#[test]
fn every_layout_round_trips_through_the_plan_loader() {
    let cases = [
        ("sqlx", Layout::Sqlx, "sha384"),
        ("dbmate", Layout::Dbmate, "sha256"),
        ("golang_migrate", Layout::GolangMigrate, "sha256"),
        ("flyway", Layout::Flyway, "crc32"),
        ("prisma", Layout::Prisma, "sha256"),
        ("refinery", Layout::Refinery, "sha256"),
    ];
    for (name, layout, algorithm) in cases {
        let read = read_sql_dir(&fixture(name), Some(layout), Dialect::Postgres).expect(name);
        let import = read.to_plan_files(Dialect::Postgres).expect(name);
        let out = TempPlan::new(&[]);
        let written = write_plan_files(&out.dir, &import.files).expect(name);
        assert_eq!(written.len(), import.files.len());
        let plan = Plan::load_with(
            &out.dir,
            &LoadOptions {
                dialects: vec![Dialect::Postgres],
            },
        )
        .unwrap_or_else(|e| panic!("{name}: the imported plan does not load: {e}"));
        let kept: Vec<_> = read
            .migrations
            .iter()
            .filter(|m| !m.version.text.starts_with("R__"))
            .collect();
        assert_eq!(plan.migrations.len(), kept.len(), "{name}");
        for (m, src) in plan.migrations.iter().zip(&kept) {
            assert_eq!(m.version, src.version, "{name}");
            assert_eq!(m.name, src.name, "{name}");
            assert_eq!(m.transaction, src.transaction, "{name} {}", m.name);
            let want: Vec<String> = src.up.statements.iter().map(|s| s.sql.clone()).collect();
            assert_eq!(sqls(&m.steps), want, "{name} {}", m.name);
            let want_down = src.down.as_ref().map(|d| {
                d.statements
                    .iter()
                    .map(|s| s.sql.clone())
                    .collect::<Vec<_>>()
            });
            assert_eq!(m.down.as_deref().map(sqls), want_down, "{name} {}", m.name);
            let file = src.up.path.strip_prefix(fixture(name)).expect("inside");
            assert!(
                m.description
                    .contains(&format!("file {} (", file.display()))
                    && m.description.contains(&format!("{algorithm}:")),
                "{name}: {}",
                m.description
            );
        }
        // Nothing is overwritten: a second import refuses and lists the files.
        let err = write_plan_files(&out.dir, &import.files).expect_err("refuses");
        assert!(
            err.to_string().contains("import refused, nothing written")
                && err.to_string().contains(&import.files[0].file_name),
            "{err}"
        );
    }
}

#[test]
fn flyway_repeatables_are_left_out_and_said_so() {
    let read = read_sql_dir(&fixture("flyway"), None, Dialect::Postgres).expect("flyway");
    let import = read.to_plan_files(Dialect::Postgres).expect("flyway");
    let names: Vec<&str> = import.files.iter().map(|f| f.file_name.as_str()).collect();
    assert_eq!(names, ["1_users.toml", "2_bigint_ids.toml"]);
    assert_eq!(import.skipped.len(), 1);
    assert!(import.skipped[0].source.ends_with("R__user_emails.sql"));
    // U2 is the undo of V2: its down.
    assert_eq!(import.files[1].down_steps, Some(1));
}

#[test]
fn a_version_taken_by_another_plan_file_is_refused() {
    let read = read_sql_dir(&fixture("golang_migrate"), None, Dialect::Postgres).expect("read");
    let import = read.to_plan_files(Dialect::Postgres).expect("convert");
    let out = TempPlan::new(&[(
        "1_other.toml",
        "description = \"x\"\n[[steps]]\nop = \"sql\"\nsql = \"SELECT 1\"\n",
    )]);
    let err = write_plan_files(&out.dir, &import.files).expect_err("refuses");
    assert!(
        err.to_string().contains("has version 000001 already"),
        "{err}"
    );
    let files: Vec<_> = std::fs::read_dir(&out.dir).expect("dir").collect();
    assert_eq!(files.len(), 1, "nothing written");
}

#[test]
fn empty_ups_keep_their_version_and_empty_downs_revert_nothing() {
    let src = TempPlan::new(&[
        (
            "20240101000000_noop.sql",
            "-- migrate:up\n-- nothing yet\n\n-- migrate:down\n",
        ),
        (
            "20240102000000_a.sql",
            "-- migrate:up\nINSERT INTO a VALUES ('it''s\n''');\n-- migrate:down\n",
        ),
    ]);
    let read = read_sql_dir(&src.dir, None, Dialect::Sqlite).expect("read");
    let import = read.to_plan_files(Dialect::Sqlite).expect("convert");
    let out = TempPlan::new(&[]);
    write_plan_files(&out.dir, &import.files).expect("write");
    let plan = Plan::load_with(
        &out.dir,
        &LoadOptions {
            dialects: vec![Dialect::Sqlite],
        },
    )
    .expect("the imported plan loads");
    let noop = &plan.migrations[0];
    assert_eq!(noop.steps.len(), 1, "a no-op step keeps the version");
    assert_eq!(
        noop.down.as_ref().map(Vec::len),
        Some(0),
        "down = [] at the top level"
    );
    let a = &plan.migrations[1];
    assert_eq!(a.down.as_ref().map(Vec::len), Some(0));
    let Step::Sql(sql) = &a.steps[0].item else {
        panic!("raw sql")
    };
    assert_eq!(
        sql.up().for_dialect(Dialect::Sqlite),
        Some("INSERT INTO a VALUES ('it''s\n''')")
    );
}
