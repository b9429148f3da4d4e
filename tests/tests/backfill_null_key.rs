//! A backfill whose declared `key` columns hold NULLs in rows it would change is refused
//! before the first batch (and by `--dry-run`), with a typed error naming the backfill, the
//! key columns and the count of such rows; nothing is written. Once the NULLs are filled, the
//! same migration runs and leaves no row pending (all three databases).

use cutover_cli::connect::connect;
use cutover_core::Error;
use cutover_core::backend::Backend;
use cutover_core::backfill::{BackfillSpec, dry_run};
use cutover_core::runner::{Runner, RunnerOptions, Silent, Target};
use cutover_tests::plans::PlanDir;
use cutover_tests::{TestDb, backends};

/// A raw-SQL table without a primary key; a unique index on the key columns (which allows
/// NULLs) makes the key unique for the undo log. Two pending rows have a NULL key column; the
/// row `('d', NULL, 'done')` has one too but is not pending, so it is not counted.
const TABLE: &str = r#"
description = "nk, made by raw SQL, NULLs in the key columns"
[[steps]]
op = "sql"
sql = "CREATE TABLE nk (code varchar(20), grp varchar(20), v varchar(20)); CREATE UNIQUE INDEX uq_nk_code_grp ON nk (code, grp); INSERT INTO nk (code, grp, v) VALUES ('a', 'g1', NULL), ('b', NULL, NULL), (NULL, 'g2', NULL), ('c', 'g3', 'x'), ('d', NULL, 'done')"
down = "DROP TABLE nk"
"#;

const FILL: &str = r#"
description = "fill v"
[[steps]]
op = "backfill"
id = "nkfill"
table = "nk"
key = ["code", "grp"]
pending = "v IS NULL"
set.v = "'done'"
batch_size = 1
"#;

async fn count(b: &mut dyn Backend, sql: &str) -> String {
    b.query(sql).await.expect(sql).rows[0][0]
        .clone()
        .unwrap_or_default()
}

fn assert_null_key(e: &Error, what: &str) {
    match e.root() {
        Error::BackfillNullKey { id, key, rows, .. } => {
            assert_eq!(
                (id.as_str(), key.as_str(), *rows),
                ("nkfill", "code, grp", 2),
                "{what}"
            );
        }
        other => panic!("{what}: expected BackfillNullKey, got {other}"),
    }
    let text = e.to_string();
    for part in [
        "`nkfill`",
        "2 row(s)",
        "code, grp",
        "NOT NULL",
        "fill the NULLs",
    ] {
        assert!(text.contains(part), "{what}: `{part}` missing from: {text}");
    }
}

#[tokio::test]
async fn null_key_rows_refuse_the_backfill_and_nothing_is_written() {
    for kind in backends() {
        let db = TestDb::create(kind).await;
        let mut b = connect(db.url()).await.expect("connect");
        let dir = PlanDir::new();
        dir.write("0001_nk.toml", TABLE);
        Runner::new(b.as_mut(), &dir.load(), RunnerOptions::default(), &Silent)
            .up(Target::Latest)
            .await
            .expect("0001");
        dir.write("0002_fill.toml", FILL);
        let plan = dir.load();

        let spec = BackfillSpec::find_on(
            &plan,
            "nkfill",
            Some(b.dialect()),
            &cutover_core::backfill::BackfillScope::default_history(),
        )
        .expect("spec");
        let e = dry_run(b.as_mut(), &spec, 5)
            .await
            .expect_err("dry run refused");
        assert_null_key(&e, &format!("{kind:?} dry run"));

        let e = Runner::new(b.as_mut(), &plan, RunnerOptions::default(), &Silent)
            .up(Target::Latest)
            .await
            .expect_err("up refused");
        assert_null_key(&e, &format!("{kind:?} up"));
        let written = "SELECT COUNT(*) FROM nk WHERE v = 'done'";
        assert_eq!(
            count(b.as_mut(), written).await,
            "1",
            "{kind:?}: nothing written"
        );
        let pending = "SELECT COUNT(*) FROM nk WHERE v IS NULL";
        assert_eq!(
            count(b.as_mut(), pending).await,
            "3",
            "{kind:?}: rows untouched"
        );

        // Fill the NULLs: the same plan now runs, and no row is left pending.
        b.execute("UPDATE nk SET grp = 'g0' WHERE grp IS NULL")
            .await
            .expect("fill grp");
        b.execute("UPDATE nk SET code = 'z' WHERE code IS NULL")
            .await
            .expect("fill code");
        Runner::new(b.as_mut(), &plan, RunnerOptions::default(), &Silent)
            .up(Target::Latest)
            .await
            .expect("up after filling the NULLs");
        assert_eq!(
            count(b.as_mut(), pending).await,
            "0",
            "{kind:?}: all filled"
        );
        assert_eq!(count(b.as_mut(), written).await, "4", "{kind:?}: 3 + 1");
        b.close().await.expect("close");
        db.drop_db().await;
    }
}
