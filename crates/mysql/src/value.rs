//! Values of the MySQL protocol in their SQL text form.

use mysql_async::Value;

/// The text form of `value` (`None` for NULL).
///
/// The text protocol delivers everything as bytes (decoded as UTF-8, invalid sequences
/// replaced); the other variants, which the binary protocol produces, are printed as MySQL
/// prints them: `2024-05-01`, `2024-05-01 10:20:30.000123`, `-26:03:04`.
pub(crate) fn to_text(value: Value) -> Option<String> {
    match value {
        Value::NULL => None,
        Value::Bytes(bytes) => Some(String::from_utf8_lossy(&bytes).into_owned()),
        Value::Int(v) => Some(v.to_string()),
        Value::UInt(v) => Some(v.to_string()),
        Value::Float(v) => Some(v.to_string()),
        Value::Double(v) => Some(v.to_string()),
        Value::Date(y, mo, d, 0, 0, 0, 0) => Some(format!("{y:04}-{mo:02}-{d:02}")),
        Value::Date(y, mo, d, h, mi, s, us) => Some(format!(
            "{y:04}-{mo:02}-{d:02} {h:02}:{mi:02}:{s:02}{}",
            micros(us)
        )),
        Value::Time(negative, days, h, mi, s, us) => Some(format!(
            "{}{:02}:{mi:02}:{s:02}{}",
            if negative { "-" } else { "" },
            u64::from(days) * 24 + u64::from(h),
            micros(us)
        )),
    }
}

/// `.ffffff` when there are microseconds, nothing otherwise.
fn micros(us: u32) -> String {
    if us == 0 {
        String::new()
    } else {
        format!(".{us:06}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prints_sql_text() {
        assert_eq!(to_text(Value::NULL), None);
        assert_eq!(
            to_text(Value::Bytes(b"abc".to_vec())).as_deref(),
            Some("abc")
        );
        assert_eq!(to_text(Value::Int(-3)).as_deref(), Some("-3"));
        assert_eq!(to_text(Value::Double(1.5)).as_deref(), Some("1.5"));
        assert_eq!(
            to_text(Value::Date(2024, 5, 1, 0, 0, 0, 0)).as_deref(),
            Some("2024-05-01")
        );
        assert_eq!(
            to_text(Value::Date(2024, 5, 1, 10, 20, 30, 123)).as_deref(),
            Some("2024-05-01 10:20:30.000123")
        );
        assert_eq!(
            to_text(Value::Time(true, 1, 2, 3, 4, 0)).as_deref(),
            Some("-26:03:04")
        );
    }
}
