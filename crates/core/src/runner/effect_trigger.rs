//! The effect of `CREATE TRIGGER` and `DROP TRIGGER` (see [`effect`](super::effect)): a
//! trigger of that name exists or not. On MySQL/MariaDB, whose DDL commits on its own, an
//! interrupted `updated_at_trigger` (or raw trigger DDL) then resumes exactly.

use sqlparser::dialect::{MySqlDialect, PostgreSqlDialect, SQLiteDialect};
use sqlparser::tokenizer::{Token, Tokenizer};

use super::effect::{Effect, Expect};
use crate::dialect::Dialect;

/// The effect of a trigger statement; `None` when `sql` is not one.
pub(crate) fn trigger_effect(sql: &str, dialect: Dialect) -> Option<Effect> {
    let tokens = match dialect {
        Dialect::Postgres => Tokenizer::new(&PostgreSqlDialect {}, sql).tokenize(),
        Dialect::Mysql => Tokenizer::new(&MySqlDialect {}, sql).tokenize(),
        Dialect::Sqlite => Tokenizer::new(&SQLiteDialect {}, sql).tokenize(),
    }
    .ok()?;
    let tokens: Vec<Token> = tokens
        .into_iter()
        .filter(|t| !matches!(t, Token::Whitespace(_)))
        .collect();
    let keyword = |i: usize, k: &str| matches!(tokens.get(i), Some(Token::Word(w)) if w.quote_style.is_none() && w.value.eq_ignore_ascii_case(k));
    // The name after `at`: `name` or `schema.name`.
    let name_at = |at: usize| -> Option<String> {
        let word = |i: usize| match tokens.get(i) {
            Some(Token::Word(w)) => Some(w.value.clone()),
            _ => None,
        };
        match tokens.get(at + 1) {
            Some(Token::Period) => word(at + 2),
            _ => word(at),
        }
    };
    let create = keyword(0, "CREATE");
    let drop = keyword(0, "DROP");
    if !(create || drop) {
        return None;
    }
    if create && keyword(1, "OR") {
        return keyword(3, "TRIGGER").then_some(Effect::Rerunnable);
    }
    if !keyword(1, "TRIGGER") {
        return None;
    }
    if keyword(2, "IF") {
        return Some(Effect::Rerunnable);
    }
    let name = name_at(2)?;
    Some(Effect::Known(vec![Expect::Trigger {
        name,
        present: create,
    }]))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn trigger(name: &str, present: bool) -> Option<Effect> {
        Some(Effect::Known(vec![Expect::Trigger {
            name: name.into(),
            present,
        }]))
    }

    #[test]
    fn reads_trigger_statements() {
        let my = Dialect::Mysql;
        assert_eq!(
            trigger_effect(
                "CREATE TRIGGER `links_set_updatedAt` BEFORE UPDATE ON `links` FOR EACH ROW SET NEW.a = 1",
                my
            ),
            trigger("links_set_updatedAt", true)
        );
        assert_eq!(
            trigger_effect("DROP TRIGGER app.`t1`", my),
            trigger("t1", false)
        );
        assert_eq!(
            trigger_effect("DROP TRIGGER IF EXISTS `t1`", my),
            Some(Effect::Rerunnable)
        );
        assert_eq!(
            trigger_effect(
                "CREATE OR REPLACE TRIGGER t BEFORE UPDATE ON x FOR EACH ROW EXECUTE FUNCTION f()",
                Dialect::Postgres
            ),
            Some(Effect::Rerunnable)
        );
        assert_eq!(trigger_effect("CREATE TABLE t (a int)", my), None);
    }
}
