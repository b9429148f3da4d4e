//! A generated baseline is never silently wrong (issue 15): a schema full of what the plan
//! model cannot type (row level security, partitions, INCLUDE and GIN indexes, identity
//! options, shared sequences, enum types under their own names, unsigned keys, collations,
//! ON UPDATE, generated columns, FULLTEXT, STRICT / WITHOUT ROWID, deferrable keys, functions
//! used by indexes and views, materialized views, extensions, exact decimal defaults) is
//! generated with `init --from-database`, rebuilt with `cutover up` on an empty database of
//! the same dialect, and the rebuilt catalog must equal the source's, fact by fact. The facts
//! that the red team found lost are also asserted by name. Then what cannot be baselined is
//! refused before anything is written.

mod common;

use common::{run, text};
use cutover_cli::connect::connect;
use cutover_tests::plans::PlanDir;
use cutover_tests::{Backend as TestBackend, TestDb, for_each_backend};

const POSTGRES: &str = "CREATE EXTENSION IF NOT EXISTS citext;
CREATE TYPE status AS ENUM ('new', 'done');
CREATE SEQUENCE shared_seq START WITH 100;
CREATE FUNCTION plus_one(x int) RETURNS int LANGUAGE sql IMMUTABLE AS 'select x + 1';
CREATE TABLE acct (id int GENERATED ALWAYS AS IDENTITY (START WITH 500 INCREMENT BY 5) PRIMARY KEY, owner text, bal int DEFAULT 0, \"userId\" int, st status NOT NULL DEFAULT 'new', big numeric(30,2) DEFAULT 12345678901234567890.12, nick citext, doc jsonb, name text COLLATE \"C\");
ALTER TABLE acct ENABLE ROW LEVEL SECURITY;
CREATE POLICY own ON acct USING (owner = current_user);
COMMENT ON TABLE acct IS 'accounts';
CREATE UNIQUE INDEX acct_owner_inc ON acct (owner) INCLUDE (bal);
CREATE UNIQUE INDEX acct_user ON acct (\"userId\");
CREATE INDEX acct_doc ON acct USING gin (doc);
CREATE INDEX acct_bal_nf ON acct (bal NULLS FIRST);
CREATE INDEX acct_plus ON acct (plus_one(bal));
CREATE TABLE t1 (id int PRIMARY KEY DEFAULT nextval('shared_seq'), parent int REFERENCES t1(id) DEFERRABLE INITIALLY DEFERRED);
CREATE TABLE t2 (id int PRIMARY KEY DEFAULT nextval('shared_seq'));
CREATE TABLE ev (id int, at date NOT NULL, PRIMARY KEY (id, at)) PARTITION BY RANGE (at);
CREATE TABLE ev_2024 PARTITION OF ev FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
CREATE TABLE plain (id bigint PRIMARY KEY, label varchar(20) NOT NULL);
CREATE VIEW v_plus AS SELECT plus_one(id::int) AS y FROM plain;
CREATE MATERIALIZED VIEW mv AS SELECT owner, sum(bal) AS s FROM acct GROUP BY owner;
CREATE INDEX mv_owner ON mv (owner);
CREATE MATERIALIZED VIEW mv_u AS SELECT id FROM plain WITH NO DATA;
CREATE UNIQUE INDEX mv_u_id ON mv_u (id)";

const MYSQL: &str = "CREATE TABLE a (id bigint unsigned NOT NULL AUTO_INCREMENT PRIMARY KEY, n int)  AUTO_INCREMENT=5000;
CREATE TABLE b (id int PRIMARY KEY, a_id bigint unsigned, name varchar(20) COLLATE latin1_bin, note text, up timestamp NOT NULL DEFAULT current_timestamp ON UPDATE current_timestamp, twice int AS (id * 2) STORED, big decimal(30,2) DEFAULT 12345678901234567890.12, FOREIGN KEY (a_id) REFERENCES a(id)) DEFAULT CHARSET=latin1;
CREATE TABLE f (id int PRIMARY KEY, body text, FULLTEXT KEY ft (body));
CREATE TABLE ai (id int AUTO_INCREMENT PRIMARY KEY) AUTO_INCREMENT=700;
CREATE TABLE plain (id bigint PRIMARY KEY, n int NOT NULL);
CREATE FUNCTION plus_one(x int) RETURNS int DETERMINISTIC RETURN x + 1;
CREATE VIEW zz AS SELECT id FROM plain;
CREATE VIEW aa AS SELECT plus_one(id) AS y FROM zz";

const SQLITE: &str = "CREATE TABLE kv (k text PRIMARY KEY, v blob) WITHOUT ROWID;
CREATE TABLE st (id integer PRIMARY KEY, n integer NOT NULL) STRICT;
CREATE TABLE g (id integer PRIMARY KEY, a int, b int GENERATED ALWAYS AS (a * 2) STORED, c int AS (a + 1));
CREATE TABLE d (id integer PRIMARY KEY, parent integer REFERENCES d(id) DEFERRABLE INITIALLY DEFERRED);
CREATE TABLE t (id integer PRIMARY KEY, \"userId\" integer, \"order\" integer);
CREATE UNIQUE INDEX u3 ON t (\"order\")";

/// Catalog facts that a faithful rebuild keeps, one line each, sorted.
fn facts_sql(backend: TestBackend) -> &'static str {
    match backend {
        TestBackend::Postgres => {
            "SELECT 'col ' || c.relname || '.' || a.attname || ' ' || format_type(a.atttypid, a.atttypmod) \
               || ' coll=' || COALESCE(co.collname, '') || ' identity=' || a.attidentity::text \
               || ' default=' || COALESCE(pg_get_expr(d.adbin, d.adrelid), '') \
             FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid \
             LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum \
             LEFT JOIN pg_collation co ON co.oid = a.attcollation AND a.attcollation <> 100 \
             WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind IN ('r', 'p', 'm') \
               AND a.attnum > 0 AND NOT a.attisdropped AND c.relname NOT LIKE 'cutover%' \
             UNION ALL SELECT 'table ' || relname || ' kind=' || relkind::text || ' rls=' || relrowsecurity \
               || ' partition=' || relispartition || ' comment=' || COALESCE(obj_description(oid, 'pg_class'), '') \
             FROM pg_class WHERE relnamespace = current_schema()::regnamespace \
               AND relkind IN ('r', 'p', 'm') AND relname NOT LIKE 'cutover%' \
             UNION ALL SELECT 'index ' || indexdef FROM pg_indexes \
             WHERE schemaname = current_schema() AND tablename NOT LIKE 'cutover%' \
             UNION ALL SELECT 'constraint ' || conname || ' ' || pg_get_constraintdef(oid) FROM pg_constraint \
             WHERE connamespace = current_schema()::regnamespace AND conrelid <> 0 \
               AND conrelid::regclass::text NOT LIKE 'cutover%' \
             UNION ALL SELECT 'policy ' || policyname || ' ' || qual FROM pg_policies WHERE schemaname = current_schema() \
             UNION ALL SELECT 'extension ' || extname FROM pg_extension \
             UNION ALL SELECT 'type ' || typname FROM pg_type WHERE typnamespace = current_schema()::regnamespace AND typtype = 'e' \
             UNION ALL SELECT 'sequence ' || sequencename || ' start=' || start_value || ' by=' || increment_by \
             FROM pg_sequences WHERE schemaname = current_schema() AND sequencename NOT LIKE 'cutover%' \
             UNION ALL SELECT 'view ' || viewname FROM pg_views WHERE schemaname = current_schema()"
        }
        TestBackend::Mysql => {
            "SELECT CONCAT('col ', c.table_name, '.', c.column_name, ' ', c.column_type, ' coll=', \
               COALESCE(c.collation_name, ''), ' extra=', c.extra, ' default=', COALESCE(c.column_default, '')) \
             FROM information_schema.columns c WHERE c.table_schema = DATABASE() AND c.table_name NOT LIKE 'cutover%' \
             UNION ALL SELECT CONCAT('index ', table_name, '.', index_name, ' ', index_type, ' unique=', \
               1 - non_unique, ' ', column_name) FROM information_schema.statistics \
             WHERE table_schema = DATABASE() AND table_name NOT LIKE 'cutover%' \
             UNION ALL SELECT CONCAT('table ', table_name, ' ', COALESCE(table_collation, ''), ' next=', \
               COALESCE(auto_increment, '')) FROM information_schema.tables \
             WHERE table_schema = DATABASE() AND table_type = 'BASE TABLE' AND table_name NOT LIKE 'cutover%' \
             UNION ALL SELECT CONCAT('routine ', routine_name, ' ', routine_type) FROM information_schema.routines \
             WHERE routine_schema = DATABASE() \
             UNION ALL SELECT CONCAT('view ', table_name) FROM information_schema.views WHERE table_schema = DATABASE() \
             UNION ALL SELECT CONCAT('generated ', table_name, '.', column_name, ' ', generation_expression) \
             FROM information_schema.columns WHERE table_schema = DATABASE() AND generation_expression <> ''"
        }
        TestBackend::Sqlite => {
            "SELECT 'table ' || name || ' strict=' || strict || ' without_rowid=' || wr FROM pragma_table_list \
             WHERE schema = 'main' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE 'cutover%' \
             UNION ALL SELECT 'col ' || m.name || '.' || x.name || ' ' || lower(x.type) || ' hidden=' || x.hidden \
             FROM sqlite_schema m, pragma_table_xinfo(m.name) x \
             WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' AND m.name NOT LIKE 'cutover%' \
             UNION ALL SELECT 'index ' || name || ' on ' || tbl_name || ' own_statement=' || (sql IS NOT NULL) \
             FROM sqlite_schema WHERE type = 'index' AND tbl_name NOT LIKE 'cutover%' \
             UNION ALL SELECT 'deferrable ' || name FROM sqlite_schema \
             WHERE type = 'table' AND upper(sql) LIKE '%DEFERRABLE INITIALLY DEFERRED%'"
        }
    }
}

/// What the red team saw lost, as facts the rebuilt catalog must hold.
fn must_hold(backend: TestBackend) -> &'static [&'static str] {
    match backend {
        TestBackend::Postgres => &[
            "table acct kind=r rls=true partition=false comment=accounts",
            "policy own (owner = CURRENT_USER)",
            "table ev kind=p rls=false partition=false comment=",
            "table ev_2024 kind=r rls=false partition=true comment=",
            "table mv kind=m rls=false partition=false comment=",
            "index CREATE UNIQUE INDEX acct_owner_inc ON public.acct USING btree (owner) INCLUDE (bal)",
            "index CREATE UNIQUE INDEX acct_user ON public.acct USING btree (\"userId\")",
            "index CREATE INDEX acct_doc ON public.acct USING gin (doc)",
            "index CREATE INDEX acct_bal_nf ON public.acct USING btree (bal NULLS FIRST)",
            "index CREATE INDEX acct_plus ON public.acct USING btree (plus_one(bal))",
            "index CREATE INDEX mv_owner ON public.mv USING btree (owner)",
            "col acct.id integer coll= identity=a default=",
            "col acct.st status coll= identity= default='new'::status",
            "col acct.big numeric(30,2) coll= identity= default=12345678901234567890.12",
            "col acct.name text coll=C identity= default=",
            "col t1.id integer coll= identity= default=nextval('shared_seq'::regclass)",
            "col t2.id integer coll= identity= default=nextval('shared_seq'::regclass)",
            "sequence shared_seq start=100 by=1",
            "sequence acct_id_seq start=500 by=5",
            "constraint t1_parent_fkey FOREIGN KEY (parent) REFERENCES t1(id) DEFERRABLE INITIALLY DEFERRED",
            "extension citext",
            "type status",
            "view v_plus",
        ],
        TestBackend::Mysql => &[
            "col a.id bigint(20) unsigned coll= extra=auto_increment default=",
            "col b.a_id bigint(20) unsigned coll= extra= default=NULL",
            "col b.name varchar(20) coll=latin1_bin extra= default=NULL",
            "col b.note text coll=latin1_swedish_ci extra= default=NULL",
            "col b.up timestamp coll= extra=on update current_timestamp() default=current_timestamp()",
            "col b.twice int(11) coll= extra=STORED GENERATED default=NULL",
            "generated b.twice `id` * 2",
            "col b.big decimal(30,2) coll= extra= default=12345678901234567890.12",
            "index f.ft FULLTEXT unique=0 body",
            "table a utf8mb4_general_ci next=5000",
            "table ai utf8mb4_general_ci next=700",
            "routine plus_one FUNCTION",
            "view aa",
            "view zz",
        ],
        TestBackend::Sqlite => &[
            "table kv strict=0 without_rowid=1",
            "table st strict=1 without_rowid=0",
            "col g.b int hidden=3",
            "col g.c int hidden=2",
            "deferrable d",
            "index u3 on t own_statement=1",
        ],
    }
}

fn fixture(backend: TestBackend) -> &'static str {
    match backend {
        TestBackend::Postgres => POSTGRES,
        TestBackend::Mysql => MYSQL,
        TestBackend::Sqlite => SQLITE,
    }
}

async fn run_sql(url: &str, script: &str) {
    let mut b = connect(url).await.expect("connect");
    for stmt in script.split(";\n").map(str::trim).filter(|s| !s.is_empty()) {
        b.execute(stmt)
            .await
            .unwrap_or_else(|e| panic!("{stmt}: {e}"));
    }
    b.close().await.expect("close");
}

async fn facts(url: &str, backend: TestBackend) -> Vec<String> {
    let mut b = connect(url).await.expect("connect");
    let mut rows = b
        .query(facts_sql(backend))
        .await
        .expect("facts")
        .into_first_column();
    b.close().await.expect("close");
    rows.sort();
    rows
}

#[tokio::test]
async fn a_rebuilt_database_has_every_catalog_fact_of_its_source() {
    for_each_backend(|db| async move {
        let backend = db.backend();
        let tag = backend.name();
        run_sql(db.url(), fixture(backend)).await;
        let dir = PlanDir::new();
        let init = run(dir.path(), &["init", "--from-database", db.url()]);
        assert!(init.status.success(), "[{tag}] {}", text(&init));
        let config = std::fs::read_to_string(dir.path().join("cutover.toml")).expect("config");
        assert!(
            config.contains(&format!("dialects = [\"{tag}\"]")),
            "[{tag}] {config}"
        );
        let toml = std::fs::read_to_string(dir.path().join("migrations/0001_baseline.toml"))
            .expect("baseline");
        let drift = run(dir.path(), &["drift", "--database", db.url()]);
        assert_eq!(drift.status.code(), Some(0), "[{tag}] {}", text(&drift));

        let fresh = TestDb::create(backend).await;
        let up = run(dir.path(), &["up", "--database", fresh.url()]);
        let rebuilt = if up.status.success() {
            Some(facts(fresh.url(), backend).await)
        } else {
            None
        };
        let fresh_url = fresh.url().to_string();
        fresh.drop_db().await;
        let rebuilt =
            rebuilt.unwrap_or_else(|| panic!("[{tag}] up on {fresh_url}: {}\n{toml}", text(&up)));
        let source = facts(db.url(), backend).await;
        for fact in must_hold(backend) {
            assert!(
                source.iter().any(|f| f == fact),
                "[{tag}] the source lacks {fact}: {source:#?}"
            );
        }
        assert_eq!(rebuilt, source, "[{tag}]\n{toml}");
    })
    .await;
}

#[tokio::test]
async fn what_cannot_be_baselined_is_refused_before_anything_is_written() {
    for_each_backend(|db| async move {
        let backend = db.backend();
        let tag = backend.name();
        // A name the plan format refuses (it would end the quoted identifier).
        let mut script = "CREATE TABLE q (id integer PRIMARY KEY, \"a\"\"b\" integer)".to_string();
        if backend == TestBackend::Postgres {
            // A foreign key into another schema: the baseline of one schema cannot create it.
            let schema = format!("{}_auth", db.name());
            script = format!(
                "CREATE SCHEMA {schema};\nCREATE TABLE {schema}.users (id int PRIMARY KEY);\n\
                 CREATE TABLE posts (id int PRIMARY KEY, author int REFERENCES {schema}.users(id))"
            );
        }
        if backend == TestBackend::Mysql {
            script = "CREATE TABLE q (id int PRIMARY KEY, `a\"b` int)".into();
        }
        run_sql(db.url(), &script).await;
        let dir = PlanDir::new();
        let init = run(dir.path(), &["init", "--from-database", db.url()]);
        let stderr = String::from_utf8_lossy(&init.stderr).to_string();
        if backend == TestBackend::Postgres {
            assert!(
                stderr.contains("posts_author_fkey") && stderr.contains("another schema"),
                "[{tag}] {}",
                text(&init)
            );
        } else {
            assert!(stderr.contains("a\"b"), "[{tag}] {}", text(&init));
        }
        assert_eq!(init.status.code(), Some(1), "[{tag}] {}", text(&init));
        assert!(stderr.contains("nothing was written"), "[{tag}] {stderr}");
        assert!(!dir.path().join("cutover.toml").exists(), "[{tag}]");
        assert!(!dir.path().join("migrations").exists(), "[{tag}]");
    })
    .await;
}
