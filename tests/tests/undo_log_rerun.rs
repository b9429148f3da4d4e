//! A backfill run again after the application wrote rows it had written (red team rtL), on
//! PostgreSQL, MariaDB and SQLite: the second run overwrites the application's values, and
//! undo must give those back, not the values from before the first run (the log kept the
//! oldest old values, which silently undid the application's write). A `set` of the key
//! column is refused before anything is written (rtL: rows were written up to three times
//! and undo restored nothing), also under another spelling of its name.

use cutover_cli::connect::connect;
use cutover_core::backend::Backend;
use cutover_core::plan::Plan;
use cutover_core::runner::{Runner, RunnerOptions, Silent, Target};
use cutover_tests::plans::PlanDir;
use cutover_tests::undo_log::{exec_all, options};
use cutover_tests::undo_plans::LEGACY_RAW;
use cutover_tests::{for_each_backend, snapshot as snap};

const TABLE: &str = r#"
description = "notes"
[[steps]]
op = "create_table"
table = "notes"
columns = [
  { name = "id", type = "bigint", primary_key = true },
  { name = "v", type = "varchar(40)" },
  { name = "w", type = "bigint" },
]
"#;

const MARK: &str = r#"
description = "mark the notes"
[[steps]]
op = "backfill"
id = "mark"
table = "notes"
pending = "v NOT LIKE '%!'"
set.v = "concat(v, '!')"
set.w = "w + 1"
"#;

const MOVE_KEYS: &str = r#"
description = "move the keys"
[[steps]]
op = "backfill"
id = "move"
table = "notes"
set.id = "id + 100000"
set.v = "concat(v, '!')"
"#;

async fn seeded(url: &str, fill: &str) -> (PlanDir, Plan, Box<dyn Backend>) {
    let dir = PlanDir::new();
    dir.write("0001_notes.toml", TABLE);
    let mut b = connect(url).await.expect("connect");
    Runner::new(b.as_mut(), &dir.load(), options(), &Silent)
        .up(Target::Latest)
        .await
        .expect("0001");
    let values: Vec<String> = (1..=20).map(|i| format!("({i}, 'v{i}', {i})")).collect();
    exec_all(
        b.as_mut(),
        [format!(
            "INSERT INTO notes (id, v, w) VALUES {}",
            values.join(", ")
        )],
    )
    .await;
    dir.write("0002_fill.toml", fill);
    let plan = dir.load();
    (dir, plan, b)
}

async fn run(
    b: &mut dyn Backend,
    plan: &Plan,
    id: &str,
    o: RunnerOptions,
) -> cutover_core::Result<()> {
    Runner::new(b, plan, o, &Silent)
        .backfill(id)
        .await
        .map(drop)
}

/// The row of `id` in a snapshot of `notes`.
fn row_of(rows: &[String], id: i64) -> String {
    rows[(id - 1) as usize].clone()
}

#[tokio::test]
async fn undo_after_a_second_run_gives_back_what_the_application_wrote_in_between() {
    for_each_backend(|db| async move {
        let (_dir, plan, mut b) = seeded(db.url(), MARK).await;
        let before = snap::rows(b.as_mut(), "notes").await;
        run(b.as_mut(), &plan, "mark", options())
            .await
            .expect("first run");
        // The old application version writes row 7 (pending again) and row 3 (not pending).
        exec_all(
            b.as_mut(),
            [
                "UPDATE notes SET v = 'app', w = 777 WHERE id = 7",
                "UPDATE notes SET v = 'user!', w = 333 WHERE id = 3",
            ],
        )
        .await;
        let app = snap::rows(b.as_mut(), "notes").await;
        // `backfill run` again picks up row 7; `--force` writes every row, row 3 too.
        run(b.as_mut(), &plan, "mark", options())
            .await
            .expect("second run");
        let mut forced = options();
        forced.backfill.force = true;
        run(b.as_mut(), &plan, "mark", forced)
            .await
            .expect("forced run");

        let report = Runner::new(b.as_mut(), &plan, options(), &Silent)
            .undo_backfill("mark")
            .await
            .expect("undo");
        assert_eq!(
            (report.rows_restored, report.rows_left_alone),
            (20, 0),
            "{report:?}"
        );
        let after = snap::rows(b.as_mut(), "notes").await;
        assert_eq!(
            row_of(&after, 7),
            row_of(&app, 7),
            "the application's row 7"
        );
        assert_eq!(
            row_of(&after, 3),
            row_of(&app, 3),
            "the application's row 3"
        );
        for id in (1..=20).filter(|id| ![3, 7].contains(id)) {
            assert_eq!(row_of(&after, id), row_of(&before, id), "row {id}");
        }
        b.close().await.expect("close");
    })
    .await;
}

#[tokio::test]
async fn a_set_of_the_key_column_is_refused_before_any_write() {
    for_each_backend(|db| async move {
        let (_dir, plan, mut b) = seeded(db.url(), MOVE_KEYS).await;
        let before = snap::rows(b.as_mut(), "notes").await;
        let e = run(b.as_mut(), &plan, "move", options())
            .await
            .expect_err("the key is written");
        let msg = e.to_string();
        assert!(msg.contains("`set` writes `id`"), "{msg}");
        assert!(msg.contains("nothing was written"), "{msg}");
        assert_eq!(snap::rows(b.as_mut(), "notes").await, before);
        b.close().await.expect("close");
    })
    .await;
}

/// Red team rtM: on a table the plan does not declare, `set.ID` (MariaDB and SQLite fold
/// case) and SQLite's `set.rowid` name the key too, and ran without end.
#[tokio::test]
async fn the_key_under_another_spelling_is_refused_too() {
    for_each_backend(|db| async move {
        let dir = PlanDir::new();
        dir.write("0001_legacy.toml", LEGACY_RAW);
        let mut b = connect(db.url()).await.expect("connect");
        Runner::new(b.as_mut(), &dir.load(), options(), &Silent)
            .up(Target::Latest)
            .await
            .expect("0001");
        exec_all(b.as_mut(), ["INSERT INTO legacy (id, v) VALUES (1, 10), (2, 20)"]).await;
        let before = snap::rows(b.as_mut(), "legacy").await;
        let mut spellings = vec!["ID"];
        if db.backend() == cutover_tests::Backend::Sqlite {
            spellings.push("rowid");
        }
        for name in spellings {
            dir.write(
                "0002_move.toml",
                &format!(
                    "description = \"move\"\n[[steps]]\nop = \"backfill\"\nid = \"move\"\ntable = \"legacy\"\nset.{name} = \"id + 100000\"\nset.v = \"v + 1\"\n"
                ),
            );
            let plan = dir.load();
            let e = run(b.as_mut(), &plan, "move", options())
                .await
                .expect_err("the key is written");
            if db.backend() != cutover_tests::Backend::Postgres {
                let msg = e.to_string();
                assert!(msg.contains(&format!("`set` writes `{name}`")), "{msg}");
            }
            assert_eq!(snap::rows(b.as_mut(), "legacy").await, before, "{name}");
        }
        b.close().await.expect("close");
    })
    .await;
}
