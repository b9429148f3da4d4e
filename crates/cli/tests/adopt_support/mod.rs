//! Shared by the adoption tests: three migrations (users, orders, notes) written in each
//! tool's folder layout, and each tool's history table as the tool creates and fills it.

#![allow(dead_code)]

use std::path::{Path, PathBuf};

use cutover_tests::Backend;

/// The up and down SQL of the three migrations, as files of the tools hold them.
pub const UP: [&str; 3] = [
    "CREATE TABLE users (\n  id integer PRIMARY KEY,\n  email varchar(255) NOT NULL\n);\n",
    "CREATE TABLE orders (\n  id integer PRIMARY KEY,\n  user_id integer NOT NULL\n);\nCREATE INDEX orders_user ON orders (user_id);\n",
    "-- notes kept per user\nCREATE TABLE notes (id integer PRIMARY KEY, body text);\n",
];
/// The statements of each up, as cutover splits them.
pub const UP_STATEMENTS: [&[&str]; 3] = [
    &["CREATE TABLE users (\n  id integer PRIMARY KEY,\n  email varchar(255) NOT NULL\n)"],
    &[
        "CREATE TABLE orders (\n  id integer PRIMARY KEY,\n  user_id integer NOT NULL\n)",
        "CREATE INDEX orders_user ON orders (user_id)",
    ],
    &["CREATE TABLE notes (id integer PRIMARY KEY, body text)"],
];
/// The downs.
pub const DOWN: [&str; 3] = [
    "DROP TABLE users;\n",
    "DROP TABLE orders;\n",
    "DROP TABLE notes;\n",
];
/// sqlx's checksum of each up file (SHA-384), computed with Python's hashlib.
pub const SQLX_CHECKSUMS: [&str; 3] = [
    "af67037b4aed743ffec1447fd2a371aa583de11dacd58a6a259c157a99f0a1ff358fa2f6b0528f3bf6ad1bdc949eda7e",
    "b46638a5a7ab448893ff4d9f7019553e8a7cf7547c19e32cf253fffecaad2cc700a3b8821729935a74f821322ff506ed",
    "f6edd12ff593be2d58e56de54e9745c248507bed6107899ac2ecacb9bbe8bb019f513758ec5f6f153135470c9d7fe7e5",
];
/// Flyway's checksum of each up file (CRC32 over its lines), computed with Python's zlib.
pub const FLYWAY_CHECKSUMS: [i32; 3] = [-1599805671, 1297961998, 741958933];
/// Prisma's checksum of each `migration.sql` (SHA-256), computed with Python's hashlib.
pub const PRISMA_CHECKSUMS: [&str; 3] = [
    "0a1af74d2819d321f3c0dff5a43ead67222a81ea5876ce5acb12a1c311038cb9",
    "32aa18fa3fca95688ab4cef31a6ad34b5c88f2edbf9d7b6d08080f62a563ee8a",
    "d1667ba4d63f384759acfc46ea9c59860e4d2f2d915e54ebbcb9bb61c95104d1",
];
/// The names.
pub const NAMES: [&str; 3] = ["users", "orders", "notes"];
/// The tables they create.
pub const TABLES: [&str; 3] = ["users", "orders", "notes"];

/// The tools whose SQL folders `cutover import` reads.
pub const FOLDER_TOOLS: [&str; 6] = [
    "sqlx",
    "dbmate",
    "golang-migrate",
    "flyway",
    "refinery",
    "prisma",
];

/// A scratch directory, removed when dropped.
pub struct Scratch(pub PathBuf);

impl Scratch {
    /// A new empty directory named after `what`.
    pub fn new(what: &str) -> Scratch {
        use std::sync::atomic::{AtomicUsize, Ordering};
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let dir =
            std::env::temp_dir().join(format!("cutover-adopt-{what}-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("create scratch dir");
        Scratch(dir)
    }

    /// A path inside it.
    pub fn join(&self, p: &str) -> PathBuf {
        self.0.join(p)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn write(dir: &Path, name: &str, text: &str) {
    let path = dir.join(name);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).expect("mkdir");
    }
    std::fs::write(&path, text).expect("write fixture");
}

/// The versions the tool gives the three migrations (as in its file names).
pub fn versions(tool: &str) -> [&'static str; 3] {
    match tool {
        "golang-migrate" => ["000001", "000002", "000003"],
        "flyway" | "refinery" => ["1", "2", "3"],
        "sea-orm" => ["20220101000001", "20220101000002", "20220101000003"],
        "alembic" => ["0001", "0002", "0003"],
        _ => ["20240101000000", "20240102000000", "20240103000000"],
    }
}

/// Whether the tool's files give migration `i` a down.
pub fn has_down(tool: &str, i: usize) -> bool {
    match tool {
        "sqlx" | "flyway" => i < 2,
        "dbmate" | "golang-migrate" => true,
        _ => false,
    }
}

/// Writes the three migrations into `dir` as `tool` lays them out (its documented file
/// names and markers).
pub fn write_layout(tool: &str, dir: &Path) {
    let v = versions(tool);
    for i in 0..3 {
        let (up, down, name) = (UP[i], DOWN[i], NAMES[i]);
        match tool {
            "sqlx" if i < 2 => {
                write(dir, &format!("{}_{name}.up.sql", v[i]), up);
                write(dir, &format!("{}_{name}.down.sql", v[i]), down);
            }
            "sqlx" => write(dir, &format!("{}_{name}.sql", v[i]), up),
            "dbmate" => write(
                dir,
                &format!("{}_{name}.sql", v[i]),
                &format!("-- migrate:up\n{up}\n-- migrate:down\n{down}"),
            ),
            "golang-migrate" => {
                write(dir, &format!("{}_{name}.up.sql", v[i]), up);
                write(dir, &format!("{}_{name}.down.sql", v[i]), down);
            }
            "flyway" => {
                write(dir, &format!("V{}__{name}.sql", v[i]), up);
                if i < 2 {
                    write(dir, &format!("U{}__{name}.sql", v[i]), down);
                }
            }
            "refinery" => write(dir, &format!("V{}__{name}.sql", v[i]), up),
            "prisma" => write(dir, &format!("{}_{name}/migration.sql", v[i]), up),
            other => panic!("no folder layout for {other}"),
        }
    }
    if tool == "prisma" {
        write(
            dir,
            "migration_lock.toml",
            "# Please do not edit this file manually\nprovider = \"postgresql\"\n",
        );
    }
}

/// A plan for the tools cutover imports no folder of (sea-orm's migrations are Rust,
/// Alembic's Python): the three migrations written by hand, Alembic's named after their
/// revision ids.
pub fn write_hand_plan(tool: &str, dir: &Path) {
    let v = versions(tool);
    let revisions = ["ae1027a6acf", "1975ea83b712", "27c6a30d7c24"];
    for i in 0..3 {
        let name = match tool {
            "alembic" => format!("{}_{}", revisions[i], NAMES[i]),
            _ => format!("create_{}", NAMES[i]),
        };
        let mut text = match tool {
            // Alembic's chain: each revision names its down_revision.
            "alembic" => format!(
                "description = \"{}, revises {}\"\n",
                NAMES[i],
                if i == 0 { "None" } else { revisions[i - 1] }
            ),
            _ => format!("description = \"{}\"\n", NAMES[i]),
        };
        for (k, sql) in UP_STATEMENTS[i].iter().enumerate() {
            text.push_str(&format!("\n[[steps]]\nop = \"sql\"\nsql = '''\n{sql}'''\n"));
            if k == 0 {
                text.push_str(&format!("down = \"DROP TABLE {}\"\n", TABLES[i]));
            }
        }
        write(dir, &format!("{}_{name}.toml", v[i]), &text);
    }
}

/// The statements that create `tool`'s history table on `backend`, as the tool does.
pub fn history_ddl(tool: &str, backend: Backend) -> Vec<String> {
    let pg = backend == Backend::Postgres;
    let my = backend == Backend::Mysql;
    let now = if pg { "now()" } else { "CURRENT_TIMESTAMP" };
    let sql = match tool {
        // sqlx-{postgres,mysql,sqlite}/src/migrate.rs
        "sqlx" => format!(
            "CREATE TABLE IF NOT EXISTS _sqlx_migrations (\n version BIGINT PRIMARY KEY,\n description TEXT NOT NULL,\n installed_on {} NOT NULL DEFAULT {now},\n success BOOLEAN NOT NULL,\n checksum {} NOT NULL,\n execution_time BIGINT NOT NULL\n)",
            if pg { "TIMESTAMPTZ" } else { "TIMESTAMP" },
            if pg { "BYTEA" } else { "BLOB" }
        ),
        // refinery_core/src/drivers/config.rs (ASSERT_MIGRATIONS_TABLE_QUERY)
        "refinery" => format!(
            "CREATE TABLE IF NOT EXISTS refinery_schema_history (\n version {} PRIMARY KEY,\n name VARCHAR(255),\n applied_on VARCHAR(255),\n checksum VARCHAR(255)\n)",
            if pg { "INT4" } else { "INT" }
        ),
        // flyway-core: createMetaDataTable.sql per database
        "flyway" => format!(
            "CREATE TABLE flyway_schema_history (\n installed_rank INT NOT NULL,\n version VARCHAR(50),\n description VARCHAR(200) NOT NULL,\n type VARCHAR(20) NOT NULL,\n script VARCHAR(1000) NOT NULL,\n checksum INT,\n installed_by VARCHAR(100) NOT NULL,\n installed_on TIMESTAMP NOT NULL DEFAULT {now},\n execution_time INT NOT NULL,\n success BOOLEAN NOT NULL,\n CONSTRAINT flyway_schema_history_pk PRIMARY KEY (installed_rank)\n)"
        ),
        // dbmate: pkg/driver/*/: version varchar(128) primary key
        "dbmate" => {
            "CREATE TABLE IF NOT EXISTS schema_migrations (version varchar(128) primary key)".into()
        }
        // golang-migrate database/{postgres,mysql,sqlite3}
        "golang-migrate" if backend == Backend::Sqlite => {
            return vec![
                "CREATE TABLE IF NOT EXISTS schema_migrations (version uint64,dirty bool)".into(),
                "CREATE UNIQUE INDEX IF NOT EXISTS version_unique ON schema_migrations (version)"
                    .into(),
            ];
        }
        "golang-migrate" => "CREATE TABLE IF NOT EXISTS schema_migrations (version bigint not null primary key, dirty boolean not null)".into(),
        // prisma schema-engine: the migrations table per connector
        "prisma" if my => "CREATE TABLE _prisma_migrations (\n id VARCHAR(36) PRIMARY KEY NOT NULL,\n checksum VARCHAR(64) NOT NULL,\n finished_at DATETIME(3),\n migration_name VARCHAR(255) NOT NULL,\n logs TEXT,\n rolled_back_at DATETIME(3),\n started_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),\n applied_steps_count INTEGER UNSIGNED NOT NULL DEFAULT 0\n) DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci".into(),
        "prisma" => format!(
            "CREATE TABLE \"_prisma_migrations\" (\n \"id\" {id} PRIMARY KEY NOT NULL,\n \"checksum\" {ck} NOT NULL,\n \"finished_at\" {ts},\n \"migration_name\" {name} NOT NULL,\n \"logs\" TEXT,\n \"rolled_back_at\" {ts},\n \"started_at\" {ts} NOT NULL DEFAULT {now},\n \"applied_steps_count\" INTEGER NOT NULL DEFAULT 0\n)",
            id = if pg { "VARCHAR(36)" } else { "TEXT" },
            ck = if pg { "VARCHAR(64)" } else { "TEXT" },
            ts = if pg { "TIMESTAMPTZ" } else { "DATETIME" },
            name = if pg { "VARCHAR(255)" } else { "TEXT" },
        ),
        // sea-orm-migration src/seaql_migrations.rs (built with sea-query)
        "sea-orm" => format!(
            "CREATE TABLE IF NOT EXISTS seaql_migrations (version {} NOT NULL PRIMARY KEY, applied_at bigint NOT NULL)",
            if my { "varchar(255)" } else { "varchar" }
        ),
        // alembic/runtime/migration.py (_version table)
        "alembic" => "CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL, CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num))".into(),
        other => panic!("no history table for {other}"),
    };
    vec![sql]
}

/// The rows `tool` writes after running migrations `0..ran` (in `versions(tool)`), plus the
/// rows it keeps about migrations that no longer count (a Flyway repeatable and an undone
/// migration, a Prisma rolled-back attempt).
pub fn history_rows(tool: &str, backend: Backend, ran: usize) -> Vec<String> {
    let v = versions(tool);
    let bytes = |hex: &str| match backend {
        Backend::Postgres => format!("decode('{hex}', 'hex')"),
        _ => format!("X'{hex}'"),
    };
    let mut out = Vec::new();
    match tool {
        "golang-migrate" => {
            out.push(format!(
                "INSERT INTO schema_migrations (version, dirty) VALUES ({}, FALSE)",
                v[ran - 1].trim_start_matches('0')
            ));
            return out;
        }
        "alembic" => {
            let revisions = ["ae1027a6acf", "1975ea83b712", "27c6a30d7c24"];
            out.push(format!(
                "INSERT INTO alembic_version (version_num) VALUES ('{}')",
                revisions[ran - 1]
            ));
            return out;
        }
        _ => {}
    }
    for i in 0..ran {
        let name = NAMES[i];
        out.push(match tool {
            "sqlx" => format!(
                "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) VALUES ({}, '{name}', TRUE, {}, 1200)",
                v[i],
                bytes(SQLX_CHECKSUMS[i])
            ),
            "refinery" => format!(
                "INSERT INTO refinery_schema_history (version, name, applied_on, checksum) VALUES ({}, '{name}', '2024-01-01T00:00:00Z', '1234567890')",
                v[i]
            ),
            "flyway" => flyway_row(i + 1, Some(v[i]), name, "SQL", true, FLYWAY_CHECKSUMS[i]),
            "dbmate" => format!("INSERT INTO schema_migrations (version) VALUES ('{}')", v[i]),
            "prisma" => prisma_row(i, &format!("{}_{name}", v[i]), true),
            "sea-orm" => format!(
                "INSERT INTO seaql_migrations (version, applied_at) VALUES ('m{}_{}_create_{name}', 1700000000)",
                &v[i][..8],
                &v[i][8..]
            ),
            other => panic!("no history rows for {other}"),
        });
    }
    match tool {
        "flyway" => {
            // A repeatable migration, and migration 3 applied then undone.
            out.push(flyway_row(ran + 1, None, "views", "SQL", true, 42));
            out.push(flyway_row(
                ran + 2,
                Some(v[2]),
                NAMES[2],
                "SQL",
                true,
                FLYWAY_CHECKSUMS[2],
            ));
            out.push(flyway_row(
                ran + 3,
                Some(v[2]),
                NAMES[2],
                "UNDO_SQL",
                true,
                7,
            ));
        }
        "prisma" => out.push(prisma_row(2, &format!("{}_{}", v[2], NAMES[2]), false)),
        _ => {}
    }
    out
}

/// A row of `flyway_schema_history`.
pub fn flyway_row(
    rank: usize,
    version: Option<&str>,
    name: &str,
    kind: &str,
    ok: bool,
    checksum: i32,
) -> String {
    let script = match version {
        Some(v) if kind.starts_with("UNDO") => format!("U{v}__{name}.sql"),
        Some(v) => format!("V{v}__{name}.sql"),
        None => format!("R__{name}.sql"),
    };
    format!(
        "INSERT INTO flyway_schema_history (installed_rank, version, description, type, script, checksum, installed_by, execution_time, success) VALUES ({rank}, {}, '{name}', '{kind}', '{script}', {checksum}, 'flyway', 35, {})",
        version.map_or("NULL".into(), |v| format!("'{v}'")),
        if ok { "TRUE" } else { "FALSE" }
    )
}

/// A row of `_prisma_migrations`: finished, or started and rolled back.
fn prisma_row(i: usize, name: &str, finished: bool) -> String {
    let at = format!("'2024-01-0{} 00:00:00'", i + 1);
    let (finished_at, rolled_back_at) = match finished {
        true => (at.clone(), "NULL".to_string()),
        false => ("NULL".to_string(), at.clone()),
    };
    format!(
        "INSERT INTO _prisma_migrations (id, checksum, finished_at, migration_name, logs, rolled_back_at, started_at, applied_steps_count) VALUES ('0000000{i}-aaaa-bbbb-cccc-dddddddddddd', '{}', {finished_at}, '{name}', NULL, {rolled_back_at}, {at}, {})",
        PRISMA_CHECKSUMS[i],
        u8::from(finished)
    )
}

/// Runs `cutover import` of `tool`'s folder `src` for `dialect` into `plan`.
pub fn import(tool: &str, src: &Path, plan: &Path, dialect: &str) -> std::process::Output {
    // A Prisma folder names the database it was written for; `write_layout` writes
    // PostgreSQL's, and the same SQL serves every database here.
    let lock = src.join("migration_lock.toml");
    if tool == "prisma" && lock.is_file() {
        let provider = if dialect == "postgres" {
            "postgresql"
        } else {
            dialect
        };
        write(
            src,
            "migration_lock.toml",
            &format!("provider = \"{provider}\"\n"),
        );
    }
    crate::common::run(
        src,
        &[
            "import",
            "--from",
            tool,
            src.to_str().expect("utf8"),
            "--dialect",
            dialect,
            "--plan",
            plan.to_str().expect("utf8"),
        ],
    )
}
