//! The two column types with parts: arrays (`text[]`) and enums (`enum(a, b)`).
//!
//! [`ColumnType`](super::ColumnType) is `Copy`, so an enum's value list is interned: each
//! distinct list is stored once for the life of the process (plans hold a handful) and
//! [`EnumValues`] is a cheap handle to it that compares and hashes by content.

use std::collections::BTreeSet;
use std::fmt;
use std::sync::{Mutex, OnceLock, PoisonError};

/// The element type of an array column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ArrayElement {
    /// `text[]`.
    Text,
    /// `integer[]`.
    Integer,
    /// `bigint[]`.
    BigInt,
    /// `uuid[]`.
    Uuid,
}

impl ArrayElement {
    /// The portable name of the element type (`text`, `integer`, ...).
    pub fn name(self) -> &'static str {
        match self {
            ArrayElement::Text => "text",
            ArrayElement::Integer => "integer",
            ArrayElement::BigInt => "bigint",
            ArrayElement::Uuid => "uuid",
        }
    }

    /// The element type a portable or PostgreSQL element name (`int4`, `text`, ...) means.
    pub fn parse(name: &str) -> Option<ArrayElement> {
        Some(match name.trim().to_ascii_lowercase().as_str() {
            "text" => ArrayElement::Text,
            "integer" | "int" | "int4" => ArrayElement::Integer,
            "bigint" | "int8" => ArrayElement::BigInt,
            "uuid" => ArrayElement::Uuid,
            _ => return None,
        })
    }
}

/// The fixed list of values of an enum column, in declaration order (interned, see the
/// module docs).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct EnumValues(&'static [String]);

fn interned() -> &'static Mutex<BTreeSet<&'static [String]>> {
    static SET: OnceLock<Mutex<BTreeSet<&'static [String]>>> = OnceLock::new();
    SET.get_or_init(|| Mutex::new(BTreeSet::new()))
}

impl EnumValues {
    /// The handle of a value list; `values` must be non-empty and free of duplicates (see
    /// [`EnumValues::parse`]).
    pub fn new(values: Vec<String>) -> EnumValues {
        let mut set = interned().lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(existing) = set.get(values.as_slice()) {
            return EnumValues(existing);
        }
        let leaked: &'static [String] = Vec::leak(values);
        set.insert(leaked);
        EnumValues(leaked)
    }

    /// Parses the inside of `enum(...)`: comma-separated values, each a bare word
    /// (`website`) or a single-quoted SQL string (`'other value'`, `''` for a quote).
    pub fn parse(inner: &str) -> Result<EnumValues, String> {
        let mut values: Vec<String> = Vec::new();
        let mut chars = inner.chars().peekable();
        loop {
            while chars.peek().is_some_and(|c| c.is_whitespace()) {
                chars.next();
            }
            let mut value = String::new();
            if chars.peek() == Some(&'\'') {
                chars.next();
                loop {
                    match chars.next() {
                        Some('\'') if chars.peek() == Some(&'\'') => {
                            chars.next();
                            value.push('\'');
                        }
                        Some('\'') => break,
                        Some(c) => value.push(c),
                        None => return Err("an enum value has no closing `'`".into()),
                    }
                }
                while chars.peek().is_some_and(|c| c.is_whitespace()) {
                    chars.next();
                }
            } else {
                while let Some(c) = chars.peek().copied().filter(|c| *c != ',') {
                    value.push(c);
                    chars.next();
                }
                value = value.trim().to_string();
                if value.contains(['\'', '"', '(', ')']) {
                    return Err(format!(
                        "enum value `{value}`: quote values that hold quotes or parentheses, e.g. 'it''s'"
                    ));
                }
            }
            if value.is_empty() {
                return Err("an enum value is empty: list the values, e.g. enum(a, b)".into());
            }
            if let Some(prev) = values.iter().find(|v| v.eq_ignore_ascii_case(&value)) {
                return Err(format!(
                    "enum values `{prev}` and `{value}` differ only in letter case (MySQL compares them as equal): rename one"
                ));
            }
            values.push(value);
            match chars.next() {
                None => break,
                Some(',') => {}
                Some(c) => return Err(format!("unexpected `{c}` after an enum value")),
            }
        }
        Ok(EnumValues::new(values))
    }

    /// The values, in declaration order.
    pub fn values(&self) -> &'static [String] {
        self.0
    }

    /// Whether `value` is one of the values (exactly, case-sensitive).
    pub fn contains(&self, value: &str) -> bool {
        self.0.iter().any(|v| v == value)
    }

    /// The name of the PostgreSQL type of this value list, shared by every column with the
    /// same values (so they compare and copy without casts): `cutover_enum_` and a
    /// 64-bit FNV-1a hash of the values in order, in hex. Stable across releases.
    pub fn type_name(&self) -> String {
        let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
        for v in self.0 {
            for b in v.bytes().chain(std::iter::once(0)) {
                hash ^= u64::from(b);
                hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
            }
        }
        format!("cutover_enum_{hash:016x}")
    }

    /// Whether `to` holds every value of this list in the same relative order (values only
    /// added, anywhere).
    pub fn only_added_in(&self, to: EnumValues) -> bool {
        let kept = to.0.iter().filter(|v| self.contains(v));
        kept.count() == self.0.len()
            && to
                .0
                .iter()
                .filter(|v| self.contains(v))
                .zip(self.0)
                .all(|(a, b)| a == b)
    }

    /// The values as SQL string literals joined by commas: `'a', 'b'`.
    pub fn sql_list(&self) -> String {
        self.0
            .iter()
            .map(|v| format!("'{}'", v.replace('\'', "''")))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

impl fmt::Debug for EnumValues {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.0).finish()
    }
}

/// The canonical spelling used in `enum(...)`: `'a', 'b'`.
impl fmt::Display for EnumValues {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.sql_list())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_bare_and_quoted_values_and_interns_them() {
        let a = EnumValues::parse("website, imdb ,'show reel', 'it''s'").expect("parses");
        assert_eq!(a.values(), ["website", "imdb", "show reel", "it's"]);
        let b = EnumValues::parse("'website','imdb','show reel','it''s'").expect("parses");
        assert_eq!(a, b);
        assert!(std::ptr::eq(a.values(), b.values()));
        assert_eq!(a.to_string(), "'website', 'imdb', 'show reel', 'it''s'");
        assert_eq!(a.type_name(), b.type_name());
        let other = EnumValues::parse("imdb, website, 'show reel', 'it''s'").expect("parses");
        assert_ne!(
            a.type_name(),
            other.type_name(),
            "the order is part of the type"
        );
        assert_eq!(
            EnumValues::parse("a, b").expect("parses").type_name(),
            "cutover_enum_ab40d7820d408076".to_string(),
            "the name must never change: plans already applied refer to it"
        );
    }

    #[test]
    fn added_values_keep_the_order_of_the_old_ones() {
        let v = |s: &str| EnumValues::parse(s).expect("parses");
        assert!(v("a, b").only_added_in(v("x, a, y, b, z")));
        assert!(v("a, b").only_added_in(v("a, b")));
        assert!(!v("a, b").only_added_in(v("b, a")));
        assert!(!v("a, b").only_added_in(v("a, c")));
    }

    #[test]
    fn rejects_empty_duplicate_and_unbalanced_lists() {
        for (inner, msg) in [
            ("", "empty"),
            ("a,,b", "empty"),
            ("a, A", "letter case"),
            ("'a", "closing"),
            ("'a' b", "unexpected"),
            ("a(b)", "quote values"),
        ] {
            let err = EnumValues::parse(inner).unwrap_err();
            assert!(err.contains(msg), "{inner}: {err}");
        }
    }
}
