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
        ColumnType::Text | ColumnType::Varchar(_) => None,
    };
    folded.unwrap_or_else(|| raw.to_string())
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
