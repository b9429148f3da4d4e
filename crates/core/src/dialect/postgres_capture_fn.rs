//! PostgreSQL: the recreate-SQL of a function and the state of a trigger, captured before a
//! step drops, replaces or toggles them (see [`ObjectRef`](crate::plan::ObjectRef)).
//!
//! A function is restored exactly: `pg_get_functiondef` (which runs as the migrating user,
//! so it makes that user the owner and, with a default ACL, lets PUBLIC execute it), then
//! `ALTER FUNCTION .. OWNER TO` the owner it had, and, when its ACL was not the default
//! one, `REVOKE ALL .. FROM PUBLIC` and from the owner followed by one `GRANT` per entry of
//! the captured ACL. A SECURITY DEFINER function therefore comes back with the owner whose
//! rights it runs with and callable by exactly the roles that could call it.

use super::quote_literal;

/// The rows that re-create the function `signature` (none when it does not exist), in
/// order: definition, owner, then the ACL (its entries in their stored order). `missing`: an SQL expression giving the single
/// row to store when it did not exist (`None`: no row).
pub(super) fn function_sql(signature: &str, missing: Option<&str>) -> String {
    let sig = quote_literal(signature);
    let one = format!("FROM pg_proc p WHERE p.oid = to_regprocedure({sig})");
    let custom = format!("{one} AND p.proacl IS NOT NULL");
    let fallback = missing
        .map(|m| {
            format!(" UNION ALL SELECT 0, 0::bigint, {m} WHERE to_regprocedure({sig}) IS NULL")
        })
        .unwrap_or_default();
    format!(
        "SELECT d FROM (\
           SELECT 1 AS o, 0::bigint AS k, pg_get_functiondef(p.oid) AS d {one} \
           UNION ALL SELECT 2, 0, format('ALTER FUNCTION %s OWNER TO %I', \
             p.oid::regprocedure, pg_get_userbyid(p.proowner)) {one} \
           UNION ALL SELECT 3, 0, format('REVOKE ALL ON FUNCTION %s FROM PUBLIC', \
             p.oid::regprocedure) {custom} \
           UNION ALL SELECT 4, 0, format('REVOKE ALL ON FUNCTION %s FROM %I', \
             p.oid::regprocedure, pg_get_userbyid(p.proowner)) {custom} \
           UNION ALL SELECT 5, g.n, g.d FROM (SELECT format('GRANT %s ON FUNCTION %s TO %s%s', \
               a.privilege_type, p.oid::regprocedure, \
               CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE quote_ident(pg_get_userbyid(a.grantee)) END, \
               CASE WHEN a.is_grantable THEN ' WITH GRANT OPTION' ELSE '' END) AS d, a.n \
             FROM pg_proc p CROSS JOIN LATERAL aclexplode(p.proacl) \
               WITH ORDINALITY a(grantor, grantee, privilege_type, is_grantable, n) \
             WHERE p.oid = to_regprocedure({sig})) g\
           {fallback}\
         ) x ORDER BY o, k"
    )
}

/// The row that puts trigger `name` on `table` (quoted) back in the state it is in:
/// `ALTER TABLE .. ENABLE|DISABLE|ENABLE ALWAYS|ENABLE REPLICA TRIGGER ..` (`pg_trigger.
/// tgenabled` `O`, `D`, `A`, `R`); no row when there is no such trigger.
pub(super) fn trigger_state_sql(table: &str, name: &str) -> String {
    format!(
        "SELECT format('ALTER TABLE %s %s TRIGGER %I', t.tgrelid::regclass, \
           CASE t.tgenabled WHEN 'D' THEN 'DISABLE' WHEN 'A' THEN 'ENABLE ALWAYS' \
             WHEN 'R' THEN 'ENABLE REPLICA' ELSE 'ENABLE' END, t.tgname) \
         FROM pg_trigger t WHERE t.tgrelid = to_regclass({}) AND t.tgname = {} \
           AND NOT t.tgisinternal",
        quote_literal(table),
        quote_literal(name)
    )
}
