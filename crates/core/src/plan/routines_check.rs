//! Load-time checks of function and trigger steps: what can be known without a database.
//! A body's own errors are PostgreSQL's to find, at apply, with the migration and step named.

use sqlparser::dialect::PostgreSqlDialect;
use sqlparser::parser::Parser;

use super::model::{CreateFunction, CreateTrigger, ForEach, Step, TriggerEvent, TriggerTiming};
use crate::dialect::Dialect;
use crate::render::POSTGRES_ONLY_HINT;

type Invalid = (Option<String>, String);

fn invalid(field: &str, msg: impl Into<String>) -> Invalid {
    (Some(field.to_string()), msg.into())
}

/// Checks a function or trigger step for the target dialects (other steps pass).
pub(crate) fn check_step(step: &Step, dialects: &[Dialect]) -> Result<(), Invalid> {
    let pg_only = !matches!(step, Step::UpdatedAtTrigger(_))
        && matches!(
            step,
            Step::CreateFunction(_)
                | Step::DropFunction(_)
                | Step::CreateTrigger(_)
                | Step::DropTrigger(_)
                | Step::EnableTrigger(_)
                | Step::DisableTrigger(_)
        );
    let refused: Vec<&str> = dialects
        .iter()
        .filter(|d| !d.triggers().supports_typed_routines())
        .map(|d| d.name())
        .collect();
    if pg_only && !refused.is_empty() {
        return Err((
            None,
            format!(
                "{} is not supported on {}: {POSTGRES_ONLY_HINT}",
                step.op(),
                refused.join(" or ")
            ),
        ));
    }
    match step {
        Step::CreateFunction(f) => create_function(f),
        Step::DropFunction(f) => {
            name("name", &f.name)?;
            for (i, ty) in f.args.iter().enumerate() {
                sql_type(&format!("args[{i}]"), ty)?;
            }
            Ok(())
        }
        Step::CreateTrigger(t) => create_trigger(t),
        Step::DropTrigger(t) => name("name", &t.name),
        Step::EnableTrigger(t) => name("name", &t.name),
        Step::DisableTrigger(t) => {
            if t.mode.is_some() {
                return Err(invalid(
                    "mode",
                    "`mode` says how `enable_trigger` enables a trigger: remove it from `disable_trigger`",
                ));
            }
            name("name", &t.name)
        }
        Step::UpdatedAtTrigger(u) => {
            if u.column.trim().is_empty() {
                return Err(invalid("column", "give the timestamp column's name"));
            }
            match &u.name {
                Some(n) => name("name", n),
                None => Ok(()),
            }
        }
        _ => Ok(()),
    }
}

fn create_function(f: &CreateFunction) -> Result<(), Invalid> {
    name("name", &f.name)?;
    if f.body.trim().is_empty() {
        return Err(invalid(
            "body",
            format!("function `{}` has an empty body", f.name),
        ));
    }
    let lang = f.language.trim();
    let ident = !lang.is_empty()
        && lang.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !lang.starts_with(|c: char| c.is_ascii_digit());
    if !ident {
        return Err(invalid(
            "language",
            format!(
                "`{lang}` is not a language name: write plpgsql, sql or another installed language"
            ),
        ));
    }
    if f.returns.trim().is_empty() || !balanced(&f.returns) || f.returns.contains(';') {
        return Err(invalid(
            "returns",
            format!(
                "`{}` is not a return type: write e.g. `trigger`, `void`, `bigint`, `SETOF text` or `TABLE(id bigint)`",
                f.returns
            ),
        ));
    }
    for (i, a) in f.args.iter().enumerate() {
        let field = format!("args[{i}]");
        name(&field, &a.name)?;
        sql_type(&field, &a.ty)?;
        if f.args[..i].iter().any(|b| b.name == a.name) {
            return Err(invalid(
                &field,
                format!("argument `{}` is named twice", a.name),
            ));
        }
    }
    Ok(())
}

fn create_trigger(t: &CreateTrigger) -> Result<(), Invalid> {
    name("name", &t.name)?;
    name("function", &t.function)?;
    if t.events.is_empty() {
        return Err(invalid(
            "events",
            "a trigger needs at least one event: insert, update, delete or truncate",
        ));
    }
    if let Some((i, e)) = t
        .events
        .iter()
        .enumerate()
        .find(|(i, e)| t.events[..*i].contains(e))
    {
        let _ = i;
        return Err(invalid(
            "events",
            format!("event `{}` is listed twice", e.sql().to_lowercase()),
        ));
    }
    if !t.update_of.is_empty() && !t.events.contains(&TriggerEvent::Update) {
        return Err(invalid(
            "update_of",
            "`update_of` limits the update event: add \"update\" to `events`",
        ));
    }
    if t.events.contains(&TriggerEvent::Truncate) && t.for_each == ForEach::Row {
        return Err(invalid(
            "events",
            "a truncate trigger fires once per statement: set `for_each = \"statement\"`",
        ));
    }
    if t.timing == TriggerTiming::InsteadOf && t.for_each == ForEach::Statement {
        return Err(invalid(
            "for_each",
            "an instead_of trigger fires for each row (of a view)",
        ));
    }
    if let Some(w) = &t.when
        && (w.trim().is_empty() || !balanced(w))
    {
        return Err(invalid(
            "when",
            format!(
                "`{w}` is not a condition: write PostgreSQL SQL such as `NEW.status IS DISTINCT FROM OLD.status`"
            ),
        ));
    }
    Ok(())
}

/// A (possibly schema-qualified) name: no empty part.
fn name(field: &str, n: &str) -> Result<(), Invalid> {
    if n.split('.').any(|p| p.trim().is_empty()) {
        return Err(invalid(
            field,
            format!("`{n}` is not a name: write e.g. `audit_row` or `audit.audit_row`"),
        ));
    }
    Ok(())
}

/// An SQL type as PostgreSQL writes it, checked with sqlparser's PostgreSQL grammar.
fn sql_type(field: &str, ty: &str) -> Result<(), Invalid> {
    let parsed = Parser::new(&PostgreSqlDialect {})
        .try_with_sql(ty)
        .and_then(|mut p| {
            let t = p.parse_data_type()?;
            p.expect_token(&sqlparser::tokenizer::Token::EOF)?;
            Ok(t)
        });
    match parsed {
        Ok(_) if !ty.contains(';') => Ok(()),
        Ok(_) => Err(invalid(field, format!("`{ty}` is not a type"))),
        Err(e) => Err(invalid(
            field,
            format!(
                "`{ty}` is not a type ({e}): write a PostgreSQL type such as bigint, text, timestamptz or uuid[]"
            ),
        )),
    }
}

/// Whether parentheses balance outside quotes.
fn balanced(s: &str) -> bool {
    let mut depth = 0i32;
    let mut quote: Option<char> = None;
    for c in s.chars() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '\'' | '"') => quote = Some(c),
            (None, '(') => depth += 1,
            (None, ')') => {
                depth -= 1;
                if depth < 0 {
                    return false;
                }
            }
            _ => {}
        }
    }
    depth == 0 && quote.is_none()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn postgres_types_parse() {
        for ty in [
            "bigint",
            "text",
            "timestamptz",
            "timestamp with time zone",
            "uuid[]",
            "character varying(20)",
            "double precision",
            "numeric(10, 2)",
            "jsonb",
            "public.my_type",
        ] {
            assert!(sql_type("t", ty).is_ok(), "{ty}");
        }
        for ty in ["", "int;drop table x", "(", "bigint bigint"] {
            assert!(sql_type("t", ty).is_err(), "{ty}");
        }
    }
}
