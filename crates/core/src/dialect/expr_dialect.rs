//! The portable-expression half of a dialect: how each expression function of
//! `crate::expr` (docs/expressions.md) is rendered. A supertrait of
//! [`SqlDialect`](super::SqlDialect), so every dialect implements both.

use sea_query::Expr;

use crate::expr::sql as expr_sql;

/// How a dialect renders the portable expressions (see `crate::expr` and docs/expressions.md).
///
/// Default methods hold the common rendering; each dialect overrides only what differs.
pub trait ExprDialect: Send + Sync {
    /// Renders a key range bound `(a, b, ..) <op> (x, y, ..)` over NULL-free key columns, as
    /// backfill batches, boundary queries and undo walks use it. The default is the row
    /// constructor; a dialect whose optimizer cannot use an index for it expands it.
    fn expr_key_compare(&self, cols: Vec<Expr>, op: super::KeyCmp, values: Vec<Expr>) -> Expr {
        super::row_compare(cols, op, values)
    }

    /// Renders NULL-propagating concatenation of two or more values (`a || b || ...`).
    fn expr_concat(&self, args: Vec<Expr>) -> Expr {
        expr_sql::fold(args, sea_query::BinOper::Custom("||"))
    }

    /// Renders the length of a text in characters (`CHAR_LENGTH(text)`).
    fn expr_char_length(&self, text: Expr) -> Expr {
        expr_sql::call("CHAR_LENGTH", [text])
    }

    /// Renders the part of `text` after the last occurrence of `sep` (`text` itself when `sep`
    /// does not occur). `literal_sep` is the separator when it is a string literal.
    fn expr_substring_after_last(
        &self,
        text: Expr,
        sep: Expr,
        literal_sep: Option<&str>,
    ) -> crate::Result<Expr>;

    /// Renders the current timestamp (`CURRENT_TIMESTAMP`).
    fn expr_now(&self) -> Expr {
        Expr::current_timestamp()
    }

    /// Renders a new UUID: random (version 4) where the database has a generator for it,
    /// otherwise its native one (MySQL's `UUID()` is version 1).
    fn expr_uuid(&self) -> Expr;

    /// Renders a JSON array of the values (`JSON_ARRAY(...)`).
    fn expr_json_array(&self, args: Vec<Expr>) -> Expr {
        expr_sql::call("JSON_ARRAY", args)
    }

    /// Renders a JSON object from alternating keys and values (`JSON_OBJECT(...)`).
    fn expr_json_object(&self, args: Vec<Expr>) -> Expr {
        expr_sql::call("JSON_OBJECT", args)
    }

    /// Renders the number of elements of a JSON array.
    fn expr_json_length(&self, json: Expr) -> Expr;

    /// Renders the type of a JSON value as one of `object`, `array`, `string`, `number`,
    /// `boolean`, `null` (SQL NULL for SQL NULL).
    fn expr_json_type(&self, json: Expr) -> Expr;

    /// Renders member `key` of a JSON object as text; NULL when missing or JSON `null`.
    fn expr_json_text(&self, json: Expr, key: &str) -> Expr;

    /// Renders member `key` of a JSON object as JSON; NULL when missing.
    fn expr_json_get(&self, json: Expr, key: &str) -> Expr;

    /// Renders whether a text is valid JSON (`JSON_VALID(text)`).
    fn expr_json_valid(&self, text: Expr) -> crate::Result<Expr> {
        Ok(expr_sql::call("JSON_VALID", [text]))
    }

    /// Renders a string literal of an expression (a quoted, escaped value by default).
    fn expr_string(&self, text: &str) -> Expr {
        expr_sql::string(text)
    }

    /// Renders the division of two integers, truncating toward zero (`a / b` on PostgreSQL
    /// and SQLite).
    fn expr_int_div(&self, a: Expr, b: Expr) -> Expr {
        sea_query::ExprTrait::binary(a, sea_query::BinOper::Div, b)
    }

    /// Renders `SUM(..)` of integers (`sum`) as an integer, as SQLite computes it (MySQL's
    /// is DECIMAL, PostgreSQL's of bigints is numeric).
    fn expr_integer_sum(&self, sum: Expr) -> Expr {
        sum
    }

    /// Renders the divisor of `/` or `%` so that a zero divisor makes the result NULL, as
    /// SQLite does by itself (`NULLIF(divisor, 0)`: PostgreSQL raises an error, and so does
    /// MySQL in a strict-mode INSERT or UPDATE).
    fn expr_divisor(&self, divisor: Expr) -> Expr {
        expr_sql::call("NULLIF", [divisor, Expr::val(0)])
    }

    /// Like [`expr_same_value`](ExprDialect::expr_same_value) for a column whose type changed
    /// (to `ty`) after `b` was logged: `a` holds `b` converted to `ty` the way the type
    /// change converted the column, so a widening (`decimal(20,6)` to `decimal(30,10)`,
    /// `timestamp` to `timestamptz`, `float` to `double`) does not make every row look
    /// changed.
    fn expr_same_converted(&self, a: Expr, b: Expr, _ty: &str) -> Expr {
        self.expr_same_value(a, b)
    }

    /// Renders "`a` holds exactly the same value as `b`", NULL matching NULL: how the undo
    /// log tells that a row still holds what a backfill wrote (SQLite: `a IS b`).
    fn expr_same_value(&self, a: Expr, b: Expr) -> Expr {
        Expr::cust_with_exprs("? IS ?", [a, b])
    }

    /// Renders a text operand of an equality so that it compares exactly: case-sensitive,
    /// no trailing-space padding (the text itself on PostgreSQL and SQLite).
    fn expr_exact_text(&self, text: Expr) -> Expr {
        text
    }

    /// `nullif(value, other)` where `equal` is the equality `value = other` made exact (text
    /// of a collation the plan may not know). PostgreSQL and SQLite compare exactly already.
    fn expr_null_if(&self, value: Expr, other: Expr, _equal: Expr) -> Expr {
        expr_sql::call("NULLIF", [value, other])
    }

    /// Renders the exact text equality `a = b` where the sides flagged in `stored` are
    /// columns the plan created, so that an index on such a column can serve it (plain
    /// `a = b` on PostgreSQL and SQLite, whose text comparison is exact already).
    fn expr_stored_text_eq(&self, a: Expr, b: Expr, _stored: [bool; 2]) -> Expr {
        sea_query::ExprTrait::eq(a, b)
    }

    /// Renders a text comparison in two parts: `plain` as written (an index can serve it;
    /// `<>` / `NOT IN` when `negated`), `exact` the positive comparison made exact, and
    /// `probes` the operands of a type the plan does not know. The default is `plain`
    /// (PostgreSQL and SQLite compare text exactly with their default collations).
    fn expr_narrowed(&self, plain: Expr, _exact: Expr, _probes: Vec<Expr>, _negated: bool) -> Expr {
        plain
    }

    /// Renders `text [NOT] LIKE pattern`, case-sensitive on every dialect (SQLite
    /// connections run with `PRAGMA case_sensitive_like = ON`).
    fn expr_like(&self, text: Expr, pattern: Expr, negated: bool) -> Expr {
        let op = if negated {
            sea_query::BinOper::NotLike
        } else {
            sea_query::BinOper::Like
        };
        sea_query::ExprTrait::binary(text, op, pattern)
    }

    /// Renders `ROUND(x)` or `ROUND(x, digits)`.
    fn expr_round(&self, x: Expr, digits: Option<Expr>) -> Expr {
        expr_sql::call("ROUND", std::iter::once(x).chain(digits))
    }
}
