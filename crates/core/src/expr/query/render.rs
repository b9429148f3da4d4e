//! Rendering a portable SELECT into a sea-query [`SelectStatement`] for one dialect.

use sea_query::{Alias, Expr, IntoIden, JoinType, Order, Query, SelectStatement, TableRef};

use super::super::ast::ColumnRef;
use super::super::render::Renderer;
use super::super::sql;
use super::ast::{AggFunc, Aggregate, JoinKind, Relation, Select};
use crate::error::{Error, Result};

impl Renderer<'_> {
    /// Renders a subquery; column overrides (exploded elements) apply to its qualified
    /// references only, so its own unqualified columns stay its own.
    pub(in crate::expr) fn subquery(&self, q: &Select) -> Result<SelectStatement> {
        let outer = self.columns;
        let qualified = move |c: &ColumnRef| match (&c.table, outer) {
            (Some(_), Some(f)) => f(c),
            _ => None,
        };
        Renderer {
            d: self.d,
            columns: Some(&qualified),
        }
        .select(q)
    }

    /// Renders a SELECT. References qualified by one of its own relations are its own (a
    /// `json_each` relation's columns rendered through the dialect); others go to the
    /// enclosing query's overrides.
    pub(in crate::expr) fn select(&self, q: &Select) -> Result<SelectStatement> {
        let outer = self.columns;
        let own = |c: &ColumnRef| {
            let t = c.table.as_deref()?;
            match q.relations().find(|r| r.visible_name() == t) {
                Some(Relation::JsonRows { alias, .. }) => self.json_rows_column(alias, &c.column),
                Some(_) => None,
                None => outer.and_then(|f| f(c)),
            }
        };
        Renderer {
            d: self.d,
            columns: Some(&own),
        }
        .select_in_scope(q)
    }

    fn select_in_scope(&self, q: &Select) -> Result<SelectStatement> {
        let mut s = Query::select();
        for item in &q.items {
            let e = self.node(&item.expr)?;
            match &item.alias {
                Some(a) => s.expr_as(e, Alias::new(a.clone())),
                None => s.expr(e),
            };
        }
        s.from(self.relation(&q.from)?);
        for j in &q.joins {
            if j.kind == JoinKind::Full && !self.d.supports_full_join() {
                return Err(Error::unsupported(
                    self.d.dialect(),
                    format!("FULL JOIN of `{}`", j.relation.visible_name()),
                    "MySQL/MariaDB have no FULL JOIN: write the check as two queries (a LEFT JOIN \
                     and a RIGHT JOIN), or count the unmatched rows of each side with NOT EXISTS",
                ));
            }
            let t = self.relation(&j.relation)?;
            match (&j.on, j.kind) {
                (Some(on), kind) => {
                    s.join(join_type(kind), t, self.node(on)?);
                }
                // `LEFT JOIN json_each(..) AS a` without ON keeps rows without elements.
                (None, JoinKind::Left) => {
                    s.join(JoinType::LeftJoin, t, Expr::cust("TRUE"));
                }
                (None, _) => {
                    s.cross_join(t);
                }
            }
        }
        if let Some(w) = &q.filter {
            s.and_where(self.node(w)?);
        }
        if !q.group_by.is_empty() {
            let group: Vec<Expr> = q
                .group_by
                .iter()
                .map(|g| self.node(g))
                .collect::<Result<_>>()?;
            s.add_group_by(group);
        }
        if let Some(h) = &q.having {
            s.and_having(self.node(h)?);
        }
        for (o, desc) in &q.order_by {
            let order = if *desc { Order::Desc } else { Order::Asc };
            s.order_by_expr(self.node(o)?, order);
        }
        if let Some(n) = q.limit {
            s.limit(n);
        }
        Ok(s)
    }

    fn relation(&self, r: &Relation) -> Result<TableRef> {
        Ok(match r {
            Relation::Table { name, alias } => {
                let t: TableRef = Alias::new(name.clone()).into();
                match alias {
                    Some(a) => t.alias(Alias::new(a.clone())),
                    None => t,
                }
            }
            Relation::Derived { query, alias } => TableRef::SubQuery(
                self.select(query)?.into(),
                Alias::new(alias.clone()).into_iden(),
            ),
            Relation::JsonRows { json, alias } => self.json_rows(json, alias)?,
        })
    }

    pub(in crate::expr) fn aggregate(&self, a: &Aggregate) -> Result<Expr> {
        let arg = match &a.arg {
            Some(x) => self.node(x)?,
            None => Expr::col(sea_query::Asterisk),
        };
        Ok(match (a.func, a.distinct) {
            (AggFunc::Count, true) => sea_query::Func::count_distinct(arg).into(),
            (AggFunc::IntegerSum, _) => self.d.expr_integer_sum(sql::call("SUM", [arg])),
            (f, _) => sql::call(f.sql(), [arg]),
        })
    }
}

fn join_type(kind: JoinKind) -> JoinType {
    match kind {
        JoinKind::Inner => JoinType::InnerJoin,
        JoinKind::Left => JoinType::LeftJoin,
        JoinKind::Right => JoinType::RightJoin,
        JoinKind::Full => JoinType::FullOuterJoin,
        JoinKind::Cross => JoinType::CrossJoin,
    }
}
