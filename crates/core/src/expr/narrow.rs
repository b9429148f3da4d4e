//! Text comparisons that an index narrows and exact operands decide.
//!
//! A column of a table the plan does not define (created by raw SQL, adopted) has a type and
//! a collation the plan cannot know: on MySQL/MariaDB it may be case-insensitive (`_ci`) or
//! pad trailing spaces, so `v = 'X'` would also match `x` and `X `. Such a comparison (`=`,
//! `<>`, `IN`, `NOT IN`, `IN (SELECT ..)`, `CASE v WHEN 'X'`) becomes a [`Node::Narrowed`]:
//! the comparison as written, which the column's index can serve, AND the same comparison of
//! the exact operands, which decides unless the database says the operand is not text at all
//! (then the comparison as written is the right one: numbers, dates). A text column the plan
//! created (binary collation on MySQL) compared with an `IN` list of literals gets the same
//! two parts without a probe, so its index serves the `IN`.

use super::ast::{BinaryOp, Literal, Node};
use super::kinds::ValueKind;
use super::query::Item;

/// Whether a comparison of values of kinds `a` and `b` may compare text whose collation the
/// plan does not know: one side of unknown type, the other text or unknown too.
pub(super) fn loose(a: ValueKind, b: ValueKind) -> bool {
    use ValueKind::Unknown;
    (a == Unknown && (b.textual() || b == Unknown)) || (b == Unknown && a.textual())
}

/// Whether an `IN` list of kinds `items` compared with a value of kind `k` may compare text
/// whose collation the plan does not know (a NULL item compares with nothing, so it does
/// not count).
pub(super) fn loose_list(k: ValueKind, items: &[ValueKind]) -> bool {
    items.iter().any(|&i| i != ValueKind::Null)
        && items
            .iter()
            .all(|&i| i == ValueKind::Null || loose(k, i) || (k.textual() && i.textual()))
        && (k == ValueKind::Unknown || items.contains(&ValueKind::Unknown))
}

/// Rewrites `l = r` / `l <> r` (`kinds`: of `l` and `r`) into its narrowed form.
pub(super) fn comparison(node: &mut Node, kinds: [ValueKind; 2]) {
    let Node::Binary(l, op, r) = node else {
        return;
    };
    let negated = *op == BinaryOp::NotEq;
    let probes = probes([(&**l, kinds[0]), (&**r, kinds[1])]);
    let (mut el, mut er) = (l.clone(), r.clone());
    super::typing::exact_pair(&mut el, &mut er);
    let plain = if beyond_ascii([&**l, &**r]) {
        Node::Binary(el.clone(), *op, er.clone())
    } else {
        Node::Binary(l.clone(), *op, r.clone())
    };
    let exact = Node::Binary(el, BinaryOp::Eq, er);
    *node = narrowed(plain, exact, probes, negated);
}

/// Rewrites `x [NOT] IN (..)` into its narrowed form; `probe`: whether `x` is of unknown
/// type (items of unknown type are compared by their bytes).
pub(super) fn in_list(node: &mut Node, probe: bool) {
    let Node::InList {
        expr,
        list,
        negated,
    } = node
    else {
        return;
    };
    let mut exact_expr = expr.clone();
    super::typing::exact(&mut exact_expr);
    let mut exact_list = list.clone();
    exact_list
        .iter_mut()
        .filter(|n| !matches!(n, Node::Literal(_)))
        .for_each(super::typing::exact);
    let plain = if beyond_ascii(list.iter().chain(Some(&**expr))) {
        Node::InList {
            expr: exact_expr.clone(),
            list: exact_list.clone(),
            negated: *negated,
        }
    } else {
        Node::InList {
            expr: expr.clone(),
            list: list.clone(),
            negated: *negated,
        }
    };
    let exact = Node::InList {
        expr: exact_expr,
        list: exact_list,
        negated: false,
    };
    let probes = if probe {
        vec![(**expr).clone()]
    } else {
        Vec::new()
    };
    *node = narrowed(plain, exact, probes, *negated);
}

/// Rewrites `x [NOT] IN (SELECT y ..)` into its narrowed form; `probe`: whether `x` is of
/// unknown type (a `y` of unknown type is compared by its bytes).
pub(super) fn in_query(node: &mut Node, probe: bool) {
    let Node::InQuery {
        expr,
        query,
        negated,
    } = node
    else {
        return;
    };
    let plain = Node::InQuery {
        expr: expr.clone(),
        query: query.clone(),
        negated: *negated,
    };
    // `(x, exact x) IN (SELECT y, exact y ..)`: the pair matches where `x = y` (the index
    // on `y` serves it, a lookup per row) and the exact operands are equal. Comparing the
    // exact operands alone (`exact x IN (SELECT exact y ..)`) leaves no index usable, and
    // MariaDB then scans the whole subquery for every row (red-team rtg HIGH 5). A NULL on
    // either side gives NULL like the plain `x IN`, as `exact v` is NULL only when `v` is.
    let mut exact_query = query.clone();
    let mut exact_expr = expr.clone();
    if let Some(item) = exact_query.items.first().map(|i| i.expr.clone()) {
        let (mut ex, mut ey) = ((**expr).clone(), item);
        super::typing::exact_pair(&mut ex, &mut ey);
        exact_expr = Box::new(Node::Row(vec![(**expr).clone(), ex]));
        exact_query.items.push(Item {
            expr: ey,
            alias: None,
        });
    }
    let exact = Node::InQuery {
        expr: exact_expr,
        query: exact_query,
        negated: false,
    };
    let probes = if probe {
        vec![(**expr).clone()]
    } else {
        Vec::new()
    };
    *node = narrowed(plain, exact, probes, *negated);
}

/// Rewrites `CASE o WHEN 'a' THEN .. END` into `CASE WHEN o = 'a' THEN .. END` when `o` is a
/// column and every `when` a string literal, so that each equality is checked (and made
/// exact) like any other; `o` is evaluated once per `when`, which a column allows.
pub(super) fn case_operand(operand: &mut Option<Box<Node>>, whens: &mut [(Node, Node)]) {
    let Some(o) = operand.take_if(|o| {
        matches!(**o, Node::Column(_)) && whens.iter().all(|(w, _)| w.as_str_literal().is_some())
    }) else {
        return;
    };
    for (when, _) in whens.iter_mut() {
        let value = std::mem::replace(when, Node::Literal(Literal::Null));
        *when = Node::Binary(o.clone(), BinaryOp::Eq, Box::new(value));
    }
}

/// Whether a string literal among `nodes` holds a character beyond ASCII. Compared as
/// written with a column of a character set that cannot hold it (`'ā'` and a `latin1`
/// column), MySQL refuses the statement (error 1267, "Illegal mix of collations"); such a
/// comparison is made of exact operands only (UTF-8 bytes: no error, and no index).
/// Every character set holds ASCII, so an ASCII literal keeps the comparison as written.
fn beyond_ascii<'a>(nodes: impl IntoIterator<Item = &'a Node>) -> bool {
    nodes
        .into_iter()
        .any(|n| n.as_str_literal().is_some_and(|s| !s.is_ascii()))
}

/// The operands of unknown type.
fn probes(sides: [(&Node, ValueKind); 2]) -> Vec<Node> {
    sides
        .into_iter()
        .filter(|(_, k)| *k == ValueKind::Unknown)
        .map(|(n, _)| n.clone())
        .collect()
}

fn narrowed(plain: Node, exact: Node, probes: Vec<Node>, negated: bool) -> Node {
    Node::Narrowed {
        plain: Box::new(plain),
        exact: Box::new(exact),
        probes,
        negated,
    }
}
