//! The runner on real PostgreSQL, MariaDB and SQLite: the same scenarios on each.

use cutover_cli::connect::connect;
use cutover_core::Error;
use cutover_core::runner::{DownTarget, Runner, Silent, Target};
use cutover_tests::plans::PlanDir;
use cutover_tests::{Backend as Kind, for_each_backend, snapshot};

use cutover_tests::runner_setup::{T1, T2, options, up, v};

#[tokio::test]
async fn example_plan_applies_and_status_shows_it() {
    for_each_backend(|db| async move {
        let dir = PlanDir::example("messages");
        let plan = dir.load();
        let mut b = connect(db.url()).await.expect("connect");
        let report = up(b.as_mut(), &plan).await.expect("up");
        assert_eq!(report.migrations.len(), 5);
        assert!(report.migrations.iter().all(|m| m.outcome == "applied"));

        assert_eq!(
            snapshot::count(b.as_mut(), "SELECT COUNT(*) FROM messages").await,
            3000
        );
        assert_eq!(
            snapshot::count(b.as_mut(), "SELECT COUNT(*) FROM conversations").await,
            50
        );
        // Every other message has media; each got exactly one attachment.
        let with = "SELECT COUNT(*) FROM messages WHERE media_url IS NOT NULL";
        assert_eq!(snapshot::count(b.as_mut(), with).await, 1500);
        let rows = b
            .query("SELECT id, attachments FROM messages WHERE id IN (14, 4, 3) ORDER BY id")
            .await
            .expect("read attachments");
        let json = |i: usize| -> serde_json::Value {
            serde_json::from_str(rows.rows[i][1].as_deref().expect("not null")).expect("valid json")
        };
        assert_eq!(json(0), serde_json::json!([]), "message 3 has no media");
        assert_eq!(
            json(1),
            serde_json::json!([{"url": "https://cdn.example.com/u/4/photo.jpg", "type": "image",
                "name": "photo.jpg", "mimeType": "image/jpeg", "source": "legacy_migration"}])
        );
        assert_eq!(
            json(2),
            serde_json::json!([{"url": "https://cdn.example.com/u/14/clip.mp4", "type": "video",
                "name": "clip.mp4", "mimeType": "video/mp4", "source": "legacy_migration"}])
        );

        let status = Runner::new(b.as_mut(), &plan, options(), &Silent)
            .status()
            .await
            .expect("status");
        assert_eq!(status.pending, 0);
        assert!(
            status
                .migrations
                .iter()
                .all(|m| m.state == "applied" && m.checksum_ok == Some(true))
        );
        let states = snapshot::count(
            b.as_mut(),
            "SELECT COUNT(*) FROM cutover_history WHERE state = 'applied'",
        )
        .await;
        assert_eq!(states, 5);
        // A second run has nothing to do.
        assert!(
            up(b.as_mut(), &plan)
                .await
                .expect("second up")
                .migrations
                .is_empty()
        );
        b.close().await.expect("close");
    })
    .await;
}

#[tokio::test]
async fn changed_checksum_is_refused_until_repair() {
    for_each_backend(|db| async move {
        let dir = PlanDir::new();
        dir.write("0001_t1.toml", T1);
        let mut b = connect(db.url()).await.expect("connect");
        up(b.as_mut(), &dir.load()).await.expect("first up");
        // Reformatting does not change the checksum...
        dir.write(
            "0001_t1.toml",
            &T1.replace(" = ", "=").replace('\n', "\r\n"),
        );
        up(b.as_mut(), &dir.load())
            .await
            .expect("reformatted file is the same migration");
        // ...changing what it does does.
        dir.write("0001_t1.toml", &T1.replace("\"note\"", "\"notes\""));
        let err = up(b.as_mut(), &dir.load())
            .await
            .expect_err("edited migration must be refused");
        assert!(
            matches!(err.root(), Error::ChecksumMismatch { .. }),
            "{err}"
        );
        assert!(
            err.to_string().contains("0001 (t1)") && err.to_string().contains("cutover repair"),
            "{err}"
        );
        let changes = Runner::new(b.as_mut(), &dir.load(), options(), &Silent)
            .repair()
            .await
            .expect("repair");
        assert_eq!(changes.len(), 1, "{changes:?}");
        up(b.as_mut(), &dir.load()).await.expect("up after repair");
    })
    .await;
}

#[tokio::test]
async fn out_of_order_migrations_are_refused_unless_allowed() {
    for_each_backend(|db| async move {
        let dir = PlanDir::new();
        dir.write("0001_t1.toml", T1);
        dir.write("0003_t3.toml", &T1.replace("t1", "t3"));
        let mut b = connect(db.url()).await.expect("connect");
        up(b.as_mut(), &dir.load()).await.expect("up");
        dir.write("0002_t2.toml", T2);
        let err = up(b.as_mut(), &dir.load()).await.expect_err("out of order");
        assert!(
            err.to_string().contains("0002 (t2)")
                && err.to_string().contains("--allow-out-of-order"),
            "{err}"
        );
        let plan = dir.load();
        let mut opts = options();
        opts.allow_out_of_order = true;
        let report = Runner::new(b.as_mut(), &plan, opts, &Silent)
            .up(Target::Latest)
            .await
            .expect("allowed");
        assert_eq!(report.migrations.len(), 1);
        assert_eq!(
            snapshot::count(b.as_mut(), "SELECT COUNT(*) FROM t2").await,
            3
        );
    })
    .await;
}

fn with_precondition(on_fail: &str) -> String {
    format!(
        "{T2}\n[[checks]]\nname = \"t1 is empty\"\nwhen = \"before\"\ntable = \"t1\"\nexpect = 0\non_fail = \"{on_fail}\"\n"
    )
}

#[tokio::test]
async fn preconditions_halt_skip_or_warn() {
    for_each_backend(|db| async move {
        let mut b = connect(db.url()).await.expect("connect");
        let base = PlanDir::new();
        base.write("0001_t1.toml", T1);
        up(b.as_mut(), &base.load()).await.expect("up t1");
        b.execute("INSERT INTO t1 (id, note) VALUES (1, 'x')")
            .await
            .expect("seed");

        let halt = PlanDir::new();
        halt.write("0001_t1.toml", T1)
            .write("0002_t2.toml", &with_precondition("halt"));
        let err = up(b.as_mut(), &halt.load()).await.expect_err("halt");
        assert!(matches!(err.root(), Error::CheckFailed { .. }), "{err}");
        assert!(
            err.to_string().contains("t1 is empty") && err.to_string().contains("got 1"),
            "{err}"
        );
        assert!(
            !snapshot::tables(b.as_mut())
                .await
                .contains(&"t2".to_string())
        );

        let skip = PlanDir::new();
        skip.write("0001_t1.toml", T1)
            .write("0002_t2.toml", &with_precondition("skip"));
        let report = up(b.as_mut(), &skip.load()).await.expect("skip");
        assert_eq!(report.migrations[0].outcome, "skipped");
        assert!(
            !snapshot::tables(b.as_mut())
                .await
                .contains(&"t2".to_string())
        );

        let warn = PlanDir::new();
        warn.write("0001_t1.toml", T1)
            .write("0002_t2.toml", &with_precondition("warn"));
        let report = up(b.as_mut(), &warn.load()).await.expect("warn");
        assert_eq!(report.migrations[0].outcome, "applied");
        assert!(
            report.warnings.iter().any(|w| w.contains("t1 is empty")),
            "{:?}",
            report.warnings
        );
        assert_eq!(
            snapshot::count(b.as_mut(), "SELECT COUNT(*) FROM t2").await,
            3
        );
    })
    .await;
}

#[tokio::test]
async fn failed_verification_rolls_back_or_is_recorded() {
    for_each_backend(|db| async move {
        let dir = PlanDir::new();
        dir.write(
            "0001_t2.toml",
            &format!("{T2}\n[[checks]]\nname = \"no rows\"\ntable = \"t2\"\nexpect = 0\n"),
        );
        let mut b = connect(db.url()).await.expect("connect");
        let err = up(b.as_mut(), &dir.load())
            .await
            .expect_err("verification fails");
        assert!(matches!(err.root(), Error::CheckFailed { .. }), "{err}");
        let state = b
            .query("SELECT state FROM cutover_history WHERE version = '0001'")
            .await
            .expect("history");
        assert_eq!(state.scalar(), Some("failed"));
        let tables = snapshot::tables(b.as_mut()).await;
        if db.backend() == Kind::Mysql {
            // DDL commits implicitly on MySQL: the change stays, the failure is recorded.
            assert!(err.to_string().contains("got 3"), "{err}");
            assert!(tables.contains(&"t2".to_string()));
        } else {
            assert!(err.to_string().contains("rolled back"), "{err}");
            assert!(!tables.contains(&"t2".to_string()), "{tables:?}");
        }
    })
    .await;
}

#[tokio::test]
async fn down_to_a_target_and_up_again_restores_schema_and_rows() {
    for_each_backend(|db| async move {
        let dir = PlanDir::example("messages");
        let plan = dir.load();
        let mut b = connect(db.url()).await.expect("connect");
        up(b.as_mut(), &plan).await.expect("up");
        let schema = snapshot::schema(b.as_mut()).await;
        // Identity values continue after a delete, so compare the content, in id order.
        let content = "SELECT body, media_url, attachments FROM messages ORDER BY id";
        let messages = b.query(content).await.expect("messages").rows;
        assert_eq!(messages.len(), 3000);

        let report = Runner::new(b.as_mut(), &plan, options(), &Silent)
            .down(DownTarget::Version(v("0001")))
            .await
            .expect("down to 0001");
        let reverted: Vec<String> = report
            .migrations
            .iter()
            .map(|m| m.version.text.clone())
            .collect();
        assert_eq!(reverted, ["0005", "0004", "0003", "0002"]);
        assert_eq!(
            snapshot::count(b.as_mut(), "SELECT COUNT(*) FROM messages").await,
            0
        );
        let after_down = snapshot::schema(b.as_mut()).await;
        assert!(
            !after_down.iter().any(|l| l.contains("attachments")),
            "{after_down:?}"
        );

        up(b.as_mut(), &plan).await.expect("up again");
        assert_eq!(snapshot::schema(b.as_mut()).await, schema);
        assert_eq!(b.query(content).await.expect("messages").rows, messages);

        Runner::new(b.as_mut(), &plan, options(), &Silent)
            .down(DownTarget::Version(v("0")))
            .await
            .expect("down to zero");
        assert!(snapshot::tables(b.as_mut()).await.is_empty());
        assert_eq!(
            snapshot::count(b.as_mut(), "SELECT COUNT(*) FROM cutover_history").await,
            0
        );
    })
    .await;
}

#[tokio::test]
async fn irreversible_migrations_are_refused_before_anything_runs() {
    for_each_backend(|db| async move {
        let dir = PlanDir::new();
        dir.write("0001_t1.toml", T1);
        dir.write(
            "0002_drop_note.toml",
            "description = \"drop note\"\n[[steps]]\nop = \"drop_column\"\ntable = \"t1\"\ncolumn = \"note\"\n",
        );
        dir.write("0003_t2.toml", T2);
        let plan = dir.load();
        let mut b = connect(db.url()).await.expect("connect");
        up(b.as_mut(), &plan).await.expect("up");
        let err = Runner::new(b.as_mut(), &plan, options(), &Silent)
            .down(DownTarget::Version(v("0")))
            .await
            .expect_err("drop_column has no down");
        assert!(err.to_string().contains("cannot be reversed automatically"), "{err}");
        assert!(err.to_string().contains("0002_drop_note.toml:2:"), "{err}");
        // Nothing was reverted: t2 and its rows are still there.
        assert_eq!(snapshot::count(b.as_mut(), "SELECT COUNT(*) FROM t2").await, 3);
    })
    .await;
}

#[tokio::test]
async fn baseline_marks_without_running() {
    for_each_backend(|db| async move {
        let dir = PlanDir::new();
        dir.write("0001_t1.toml", T1).write("0002_t2.toml", T2);
        let plan = dir.load();
        let mut b = connect(db.url()).await.expect("connect");
        b.execute("CREATE TABLE t1 (id BIGINT PRIMARY KEY, note TEXT)")
            .await
            .expect("existing table");
        let marked = Runner::new(b.as_mut(), &plan, options(), &Silent)
            .baseline(v("0001"))
            .await
            .expect("baseline");
        assert_eq!(marked, vec![v("0001")]);
        let report = up(b.as_mut(), &plan).await.expect("up after baseline");
        assert_eq!(report.migrations.len(), 1);
        assert_eq!(report.migrations[0].version, v("0002"));
        let again = Runner::new(b.as_mut(), &plan, options(), &Silent)
            .baseline(v("0001"))
            .await;
        assert!(
            again
                .expect_err("second baseline")
                .to_string()
                .contains("already has")
        );
    })
    .await;
}
