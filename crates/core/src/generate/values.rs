//! Turning a database's spelling of defaults and predicates into plan values, and writing
//! them as TOML.

use crate::expr::Expression;
use crate::types::ColumnType;

/// A column default as a plan writes it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum DefaultValue {
    /// `default = <literal>` (already TOML).
    Literal(String),
    /// `default_expr = "<expression>"`.
    Expr(String),
}

/// A TOML basic string.
pub(crate) fn quote(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}

/// A TOML string for SQL: a multi-line literal string where possible (no escapes needed).
pub(crate) fn sql_string(sql: &str) -> String {
    if !sql.contains("'''") && !sql.contains('\r') {
        format!("'''\n{}'''", ensure_newline(sql))
    } else {
        quote(sql)
    }
}

fn ensure_newline(s: &str) -> String {
    if s.ends_with('\n') {
        s.to_string()
    } else {
        format!("{s}\n")
    }
}

/// A TOML array of strings.
pub(crate) fn string_list<S: AsRef<str>>(items: &[S]) -> String {
    let items: Vec<String> = items.iter().map(|s| quote(s.as_ref())).collect();
    format!("[{}]", items.join(", "))
}

/// The plan value of a default the database prints as `text`, for a column of type `ty`;
/// `None` when the plan cannot express it.
pub(crate) fn default_value(text: &str, ty: ColumnType) -> Option<DefaultValue> {
    let t = text.trim();
    let t = t
        .strip_prefix('(')
        .and_then(|x| x.strip_suffix(')'))
        .filter(|x| !x.contains('(') || x.ends_with("()"))
        .unwrap_or(t);
    let lower = t.to_ascii_lowercase();
    if matches!(
        lower.as_str(),
        "now()" | "current_timestamp" | "current_timestamp()" | "current_timestamp(6)"
    ) {
        return Some(DefaultValue::Expr("now()".into()));
    }
    if matches!(lower.as_str(), "gen_random_uuid()" | "uuid()") {
        return Some(DefaultValue::Expr("uuid()".into()));
    }
    if let Some(inner) = t.strip_prefix('\'').and_then(|x| x.strip_suffix('\'')) {
        if inner.contains('\'') && !inner.contains("''") {
            return None;
        }
        let value = inner.replace("''", "'");
        return Some(match ty {
            ColumnType::Integer | ColumnType::BigInt if value.parse::<i64>().is_ok() => {
                DefaultValue::Literal(value)
            }
            ColumnType::Decimal(..) | ColumnType::Real | ColumnType::Double
                if value.parse::<f64>().is_ok_and(f64::is_finite) =>
            {
                return default_value(&value, ty);
            }
            ColumnType::Json | ColumnType::Array(_) => return None,
            _ => DefaultValue::Literal(quote(&value)),
        });
    }
    if ty == ColumnType::Boolean {
        return match lower.as_str() {
            "true" | "1" => Some(DefaultValue::Literal("true".into())),
            "false" | "0" => Some(DefaultValue::Literal("false".into())),
            _ => None,
        };
    }
    if t.parse::<i64>().is_ok() {
        return Some(match ty {
            ColumnType::Decimal(..) | ColumnType::Real | ColumnType::Double
                if crate::plan::default_check::significant_digits(t) > 15 =>
            {
                DefaultValue::Expr(t.to_string())
            }
            ColumnType::Decimal(..) | ColumnType::Real | ColumnType::Double => {
                DefaultValue::Literal(format!("{t}.0"))
            }
            _ => DefaultValue::Literal(t.to_string()),
        });
    }
    if t.parse::<f64>().is_ok_and(f64::is_finite) && t.contains('.') {
        // A TOML float is an f64: more digits than it keeps go in a numeric expression,
        // which keeps its text.
        if crate::plan::default_check::significant_digits(t) > 15 {
            return Some(DefaultValue::Expr(t.to_string()));
        }
        return Some(DefaultValue::Literal(t.to_string()));
    }
    None
}

/// `expr` if it is a portable expression (so the plan can carry it typed).
pub(crate) fn portable(expr: &str) -> Option<String> {
    let e = expr.trim();
    Expression::parse(e).ok().map(|_| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_in_every_spelling() {
        let lit = |s: &str| Some(DefaultValue::Literal(s.to_string()));
        assert_eq!(
            default_value("'active'", ColumnType::Text),
            lit("\"active\"")
        );
        assert_eq!(default_value("'it''s'", ColumnType::Text), lit("\"it's\""));
        assert_eq!(default_value("0", ColumnType::Integer), lit("0"));
        assert_eq!(default_value("0", ColumnType::Decimal(10, 2)), lit("0.0"));
        assert_eq!(
            default_value("1.50", ColumnType::Decimal(10, 2)),
            lit("1.50")
        );
        assert_eq!(default_value("1", ColumnType::Boolean), lit("true"));
        assert_eq!(default_value("false", ColumnType::Boolean), lit("false"));
        assert_eq!(
            default_value("current_timestamp()", ColumnType::Timestamp),
            Some(DefaultValue::Expr("now()".into()))
        );
        assert_eq!(
            default_value("CURRENT_TIMESTAMP", ColumnType::Timestamp),
            Some(DefaultValue::Expr("now()".into()))
        );
        assert_eq!(
            default_value("gen_random_uuid()", ColumnType::Uuid),
            Some(DefaultValue::Expr("uuid()".into()))
        );
        assert_eq!(default_value("'{}'", ColumnType::Json), None);
        assert_eq!(
            default_value("12345678901234567890.12", ColumnType::Decimal(30, 2)),
            Some(DefaultValue::Expr("12345678901234567890.12".into()))
        );
        assert_eq!(
            default_value("nextval('s'::regclass)", ColumnType::Integer),
            None
        );
    }

    #[test]
    fn sql_is_a_literal_block() {
        assert_eq!(sql_string("SELECT 'a'"), "'''\nSELECT 'a'\n'''");
        assert_eq!(sql_string("x ''' y"), "\"x ''' y\"");
    }
}
