//! Adoption orders what depends on what (red team rtB, HIGH 3 and 5). Each scenario builds a
//! source database, generates its baseline, applies it to a fresh database and compares
//! the two by catalog query.
//!
//! - Grants: a grantee that grants back to the role that gave it the option (b -> c, then
//!   c -> b) came before the grant it needs; `up` failed with `permission denied`, or, when
//!   c also held another right, PostgreSQL only warned and the entry `b=r/c` was lost.
//! - Functions: all were created before the tables, so one whose result or argument is a
//!   table's row type, or a SQL body reading a table, could not be created; those a
//!   default, check or index calls must still come before their tables.
//! - A function using a type of a schema the baseline leaves out only warned, then failed
//!   at `up`: generating is refused, naming both.

mod baseline_support;
mod common;

use baseline_support::round_trip;
use common::{run, text};
use cutover_cli::connect::connect;
use cutover_tests::plans::PlanDir;
use cutover_tests::{Backend as Kind, TestDb, backends};

/// Table ACLs with their grantors, one item a line, sorted.
const ACLS: &str = "SELECT 'table ' || c.relname || ' ' || i::text \
    FROM pg_class c CROSS JOIN LATERAL unnest(c.relacl) i \
    WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind = 'r' AND c.relname NOT LIKE 'cutover%'";

/// Functions with their signature, result and language; tables with their columns' defaults.
const FUNCTIONS: &str = "SELECT p.oid::regprocedure::text || ' -> ' || pg_get_function_result(p.oid) \
      || ' ' || l.lanname FROM pg_proc p JOIN pg_language l ON l.oid = p.prolang \
    WHERE p.pronamespace = current_schema()::regnamespace \
    UNION ALL SELECT 'default ' || c.relname || '.' || a.attname || ' ' || pg_get_expr(d.adbin, d.adrelid) \
    FROM pg_attrdef d JOIN pg_class c ON c.oid = d.adrelid \
    JOIN pg_attribute a ON a.attrelid = d.adrelid AND a.attnum = d.adnum \
    WHERE c.relnamespace = current_schema()::regnamespace AND c.relname NOT LIKE 'cutover%' \
    UNION ALL SELECT 'check ' || pg_get_constraintdef(oid) FROM pg_constraint \
    WHERE contype = 'c' AND connamespace = current_schema()::regnamespace \
    UNION ALL SELECT 'index ' || indexdef FROM pg_indexes WHERE schemaname = current_schema() \
      AND tablename NOT LIKE 'cutover%'";

#[tokio::test]
async fn a_grant_back_to_the_giver_is_ordered_after_the_grant_it_needs() {
    if !backends().contains(&Kind::Postgres) {
        return;
    }
    // t: the finding as reported; u: c also holds INSERT from the owner, so a misordered
    // grant only warned and was lost.
    let fixture = "CREATE TABLE t (id int PRIMARY KEY);
CREATE TABLE u (id int PRIMARY KEY);
GRANT SELECT ON t, u TO \"{0}\" WITH GRANT OPTION;
GRANT INSERT ON u TO \"{1}\";
SET ROLE \"{0}\";
GRANT SELECT ON t, u TO \"{1}\" WITH GRANT OPTION;
RESET ROLE;
SET ROLE \"{1}\";
GRANT SELECT ON t, u TO \"{0}\";
RESET ROLE";
    let (source, rebuilt, toml) = round_trip(&["b", "c"], fixture, ACLS, None)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(source.len(), 9, "{source:#?}");
    assert_eq!(source, rebuilt, "{toml}");
}

#[tokio::test]
async fn functions_come_after_the_tables_they_use_and_before_those_that_call_them() {
    if !backends().contains(&Kind::Postgres) {
        return;
    }
    let fixture = "CREATE FUNCTION next_code() RETURNS text LANGUAGE plpgsql AS $$ BEGIN RETURN 'c' || floor(random() * 1000)::text; END $$;
CREATE FUNCTION positive(v int) RETURNS boolean LANGUAGE plpgsql IMMUTABLE AS $$ BEGIN RETURN v > 0; END $$;
CREATE FUNCTION norm(v text) RETURNS text LANGUAGE sql IMMUTABLE AS $$ SELECT lower(v) $$;
CREATE TABLE orders (id int PRIMARY KEY, amt int CHECK (positive(amt)), code text DEFAULT next_code(), note text);
CREATE INDEX orders_note ON orders (norm(note));
CREATE FUNCTION big_orders(min_amt int) RETURNS SETOF orders LANGUAGE plpgsql AS $$ BEGIN RETURN QUERY SELECT * FROM orders WHERE amt >= min_amt; END $$;
CREATE FUNCTION order_amt(o orders) RETURNS int LANGUAGE plpgsql AS $$ BEGIN RETURN o.amt; END $$;
CREATE FUNCTION order_count() RETURNS bigint LANGUAGE sql AS $$ SELECT count(*) FROM orders $$;
CREATE FUNCTION first_order() RETURNS orders LANGUAGE sql BEGIN ATOMIC SELECT * FROM orders ORDER BY id LIMIT 1; END";
    let (source, rebuilt, toml) = round_trip(&[], fixture, FUNCTIONS, None)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(source.len(), 11, "{source:#?}");
    assert_eq!(source, rebuilt, "{toml}");
}

#[tokio::test]
async fn a_function_using_a_type_of_a_left_out_schema_is_refused_at_generate() {
    if !backends().contains(&Kind::Postgres) {
        return;
    }
    let db = TestDb::create(Kind::Postgres).await;
    let outcome = async {
        let mut b = connect(db.url()).await.map_err(|e| e.to_string())?;
        for stmt in [
            "CREATE SCHEMA \"App\"",
            "CREATE TYPE \"App\".mood AS ENUM ('ok', 'sad')",
            "CREATE TABLE notes (id int PRIMARY KEY)",
            "CREATE FUNCTION cheer(m \"App\".mood) RETURNS text LANGUAGE plpgsql AS $$ BEGIN RETURN m::text; END $$",
        ] {
            b.execute(stmt).await.map_err(|e| format!("{stmt}: {e}"))?;
        }
        let _ = b.close().await;
        let dir = PlanDir::new();
        let init = run(dir.path(), &["init", "--from-database", db.url()]);
        let out = text(&init);
        if init.status.success() || !out.contains("cheer(\"App\".mood)") || !out.contains("schema App") {
            return Err(format!("init should refuse, naming the function and the schema: {out}"));
        }
        Ok(())
    }
    .await;
    db.drop_db().await;
    if let Err(e) = outcome {
        panic!("{e}");
    }
}
