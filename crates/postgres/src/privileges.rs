//! Privileges a typed `grant` step cannot carry, kept as raw SQL in a generated baseline
//! (rtg MEDIUM 8: they were dropped silently): column-level grants (`GRANT SELECT (col) ON t
//! TO r`) and default privileges (`ALTER DEFAULT PRIVILEGES .. GRANT .. ON TABLES TO r`).
//! Each becomes a raw `sql` step that says why, placed after every table and typed
//! security step: revoking a table privilege also revokes it on the columns, and default
//! privileges in place before the tables would grant more on them than the source has.

use cutover_core::backend::Backend;
use cutover_core::schema::{LiveDetails, ObjectKind, RawObject, catalog};

// One statement per table, privilege, grantee and grant option, with its columns.
const COLUMN_GRANTS: &str = "SELECT c.relname, format('GRANT %s (%s) ON %I TO %s%s', x.privilege_type, \
      string_agg(quote_ident(a.attname), ', ' ORDER BY a.attnum), c.relname, \
      CASE WHEN x.grantee = 0 THEN 'PUBLIC' ELSE quote_ident(pg_get_userbyid(x.grantee)) END, \
      CASE WHEN x.is_grantable THEN ' WITH GRANT OPTION' ELSE '' END) \
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
    JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped \
    CROSS JOIN LATERAL aclexplode(a.attacl) x \
    WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p', 'v', 'm', 'f') \
      AND a.attacl IS NOT NULL AND c.relname NOT LIKE 'cutover\\_%' \
    GROUP BY c.relname, x.privilege_type, x.grantee, x.is_grantable \
    ORDER BY 1, 2";

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
/// objects ([`ObjectKind::Privilege`]), and a warning for each database-wide default
/// privilege that revokes a built-in default (not reproduced).
pub(crate) async fn read(b: &mut dyn Backend, d: &mut LiveDetails) -> cutover_core::Result<()> {
    for r in catalog(b, COLUMN_GRANTS).await? {
        d.objects.push(RawObject {
            kind: ObjectKind::Privilege,
            name: format!("column grant on table {}", r[0]),
            sql: r[1].clone(),
            used_by: Vec::new(),
        });
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
