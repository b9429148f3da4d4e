//! The load-time check of a portable SELECT: its tables and aliases form a scope searched
//! before the enclosing one (a correlated subquery sees the outer row), every expression is
//! type-checked in it, and a grouped query must group what it selects.

use super::super::ast::{ColumnRef, Node};
use super::super::kinds::{Lookup, Scope, ValueKind};
use super::super::typing::check_node;
use super::ast::{Relation, Select};

/// Resolves `column` of a table by name (the plan's schema model): `Unknown` for a table the
/// model does not describe. An empty `column` asks about the table alone: `Missing` when the
/// model proves it does not exist.
pub type Catalog<'a> = &'a dyn Fn(&str, &str) -> Lookup;

/// A relation of the query as the scope sees it.
enum Rel {
    Table {
        name: String,
        visible: String,
    },
    Derived {
        visible: String,
        columns: Vec<(String, ValueKind)>,
    },
    JsonRows {
        visible: String,
    },
}

impl Rel {
    fn visible(&self) -> &str {
        match self {
            Rel::Table { visible, .. }
            | Rel::Derived { visible, .. }
            | Rel::JsonRows { visible } => visible,
        }
    }

    fn column(&self, column: &str, catalog: Catalog<'_>) -> Lookup {
        match self {
            Rel::Table { name, .. } => catalog(name, column),
            Rel::JsonRows { visible } => super::json_rows::column_kind(visible, column),
            Rel::Derived { visible, columns } => match columns.iter().find(|(c, _)| c == column) {
                Some((_, k)) => Lookup::Found(*k),
                None => {
                    let names: Vec<&str> = columns.iter().map(|(c, _)| c.as_str()).collect();
                    Lookup::Missing(format!(
                        "column `{column}` is not selected by derived table `{visible}` (it selects: {}); give an expression a name with `AS`",
                        names.join(", ")
                    ))
                }
            },
        }
    }
}

/// Type-checks `q` with `outer` resolving the columns its own tables do not have; returns
/// the kinds of its select list.
pub(crate) fn check_select(
    q: &mut Select,
    outer: Scope<'_>,
    catalog: Catalog<'_>,
) -> Result<Vec<ValueKind>, String> {
    let mut seen: Vec<&str> = Vec::new();
    for r in q.relations() {
        let visible = r.visible_name();
        if seen.contains(&visible) {
            return Err(format!(
                "`{visible}` names two relations of the query: give one an alias (`FROM t a JOIN t b ON ..`)"
            ));
        }
        seen.push(visible);
    }
    let mut rels = Vec::new();
    let relations = std::iter::once(&mut q.from).chain(q.joins.iter_mut().map(|j| &mut j.relation));
    for r in relations {
        let visible = r.visible_name().to_string();
        rels.push(match r {
            Relation::Table { name, .. } => {
                if let Lookup::Missing(m) = catalog(name, "") {
                    return Err(m);
                }
                Rel::Table {
                    name: name.clone(),
                    visible,
                }
            }
            Relation::Derived { query, .. } => {
                // A derived table is not correlated: it sees no outer row.
                let kinds = check_select(query, &no_outer, catalog)?;
                let columns = query
                    .items
                    .iter()
                    .zip(kinds)
                    .filter_map(|(i, k)| i.name().map(|n| (n.to_string(), k)))
                    .collect();
                Rel::Derived { visible, columns }
            }
            Relation::JsonRows { json, .. } => {
                // The argument sees the relations before it (and the outer row).
                let before = |c: &ColumnRef| lookup(&rels, outer, catalog, c);
                let kind = check_node(json, &before, catalog, false)?;
                super::json_rows::check_argument(&visible, kind)?;
                Rel::JsonRows { visible }
            }
        });
    }
    let scope = |c: &ColumnRef| lookup(&rels, outer, catalog, c);
    let kinds = check_clauses(q, &scope, catalog)?;
    grouping(q)?;
    Ok(kinds)
}

fn check_clauses(
    q: &mut Select,
    scope: Scope<'_>,
    catalog: Catalog<'_>,
) -> Result<Vec<ValueKind>, String> {
    for j in q.joins.iter_mut() {
        if let Some(on) = j.on.as_mut() {
            condition(on, scope, catalog, "ON")?;
        }
    }
    if let Some(w) = q.filter.as_mut() {
        condition(w, scope, catalog, "WHERE")?;
    }
    for g in q.group_by.iter_mut() {
        check_node(g, scope, catalog, false)?;
    }
    if let Some(h) = q.having.as_mut() {
        condition(h, scope, catalog, "HAVING")?;
    }
    for (o, _) in q.order_by.iter_mut() {
        check_node(o, scope, catalog, true)?;
    }
    q.items
        .iter_mut()
        .map(|i| check_node(&mut i.expr, scope, catalog, true))
        .collect()
}

fn condition(
    n: &mut Node,
    scope: Scope<'_>,
    catalog: Catalog<'_>,
    clause: &str,
) -> Result<(), String> {
    let k = check_node(n, scope, catalog, clause == "HAVING")?;
    if k == ValueKind::Boolean || k.loose() {
        Ok(())
    } else {
        Err(format!(
            "{clause} needs a condition, not {k}: compare it with something (e.g. `x <> 0`)"
        ))
    }
}

fn no_outer(c: &ColumnRef) -> Lookup {
    Lookup::Missing(match &c.table {
        Some(t) => format!("`{c}`: `{t}` is not a table or alias of the query"),
        None => format!("column `{c}` is not a column of any table of the query"),
    })
}

/// Resolves `c` in the query's relations, then in the enclosing scope.
fn lookup(rels: &[Rel], outer: Scope<'_>, catalog: Catalog<'_>, c: &ColumnRef) -> Lookup {
    match &c.table {
        Some(t) => match rels.iter().find(|r| r.visible() == t) {
            Some(r) => r.column(&c.column, catalog),
            None => outer(c),
        },
        None => {
            let mut first_missing = None;
            let mut result = None;
            let mut found_in: Option<&str> = None;
            // The columns of json_each are always qualified (`a.value`).
            for r in rels.iter().filter(|r| !matches!(r, Rel::JsonRows { .. })) {
                match r.column(&c.column, catalog) {
                    Lookup::Missing(m) => {
                        first_missing.get_or_insert(m);
                    }
                    // Two relations known to have the column: every database refuses it.
                    Lookup::Found(_) | Lookup::Stored(_) if found_in.is_some() => {
                        let first = found_in.unwrap_or_default();
                        return Lookup::Missing(format!(
                            "column `{c}` is ambiguous: both `{first}` and `{}` have it; qualify it (e.g. `{first}.{c}`)",
                            r.visible()
                        ));
                    }
                    found @ (Lookup::Found(_) | Lookup::Stored(_)) => {
                        found_in = Some(r.visible());
                        result.get_or_insert(found);
                    }
                    Lookup::Unknown => {
                        result.get_or_insert(Lookup::Unknown);
                    }
                }
            }
            if let Some(l) = result {
                return l;
            }
            let json_alias = rels.iter().find_map(|r| match r {
                Rel::JsonRows { visible } => Some(visible),
                _ => None,
            });
            match (outer(c), first_missing, json_alias) {
                (Lookup::Missing(m), own, Some(a))
                    if matches!(
                        super::json_rows::column_kind(a, &c.column),
                        Lookup::Found(_)
                    ) =>
                {
                    Lookup::Missing(format!(
                        "{}; the elements of json_each are qualified: `{a}.{}`",
                        own.unwrap_or(m),
                        c.column
                    ))
                }
                (Lookup::Missing(_), Some(m), _) => Lookup::Missing(m),
                (other, _, _) => other,
            }
        }
    }
}

/// In a grouped query (GROUP BY, or an aggregate in the select list or HAVING), every column
/// a select item uses outside an aggregate must be grouped: SQLite would otherwise pick an
/// arbitrary row's value where PostgreSQL and MySQL refuse the query.
fn grouping(q: &Select) -> Result<(), String> {
    let grouped = !q.group_by.is_empty()
        || q.items.iter().any(|i| i.expr.find_aggregate().is_some())
        || q.having.is_some();
    if !grouped {
        return Ok(());
    }
    let is_grouped = |c: &ColumnRef| {
        q.group_by.iter().any(|g| match g {
            Node::Column(g) => {
                g.column == c.column
                    && (g.table.is_none() || c.table.is_none() || g.table == c.table)
            }
            _ => false,
        })
    };
    for item in &q.items {
        if q.group_by.contains(&item.expr) {
            continue;
        }
        let mut bare = Vec::new();
        bare_columns(&item.expr, &mut bare);
        if let Some(c) = bare.iter().find(|c| !is_grouped(c)) {
            return Err(format!(
                "`{c}` is selected by a grouped query but neither grouped nor aggregated: add it to GROUP BY or aggregate it (e.g. MIN({c}))"
            ));
        }
    }
    Ok(())
}

/// The columns of `n` outside aggregates and subqueries.
fn bare_columns(n: &Node, out: &mut Vec<ColumnRef>) {
    match n {
        Node::Aggregate(_) => {}
        Node::Column(c) => out.push(c.clone()),
        _ => n.children().into_iter().for_each(|c| bare_columns(c, out)),
    }
}
