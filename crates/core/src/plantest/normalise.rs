//! The portable text form of a value read back from any of the three databases, so that
//! equal data compares equal: booleans (`t`, `1`, `true`), numbers (`1.50` and `1.5`),
//! JSON (key order and blanks), date-times (`T` or blank, offsets, trailing zeros) and
//! uuid case are folded away; text is compared as stored.

use crate::types::ColumnType;

use super::cell::parse_instant;

/// The text shown for NULL.
pub(crate) const NULL: &str = "NULL";

/// The normal form of `raw` (the driver's text form) for a column of type `ty`; `None` (a
/// column the plan does not model, e.g. made by raw SQL) compares the text as it is.
pub(crate) fn normalise(ty: Option<ColumnType>, raw: Option<&str>) -> String {
    let Some(raw) = raw else {
        return NULL.into();
    };
    let Some(ty) = ty else {
        return raw.to_string();
    };
    let folded = match ty {
        ColumnType::Boolean => match raw.trim().to_ascii_lowercase().as_str() {
            "t" | "true" | "1" => Some("true".to_string()),
            "f" | "false" | "0" => Some("false".to_string()),
            _ => None,
        },
        ColumnType::Integer | ColumnType::BigInt => {
            raw.trim().parse::<i128>().ok().map(|i| i.to_string())
        }
        ColumnType::Decimal(..) => Some(decimal(raw.trim())),
        ColumnType::Real => raw.trim().parse::<f32>().ok().map(|f| f.to_string()),
        ColumnType::Double => raw.trim().parse::<f64>().ok().map(|f| f.to_string()),
        ColumnType::Json => serde_json::from_str::<serde_json::Value>(raw)
            .ok()
            .map(|v| canonical_json(&v)),
        ColumnType::Timestamp | ColumnType::TimestampTz => parse_instant(raw.trim()).map(|t| {
            let s = t.format("%Y-%m-%d %H:%M:%S%.6f").to_string();
            s.trim_end_matches('0').trim_end_matches('.').to_string()
        }),
        ColumnType::Date => raw.get(..10).map(str::to_string),
        ColumnType::Uuid => Some(raw.trim().to_ascii_lowercase()),
        ColumnType::Bytes => Some(raw.trim_start_matches("\\x").to_ascii_lowercase()),
        ColumnType::Array(_) => array(raw.trim()).map(|v| canonical_json(&v)),
        ColumnType::Text | ColumnType::Varchar(_) | ColumnType::Enum(_) => None,
    };
    folded.unwrap_or_else(|| raw.to_string())
}

/// An array read back as JSON (`["a","b"]`, MySQL/MariaDB and SQLite) or as PostgreSQL's
/// array literal (`{a,"b c",NULL}`), as a JSON array of strings (numbers stay numbers).
fn array(raw: &str) -> Option<serde_json::Value> {
    use serde_json::Value;
    if raw.starts_with('[') {
        let parsed: Value = serde_json::from_str(raw).ok()?;
        // Elements compared by their text, as the PostgreSQL form below has no types.
        return Some(Value::Array(
            parsed
                .as_array()?
                .iter()
                .map(|e| match e {
                    Value::Null => Value::Null,
                    Value::String(s) => Value::String(s.to_ascii_lowercase_if_uuid()),
                    other => Value::String(other.to_string()),
                })
                .collect(),
        ));
    }
    let body = raw.strip_prefix('{')?.strip_suffix('}')?;
    let mut out = Vec::new();
    if body.is_empty() {
        return Some(Value::Array(out));
    }
    let mut chars = body.chars().peekable();
    loop {
        let mut item = String::new();
        let quoted = chars.peek() == Some(&'"');
        if quoted {
            chars.next();
            while let Some(c) = chars.next() {
                match c {
                    '\\' => item.extend(chars.next()),
                    '"' => break,
                    c => item.push(c),
                }
            }
        }
        while let Some(&c) = chars.peek() {
            if c == ',' {
                break;
            }
            item.push(c);
            chars.next();
        }
        out.push(if !quoted && item == "NULL" {
            Value::Null
        } else {
            Value::String(item.to_ascii_lowercase_if_uuid())
        });
        if chars.next().is_none() {
            return Some(Value::Array(out));
        }
    }
}

/// Lower-cases a string that is a uuid (PostgreSQL prints uuids lower-case, others keep the
/// case they were written in).
trait UuidCase {
    fn to_ascii_lowercase_if_uuid(&self) -> String;
}

impl UuidCase for str {
    fn to_ascii_lowercase_if_uuid(&self) -> String {
        let uuid = self.len() == 36
            && self
                .bytes()
                .enumerate()
                .all(|(i, b)| matches!(i, 8 | 13 | 18 | 23) && b == b'-' || b.is_ascii_hexdigit());
        if uuid {
            self.to_ascii_lowercase()
        } else {
            self.to_string()
        }
    }
}

/// `01.500` -> `1.5`, `-0.0` -> `0`.
fn decimal(s: &str) -> String {
    let (neg, digits) = match s.strip_prefix('-') {
        Some(d) => (true, d),
        None => (false, s.strip_prefix('+').unwrap_or(s)),
    };
    if !digits.bytes().all(|b| b.is_ascii_digit() || b == b'.') {
        // Exponent notation (SQLite REAL): compare as a float.
        return s
            .parse::<f64>()
            .map_or_else(|_| s.to_string(), |f| f.to_string());
    }
    let (int, frac) = digits.split_once('.').unwrap_or((digits, ""));
    let int = int.trim_start_matches('0');
    let frac = frac.trim_end_matches('0');
    let int = if int.is_empty() { "0" } else { int };
    let body = if frac.is_empty() {
        int.to_string()
    } else {
        format!("{int}.{frac}")
    };
    if neg && body != "0" {
        format!("-{body}")
    } else {
        body
    }
}

/// Compact JSON with object keys sorted and integral numbers written as integers.
pub(crate) fn canonical_json(v: &serde_json::Value) -> String {
    use serde_json::Value as J;
    match v {
        J::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            let parts: Vec<String> = keys
                .into_iter()
                .map(|k| format!("{}:{}", J::String(k.clone()), canonical_json(&map[k])))
                .collect();
            format!("{{{}}}", parts.join(","))
        }
        J::Array(items) => {
            let parts: Vec<String> = items.iter().map(canonical_json).collect();
            format!("[{}]", parts.join(","))
        }
        J::Number(n) => match n.as_f64() {
            Some(f) if n.is_f64() && f.fract() == 0.0 && f.abs() < 9.0e15 => {
                format!("{}", f as i64)
            }
            _ => n.to_string(),
        },
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arrays_compare_in_the_postgres_and_the_json_form() {
        let ty = "text[]".parse::<ColumnType>().expect("type");
        let n = |raw| normalise(Some(ty), Some(raw));
        assert_eq!(
            n(r#"{a,"b c","x\"y",NULL}"#),
            n(r#"["a", "b c", "x\"y", null]"#)
        );
        assert_eq!(n("{}"), n("[]"));
        assert_ne!(n("{a,b}"), n(r#"["b","a"]"#));
        let ints = "integer[]".parse::<ColumnType>().expect("type");
        assert_eq!(
            normalise(Some(ints), Some("{1,2}")),
            normalise(Some(ints), Some("[1, 2]"))
        );
    }

    #[test]
    fn folds_what_databases_spell_differently() {
        let n = |ty, raw| normalise(Some(ty), Some(raw));
        assert_eq!(n(ColumnType::Boolean, "t"), n(ColumnType::Boolean, "1"));
        assert_eq!(n(ColumnType::Decimal(10, 2), "1.50"), "1.5");
        assert_eq!(n(ColumnType::Decimal(10, 2), "-0.00"), "0");
        assert_eq!(
            n(ColumnType::Decimal(10, 2), "12"),
            n(ColumnType::Decimal(10, 2), "12.00")
        );
        assert_eq!(
            n(
                ColumnType::Json,
                "{\"b\": 1.0, \"a\": [1, {\"y\":2,\"x\":1}]}"
            ),
            "{\"a\":[1,{\"x\":1,\"y\":2}],\"b\":1}"
        );
        assert_eq!(
            n(ColumnType::TimestampTz, "2024-05-01 10:20:30+02"),
            n(ColumnType::TimestampTz, "2024-05-01 08:20:30.000000")
        );
        assert_eq!(
            n(ColumnType::Timestamp, "2024-05-01T08:20:30.120"),
            "2024-05-01 08:20:30.12"
        );
        assert_eq!(
            n(ColumnType::Uuid, "A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11"),
            "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"
        );
        assert_eq!(normalise(Some(ColumnType::Text), None), "NULL");
        assert_ne!(n(ColumnType::Text, "a"), n(ColumnType::Text, "A"));
    }
}
