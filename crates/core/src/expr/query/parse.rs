//! Parsing a portable SELECT (sqlparser AST -> [`Select`]) and aggregate calls; the FROM
//! clause is parsed in [`super::parse_from`].

use sqlparser::ast::{
    self as sql, DuplicateTreatment, FunctionArg, FunctionArgExpr, FunctionArguments, GroupByExpr,
    LimitClause, OrderByKind, OrderBySort, SelectItem, SetExpr,
};

use super::super::ast::{Literal, Node};
use super::super::parse::Cx;
use super::ast::{AggFunc, Aggregate, Item, Join, JoinKind, Select};
use crate::error::Result;

/// Where a SELECT appears: what it may contain depends on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Place {
    /// A check's `query`: exactly one value.
    Check,
    /// `(SELECT ..)` as a value: exactly one column, may `ORDER BY .. LIMIT n`.
    Scalar,
    /// `x IN (SELECT ..)`: exactly one column.
    In,
    /// `EXISTS (SELECT ..)`.
    Exists,
    /// `FROM (SELECT ..) alias`.
    Derived,
}

impl Place {
    fn name(self) -> &'static str {
        match self {
            Place::Check => "a check's query",
            Place::Scalar => "a scalar subquery",
            Place::In => "an IN subquery",
            Place::Exists => "an EXISTS subquery",
            Place::Derived => "a derived table",
        }
    }
}

impl Cx<'_> {
    /// Converts a parsed query appearing at `place`.
    pub(in crate::expr) fn select(&self, q: sql::Query, place: Place) -> Result<Select> {
        if q.with.is_some()
            || q.fetch.is_some()
            || !q.locks.is_empty()
            || q.for_clause.is_some()
            || q.settings.is_some()
            || q.format_clause.is_some()
            || !q.pipe_operators.is_empty()
        {
            return Err(self.err(
                "WITH, FETCH, FOR UPDATE and other query clauses are not supported in a portable query; \
                 use a derived table `FROM (SELECT ..) alias` instead of WITH",
            ));
        }
        let s = match *q.body {
            SetExpr::Select(s) => *s,
            SetExpr::Query(inner) => return self.select(*inner, place),
            other => {
                return Err(self.err(format!(
                    "`{other}`: only a single SELECT is supported in a portable query (no UNION, VALUES, ..)"
                )));
            }
        };
        let mut out = self.body(s)?;
        if let Some(order) = q.order_by {
            let OrderByKind::Expressions(exprs) = order.kind else {
                return Err(self.err("ORDER BY ALL is not supported; name the expressions"));
            };
            for o in exprs {
                if o.options.nulls_first.is_some() || o.with_fill.is_some() {
                    return Err(self.err("NULLS FIRST/LAST is not supported in ORDER BY"));
                }
                let desc = match o.options.sort {
                    None | Some(OrderBySort::Asc) => false,
                    Some(OrderBySort::Desc) => true,
                    Some(_) => return Err(self.err("only ASC and DESC are supported in ORDER BY")),
                };
                out.order_by.push((self.node(o.expr)?, desc));
            }
        }
        if let Some(limit) = q.limit_clause {
            out.limit = Some(self.limit(limit)?);
        }
        self.place(&out, place)?;
        Ok(out)
    }

    fn limit(&self, limit: LimitClause) -> Result<u64> {
        let LimitClause::LimitOffset {
            limit: Some(e),
            offset: None,
            limit_by,
        } = limit
        else {
            return Err(self.err("only `LIMIT n` is supported (no OFFSET)"));
        };
        match self.node(e)? {
            Node::Literal(Literal::Int(n)) if n > 0 && limit_by.is_empty() => Ok(n as u64),
            _ => Err(self.err("LIMIT takes a positive integer literal, e.g. `LIMIT 1`")),
        }
    }

    /// The rules of where the query appears: one value, ORDER BY/LIMIT only where needed.
    fn place(&self, q: &Select, place: Place) -> Result<()> {
        if matches!(place, Place::Check | Place::Scalar | Place::In) && q.items.len() != 1 {
            return Err(self.err(format!(
                "{} must select exactly one value, this one selects {}",
                place.name(),
                q.items.len()
            )));
        }
        if (!q.order_by.is_empty() || q.limit.is_some()) && place != Place::Scalar {
            return Err(self.err(format!(
                "ORDER BY and LIMIT are only supported in a scalar subquery (`(SELECT x FROM t .. ORDER BY y LIMIT 1)`), not in {}",
                place.name()
            )));
        }
        if let Some(limit) = q.limit
            && limit != 1
        {
            return Err(self.err(
                "a scalar subquery yields one row: its LIMIT must be 1 (`ORDER BY .. LIMIT 1`)",
            ));
        }
        Ok(())
    }

    fn body(&self, s: sql::Select) -> Result<Select> {
        if s.distinct.is_some()
            || s.top.is_some()
            || s.into.is_some()
            || !s.lateral_views.is_empty()
            || s.prewhere.is_some()
            || !s.connect_by.is_empty()
            || !s.cluster_by.is_empty()
            || !s.distribute_by.is_empty()
            || !s.sort_by.is_empty()
            || !s.named_window.is_empty()
            || s.qualify.is_some()
            || s.exclude.is_some()
            || s.value_table_mode.is_some()
            || s.select_modifiers.is_some()
            || !s.optimizer_hints.is_empty()
        {
            return Err(self.err(
                "SELECT DISTINCT, TOP, INTO, WINDOW, QUALIFY and other SELECT clauses are not supported; \
                 a portable query has a select list, FROM with joins, WHERE, GROUP BY and HAVING \
                 (for distinct rows use GROUP BY or COUNT(DISTINCT x))",
            ));
        }
        let mut from = s.from.into_iter();
        let Some(first) = from.next() else {
            return Err(self.err(
                "a portable query needs FROM: `SELECT .. FROM t` (join others with JOIN .. ON, or CROSS JOIN)",
            ));
        };
        let items = s
            .projection
            .into_iter()
            .map(|i| self.item(i))
            .collect::<Result<Vec<_>>>()?;
        let from_rel = self.relation(first.relation)?;
        let mut joins = first
            .joins
            .into_iter()
            .map(|j| self.join(j))
            .collect::<Result<Vec<_>>>()?;
        // `FROM a, b` is `FROM a CROSS JOIN b`.
        for more in from {
            joins.push(Join {
                kind: JoinKind::Cross,
                relation: self.relation(more.relation)?,
                on: None,
            });
            for j in more.joins {
                joins.push(self.join(j)?);
            }
        }
        let group_by = match s.group_by {
            GroupByExpr::Expressions(exprs, mods) if mods.is_empty() => exprs
                .into_iter()
                .map(|e| self.node(e))
                .collect::<Result<Vec<_>>>()?,
            _ => return Err(self.err("GROUP BY ALL, ROLLUP, CUBE are not supported")),
        };
        let out = Select {
            items,
            from: from_rel,
            joins,
            filter: s.selection.map(|e| self.node(e)).transpose()?,
            group_by,
            having: s.having.map(|e| self.node(e)).transpose()?,
            order_by: Vec::new(),
            limit: None,
        };
        let clauses = out
            .joins
            .iter()
            .filter_map(|j| j.on.as_ref().map(|n| ("ON", n)))
            .chain(out.filter.iter().map(|n| ("WHERE", n)))
            .chain(out.group_by.iter().map(|n| ("GROUP BY", n)));
        for (clause, n) in clauses {
            if let Some(a) = n.find_aggregate() {
                return Err(self.err(format!(
                    "`{}` in {clause}: aggregates are only allowed in the select list and HAVING \
                     (filter groups with `HAVING {}(..) > ..`, or aggregate in a subquery)",
                    a.sql(),
                    a.sql()
                )));
            }
        }
        Ok(out)
    }

    fn item(&self, item: SelectItem) -> Result<Item> {
        match item {
            SelectItem::UnnamedExpr(e) => Ok(Item {
                expr: self.node(e)?,
                alias: None,
            }),
            SelectItem::ExprWithAlias { expr, alias } => Ok(Item {
                expr: self.node(expr)?,
                alias: Some(alias.value),
            }),
            SelectItem::Wildcard(_) | SelectItem::QualifiedWildcard(..) => Err(self
                .err("`*` is not allowed in a portable query (except COUNT(*)); name the columns")),
            other => Err(self.err(format!("select item `{other}` is not supported"))),
        }
    }

    /// `COUNT(*)`, `COUNT([DISTINCT] x)`, `SUM(x)`, `MIN(x)`, `MAX(x)`, `AVG(x)`.
    pub(in crate::expr) fn aggregate(
        &self,
        func: AggFunc,
        args: FunctionArguments,
    ) -> Result<Node> {
        let name = func.sql();
        let FunctionArguments::List(list) = args else {
            return Err(self.err(format!("`{name}` takes one argument, e.g. `{name}(x)`")));
        };
        if !list.clauses.is_empty() {
            return Err(self.err(format!(
                "`{name}`: ORDER BY and other argument clauses are not supported"
            )));
        }
        let distinct = match list.duplicate_treatment {
            None | Some(DuplicateTreatment::All) => false,
            Some(DuplicateTreatment::Distinct) if func == AggFunc::Count => true,
            Some(DuplicateTreatment::Distinct) => {
                return Err(self.err(format!(
                    "`{name}(DISTINCT ..)` is not supported; only COUNT(DISTINCT x) is"
                )));
            }
        };
        let mut args = list.args.into_iter();
        let arg = match (args.next(), args.next()) {
            (Some(FunctionArg::Unnamed(FunctionArgExpr::Wildcard)), None)
                if func == AggFunc::Count && !distinct =>
            {
                None
            }
            (Some(FunctionArg::Unnamed(FunctionArgExpr::Expr(e))), None) => {
                let arg = self.node(e)?;
                if let Some(inner) = arg.find_aggregate() {
                    return Err(self.err(format!(
                        "`{}` inside `{name}`: aggregates cannot be nested",
                        inner.sql()
                    )));
                }
                Some(Box::new(arg))
            }
            _ => {
                return Err(self.err(format!(
                    "`{name}` takes one argument: {name}(x){}",
                    if func == AggFunc::Count {
                        ", COUNT(*) or COUNT(DISTINCT x)"
                    } else {
                        ""
                    }
                )));
            }
        };
        Ok(Node::Aggregate(Aggregate {
            func,
            arg,
            distinct,
        }))
    }
}
