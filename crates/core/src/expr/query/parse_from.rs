//! Parsing the FROM clause of a portable SELECT: tables, derived tables, `json_each` rows
//! and joins.

use sqlparser::ast::{self as sql, JoinConstraint, JoinOperator, ObjectNamePart, TableFactor};

use super::super::parse::Cx;
use super::ast::{Join, JoinKind, Relation};
use super::parse::Place;
use crate::error::Result;

impl Cx<'_> {
    /// A table named by one identifier.
    pub(super) fn table_name(&self, name: &sql::ObjectName) -> Result<String> {
        match name.0.as_slice() {
            [ObjectNamePart::Identifier(id)] => Ok(id.value.clone()),
            _ => Err(self.err(format!(
                "`{name}`: a table is named by one identifier (no schema or database prefix)"
            ))),
        }
    }

    /// One relation of FROM: a table, `(SELECT ..) alias` or `json_each(..) AS alias`.
    pub(super) fn relation(&self, t: TableFactor) -> Result<Relation> {
        match t {
            TableFactor::Table {
                name,
                alias,
                args: None,
                with_hints,
                version: None,
                with_ordinality: false,
                partitions,
                json_path: None,
                sample: None,
                index_hints,
            } if with_hints.is_empty() && partitions.is_empty() && index_hints.is_empty() => {
                if alias.as_ref().is_some_and(|a| !a.columns.is_empty()) {
                    return Err(self.err("column aliases after a table alias are not supported"));
                }
                Ok(Relation::Table {
                    name: self.table_name(&name)?,
                    alias: alias.map(|a| a.name.value),
                })
            }
            TableFactor::Derived {
                lateral: false,
                subquery,
                alias,
                sample: None,
            } => {
                let Some(alias) = alias.filter(|a| a.columns.is_empty()) else {
                    return Err(self.err(
                        "a derived table needs an alias (and no column list): `FROM (SELECT ..) d`",
                    ));
                };
                Ok(Relation::Derived {
                    query: Box::new(self.select(*subquery, Place::Derived)?),
                    alias: alias.name.value,
                })
            }
            TableFactor::Table {
                name,
                alias,
                args: Some(args),
                with_hints,
                version: None,
                with_ordinality: false,
                partitions,
                json_path: None,
                sample: None,
                index_hints,
            } if args.settings.is_none()
                && with_hints.is_empty()
                && partitions.is_empty()
                && index_hints.is_empty() =>
            {
                self.json_rows(&name, args.args, alias)
            }
            TableFactor::Function {
                lateral: false,
                name,
                args,
                with_ordinality: false,
                alias,
            } => self.json_rows(&name, args, alias),
            other => Err(self.err(format!(
                "`{other}` is not supported in FROM; a relation is a table (with an alias), `(SELECT ..) alias` or `json_each(json) AS alias`"
            ))),
        }
    }

    /// One JOIN: its kind, relation and ON condition.
    pub(super) fn join(&self, j: sql::Join) -> Result<Join> {
        use JoinOperator as J;
        let (kind, constraint) = match j.join_operator {
            J::Join(c) | J::Inner(c) => (JoinKind::Inner, c),
            J::Left(c) | J::LeftOuter(c) => (JoinKind::Left, c),
            J::Right(c) | J::RightOuter(c) => (JoinKind::Right, c),
            J::FullOuter(c) => (JoinKind::Full, c),
            J::CrossJoin(c) => (JoinKind::Cross, c),
            other => {
                return Err(self.err(format!(
                    "join `{other:?}` is not supported; use [INNER|LEFT|RIGHT|FULL] JOIN .. ON or CROSS JOIN"
                )));
            }
        };
        let relation = self.relation(j.relation)?;
        let json_rows = matches!(relation, Relation::JsonRows { .. });
        if json_rows && matches!(kind, JoinKind::Right | JoinKind::Full) {
            return Err(self.err(format!(
                "`json_each(..) AS {}` cannot be the right side of a RIGHT or FULL JOIN (its rows \
                 exist only for a row of the left side); use JOIN or LEFT JOIN",
                relation.visible_name()
            )));
        }
        let on = match (kind, constraint) {
            (JoinKind::Cross, JoinConstraint::None) => None,
            // `JOIN json_each(m.x) AS a` without ON pairs each row with its own elements.
            (JoinKind::Inner, JoinConstraint::None) if json_rows => {
                return Ok(Join {
                    kind: JoinKind::Cross,
                    relation,
                    on: None,
                });
            }
            (JoinKind::Left, JoinConstraint::None) if json_rows => None,
            (JoinKind::Cross, _) => {
                return Err(self.err("CROSS JOIN takes no ON condition; use INNER JOIN .. ON"));
            }
            (_, JoinConstraint::On(e)) => Some(self.node(e)?),
            _ => {
                return Err(
                    self.err("a join needs `ON condition` (USING and NATURAL are not supported)")
                );
            }
        };
        Ok(Join { kind, relation, on })
    }
}
