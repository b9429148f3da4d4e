//! How PostgreSQL renders the portable expressions ([`ExprDialect`]).

use crate::expr::sql as expr_sql;
use sea_query::extension::postgres::PgBinOper;
use sea_query::{BinOper, Expr, ExprTrait};

use super::{Dialect, ExprDialect, Postgres};

impl ExprDialect for Postgres {
    fn expr_concat(&self, args: Vec<Expr>) -> Expr {
        expr_sql::fold(args, BinOper::PgOperator(PgBinOper::Concatenate))
    }

    /// `split_part` with a negative field number needs PostgreSQL 14+.
    fn expr_substring_after_last(
        &self,
        text: Expr,
        sep: Expr,
        _literal_sep: Option<&str>,
    ) -> crate::Result<Expr> {
        Ok(expr_sql::call("split_part", [text, sep, Expr::val(-1)]))
    }

    fn expr_now(&self) -> Expr {
        expr_sql::call("now", [])
    }

    /// The logged value cast to the column's type now, then both compared as text (exact:
    /// `1.50` is not `1.5`, and json has no `=`).
    fn expr_same_converted(&self, a: Expr, b: Expr, ty: &str) -> Expr {
        Expr::cust_with_exprs(
            format!(
                "CAST($1 AS text) COLLATE \"C\" IS NOT DISTINCT FROM CAST(CAST($2 AS {ty}) AS text) COLLATE \"C\""
            ),
            [a, b],
        )
    }

    /// Compared as text in the "C" collation: byte by byte, also for a column of a
    /// nondeterministic (case-insensitive ICU) collation, which `=` would call equal to a
    /// value differing in case.
    fn expr_same_value(&self, a: Expr, b: Expr) -> Expr {
        Expr::cust_with_exprs(
            "CAST($1 AS text) COLLATE \"C\" IS NOT DISTINCT FROM CAST($2 AS text) COLLATE \"C\"",
            [a, b],
        )
    }

    fn expr_uuid(&self) -> Expr {
        expr_sql::call("gen_random_uuid", [])
    }

    fn expr_json_array(&self, args: Vec<Expr>) -> Expr {
        expr_sql::call("jsonb_build_array", args)
    }

    fn expr_json_object(&self, args: Vec<Expr>) -> Expr {
        expr_sql::call("jsonb_build_object", args)
    }

    fn expr_json_length(&self, json: Expr) -> Expr {
        expr_sql::call("jsonb_array_length", [json])
    }

    /// `jsonb_typeof` already uses the portable names.
    fn expr_json_type(&self, json: Expr) -> Expr {
        expr_sql::call("jsonb_typeof", [json])
    }

    fn expr_json_text(&self, json: Expr, key: &str) -> Expr {
        json.binary(
            BinOper::PgOperator(PgBinOper::CastJsonField),
            expr_sql::string(key),
        )
    }

    fn expr_json_get(&self, json: Expr, key: &str) -> Expr {
        json.binary(
            BinOper::PgOperator(PgBinOper::GetJsonField),
            expr_sql::string(key),
        )
    }

    fn expr_json_valid(&self, _text: Expr) -> crate::Result<Expr> {
        Err(crate::Error::unsupported(
            Dialect::Postgres,
            "json_valid",
            "PostgreSQL json/jsonb columns can only hold valid JSON, so the check is not needed \
             there; PostgreSQL before 16 has no built-in test for JSON text",
        ))
    }

    /// `SUM` of bigints is numeric on PostgreSQL.
    fn expr_integer_sum(&self, sum: Expr) -> Expr {
        expr_sql::cast(sum, "bigint".into())
    }

    /// `round(x, digits)` only exists for `numeric`, so `x` is cast.
    fn expr_round(&self, x: Expr, digits: Option<Expr>) -> Expr {
        match digits {
            Some(d) => expr_sql::call("ROUND", [expr_sql::cast(x, "numeric".into()), d]),
            None => expr_sql::call("ROUND", [x]),
        }
    }
}
