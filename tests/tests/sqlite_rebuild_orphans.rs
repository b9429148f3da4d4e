//! A SQLite table rebuild and the orphan rows a database already has: an application that
//! writes without `PRAGMA foreign_keys = ON` leaves child rows whose parent is gone. A rebuild
//! of an unrelated table must not be blocked by them (they are reported as a warning); a
//! rebuild that orphans rows itself is refused with the table, rowid and parent named.

use std::sync::Mutex;

use cutover_cli::connect::connect;
use cutover_core::backend::Backend;
use cutover_core::runner::{DownTarget, Event, Reporter, Runner, RunnerOptions, Target};
use cutover_tests::plans::PlanDir;
use cutover_tests::{Backend as Kind, TestDb, backends, snapshot};

const BASE: &str = r#"
description = "profiles, their links and the links' clicks"
[[steps]]
op = "create_table"
table = "profiles"
columns = [
  { name = "id", type = "bigint", primary_key = true },
  { name = "tier", type = "varchar(10)" },
]
[[steps]]
op = "create_table"
table = "profile_links"
columns = [
  { name = "id", type = "bigint", primary_key = true },
  { name = "profile_id", type = "bigint" },
]
foreign_keys = [{ columns = ["profile_id"], references = "profiles(id)" }]
[[steps]]
op = "create_table"
table = "link_clicks"
columns = [
  { name = "id", type = "bigint", primary_key = true },
  { name = "link_id", type = "bigint" },
]
foreign_keys = [{ columns = ["link_id"], references = "profile_links(id)" }]
[[steps]]
op = "create_table"
table = "notes"
columns = [
  { name = "id", type = "bigint", primary_key = true },
  { name = "profile_id", type = "bigint" },
]
"#;

const WIDEN: &str = r#"
description = "widen the tier (a rebuild of profiles)"
[[steps]]
op = "alter_column"
table = "profiles"
column = "tier"
type = "varchar(40)"
[[down]]
op = "alter_column"
table = "profiles"
column = "tier"
type = "varchar(10)"
"#;

const NOTES_FK: &str = r#"
description = "notes reference profiles (a rebuild of notes)"
[[steps]]
op = "add_foreign_key"
table = "notes"
columns = ["profile_id"]
references = "profiles(id)"
"#;

/// Keeps the warnings a run reports.
#[derive(Default)]
struct Warnings(Mutex<Vec<String>>);

impl Reporter for Warnings {
    fn event(&self, e: &Event<'_>) {
        if let Event::Warning(w) = e {
            self.0.lock().expect("not poisoned").push(w.to_string());
        }
    }
}

/// The base schema with one orphan click (rowid 2, link 0) written with enforcement off.
async fn setup(dir: &PlanDir, b: &mut dyn Backend) {
    dir.write("0001_base.toml", BASE);
    Runner::new(
        b,
        &dir.load(),
        RunnerOptions::default(),
        &Warnings::default(),
    )
    .up(Target::Latest)
    .await
    .expect("base");
    for sql in [
        "PRAGMA foreign_keys = OFF",
        "INSERT INTO profiles (id, tier) VALUES (1, 'free'), (2, 'pro')",
        "INSERT INTO profile_links (id, profile_id) VALUES (1, 1)",
        "INSERT INTO link_clicks (id, link_id) VALUES (1, 1), (3, 0)",
        "INSERT INTO notes (id, profile_id) VALUES (1, 1), (2, 2)",
        "PRAGMA foreign_keys = ON",
    ] {
        b.execute(sql).await.expect(sql);
    }
}

async fn column_types(b: &mut dyn Backend, table: &str) -> Vec<String> {
    let sql = format!("SELECT name || ' ' || type FROM pragma_table_info('{table}') ORDER BY cid");
    b.query(&sql)
        .await
        .expect("columns")
        .rows
        .into_iter()
        .map(|r| r[0].clone().unwrap_or_default())
        .collect()
}

#[tokio::test]
async fn an_orphan_elsewhere_does_not_block_a_rebuild_in_either_run_mode() {
    if !backends().contains(&Kind::Sqlite) {
        return;
    }
    for stepwise in [false, true] {
        let db = TestDb::create(Kind::Sqlite).await;
        let dir = PlanDir::new();
        let mut b = connect(db.url()).await.expect("connect");
        setup(&dir, b.as_mut()).await;
        let widen = if stepwise {
            WIDEN.replacen("\n[[steps]]", "\ntransaction = false\n[[steps]]", 1)
        } else {
            WIDEN.to_string()
        };
        dir.write("0002_widen.toml", &widen);
        let warnings = Warnings::default();
        let report = Runner::new(b.as_mut(), &dir.load(), RunnerOptions::default(), &warnings)
            .up(Target::Latest)
            .await
            .expect("an unrelated orphan does not block the rebuild");
        assert_eq!(report.migrations.len(), 1);
        assert_eq!(
            column_types(b.as_mut(), "profiles").await,
            ["id BIGINT", "tier VARCHAR(40)"]
        );
        let one = |v: &[&str]| v.iter().map(|s| Some(s.to_string())).collect::<Vec<_>>();
        let profiles = b
            .query("SELECT rowid, id, tier FROM profiles ORDER BY rowid")
            .await
            .expect("profiles")
            .rows;
        assert_eq!(
            profiles,
            [one(&["1", "1", "free"]), one(&["2", "2", "pro"])]
        );
        let clicks = b
            .query("SELECT rowid, id, link_id FROM link_clicks ORDER BY rowid")
            .await
            .expect("clicks")
            .rows;
        assert_eq!(clicks, [one(&["1", "1", "1"]), one(&["2", "3", "0"])]);
        let warnings = warnings.0.lock().expect("not poisoned").clone();
        assert_eq!(
            warnings
                .iter()
                .filter(|w| w.contains("foreign-key"))
                .collect::<Vec<_>>(),
            [
                "migration 0002 (widen): 1 foreign-key violation(s) were in the database before this migration and are left as they were (first: the row of `link_clicks` with rowid 2 references `profile_links` through (link_id), which has no matching row); `PRAGMA foreign_key_check` lists them"
            ],
            "stepwise: {stepwise}"
        );
        // The down is a rebuild too, and the same orphan does not block it.
        let warnings = Warnings::default();
        Runner::new(b.as_mut(), &dir.load(), RunnerOptions::default(), &warnings)
            .down(DownTarget::Steps(1))
            .await
            .expect("an unrelated orphan does not block the down's rebuild");
        assert_eq!(
            column_types(b.as_mut(), "profiles").await,
            ["id BIGINT", "tier VARCHAR(10)"]
        );
        let clicks = snapshot::count(b.as_mut(), "SELECT COUNT(*) FROM link_clicks").await;
        assert_eq!(clicks, 2);
        let warnings = warnings.0.lock().expect("not poisoned").clone();
        assert!(
            warnings.iter().any(|w| w.starts_with(
                "migration 0002 (widen): 1 foreign-key violation(s) were in the database before"
            )),
            "stepwise: {stepwise}: {warnings:?}"
        );
        b.close().await.expect("close");
        db.drop_db().await;
    }
}

#[tokio::test]
async fn a_rebuild_that_orphans_rows_itself_is_refused_and_names_them() {
    if !backends().contains(&Kind::Sqlite) {
        return;
    }
    let db = TestDb::create(Kind::Sqlite).await;
    let dir = PlanDir::new();
    let mut b = connect(db.url()).await.expect("connect");
    setup(&dir, b.as_mut()).await;
    // Note 2's profile goes away: the new key would orphan it.
    b.execute("DELETE FROM profiles WHERE id = 2")
        .await
        .expect("delete profile");
    let before = b
        .query("SELECT sql FROM sqlite_schema WHERE name = 'notes'")
        .await
        .expect("ddl")
        .rows;
    dir.write("0002_notes_fk.toml", NOTES_FK);
    let err = Runner::new(
        b.as_mut(),
        &dir.load(),
        RunnerOptions::default(),
        &Warnings::default(),
    )
    .up(Target::Latest)
    .await
    .expect_err("the new key's orphan is refused");
    let msg = format!("{err:#}");
    assert!(
        msg.contains("migration 0002 (notes_fk): the table rebuild would leave 1 foreign-key violation(s) that were not there before it (first: the row of `notes` with rowid 2 references `profiles` through (profile_id), which has no matching row); the migration was rolled back, nothing was changed. Delete those rows or give them a parent (or clear the key) before this migration"),
        "{msg}"
    );
    // Rolled back: the table keeps its definition and rows.
    let after = b
        .query("SELECT sql FROM sqlite_schema WHERE name = 'notes'")
        .await
        .expect("ddl")
        .rows;
    assert_eq!(after, before);
    assert_eq!(
        snapshot::count(b.as_mut(), "SELECT COUNT(*) FROM notes").await,
        2
    );
    assert_eq!(
        snapshot::count(
            b.as_mut(),
            "SELECT COUNT(*) FROM pragma_foreign_key_list('notes')"
        )
        .await,
        0
    );
    b.close().await.expect("close");
    db.drop_db().await;
}
