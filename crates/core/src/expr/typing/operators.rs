//! Type checking of binary operators (`Checker::binary`).

use super::super::ast::{BinaryOp, Literal, Node};
use super::super::kinds::ValueKind;
use super::{Checker, enum_as_text, exact_pair};

impl Checker<'_> {
    pub(super) fn binary(&self, node: &mut Node) -> Result<ValueKind, String> {
        use ValueKind::*;
        let Node::Binary(l, op, r) = node else {
            return Ok(Unknown);
        };
        let lk = self.node(l)?;
        let rk = self.node(r)?;
        Ok(match op {
            BinaryOp::And | BinaryOp::Or => {
                for k in [lk, rk] {
                    if !(k == Boolean || k.loose()) {
                        return Err(format!("AND/OR need conditions, not {k}"));
                    }
                }
                Boolean
            }
            BinaryOp::Eq
            | BinaryOp::NotEq
            | BinaryOp::Lt
            | BinaryOp::LtEq
            | BinaryOp::Gt
            | BinaryOp::GtEq => {
                self.compare(lk, l, rk, r, "a comparison")?;
                let ordering = !matches!(op, BinaryOp::Eq | BinaryOp::NotEq);
                if ordering && matches!((lk, rk), (Enum(_), _) | (_, Enum(_))) {
                    return Err(
                        "<, <=, > and >= on an enum: PostgreSQL orders enum values by declaration, MySQL and SQLite as text; compare with = / <> / IN, or CAST(x AS text) to order as text"
                            .into(),
                    );
                }
                let (mut lk, mut rk) = (lk, rk);
                if matches!(op, BinaryOp::Eq | BinaryOp::NotEq) {
                    // An enum compared with computed text (a CASE, coalesce(..)): PostgreSQL
                    // has no `enum = text` operator, so the enum side is compared as text.
                    enum_as_text(l, &mut lk, r, rk);
                    enum_as_text(r, &mut rk, l, lk);
                }
                if matches!(op, BinaryOp::Eq | BinaryOp::NotEq) && lk.textual() && rk.textual() {
                    let stored = [self.stored_text(l), self.stored_text(r)];
                    if *op == BinaryOp::Eq && stored.contains(&true) {
                        let left = std::mem::replace(l, Box::new(Node::Literal(Literal::Null)));
                        let right = std::mem::replace(r, Box::new(Node::Literal(Literal::Null)));
                        *node = Node::TextEq {
                            left,
                            right,
                            stored,
                        };
                    } else {
                        exact_pair(l, r);
                    }
                } else if matches!(op, BinaryOp::Eq | BinaryOp::NotEq)
                    && super::super::narrow::loose(lk, rk)
                {
                    super::super::narrow::comparison(node, [lk, rk]);
                }
                Boolean
            }
            BinaryOp::Add
            | BinaryOp::Sub
            | BinaryOp::Mul
            | BinaryOp::Div
            | BinaryOp::IntDiv
            | BinaryOp::Mod => {
                self.number(lk, "arithmetic")?;
                self.number(rk, "arithmetic")?;
                if *op == BinaryOp::Div && lk == Integer && rk == Integer {
                    *op = BinaryOp::IntDiv;
                }
                match (lk, rk) {
                    (Integer, Integer) => Integer,
                    (a, b) if a.loose() || b.loose() => Unknown,
                    _ => Number,
                }
            }
        })
    }
}
