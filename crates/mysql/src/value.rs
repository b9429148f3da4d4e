//! Values of the MySQL protocol in their SQL text form.

use cutover_core::error::DriverErrorKind;
use cutover_core::{Dialect, Error, Result};
use mysql_async::Value;

/// The text form of `value` (`None` for NULL), `column` naming it in the error.
///
/// The text protocol delivers everything as bytes, which must be UTF-8: a binary string
/// (`BINARY`, `VARBINARY`, `BLOB`) that is not is an error rather than text with its bytes
/// replaced, since callers write values back as literals (a backfill's key, a transform's
/// row) and a replaced byte is another value. The other variants, which the binary
/// protocol produces, are printed as MySQL prints them: `2024-05-01`,
/// `2024-05-01 10:20:30.000123`, `-26:03:04`.
pub(crate) fn to_text(value: Value, column: &str) -> Result<Option<String>> {
    Ok(match value {
        Value::NULL => None,
        Value::Bytes(bytes) => Some(String::from_utf8(bytes).map_err(|_| not_utf8(column))?),
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
    })
}

/// [`to_text`] for display only: bytes that are not UTF-8 as `0x` and lowercase hex.
pub(crate) fn to_display_text(value: Value, column: &str) -> Result<Option<String>> {
    match value {
        Value::Bytes(bytes) => Ok(Some(match String::from_utf8(bytes) {
            Ok(text) => text,
            Err(e) => e.into_bytes().iter().fold("0x".to_string(), |mut s, b| {
                s.push_str(&format!("{b:02x}"));
                s
            }),
        })),
        other => to_text(other, column),
    }
}

/// The error for a value of `column` that is not UTF-8 text.
fn not_utf8(column: &str) -> Error {
    Error::Driver {
        dialect: Dialect::Mysql,
        message: format!(
            "column `{column}` of a result holds bytes that are not UTF-8 text (a binary value): cutover reads values as text and would change these bytes; select `HEX({column})` instead, or key a backfill on a column that is not binary"
        ),
        kind: DriverErrorKind::Other,
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

    fn text(value: Value) -> Option<String> {
        to_text(value, "c").expect("text")
    }

    #[test]
    fn refuses_bytes_that_are_not_utf8() {
        let err = to_text(Value::Bytes(vec![0x41, 0xC0, 0x00, 0x01]), "id").expect_err("binary");
        assert!(
            err.to_string()
                .contains("column `id` of a result holds bytes that are not UTF-8 text"),
            "{err}"
        );
        assert_eq!(
            text(Value::Bytes("é".as_bytes().to_vec())).as_deref(),
            Some("é")
        );
    }

    #[test]
    fn displays_bytes_that_are_not_utf8_as_hex() {
        let shown = to_display_text(Value::Bytes(vec![0x00, 0xff, 0x10]), "c").expect("display");
        assert_eq!(shown.as_deref(), Some("0x00ff10"));
        let text = to_display_text(Value::Bytes(b"abc".to_vec()), "c").expect("display");
        assert_eq!(text.as_deref(), Some("abc"));
        let int = to_display_text(Value::Int(7), "c").expect("display");
        assert_eq!(int.as_deref(), Some("7"));
    }

    #[test]
    fn prints_sql_text() {
        assert_eq!(text(Value::NULL), None);
        assert_eq!(text(Value::Bytes(b"abc".to_vec())).as_deref(), Some("abc"));
        assert_eq!(text(Value::Int(-3)).as_deref(), Some("-3"));
        assert_eq!(text(Value::Double(1.5)).as_deref(), Some("1.5"));
        assert_eq!(
            text(Value::Date(2024, 5, 1, 0, 0, 0, 0)).as_deref(),
            Some("2024-05-01")
        );
        assert_eq!(
            text(Value::Date(2024, 5, 1, 10, 20, 30, 123)).as_deref(),
            Some("2024-05-01 10:20:30.000123")
        );
        assert_eq!(
            text(Value::Time(true, 1, 2, 3, 4, 0)).as_deref(),
            Some("-26:03:04")
        );
    }
}
