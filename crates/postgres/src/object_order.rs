//! The order of the types, functions, views and materialized views a generated baseline
//! copies as SQL, from their real dependencies (fxW H5). Before, they were written by kind (functions,
//! then views, with the materialized views first of all), so a function returning a view's
//! row type came before that view, and a view calling such a function could not follow
//! it either: `up` failed with `type "v" does not exist`.
//!
//! The dependencies are PostgreSQL's own (`pg_depend`): a view's or materialized view's
//! rule on the functions, views and row types it reads; a function's signature on the row
//! types it uses (a view's, or an array of one), and a SQL-standard body (`BEGIN ATOMIC`)
//! on what it reads. A string body records none, and needs none: the raw SQL of a function
//! turns `check_function_bodies` off.

use std::collections::{BTreeMap, BTreeSet};

use cutover_core::backend::Backend;
use cutover_core::schema::{ObjectKind, RawObject, catalog};

// The current schema's functions and procedures (`f`), views and materialized views (`v`)
// and types (`t`: enums, domains, composite types), by oid, with the nodes each depends on
// (`f123`, `v456`), comma-separated. A domain's constraint counts for its domain, a
// composite's attributes for its type, a view's rule for its view; a referenced type for a
// view when it is a view's row type, for its element when it is an array.
const GRAPH: &str = "WITH nodes AS ( \
      SELECT 'f' AS kind, p.oid, p.proname::text AS name FROM pg_proc p \
      WHERE p.pronamespace = current_schema()::regnamespace AND p.prokind IN ('f', 'p') \
      UNION ALL SELECT 'v', c.oid, c.relname::text FROM pg_class c \
      WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind IN ('v', 'm') \
      UNION ALL SELECT 't', t.oid, t.typname::text FROM pg_type t \
      WHERE t.typnamespace = current_schema()::regnamespace AND (t.typtype IN ('e', 'd') \
        OR (t.typtype = 'c' AND (SELECT c.relkind FROM pg_class c WHERE c.oid = t.typrelid) = 'c'))), \
    edges AS ( \
      SELECT o.kind, o.oid, r.kind AS ref_kind, r.oid AS ref FROM pg_depend d \
      CROSS JOIN LATERAL ( \
        SELECT 'f'::text AS kind, d.objid AS oid WHERE d.classid = 'pg_proc'::regclass \
        UNION ALL SELECT 'v', rw.ev_class FROM pg_rewrite rw \
          WHERE d.classid = 'pg_rewrite'::regclass AND rw.oid = d.objid \
        UNION ALL SELECT 't', d.objid WHERE d.classid = 'pg_type'::regclass \
        UNION ALL SELECT 't', con.contypid FROM pg_constraint con \
          WHERE d.classid = 'pg_constraint'::regclass AND con.oid = d.objid AND con.contypid <> 0 \
        UNION ALL SELECT 't', c.reltype FROM pg_class c \
          WHERE d.classid = 'pg_class'::regclass AND c.oid = d.objid AND c.relkind = 'c') o \
      CROSS JOIN LATERAL ( \
        SELECT 'f'::text AS kind, d.refobjid AS oid WHERE d.refclassid = 'pg_proc'::regclass \
        UNION ALL SELECT CASE WHEN c.relkind = 'c' THEN 't' ELSE 'v' END, \
            CASE WHEN c.relkind = 'c' THEN c.reltype ELSE c.oid END FROM pg_class c \
          WHERE d.refclassid = 'pg_class'::regclass AND c.oid = d.refobjid AND c.relkind IN ('v', 'm', 'c') \
        UNION ALL SELECT CASE WHEN c.relkind IN ('v', 'm') THEN 'v' ELSE 't' END, \
            CASE WHEN c.relkind IN ('v', 'm') THEN c.oid ELSE e.oid END \
          FROM pg_type t JOIN pg_type e ON e.oid = CASE WHEN t.typcategory = 'A' AND t.typelem <> 0 \
            THEN t.typelem ELSE t.oid END \
          LEFT JOIN pg_class c ON c.oid = e.typrelid \
          WHERE d.refclassid = 'pg_type'::regclass AND t.oid = d.refobjid) r \
      WHERE d.deptype = 'n' AND d.classid IN ('pg_proc'::regclass, 'pg_rewrite'::regclass, \
        'pg_type'::regclass, 'pg_constraint'::regclass, 'pg_class'::regclass)) \
    SELECT n.kind || n.oid::text, n.name, \
      coalesce(string_agg(DISTINCT r.kind || r.oid::text, ','), '') \
    FROM nodes n \
    LEFT JOIN edges ON edges.kind = n.kind AND edges.oid = n.oid \
    LEFT JOIN nodes r ON r.kind = edges.ref_kind AND r.oid = edges.ref \
      AND NOT (r.kind = n.kind AND r.oid = n.oid) \
    GROUP BY n.kind, n.oid, n.name ORDER BY n.oid";

/// Reorders the types, functions, views and materialized views of `objects` so that each
/// follows what it depends on. `function_oids` are the oids of the function objects, in the
/// order they were pushed. Other objects keep their places. A function that a type's
/// check or default needs (directly or through other functions) and no table calls gets
/// that type's name in `used_by`, so that it is created with the types, before the tables.
pub(crate) async fn reorder(
    b: &mut dyn Backend,
    objects: &mut [RawObject],
    function_oids: &[String],
) -> cutover_core::Result<()> {
    let rows = catalog(b, GRAPH).await?;
    let order = topological(&rows);
    let rank: BTreeMap<&str, usize> = order
        .iter()
        .enumerate()
        .map(|(i, id)| (id.as_str(), i))
        .collect();
    // Views and types by kind and name, functions by oid.
    let named: BTreeMap<(char, &str), usize> = rows
        .iter()
        .filter_map(|r| {
            let kind = r[0].chars().next()?;
            (kind != 'f').then(|| rank.get(r[0].as_str()).map(|i| ((kind, r[1].as_str()), *i)))?
        })
        .collect();
    let needed = needed_by_types(&rows);
    let mut functions = function_oids.iter();
    let mut slots = Vec::new();
    let mut keyed = Vec::new();
    for (i, o) in objects.iter_mut().enumerate() {
        let key = match o.kind {
            ObjectKind::Function => functions.next().and_then(|oid| {
                let id = format!("f{oid}");
                if o.used_by.is_empty()
                    && let Some(types) = needed.get(&id)
                {
                    o.used_by = types.iter().map(|t| format!("type {t}")).collect();
                }
                rank.get(id.as_str()).copied()
            }),
            ObjectKind::View | ObjectKind::MaterializedView => {
                named.get(&('v', o.name.as_str())).copied()
            }
            ObjectKind::Type => named.get(&('t', o.name.as_str())).copied(),
            _ => continue,
        };
        slots.push(i);
        keyed.push((key.unwrap_or(usize::MAX), i, o.clone()));
    }
    keyed.sort_by_key(|(k, i, _)| (*k, *i));
    for (slot, (_, _, o)) in slots.into_iter().zip(keyed) {
        objects[slot] = o;
    }
    Ok(())
}

/// The functions (node id) that a type needs, through types and functions, with the names
/// of the types that need them.
fn needed_by_types(rows: &[Vec<String>]) -> BTreeMap<String, BTreeSet<String>> {
    let deps: BTreeMap<&str, Vec<&str>> = rows
        .iter()
        .map(|r| {
            (
                r[0].as_str(),
                r[2].split(',').filter(|d| !d.is_empty()).collect(),
            )
        })
        .collect();
    let mut out: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for r in rows.iter().filter(|r| r[0].starts_with('t')) {
        let mut seen: BTreeSet<&str> = BTreeSet::new();
        let mut todo: Vec<&str> = deps.get(r[0].as_str()).cloned().unwrap_or_default();
        while let Some(id) = todo.pop() {
            if id.starts_with('v') || !seen.insert(id) {
                continue;
            }
            if id.starts_with('f') {
                out.entry(id.to_string()).or_default().insert(r[1].clone());
            }
            todo.extend(deps.get(id).into_iter().flatten());
        }
    }
    out
}

/// The node ids of `rows` (id, name, ids it depends on) in an order where each follows
/// those it depends on, oid order otherwise; the nodes of a circle (not possible in
/// PostgreSQL's catalog) come last in oid order.
fn topological(rows: &[Vec<String>]) -> Vec<String> {
    let ids: BTreeSet<&str> = rows.iter().map(|r| r[0].as_str()).collect();
    let needs: Vec<(&str, BTreeSet<&str>)> = rows
        .iter()
        .map(|r| {
            let deps = r[2]
                .split(',')
                .filter(|d| !d.is_empty() && *d != r[0] && ids.contains(d))
                .collect();
            (r[0].as_str(), deps)
        })
        .collect();
    let mut done: BTreeSet<&str> = BTreeSet::new();
    let mut out = Vec::with_capacity(needs.len());
    let mut left = needs;
    while !left.is_empty() {
        // The first node (oid order) whose dependencies are all placed.
        let next = left
            .iter()
            .position(|(_, deps)| deps.iter().all(|d| done.contains(d)))
            .unwrap_or(0);
        let (id, _) = left.remove(next);
        done.insert(id);
        out.push(id.to_string());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::topological;

    fn row(id: &str, deps: &str) -> Vec<String> {
        vec![id.into(), id.into(), deps.into()]
    }

    #[test]
    fn a_function_on_a_view_row_type_follows_the_view() {
        // v_admins (v1), admin_list() returning setof v_admins (f2), a view calling it (v3);
        // a function created first that the view v1 calls (f0).
        let rows = vec![
            row("f2", "v1"),
            row("v1", "f0"),
            row("f0", ""),
            row("v3", "f2"),
        ];
        assert_eq!(topological(&rows), ["f0", "v1", "f2", "v3"]);
    }

    #[test]
    fn the_functions_a_type_needs_are_found_through_types_and_functions() {
        // Domain t1 checks with f2, which calls f3; composite t4 has a t1 attribute; f5 only
        // takes a t1 argument.
        let rows = vec![
            vec!["t1".into(), "pos".into(), "f2".into()],
            vec!["f2".into(), "is_pos".into(), "f3".into()],
            vec!["f3".into(), "sign".into(), String::new()],
            vec!["t4".into(), "pair".into(), "t1".into()],
            vec!["f5".into(), "show".into(), "t1".into()],
        ];
        let needed = super::needed_by_types(&rows);
        let names = |id: &str| {
            needed
                .get(id)
                .map(|s| s.iter().cloned().collect::<Vec<_>>())
        };
        assert_eq!(
            names("f2"),
            Some(vec!["pair".to_string(), "pos".to_string()])
        );
        assert_eq!(
            names("f3"),
            Some(vec!["pair".to_string(), "pos".to_string()])
        );
        assert_eq!(names("f5"), None);
    }
}
