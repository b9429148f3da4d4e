//! Reading functions and trigger details for drift (`pg_proc`, `pg_trigger`).

use cutover_core::backend::Backend;
use cutover_core::schema::{FunctionShape, RoutineShapes, TriggerShape, catalog};

/// Functions of every user schema (not PostgreSQL's own, not an extension's), qualified
/// unless in the current schema, with their signature as `oidvectortypes` prints it.
const FUNCTIONS: &str = "SELECT CASE WHEN n.nspname = current_schema() THEN '' ELSE n.nspname || '.' END \
      || p.proname || '(' || oidvectortypes(p.proargtypes) || ')', \
    l.lanname, pg_get_function_result(p.oid), p.prosecdef::text, p.provolatile::text, p.prosrc, \
    coalesce((SELECT '=' || substr(c, 13) FROM unnest(p.proconfig) c WHERE c LIKE 'search\\_path=%'), '') \
    FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace JOIN pg_language l ON l.oid = p.prolang \
    WHERE p.prokind = 'f' AND n.nspname NOT IN ('pg_catalog', 'information_schema') \
      AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp%' \
      AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass \
        AND d.objid = p.oid AND d.deptype = 'e')";

/// Triggers of the current schema's tables: `tgtype` bits (1 row, 2 before, 4 insert,
/// 8 delete, 16 update, 32 truncate, 64 instead of), `tgenabled` (`D` disabled), the
/// function, and the UPDATE OF columns.
const TRIGGERS: &str = "SELECT c.relname, t.tgname, t.tgtype::int::text, t.tgenabled::text, \
      CASE WHEN pn.nspname = current_schema() THEN '' ELSE pn.nspname || '.' END || p.proname, \
      array_to_string(array(SELECT a.attname FROM unnest(t.tgattr::int2[]) k(n) \
        JOIN pg_attribute a ON a.attrelid = t.tgrelid AND a.attnum = k.n ORDER BY a.attname), ', ') \
    FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace \
    JOIN pg_proc p ON p.oid = t.tgfoid JOIN pg_namespace pn ON pn.oid = p.pronamespace \
    WHERE n.nspname = current_schema() AND NOT t.tgisinternal";

/// Reads the functions and trigger details drift compares.
pub async fn introspect_routines(b: &mut dyn Backend) -> cutover_core::Result<RoutineShapes> {
    let current = catalog(b, "SELECT current_schema()").await?;
    let mut out = RoutineShapes {
        current_schema: Some(
            current
                .first()
                .and_then(|r| r.first())
                .cloned()
                .unwrap_or_else(|| "public".into()),
        ),
        ..RoutineShapes::default()
    };
    for r in catalog(b, FUNCTIONS).await? {
        let volatility = match r[4].as_str() {
            "i" => "immutable",
            "s" => "stable",
            _ => "volatile",
        };
        out.functions.insert(
            r[0].clone(),
            FunctionShape {
                language: r[1].clone(),
                returns: cutover_core::schema::normalise_pg_type(&r[2]),
                security_definer: r[3] == "true",
                volatility: volatility.into(),
                body: r[5].trim().to_string(),
                // `=value` when the function sets its own search_path, `` when not.
                search_path: r
                    .get(6)
                    .and_then(|v| v.strip_prefix('='))
                    .map(cutover_core::schema::normalise_search_path),
            },
        );
    }
    for r in catalog(b, TRIGGERS).await? {
        let bits: u32 = r[2].parse().unwrap_or_default();
        let has = |bit: u32| bits & bit != 0;
        let mut events = Vec::new();
        if has(4) {
            events.push("insert".to_string());
        }
        if has(16) {
            events.push(if r[5].is_empty() {
                "update".to_string()
            } else {
                format!("update of {}", r[5])
            });
        }
        if has(8) {
            events.push("delete".to_string());
        }
        if has(32) {
            events.push("truncate".to_string());
        }
        let timing = if has(64) {
            "instead_of"
        } else if has(2) {
            "before"
        } else {
            "after"
        };
        out.triggers.insert(
            format!("{}.{}", r[0], r[1]),
            TriggerShape {
                timing: timing.into(),
                events,
                for_each: if has(1) { "row" } else { "statement" }.into(),
                function: r[4].clone(),
                enabled: r[3] != "D",
            },
        );
    }
    Ok(out)
}
