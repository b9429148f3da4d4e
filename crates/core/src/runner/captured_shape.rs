//! The shape check of a captured definition before `down` runs it.
//!
//! `down` runs the text kept in `<history>_captured` as the migration role, so a row someone
//! else changed must never run: each row must be exactly one statement of the kind cutover
//! captured for the object. Statements are read with sqlparser's PostgreSQL tokenizer (so a
//! `;` inside a string, a quoted name or a dollar-quoted body is not a statement end) and,
//! for a policy, its parser: a policy is one `CREATE POLICY` of that name, grants are `GRANT
//! .. ON <kind> <one of the objects> TO <one of the roles>`, the undo of a grant is such
//! `REVOKE`s and column `GRANT`s, a function one `CREATE OR REPLACE FUNCTION`, a trigger one
//! `CREATE TRIGGER` of that name (or its `ALTER TABLE .. DISABLE TRIGGER`), row-level
//! security one of the four `ALTER TABLE` statements for that table.

use sqlparser::dialect::PostgreSqlDialect;
use sqlparser::parser::Parser;
use sqlparser::tokenizer::{Token, Tokenizer};

use crate::dialect::postgres_capture_acl::row_security_statements;
use crate::plan::{GrantOn, ObjectRef};

/// `Ok` when `definition` has the shape cutover captures for `object`; else why not.
pub(crate) fn check(object: &ObjectRef, definition: &str) -> Result<(), String> {
    if let ObjectRef::RowSecurity { table } = object {
        return if row_security_statements(table).contains(&definition.trim().to_string()) {
            Ok(())
        } else {
            Err("not one of the ALTER TABLE .. ROW LEVEL SECURITY statements of its table".into())
        };
    }
    let toks = one_statement(definition)?;
    match object {
        ObjectRef::Policy { name, .. } => policy(&toks, definition, name),
        ObjectRef::Grants {
            on, objects, roles, ..
        } => grant_or_revoke(&toks, &["GRANT"], *on, objects, roles),
        ObjectRef::GrantedRights {
            on, objects, roles, ..
        } => grant_or_revoke(&toks, &["GRANT", "REVOKE"], *on, objects, roles),
        ObjectRef::Function { .. } => function(&toks, false),
        ObjectRef::ReplacedFunction { .. } => function(&toks, true),
        ObjectRef::Trigger { name, .. } | ObjectRef::TriggerState { name, .. } => {
            trigger(&toks, name)
        }
        ObjectRef::RowSecurity { .. } => Ok(()),
    }
}

/// The tokens of `sql` without whitespace and comments, refused unless it is one statement
/// (a trailing `;` is allowed; a function body `BEGIN ATOMIC .. END` may hold `;`).
fn one_statement(sql: &str) -> Result<Vec<Token>, String> {
    let mut toks: Vec<Token> = Tokenizer::new(&PostgreSqlDialect {}, sql)
        .tokenize()
        .map_err(|e| format!("it does not read as SQL: {e}"))?
        .into_iter()
        .filter(|t| !matches!(t, Token::Whitespace(_)))
        .collect();
    while matches!(toks.last(), Some(Token::SemiColon)) {
        toks.pop();
    }
    let atomic = (1..toks.len()).find(|&i| kw(&toks[i - 1]) == "BEGIN" && kw(&toks[i]) == "ATOMIC");
    let end = match atomic {
        Some(_) if toks.last().is_some_and(|t| kw(t) == "END") => atomic.unwrap_or(toks.len()),
        _ => toks.len(),
    };
    if toks[..end].iter().any(|t| matches!(t, Token::SemiColon)) {
        return Err("it holds more than one statement".into());
    }
    if toks.is_empty() {
        return Err("it is empty".into());
    }
    Ok(toks)
}

/// The keyword an unquoted word is (upper case); empty for anything else.
fn kw(t: &Token) -> String {
    match t {
        Token::Word(w) if w.quote_style.is_none() => w.value.to_ascii_uppercase(),
        _ => String::new(),
    }
}

/// The name a word stands for: as written when quoted, else lower case.
fn name(t: &Token) -> Option<String> {
    match t {
        Token::Word(w) if w.quote_style.is_some() => Some(w.value.replace("\"\"", "\"")),
        Token::Word(w) => Some(w.value.to_lowercase()),
        _ => None,
    }
}

fn starts(toks: &[Token], words: &[&str]) -> bool {
    toks.len() >= words.len() && words.iter().zip(toks).all(|(w, t)| kw(t) == *w)
}

fn policy(toks: &[Token], definition: &str, policy: &str) -> Result<(), String> {
    if !starts(toks, &["CREATE", "POLICY"]) || toks.get(2).and_then(name).as_deref() != Some(policy)
    {
        return Err(format!("not a CREATE POLICY of policy {policy}"));
    }
    // The parser, where it reads the expressions (it does not know every one PostgreSQL
    // prints; the tokens above already prove a single CREATE POLICY).
    match Parser::parse_sql(&PostgreSqlDialect {}, definition) {
        Ok(statements) if statements.len() != 1 => Err("it holds more than one statement".into()),
        Ok(statements) => match &statements[0] {
            sqlparser::ast::Statement::CreatePolicy(p) if p.name.value == policy => Ok(()),
            _ => Err(format!("not a CREATE POLICY of policy {policy}")),
        },
        Err(_) => Ok(()),
    }
}

/// `GRANT|REVOKE [GRANT OPTION FOR] privileges [(column)] ON <kind> <object> TO|FROM <role>
/// [WITH GRANT OPTION]`, the object one of `objects` and the role one of `roles`.
fn grant_or_revoke(
    toks: &[Token],
    verbs: &[&str],
    on: GrantOn,
    objects: &[String],
    roles: &[String],
) -> Result<(), String> {
    let verb = toks.first().map(kw).unwrap_or_default();
    let shape = format!(
        "not a {} on the captured objects and roles",
        verbs.join(" or ")
    );
    if !verbs.contains(&verb.as_str()) {
        return Err(shape);
    }
    let Some(at_on) = toks.iter().position(|t| kw(t) == "ON") else {
        return Err(shape);
    };
    if toks.get(at_on + 1).map(kw).as_deref() != Some(on.keyword()) {
        return Err(shape);
    }
    let to = if verb == "GRANT" { "TO" } else { "FROM" };
    let Some(at_to) = toks.iter().rposition(|t| kw(t) == to) else {
        return Err(shape);
    };
    let target: Vec<&Token> = toks
        .get(at_on + 2..at_to)
        .unwrap_or_default()
        .iter()
        .collect();
    let object_ok = target
        .iter()
        .take_while(|t| !matches!(t, Token::LParen))
        .filter_map(|t| name(t))
        .last()
        .is_some_and(|n| objects.iter().any(|o| last_part(o) == n));
    let grantee = toks.get(at_to + 1);
    let role_ok = grantee.is_some_and(|g| {
        kw(g) == "PUBLIC" && roles.iter().any(|r| r.eq_ignore_ascii_case("public"))
            || name(g).is_some_and(|n| {
                roles.iter().any(|r| {
                    *r == n
                        || ["current_user", "session_user", "current_role"]
                            .contains(&r.to_ascii_lowercase().as_str())
                })
            })
    });
    let rest: Vec<String> = toks
        .get(at_to + 2..)
        .unwrap_or_default()
        .iter()
        .map(kw)
        .collect();
    let rest_ok = rest.is_empty() || (verb == "GRANT" && rest == ["WITH", "GRANT", "OPTION"]);
    if object_ok && role_ok && rest_ok {
        Ok(())
    } else {
        Err(shape)
    }
}

/// `auth.uid()` -> `uid`, `"My Table"` -> `My Table`: the object's own name as the catalog
/// prints it, last part.
fn last_part(object: &str) -> String {
    let base = object.split('(').next().unwrap_or(object);
    let last = base.rsplit('.').next().unwrap_or(base).trim();
    last.trim_matches('"').to_string()
}

/// `CREATE OR REPLACE FUNCTION`, the owner it had (`ALTER FUNCTION .. OWNER TO role`) and
/// its ACL (`GRANT`/`REVOKE .. ON FUNCTION .. TO|FROM role [WITH GRANT OPTION]`).
fn function(toks: &[Token], or_drop: bool) -> Result<(), String> {
    let n = toks.len();
    let owner = starts(toks, &["ALTER", "FUNCTION"])
        && n >= 5
        && kw(&toks[n - 3]) == "OWNER"
        && kw(&toks[n - 2]) == "TO"
        && name(&toks[n - 1]).is_some();
    let acl = (starts(toks, &["GRANT"]) || starts(toks, &["REVOKE"]))
        && toks
            .iter()
            .position(|t| kw(t) == "ON")
            .is_some_and(|i| toks.get(i + 1).map(kw).as_deref() == Some("FUNCTION"))
        && {
            let verb = kw(&toks[0]);
            let to = if verb == "GRANT" { "TO" } else { "FROM" };
            toks.iter().rposition(|t| kw(t) == to).is_some_and(|at| {
                let rest: Vec<String> = toks[at + 2..].iter().map(kw).collect();
                toks.get(at + 1).is_some_and(|g| name(g).is_some())
                    && (rest.is_empty() || (verb == "GRANT" && rest == ["WITH", "GRANT", "OPTION"]))
            })
        };
    if starts(toks, &["CREATE", "OR", "REPLACE", "FUNCTION"])
        || owner
        || acl
        || (or_drop && starts(toks, &["DROP", "FUNCTION", "IF", "EXISTS"]))
    {
        Ok(())
    } else {
        Err("not a CREATE OR REPLACE FUNCTION".into())
    }
}

fn trigger(toks: &[Token], trigger: &str) -> Result<(), String> {
    let created = (starts(toks, &["CREATE", "TRIGGER"])
        && toks.get(2).and_then(name).as_deref() == Some(trigger))
        || (starts(toks, &["CREATE", "CONSTRAINT", "TRIGGER"])
            && toks.get(3).and_then(name).as_deref() == Some(trigger));
    // `ALTER TABLE .. DISABLE | ENABLE [ALWAYS | REPLICA] TRIGGER name` (its state).
    let n = toks.len();
    let state = |at: usize| match kw(&toks[at]).as_str() {
        "DISABLE" | "ENABLE" => true,
        "ALWAYS" | "REPLICA" => at > 0 && kw(&toks[at - 1]) == "ENABLE",
        _ => false,
    };
    let disabled = starts(toks, &["ALTER", "TABLE"])
        && n >= 4
        && state(n - 3)
        && kw(&toks[n - 2]) == "TRIGGER"
        && name(&toks[n - 1]).as_deref() == Some(trigger);
    if created || disabled {
        Ok(())
    } else {
        Err(format!("not a CREATE TRIGGER of trigger {trigger}"))
    }
}

#[cfg(test)]
mod tests {
    use super::check;
    use crate::plan::{GrantOn, ObjectRef, Privilege};

    fn policy() -> ObjectRef {
        ObjectRef::Policy {
            table: "notes".into(),
            name: "own notes".into(),
        }
    }

    fn grants(granted: bool) -> ObjectRef {
        let (on, objects, roles, privileges) = (
            GrantOn::Table,
            vec!["notes".to_string()],
            vec!["app".to_string(), "public".to_string()],
            vec![Privilege::Select],
        );
        if granted {
            ObjectRef::GrantedRights {
                on,
                objects,
                roles,
                privileges,
                with_grant_option: true,
            }
        } else {
            ObjectRef::Grants {
                on,
                objects,
                roles,
                privileges,
            }
        }
    }

    #[test]
    fn a_policy_is_one_create_policy_of_its_name() {
        let p = policy();
        let ok = r#"CREATE POLICY "own notes" ON public.notes AS PERMISSIVE FOR ALL TO app USING ((body <> 'a;b'::text))"#;
        assert_eq!(check(&p, ok), Ok(()));
        assert!(check(&p, &format!("{ok}; ALTER ROLE app SUPERUSER")).is_err());
        assert!(check(&p, "ALTER ROLE app SUPERUSER").is_err());
        assert!(check(&p, "CREATE POLICY other ON notes USING (true)").is_err());
        assert!(check(&p, "CREATE POLICY \"own notes\" ON notes USING ('x").is_err());
    }

    #[test]
    fn grants_are_on_the_captured_objects_and_roles_only() {
        let g = grants(false);
        for ok in [
            "GRANT SELECT ON TABLE notes TO app WITH GRANT OPTION",
            "GRANT SELECT ON TABLE public.notes TO PUBLIC",
            "GRANT UPDATE (body) ON TABLE notes TO app",
        ] {
            assert_eq!(check(&g, ok), Ok(()), "{ok}");
        }
        for bad in [
            "GRANT postgres TO app",
            "GRANT ALL ON TABLE secrets TO app",
            "GRANT SELECT ON TABLE notes TO intruder",
            "GRANT SELECT ON SCHEMA notes TO app",
            "REVOKE SELECT ON TABLE notes FROM app",
            "GRANT SELECT ON TABLE notes TO app; GRANT postgres TO app",
            "GRANT SELECT ON TABLE notes TO app WITH ADMIN OPTION",
        ] {
            assert!(check(&g, bad).is_err(), "{bad}");
        }
        let undo = grants(true);
        assert_eq!(
            check(&undo, "REVOKE SELECT ON TABLE notes FROM app"),
            Ok(())
        );
        assert_eq!(
            check(
                &undo,
                "REVOKE GRANT OPTION FOR SELECT ON TABLE notes FROM app"
            ),
            Ok(())
        );
        assert!(
            check(
                &undo,
                "REVOKE SELECT ON TABLE notes FROM app WITH GRANT OPTION"
            )
            .is_err()
        );
    }

    #[test]
    fn functions_triggers_and_row_security_have_their_one_statement() {
        let f = ObjectRef::Function {
            signature: "auth.uid()".into(),
        };
        let def = "CREATE OR REPLACE FUNCTION auth.uid()\n RETURNS uuid\n LANGUAGE sql\nAS $function$ SELECT 1; SELECT 2 $function$\n";
        assert_eq!(check(&f, def), Ok(()));
        let atomic = "CREATE OR REPLACE FUNCTION f()\n RETURNS integer\n LANGUAGE sql\nBEGIN ATOMIC\n SELECT 1;\nEND";
        assert_eq!(check(&f, atomic), Ok(()));
        assert!(check(&f, &format!("{def}; ALTER ROLE app SUPERUSER")).is_err());
        assert!(check(&f, "DROP FUNCTION IF EXISTS auth.uid()").is_err());
        let t = ObjectRef::Trigger {
            table: "notes".into(),
            name: "audit".into(),
        };
        assert_eq!(
            check(
                &t,
                "CREATE TRIGGER audit AFTER INSERT ON public.notes FOR EACH ROW EXECUTE FUNCTION log()"
            ),
            Ok(())
        );
        assert_eq!(check(&t, "ALTER TABLE notes DISABLE TRIGGER audit"), Ok(()));
        assert!(check(&t, "DROP TABLE notes").is_err());
        let r = ObjectRef::RowSecurity {
            table: "notes".into(),
        };
        assert_eq!(
            check(&r, "ALTER TABLE \"notes\" NO FORCE ROW LEVEL SECURITY"),
            Ok(())
        );
        assert!(check(&r, "ALTER TABLE \"other\" DISABLE ROW LEVEL SECURITY").is_err());
    }
}
