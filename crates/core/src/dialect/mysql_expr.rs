//! How MySQL/MariaDB renders the portable expressions ([`ExprDialect`]).

use crate::expr::sql as expr_sql;
use sea_query::{Expr, ExprTrait};

use super::{ExprDialect, Mysql};

impl ExprDialect for Mysql {
    /// MySQL/MariaDB scan the whole table for a row-constructor range (`(a, b) > (x, y)`):
    /// the expanded form lets the leading key column bound an index range.
    fn expr_key_compare(&self, cols: Vec<Expr>, op: super::KeyCmp, values: Vec<Expr>) -> Expr {
        super::expanded_compare(cols, op, values)
    }

    /// `||` is logical OR in MySQL; `CONCAT` is NULL-propagating like `||` elsewhere.
    fn expr_concat(&self, args: Vec<Expr>) -> Expr {
        expr_sql::call("CONCAT", args)
    }

    fn expr_substring_after_last(
        &self,
        text: Expr,
        sep: Expr,
        _literal_sep: Option<&str>,
    ) -> crate::Result<Expr> {
        Ok(expr_sql::call(
            "SUBSTRING_INDEX",
            [text, sep, Expr::val(-1)],
        ))
    }

    fn expr_now(&self) -> Expr {
        expr_sql::call("CURRENT_TIMESTAMP", [Expr::val(6)])
    }

    /// Strings stay compared as bytes (case and trailing spaces count); numbers and times
    /// by value (`<=>` converts the older type's value the way `MODIFY` did).
    fn expr_same_converted(&self, a: Expr, b: Expr, ty: &str) -> Expr {
        let ty = ty.to_ascii_lowercase();
        let text = ["char", "text", "enum", "set(", "binary", "blob", "json"]
            .iter()
            .any(|t| ty.contains(t));
        if text {
            self.expr_same_value(a, b)
        } else {
            Expr::cust_with_exprs("? <=> ?", [a, b])
        }
    }

    fn expr_same_value(&self, a: Expr, b: Expr) -> Expr {
        Expr::cust_with_exprs("CAST(? AS BINARY) <=> CAST(? AS BINARY)", [a, b])
    }

    fn expr_uuid(&self) -> Expr {
        expr_sql::call("UUID", [])
    }

    /// A text holding a quote or a backslash is written as a hex literal, whose meaning does
    /// not depend on the session's `NO_BACKSLASH_ESCAPES` (the session sets its own
    /// `sql_mode` at connect as well).
    fn expr_string(&self, text: &str) -> Expr {
        if text.contains(['\\', '\'']) {
            let hex: String = text.bytes().map(|b| format!("{b:02X}")).collect();
            Expr::cust(format!("_utf8mb4 X'{hex}'"))
        } else {
            expr_sql::string(text)
        }
    }

    /// `SUM` of integers is DECIMAL on MySQL.
    fn expr_integer_sum(&self, sum: Expr) -> Expr {
        expr_sql::cast(sum, "SIGNED".into())
    }

    /// `/` on integers gives a decimal on MySQL; `DIV` truncates toward zero like PostgreSQL
    /// and SQLite.
    fn expr_int_div(&self, a: Expr, b: Expr) -> Expr {
        a.binary(sea_query::BinOper::Custom("DIV"), b)
    }

    /// The default collations are case-insensitive and pad trailing spaces: compare the
    /// UTF-8 bytes instead.
    fn expr_exact_text(&self, text: Expr) -> Expr {
        Expr::cust_with_expr("CAST(CONVERT(? USING utf8mb4) AS BINARY)", text)
    }

    /// A column the plan created is `utf8mb4_bin` already: the equality keeps it bare so its
    /// index serves it (the other side, unless also such a column, is brought to that
    /// collation with an explicit `COLLATE`, which wins over the column's own). That
    /// collation pads trailing spaces (`'a' = 'a '`), so the UTF-8 bytes are compared too:
    /// the index narrows the rows, the bytes decide.
    fn expr_stored_text_eq(&self, a: Expr, b: Expr, stored: [bool; 2]) -> Expr {
        let binary =
            |x: Expr| Expr::cust_with_expr("CONVERT(? USING utf8mb4) COLLATE utf8mb4_bin", x);
        let bytes = self
            .expr_exact_text(a.clone())
            .eq(self.expr_exact_text(b.clone()));
        let indexed = match stored {
            [true, true] => a.eq(b),
            [true, false] => a.eq(binary(b)),
            [false, _] => binary(a).eq(b),
        };
        indexed.and(bytes)
    }

    /// `NULLIF` compares with the column's collation (`_ci`, PAD SPACE): the exact
    /// equality decides instead. MySQL's own `NULLIF` evaluates `value` twice too.
    fn expr_null_if(&self, value: Expr, _other: Expr, equal: Expr) -> Expr {
        Expr::case(equal, Expr::null()).finally(value).into()
    }

    /// `plain AND exact`: the plain comparison can use the column's index whatever its
    /// collation, the exact one (UTF-8 bytes: case and trailing spaces count) decides. A
    /// probe, an operand of a type the plan does not know, that the database says is not
    /// text (`COLLATION(x) = 'binary'`: numbers, dates, binary strings) leaves the decision
    /// to `plain`, which compares such values by value. Negated (`<>`, `NOT IN`): `plain OR
    /// NOT exact`, the same under SQL's three-valued logic.
    fn expr_narrowed(&self, plain: Expr, exact: Expr, probes: Vec<Expr>, negated: bool) -> Expr {
        let decide = probes.into_iter().rev().fold(exact, |acc, p| {
            Expr::cust_with_expr("COLLATION(?) = 'binary'", p).or(acc)
        });
        if negated {
            plain.or(decide.not())
        } else {
            plain.and(decide)
        }
    }

    /// A binary collation on the pattern makes the match case-sensitive whatever the
    /// column's collation (`_` still matches one character, not one byte).
    fn expr_like(&self, text: Expr, pattern: Expr, negated: bool) -> Expr {
        let pattern = Expr::cust_with_expr("CONVERT(? USING utf8mb4) COLLATE utf8mb4_bin", pattern);
        let op = if negated {
            sea_query::BinOper::NotLike
        } else {
            sea_query::BinOper::Like
        };
        text.binary(op, pattern)
    }

    fn expr_json_length(&self, json: Expr) -> Expr {
        expr_sql::call("JSON_LENGTH", [json])
    }

    /// `JSON_TYPE` names the type in upper case and tells numbers apart (INTEGER, DOUBLE,
    /// DECIMAL, UNSIGNED INTEGER): those become `number`, the rest is lower-cased.
    fn expr_json_type(&self, json: Expr) -> Expr {
        let ty = expr_sql::call("JSON_TYPE", [json]);
        let numbers = ["INTEGER", "UNSIGNED INTEGER", "DOUBLE", "DECIMAL"].map(Expr::val);
        Expr::case(ty.clone().is_in(numbers), Expr::val("number"))
            .finally(expr_sql::call("LOWER", [ty]))
            .into()
    }

    /// `JSON_UNQUOTE(JSON_EXTRACT(..))`, with a JSON `null` member mapped to SQL NULL (as on
    /// Postgres and SQLite). MariaDB has no `->>` operator.
    fn expr_json_text(&self, json: Expr, key: &str) -> Expr {
        let member = self.expr_json_get(json, key);
        let is_json_null = expr_sql::call("JSON_TYPE", [member.clone()]).eq("NULL");
        Expr::case(is_json_null, Expr::null())
            .finally(expr_sql::call("JSON_UNQUOTE", [member]))
            .into()
    }

    fn expr_json_get(&self, json: Expr, key: &str) -> Expr {
        let path = expr_sql::string(&expr_sql::json_member_path(key));
        expr_sql::call("JSON_EXTRACT", [json, path])
    }
}
