//! The privileges a raw `sql` step grants (PostgreSQL), read with sqlparser, so that drift
//! counts them as the plan's own: a right a raw `GRANT` gave is not "not in the plan".
//!
//! Only top-level `GRANT` statements on tables, sequences and functions count (`ON t`, `ON
//! TABLE t`, `ON SEQUENCE s`, `ON FUNCTION f(int)`, `ON ALL TABLES|SEQUENCES|FUNCTIONS IN
//! SCHEMA s`); column grants are not table rights, and a `GRANT` inside a `DO` block or a
//! function body is not read. A statement sqlparser cannot parse is skipped.

use sqlparser::ast::{Action, GrantObjects, Grantee, GranteeName, GranteesType, Ident, ObjectName};
use sqlparser::ast::{Privileges, Statement};
use sqlparser::dialect::PostgreSqlDialect;
use sqlparser::parser::Parser;
use sqlparser::tokenizer::{Token, Tokenizer, Whitespace};

use crate::plan::{GrantOn, Privilege};

/// What a grant is on: one object, or every object of its kind in a schema.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum GrantTarget {
    /// One object, named as a plan names it (`notes`, `auth.users`, `f(integer)`).
    Object(String),
    /// `ON ALL TABLES|SEQUENCES|FUNCTIONS IN SCHEMA <schema>`.
    AllInSchema(String),
}

/// One privilege on one target given to one role (`public` for PUBLIC, other role keywords
/// lower-cased), with or without its grant option.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct PlannedGrant {
    /// The kind of object.
    pub on: GrantOn,
    /// The object or objects.
    pub target: GrantTarget,
    /// The grantee.
    pub role: String,
    /// A single privilege (never `all`).
    pub privilege: Privilege,
    /// `WITH GRANT OPTION`.
    pub with_grant_option: bool,
}

/// The table, sequence and function privileges the `GRANT` statements of `sql` give.
pub fn raw_grants(sql: &str) -> Vec<PlannedGrant> {
    let Ok(tokens) = Tokenizer::new(&PostgreSqlDialect {}, sql).tokenize() else {
        return Vec::new();
    };
    tokens
        .split(|t| matches!(t, Token::SemiColon))
        .filter(|chunk| {
            chunk
                .iter()
                .find(|t| !matches!(t, Token::Whitespace(_)))
                .is_some_and(
                    |t| matches!(t, Token::Word(w) if w.value.eq_ignore_ascii_case("grant")),
                )
        })
        .filter_map(|chunk| Parser::parse_sql(&PostgreSqlDialect {}, &statement_text(chunk)).ok())
        .flatten()
        .flat_map(|s| match s {
            Statement::Grant(g) => grant_facts(
                &g.privileges,
                g.objects.as_ref(),
                &g.grantees,
                g.with_grant_option,
            ),
            _ => Vec::new(),
        })
        .collect()
}

/// The statement's text without its comments. sqlparser 0.63 reads `TO PUBLIC` alone but
/// not `TO PUBLIC, r`: PUBLIC among the grantees is written `"public"`, which [`role`]
/// reads as PUBLIC too.
fn statement_text(tokens: &[Token]) -> String {
    let is_word = |t: &Token, word: &str| matches!(t, Token::Word(w) if w.quote_style.is_none() && w.value.eq_ignore_ascii_case(word));
    let grantees = tokens
        .iter()
        .rposition(|t| is_word(t, "to"))
        .unwrap_or(tokens.len());
    tokens
        .iter()
        .enumerate()
        .filter(|(_, t)| !matches!(t, Token::Whitespace(Whitespace::SingleLineComment { .. })))
        .map(|(i, t)| {
            if i > grantees && is_word(t, "public") {
                "\"public\"".to_string()
            } else {
                t.to_string()
            }
        })
        .collect()
}

fn grant_facts(
    privileges: &Privileges,
    objects: Option<&GrantObjects>,
    grantees: &[Grantee],
    with_grant_option: bool,
) -> Vec<PlannedGrant> {
    let Some((on, targets)) = objects.and_then(targets) else {
        return Vec::new();
    };
    let privileges: Vec<Privilege> = match privileges {
        Privileges::All { .. } => on.privileges().to_vec(),
        Privileges::Actions(actions) => actions.iter().filter_map(privilege).collect(),
    };
    let roles: Vec<String> = grantees.iter().filter_map(role).collect();
    let mut out = Vec::new();
    for target in &targets {
        for role in &roles {
            for p in &privileges {
                out.push(PlannedGrant {
                    on,
                    target: target.clone(),
                    role: role.clone(),
                    privilege: *p,
                    with_grant_option,
                });
            }
        }
    }
    out
}

/// The kind and targets of a grant's `ON` clause; `None` for kinds drift does not compare.
fn targets(objects: &GrantObjects) -> Option<(GrantOn, Vec<GrantTarget>)> {
    let each = |names: &[ObjectName]| {
        names
            .iter()
            .map(|n| GrantTarget::Object(dotted(n)))
            .collect()
    };
    let schemas = |names: &[ObjectName]| {
        names
            .iter()
            .map(|n| GrantTarget::AllInSchema(dotted(n)))
            .collect()
    };
    Some(match objects {
        GrantObjects::Tables(t) => (GrantOn::Table, each(t)),
        GrantObjects::Sequences(s) => (GrantOn::Sequence, each(s)),
        GrantObjects::AllTablesInSchema { schemas: s } => (GrantOn::Table, schemas(s)),
        GrantObjects::AllSequencesInSchema { schemas: s } => (GrantOn::Sequence, schemas(s)),
        GrantObjects::AllFunctionsInSchema { schemas: s } => (GrantOn::Function, schemas(s)),
        GrantObjects::Function { name, arg_types } => {
            // Quoted as written, for `to_regprocedure`.
            let name = name
                .0
                .iter()
                .filter_map(|p| p.as_ident())
                .map(|i| crate::dialect::Dialect::Postgres.quote(&folded(i)))
                .collect::<Vec<_>>()
                .join(".");
            let args: Vec<String> = arg_types.iter().map(ToString::to_string).collect();
            (
                GrantOn::Function,
                vec![GrantTarget::Object(format!("{name}({})", args.join(", ")))],
            )
        }
        _ => return None,
    })
}

/// A table-level privilege; a column grant (`SELECT (a)`) is none.
fn privilege(action: &Action) -> Option<Privilege> {
    Some(match action {
        Action::Select { columns: None } => Privilege::Select,
        Action::Insert { columns: None } => Privilege::Insert,
        Action::Update { columns: None } => Privilege::Update,
        Action::References { columns: None } => Privilege::References,
        Action::Delete => Privilege::Delete,
        Action::Truncate => Privilege::Truncate,
        Action::Trigger => Privilege::Trigger,
        Action::Usage => Privilege::Usage,
        Action::Execute { .. } => Privilege::Execute,
        _ => return None,
    })
}

/// The grantee as the plan's steps name roles: `public`, `current_user`, or the role name.
fn role(grantee: &Grantee) -> Option<String> {
    if grantee.grantee_type == GranteesType::Public {
        return Some("public".into());
    }
    let GranteeName::ObjectName(name) = grantee.name.as_ref()? else {
        return None;
    };
    let ident = name.0.last()?.as_ident()?;
    let role = folded(ident);
    match crate::dialect::pg_role_keyword(&role) {
        Some(k) if ident.quote_style.is_none() => Some(k.to_lowercase()),
        _ => Some(role),
    }
}

/// `schema.name`, each part as PostgreSQL stores it (unquoted parts folded to lower case).
fn dotted(name: &ObjectName) -> String {
    name.0
        .iter()
        .filter_map(|p| p.as_ident())
        .map(folded)
        .collect::<Vec<_>>()
        .join(".")
}

fn folded(ident: &Ident) -> String {
    match ident.quote_style {
        Some(_) => ident.value.clone(),
        None => ident.value.to_lowercase(),
    }
}

#[cfg(test)]
mod tests {
    use super::{GrantTarget, PlannedGrant, raw_grants};

    fn short(g: &PlannedGrant) -> String {
        let target = match &g.target {
            GrantTarget::Object(o) => o.clone(),
            GrantTarget::AllInSchema(s) => format!("all in {s}"),
        };
        format!(
            "{:?} {target} {} {:?}{}",
            g.on,
            g.role,
            g.privilege,
            if g.with_grant_option { " +option" } else { "" }
        )
    }

    #[test]
    fn grants_of_a_baseline_step_are_read() {
        let sql = "-- grant on t made by w\nSET ROLE \"w\";\nGRANT INSERT, SELECT ON TABLE t TO \"Reader\" WITH GRANT OPTION;\nRESET ROLE";
        let got: Vec<String> = raw_grants(sql).iter().map(short).collect();
        assert_eq!(
            got,
            [
                "Table t Reader Insert +option",
                "Table t Reader Select +option"
            ]
        );
    }

    #[test]
    fn kinds_public_all_and_schemas() {
        let sql = "GRANT ALL ON public.Payments TO PUBLIC, intern; \
            GRANT USAGE ON SEQUENCE s_id_seq TO r; \
            GRANT EXECUTE ON FUNCTION auth.uid() TO r; \
            GRANT EXECUTE ON FUNCTION \"My F\"(bigint, text) TO r; \
            GRANT SELECT ON ALL TABLES IN SCHEMA app TO reader";
        let got: Vec<String> = raw_grants(sql).iter().map(short).collect();
        assert_eq!(got.len(), 7 * 2 + 1 + 2 + 1, "{got:#?}");
        assert!(got.contains(&"Table public.payments public Truncate".to_string()));
        assert!(got.contains(&"Table public.payments intern Select".to_string()));
        assert!(got.contains(&"Sequence s_id_seq r Usage".to_string()));
        assert!(got.contains(&"Table all in app reader Select".to_string()));
        assert!(
            got.iter()
                .any(|g| g.starts_with("Function \"auth\".\"uid\"() r Execute")),
            "{got:#?}"
        );
        assert!(
            got.iter()
                .any(|g| g.starts_with("Function \"My F\"(BIGINT, TEXT) r Execute")),
            "{got:#?}"
        );
    }

    #[test]
    fn column_grants_default_privileges_and_do_blocks_are_not_table_rights() {
        let sql = "GRANT SELECT (id, body) ON notes TO r;\n\
            ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT ON TABLES TO r;\n\
            DO $$ BEGIN EXECUTE 'GRANT SELECT ON notes TO r'; END $$;\n\
            GRANT USAGE ON SCHEMA app TO r;\n\
            GRANT r TO w";
        assert_eq!(raw_grants(sql), Vec::new());
    }
}
