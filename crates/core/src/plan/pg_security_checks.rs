//! Load-time checks of the PostgreSQL security steps (`enable_rls`, `disable_rls`,
//! `create_policy`, `drop_policy`, `grant`, `revoke`): the dialects they target, names,
//! policy expressions (PostgreSQL SQL, parsed with sqlparser's PostgreSQL dialect) and
//! privileges that exist on the object kind.

use sqlparser::dialect::PostgreSqlDialect;
use sqlparser::parser::Parser;
use sqlparser::tokenizer::Token;

use super::model::{GrantOn, PolicyCommand, Privilege, Step};
use crate::dialect::Dialect;

type Invalid = (Option<String>, String);

fn invalid(field: &str, msg: impl Into<String>) -> Invalid {
    (Some(field.to_string()), msg.into())
}

/// Checks a security step for the target `dialects`; other steps pass.
pub(crate) fn check_step(step: &Step, dialects: &[Dialect]) -> Result<(), Invalid> {
    let (table, name) = match step {
        Step::EnableRls(r) | Step::DisableRls(r) => (Some(&r.table), None),
        Step::CreatePolicy(p) => (Some(&p.table), Some(&p.name)),
        Step::DropPolicy(p) => (Some(&p.table), Some(&p.name)),
        Step::Grant(_) | Step::Revoke(_) => (None, None),
        Step::RestoreCaptured(_) => {
            return Err((
                None,
                "`restore_captured` is derived by `down` and cannot be written in a plan".into(),
            ));
        }
        _ => return Ok(()),
    };
    let refused: Vec<String> = dialects
        .iter()
        .filter(|d| !d.sql().supports_row_security())
        .map(|d| d.to_string())
        .collect();
    if !refused.is_empty() {
        return Err((
            None,
            format!(
                "{} is not supported on {}: {}",
                step.op(),
                refused.join(" or "),
                crate::render::ROW_SECURITY_HINT
            ),
        ));
    }
    if table.is_some_and(|t| t.trim().is_empty()) {
        return Err(invalid("table", "the table name is empty"));
    }
    if let Some(t) = table.filter(|t| !qualified_ok(t)) {
        return Err(invalid(
            "table",
            format!(
                "`{t}`: {} takes a table name, or a schema and a table separated by one dot (`auth.users`), with no empty part",
                step.op()
            ),
        ));
    }
    if name.is_some_and(|n| n.trim().is_empty()) {
        return Err(invalid("name", "the policy name is empty"));
    }
    match step {
        Step::CreatePolicy(p) => {
            roles("roles", &p.roles, true)?;
            if p.command == PolicyCommand::Insert && p.using.is_some() {
                return Err(invalid(
                    "using",
                    "an insert policy has no `using` (there are no existing rows to filter): write the condition as `with_check`",
                ));
            }
            if matches!(p.command, PolicyCommand::Select | PolicyCommand::Delete)
                && p.with_check.is_some()
            {
                return Err(invalid(
                    "with_check",
                    format!(
                        "a {} policy has no `with_check` (it writes no new rows): write the condition as `using`",
                        p.command.keyword().to_lowercase()
                    ),
                ));
            }
            if let Some(u) = &p.using {
                expression("using", u)?;
            }
            if let Some(c) = &p.with_check {
                expression("with_check", c)?;
            }
            Ok(())
        }
        Step::Grant(g) => {
            privileges(&g.privileges, g.on)?;
            objects(&g.objects, g.on)?;
            roles("to", &g.to, false)
        }
        Step::Revoke(r) => {
            privileges(&r.privileges, r.on)?;
            objects(&r.objects, r.on)?;
            roles("from", &r.from, false)
        }
        _ => Ok(()),
    }
}

/// A policy expression: one PostgreSQL boolean expression, no `;`.
fn expression(field: &str, sql: &str) -> Result<(), Invalid> {
    if sql.trim().is_empty() {
        return Err(invalid(
            field,
            "the expression is empty: write a PostgreSQL condition, e.g. `auth.uid() = user_id`, or remove the field",
        ));
    }
    let dialect = PostgreSqlDialect {};
    let syntax = |e: sqlparser::parser::ParserError| {
        invalid(
            field,
            format!("`{sql}` is not a PostgreSQL expression: {e}"),
        )
    };
    let mut parser = Parser::new(&dialect).try_with_sql(sql).map_err(syntax)?;
    parser.parse_expr().map_err(syntax)?;
    let next = parser.peek_token();
    if next.token != Token::EOF {
        return Err(invalid(
            field,
            format!(
                "unexpected `{}` after the end of the expression `{sql}`: a policy expression is one condition, without `;` or a second clause",
                next.token
            ),
        ));
    }
    Ok(())
}

fn roles(field: &str, list: &[String], may_be_empty: bool) -> Result<(), Invalid> {
    if list.is_empty() && !may_be_empty {
        return Err(invalid(
            field,
            "list at least one role (`public` for every role)",
        ));
    }
    if list.iter().any(|r| r.trim().is_empty()) {
        return Err(invalid(field, "a role name is empty"));
    }
    Ok(())
}

fn objects(list: &[String], on: GrantOn) -> Result<(), Invalid> {
    if list.is_empty() || list.iter().any(|o| o.trim().is_empty()) {
        return Err(invalid(
            "objects",
            "list the objects by name, e.g. objects = [\"messages\"]",
        ));
    }
    if on == GrantOn::Function
        && let Some(bad) = list.iter().find(|o| !is_signature(o))
    {
        return Err(invalid(
            "objects",
            format!(
                "`{bad}` is not a function signature: write the name and the argument types, e.g. \"auth.uid()\" or \"add(integer, numeric(10,2))\""
            ),
        ));
    }
    Ok(())
}

/// `name(type, type)`: a name, then argument types made of words, `.`, `,`, spaces, `"`,
/// `[]` and balanced parentheses (`numeric(10,2)`), ending the signature. Nothing else
/// reaches the rendered SQL unquoted.
fn is_signature(sig: &str) -> bool {
    let Some((name, args)) = sig.split_once('(') else {
        return false;
    };
    if name.trim().is_empty() || !args.ends_with(')') {
        return false;
    }
    let mut depth = 1i32;
    for (i, c) in args.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => {
                depth -= 1;
                if depth == 0 && i + 1 != args.len() {
                    return false;
                }
            }
            c if c.is_alphanumeric() || " _,.\"[]".contains(c) => {}
            _ => return false,
        }
        if depth < 0 {
            return false;
        }
    }
    depth == 0 && !args.contains("\"\"")
}

fn privileges(list: &[Privilege], on: GrantOn) -> Result<(), Invalid> {
    if list.is_empty() {
        return Err(invalid(
            "privileges",
            "list at least one privilege, e.g. privileges = [\"select\"], or [\"all\"]",
        ));
    }
    let allowed = on.privileges();
    if let Some(p) = list
        .iter()
        .find(|p| **p != Privilege::All && !allowed.contains(p))
    {
        let names: Vec<String> = allowed.iter().map(|a| a.keyword().to_lowercase()).collect();
        return Err(invalid(
            "privileges",
            format!(
                "`{}` is not a privilege of a {}: use {} or all",
                p.keyword().to_lowercase(),
                on.keyword().to_lowercase(),
                names.join(", ")
            ),
        ));
    }
    Ok(())
}

/// `users` or `auth.users`: at most one dot, no empty part.
pub(crate) fn qualified_ok(name: &str) -> bool {
    let parts: Vec<&str> = name.split('.').collect();
    parts.len() <= 2 && parts.iter().all(|p| !p.trim().is_empty())
}
