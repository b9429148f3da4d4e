//! PostgreSQL: the privileges held on a plan's objects that the plan does not account for
//! (drift's "grant not in the plan").
//!
//! An ACL entry of one of the objects (tables and views, sequences, functions, and the
//! sequences the tables own through a serial or identity column) counts unless
//! - its grantee is the object's owner;
//! - it is one of PostgreSQL's built-in defaults (`acldefault`: PUBLIC's EXECUTE on a
//!   function);
//! - the live default privileges (`pg_default_acl`) of any role, for the object's schema or
//!   database-wide, give it to objects when they are created (Supabase's `anon` and
//!   `authenticated` rights), with its grant option if it has one. Any role, not only the
//!   owner: the role that created the object got them, and an `ALTER .. OWNER TO` since
//!   (which rewrites the grantor too) hides who that was (red team rtH, finding 4);
//! - a planned grant gives that privilege on that object (or on every object of its kind in
//!   its schema) to that grantee, with the grant option when the entry has it.
//!
//! Names are resolved by the database (`to_regclass`, `to_regprocedure`), so `notes`,
//! `public.notes` and `"notes"` are the same table.

use super::postgres_capture::{qualified, role_keyword};
use super::quote_literal;
use crate::plan::GrantOn;
use crate::schema::{GrantTarget, PlannedGrant};

/// `oid` of the object `name` of kind `on`, or NULL when there is none.
fn oid_of(on: GrantOn, name: &str) -> String {
    match on {
        GrantOn::Table | GrantOn::Sequence => {
            format!("to_regclass({})::oid", quote_literal(&qualified(name)))
        }
        // `GRANT .. ON FUNCTION fee` without arguments (valid when the name is unambiguous)
        // arrives as `fee()`: the name alone resolves it, as PostgreSQL did.
        GrantOn::Function => match name.strip_suffix("()") {
            Some(bare) => format!(
                "COALESCE(to_regprocedure({}), to_regproc({}))::oid",
                quote_literal(name),
                quote_literal(bare)
            ),
            None => format!("to_regprocedure({})::oid", quote_literal(name)),
        },
        GrantOn::Schema => format!(
            "(SELECT oid FROM pg_namespace WHERE nspname = {})",
            quote_literal(name)
        ),
    }
}

/// The `acldefault` kind letter of `on`.
fn kind(on: GrantOn) -> &'static str {
    match on {
        GrantOn::Table => "r",
        GrantOn::Sequence => "s",
        GrantOn::Function => "f",
        GrantOn::Schema => "n",
    }
}

/// The role's oid (0 for PUBLIC; `current_user` and the other keywords as this session
/// reads them).
fn role_oid(role: &str) -> String {
    match role_keyword(role) {
        Some("PUBLIC") => "0::oid".into(),
        Some(k) => format!(
            "(SELECT oid FROM pg_roles WHERE rolname = {})",
            k.to_lowercase()
        ),
        None => format!(
            "(SELECT oid FROM pg_roles WHERE rolname = {})",
            quote_literal(role)
        ),
    }
}

/// The query over `objects` (as the plan names them), one row per unaccounted ACL entry:
/// object (the plan's name, or the printed name of a table's sequence), kind keyword
/// (`TABLE`, `SEQUENCE`, `FUNCTION`), privilege, grantee, grantor (both printed for SQL),
/// whether it has its grant option, whether `planned` gives the privilege itself (then only
/// the grant option is extra), and the object's printed name for a `REVOKE`.
pub(crate) fn unplanned_sql(objects: &[(GrantOn, String)], planned: &[PlannedGrant]) -> String {
    let scope: Vec<String> = objects
        .iter()
        .filter(|(on, _)| *on != GrantOn::Schema)
        .map(|(on, name)| {
            format!(
                "({}::text, '{}'::text, {})",
                quote_literal(name),
                kind(*on),
                oid_of(*on, name)
            )
        })
        .collect();
    let scope = if scope.is_empty() {
        "SELECT NULL::text, NULL::text, NULL::oid WHERE false".to_string()
    } else {
        format!("VALUES {}", scope.join(", "))
    };
    let planned: Vec<String> = planned
        .iter()
        .filter(|g| g.on != GrantOn::Schema)
        .map(|g| {
            let (oid, nsp) = match &g.target {
                GrantTarget::Object(o) => (oid_of(g.on, o), "NULL::oid".to_string()),
                GrantTarget::AllInSchema(s) => {
                    ("NULL::oid".to_string(), oid_of(GrantOn::Schema, s))
                }
            };
            format!(
                "('{}'::text, {oid}, {nsp}, {}, '{}'::text, {})",
                kind(g.on),
                role_oid(&g.role),
                g.privilege.keyword(),
                g.with_grant_option
            )
        })
        .collect();
    let planned = if planned.is_empty() {
        "SELECT NULL::text, NULL::oid, NULL::oid, NULL::oid, NULL::text, false WHERE false"
            .to_string()
    } else {
        format!("VALUES {}", planned.join(", "))
    };
    let matches = "pl.grantee = e.grantee AND pl.priv = e.priv \
        AND (pl.oid = e.oid OR (pl.oid IS NULL AND pl.nsp = e.nsp AND pl.kind = e.kind))";
    format!(
        "WITH s(name, kind, oid) AS ({scope}), \
         pl(kind, oid, nsp, grantee, priv, grantable) AS ({planned}), \
         s2 AS (SELECT name, kind, oid FROM s WHERE oid IS NOT NULL \
           UNION SELECT c.oid::regclass::text, 's', c.oid FROM s \
           JOIN pg_depend d ON d.refobjid = s.oid AND d.refclassid = 'pg_class'::regclass \
             AND d.classid = 'pg_class'::regclass AND d.deptype IN ('a', 'i') \
           JOIN pg_class c ON c.oid = d.objid AND c.relkind = 'S' \
           WHERE s.kind = 'r' AND NOT EXISTS (SELECT 1 FROM s x WHERE x.oid = c.oid)), \
         o AS (SELECT s2.name, CASE c.relkind WHEN 'S' THEN 's' ELSE 'r' END AS kind, c.oid, \
             c.relowner AS owner, c.relnamespace AS nsp, c.relacl AS acl, c.oid::regclass::text AS printed \
           FROM s2 JOIN pg_class c ON c.oid = s2.oid WHERE s2.kind <> 'f' \
           UNION ALL SELECT s2.name, 'f', p.oid, p.proowner, p.pronamespace, p.proacl, p.oid::regprocedure::text \
           FROM s2 JOIN pg_proc p ON p.oid = s2.oid WHERE s2.kind = 'f'), \
         e AS (SELECT o.*, a.grantee, a.grantor, a.privilege_type AS priv, a.is_grantable \
           FROM o CROSS JOIN LATERAL aclexplode(o.acl) a \
           WHERE a.grantee <> o.owner \
             AND NOT EXISTS (SELECT 1 FROM aclexplode(acldefault(o.kind::\"char\", o.owner)) d \
               WHERE d.grantee = a.grantee AND d.privilege_type = a.privilege_type) \
             AND NOT EXISTS (SELECT 1 FROM pg_default_acl da CROSS JOIN LATERAL aclexplode(da.defaclacl) d \
               WHERE da.defaclnamespace IN (0, o.nsp) \
                 AND da.defaclobjtype::text = CASE o.kind WHEN 's' THEN 'S' ELSE o.kind END \
                 AND d.grantee = a.grantee AND d.privilege_type = a.privilege_type \
                 AND (d.is_grantable OR NOT a.is_grantable))) \
         SELECT e.name, CASE e.kind WHEN 'r' THEN 'TABLE' WHEN 's' THEN 'SEQUENCE' ELSE 'FUNCTION' END, \
           e.priv, CASE WHEN e.grantee = 0 THEN 'PUBLIC' ELSE quote_ident(pg_get_userbyid(e.grantee)) END, \
           quote_ident(pg_get_userbyid(e.grantor)), e.is_grantable::text, \
           EXISTS (SELECT 1 FROM pl WHERE {matches})::text, e.printed \
         FROM e WHERE NOT EXISTS (SELECT 1 FROM pl WHERE {matches} AND (pl.grantable OR NOT e.is_grantable)) \
         ORDER BY 1, 3, 4, 5"
    )
}

#[cfg(test)]
mod tests {
    use super::unplanned_sql;
    use crate::plan::{GrantOn, Privilege};
    use crate::schema::{GrantTarget, PlannedGrant};

    #[test]
    fn names_are_resolved_by_the_database_and_quoted() {
        let sql = unplanned_sql(
            &[
                (GrantOn::Table, "it's".into()),
                (GrantOn::Function, "f(integer)".into()),
            ],
            &[PlannedGrant {
                on: GrantOn::Table,
                target: GrantTarget::AllInSchema("app".into()),
                role: "public".into(),
                privilege: Privilege::Select,
                with_grant_option: false,
            }],
        );
        assert!(sql.contains("('it''s'::text, 'r'::text, to_regclass('\"it''s\"')::oid)"));
        assert!(sql.contains("to_regprocedure('f(integer)')::oid"));
        let bare = unplanned_sql(&[(GrantOn::Function, "\"fee\"()".into())], &[]);
        assert!(
            bare.contains("COALESCE(to_regprocedure('\"fee\"()'), to_regproc('\"fee\"'))::oid"),
            "{bare}"
        );
        assert!(sql.contains(
            "('r'::text, NULL::oid, (SELECT oid FROM pg_namespace WHERE nspname = 'app'), 0::oid, 'SELECT'::text, false)"
        ));
    }

    #[test]
    fn empty_lists_still_make_a_query() {
        let sql = unplanned_sql(&[], &[]);
        assert!(sql.contains("s(name, kind, oid) AS (SELECT NULL::text"));
        assert!(sql.contains("AS (SELECT NULL::text, NULL::oid"));
    }
}
