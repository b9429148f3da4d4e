//! How SQLite renders the portable expressions ([`ExprDialect`]).

use crate::expr::sql as expr_sql;
use sea_query::extension::sqlite::SqliteBinOper;
use sea_query::{BinOper, Expr, ExprTrait};

use super::{Dialect, ExprDialect, Sqlite};

impl ExprDialect for Sqlite {
    /// `x / 0` and `x % 0` are already NULL.
    fn expr_divisor(&self, divisor: Expr) -> Expr {
        divisor
    }

    fn expr_char_length(&self, text: Expr) -> Expr {
        expr_sql::call("LENGTH", [text])
    }

    /// SQLite has no such function: with a single-character separator,
    /// `substr(s, length(rtrim(s, replace(s, sep, ''))) + 1)` strips every trailing
    /// character that is not the separator.
    fn expr_substring_after_last(
        &self,
        text: Expr,
        sep: Expr,
        literal_sep: Option<&str>,
    ) -> crate::Result<Expr> {
        match literal_sep {
            Some(s) if s.chars().count() == 1 => {}
            _ => {
                return Err(crate::Error::unsupported(
                    Dialect::Sqlite,
                    "substring_after_last with a separator that is not a single-character \
                     string literal",
                    "write the separator as a one-character literal such as '/' \
                     (SQLite has no function to find the last occurrence of a longer string)",
                ));
            }
        }
        let others = expr_sql::call("replace", [text.clone(), sep, expr_sql::string("")]);
        let head = expr_sql::call("rtrim", [text.clone(), others]);
        let start = expr_sql::call("length", [head]).add(1);
        Ok(expr_sql::call("substr", [text, start]))
    }

    /// A random version-4 UUID, lower-case: 32 random hex digits with the version nibble
    /// set to 4 and the variant nibble one of 8, 9, a, b.
    fn expr_uuid(&self) -> Expr {
        expr_sql::fragment(
            "lower(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4' || \
             substr(hex(randomblob(2)), 2) || '-' || substr('89ab', 1 + (random() & 3), 1) || \
             substr(hex(randomblob(2)), 2) || '-' || hex(randomblob(6)))",
        )
    }

    fn expr_json_array(&self, args: Vec<Expr>) -> Expr {
        expr_sql::call("json_array", args)
    }

    fn expr_json_object(&self, args: Vec<Expr>) -> Expr {
        expr_sql::call("json_object", args)
    }

    fn expr_json_length(&self, json: Expr) -> Expr {
        expr_sql::call("json_array_length", [json])
    }

    /// `json_type` tells `true`/`false` and `integer`/`real` apart and calls strings `text`.
    fn expr_json_type(&self, json: Expr) -> Expr {
        let ty = expr_sql::call("json_type", [json]);
        let within = |names: &[&str]| ty.clone().is_in(names.iter().map(|n| Expr::val(*n)));
        Expr::case(within(&["true", "false"]), Expr::val("boolean"))
            .case(within(&["integer", "real"]), Expr::val("number"))
            .case(ty.clone().eq("text"), Expr::val("string"))
            .finally(ty.clone())
            .into()
    }

    /// The `->>` operator needs SQLite 3.38+.
    fn expr_json_text(&self, json: Expr, key: &str) -> Expr {
        let path = expr_sql::string(&expr_sql::json_member_path(key));
        json.binary(BinOper::SqliteOperator(SqliteBinOper::CastJsonField), path)
    }

    /// The `->` operator needs SQLite 3.38+.
    fn expr_json_get(&self, json: Expr, key: &str) -> Expr {
        let path = expr_sql::string(&expr_sql::json_member_path(key));
        json.binary(BinOper::SqliteOperator(SqliteBinOper::GetJsonField), path)
    }
}
