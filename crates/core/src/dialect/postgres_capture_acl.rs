//! PostgreSQL: capturing rights (ACLs) before a `revoke` or a `grant`, and a table's
//! row-level security flags before `enable_rls` / `disable_rls` (see [`ObjectRef`]).
//!
//! An ACL that was never changed is NULL in the catalog and means the default
//! (`acldefault`): the owner holds everything and, on functions, PUBLIC holds EXECUTE. Every
//! query reads `coalesce(acl, acldefault(..))` so that such implicit rights are captured too.
//! Only the entries whose grantor is the one PostgreSQL uses for cutover's statement count
//! (the owner when cutover's role has the owner's rights, else cutover's role itself): a
//! `REVOKE` removes only those. A table-level `REVOKE` also takes the grantee's column rights
//! of the same kind (`pg_attribute.attacl`), so they are captured as column `GRANT`s.

use super::quote_literal;
use crate::dialect::postgres_capture::{qualified, role_keyword};
use crate::plan::{GrantOn, Privilege};

/// The statements that set `table`'s row-level security flags back to what they are now:
/// `ALTER TABLE "t" ENABLE|DISABLE ROW LEVEL SECURITY`, then `FORCE|NO FORCE`.
pub(super) fn row_security_sql(table: &str) -> String {
    format!(
        "SELECT format('ALTER TABLE %s %s ROW LEVEL SECURITY', {0}, f.flag) FROM pg_class c \
         CROSS JOIN LATERAL (VALUES (1, CASE WHEN c.relrowsecurity THEN 'ENABLE' ELSE 'DISABLE' END), \
           (2, CASE WHEN c.relforcerowsecurity THEN 'FORCE' ELSE 'NO FORCE' END)) f(o, flag) \
         WHERE c.oid = to_regclass({0}) ORDER BY f.o",
        quote_literal(&qualified(table))
    )
}

/// The flag statements [`row_security_sql`] can produce for `table` (the shape check of a
/// restore accepts nothing else).
pub(crate) fn row_security_statements(table: &str) -> [String; 4] {
    let t = qualified(table);
    ["ENABLE", "DISABLE", "FORCE", "NO FORCE"]
        .map(|flag| format!("ALTER TABLE {t} {flag} ROW LEVEL SECURITY"))
}

/// `g`: per object, its oid, owner, effective ACL, printed name and the grantor cutover's
/// statements get; `r`: the roles' oids (0 = PUBLIC); `p`: the privileges.
fn context(on: GrantOn, objects: &[String], roles: &[String], privileges: &[Privilege]) -> String {
    let objects = objects
        .iter()
        .map(|o| match on {
            GrantOn::Table | GrantOn::Sequence => {
                format!("to_regclass({})", quote_literal(&qualified(o)))
            }
            GrantOn::Function => format!("to_regprocedure({})", quote_literal(o)),
            GrantOn::Schema => format!(
                "(SELECT oid FROM pg_namespace WHERE nspname = {})",
                quote_literal(o)
            ),
        })
        .collect::<Vec<_>>()
        .join(", ");
    let (catalog, owner, acl, kind, target) = match on {
        GrantOn::Table => (
            "pg_class",
            "relowner",
            "relacl",
            "r",
            "o.oid::regclass::text",
        ),
        GrantOn::Sequence => (
            "pg_class",
            "relowner",
            "relacl",
            "s",
            "o.oid::regclass::text",
        ),
        GrantOn::Function => (
            "pg_proc",
            "proowner",
            "proacl",
            "f",
            "o.oid::regprocedure::text",
        ),
        GrantOn::Schema => (
            "pg_namespace",
            "nspowner",
            "nspacl",
            "n",
            "quote_ident(o.nspname)",
        ),
    };
    let roles = roles
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let oid = match role_keyword(r) {
                Some("PUBLIC") => "0::oid".to_string(),
                Some(k) => format!(
                    "(SELECT oid FROM pg_roles WHERE rolname = {})",
                    k.to_lowercase()
                ),
                None => format!(
                    "(SELECT oid FROM pg_roles WHERE rolname = {})",
                    quote_literal(r)
                ),
            };
            format!("({i}, {oid})")
        })
        .collect::<Vec<_>>()
        .join(", ");
    let privileges = if privileges.contains(&Privilege::All) {
        "SELECT DISTINCT d.privilege_type AS priv FROM aclexplode(g.dflt) d".to_string()
    } else {
        let names: Vec<String> = privileges
            .iter()
            .map(|p| format!("({})", quote_literal(p.keyword())))
            .collect();
        format!("SELECT v.priv FROM (VALUES {}) v(priv)", names.join(", "))
    };
    format!(
        "WITH g AS (SELECT o.oid, o.{owner} AS owner, \
           coalesce(o.{acl}, acldefault('{kind}', o.{owner})) AS acl, \
           acldefault('{kind}', o.{owner}) AS dflt, {target} AS target, \
           CASE WHEN pg_has_role(current_user, o.{owner}, 'USAGE') THEN o.{owner} \
             ELSE (SELECT oid FROM pg_roles WHERE rolname = current_user) END AS grantor \
           FROM {catalog} o WHERE o.oid IN ({objects})), \
         r AS (SELECT x.i, x.role, CASE WHEN x.role = 0 THEN 'PUBLIC' \
             ELSE quote_ident(pg_get_userbyid(x.role)) END AS name \
           FROM (VALUES {roles}) x(i, role) WHERE x.role IS NOT NULL), \
         gp AS (SELECT g.*, p.priv FROM g CROSS JOIN LATERAL ({privileges}) p) "
    )
}

/// Before a `revoke`: one `GRANT` per right one of `roles` holds on one of `objects` from
/// cutover's grantor (among `privileges`; `all`: any), with its grant option, then the column
/// rights the table-level `REVOKE` takes with it.
pub(crate) fn grants_sql(
    on: GrantOn,
    objects: &[String],
    roles: &[String],
    privileges: &[Privilege],
) -> String {
    let kind = on.keyword();
    format!(
        "{ctx}SELECT s FROM (\
           SELECT 1 AS pass, format('GRANT %s ON {kind} %s TO %s%s', a.privilege_type, gp.target, r.name, \
             CASE WHEN a.is_grantable THEN ' WITH GRANT OPTION' ELSE '' END) AS s \
           FROM gp CROSS JOIN r CROSS JOIN LATERAL aclexplode(gp.acl) a \
           WHERE a.grantee = r.role AND a.privilege_type = gp.priv AND a.grantor = gp.grantor \
         UNION ALL \
           SELECT 2, format('GRANT %s (%I) ON TABLE %s TO %s%s', a.privilege_type, att.attname, gp.target, r.name, \
             CASE WHEN a.is_grantable THEN ' WITH GRANT OPTION' ELSE '' END) \
           FROM gp CROSS JOIN r JOIN pg_attribute att ON att.attrelid = gp.oid AND att.attnum > 0 \
             AND NOT att.attisdropped AND att.attacl IS NOT NULL AND {is_table} \
           CROSS JOIN LATERAL aclexplode(att.attacl) a \
           WHERE a.grantee = r.role AND a.privilege_type = gp.priv AND a.grantor = gp.grantor\
         ) x ORDER BY pass, s",
        ctx = context(on, objects, roles, privileges),
        is_table = on == GrantOn::Table,
    )
}

/// Before a `grant`: the statements that undo it exactly. A right the role did not hold
/// (from cutover's grantor) is revoked, a grant option it did not hold is revoked alone, a
/// right it held stays; then the column rights the table-level `REVOKE` would take with it are
/// given back.
pub(super) fn granted_sql(
    on: GrantOn,
    objects: &[String],
    roles: &[String],
    privileges: &[Privilege],
    with_grant_option: bool,
) -> String {
    let kind = on.keyword();
    format!(
        "{ctx}, h AS (SELECT gp.*, r.role, r.name, \
             (SELECT bool_or(true) FROM aclexplode(gp.acl) a WHERE a.grantee = r.role \
               AND a.privilege_type = gp.priv AND a.grantor = gp.grantor) AS held, \
             (SELECT bool_or(a.is_grantable) FROM aclexplode(gp.acl) a WHERE a.grantee = r.role \
               AND a.privilege_type = gp.priv AND a.grantor = gp.grantor) AS grantable \
           FROM gp CROSS JOIN r) \
         SELECT s FROM (\
           SELECT 1 AS pass, format('REVOKE %s ON {kind} %s FROM %s', h.priv, h.target, h.name) AS s \
           FROM h WHERE h.held IS NULL \
         UNION ALL \
           SELECT 1, format('REVOKE GRANT OPTION FOR %s ON {kind} %s FROM %s', h.priv, h.target, h.name) \
           FROM h WHERE h.held AND {with_grant_option} AND NOT h.grantable \
         UNION ALL \
           SELECT 2, format('GRANT %s (%I) ON TABLE %s TO %s%s', a.privilege_type, att.attname, h.target, h.name, \
             CASE WHEN a.is_grantable THEN ' WITH GRANT OPTION' ELSE '' END) \
           FROM h JOIN pg_attribute att ON att.attrelid = h.oid AND att.attnum > 0 \
             AND NOT att.attisdropped AND att.attacl IS NOT NULL AND {is_table} \
           CROSS JOIN LATERAL aclexplode(att.attacl) a \
           WHERE h.held IS NULL AND a.grantee = h.role AND a.privilege_type = h.priv \
             AND a.grantor = h.grantor\
         ) x ORDER BY pass, s",
        ctx = context(on, objects, roles, privileges),
        is_table = on == GrantOn::Table,
    )
}

/// Every right one of `roles` holds directly on one of `objects` (among `privileges`; `all`:
/// any), from any grantor, one readable row each: `UPDATE on notes to app (granted by
/// alice)`; column rights too. A `REVOKE` removes only the entries of cutover's grantor, so
/// a row left after it means the role keeps the right through someone else.
pub(crate) fn held_sql(
    on: GrantOn,
    objects: &[String],
    roles: &[String],
    privileges: &[Privilege],
) -> String {
    entries_sql(on, objects, roles, privileges, "a.grantee = r.role")
}

/// Every right one of `roles` granted on to another role (they held it `WITH GRANT
/// OPTION`) on one of `objects` (among `privileges`): the dependents a `REVOKE` without
/// `CASCADE` refuses to leave behind. Same rows as [`held_sql`].
pub(crate) fn dependents_sql(
    on: GrantOn,
    objects: &[String],
    roles: &[String],
    privileges: &[Privilege],
) -> String {
    entries_sql(
        on,
        objects,
        roles,
        privileges,
        "a.grantor = r.role AND a.grantee <> r.role",
    )
}

/// The ACL entries (table and column level) of `objects` among `privileges` that match
/// `condition` (over `a`, the entry, and `r`, one of `roles`), as readable rows.
fn entries_sql(
    on: GrantOn,
    objects: &[String],
    roles: &[String],
    privileges: &[Privilege],
    condition: &str,
) -> String {
    format!(
        "{ctx}, named AS (SELECT a.privilege_type AS priv, NULL::name AS col, gp.target, a.grantee, a.grantor \
           FROM gp CROSS JOIN r CROSS JOIN LATERAL aclexplode(gp.acl) a \
           WHERE {condition} AND a.privilege_type = gp.priv \
         UNION ALL \
           SELECT a.privilege_type, att.attname, gp.target, a.grantee, a.grantor \
           FROM gp CROSS JOIN r JOIN pg_attribute att ON att.attrelid = gp.oid AND att.attnum > 0 \
             AND NOT att.attisdropped AND att.attacl IS NOT NULL AND {is_table} \
           CROSS JOIN LATERAL aclexplode(att.attacl) a \
           WHERE {condition} AND a.privilege_type = gp.priv) \
         SELECT DISTINCT format('%s%s on %s to %s (granted by %s)', priv, \
           CASE WHEN col IS NULL THEN '' ELSE format(' (%I)', col) END, target, \
           CASE WHEN grantee = 0 THEN 'PUBLIC' ELSE quote_ident(pg_get_userbyid(grantee)) END, \
           quote_ident(pg_get_userbyid(grantor))) AS s FROM named ORDER BY s",
        ctx = context(on, objects, roles, privileges),
        is_table = on == GrantOn::Table,
    )
}
