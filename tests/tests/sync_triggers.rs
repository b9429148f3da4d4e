//! Dual-write sync triggers (`sync = true` on a backfill) on real PostgreSQL, MariaDB and
//! SQLite: writers on their own connections insert rows and change the source column while
//! the backfill runs in batches, and afterwards every row's target equals the transform of
//! its source, computed here in Rust. The trigger's lifecycle: installed by the backfill's
//! migration, kept through a SQLite table rebuild, removed by the contract that drops the
//! source column, reinstalled by its `down`, removed by `down` of the backfill's migration.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use cutover_cli::connect::connect;
use cutover_core::backend::Backend;
use cutover_core::backup::BackupPolicy;
use cutover_core::plan::{Plan, Version};
use cutover_core::runner::{DownTarget, Runner, RunnerOptions, Silent, Target};
use cutover_tests::plans::PlanDir;
use cutover_tests::{Backend as Kind, for_each_backend, snapshot};

const ITEMS: &str = r#"
description = "items with a url"
[[steps]]
op = "create_table"
table = "items"
columns = [
  { name = "id", type = "bigint", primary_key = true },
  { name = "url", type = "varchar(200)" },
  { name = "note", type = "varchar(40)" },
]
"#;

const ADD_LABEL: &str = r#"
description = "the new label column"
phase = "expand"
[[steps]]
op = "add_column"
table = "items"
column = { name = "label", type = "varchar(250)" }
"#;

const FILL: &str = r#"
description = "label from url, kept in sync while both app versions run"
phase = "backfill"
[[steps]]
op = "backfill"
id = "items_label"
table = "items"
where = "url IS NOT NULL AND url <> ''"
pending = "label IS NULL"
set.label = "concat(upper(substring_after_last(url, '/')), ':', CASE WHEN url LIKE 'https://%' THEN 'secure' ELSE 'plain' END)"
batch_size = 20
sync = true
undo.label = "NULL"
[[checks]]
name = "every item with a url has a label"
table = "items"
where = "url IS NOT NULL AND url <> '' AND label IS NULL"
expect = 0
"#;

/// Rebuilds `items` on SQLite (a CHECK added to an existing table) while the trigger is on.
const CHECK_ID: &str = r#"
description = "ids are positive"
phase = "expand"
[[steps]]
op = "add_check"
table = "items"
name = "items_id_positive"
expr = "id > 0"
allow = [{ rule = "sqlite/table-rebuild", reason = "test table" }]
"#;

const DROP_URL: &str = r#"
description = "drop the old url column"
phase = "contract"
[[steps]]
op = "drop_column"
table = "items"
column = "url"
allow = [{ rule = "sqlite/table-rebuild", reason = "test table" }]
[[down]]
op = "add_column"
table = "items"
column = { name = "url", type = "varchar(200)" }
"#;

fn plan() -> (PlanDir, Plan) {
    let dir = PlanDir::new();
    dir.write("0001_items.toml", ITEMS)
        .write("0002_add_label.toml", ADD_LABEL)
        .write("0003_fill.toml", FILL)
        .write("0004_check_id.toml", CHECK_ID)
        .write("0005_drop_url.toml", DROP_URL);
    let plan = dir.load();
    (dir, plan)
}

fn options() -> RunnerOptions {
    let mut o = RunnerOptions {
        backup: BackupPolicy::Skip,
        retry_backoff: Duration::from_millis(50),
        applied_by: "tester@ci".into(),
        ..RunnerOptions::default()
    };
    o.backfill.adaptive = false;
    o
}

async fn up_to(b: &mut dyn Backend, plan: &Plan, to: &str) {
    let target = Target::Version(Version::parse(to).expect("version"));
    Runner::new(b, plan, options(), &Silent)
        .up(target)
        .await
        .unwrap_or_else(|e| panic!("up to {to}: {e}"));
}

async fn down(b: &mut dyn Backend, plan: &Plan, target: DownTarget) {
    Runner::new(b, plan, options(), &Silent)
        .down(target)
        .await
        .unwrap_or_else(|e| panic!("down: {e}"));
}

/// The sync triggers of the database, as `table.trigger`.
async fn sync_triggers(b: &mut dyn Backend) -> Vec<String> {
    let sql = b.dialect().sync_triggers().list_sync_triggers_sql();
    let rows = b.query(&sql).await.expect("list sync triggers");
    rows.rows
        .into_iter()
        .map(|r| {
            let v = |i: usize| r.get(i).cloned().flatten().unwrap_or_default();
            format!("{}.{}", v(1), v(0))
        })
        .collect()
}

fn expected_triggers(kind: Kind) -> Vec<String> {
    match kind {
        Kind::Postgres => vec!["items.cutover_sync_items_label".to_string()],
        Kind::Mysql | Kind::Sqlite => vec![
            "items.cutover_sync_items_label_insert".to_string(),
            "items.cutover_sync_items_label_update".to_string(),
        ],
    }
}

/// The backfill's transform, computed independently of any database.
fn transform(url: &str) -> String {
    let name = url.rsplit('/').next().unwrap_or(url);
    let scheme = if url.starts_with("https://") {
        "secure"
    } else {
        "plain"
    };
    format!("{}:{scheme}", name.to_uppercase())
}

fn seed_url(i: u64) -> String {
    match i {
        _ if i % 7 == 0 => "NULL".into(),
        _ if i % 11 == 0 => "''".into(),
        _ if i % 2 == 0 => format!("'https://cdn.example/a/b{i}/file{i}.png'"),
        _ => format!("'http://old.example/c{i}/doc{i}.pdf'"),
    }
}

const SEED: u64 = 1200;
/// Ids of rows the writers insert start here; those with `(id - NEW_IDS) % 5 == 0` are
/// inserted with a label of their own (the new application version writing the target).
const NEW_IDS: u64 = 1_000_000;

async fn seed(b: &mut dyn Backend) {
    for chunk in (1..=SEED).collect::<Vec<_>>().chunks(200) {
        let values: Vec<String> = chunk
            .iter()
            .map(|i| format!("({i}, {}, 'n')", seed_url(*i)))
            .collect();
        b.execute(&format!(
            "INSERT INTO items (id, url, note) VALUES {}",
            values.join(", ")
        ))
        .await
        .expect("seed");
    }
}

/// What one writer did.
#[derive(Default)]
struct Tally {
    ok: AtomicU64,
    failed: AtomicU64,
}

/// Inserts rows and changes the url of seeded rows until `stop`, on its own connection.
async fn writer(url: String, w: u64, stop: Arc<AtomicBool>, tally: Arc<Tally>) {
    let mut b = connect(&url).await.expect("writer connects");
    let mut i: u64 = 0;
    while !stop.load(Ordering::Relaxed) {
        i += 1;
        let id = NEW_IDS + w * 100_000 + i;
        let sql = if i % 2 == 0 {
            if (id - NEW_IDS) % 5 == 0 {
                format!(
                    "INSERT INTO items (id, url, note, label) VALUES ({id}, 'https://w{w}.example/x/new{i}.jpg', 'w', 'custom')"
                )
            } else {
                format!(
                    "INSERT INTO items (id, url, note) VALUES ({id}, 'https://w{w}.example/x/new{i}.jpg', 'w')"
                )
            }
        } else {
            let target = (i * 7919 + w * 31) % SEED + 1;
            let scheme = if i % 3 == 0 { "http" } else { "https" };
            format!(
                "UPDATE items SET url = '{scheme}://w{w}.example/u{i}/upd{w}x{i}.gif' WHERE id = {target}"
            )
        };
        match b.execute(&sql).await {
            Ok(_) => tally.ok.fetch_add(1, Ordering::Relaxed),
            Err(e) => {
                // SQLite may refuse a write while another connection holds the write lock
                // (busy); the write did not happen, which the final check accounts for.
                eprintln!("writer {w}: {e}");
                tally.failed.fetch_add(1, Ordering::Relaxed)
            }
        };
        tokio::task::yield_now().await;
    }
    b.close().await.expect("writer closes");
}

/// Every row whose label differs from what it must be: the writer's own label, the
/// transform of a non-empty url, else NULL.
async fn mismatches(b: &mut dyn Backend) -> (usize, Vec<String>) {
    let rows = b
        .query("SELECT id, url, label FROM items ORDER BY id")
        .await
        .expect("read items");
    let total = rows.rows.len();
    let mut bad = Vec::new();
    for r in rows.rows {
        let v = |i: usize| r.get(i).cloned().flatten();
        let id: u64 = v(0).and_then(|s| s.parse().ok()).expect("id");
        let (url, label) = (v(1), v(2));
        let expected = if id >= NEW_IDS && (id - NEW_IDS) % 5 == 0 {
            Some("custom".to_string())
        } else {
            url.as_deref().filter(|u| !u.is_empty()).map(transform)
        };
        if label != expected {
            bad.push(format!(
                "id {id} url {url:?}: label {label:?}, expected {expected:?}"
            ));
        }
    }
    (total, bad)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_writers_during_the_backfill_leave_every_row_in_sync() {
    for_each_backend(|db| async move {
        let (_dir, plan) = plan();
        let mut b = connect(db.url()).await.expect("connect");
        up_to(b.as_mut(), &plan, "0002").await;
        seed(b.as_mut()).await;

        let stop = Arc::new(AtomicBool::new(false));
        let tally = Arc::new(Tally::default());
        let writers: Vec<_> = (0..3)
            .map(|w| tokio::spawn(writer(db.url().to_string(), w, stop.clone(), tally.clone())))
            .collect();
        // Let the writers get going (their writes before the trigger are the backfill's).
        tokio::time::sleep(Duration::from_millis(200)).await;
        let before = tally.ok.load(Ordering::Relaxed);
        up_to(b.as_mut(), &plan, "0003").await;
        let during = tally.ok.load(Ordering::Relaxed) - before;
        // And after the backfill finished: only the trigger covers these.
        tokio::time::sleep(Duration::from_millis(300)).await;
        stop.store(true, Ordering::Relaxed);
        for w in writers {
            w.await.expect("writer task");
        }
        let (ok, failed) = (
            tally.ok.load(Ordering::Relaxed),
            tally.failed.load(Ordering::Relaxed),
        );
        eprintln!(
            "[{}] writes: {ok} ok ({during} while the backfill ran), {failed} failed",
            db.backend().name()
        );
        assert!(
            during > 20,
            "the writers wrote while the backfill ran ({during} writes)"
        );
        if db.backend() != Kind::Sqlite {
            assert_eq!(failed, 0, "no write fails on a server database");
        }
        assert!(
            failed * 10 <= ok,
            "most writes succeed ({ok} ok, {failed} failed)"
        );

        assert_eq!(
            sync_triggers(b.as_mut()).await,
            expected_triggers(db.backend())
        );
        let (total, bad) = mismatches(b.as_mut()).await;
        assert!(
            total as u64 > SEED,
            "the writers inserted rows ({total} in all)"
        );
        assert!(
            bad.is_empty(),
            "{} of {total} rows out of sync, e.g. {:?}",
            bad.len(),
            &bad[..bad.len().min(5)]
        );
        b.close().await.expect("close");
    })
    .await;
}

async fn insert_and_read(b: &mut dyn Backend, id: u64, url: Option<&str>) -> Option<String> {
    let sql = match url {
        Some(u) => format!("INSERT INTO items (id, url, note) VALUES ({id}, '{u}', 'x')"),
        None => format!("INSERT INTO items (id, note) VALUES ({id}, 'x')"),
    };
    b.execute(&sql).await.expect("insert");
    b.query(&format!("SELECT label FROM items WHERE id = {id}"))
        .await
        .expect("read label")
        .scalar()
        .map(str::to_string)
}

#[tokio::test]
async fn the_contract_removes_the_trigger_and_down_brings_it_back() {
    for_each_backend(|db| async move {
        let (_dir, plan) = plan();
        let kind = db.backend();
        let mut b = connect(db.url()).await.expect("connect");
        up_to(b.as_mut(), &plan, "0002").await;
        assert!(sync_triggers(b.as_mut()).await.is_empty());
        up_to(b.as_mut(), &plan, "0003").await;
        assert_eq!(sync_triggers(b.as_mut()).await, expected_triggers(kind));

        // A table rebuild (SQLite) keeps the trigger working.
        up_to(b.as_mut(), &plan, "0004").await;
        assert_eq!(sync_triggers(b.as_mut()).await, expected_triggers(kind));
        let label = insert_and_read(b.as_mut(), 10, Some("https://a.example/p/q.txt")).await;
        assert_eq!(label.as_deref(), Some("Q.TXT:secure"));
        b.execute("UPDATE items SET url = 'http://b.example/r.csv' WHERE id = 10")
            .await
            .expect("update url");
        let rows = snapshot::rows(b.as_mut(), "items").await;
        assert_eq!(rows, ["10|http://b.example/r.csv|x|R.CSV:plain"]);

        // The contract drops the trigger first, then the column it reads.
        up_to(b.as_mut(), &plan, "0005").await;
        assert!(
            sync_triggers(b.as_mut()).await.is_empty(),
            "the contract removed the trigger"
        );
        b.execute("INSERT INTO items (id, note) VALUES (11, 'y')")
            .await
            .expect("writes work without the column and the trigger");
        let status = Runner::new(b.as_mut(), &plan, options(), &Silent)
            .backfill_status()
            .await
            .expect("backfill status");
        let s = status
            .iter()
            .find(|s| s.id == "items_label")
            .expect("in status");
        assert!(!s.sync_active, "status: no sync trigger after the contract");

        // `down` of the contract reinstalls it, after the column is back.
        down(b.as_mut(), &plan, DownTarget::Steps(1)).await;
        assert_eq!(sync_triggers(b.as_mut()).await, expected_triggers(kind));
        let label = insert_and_read(b.as_mut(), 12, Some("https://c.example/s.mov")).await;
        assert_eq!(label.as_deref(), Some("S.MOV:secure"));
        let status = Runner::new(b.as_mut(), &plan, options(), &Silent)
            .backfill_status()
            .await
            .expect("backfill status");
        let s = status
            .iter()
            .find(|s| s.id == "items_label")
            .expect("in status");
        assert!(s.sync_active, "status shows the active sync trigger");

        // `down` of the backfill's migration removes it.
        down(
            b.as_mut(),
            &plan,
            DownTarget::Version(Version::parse("0002").expect("v")),
        )
        .await;
        assert!(
            sync_triggers(b.as_mut()).await.is_empty(),
            "down of 0003 removed the trigger"
        );
        let label = insert_and_read(b.as_mut(), 13, Some("https://d.example/t.png")).await;
        assert_eq!(label, None, "no trigger fills the label any more");
        b.close().await.expect("close");
    })
    .await;
}

/// The load error of a plan whose backfill is `fill` (as the third migration).
fn load_error(fill: &str) -> String {
    let dir = PlanDir::new();
    dir.write("0001_items.toml", ITEMS)
        .write("0002_add_label.toml", ADD_LABEL)
        .write("0003_fill.toml", fill);
    match Plan::load(dir.path()) {
        Ok(_) => panic!("the plan loads, but `sync` cannot work for it:\n{fill}"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn sync_is_refused_where_a_trigger_cannot_express_the_backfill() {
    let subquery = FILL.replace(
        "where = \"url IS NOT NULL AND url <> ''\"",
        "where = \"EXISTS (SELECT 1 FROM items AS o WHERE o.id = items.id + 1)\"",
    );
    let e = load_error(&subquery);
    assert!(e.contains("0003_fill.toml:"), "{e}");
    assert!(
        e.contains("`sync = true` cannot run a subquery in a trigger"),
        "{e}"
    );

    let joined = FILL.replace(
        "batch_size = 20",
        "batch_size = 20\nfrom = { table = \"items\", on = \"items.id = items.id\" }",
    );
    let e = load_error(&joined);
    assert!(
        e.contains("`sync = true` cannot read the joined table `items`"),
        "{e}"
    );

    let self_read = FILL.replace("set.label = \"concat(", "set.label = \"concat(label, ");
    let e = load_error(&self_read);
    assert!(e.contains("reads `label`, which this backfill sets"), "{e}");

    let insert = r#"
description = "insert-select with sync"
[[steps]]
op = "create_table"
table = "labels"
columns = [{ name = "item_id", type = "bigint", primary_key = true }, { name = "label", type = "varchar(250)" }]
[[steps]]
op = "backfill"
table = "items"
insert_into = "labels"
values.item_id = "id"
values.label = "url"
sync = true
"#;
    let e = load_error(insert);
    assert!(
        e.contains("`sync = true` is not supported on an insert-select backfill"),
        "{e}"
    );

    let misspelled = FILL.replace("sync = true", "sync = \"yes\"");
    let e = load_error(&misspelled);
    assert!(
        e.contains("0003_fill.toml:12:") && e.contains("expected a boolean"),
        "{e}"
    );

    let typo = FILL.replace("sync = true", "sycn = true");
    let e = load_error(&typo);
    assert!(e.contains("sycn"), "{e}");
}
