//! PostgreSQL: the catalog queries that read an object's recreate-SQL before a step replaces
//! or drops it (see [`ObjectRef`]). Each returns the statements in order, one per row, in its
//! first column; no row when the object does not exist. Expressions come from
//! `pg_get_expr`, functions from `pg_get_functiondef`, triggers from `pg_get_triggerdef`.

use super::postgres_capture_acl as acl;
use super::postgres_capture_fn::{function_sql, trigger_state_sql};
use super::{Dialect, quote_literal};
use crate::plan::ObjectRef;

/// Tables with row-level security on or forced, in every schema (schema-qualified outside the
/// current schema).
pub(super) const ROW_SECURITY: &str = "SELECT CASE WHEN n.nspname = current_schema() \
     THEN c.relname::text ELSE n.nspname || '.' || c.relname END, c.relrowsecurity::text, \
     c.relforcerowsecurity::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
     WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND c.relkind IN ('r', 'p') \
     AND (c.relrowsecurity OR c.relforcerowsecurity) ORDER BY 1";

/// The policies of every schema's tables (schema-qualified outside the current schema).
pub(super) const POLICIES: &str = "SELECT CASE WHEN schemaname = current_schema() \
     THEN tablename::text ELSE schemaname || '.' || tablename END, policyname::text \
     FROM pg_policies ORDER BY 1, 2";

/// The table lock taken before capturing `object`: the mode its step's statement takes
/// (`DROP POLICY`, `CREATE POLICY`, `ALTER TABLE .. ROW LEVEL SECURITY` and `DROP TRIGGER`:
/// ACCESS EXCLUSIVE; `ENABLE/DISABLE TRIGGER`: SHARE ROW EXCLUSIVE), taken first so that it
/// is never upgraded. Grants and functions have no table lock to take.
pub(super) fn lock_sql(object: &ObjectRef) -> Option<String> {
    let (table, mode) = match object {
        ObjectRef::Policy { table, .. }
        | ObjectRef::Trigger { table, .. }
        | ObjectRef::RowSecurity { table } => (table, "ACCESS EXCLUSIVE"),
        ObjectRef::TriggerState { table, .. } => (table, "SHARE ROW EXCLUSIVE"),
        _ => return None,
    };
    // A missing table is left to the step (`if_exists` skips it).
    let t = qualified(table);
    Some(format!(
        "DO $cutover_lock$ BEGIN IF to_regclass({}) IS NOT NULL THEN LOCK TABLE {t} IN {mode} MODE; END IF; END $cutover_lock$",
        quote_literal(&t)
    ))
}

/// The query for `object`.
pub(super) fn definition_sql(object: &ObjectRef) -> Option<String> {
    Some(match object {
        ObjectRef::Policy { table, name } => policy_sql(table, name),
        ObjectRef::Function { signature } => function_sql(signature, None),
        ObjectRef::ReplacedFunction { signature } => function_sql(
            signature,
            Some(&format!(
                "'DROP FUNCTION IF EXISTS ' || {}",
                quote_literal(signature)
            )),
        ),
        ObjectRef::TriggerState { table, name } => trigger_state_sql(&qualified(table), name),
        // The definition, then `DISABLE TRIGGER` when it was disabled (the definition does
        // not say so).
        ObjectRef::Trigger { table, name } => format!(
            "SELECT d FROM (SELECT 1 AS o, pg_get_triggerdef(t.oid) AS d FROM pg_trigger t \
               WHERE t.tgrelid = to_regclass({0}) AND t.tgname = {1} AND NOT t.tgisinternal \
             UNION ALL SELECT 2, format('ALTER TABLE %s DISABLE TRIGGER %I', t.tgrelid::regclass, t.tgname) \
               FROM pg_trigger t WHERE t.tgrelid = to_regclass({0}) AND t.tgname = {1} \
               AND NOT t.tgisinternal AND t.tgenabled = 'D') x ORDER BY o",
            quote_literal(&qualified(table)),
            quote_literal(name)
        ),
        ObjectRef::Grants {
            on,
            objects,
            roles,
            privileges,
        } => acl::grants_sql(*on, objects, roles, privileges),
        ObjectRef::GrantedRights {
            on,
            objects,
            roles,
            privileges,
            with_grant_option,
        } => acl::granted_sql(*on, objects, roles, privileges, *with_grant_option),
        ObjectRef::RowSecurity { table } => acl::row_security_sql(table),
    })
}

/// `CREATE POLICY` as the catalog holds it: roles in their stored order, expressions as
/// PostgreSQL prints them.
fn policy_sql(table: &str, name: &str) -> String {
    format!(
        "SELECT format('CREATE POLICY %I ON %I.%I AS %s FOR %s TO %s%s%s', \
           p.polname, n.nspname, c.relname, \
           CASE WHEN p.polpermissive THEN 'PERMISSIVE' ELSE 'RESTRICTIVE' END, \
           CASE p.polcmd WHEN 'r' THEN 'SELECT' WHEN 'a' THEN 'INSERT' WHEN 'w' THEN 'UPDATE' \
             WHEN 'd' THEN 'DELETE' ELSE 'ALL' END, \
           (SELECT string_agg(CASE WHEN u.r = 0 THEN 'PUBLIC' ELSE quote_ident(pg_get_userbyid(u.r)) END, \
              ', ' ORDER BY u.i) FROM unnest(p.polroles) WITH ORDINALITY AS u(r, i)), \
           CASE WHEN p.polqual IS NULL THEN '' \
             ELSE ' USING (' || pg_get_expr(p.polqual, p.polrelid) || ')' END, \
           CASE WHEN p.polwithcheck IS NULL THEN '' \
             ELSE ' WITH CHECK (' || pg_get_expr(p.polwithcheck, p.polrelid) || ')' END) \
         FROM pg_policy p JOIN pg_class c ON c.oid = p.polrelid \
         JOIN pg_namespace n ON n.oid = c.relnamespace \
         WHERE p.polrelid = to_regclass({}) AND p.polname = {}",
        quote_literal(&qualified(table)),
        quote_literal(name)
    )
}

/// `public`, `current_user`, `session_user` and `current_role` are keywords in a role list,
/// whatever their case.
pub(crate) fn role_keyword(role: &str) -> Option<&'static str> {
    match role.to_ascii_lowercase().as_str() {
        "public" => Some("PUBLIC"),
        "current_user" => Some("CURRENT_USER"),
        "session_user" => Some("SESSION_USER"),
        "current_role" => Some("CURRENT_ROLE"),
        _ => None,
    }
}

/// A possibly schema-qualified name (`auth.users`), each part quoted.
pub(crate) fn qualified(name: &str) -> String {
    name.split('.')
        .map(|p| Dialect::Postgres.quote(p))
        .collect::<Vec<_>>()
        .join(".")
}
