//! The user types of the current schema for a generated baseline: enums, composite types and
//! domains, in an order where each comes after the types it is built on (fxW H4: before, a
//! type was written only when a table copied as SQL used it directly, so an enum used only
//! through a domain, and every composite type, were missing and `up` failed with
//! `type "..." does not exist`).

use std::collections::{BTreeMap, BTreeSet};

use cutover_core::backend::Backend;
use cutover_core::schema::catalog;

// One row per type of the current schema that no extension owns: name, CREATE statement,
// the tables whose columns use it, and the types of the schema it is built on (a domain's
// base type, a composite's attribute types; an array stands for its element), by name.
const TYPES: &str = "SELECT t.typname, CASE t.typtype \
      WHEN 'e' THEN format('CREATE TYPE %I AS ENUM (%s)', t.typname, \
        (SELECT string_agg(quote_literal(e.enumlabel), ', ' ORDER BY e.enumsortorder) \
          FROM pg_enum e WHERE e.enumtypid = t.oid)) \
      WHEN 'c' THEN format('CREATE TYPE %I AS (%s)', t.typname, \
        (SELECT string_agg(format('%I %s', a.attname, format_type(a.atttypid, a.atttypmod)) || \
            CASE WHEN a.attcollation <> 0 AND a.attcollation <> at.typcollation \
              THEN ' COLLATE ' || quote_ident(co.collname) ELSE '' END, ', ' ORDER BY a.attnum) \
          FROM pg_attribute a JOIN pg_type at ON at.oid = a.atttypid \
          LEFT JOIN pg_collation co ON co.oid = a.attcollation \
          WHERE a.attrelid = t.typrelid AND a.attnum > 0 AND NOT a.attisdropped)) \
      ELSE format('CREATE DOMAIN %I AS %s', t.typname, format_type(t.typbasetype, t.typtypmod)) || \
        COALESCE(' DEFAULT ' || t.typdefault, '') || CASE WHEN t.typnotnull THEN ' NOT NULL' ELSE '' END || \
        COALESCE((SELECT string_agg(format(' CONSTRAINT %I %s', con.conname, pg_get_constraintdef(con.oid)), '' \
            ORDER BY con.conname) \
          FROM pg_constraint con WHERE con.contypid = t.oid), '') END, \
    COALESCE((SELECT string_agg(DISTINCT c.relname, ',') FROM pg_attribute a \
      JOIN pg_class c ON c.oid = a.attrelid WHERE a.atttypid = t.oid AND c.relkind IN ('r', 'p') \
      AND NOT a.attisdropped), ''), \
    COALESCE((SELECT string_agg(DISTINCT rt.typname, ',') FROM pg_depend d \
      JOIN pg_type r ON r.oid = d.refobjid \
      JOIN pg_type rt ON rt.oid = CASE WHEN r.typelem <> 0 AND r.typcategory = 'A' THEN r.typelem ELSE r.oid END \
      WHERE d.refclassid = 'pg_type'::regclass AND rt.typnamespace = t.typnamespace AND rt.oid <> t.oid \
        AND ((d.classid = 'pg_type'::regclass AND d.objid = t.oid) \
          OR (d.classid = 'pg_class'::regclass AND d.objid = t.typrelid AND t.typrelid <> 0))), '') \
    FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace \
    WHERE n.nspname = current_schema() \
      AND (t.typtype IN ('e', 'd') OR (t.typtype = 'c' \
        AND (SELECT c.relkind FROM pg_class c WHERE c.oid = t.typrelid) = 'c')) \
      AND NOT EXISTS (SELECT 1 FROM pg_depend x WHERE x.objid = t.oid AND x.deptype = 'e') \
    ORDER BY t.oid";

/// The user types of the current schema as rows of name, statement and the tables that
/// use them, each after the types it is built on.
pub(crate) async fn read(b: &mut dyn Backend) -> cutover_core::Result<Vec<Vec<String>>> {
    let rows = catalog(b, TYPES).await?;
    Ok(in_dependency_order(rows))
}

/// `rows` (name, statement, tables, types it needs) reordered so that every type follows
/// those it needs, oid order otherwise; the last column is dropped. A circle cannot occur
/// (PostgreSQL refuses one); should it, the rest keeps its order.
fn in_dependency_order(rows: Vec<Vec<String>>) -> Vec<Vec<String>> {
    let names: BTreeSet<String> = rows.iter().map(|r| r[0].clone()).collect();
    let mut needs: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for r in &rows {
        let deps = r
            .get(3)
            .map(|d| {
                d.split(',')
                    .filter(|n| !n.is_empty() && *n != r[0] && names.contains(*n))
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default();
        needs.insert(r[0].clone(), deps);
    }
    let mut done: BTreeSet<String> = BTreeSet::new();
    let mut left = rows;
    let mut out = Vec::with_capacity(left.len());
    while !left.is_empty() {
        let (ready, rest): (Vec<_>, Vec<_>) = left.into_iter().partition(|r| {
            needs
                .get(&r[0])
                .is_none_or(|d| d.iter().all(|n| done.contains(n)))
        });
        if ready.is_empty() {
            out.extend(rest);
            break;
        }
        for r in ready {
            done.insert(r[0].clone());
            out.push(r);
        }
        left = rest;
    }
    for r in &mut out {
        r.truncate(3);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::in_dependency_order;

    fn row(name: &str, deps: &str) -> Vec<String> {
        vec![
            name.into(),
            format!("sql {name}"),
            String::new(),
            deps.into(),
        ]
    }

    #[test]
    fn a_type_follows_the_types_it_is_built_on() {
        // A composite altered to use a type created after it comes later in oid order.
        let rows = vec![
            row("addr", "zip_d"),
            row("prio_d", "prio"),
            row("prio", ""),
            row("zip_d", ""),
        ];
        let names: Vec<String> = in_dependency_order(rows)
            .into_iter()
            .map(|r| r[0].clone())
            .collect();
        assert_eq!(names, ["prio", "zip_d", "addr", "prio_d"]);
    }
}
