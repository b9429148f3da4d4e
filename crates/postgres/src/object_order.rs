//! The order of the functions, views and materialized views a generated baseline copies as
//! SQL, from their real dependencies (fxW H5). Before, they were written by kind (functions,
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

// The current schema's functions and procedures (`f`) and views and materialized views
// (`v`), by oid, with the nodes each depends on (`f123`, `v456`), comma-separated.
const GRAPH: &str = "WITH nodes AS ( \
      SELECT 'f' AS kind, p.oid, p.proname::text AS name FROM pg_proc p \
      WHERE p.pronamespace = current_schema()::regnamespace AND p.prokind IN ('f', 'p') \
      UNION ALL SELECT 'v', c.oid, c.relname::text FROM pg_class c \
      WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind IN ('v', 'm')), \
    deps AS ( \
      SELECT CASE WHEN d.classid = 'pg_proc'::regclass THEN 'f' ELSE 'v' END AS kind, \
        CASE WHEN d.classid = 'pg_proc'::regclass THEN d.objid \
          ELSE (SELECT r.ev_class FROM pg_rewrite r WHERE r.oid = d.objid) END AS obj, \
        CASE WHEN d.refclassid = 'pg_proc'::regclass THEN 'f' ELSE 'v' END AS ref_kind, \
        CASE WHEN d.refclassid = 'pg_type'::regclass THEN \
          (SELECT CASE WHEN t.typrelid <> 0 THEN t.typrelid \
            ELSE (SELECT e.typrelid FROM pg_type e WHERE e.oid = t.typelem) END \
           FROM pg_type t WHERE t.oid = d.refobjid) \
          ELSE d.refobjid END AS ref \
      FROM pg_depend d \
      WHERE d.classid IN ('pg_proc'::regclass, 'pg_rewrite'::regclass) \
        AND d.refclassid IN ('pg_proc'::regclass, 'pg_class'::regclass, 'pg_type'::regclass) \
        AND d.deptype = 'n') \
    SELECT n.kind || n.oid::text, n.name, \
      coalesce(string_agg(DISTINCT r.kind || r.oid::text, ','), '') \
    FROM nodes n \
    LEFT JOIN deps ON deps.kind = n.kind AND deps.obj = n.oid \
    LEFT JOIN nodes r ON r.kind = deps.ref_kind AND r.oid = deps.ref \
      AND NOT (r.kind = n.kind AND r.oid = n.oid) \
    GROUP BY n.kind, n.oid, n.name ORDER BY n.oid";

/// Reorders the functions, views and materialized views of `objects` so that each follows
/// what it depends on. `function_oids` are the oids of the function objects, in the order
/// they were pushed. Other objects keep their places.
pub(crate) async fn reorder(
    b: &mut dyn Backend,
    objects: &mut [RawObject],
    function_oids: &[String],
) -> cutover_core::Result<()> {
    let rows = catalog(b, GRAPH).await?;
    let order = topological(&rows);
    // A view or materialized view by its name, a function by its oid.
    let mut rank: BTreeMap<String, usize> = BTreeMap::new();
    for (i, id) in order.iter().enumerate() {
        rank.insert(id.clone(), i);
    }
    let view_rank: BTreeMap<&str, usize> = rows
        .iter()
        .filter(|r| r[0].starts_with('v'))
        .filter_map(|r| rank.get(&r[0]).map(|i| (r[1].as_str(), *i)))
        .collect();
    let mut functions = function_oids.iter();
    let mut slots = Vec::new();
    let mut keyed = Vec::new();
    for (i, o) in objects.iter().enumerate() {
        let key = match o.kind {
            ObjectKind::Function => functions
                .next()
                .and_then(|oid| rank.get(&format!("f{oid}")).copied()),
            ObjectKind::View | ObjectKind::MaterializedView => {
                view_rank.get(o.name.as_str()).copied()
            }
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
}
