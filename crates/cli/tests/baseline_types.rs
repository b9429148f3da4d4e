//! Adoption writes every user type and orders functions and views by what they depend on
//! (red team, H4 and H5). Each scenario builds a source database, generates its baseline,
//! applies it to a fresh database and compares the two by catalog query.
//!
//! - Types: an enum used only through a domain, and composite types, were never written;
//!   `up` failed with `type "prio" does not exist`. A function that a domain's check calls
//!   must come before that domain (and after the enum it takes).
//! - Functions and views: all functions were written before all views (and materialized
//!   views before both), so a function returning a view's row type, and a view calling
//!   it, could not be created: `type "v_admins" does not exist`.

mod baseline_support;
mod common;

use baseline_support::round_trip;
use cutover_tests::{Backend as Kind, backends};

/// The schema's enums, composite types and domains with their definitions, and the
/// columns of its tables with their types.
const TYPES: &str = "SELECT t.typname || ' ' || t.typtype::text || ' base=' || format_type(t.typbasetype, t.typtypmod) \
      || ' notnull=' || t.typnotnull::text || ' default=' || coalesce(t.typdefault, '') \
      || ' labels=' || coalesce((SELECT string_agg(e.enumlabel, ',' ORDER BY e.enumsortorder) \
        FROM pg_enum e WHERE e.enumtypid = t.oid), '') \
      || ' attrs=' || coalesce((SELECT string_agg(a.attname || ':' || format_type(a.atttypid, a.atttypmod), ',' \
        ORDER BY a.attnum) FROM pg_attribute a WHERE a.attrelid = t.typrelid AND a.attnum > 0 \
        AND NOT a.attisdropped), '') \
      || ' checks=' || coalesce((SELECT string_agg(pg_get_constraintdef(c.oid), ',') \
        FROM pg_constraint c WHERE c.contypid = t.oid), '') \
    FROM pg_type t WHERE t.typnamespace = current_schema()::regnamespace \
      AND (t.typtype IN ('e', 'd') OR (t.typtype = 'c' \
        AND (SELECT relkind FROM pg_class WHERE oid = t.typrelid) = 'c')) \
    UNION ALL SELECT 'column ' || c.relname || '.' || a.attname || ' ' || format_type(a.atttypid, a.atttypmod) \
    FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid \
    WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind = 'r' AND a.attnum > 0 \
      AND NOT a.attisdropped AND c.relname NOT LIKE 'cutover%'";

/// Functions with their result, views and materialized views with their definitions.
const ROUTINES: &str = "SELECT 'function ' || p.oid::regprocedure::text || ' -> ' || pg_get_function_result(p.oid) \
    FROM pg_proc p WHERE p.pronamespace = current_schema()::regnamespace \
    UNION ALL SELECT c.relkind::text || ' ' || c.relname || ': ' || pg_get_viewdef(c.oid, true) FROM pg_class c \
    WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind IN ('v', 'm')";

#[tokio::test]
async fn enums_behind_domains_and_composite_types_are_written_in_dependency_order() {
    if !backends().contains(&Kind::Postgres) {
        return;
    }
    // prio is used only through prio_d; addr is a composite; zip_d is created after addr and
    // then added to it, so oid order is not an order they can be created in; unused_c uses
    // both an enum and an array of a composite, and no table uses it.
    let fixture = "CREATE TYPE prio AS ENUM ('low', 'high');
CREATE DOMAIN prio_d AS prio NOT NULL DEFAULT 'low';
CREATE TYPE addr AS (street text, zip text);
CREATE DOMAIN zip_d AS text CHECK (VALUE ~ '^[0-9]+$');
ALTER TYPE addr ADD ATTRIBUTE zip5 zip_d;
CREATE TYPE unused_c AS (p prio, homes addr[]);
CREATE TABLE a (id int PRIMARY KEY, p prio_d, home addr)";
    let (source, rebuilt, toml) = round_trip(&[], fixture, TYPES, None)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(source.len(), 8, "{source:#?}");
    assert!(
        source
            .iter()
            .any(|f| f == "addr c base=- notnull=false default= labels= attrs=street:text,zip:text,zip5:zip_d checks="),
        "{source:#?}"
    );
    assert_eq!(source, rebuilt, "{toml}");
}

#[tokio::test]
async fn a_function_returning_a_view_row_type_comes_after_the_view_and_before_its_callers() {
    if !backends().contains(&Kind::Postgres) {
        return;
    }
    // admin_list: raw SQL (an SQL body); admin_rows: a typed PL/pgSQL step; the
    // materialized view was written before every view and function.
    let fixture = "CREATE TABLE accounts (id int PRIMARY KEY, email text, admin boolean);
CREATE VIEW v_admins AS SELECT id, email FROM accounts WHERE admin;
CREATE FUNCTION admin_list() RETURNS SETOF v_admins LANGUAGE sql AS 'SELECT * FROM v_admins';
CREATE VIEW v_admin_report AS SELECT * FROM admin_list();
CREATE FUNCTION admin_rows() RETURNS SETOF v_admins LANGUAGE plpgsql AS $$ BEGIN RETURN QUERY SELECT * FROM v_admins; END $$;
CREATE VIEW v_admin_count AS SELECT count(*) AS n FROM admin_rows();
CREATE MATERIALIZED VIEW mv_report AS SELECT * FROM v_admin_report";
    let (source, rebuilt, toml) = round_trip(&[], fixture, ROUTINES, None)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(source.len(), 6, "{source:#?}");
    assert!(
        toml.contains("op = \"create_function\"") && toml.contains("name = \"admin_rows\""),
        "admin_rows should stay a typed step:\n{toml}"
    );
    assert_eq!(source, rebuilt, "{toml}");
}

#[tokio::test]
async fn a_function_a_domain_check_calls_comes_before_the_domain() {
    if !backends().contains(&Kind::Postgres) {
        return;
    }
    // is_pos: raw SQL; not_low: PL/pgSQL taking the enum, which a typed step would have
    // written after every type; pair: a composite of both domains.
    let fixture = "CREATE TYPE prio AS ENUM ('low', 'high');
CREATE FUNCTION is_pos(v int) RETURNS boolean LANGUAGE sql IMMUTABLE AS 'SELECT v > 0';
CREATE FUNCTION not_low(p prio) RETURNS boolean LANGUAGE plpgsql IMMUTABLE AS $$ BEGIN RETURN p <> 'low'; END $$;
CREATE DOMAIN pos AS int CHECK (is_pos(VALUE));
CREATE DOMAIN hi AS prio CHECK (not_low(VALUE));
CREATE TYPE pair AS (a pos, b hi);
CREATE TABLE t (id int PRIMARY KEY, n pos, p pair)";
    let query = format!("{TYPES} UNION ALL {ROUTINES}");
    let (source, rebuilt, toml) = round_trip(&[], fixture, &query, None)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(source.len(), 9, "{source:#?}");
    assert!(
        source.iter().any(
            |f| f.starts_with("hi d base=prio") && f.ends_with("checks=CHECK (not_low(VALUE))")
        ),
        "{source:#?}"
    );
    assert_eq!(source, rebuilt, "{toml}");
}
