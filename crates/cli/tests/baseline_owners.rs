//! Adoption reproduces owners (red team rtB, HIGH 4): before, everything the baseline
//! rebuilt was owned by the role that ran `up`, so a SECURITY DEFINER function ran as the
//! superuser, and `drift` was clean; setting the owner back by hand made drift complain.
//! Now tables, views, sequences and raw functions get `ALTER .. OWNER TO`, and a typed
//! `create_function` carries `owner`, which drift compares.

mod baseline_support;
mod common;

use baseline_support::round_trip;
use cutover_tests::{Backend as Kind, backends};

/// Owners of the schema's tables, views, sequences and functions.
const OWNERS: &str = "SELECT c.relkind::text || ' ' || c.relname || ' ' || pg_get_userbyid(c.relowner) \
    FROM pg_class c WHERE c.relnamespace = current_schema()::regnamespace \
      AND c.relkind IN ('r', 'v', 'm', 'S') AND c.relname NOT LIKE 'cutover%' \
    UNION ALL SELECT 'f ' || p.oid::regprocedure::text || ' ' || pg_get_userbyid(p.proowner) \
      || ' ' || p.prosecdef::text FROM pg_proc p WHERE p.pronamespace = current_schema()::regnamespace";

#[tokio::test]
async fn owners_come_back_including_security_definer_functions() {
    if !backends().contains(&Kind::Postgres) {
        return;
    }
    // sd_fn is typed (plpgsql), raw_fn raw (STRICT); ids' sequence follows its table.
    let fixture = "CREATE TABLE accounts (id serial PRIMARY KEY, name text);
CREATE TABLE notes (id int PRIMARY KEY);
CREATE SEQUENCE tickets;
CREATE VIEW account_names AS SELECT name FROM accounts;
CREATE FUNCTION sd_fn() RETURNS bigint LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$ BEGIN RETURN 1; END $$;
CREATE FUNCTION raw_fn(v int) RETURNS int LANGUAGE sql STRICT AS $$ SELECT v $$;
GRANT SELECT ON accounts TO \"{1}\";
ALTER TABLE accounts OWNER TO \"{0}\";
ALTER TABLE notes OWNER TO \"{0}\";
ALTER SEQUENCE tickets OWNER TO \"{0}\";
ALTER VIEW account_names OWNER TO \"{0}\";
ALTER FUNCTION sd_fn() OWNER TO \"{0}\";
ALTER FUNCTION raw_fn(int) OWNER TO \"{0}\"";
    let (source, rebuilt, toml) = round_trip(
        &["r", "reader"],
        fixture,
        OWNERS,
        // The typed step says who owns sd_fn: drift sees it given back to the superuser.
        Some(("ALTER FUNCTION sd_fn() OWNER TO postgres", "sd_fn")),
    )
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        source.iter().filter(|o| o.contains("_r")).count(),
        7,
        "{source:#?}"
    );
    assert_eq!(source, rebuilt, "{toml}");
    // sd_fn is a typed step that carries its owner; the others are ALTER .. OWNER TO steps.
    assert!(
        toml.contains("op = \"create_function\"") && toml.contains("\nowner = \""),
        "{toml}"
    );
    assert!(
        toml.contains("ALTER FUNCTION raw_fn(integer) OWNER TO"),
        "{toml}"
    );
}
