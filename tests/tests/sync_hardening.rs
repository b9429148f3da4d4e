//! Dual-write sync triggers hardened, on real PostgreSQL, MariaDB and SQLite: a trigger (or
//! its function) replaced by hand under the same name is reported by `status` and `drift`
//! as altered and put back by `backfill run`; `backfill run --restart` reinstalls a live
//! trigger while writers change the source column without any write escaping it (MySQL:
//! under LOCK TABLES between the DROP and the CREATE).

#[allow(dead_code)]
#[path = "sync_triggers/support.rs"]
mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use cutover_cli::connect::connect;
use cutover_core::backend::Backend;
use cutover_core::plan::Plan;
use cutover_core::runner::{Runner, RunnerOptions, Silent};
use cutover_tests::{Backend as Kind, for_each_backend};

use support::{label_of, plan, up_to};

/// The backfill's transform (`set.label` of the plan), computed here.
fn transform(url: &str) -> String {
    let name = url.rsplit('/').next().unwrap_or(url);
    let scheme = if url.starts_with("https://") {
        "secure"
    } else {
        "plain"
    };
    format!("{}:{scheme}", name.to_uppercase())
}

fn options(restart: bool) -> RunnerOptions {
    let mut o = support::options();
    o.backfill.restart = restart;
    o
}

/// `(status says altered, drift reports it as altered)`.
async fn altered(b: &mut dyn Backend, plan: &Plan) -> (bool, bool) {
    let mut r = Runner::new(b, plan, options(false), &Silent);
    let st = r.backfill_status().await.expect("status");
    let drift = r.drift().await.expect("drift");
    let reported = drift.differences.iter().any(|d| {
        d.detail.contains("sync trigger cutover_sync_items_label") && d.detail.contains("ALTERED")
    });
    (st[0].sync_altered, reported)
}

/// Replaces the insert trigger (PostgreSQL: the function) by hand, same name, other body.
async fn replace_by_hand(b: &mut dyn Backend, kind: Kind) {
    let sql: &[&str] = match kind {
        Kind::Postgres => &[
            "CREATE OR REPLACE FUNCTION cutover_sync_items_label() RETURNS trigger LANGUAGE plpgsql AS $$\nBEGIN\n  NEW.label := 'hacked';\n  RETURN NEW;\nEND\n$$",
        ],
        Kind::Mysql => &[
            "DROP TRIGGER cutover_sync_items_label_insert",
            "CREATE TRIGGER cutover_sync_items_label_insert BEFORE INSERT ON items FOR EACH ROW SET NEW.label = 'hacked'",
        ],
        Kind::Sqlite => &[
            "DROP TRIGGER cutover_sync_items_label_insert",
            "CREATE TRIGGER cutover_sync_items_label_insert AFTER INSERT ON items FOR EACH ROW BEGIN UPDATE items SET label = 'hacked' WHERE rowid = NEW.rowid; END",
        ],
    };
    for s in sql {
        b.execute(s).await.unwrap_or_else(|e| panic!("{s}: {e}"));
    }
}

#[tokio::test]
async fn a_sync_trigger_replaced_by_hand_is_reported_and_reinstalled() {
    for_each_backend(|db| async move {
        let (_dir, plan) = plan();
        let kind = db.backend();
        let mut b = connect(db.url()).await.expect("connect");
        up_to(b.as_mut(), &plan, "0003").await;
        assert_eq!(
            altered(b.as_mut(), &plan).await,
            (false, false),
            "as installed"
        );

        replace_by_hand(b.as_mut(), kind).await;
        b.execute("INSERT INTO items (id, url, note) VALUES (1, 'https://a.example/p/q.txt', 'x')")
            .await
            .expect("insert");
        assert_eq!(label_of(b.as_mut(), 1).await.as_deref(), Some("hacked"));
        assert_eq!(altered(b.as_mut(), &plan).await, (true, true), "{kind:?}");
        let verify = Runner::new(b.as_mut(), &plan, options(false), &Silent)
            .verify(&[])
            .await
            .expect("verify");
        assert!(
            verify
                .warnings
                .iter()
                .any(|w| w.contains("cutover_sync_items_label") && w.contains("ALTERED")),
            "{:?}",
            verify.warnings
        );

        // `backfill run` puts the plan's definition back (and fixes the row: it is not
        // pending, so the test clears it first).
        b.execute("UPDATE items SET label = NULL WHERE id = 1")
            .await
            .expect("clear");
        Runner::new(b.as_mut(), &plan, options(false), &Silent)
            .backfill("items_label")
            .await
            .expect("backfill run");
        assert_eq!(altered(b.as_mut(), &plan).await, (false, false), "{kind:?}");
        b.execute("INSERT INTO items (id, url, note) VALUES (2, 'http://b.example/r.csv', 'x')")
            .await
            .expect("insert");
        assert_eq!(
            label_of(b.as_mut(), 2).await.as_deref(),
            Some("R.CSV:plain")
        );
        assert_eq!(
            label_of(b.as_mut(), 1).await.as_deref(),
            Some("Q.TXT:secure")
        );
        b.close().await.expect("close");
    })
    .await;
}

const ROWS: u64 = 200;

/// Changes the url of the rows (the old application version) until `stop`.
async fn writer(url: String, w: u64, stop: Arc<AtomicBool>, done: Arc<AtomicU64>) {
    let mut b = connect(&url).await.expect("writer connects");
    let mut i: u64 = 0;
    while !stop.load(Ordering::Relaxed) {
        i += 1;
        let id = (i * 7 + w * 13) % ROWS + 1;
        let scheme = if i.is_multiple_of(3) { "http" } else { "https" };
        let sql = format!(
            "UPDATE items SET url = '{scheme}://w{w}.example/u/f{w}x{i}.gif' WHERE id = {id}"
        );
        let mut result = b.execute(&sql).await;
        for _ in 0..20 {
            match &result {
                // A deadlock victim or a busy SQLite database: the write did not happen; retry.
                Err(e) => {
                    let m = e.to_string().to_ascii_lowercase();
                    if m.contains("deadlock") || m.contains("locked") || m.contains("busy") {
                        tokio::time::sleep(Duration::from_millis(5)).await;
                        result = b.execute(&sql).await;
                    } else {
                        break;
                    }
                }
                Ok(_) => break,
            }
        }
        if result.is_ok() {
            done.fetch_add(1, Ordering::Relaxed);
        }
        tokio::task::yield_now().await;
    }
    b.close().await.expect("writer closes");
}

#[tokio::test]
async fn restart_reinstalls_the_trigger_without_losing_a_concurrent_write() {
    for_each_backend(|db| async move {
        let (_dir, plan) = plan();
        let mut b = connect(db.url()).await.expect("connect");
        up_to(b.as_mut(), &plan, "0002").await;
        let values: Vec<String> = (1..=ROWS)
            .map(|i| format!("({i}, 'https://s.example/a/seed{i}.png', 'n')"))
            .collect();
        b.execute(&format!(
            "INSERT INTO items (id, url, note) VALUES {}",
            values.join(", ")
        ))
        .await
        .expect("seed");
        up_to(b.as_mut(), &plan, "0003").await;

        let stop = Arc::new(AtomicBool::new(false));
        let done = Arc::new(AtomicU64::new(0));
        let writers: Vec<_> = (0..2)
            .map(|w| tokio::spawn(writer(db.url().to_string(), w, stop.clone(), done.clone())))
            .collect();
        for round in 0..6 {
            Runner::new(b.as_mut(), &plan, options(true), &Silent)
                .backfill("items_label")
                .await
                .unwrap_or_else(|e| panic!("restart {round}: {e}"));
        }
        stop.store(true, Ordering::Relaxed);
        for w in writers {
            w.await.expect("writer");
        }
        assert!(done.load(Ordering::Relaxed) > 0, "the writers wrote");
        let rows = b
            .query("SELECT id, url, label FROM items ORDER BY id")
            .await
            .expect("rows");
        let wrong: Vec<String> = rows
            .rows
            .iter()
            .filter_map(|r| {
                let v = |i: usize| r.get(i).cloned().flatten().unwrap_or_default();
                (v(2) != transform(&v(1))).then(|| format!("{} {} {}", v(0), v(1), v(2)))
            })
            .collect();
        assert!(
            wrong.is_empty(),
            "{} rows out of sync: {wrong:?}",
            wrong.len()
        );
        b.close().await.expect("close");
    })
    .await;
}
