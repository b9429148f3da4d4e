//! What adoption (`init --from-database`) used to lose silently on PostgreSQL (red team,
//! fixV): a view's options and check option (H7: without `security_invoker` the view runs
//! with its owner's rights and bypasses row level security), table inheritance (H6), a
//! sequence's own name and a serial column's nullability (H2: the typed grant named a
//! sequence `up` never created), and an extension's schema (M1). Each source is rebuilt with
//! `cutover up` on an empty database and both catalogs are compared fact by fact. A child
//! of a table in another schema is refused (its parent would not exist).

mod baseline_support;
mod common;

use baseline_support::{exec, round_trip};
use common::{run, text};
use cutover_tests::plans::PlanDir;
use cutover_tests::{Backend as Kind, TestDb, backends};

#[tokio::test]
async fn view_options_and_check_option_come_back() {
    if !backends().contains(&Kind::Postgres) {
        return;
    }
    let fixture = "CREATE TABLE acct (id int PRIMARY KEY, owner text);
CREATE VIEW v_acct WITH (security_barrier = true, security_invoker = true) AS
  SELECT id, owner FROM acct WHERE owner = current_user WITH LOCAL CHECK OPTION;
CREATE VIEW v_all AS SELECT id FROM acct WITH CASCADED CHECK OPTION;
CREATE VIEW v_plain AS SELECT owner FROM acct";
    let views = "SELECT relname || ' ' || COALESCE(array_to_string(reloptions, ','), '-') \
        FROM pg_class WHERE relnamespace = current_schema()::regnamespace AND relkind = 'v'";
    // The baseline declares each view's options: drift sees security_invoker taken away.
    let (source, rebuilt, toml) = round_trip(
        &[],
        fixture,
        views,
        Some((
            "ALTER VIEW v_acct RESET (security_invoker)",
            "v_acct: view options (check_option=local, security_barrier=true, security_invoker=true) expected, (check_option=local, security_barrier=true) found",
        )),
    )
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    assert!(
        toml.contains(
            "creates = [\"view v_acct (check_option=local, security_barrier=true, security_invoker=true)\"]"
        ) && toml.contains("creates = [\"view v_plain ()\"]"),
        "{toml}"
    );
    assert_eq!(
        source,
        [
            "v_acct security_barrier=true,security_invoker=true,check_option=local",
            "v_all check_option=cascaded",
            "v_plain -",
        ],
        "{toml}"
    );
    assert_eq!(source, rebuilt, "{toml}");
}

#[tokio::test]
async fn inheritance_comes_back_with_its_defaults_not_null_and_checks() {
    if !backends().contains(&Kind::Postgres) {
        return;
    }
    // child_log inherits everything but `extra`; its own default for msg and NOT NULL on
    // an inherited column came later. child2 has two parents and merges `id` with a default
    // of its own; a partitioned table stays as it was.
    let fixture = "CREATE TABLE base_log (id int NOT NULL DEFAULT 0, msg text DEFAULT 'x' CHECK (length(msg) < 100), at timestamptz NOT NULL DEFAULT now());
CREATE TABLE base2 (tag text NOT NULL DEFAULT 'b', id int DEFAULT 7);
CREATE TABLE child_log (extra int) INHERITS (base_log);
ALTER TABLE child_log ALTER COLUMN msg SET DEFAULT 'y';
ALTER TABLE child_log ALTER COLUMN extra SET NOT NULL;
CREATE TABLE child_opt () INHERITS (base2);
ALTER TABLE child_opt ALTER COLUMN tag DROP NOT NULL;
ALTER TABLE child_opt ALTER COLUMN id DROP DEFAULT;
CREATE TABLE child2 (id int DEFAULT 9, note text) INHERITS (base_log, base2);
CREATE TABLE ev (id int, at date NOT NULL DEFAULT '2024-06-01') PARTITION BY RANGE (at);
CREATE TABLE ev_2024 PARTITION OF ev FOR VALUES FROM ('2024-01-01') TO ('2025-01-01')";
    let facts = "SELECT 'inherits ' || h.inhrelid::regclass::text || ' ' || h.inhparent::regclass::text \
          || ' ' || h.inhseqno FROM pg_inherits h \
        UNION ALL SELECT 'col ' || c.relname || '.' || a.attname || ' #' || a.attnum \
          || ' not_null=' || a.attnotnull || ' local=' || a.attislocal || ' inherited=' || a.attinhcount \
          || ' default=' || COALESCE(pg_get_expr(d.adbin, d.adrelid), '') \
        FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid \
        LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum \
        WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind IN ('r', 'p') \
          AND a.attnum > 0 AND NOT a.attisdropped AND c.relname NOT LIKE 'cutover%' \
        UNION ALL SELECT 'check ' || conrelid::regclass::text || '.' || conname || ' local=' \
          || conislocal || ' inherited=' || coninhcount FROM pg_constraint \
        WHERE connamespace = current_schema()::regnamespace AND contype = 'c'";
    let (source, rebuilt, toml) = round_trip(&[], fixture, facts, None)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    for fact in [
        "inherits child_log base_log 1",
        "inherits child2 base_log 1",
        "inherits child2 base2 2",
        "inherits ev_2024 ev 1",
        "col child_log.msg #2 not_null=false local=false inherited=1 default='y'::text",
        "col child_log.extra #4 not_null=true local=true inherited=0 default=",
        "col child_opt.tag #1 not_null=false local=false inherited=1 default='b'::text",
        "col child_opt.id #2 not_null=false local=false inherited=1 default=",
        "col child2.id #1 not_null=true local=true inherited=2 default=9",
        "check child_log.base_log_msg_check local=false inherited=1",
    ] {
        assert!(source.iter().any(|f| f == fact), "{fact}: {source:#?}");
    }
    assert_eq!(source, rebuilt, "{toml}");
    assert!(toml.contains(") INHERITS (base_log, base2)"), "{toml}");
}

#[tokio::test]
async fn a_parent_in_another_schema_is_refused() {
    if !backends().contains(&Kind::Postgres) {
        return;
    }
    let db = TestDb::create(Kind::Postgres).await;
    let fixture = "CREATE SCHEMA logs;
CREATE TABLE logs.base_log (id int, msg text);
CREATE TABLE child_log (extra int) INHERITS (logs.base_log)";
    exec(db.url(), fixture)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let dir = PlanDir::new();
    let init = run(dir.path(), &["init", "--from-database", db.url()]);
    let out = text(&init);
    db.drop_db().await;
    assert_eq!(init.status.code(), Some(1), "{out}");
    assert!(
        out.contains(
            "table child_log inherits from logs.base_log, a table in another schema (the baseline builds one schema)"
        ),
        "{out}"
    );
    assert!(!dir.path().join("migrations").exists(), "{out}");
}

#[tokio::test]
async fn sequence_names_nullability_and_grants_come_back() {
    if !backends().contains(&Kind::Postgres) {
        return;
    }
    // a: a nullable column fed by a sequence it owns, under its own name; b: an identity
    // with a sequence name; c: a serial key (typed as an identity, same sequence name).
    let fixture = "CREATE SEQUENCE invoice_no_seq START WITH 1000;
CREATE TABLE orders (id int PRIMARY KEY, invoice_no bigint DEFAULT nextval('invoice_no_seq'));
ALTER SEQUENCE invoice_no_seq OWNED BY orders.invoice_no;
GRANT USAGE ON SEQUENCE invoice_no_seq TO \"{0}\";
CREATE TABLE acct (id bigint GENERATED BY DEFAULT AS IDENTITY (SEQUENCE NAME acct_ids) PRIMARY KEY, owner text);
GRANT USAGE, SELECT ON SEQUENCE acct_ids TO \"{0}\";
CREATE TABLE notes (id serial PRIMARY KEY, body text);
GRANT USAGE ON SEQUENCE notes_id_seq TO \"{0}\"";
    let facts = "SELECT 'sequence ' || c.relname || ' start=' || s.seqstart || ' owned_by=' \
          || COALESCE((SELECT d.refobjid::regclass::text || '.' || a.attname || ' ' || d.deptype::text \
            FROM pg_depend d JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid \
            WHERE d.objid = c.oid AND d.deptype IN ('a', 'i')), '-') \
          || ' acl=' || regexp_replace(c.relacl::text, '[a-z0-9_]+_r=', 'r=', 'g') \
        FROM pg_sequence s JOIN pg_class c ON c.oid = s.seqrelid \
        WHERE c.relnamespace = current_schema()::regnamespace AND c.relname NOT LIKE 'cutover%' \
        UNION ALL SELECT 'col ' || c.relname || '.' || a.attname || ' not_null=' || a.attnotnull \
          || ' identity=' || a.attidentity::text || ' default=' || COALESCE(pg_get_expr(d.adbin, d.adrelid), '') \
        FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid \
        LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum \
        WHERE c.relname IN ('orders', 'acct') AND c.relnamespace = current_schema()::regnamespace \
          AND a.attnum > 0";
    let (source, rebuilt, toml) = round_trip(&["r"], fixture, facts, None)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    for fact in [
        "col orders.invoice_no not_null=false identity= default=nextval('invoice_no_seq'::regclass)",
        "col acct.id not_null=true identity=d default=",
        "sequence invoice_no_seq start=1000 owned_by=orders.invoice_no a acl={postgres=rwU/postgres,r=U/postgres}",
        "sequence acct_ids start=1 owned_by=acct.id i acl={postgres=rwU/postgres,r=rU/postgres}",
    ] {
        assert!(source.iter().any(|f| f == fact), "{fact}: {source:#?}");
    }
    // notes' serial key is a typed identity: same sequence name, now an identity's.
    let (notes_src, notes_new): (Vec<_>, Vec<_>) = (
        source.iter().filter(|f| !f.contains("notes")).collect(),
        rebuilt.iter().filter(|f| !f.contains("notes")).collect(),
    );
    assert_eq!(notes_src, notes_new, "{toml}");
    assert!(
        rebuilt.iter().any(|f| f
            .starts_with("sequence notes_id_seq start=1 owned_by=notes.id i acl=")
            && f.contains("r=U/postgres")),
        "{rebuilt:#?}"
    );
}

#[tokio::test]
async fn extensions_stay_in_their_schema() {
    if !backends().contains(&Kind::Postgres) {
        return;
    }
    let fixture = "CREATE SCHEMA ext;
CREATE EXTENSION pgcrypto SCHEMA ext;
CREATE EXTENSION citext;
CREATE TABLE t (id int PRIMARY KEY, nick citext)";
    let facts = "SELECT e.extname || ' ' || n.nspname FROM pg_extension e \
        JOIN pg_namespace n ON n.oid = e.extnamespace";
    let (source, rebuilt, toml) = round_trip(&[], fixture, facts, None)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(source.contains(&"pgcrypto ext".to_string()), "{source:#?}");
    assert!(source.contains(&"citext public".to_string()), "{source:#?}");
    assert_eq!(source, rebuilt, "{toml}");
}

#[tokio::test]
async fn identity_sequence_options_come_back() {
    if !backends().contains(&Kind::Postgres) {
        return;
    }
    // rtE M2: MINVALUE, MAXVALUE, CACHE and CYCLE were dropped; `START 0 MINVALUE 0` then
    // failed `up` (START below the default MINVALUE 1).
    let fixture = "CREATE TABLE i0 (id int GENERATED ALWAYS AS IDENTITY (START 0 MINVALUE 0) PRIMARY KEY, v text);
CREATE TABLE idt (id int GENERATED BY DEFAULT AS IDENTITY (SEQUENCE NAME idt_s CACHE 3 CYCLE MINVALUE -10 MAXVALUE 100 START -5 INCREMENT -1), v text);
CREATE TABLE down_from (id bigint GENERATED BY DEFAULT AS IDENTITY (START 50 INCREMENT -1 MAXVALUE 100), v text)";
    let facts = "SELECT c.relname || ' start=' || s.seqstart || ' inc=' || s.seqincrement \
          || ' min=' || s.seqmin || ' max=' || s.seqmax || ' cache=' || s.seqcache || ' cycle=' || s.seqcycle \
        FROM pg_sequence s JOIN pg_class c ON c.oid = s.seqrelid \
        WHERE c.relnamespace = current_schema()::regnamespace AND c.relname NOT LIKE 'cutover%'";
    let (source, rebuilt, toml) = round_trip(&[], fixture, facts, None)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(
        source
            .iter()
            .any(|f| f == "idt_s start=-5 inc=-1 min=-10 max=100 cache=3 cycle=true"),
        "{source:#?}"
    );
    let (mut a, mut b) = (source.clone(), rebuilt.clone());
    a.sort();
    b.sort();
    assert_eq!(a, b, "{toml}");
}

#[tokio::test]
async fn a_column_of_another_tables_row_type_comes_after_that_table() {
    if !backends().contains(&Kind::Postgres) {
        return;
    }
    // rtE H1: tables came out by name, `aa` (a column of type `zz`) before `zz`: up failed.
    let fixture = "CREATE TABLE zz (id int PRIMARY KEY, v text);
CREATE TABLE aa (id int PRIMARY KEY, r zz, rs zz[])";
    let facts = "SELECT c.relname || '.' || a.attname || ' ' || format_type(a.atttypid, a.atttypmod) \
        FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid \
        WHERE c.relname IN ('aa', 'zz') AND c.relnamespace = current_schema()::regnamespace \
          AND a.attnum > 0";
    let (source, rebuilt, toml) = round_trip(&[], fixture, facts, None)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(source.iter().any(|f| f == "aa.r zz"), "{source:#?}");
    let (mut a, mut b) = (source.clone(), rebuilt.clone());
    a.sort();
    b.sort();
    assert_eq!(a, b, "{toml}");
}

#[tokio::test]
async fn a_column_of_a_views_row_type_is_refused() {
    if !backends().contains(&Kind::Postgres) {
        return;
    }
    let db = TestDb::create(Kind::Postgres).await;
    let fixture = "CREATE TABLE base (id int PRIMARY KEY);
CREATE VIEW bv AS SELECT id FROM base;
CREATE TABLE holder (id int PRIMARY KEY, r bv)";
    exec(db.url(), fixture)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let dir = PlanDir::new();
    let init = run(dir.path(), &["init", "--from-database", db.url()]);
    let out = text(&init);
    db.drop_db().await;
    assert_eq!(init.status.code(), Some(1), "{out}");
    assert!(
        out.contains("column r of table holder has the row type of view bv"),
        "{out}"
    );
}
