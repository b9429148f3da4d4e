//! The kinds of values the load-time type check tells apart, and the rules shared by every
//! dialect: what can be compared, stored and combined with the same meaning everywhere.

use std::fmt;

use super::ast::{ColumnRef, Node};
use crate::types::{ArrayElement, ColumnType, EnumValues};

/// The kind of value an expression yields, as far as the check can tell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValueKind {
    /// An integer (`integer`, `bigint`).
    Integer,
    /// Any other number (`decimal`, `real`, `double`, non-integer literals).
    Number,
    /// Text.
    Text,
    /// A string literal: text, or a value of the type it is compared with or stored into.
    StringLiteral,
    /// true / false.
    Boolean,
    /// A date or timestamp.
    Time,
    /// A UUID.
    Uuid,
    /// A JSON document.
    Json,
    /// Binary data.
    Bytes,
    /// An array of elements of one type (`None`: the empty `array()`, which fits any).
    Array(Option<ArrayElement>),
    /// A value of an enum with these values.
    Enum(EnumValues),
    /// `NULL`.
    Null,
    /// Not known (a column of a table the plan does not define).
    Unknown,
}

impl ValueKind {
    /// The kind of values of a column of type `ty`.
    pub fn of(ty: ColumnType) -> ValueKind {
        match ty {
            ColumnType::Integer | ColumnType::BigInt => ValueKind::Integer,
            ColumnType::Decimal(..) | ColumnType::Real | ColumnType::Double => ValueKind::Number,
            ColumnType::Text | ColumnType::Varchar(_) => ValueKind::Text,
            ColumnType::Boolean => ValueKind::Boolean,
            ColumnType::Timestamp | ColumnType::TimestampTz | ColumnType::Date => ValueKind::Time,
            ColumnType::Uuid => ValueKind::Uuid,
            ColumnType::Json => ValueKind::Json,
            ColumnType::Bytes => ValueKind::Bytes,
            ColumnType::Array(e) => ValueKind::Array(Some(e)),
            ColumnType::Enum(v) => ValueKind::Enum(v),
        }
    }

    /// The kind of an array of elements of kind `self` (`array('a', 'b')`), if arrays of
    /// it exist.
    pub(crate) fn array_of(self) -> Option<ArrayElement> {
        match self {
            ValueKind::Text | ValueKind::StringLiteral => Some(ArrayElement::Text),
            ValueKind::Integer => Some(ArrayElement::BigInt),
            ValueKind::Uuid => Some(ArrayElement::Uuid),
            _ => None,
        }
    }

    pub(crate) fn loose(self) -> bool {
        matches!(self, ValueKind::Null | ValueKind::Unknown)
    }

    pub(crate) fn numeric(self) -> bool {
        matches!(self, ValueKind::Integer | ValueKind::Number)
    }

    pub(crate) fn textual(self) -> bool {
        matches!(self, ValueKind::Text | ValueKind::StringLiteral)
    }
}

impl fmt::Display for ValueKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ValueKind::Integer => "an integer",
            ValueKind::Number => "a number",
            ValueKind::Text => "text",
            ValueKind::StringLiteral => "a string literal",
            ValueKind::Boolean => "a boolean",
            ValueKind::Time => "a date/timestamp",
            ValueKind::Uuid => "a uuid",
            ValueKind::Json => "json",
            ValueKind::Bytes => "bytes",
            ValueKind::Array(Some(e)) => return write!(f, "an array ({}[])", e.name()),
            ValueKind::Array(None) => "an empty array",
            ValueKind::Enum(v) => return write!(f, "an enum value (one of {v})"),
            ValueKind::Null => "NULL",
            ValueKind::Unknown => "a value of unknown type",
        })
    }
}

/// What the schema model says about a column reference.
#[derive(Debug, Clone, PartialEq)]
pub enum Lookup {
    /// The column exists with this kind of value.
    Found(ValueKind),
    /// A column of a table the plan creates, with this kind of value: its text is stored as
    /// the plan declares it (MySQL: the binary `utf8mb4_bin` collation), so an equality on it
    /// can use its indexes.
    Stored(ValueKind),
    /// The model cannot tell (a table the plan does not define, or one changed by raw SQL).
    Unknown,
    /// The model proves the reference wrong: the message says why (and what was meant).
    Missing(String),
}

/// Resolves column references for the type check.
pub type Scope<'a> = &'a dyn Fn(&ColumnRef) -> Lookup;

/// The literal text of a string literal node that parses as a number.
pub(crate) fn numeric_literal(node: &Node) -> bool {
    node.as_str_literal()
        .is_some_and(|s| s.trim().parse::<f64>().is_ok())
}

/// Whether a value of kind `a` can be compared with one of kind `b` with the same meaning on
/// every dialect.
pub(crate) fn comparable(a: ValueKind, an: &Node, b: ValueKind, bn: &Node) -> bool {
    use ValueKind::*;
    match (a, b) {
        _ if a.loose() || b.loose() => true,
        _ if a.numeric() && b.numeric() => true,
        // Arrays compare differently everywhere (JSON text vs native arrays).
        (Array(_), _) | (_, Array(_)) => false,
        // A literal must be one of the values (see `enum_literal_problem`).
        (Enum(_), StringLiteral) | (StringLiteral, Enum(_)) => true,
        (Enum(_), _) | (_, Enum(_)) => a == b,
        (StringLiteral, x) | (x, StringLiteral) if x.numeric() => {
            numeric_literal(an) || numeric_literal(bn)
        }
        (StringLiteral, x) | (x, StringLiteral) => x != Boolean,
        _ => a == b,
    }
}

/// Whether a value of kind `v` can be stored in a column of type `ty` with the same result on
/// every dialect; `node` is the value (for string literals).
pub(crate) fn assignable(ty: ColumnType, v: ValueKind, node: &Node) -> bool {
    use ValueKind::*;
    let target = ValueKind::of(ty);
    match (target, v) {
        _ if v.loose() || v == target => true,
        (Array(Some(t)), Array(e)) => e.is_none_or(|e| same_elements(t, e)),
        // Converted through text when stored (`Expression::convert_for_enum`); a value
        // outside the list fails on every database.
        (Enum(_), StringLiteral | Text | Enum(_)) => true,
        (Text, StringLiteral | Integer | Uuid) => true,
        (Number, Integer) => true,
        (Integer | Number, StringLiteral) => numeric_literal(node),
        (Time | Uuid | Json, StringLiteral) => true,
        _ => false,
    }
}

/// Whether arrays of `a` and of `b` hold the same values (integer widths do not matter).
pub(crate) fn same_elements(a: ArrayElement, b: ArrayElement) -> bool {
    use ArrayElement::*;
    a == b || matches!((a, b), (Integer | BigInt, Integer | BigInt))
}

/// Why a string literal cannot be compared with or stored into an enum of `values`: it is
/// not one of them (each database would reject it or never match, differently).
pub(crate) fn enum_literal_problem(values: EnumValues, literal: &Node) -> Option<String> {
    // The value of a CASE or COALESCE is one of its branches: check their literals too.
    match literal {
        Node::Case {
            whens, otherwise, ..
        } => {
            return whens
                .iter()
                .map(|(_, then)| then)
                .chain(otherwise.as_deref())
                .find_map(|n| enum_literal_problem(values, n));
        }
        Node::Call {
            function: super::functions::Function::Coalesce,
            args,
        } => return args.iter().find_map(|n| enum_literal_problem(values, n)),
        Node::Call {
            function: super::functions::Function::NullIf,
            args,
        } => return args.first().and_then(|n| enum_literal_problem(values, n)),
        _ => {}
    }
    let text = literal.as_str_literal()?;
    (!values.contains(text))
        .then(|| format!("'{text}' is not a value of the enum: the allowed values are {values}"))
}

/// The kind of a value that may be either `a` or `b` (CASE branches, COALESCE).
pub(crate) fn unify(a: ValueKind, b: ValueKind) -> Result<ValueKind, String> {
    use ValueKind::*;
    Ok(match (a, b) {
        (Null, x) | (x, Null) => x,
        (Unknown, _) | (_, Unknown) => Unknown,
        (x, y) if x == y => x,
        (x, y) if x.numeric() && y.numeric() => Number,
        (StringLiteral, x) | (x, StringLiteral) if x != Boolean && !x.numeric() => x,
        (x, y) => {
            return Err(format!(
                "the alternatives have different types ({x} and {y}): CAST them to one type"
            ));
        }
    })
}
