//! Parsing of function calls (part of [`super::parse`]).

use sqlparser::ast::{
    self as sql, FunctionArg, FunctionArgExpr, FunctionArguments, ObjectNamePart,
};

use super::ast::Node;
use super::functions::{Function, supported_list};
use super::parse::Cx;
use super::query::AggFunc;
use crate::error::Result;

impl Cx<'_> {
    pub(super) fn function(&self, f: sql::Function) -> Result<Node> {
        let name = match f.name.0.as_slice() {
            [ObjectNamePart::Identifier(id)] => id.value.clone(),
            _ => return Err(self.err(format!("unknown function `{}`", f.name))),
        };
        if f.over.is_some() {
            return Err(self.err(format!(
                "`{name}(...) OVER`: window functions are not supported"
            )));
        }
        if f.filter.is_some()
            || !f.within_group.is_empty()
            || f.null_treatment.is_some()
            || f.uses_odbc_syntax
            || !matches!(f.parameters, FunctionArguments::None)
        {
            return Err(self.err(format!(
                "`{name}`: FILTER, WITHIN GROUP and other call clauses are not supported"
            )));
        }
        if let Some(agg) = AggFunc::lookup(&name) {
            return self.aggregate(agg, f.args);
        }
        let spec = Function::lookup(&name).ok_or_else(|| {
            self.err(format!(
                "unknown function `{name}`; supported functions: {}",
                supported_list()
            ))
        })?;
        let args = match f.args {
            FunctionArguments::None => Vec::new(),
            FunctionArguments::Subquery(_) => {
                return Err(self.err("subqueries are not supported in portable expressions"));
            }
            FunctionArguments::List(list) => {
                if list.duplicate_treatment.is_some() || !list.clauses.is_empty() {
                    return Err(self.err(format!(
                        "`{name}`: DISTINCT, ORDER BY and other argument clauses are not supported; \
                         expected {}",
                        spec.signature
                    )));
                }
                list.args
                    .into_iter()
                    .map(|a| self.argument(&name, a))
                    .collect::<Result<Vec<_>>>()?
            }
        };
        if !spec.arity.accepts(args.len()) {
            return Err(self.err(format!(
                "`{}` takes {}, got {}; expected {}",
                spec.name,
                spec.arity.describe(),
                args.len(),
                spec.signature
            )));
        }
        if matches!(spec.function, Function::JsonText | Function::JsonGet) {
            self.check_json_key(spec.name, spec.signature, &args[1])?;
        }
        Ok(Node::Call {
            function: spec.function,
            args,
        })
    }

    fn argument(&self, function: &str, arg: FunctionArg) -> Result<Node> {
        match arg {
            FunctionArg::Unnamed(FunctionArgExpr::Expr(e)) => self.node(e),
            FunctionArg::Unnamed(_) => Err(self.err(format!(
                "`*` is not allowed as an argument of `{function}`; name the columns"
            ))),
            FunctionArg::Named { .. } | FunctionArg::ExprNamed { .. } => Err(self.err(format!(
                "named arguments are not supported in `{function}(...)`; pass values by position"
            ))),
        }
    }

    /// The key of `json_text` / `json_get` must be a plain string literal.
    fn check_json_key(&self, name: &str, signature: &str, key: &Node) -> Result<()> {
        let Some(key) = key.as_str_literal() else {
            return Err(self.err(format!(
                "the key argument of `{name}` must be a string literal, e.g. {name}(payload, 'title'); \
                 expected {signature}"
            )));
        };
        if key.is_empty() || key.chars().any(|c| c == '"' || c == '\\' || c.is_control()) {
            return Err(self.err(format!(
                "the key '{key}' of `{name}` must be non-empty and contain no `\"`, `\\` \
                 or control characters"
            )));
        }
        Ok(())
    }
}
