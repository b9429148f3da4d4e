//! Privileges a typed `grant` step cannot carry, kept as raw SQL in a generated baseline
//! (rtg MEDIUM 8: they were dropped silently): column-level grants (`GRANT SELECT (col) ON t
//! TO r`) and default privileges (`ALTER DEFAULT PRIVILEGES .. GRANT .. ON TABLES TO r`).
//! Each becomes a raw `sql` step that says why, placed after every table and typed
//! security step: revoking a table privilege also revokes it on the columns, and default
//! privileges in place before the tables would grant more on them than the source has.
//! Grants made by a role that is not the object's owner (it holds a grant option) run as
//! that role (`SET ROLE`), after the grant that gave it the option: run by the owner or a
//! superuser, PostgreSQL would record the owner as grantor. The order follows the grant
//! options each grant needs ([`order_grants`]); a grant no order satisfies is reported.

use std::collections::BTreeSet;

use cutover_core::backend::Backend;
use cutover_core::schema::{LiveDetails, ObjectKind, RawObject, catalog};

use crate::grant_order::{GrantOption, PendingGrant, order_grants};

// One statement per table, privilege, grantee, grant option and grantor, with its columns;
// the grantor, and whether it is the table's owner (then the statement runs as is).
const COLUMN_GRANTS: &str = "SELECT c.relname, format('GRANT %s (%s) ON %I TO %s%s', x.privilege_type, \
      string_agg(quote_ident(a.attname), ', ' ORDER BY a.attnum), c.relname, \
      CASE WHEN x.grantee = 0 THEN 'PUBLIC' ELSE quote_ident(pg_get_userbyid(x.grantee)) END, \
      CASE WHEN x.is_grantable THEN ' WITH GRANT OPTION' ELSE '' END), \
      pg_get_userbyid(x.grantor), (x.grantor = c.relowner)::text, \
      CASE WHEN x.grantee = 0 THEN 'public' ELSE pg_get_userbyid(x.grantee) END, \
      lower(x.privilege_type), x.is_grantable::text \
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
    JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped \
    CROSS JOIN LATERAL aclexplode(a.attacl) x \
    WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p', 'v', 'm', 'f') \
      AND a.attacl IS NOT NULL AND c.relname NOT LIKE 'cutover\\_%' \
    GROUP BY c.relname, c.relowner, x.privilege_type, x.grantee, x.is_grantable, x.grantor \
    ORDER BY 1, 2";

// Table, sequence and function grants made by a role that is not the object's owner (the
// typed grants only carry the owner's): one statement per object, grantor, grantee and
// grant option, with the object's name (its key for ordering), grantor and grantee.
const GRANTS_BY_OTHERS: &str = "SELECT c.relname, format('GRANT %s ON %s %I TO %s%s', \
      string_agg(x.privilege_type, ', ' ORDER BY x.privilege_type), \
      CASE WHEN c.relkind = 'S' THEN 'SEQUENCE' ELSE 'TABLE' END, c.relname, \
      CASE WHEN x.grantee = 0 THEN 'PUBLIC' ELSE quote_ident(pg_get_userbyid(x.grantee)) END, \
      CASE WHEN x.is_grantable THEN ' WITH GRANT OPTION' ELSE '' END), \
      pg_get_userbyid(x.grantor), 'false', \
      CASE WHEN x.grantee = 0 THEN 'public' ELSE pg_get_userbyid(x.grantee) END, \
      string_agg(lower(x.privilege_type), ',' ORDER BY x.privilege_type), x.is_grantable::text \
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
    CROSS JOIN LATERAL aclexplode(c.relacl) x \
    WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p', 'v', 'm', 'S') \
      AND x.grantor <> c.relowner AND c.relname NOT LIKE 'cutover\\_%' \
    GROUP BY c.relname, c.relkind, x.grantee, x.is_grantable, x.grantor \
    UNION ALL SELECT p.proname || '(' || oidvectortypes(p.proargtypes) || ')', \
      format('GRANT %s ON FUNCTION %I(%s) TO %s%s', x.privilege_type, p.proname, \
        oidvectortypes(p.proargtypes), \
        CASE WHEN x.grantee = 0 THEN 'PUBLIC' ELSE quote_ident(pg_get_userbyid(x.grantee)) END, \
        CASE WHEN x.is_grantable THEN ' WITH GRANT OPTION' ELSE '' END), \
      pg_get_userbyid(x.grantor), 'false', \
      CASE WHEN x.grantee = 0 THEN 'public' ELSE pg_get_userbyid(x.grantee) END, \
      lower(x.privilege_type), x.is_grantable::text \
    FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace \
    CROSS JOIN LATERAL aclexplode(p.proacl) x \
    WHERE n.nspname = current_schema() AND p.prokind = 'f' AND x.grantor <> p.proowner \
      AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = p.oid AND d.deptype = 'e') \
    ORDER BY 1, 2";

// The grant options the owners gave on tables and functions (the typed grants, placed before
// the raw ones): object key as above, privilege, grantee. The owner's column grants are raw
// steps ordered with the others; a column's option counts for its table.
const OWNER_OPTIONS: &str = "SELECT c.relname, lower(x.privilege_type), pg_get_userbyid(x.grantee) \
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
    CROSS JOIN LATERAL aclexplode(c.relacl) x \
    WHERE n.nspname = current_schema() AND x.grantor = c.relowner AND x.is_grantable AND x.grantee <> 0 \
    UNION SELECT p.proname || '(' || oidvectortypes(p.proargtypes) || ')', lower(x.privilege_type), \
      pg_get_userbyid(x.grantee) \
    FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace \
    CROSS JOIN LATERAL aclexplode(p.proacl) x \
    WHERE n.nspname = current_schema() AND x.grantor = p.proowner AND x.is_grantable AND x.grantee <> 0";

// Default privileges of the current schema, and the database-wide ones (no schema), one
// statement per role, object type, privilege, grantee and grant option. A role's own
// privileges on what it creates are implicit, so they are left out.
const DEFAULT_PRIVILEGES: &str = "SELECT pg_get_userbyid(d.defaclrole), \
      format('ALTER DEFAULT PRIVILEGES FOR ROLE %I%s GRANT %s ON %s TO %s%s', pg_get_userbyid(d.defaclrole), \
        CASE WHEN d.defaclnamespace = 0 THEN '' ELSE ' IN SCHEMA ' || quote_ident(n.nspname) END, \
        x.privilege_type, \
        CASE d.defaclobjtype WHEN 'r' THEN 'TABLES' WHEN 'S' THEN 'SEQUENCES' WHEN 'f' THEN 'FUNCTIONS' \
          WHEN 'T' THEN 'TYPES' ELSE 'SCHEMAS' END, \
        CASE WHEN x.grantee = 0 THEN 'PUBLIC' ELSE quote_ident(pg_get_userbyid(x.grantee)) END, \
        CASE WHEN x.is_grantable THEN ' WITH GRANT OPTION' ELSE '' END) \
    FROM pg_default_acl d LEFT JOIN pg_namespace n ON n.oid = d.defaclnamespace \
    CROSS JOIN LATERAL aclexplode(d.defaclacl) x \
    WHERE (d.defaclnamespace = 0 OR n.nspname = current_schema()) AND x.grantee <> d.defaclrole \
    ORDER BY 1, 2";

// Database-wide default privileges that take away what PostgreSQL grants by default (the
// role's own rights, or PUBLIC's EXECUTE on functions and USAGE on types): a GRANT cannot
// say that, so they are reported, not reproduced.
const DEFAULT_REVOKES: &str = "SELECT pg_get_userbyid(d.defaclrole), \
      CASE d.defaclobjtype WHEN 'r' THEN 'tables' WHEN 'S' THEN 'sequences' WHEN 'f' THEN 'functions' \
        WHEN 'T' THEN 'types' ELSE 'schemas' END \
    FROM pg_default_acl d WHERE d.defaclnamespace = 0 \
      AND NOT (acldefault(CASE d.defaclobjtype WHEN 'S' THEN 's' ELSE d.defaclobjtype END, \
        d.defaclrole) <@ d.defaclacl) \
    ORDER BY 1, 2";

/// Adds the column grants and default privileges of the current schema to `d` as raw
/// objects ([`ObjectKind::Privilege`]), with the grants made by non-owners, and a warning for each database-wide default
/// privilege that revokes a built-in default (not reproduced).
pub(crate) async fn read(b: &mut dyn Backend, d: &mut LiveDetails) -> cutover_core::Result<()> {
    // First the schema's own: a grant run as a non-owner needs its USAGE.
    crate::schema_grants::read(b, d).await?;
    let mut rows = catalog(b, COLUMN_GRANTS).await?;
    rows.extend(catalog(b, GRANTS_BY_OTHERS).await?);
    let grants = rows
        .into_iter()
        .map(|r| PendingGrant {
            object: r[0].clone(),
            sql: r[1].clone(),
            grantor: r[2].clone(),
            by_owner: r[3] == "true",
            grantee: r[4].clone(),
            privileges: r[5].split(',').map(str::to_string).collect(),
            grant_option: r[6] == "true",
        })
        .collect();
    let held: BTreeSet<GrantOption> = catalog(b, OWNER_OPTIONS)
        .await?
        .into_iter()
        .map(|r| (r[0].clone(), r[1].clone(), r[2].clone()))
        .collect();
    let (ordered, stuck) = order_grants(grants, held);
    for g in ordered {
        let (name, sql) = if g.by_owner {
            (format!("column grant on table {}", g.object), g.sql)
        } else {
            // Run as the grantor: as the owner or a superuser, PostgreSQL records the
            // owner as grantor, and a grant whose grantor later loses its grant option
            // would no longer go with it.
            (
                format!(
                    "grant on {} made by {}, not the owner: run as {} so it stays the grantor",
                    g.object, g.grantor, g.grantor
                ),
                format!(
                    "SET ROLE {};\n{};\nRESET ROLE",
                    quote_ident(&g.grantor),
                    g.sql
                ),
            )
        };
        d.objects.push(RawObject {
            kind: ObjectKind::Privilege,
            name,
            sql,
            used_by: Vec::new(),
        });
    }
    for g in stuck {
        d.warnings.push(format!(
            "grant on {} made by {} (`{}`) is left out: no grant in the baseline gives {} that right WITH GRANT OPTION first (a circle of grant options, e.g. after an owner change); add it by hand as a raw `sql` step run as the role that should be its grantor",
            g.object, g.grantor, g.sql, g.grantor
        ));
    }
    for r in catalog(b, DEFAULT_PRIVILEGES).await? {
        d.objects.push(RawObject {
            kind: ObjectKind::Privilege,
            name: format!("default privileges of role {}", r[0]),
            sql: r[1].clone(),
            used_by: Vec::new(),
        });
    }
    for r in catalog(b, DEFAULT_REVOKES).await? {
        d.warnings.push(format!(
            "default privileges of role {} on {} revoke a built-in default (ALTER DEFAULT PRIVILEGES .. REVOKE): not in the baseline; add that statement as a raw `sql` step by hand",
            r[0], r[1]
        ));
    }
    Ok(())
}

/// `"role"` with inner quotes doubled.
fn quote_ident(role: &str) -> String {
    format!("\"{}\"", role.replace('"', "\"\""))
}
