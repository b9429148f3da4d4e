//! `Adoption::plan` without a database: which plan migrations another tool's history rows
//! mark, leave pending or skip, and the problems it refuses with, all listed at once.

mod common;

use common::TempPlan;
use cutover_core::adopt::{Adoption, Reach, Record, RecordState, Recorded, Tool};
use cutover_core::plan::Plan;

fn plan(versions: &[&str]) -> (TempPlan, Plan) {
    let files: Vec<(String, String)> = versions
        .iter()
        .map(|v| {
            (
                format!("{v}_m{v}.toml"),
                format!("description = \"m{v}\"\n[[steps]]\nop = \"sql\"\nsql = \"SELECT {v}\"\n"),
            )
        })
        .collect();
    let refs: Vec<(&str, &str)> = files
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    let dir = TempPlan::new(&refs);
    let plan = dir.load();
    (dir, plan)
}

fn rec(key: &str, reach: Reach, state: RecordState) -> Record {
    Record {
        label: key.to_string(),
        key: key.to_string(),
        reach,
        state,
        checksum: None,
    }
}

fn texts(v: &[cutover_core::plan::Version]) -> Vec<&str> {
    v.iter().map(|v| v.text.as_str()).collect()
}

#[test]
fn the_last_row_of_a_version_wins_and_repeatables_are_listed() {
    let (_dir, plan) = plan(&["1", "2", "3", "4"]);
    let rows = [
        rec("1", Reach::Exactly, RecordState::Applied),
        rec(
            "R__views",
            Reach::Exactly,
            RecordState::Ignored("repeatable".into()),
        ),
        rec("3", Reach::Exactly, RecordState::Failed("failed".into())),
        rec("3", Reach::Exactly, RecordState::Applied),
        rec("2", Reach::Exactly, RecordState::Applied),
        rec("2", Reach::Exactly, RecordState::Undone),
    ];
    let a = Adoption::plan(Tool::Flyway, &rows, &plan, &[]).expect("adopts");
    assert_eq!(texts(&a.mark), ["1", "3"]);
    assert_eq!(texts(&a.pending), ["2", "4"]);
    assert_eq!(a.ignored, ["R__views: repeatable"]);
}

#[test]
fn up_to_rows_mark_every_older_migration_and_recorded_ones_are_skipped() {
    let (_dir, plan) = plan(&["0001", "0002", "0003"]);
    let rows = [rec("2", Reach::UpTo, RecordState::Applied)];
    let recorded = [Recorded {
        number: 1,
        done: true,
        state: "applied".into(),
    }];
    let a = Adoption::plan(Tool::GolangMigrate, &rows, &plan, &recorded).expect("adopts");
    assert_eq!(texts(&a.mark), ["0002"]);
    assert_eq!(texts(&a.already), ["0001"]);
    assert_eq!(texts(&a.pending), ["0003"]);
}

#[test]
fn every_problem_is_listed_and_nothing_is_marked() {
    let (_dir, plan) = plan(&["1", "2", "3"]);
    let rows = [
        rec("1", Reach::Exactly, RecordState::Applied),
        rec("2", Reach::Exactly, RecordState::Failed("dirty".into())),
        rec("9", Reach::Exactly, RecordState::Applied),
        rec("1.5", Reach::Exactly, RecordState::Applied),
    ];
    let recorded = [Recorded {
        number: 1,
        done: false,
        state: "partial".into(),
    }];
    let err = Adoption::plan(Tool::Flyway, &rows, &plan, &recorded)
        .expect_err("refused")
        .to_string();
    for want in [
        "cannot adopt the flyway history in `flyway_schema_history`",
        "2: dirty",
        "9 ran, but the plan has no migration 9",
        "1.5: version `1.5` is not a whole number",
        "cutover's history records 1 as partial",
        "nothing was marked",
    ] {
        assert!(err.contains(want), "{want}: {err}");
    }
}

#[test]
fn sea_orm_names_and_alembic_revisions_find_their_migrations() {
    let (_dir, plan) = plan(&["20220101000001", "20220101000002"]);
    let rows = [rec(
        "m20220101_000001_create_users",
        Reach::Exactly,
        RecordState::Applied,
    )];
    let a = Adoption::plan(Tool::SeaOrm, &rows, &plan, &[]).expect("adopts");
    assert_eq!(texts(&a.mark), ["20220101000001"]);

    let dir = TempPlan::new(&[
        (
            "0001_ae1027a6acf_users.toml",
            "description = \"users, revises None\"\n[[steps]]\nop = \"sql\"\nsql = \"SELECT 1\"\n",
        ),
        (
            "0002_1975ea83b712_orders.toml",
            "description = \"orders, revises ae1027a6acf\"\n[[steps]]\nop = \"sql\"\nsql = \"SELECT 2\"\n",
        ),
        (
            "0003_notes.toml",
            "description = \"notes\"\n[[steps]]\nop = \"sql\"\nsql = \"SELECT 3\"\n",
        ),
    ]);
    let plan = dir.load();
    let rows = [rec("1975ea83b712", Reach::UpTo, RecordState::Applied)];
    let a = Adoption::plan(Tool::Alembic, &rows, &plan, &[]).expect("adopts");
    assert_eq!(texts(&a.mark), ["0001", "0002"]);
    assert_eq!(texts(&a.pending), ["0003"]);
    let heads = [
        rec("1975ea83b712", Reach::UpTo, RecordState::Applied),
        rec("ae1027a6acf", Reach::UpTo, RecordState::Applied),
    ];
    let err = Adoption::plan(Tool::Alembic, &heads, &plan, &[]).expect_err("branches");
    assert!(
        err.to_string().contains("several heads are branches"),
        "{err}"
    );
}

#[test]
fn a_flyway_baseline_covers_every_version_up_to_it_and_need_not_be_in_the_plan() {
    // `flyway baseline` at 1 on a plan without migration 1; a B2__ file (SQL_BASELINE) at 2.
    let (_dir2, plan2) = plan(&["2", "3"]);
    let rows = [rec("1", Reach::UpTo, RecordState::Applied)];
    let a = Adoption::plan(Tool::Flyway, &rows, &plan2, &[])
        .expect("a baseline marker is no migration");
    assert_eq!(
        (texts(&a.mark), texts(&a.pending)),
        (vec![], vec!["2", "3"])
    );
    let (_dir, plan) = plan(&["1", "2", "3", "4"]);
    let rows = [
        rec("2", Reach::UpTo, RecordState::Applied),
        rec("3", Reach::Exactly, RecordState::Applied),
    ];
    let a = Adoption::plan(Tool::Flyway, &rows, &plan, &[]).expect("adopts");
    assert_eq!(
        (texts(&a.mark), texts(&a.pending)),
        (vec!["1", "2", "3"], vec!["4"])
    );
    // Flyway's 3.0 is 3; 3.1 is refused.
    let rows = [rec("3.0", Reach::Exactly, RecordState::Applied)];
    let a = Adoption::plan(Tool::Flyway, &rows, &plan, &[]).expect("3.0 is 3");
    assert_eq!(texts(&a.mark), ["3"]);
    let rows = [rec("3.1", Reach::Exactly, RecordState::Applied)];
    let e = Adoption::plan(Tool::Flyway, &rows, &plan, &[])
        .expect_err("dotted")
        .to_string();
    assert!(e.contains("`3.1` is not a whole number"), "{e}");
}

fn alembic_plan(files: &[(&str, &str)]) -> (TempPlan, Plan) {
    let owned: Vec<(String, String)> = files
        .iter()
        .map(|(name, desc)| {
            (
                format!("{name}.toml"),
                format!("description = \"{desc}\"\n[[steps]]\nop = \"sql\"\nsql = \"SELECT 1\"\n"),
            )
        })
        .collect();
    let refs: Vec<(&str, &str)> = owned
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    let dir = TempPlan::new(&refs);
    let plan = dir.load();
    (dir, plan)
}

#[test]
fn alembic_marks_only_the_heads_ancestors_and_refuses_an_unknown_chain() {
    // The head ae10 descends from 1975; the branch aaaa (also from 1975) was downgraded.
    let (_dir, plan) = alembic_plan(&[
        ("0001_1975_base", "base, revises None"),
        ("0002_aaaa_branch", "branch, Revises: 1975"),
        ("0003_ae10_head", "head, Revises: 1975"),
    ]);
    let rows = [rec("ae10", Reach::UpTo, RecordState::Applied)];
    let a = Adoption::plan(Tool::Alembic, &rows, &plan, &[]).expect("adopts");
    assert_eq!(texts(&a.mark), ["0001", "0003"]);
    assert_eq!(texts(&a.pending), ["0002"]);
    assert!(
        a.ignored
            .iter()
            .any(|i| i.contains("0002") && i.contains("another branch")),
        "{:?}",
        a.ignored
    );

    let (_dir, plan) = alembic_plan(&[("0001_1975_base", "base"), ("0002_ae10_head", "head")]);
    let e = Adoption::plan(Tool::Alembic, &rows, &plan, &[])
        .expect_err("unknown chain")
        .to_string();
    assert!(
        e.contains("does not say which revision it revises") && e.contains("nothing was marked"),
        "{e}"
    );
}
