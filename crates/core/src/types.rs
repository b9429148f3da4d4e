//! Portable column types and their parsing.

mod compound;

use std::fmt;
use std::str::FromStr;

pub use compound::{ArrayElement, EnumValues};

/// A column type written once in a plan and mapped to each dialect's native type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ColumnType {
    /// 32-bit integer.
    Integer,
    /// 64-bit integer.
    BigInt,
    /// Text of any length.
    Text,
    /// Text of at most n characters.
    Varchar(u32),
    /// true / false.
    Boolean,
    /// Date and time without time zone.
    Timestamp,
    /// Date and time with time zone (stored as UTC where the dialect has no zone).
    TimestampTz,
    /// Calendar date.
    Date,
    /// A UUID.
    Uuid,
    /// A JSON document.
    Json,
    /// Exact decimal with precision and scale.
    Decimal(u32, u32),
    /// 32-bit floating point.
    Real,
    /// 64-bit floating point.
    Double,
    /// Binary data.
    Bytes,
    /// An array of scalars (`text[]`, `integer[]`, `bigint[]`, `uuid[]`): native on
    /// PostgreSQL, a JSON array elsewhere.
    Array(ArrayElement),
    /// One of a fixed list of text values (`enum(a, b)`): a named type on PostgreSQL,
    /// `ENUM(..)` on MySQL, text with a CHECK on SQLite.
    Enum(EnumValues),
}

/// The spellings accepted in plan files, for error messages and docs.
pub const SUPPORTED_TYPES: &str = "integer, bigint, text, varchar(n), boolean, timestamp, \
timestamptz, date, uuid, json, decimal(p,s), real, double, bytes, text[], integer[], \
bigint[], uuid[], enum(a, b, ...)";

impl ColumnType {
    /// Whether this is an integer type (usable as an auto-increment key).
    pub fn is_integer(&self) -> bool {
        matches!(self, ColumnType::Integer | ColumnType::BigInt)
    }

    /// Whether values are stored as JSON text on dialects without a native type for them
    /// (`json` itself, and arrays), so they get the JSON validity check there.
    pub fn stored_as_json(&self) -> bool {
        matches!(self, ColumnType::Json | ColumnType::Array(_))
    }

    /// Whether converting a column from this type to `to` can lose or reject existing values
    /// (`bigint` -> `integer`, `text` -> `varchar(n)`, `varchar(n)` -> `varchar(m < n)`, fewer
    /// decimal digits, `double` -> `real`, ...). Only known widenings are not narrowing: every
    /// other change between types counts as narrowing.
    pub fn is_narrowing_to(&self, to: &ColumnType) -> bool {
        use ColumnType::*;
        // Integer digits a type holds exactly, for conversions into decimal.
        let int_digits = |ty: &ColumnType| match ty {
            Integer => Some(10),
            BigInt => Some(19),
            _ => None,
        };
        let widening = match (self, to) {
            (a, b) if a == b => true,
            (Integer, BigInt | Double) | (Real, Double) => true,
            (Integer | BigInt, Decimal(p, s)) => int_digits(self).is_some_and(|d| p - s >= d),
            (Decimal(p, s), Decimal(p2, s2)) => s2 >= s && p2 - s2 >= p - s,
            (Varchar(n), Varchar(m)) => m >= n,
            // Every value has a text form.
            (_, Text) => *self != Bytes,
            (Date, Timestamp | TimestampTz) | (Timestamp, TimestampTz) => true,
            (Enum(a), Enum(b)) => a.values().iter().all(|v| b.contains(v)),
            _ => false,
        };
        !widening
    }
}

impl fmt::Display for ColumnType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ColumnType::Integer => f.write_str("integer"),
            ColumnType::BigInt => f.write_str("bigint"),
            ColumnType::Text => f.write_str("text"),
            ColumnType::Varchar(n) => write!(f, "varchar({n})"),
            ColumnType::Boolean => f.write_str("boolean"),
            ColumnType::Timestamp => f.write_str("timestamp"),
            ColumnType::TimestampTz => f.write_str("timestamptz"),
            ColumnType::Date => f.write_str("date"),
            ColumnType::Uuid => f.write_str("uuid"),
            ColumnType::Json => f.write_str("json"),
            ColumnType::Decimal(p, s) => write!(f, "decimal({p},{s})"),
            ColumnType::Real => f.write_str("real"),
            ColumnType::Double => f.write_str("double"),
            ColumnType::Bytes => f.write_str("bytes"),
            ColumnType::Array(e) => write!(f, "{}[]", e.name()),
            ColumnType::Enum(v) => write!(f, "enum({v})"),
        }
    }
}

impl FromStr for ColumnType {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let trimmed = s.trim();
        if let Some(element) = trimmed.strip_suffix("[]") {
            return ArrayElement::parse(element)
                .map(ColumnType::Array)
                .ok_or_else(|| {
                    format!(
                        "`{s}`: arrays of text, integer, bigint and uuid are supported, e.g. text[]"
                    )
                });
        }
        let head = trimmed.get(..5).unwrap_or_default();
        if head.eq_ignore_ascii_case("enum(") {
            let inner = trimmed[5..]
                .strip_suffix(')')
                .ok_or_else(|| format!("`{s}`: missing `)` after the enum values"))?;
            return EnumValues::parse(inner)
                .map(ColumnType::Enum)
                .map_err(|e| format!("`{s}`: {e}"));
        }
        let lower = trimmed.to_ascii_lowercase();
        let (name, args) = match lower.split_once('(') {
            Some((name, rest)) => {
                let inner = rest
                    .strip_suffix(')')
                    .ok_or_else(|| format!("unknown column type `{s}`: missing `)`"))?;
                let args = inner
                    .split(',')
                    .map(|a| a.trim().parse::<u32>())
                    .collect::<Result<Vec<_>, _>>()
                    .map_err(|_| format!("unknown column type `{s}`: arguments must be numbers"))?;
                (name.trim().to_string(), Some(args))
            }
            None => (lower.clone(), None),
        };
        let ty = match (name.as_str(), args.as_deref()) {
            ("integer" | "int", None) => ColumnType::Integer,
            ("bigint", None) => ColumnType::BigInt,
            ("text", None) => ColumnType::Text,
            ("varchar", Some([n])) if *n > 0 => ColumnType::Varchar(*n),
            ("boolean" | "bool", None) => ColumnType::Boolean,
            ("timestamp", None) => ColumnType::Timestamp,
            ("timestamptz", None) => ColumnType::TimestampTz,
            ("date", None) => ColumnType::Date,
            ("uuid", None) => ColumnType::Uuid,
            ("json", None) => ColumnType::Json,
            ("decimal" | "numeric", Some([p, s])) if *p > 0 && s <= p => {
                ColumnType::Decimal(*p, *s)
            }
            ("real" | "float", None) => ColumnType::Real,
            ("double", None) => ColumnType::Double,
            ("bytes", None) => ColumnType::Bytes,
            ("varchar", _) => {
                return Err(format!("`{s}`: varchar needs a length, e.g. varchar(255)"));
            }
            ("decimal" | "numeric", _) => {
                return Err(format!(
                    "`{s}`: decimal needs precision and scale with scale <= precision, e.g. decimal(10,2)"
                ));
            }
            _ => {
                return Err(format!(
                    "unknown column type `{s}`; supported: {SUPPORTED_TYPES}"
                ));
            }
        };
        Ok(ty)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_spelling_and_round_trips() {
        for s in [
            "integer",
            "bigint",
            "text",
            "varchar(255)",
            "boolean",
            "timestamp",
            "timestamptz",
            "date",
            "uuid",
            "json",
            "decimal(10,2)",
            "real",
            "double",
            "bytes",
            "text[]",
            "integer[]",
            "bigint[]",
            "uuid[]",
            "enum('website', 'imdb')",
        ] {
            let ty: ColumnType = s.parse().expect(s);
            assert_eq!(ty.to_string(), s);
        }
        assert_eq!(
            "VARCHAR( 12 )".parse::<ColumnType>(),
            Ok(ColumnType::Varchar(12))
        );
    }

    #[test]
    fn rejects_bad_types_with_a_hint() {
        let err = "strnig".parse::<ColumnType>().unwrap_err();
        assert!(
            err.contains("unknown column type `strnig`") && err.contains("varchar(n)"),
            "{err}"
        );
        assert!(
            "varchar"
                .parse::<ColumnType>()
                .unwrap_err()
                .contains("needs a length")
        );
        assert!("decimal(2,5)".parse::<ColumnType>().is_err());
        assert!(
            "date[]"
                .parse::<ColumnType>()
                .unwrap_err()
                .contains("arrays of text")
        );
        assert!("enum(a, a)".parse::<ColumnType>().is_err());
        assert!("enum(a".parse::<ColumnType>().is_err());
        assert_eq!(
            "ENUM(website, imdb)"
                .parse::<ColumnType>()
                .map(|t| t.to_string()),
            Ok("enum('website', 'imdb')".to_string())
        );
    }

    #[test]
    fn narrowing_type_changes() {
        let t = |s: &str| s.parse::<ColumnType>().expect(s);
        for (from, to) in [
            ("bigint", "integer"),
            ("text", "varchar(10)"),
            ("varchar(20)", "varchar(10)"),
            ("decimal(10,2)", "decimal(8,2)"),
            ("decimal(10,2)", "decimal(10,1)"),
            ("bigint", "decimal(12,0)"),
            ("double", "real"),
            ("timestamptz", "timestamp"),
            ("text", "integer"),
            ("bytes", "text"),
        ] {
            assert!(t(from).is_narrowing_to(&t(to)), "{from} -> {to}");
        }
        for (from, to) in [
            ("integer", "bigint"),
            ("varchar(10)", "varchar(20)"),
            ("varchar(10)", "text"),
            ("decimal(8,2)", "decimal(10,3)"),
            ("integer", "decimal(12,2)"),
            ("real", "double"),
            ("uuid", "text"),
            ("date", "timestamp"),
            ("text", "text"),
        ] {
            assert!(!t(from).is_narrowing_to(&t(to)), "{from} -> {to}");
        }
    }
}
