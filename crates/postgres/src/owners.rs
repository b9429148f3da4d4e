//! Owners of the objects a generated baseline copies as raw SQL (rtB HIGH 4): before, every
//! object came back owned by the role that ran `up`, a SECURITY DEFINER function included
//! (it then ran as that role, often a superuser). Tables, views, materialized views,
//! sequences no column owns, and functions and procedures whose owner is not the role that
//! reads the schema get an `ALTER .. OWNER TO` step ([`ObjectKind::Owner`]); a typed
//! `create_function` carries its owner itself (`owner`), so that drift compares it.

use std::collections::BTreeSet;

use cutover_core::backend::Backend;
use cutover_core::schema::{LiveDetails, ObjectKind, RawObject, catalog};

// Name, statement, oid. A sequence a column owns follows its table; cutover's own tables
// are left out.
const OWNERS: &str = "SELECT c.relname, format('ALTER %s %I OWNER TO %I', \
      CASE c.relkind WHEN 'v' THEN 'VIEW' WHEN 'm' THEN 'MATERIALIZED VIEW' \
        WHEN 'S' THEN 'SEQUENCE' ELSE 'TABLE' END, c.relname, pg_get_userbyid(c.relowner)), c.oid::text \
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
    WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p', 'v', 'm', 'S') \
      AND c.relowner <> (SELECT oid FROM pg_roles WHERE rolname = current_user) \
      AND c.relname NOT LIKE 'cutover\\_%' \
      AND NOT (c.relkind = 'S' AND EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = c.oid \
        AND d.classid = 'pg_class'::regclass AND d.refclassid = 'pg_class'::regclass \
        AND d.deptype IN ('a', 'i'))) \
    UNION ALL SELECT p.proname || '(' || oidvectortypes(p.proargtypes) || ')', \
      format('ALTER %s %I(%s) OWNER TO %I', CASE WHEN p.prokind = 'p' THEN 'PROCEDURE' ELSE 'FUNCTION' END, \
        p.proname, oidvectortypes(p.proargtypes), pg_get_userbyid(p.proowner)), p.oid::text \
    FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace \
    WHERE n.nspname = current_schema() AND p.prokind IN ('f', 'p') \
      AND p.proowner <> (SELECT oid FROM pg_roles WHERE rolname = current_user) \
      AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = p.oid AND d.deptype = 'e') \
    ORDER BY 3";

/// Adds an [`ObjectKind::Owner`] object per object of the current schema owned by another
/// role, except the functions in `typed` (oids: their `create_function` step says it).
pub(crate) async fn read(
    b: &mut dyn Backend,
    d: &mut LiveDetails,
    typed: &BTreeSet<String>,
) -> cutover_core::Result<()> {
    for r in catalog(b, OWNERS).await? {
        if typed.contains(&r[2]) {
            continue;
        }
        d.objects.push(RawObject {
            kind: ObjectKind::Owner,
            name: r[0].clone(),
            sql: r[1].clone(),
            used_by: Vec::new(),
        });
    }
    Ok(())
}
