//! A backfill that keeps an undo log and declares a `key` no unique key of its table covers
//! is refused before the first write, and by `--dry-run` (rtG F2). The log keeps one row per
//! key value: with `key = ["email"]` over a `(email, tenant)` primary key, MariaDB and SQLite
//! changed 6000 rows but logged 2000, and undo restored those with another tenant's value and
//! left the rest; PostgreSQL failed its first batch with an unclear SQLSTATE 21000. With
//! `undo_log = false` the same key only orders batches, which is sound: every row is changed
//! exactly once. A key that covers the primary key (in any order) keeps its undo log.

use cutover_cli::connect::connect;
use cutover_core::Error;
use cutover_core::backend::Backend;
use cutover_core::backfill::{BackfillScope, BackfillSpec, dry_run};
use cutover_core::plan::Plan;
use cutover_core::runner::{Runner, Silent, Target};
use cutover_tests::plans::PlanDir;
use cutover_tests::undo_log::{exec_all, options, rows};
use cutover_tests::{TestDb, backends};

const EMAILS: usize = 2000;

const TABLE: &str = r#"
description = "accounts, one row per email and tenant"
[[steps]]
op = "create_table"
table = "accounts"
primary_key = ["email", "tenant"]
columns = [
  { name = "email", type = "varchar(100)" },
  { name = "tenant", type = "varchar(20)" },
  { name = "hits", type = "integer", default = "0" },
]
"#;

fn bump(key: &str, undo_log: &str) -> String {
    format!(
        r#"
description = "bump hits"
[[steps]]
op = "backfill"
id = "bump"
table = "accounts"
key = {key}
set.hits = "hits + 1"
batch_size = 100
{undo_log}
"#
    )
}

/// 6000 rows: three tenants per email, `hits` = tenant number * 10.
fn fill() -> Vec<String> {
    let values: Vec<String> = (0..EMAILS)
        .flat_map(|i| (0..3).map(move |t| format!("('u{i:04}@example.com', 't{t}', {})", t * 10)))
        .collect();
    values
        .chunks(500)
        .map(|c| {
            format!(
                "INSERT INTO accounts (email, tenant, hits) VALUES {}",
                c.join(", ")
            )
        })
        .collect()
}

async fn setup(db: &TestDb, step: &str) -> (PlanDir, Plan, Box<dyn Backend>) {
    let mut b = connect(db.url()).await.expect("connect");
    let dir = PlanDir::new();
    dir.write("0001_accounts.toml", TABLE);
    let mut o = options();
    o.backfill.batch_size = None;
    Runner::new(b.as_mut(), &dir.load(), o, &Silent)
        .up(Target::Latest)
        .await
        .expect("0001");
    exec_all(b.as_mut(), fill()).await;
    dir.write("0002_bump.toml", step);
    let plan = dir.load();
    (dir, plan, b)
}

async fn up(b: &mut dyn Backend, plan: &Plan) -> cutover_core::Result<()> {
    let mut o = options();
    o.backfill.batch_size = None;
    Runner::new(b, plan, o, &Silent)
        .up(Target::Latest)
        .await
        .map(|_| ())
}

/// `(rows at their old value, rows bumped once)`.
async fn counts(b: &mut dyn Backend) -> (String, String) {
    let r = rows(
        b,
        "SELECT COUNT(CASE WHEN hits = old THEN 1 END), COUNT(CASE WHEN hits = old + 1 THEN 1 END) \
         FROM (SELECT hits, CASE tenant WHEN 't1' THEN 10 WHEN 't2' THEN 20 ELSE 0 END AS old \
               FROM accounts) AS a",
    )
    .await;
    let cell = |i: usize| r[0][i].clone().unwrap_or_default();
    (cell(0), cell(1))
}

fn assert_not_unique(e: &Error, what: &str) {
    match e.root() {
        Error::BackfillKeyNotUnique { id, table, key, .. } => {
            assert_eq!(
                (id.as_str(), table.as_str(), key.as_str()),
                ("bump", "accounts", "email"),
                "{what}"
            );
        }
        other => panic!("{what}: expected BackfillKeyNotUnique, got {other}"),
    }
    let text = e.to_string();
    for part in ["`bump`", "`accounts`", "not unique", "undo_log = false"] {
        assert!(text.contains(part), "{what}: `{part}` missing from: {text}");
    }
}

#[tokio::test]
async fn a_non_unique_key_with_an_undo_log_is_refused_before_any_write() {
    for kind in backends() {
        let db = TestDb::create(kind).await;
        let (_dir, plan, mut b) = setup(&db, &bump(r#"["email"]"#, "")).await;
        let spec = BackfillSpec::find_on(
            &plan,
            "bump",
            Some(b.dialect()),
            &BackfillScope::default_history(),
        )
        .expect("spec");
        let e = dry_run(b.as_mut(), &spec, 5)
            .await
            .expect_err("dry run refused");
        assert_not_unique(&e, &format!("{kind:?} dry run"));
        let e = up(b.as_mut(), &plan).await.expect_err("up refused");
        assert_not_unique(&e, &format!("{kind:?} up"));
        assert_eq!(
            counts(b.as_mut()).await,
            ("6000".into(), "0".into()),
            "{kind:?}: nothing written"
        );
        b.close().await.expect("close");
        db.drop_db().await;
    }
}

#[tokio::test]
async fn a_non_unique_key_without_an_undo_log_changes_every_row_once() {
    for kind in backends() {
        let db = TestDb::create(kind).await;
        let (_dir, plan, mut b) = setup(&db, &bump(r#"["email"]"#, "undo_log = false")).await;
        up(b.as_mut(), &plan)
            .await
            .unwrap_or_else(|e| panic!("{kind:?}: up: {e:#}"));
        assert_eq!(
            counts(b.as_mut()).await,
            ("0".into(), "6000".into()),
            "{kind:?}: every row bumped once"
        );
        b.close().await.expect("close");
        db.drop_db().await;
    }
}

#[tokio::test]
async fn a_key_covering_the_primary_key_keeps_its_undo_log() {
    for kind in backends() {
        let db = TestDb::create(kind).await;
        let (_dir, plan, mut b) = setup(&db, &bump(r#"["tenant", "email"]"#, "")).await;
        up(b.as_mut(), &plan)
            .await
            .unwrap_or_else(|e| panic!("{kind:?}: up: {e:#}"));
        assert_eq!(
            counts(b.as_mut()).await,
            ("0".into(), "6000".into()),
            "{kind:?}: every row bumped once"
        );
        let report = Runner::new(b.as_mut(), &plan, options(), &Silent)
            .undo_backfill("bump")
            .await
            .unwrap_or_else(|e| panic!("{kind:?}: undo: {e:#}"));
        assert_eq!(report.rows_restored, 6000, "{kind:?}: {report:?}");
        assert_eq!(
            counts(b.as_mut()).await,
            ("6000".into(), "0".into()),
            "{kind:?}: every row restored"
        );
        b.close().await.expect("close");
        db.drop_db().await;
    }
}

/// PostgreSQL column names are case-sensitive: a unique `"EMAIL"` does not cover `key =
/// ["email"]` (rtH 1: the refusal did not fire and the first batch failed with SQLSTATE 21000).
#[tokio::test]
async fn a_unique_column_differing_only_in_case_does_not_cover_the_key_on_postgres() {
    use cutover_tests::Backend as Kind;
    if !backends().contains(&Kind::Postgres) {
        return;
    }
    let db = TestDb::create(Kind::Postgres).await;
    let (_dir, plan, mut b) = setup(&db, &bump(r#"["email"]"#, "")).await;
    b.execute("ALTER TABLE accounts ADD COLUMN \"EMAIL\" serial UNIQUE")
        .await
        .expect("add EMAIL");
    let e = up(b.as_mut(), &plan).await.expect_err("up refused");
    assert_not_unique(&e, "postgres, \"EMAIL\" unique");
    assert_eq!(counts(b.as_mut()).await, ("6000".into(), "0".into()));
    b.close().await.expect("close");
    db.drop_db().await;
}
