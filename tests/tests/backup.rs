//! Backup and restore on real PostgreSQL, MariaDB and SQLite: a round trip over tables with
//! a foreign key, a JSON column, binary data, an identity key and a view; the manifest; file
//! modes; tampering.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use cutover_cli::archive::verify_backup;
use cutover_cli::connect::connect;
use cutover_core::Dialect;
use cutover_core::backend::Backend;
use cutover_core::backup::{self, Manifest};
use cutover_core::runner::{Runner, RunnerOptions, Silent, Target};
use cutover_tests::plans::PlanDir;
use cutover_tests::{for_each_backend, snapshot};
use sha2::{Digest, Sha256};

const SCHEMA: &str = r#"
description = "authors, posts, tags and a view"

[[steps]]
op = "create_table"
table = "authors"
columns = [
  { name = "id", type = "bigint", primary_key = true, identity = true },
  { name = "name", type = "varchar(100)", nullable = false },
  { name = "avatar", type = "bytes" },
]

[[steps]]
op = "create_table"
table = "posts"
columns = [
  { name = "id", type = "bigint", primary_key = true },
  { name = "author_id", type = "bigint", nullable = false },
  { name = "title", type = "text" },
  { name = "meta", type = "json" },
  { name = "score", type = "decimal(10,2)" },
]
foreign_keys = [{ columns = ["author_id"], references = "authors(id)" }]

[[steps]]
op = "create_index"
table = "posts"
columns = ["author_id"]

[[steps]]
op = "create_table"
table = "tags"
columns = [{ name = "post_id", type = "bigint" }, { name = "label", type = "varchar(20)" }]

[[steps]]
op = "sql"
sql = "CREATE VIEW post_titles AS SELECT p.id, a.name, p.title FROM posts p JOIN authors a ON a.id = p.author_id"
down = "DROP VIEW post_titles"
"#;

const DATA: &str = r#"
description = "seed"

[[steps]]
op = "sql"
postgres = """INSERT INTO authors (name, avatar) VALUES ('ann', '\\x00ff10'), ('bob', NULL), ('cy', '\\x41');
INSERT INTO posts VALUES (1, 1, 'hello', '{"tags": ["a", "b"], "n": 1}', 1.50),
  (2, 1, 'it''s', '[1, 2, {"x": null}]', NULL), (3, 2, NULL, '"text"', -3.25);
INSERT INTO tags VALUES (1, 'x'), (1, 'y'), (3, NULL)"""
sql = """INSERT INTO authors (name, avatar) VALUES ('ann', X'00ff10'), ('bob', NULL), ('cy', X'41');
INSERT INTO posts VALUES (1, 1, 'hello', '{"tags": ["a", "b"], "n": 1}', 1.50),
  (2, 1, 'it''s', '[1, 2, {"x": null}]', NULL), (3, 2, NULL, '"text"', -3.25);
INSERT INTO tags VALUES (1, 'x'), (1, 'y'), (3, NULL)"""
down = "DELETE FROM tags; DELETE FROM posts; DELETE FROM authors"
"#;

/// A directory for backups, removed on drop.
struct Dir(PathBuf);

impl Dir {
    fn new(name: &str) -> Dir {
        let dir = std::env::temp_dir().join(format!("cutover_bk_{name}"));
        std::fs::create_dir_all(&dir).expect("create backup dir");
        Dir(dir)
    }
}

impl Drop for Dir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Everything the round trip must bring back: rows of every table and view (cutover's
/// history included), columns and indexes, views and foreign keys.
async fn state(b: &mut dyn Backend) -> Vec<String> {
    let mut out = snapshot::schema(b).await;
    let mut relations = snapshot::tables(b).await;
    relations.push("cutover_history".into());
    let views = b
        .query(&b.dialect().sql().list_views_sql())
        .await
        .expect("views");
    relations.extend(
        views
            .rows
            .into_iter()
            .filter_map(|r| r.into_iter().next().flatten()),
    );
    for t in relations {
        for row in snapshot::rows(b, &t).await {
            out.push(format!("row {t}: {row}"));
        }
    }
    let objects = match b.dialect() {
        Dialect::Postgres => {
            "SELECT 'view ' || table_name || ' ' || view_definition FROM information_schema.views \
             WHERE table_schema = 'public' UNION ALL SELECT 'fk ' || table_name || ' ' || constraint_name \
             FROM information_schema.table_constraints WHERE constraint_type = 'FOREIGN KEY' \
             AND table_schema = 'public' ORDER BY 1"
        }
        Dialect::Mysql => {
            "SELECT CONCAT('view ', table_name, ' ', view_definition) FROM information_schema.views \
             WHERE table_schema = DATABASE() UNION ALL SELECT CONCAT('fk ', table_name, ' ', constraint_name) \
             FROM information_schema.table_constraints WHERE constraint_type = 'FOREIGN KEY' \
             AND table_schema = DATABASE() ORDER BY 1"
        }
        Dialect::Sqlite => {
            "SELECT 'view ' || name || ' ' || sql FROM sqlite_master WHERE type = 'view' \
             UNION ALL SELECT 'fk ' || m.name || ' ' || f.\"table\" || ' ' || f.\"from\" \
             FROM sqlite_master m JOIN pragma_foreign_key_list(m.name) f WHERE m.type = 'table' ORDER BY 1"
        }
    };
    let rows = b.query(objects).await.expect("catalog");
    out.extend(
        rows.rows
            .into_iter()
            .filter_map(|r| r.into_iter().next().flatten()),
    );
    out
}

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path)
        .expect("metadata")
        .permissions()
        .mode()
        & 0o777
}

fn sha256(path: &Path) -> String {
    let bytes = std::fs::read(path).expect("read backup");
    Sha256::digest(&bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[tokio::test]
async fn round_trip_restores_rows_schema_views_and_sequences() {
    for_each_backend(|db| async move {
        let plan = PlanDir::new();
        plan.write("0001_schema.toml", SCHEMA)
            .write("0002_seed.toml", DATA);
        let plan = plan.load();
        let mut b = connect(db.url()).await.expect("connect");
        Runner::new(b.as_mut(), &plan, RunnerOptions::default(), &Silent)
            .up(Target::Latest)
            .await
            .expect("up");
        let dir = Dir::new(db.name());
        let path = backup::default_path(b.as_mut(), &dir.0, "cutover_history")
            .await
            .expect("default path");
        let name = path.file_name().and_then(|n| n.to_str()).expect("name");
        assert!(
            name.contains("-0002-"),
            "named after the last migration: {name}"
        );
        let before = state(b.as_mut()).await;
        let manifest = backup::take(b.as_mut(), &path, "cutover_history")
            .await
            .expect("backup");

        // The files: private, described by the manifest, readable by the database's tools.
        let manifest_path = Manifest::path_for(&path);
        assert_eq!(mode(&path), 0o600, "backup mode");
        assert_eq!(mode(&manifest_path), 0o600, "manifest mode");
        assert_eq!(Manifest::read(&path).expect("manifest"), manifest);
        assert_eq!(manifest.dialect, b.dialect());
        assert_eq!(manifest.sha256, sha256(&path));
        assert_eq!(
            manifest.size_bytes,
            std::fs::metadata(&path).expect("meta").len()
        );
        assert!(!manifest.server_version.is_empty() && !manifest.tool.is_empty());
        assert!(
            manifest.database.contains(db.name()),
            "{}",
            manifest.database
        );
        let last = manifest.last_migration.clone().expect("last migration");
        assert_eq!(
            (last.version.as_str(), last.name.as_str()),
            ("0002", "seed")
        );
        let counts: Vec<(&str, u64)> = manifest
            .tables
            .iter()
            .map(|t| (t.name.as_str(), t.rows))
            .collect();
        assert_eq!(counts, [("authors", 3), ("posts", 3), ("tags", 3)]);
        assert!(
            manifest
                .internal_tables
                .contains(&"cutover_history".to_string())
        );
        assert_eq!(manifest.views, ["post_titles"]);
        let verified = verify_backup(&path).await.expect("verify");
        assert!(!verified.reader.is_empty());

        // Change and delete data, and the schema too.
        for sql in [
            "UPDATE authors SET name = 'changed' WHERE id = 1",
            "DELETE FROM tags",
            "DELETE FROM posts WHERE id > 1",
            "INSERT INTO authors (name) VALUES ('dee')",
            "DROP VIEW post_titles",
            "ALTER TABLE posts ADD COLUMN extra integer",
            "CREATE TABLE later (id integer PRIMARY KEY, author_id bigint REFERENCES authors (id))",
            "INSERT INTO later VALUES (1, 1)",
            "DELETE FROM cutover_history WHERE version = '0002'",
        ] {
            b.execute(sql)
                .await
                .unwrap_or_else(|e| panic!("{sql}: {e}"));
        }
        assert_ne!(state(b.as_mut()).await, before);

        let restored = Runner::new(b.as_mut(), &plan, RunnerOptions::default(), &Silent)
            .restore(&path)
            .await
            .expect("restore");
        assert_eq!(restored, manifest);
        assert_eq!(state(b.as_mut()).await, before, "everything is back");
        // Identity/auto-increment counters are back too: the next id is 4 again.
        b.execute("INSERT INTO authors (name) VALUES ('next')")
            .await
            .expect("insert");
        assert_eq!(
            snapshot::count(b.as_mut(), "SELECT MAX(id) FROM authors").await,
            4
        );

        // A changed file is refused before anything is touched.
        let mut bytes = std::fs::read(&path).expect("read");
        bytes.push(b'\n');
        std::fs::write(&path, bytes).expect("tamper");
        let err = verify_backup(&path).await.expect_err("tampered");
        assert!(
            err.to_string().contains("does not match its manifest"),
            "{err}"
        );
        let err = Runner::new(b.as_mut(), &plan, RunnerOptions::default(), &Silent)
            .restore(&path)
            .await
            .expect_err("tampered restore");
        assert!(
            err.to_string().contains("does not match its manifest"),
            "{err}"
        );
        assert_eq!(
            snapshot::count(b.as_mut(), "SELECT COUNT(*) FROM authors").await,
            4
        );
        // Never over an existing file.
        let err = backup::take(b.as_mut(), &path, "cutover_history")
            .await
            .expect_err("exists");
        assert!(err.to_string().contains("never overwrites"), "{err}");
        b.close().await.expect("close");
    })
    .await;
}
