//! Whether a column's literal `default` fits it: an enum's value, not an array, and a float
//! that TOML kept exactly.

use super::Column;

/// How many significant digits a number written as `text` has (`1.50e3` has 3; `0.001` 1).
pub(crate) fn significant_digits(text: &str) -> usize {
    let mantissa = text.split(['e', 'E']).next().unwrap_or(text);
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    let digits = digits.trim_start_matches('0');
    let digits = if mantissa.contains('.') {
        digits.trim_end_matches('0')
    } else {
        digits
    };
    digits.len()
}

/// Why a literal `default` does not fit its column, if it does not: an enum value that is
/// not one, an array, a float TOML cannot have kept exactly.
pub(crate) fn typed_default_problem(c: &Column) -> Option<String> {
    use crate::types::ColumnType;
    let default = c.default.as_ref()?;
    match (c.ty, default) {
        (ColumnType::Enum(values), super::model::Literal::Text(t)) if values.contains(t) => None,
        (ColumnType::Enum(values), _) => Some(format!(
            "the default of column `{}` is not one of its enum values ({values})",
            c.name
        )),
        (_, super::model::Literal::Float(f)) if significant_digits(&format!("{f:e}")) > 15 => {
            Some(format!(
                "the default {f} of column `{}` has more digits than a TOML float keeps exactly (it was probably rounded on reading); write the number as `default_expr = \"<number>\"`, which keeps every digit",
                c.name
            ))
        }
        (ColumnType::Array(_), _) => Some(format!(
            "array column `{}` takes `default_expr = \"array(..)\"`, not a literal `default`",
            c.name
        )),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::significant_digits;

    #[test]
    fn significant_digits_ignore_leading_and_trailing_zeros() {
        assert_eq!(significant_digits("1.50e3"), 2);
        assert_eq!(significant_digits("0.001"), 1);
        assert_eq!(significant_digits("-12.5"), 3);
        assert_eq!(significant_digits("1000"), 4);
        assert_eq!(significant_digits("12345678901234567890.12"), 22);
        assert_eq!(significant_digits(&format!("{:e}", 0.1_f64)), 1);
        assert_eq!(
            significant_digits(&format!("{:e}", 12345678901234567890.12_f64)),
            17
        );
    }
}
