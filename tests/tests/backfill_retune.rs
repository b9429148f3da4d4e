//! Changing only a backfill's `batch_size` keeps its checkpoint (rtC #3), on real PostgreSQL,
//! MariaDB and SQLite. Before, the checkpoint was bound to the whole step: a resized batch
//! made the run refuse with "changed since its checkpoint", and the `--restart` it advised
//! wrote every row done a second time for a backfill without `pending`.

use cutover_cli::connect::connect;
use cutover_core::backfill::{self, BackfillOptions, BackfillScope, BackfillSpec, QuietObserver};
use cutover_core::runner::{Runner, Target};
use cutover_tests::for_each_backend;
use cutover_tests::plans::PlanDir;
use cutover_tests::undo_log::{exec_all, options, rows};

const TABLE: &str = r#"
description = "counters"
[[steps]]
op = "create_table"
table = "c"
columns = [
  { name = "id", type = "bigint", primary_key = true },
  { name = "n", type = "integer" },
]
"#;

/// No `pending`: a row written twice shows as n = 2.
fn bump(batch_size: u32) -> String {
    format!(
        r#"
description = "bump every counter once"
[[steps]]
op = "backfill"
id = "c_bump"
table = "c"
set.n = "n + 1"
batch_size = {batch_size}
"#
    )
}

/// Runs backfill `c_bump` of the plan as `dir` holds it now, with the default options.
async fn run_bump(
    b: &mut dyn cutover_core::backend::Backend,
    dir: &PlanDir,
) -> cutover_core::Result<backfill::BackfillReport> {
    let plan = dir.load();
    let spec =
        BackfillSpec::find(&plan, "c_bump", &BackfillScope::default_history()).expect("spec");
    backfill::run(b, None, &spec, &BackfillOptions::default(), &QuietObserver).await
}

#[tokio::test]
async fn a_new_batch_size_keeps_the_checkpoint() {
    for_each_backend(|db| async move {
        let dir = PlanDir::new();
        dir.write("0001_c.toml", TABLE);
        let mut b = connect(db.url()).await.expect("connect");
        Runner::new(
            b.as_mut(),
            &dir.load(),
            options(),
            &cutover_core::runner::Silent,
        )
        .up(Target::Latest)
        .await
        .expect("up 0001");
        exec_all(
            b.as_mut(),
            (1..=300).map(|i| format!("INSERT INTO c (id, n) VALUES ({i}, 0)")),
        )
        .await;
        dir.write("0002_bump.toml", &bump(100));
        let first = run_bump(b.as_mut(), &dir).await.expect("first run");
        assert_eq!(first.rows_changed, 300);

        dir.write("0002_bump.toml", &bump(25));
        let again = run_bump(b.as_mut(), &dir)
            .await
            .expect("a resized batch keeps the checkpoint");
        assert_eq!(again.outcome, "already done", "{again:?}");
        let twice = rows(b.as_mut(), "SELECT COUNT(*) FROM c WHERE n <> 1").await;
        assert_eq!(twice[0][0].as_deref(), Some("0"), "every row bumped once");

        // A change of what it writes still needs --restart, and says what that would do.
        dir.write("0002_bump.toml", &bump(25).replace("n + 1", "n + 2"));
        let err = run_bump(b.as_mut(), &dir)
            .await
            .expect_err("the definition changed");
        let text = format!("{err:#}");
        assert!(
            text.contains("--restart writes the 300 rows done again"),
            "{text}"
        );

        // A misspelled table is named as missing (rtC #4), not as "has no primary key".
        dir.write(
            "0002_bump.toml",
            &bump(25).replace("table = \"c\"", "table = \"cc\""),
        );
        let err = run_bump(b.as_mut(), &dir).await.expect_err("no such table");
        let text = format!("{err:#}");
        assert!(text.contains("table `cc` does not exist"), "{text}");
        b.close().await.expect("close");
    })
    .await;
}
