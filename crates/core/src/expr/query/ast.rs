//! The IR of a portable SELECT: one FROM relation, joins, WHERE, GROUP BY, HAVING, and (for
//! scalar subqueries) a simple ORDER BY .. LIMIT.

use super::super::ast::Node;

/// An aggregate function.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum AggFunc {
    Count,
    Sum,
    /// `SUM` of integers (set by the type check): rendered as an integer on every dialect.
    IntegerSum,
    Min,
    Max,
    Avg,
}

impl AggFunc {
    /// The function for a (case-insensitive) name.
    pub(crate) fn lookup(name: &str) -> Option<AggFunc> {
        Some(match name.to_ascii_lowercase().as_str() {
            "count" => AggFunc::Count,
            "sum" => AggFunc::Sum,
            "min" => AggFunc::Min,
            "max" => AggFunc::Max,
            "avg" => AggFunc::Avg,
            _ => return None,
        })
    }

    /// The SQL name.
    pub(crate) fn sql(self) -> &'static str {
        match self {
            AggFunc::Count => "COUNT",
            AggFunc::Sum | AggFunc::IntegerSum => "SUM",
            AggFunc::Min => "MIN",
            AggFunc::Max => "MAX",
            AggFunc::Avg => "AVG",
        }
    }
}

/// An aggregate call: `COUNT(*)` has no argument.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Aggregate {
    pub(crate) func: AggFunc,
    pub(crate) arg: Option<Box<Node>>,
    pub(crate) distinct: bool,
}

/// One item of the select list.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Item {
    pub(crate) expr: Node,
    /// `AS alias` (the name a derived table exposes); else a plain column's own name.
    pub(crate) alias: Option<String>,
}

impl Item {
    /// The name this item has as a column of a derived table.
    pub(crate) fn name(&self) -> Option<&str> {
        match (&self.alias, &self.expr) {
            (Some(a), _) => Some(a),
            (None, Node::Column(c)) => Some(&c.column),
            _ => None,
        }
    }
}

/// A table or derived table in FROM or a join.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Relation {
    /// A table, with an optional alias.
    Table { name: String, alias: Option<String> },
    /// `(SELECT ..) alias`.
    Derived { query: Box<Select>, alias: String },
    /// `json_each(json) AS alias`: one row per element of a JSON array, with the columns
    /// `value`, `text` and `position` (see [`super::json_rows`]).
    JsonRows { json: Box<Node>, alias: String },
}

impl Relation {
    /// The name columns are qualified with: the alias, else the table name.
    pub(crate) fn visible_name(&self) -> &str {
        match self {
            Relation::Table { alias: Some(a), .. }
            | Relation::Derived { alias: a, .. }
            | Relation::JsonRows { alias: a, .. } => a,
            Relation::Table { name, .. } => name,
        }
    }
}

/// The kind of a join.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum JoinKind {
    Inner,
    Left,
    Right,
    Full,
    Cross,
}

/// A join: `kind relation [ON condition]` (no condition for CROSS).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Join {
    pub(crate) kind: JoinKind,
    pub(crate) relation: Relation,
    pub(crate) on: Option<Node>,
}

/// A portable SELECT.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Select {
    pub(crate) items: Vec<Item>,
    pub(crate) from: Relation,
    pub(crate) joins: Vec<Join>,
    pub(crate) filter: Option<Node>,
    pub(crate) group_by: Vec<Node>,
    pub(crate) having: Option<Node>,
    /// `(expression, descending)`.
    pub(crate) order_by: Vec<(Node, bool)>,
    pub(crate) limit: Option<u64>,
}

impl Select {
    /// Every relation of the query, FROM first.
    pub(crate) fn relations(&self) -> impl Iterator<Item = &Relation> {
        std::iter::once(&self.from).chain(self.joins.iter().map(|j| &j.relation))
    }

    /// Whether the query (or a subquery or derived table in it) reads `table`.
    pub(crate) fn reads_table(&self, table: &str) -> bool {
        self.relations().any(|r| match r {
            Relation::Table { name, .. } => name == table,
            Relation::Derived { query, .. } => query.reads_table(table),
            Relation::JsonRows { .. } => false,
        }) || self.nodes().any(|n| n.reads_table(table))
    }

    /// Appends every column the query and its subqueries reference.
    pub(crate) fn collect_columns(&self, out: &mut Vec<super::super::ast::ColumnRef>) {
        for r in self.relations() {
            if let Relation::Derived { query, .. } = r {
                query.collect_columns(out);
            }
        }
        self.nodes().for_each(|n| n.collect_columns(out));
    }

    /// Appends every table the query and its subqueries read.
    pub(crate) fn collect_tables(&self, out: &mut Vec<String>) {
        for r in self.relations() {
            match r {
                Relation::Table { name, .. } if !out.contains(name) => out.push(name.clone()),
                Relation::Table { .. } | Relation::JsonRows { .. } => {}
                Relation::Derived { query, .. } => query.collect_tables(out),
            }
        }
        self.nodes().for_each(|n| n.collect_tables(out));
    }

    /// Appends the names (alias, else the table's own name) under which the query and its
    /// subqueries read `table`.
    pub(crate) fn collect_aliases(&self, table: &str, out: &mut Vec<String>) {
        for r in self.relations() {
            match r {
                Relation::Table { name, .. } if name == table => {
                    let n = r.visible_name().to_string();
                    if !out.contains(&n) {
                        out.push(n);
                    }
                }
                Relation::Derived { query, .. } => query.collect_aliases(table, out),
                _ => {}
            }
        }
        self.nodes().for_each(|n| n.collect_aliases(table, out));
    }

    /// Every expression of the query itself (not of its derived tables), including the
    /// arguments of its `json_each` relations.
    pub(crate) fn nodes(&self) -> impl Iterator<Item = &Node> {
        let json_args = self.relations().filter_map(|r| match r {
            Relation::JsonRows { json, .. } => Some(&**json),
            _ => None,
        });
        self.items
            .iter()
            .map(|i| &i.expr)
            .chain(json_args)
            .chain(self.joins.iter().filter_map(|j| j.on.as_ref()))
            .chain(self.filter.iter())
            .chain(self.group_by.iter())
            .chain(self.having.iter())
            .chain(self.order_by.iter().map(|(n, _)| n))
    }
}
