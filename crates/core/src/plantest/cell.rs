//! One fixture value typed by its column's portable type, and its sea-query form per dialect.

use chrono::{DateTime, NaiveDate, NaiveDateTime};
use sea_query::Value;

use crate::dialect::Dialect;
use crate::types::ColumnType;

/// A fixture value, checked against its column's type.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Cell {
    /// boolean.
    Bool(bool),
    /// integer, bigint.
    Int(i64),
    /// real, double.
    Float(f64),
    /// text, varchar, decimal (as written, exact), uuid (lowercase), json (compact text).
    Text(String),
    /// timestamp: a wall-clock time.
    Timestamp(NaiveDateTime),
    /// timestamptz: an instant, in UTC.
    TimestampTz(NaiveDateTime),
    /// date.
    Date(NaiveDate),
}

impl Cell {
    /// Types a TOML value for a column of type `ty`; the error says what the column expects.
    pub(crate) fn typed(ty: ColumnType, v: &toml::Value) -> Result<Cell, String> {
        let want = |what: &str| format!("expects {what} (column type {ty}), got {}", show(v));
        if has_nul(v) {
            return Err(
                "holds a NUL character (\\u0000), which PostgreSQL cannot store in text or json and SQLite cannot load from a fixture: remove it".into(),
            );
        }
        Ok(match ty {
            ColumnType::Integer => match v.as_integer() {
                Some(i) if i32::try_from(i).is_ok() => Cell::Int(i),
                Some(_) => return Err(format!("{} is out of range for an integer column", show(v))),
                None => return Err(want("an integer")),
            },
            ColumnType::BigInt => Cell::Int(v.as_integer().ok_or_else(|| want("an integer"))?),
            ColumnType::Boolean => Cell::Bool(v.as_bool().ok_or_else(|| want("true or false"))?),
            ColumnType::Text => Cell::Text(v.as_str().ok_or_else(|| want("a string"))?.into()),
            ColumnType::Varchar(n) => {
                let s = v.as_str().ok_or_else(|| want("a string"))?;
                if s.chars().count() > n as usize {
                    return Err(format!("is {} characters long, the column holds {n}", s.chars().count()));
                }
                Cell::Text(s.into())
            }
            ColumnType::Real | ColumnType::Double => {
                let f = match v {
                    toml::Value::Float(f) => *f,
                    toml::Value::Integer(i) => *i as f64,
                    _ => return Err(want("a number")),
                };
                if !f.is_finite() {
                    return Err("nan and inf cannot be stored on every database".into());
                }
                let single = f64::from(f32::MAX);
                let tiny = f64::from(f32::MIN_POSITIVE);
                if ty == ColumnType::Real && (f.abs() > single || (f != 0.0 && f.abs() < tiny)) {
                    return Err(format!(
                        "{} is out of range for a real (single precision) column: PostgreSQL refuses it and the others round it; use a double column",
                        show(v)
                    ));
                }
                Cell::Float(f)
            }
            ColumnType::Decimal(p, s) => decimal(v, p, s).ok_or_else(|| {
                want(&format!("a number with at most {} digits before and {s} after the point (write it as a string to keep it exact)", p - s))
            })?,
            ColumnType::Uuid => {
                let s = v.as_str().filter(|s| is_uuid(s)).ok_or_else(|| want("a uuid string"))?;
                Cell::Text(s.to_ascii_lowercase())
            }
            ColumnType::Json => Cell::Text(to_json(v).to_string()),
            ColumnType::Timestamp => Cell::Timestamp(instant(v).ok_or_else(|| want("a date-time such as 2024-05-01T10:20:30 or 2024-05-01 10:20:30.5"))?),
            ColumnType::TimestampTz => Cell::TimestampTz(instant(v).ok_or_else(|| want("a date-time such as 2024-05-01T10:20:30Z (UTC when no offset is given)"))?),
            ColumnType::Date => {
                let s = v.as_datetime().map(ToString::to_string).or_else(|| v.as_str().map(str::to_string));
                Cell::Date(s.and_then(|s| NaiveDate::parse_from_str(&s, "%Y-%m-%d").ok()).ok_or_else(|| want("a date such as 2024-05-01"))?)
            }
            ColumnType::Enum(values) => {
                let s = v.as_str().ok_or_else(|| want("a string"))?;
                if !values.contains(s) {
                    return Err(format!("{} is not one of the enum's values ({values})", show(v)));
                }
                Cell::Text(s.into())
            }
            ColumnType::Array(_) => return Err("array columns cannot be seeded by a fixture yet: leave the column out or seed it with a test-only sql step".into()),
            ColumnType::Bytes => return Err("bytes columns cannot be seeded by a fixture yet: leave the column out or seed it with a test-only sql step".into()),
        })
    }

    /// The value to bind on `dialect`.
    pub(crate) fn value(&self, dialect: Dialect) -> Value {
        match self {
            Cell::Bool(b) => Value::from(*b),
            Cell::Int(i) => Value::from(*i),
            Cell::Float(f) => Value::from(*f),
            Cell::Text(s) => Value::from(s.clone()),
            Cell::Timestamp(t) => Value::from(*t),
            Cell::TimestampTz(t) => dialect.sql().instant_value(*t),
            Cell::Date(d) => Value::from(*d),
        }
    }
}

/// Whether a string anywhere in `v` holds a NUL character.
fn has_nul(v: &toml::Value) -> bool {
    match v {
        toml::Value::String(s) => s.contains('\0'),
        toml::Value::Array(a) => a.iter().any(has_nul),
        toml::Value::Table(t) => t.iter().any(|(k, v)| k.contains('\0') || has_nul(v)),
        _ => false,
    }
}

fn show(v: &toml::Value) -> String {
    let s = v.to_string();
    if s.chars().count() > 60 {
        format!("{}..", s.chars().take(60).collect::<String>())
    } else {
        s
    }
}

fn is_uuid(s: &str) -> bool {
    s.len() == 36
        && s.char_indices().all(|(i, c)| {
            if matches!(i, 8 | 13 | 18 | 23) {
                c == '-'
            } else {
                c.is_ascii_hexdigit()
            }
        })
}

/// An exact decimal: digits checked against precision and scale.
fn decimal(v: &toml::Value, p: u32, s: u32) -> Option<Cell> {
    let text = match v {
        toml::Value::Integer(i) => i.to_string(),
        toml::Value::Float(f) if f.is_finite() => f.to_string(),
        toml::Value::String(t) => t.trim().to_string(),
        _ => return None,
    };
    let digits = text.strip_prefix('-').unwrap_or(&text);
    let (int, frac) = digits.split_once('.').unwrap_or((digits, ""));
    let ok = !int.is_empty()
        && int.bytes().chain(frac.bytes()).all(|b| b.is_ascii_digit())
        && int.trim_start_matches('0').len() <= (p - s) as usize
        && frac.trim_end_matches('0').len() <= s as usize;
    ok.then_some(Cell::Text(text))
}

/// A TOML date-time or string as a UTC (or wall-clock, without offset) time.
fn instant(v: &toml::Value) -> Option<NaiveDateTime> {
    let s = match v {
        toml::Value::Datetime(d) => d.to_string(),
        toml::Value::String(s) => s.trim().to_string(),
        _ => return None,
    };
    parse_instant(&s)
}

/// Parses `2024-05-01T10:20:30[.fff][Z|+hh:mm]` (`T` or a blank); an offset converts to UTC.
pub(crate) fn parse_instant(s: &str) -> Option<NaiveDateTime> {
    let s = s.replacen(' ', "T", 1);
    let s = s.replace(" +", "+").replace(" -", "-");
    if let Ok(t) = DateTime::parse_from_rfc3339(&s) {
        return Some(t.naive_utc());
    }
    for fmt in ["%Y-%m-%dT%H:%M:%S%.f%#z", "%Y-%m-%dT%H:%M:%S%#z"] {
        if let Ok(t) = DateTime::parse_from_str(&s, fmt) {
            return Some(t.naive_utc());
        }
    }
    for fmt in [
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%dT%H:%M",
    ] {
        if let Ok(t) = NaiveDateTime::parse_from_str(&s, fmt) {
            return Some(t);
        }
    }
    NaiveDate::parse_from_str(&s, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
}

/// A TOML value as JSON (a date-time becomes its text).
fn to_json(v: &toml::Value) -> serde_json::Value {
    use serde_json::Value as J;
    match v {
        toml::Value::String(s) => J::String(s.clone()),
        toml::Value::Integer(i) => J::from(*i),
        toml::Value::Float(f) => serde_json::Number::from_f64(*f).map_or(J::Null, J::Number),
        toml::Value::Boolean(b) => J::Bool(*b),
        toml::Value::Datetime(d) => J::String(d.to_string()),
        toml::Value::Array(a) => J::Array(a.iter().map(to_json).collect()),
        toml::Value::Table(t) => {
            J::Object(t.iter().map(|(k, v)| (k.clone(), to_json(v))).collect())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(src: &str) -> toml::Value {
        let t: toml::Table = toml::from_str(&format!("x = {src}")).expect("toml");
        t["x"].clone()
    }

    #[test]
    fn types_values_and_refuses_wrong_ones() {
        assert_eq!(
            Cell::typed(ColumnType::Boolean, &v("true")),
            Ok(Cell::Bool(true))
        );
        assert_eq!(
            Cell::typed(ColumnType::Boolean, &v("1")).unwrap_err(),
            "expects true or false (column type boolean), got 1"
        );
        assert!(Cell::typed(ColumnType::Integer, &v("3000000000")).is_err());
        assert_eq!(
            Cell::typed(
                ColumnType::Uuid,
                &v("\"A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11\"")
            ),
            Ok(Cell::Text("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11".into()))
        );
        assert_eq!(
            Cell::typed(ColumnType::Json, &v("[{ url = \"a\" }, 2]")),
            Ok(Cell::Text("[{\"url\":\"a\"},2]".into()))
        );
        assert_eq!(
            Cell::typed(ColumnType::Decimal(5, 2), &v("\"123.45\"")),
            Ok(Cell::Text("123.45".into()))
        );
        assert!(Cell::typed(ColumnType::Decimal(5, 2), &v("\"1234.5\"")).is_err());
        assert!(Cell::typed(ColumnType::Varchar(3), &v("\"abcd\"")).is_err());
        for ty in [ColumnType::Text, ColumnType::Json] {
            let err = Cell::typed(ty, &v("\"a\\u0000b\"")).unwrap_err();
            assert!(err.contains("NUL character"), "{err}");
        }
        assert!(Cell::typed(ColumnType::Json, &v("{ k = [\"\\u0000\"] }")).is_err());
        assert!(Cell::typed(ColumnType::Real, &v("1e300")).is_err());
        assert!(Cell::typed(ColumnType::Real, &v("1e-40")).is_err());
        assert_eq!(
            Cell::typed(ColumnType::Real, &v("0.0")),
            Ok(Cell::Float(0.0))
        );
        assert_eq!(
            Cell::typed(ColumnType::Double, &v("1e300")),
            Ok(Cell::Float(1e300))
        );
    }

    #[test]
    fn date_times_convert_offsets_to_utc() {
        let want = NaiveDate::from_ymd_opt(2024, 5, 1).and_then(|d| d.and_hms_opt(8, 20, 30));
        assert_eq!(parse_instant("2024-05-01T10:20:30+02:00"), want);
        assert_eq!(parse_instant("2024-05-01 08:20:30"), want);
        assert_eq!(parse_instant("2024-05-01 08:20:30+00"), want);
        assert_eq!(
            Cell::typed(ColumnType::TimestampTz, &v("2024-05-01T08:20:30Z")),
            Ok(Cell::TimestampTz(want.expect("valid")))
        );
    }
}
