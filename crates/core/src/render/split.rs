//! Splitting a raw SQL step into its statements, the way the database would read them.
//!
//! A small lexer, not a parser: it knows where strings, quoted identifiers, comments and
//! bodies begin and end, so that only a `;` that really ends a statement splits. What a
//! dialect's lexer does differently is described by [`SqlLexis`], which each dialect returns
//! from [`SqlDialect::lexis`](crate::dialect::SqlDialect::lexis). `DELIMITER` (a client
//! command of the `mysql` shell, not SQL) is not supported in a step (a script is split with
//! [`split_script`](super::split_script), which reads it): the bodies of compound
//! `CREATE TRIGGER / PROCEDURE / FUNCTION / EVENT` statements are recognised by their
//! `BEGIN ... END` blocks instead.

use super::lexer::{Lexer, Token};

/// How one dialect's lexer reads SQL text, as far as finding statement ends is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SqlLexis {
    /// A backslash escapes the next character inside `'...'` and `"..."` (MySQL's default).
    pub backslash_escapes: bool,
    /// `"..."` is a string (MySQL's default) rather than a quoted identifier; both end the
    /// same way, only the name differs.
    pub double_quoted_strings: bool,
    /// `# ...` is a comment to the end of the line (MySQL).
    pub hash_comments: bool,
    /// `--` starts a comment only when followed by whitespace or the end (MySQL).
    pub dash_comment_needs_space: bool,
    /// `/* */` comments nest (PostgreSQL).
    pub nested_block_comments: bool,
    /// `$$ ... $$` and `$tag$ ... $tag$` bodies (PostgreSQL).
    pub dollar_quotes: bool,
    /// `E'...'` strings with backslash escapes (PostgreSQL).
    pub escape_strings: bool,
    /// `` `...` `` quotes identifiers (MySQL, SQLite).
    pub backticks: bool,
    /// `[...]` quotes identifiers (SQLite).
    pub brackets: bool,
    /// Scripts written for this database's command-line client may change the statement
    /// delimiter with a `DELIMITER //` line (the `mysql` client; also read by Flyway).
    /// Only [`split_script`](super::split_script) reads it: a raw step never holds one.
    pub delimiter_command: bool,
}

/// The statements of `sql` in order: each trimmed, without its terminating `;`. Empty
/// statements (nothing but whitespace and comments) are left out.
pub fn split_sql(sql: &str, lexis: SqlLexis) -> Vec<String> {
    let mut out = Vec::new();
    let mut lexer = Lexer::new(sql, lexis);
    let mut start = 0;
    while let Some(end) = lexer.next_statement_end() {
        push(&mut out, &sql[start..end], lexis);
        start = end + 1;
    }
    push(&mut out, &sql[start.min(sql.len())..], lexis);
    out
}

/// Up to `n` leading keywords of a statement outside strings and comments, upper-cased.
pub(crate) fn words(statement: &str, lexis: SqlLexis, n: usize) -> Vec<String> {
    let mut lexer = Lexer::new(statement, lexis);
    let mut out = Vec::new();
    while out.len() < n {
        match lexer.next_token() {
            Some(Token::Word(w)) => out.push(w.to_ascii_uppercase()),
            Some(_) => {}
            None => break,
        }
    }
    out
}

/// Whether a statement only changes the session (`SET x = ..` but not `SET GLOBAL`,
/// `SET PERSIST`; SQLite `PRAGMA`): a resume in a new session runs it again, before the
/// first statement it runs, so that the later statements see the setting.
pub fn is_session_setting(statement: &str, lexis: SqlLexis) -> bool {
    let w = words(statement, lexis, 2);
    match w.first().map(String::as_str) {
        Some("PRAGMA") => true,
        Some("SET") => !matches!(
            w.get(1).map(String::as_str),
            Some("GLOBAL" | "PERSIST" | "PERSIST_ONLY")
        ),
        _ => false,
    }
}

/// Adds one statement unless it holds nothing but whitespace and comments.
fn push(out: &mut Vec<String>, text: &str, lexis: SqlLexis) {
    let trimmed = text.trim();
    if Lexer::new(trimmed, lexis).next_token().is_some() {
        out.push(trimmed.to_string());
    }
}

/// Whether a statement that starts with `CREATE` and goes on with `word` holds a compound
/// body (`BEGIN ... END`): `Some(true)` for triggers and routines, `Some(false)` once
/// another kind of object is named, `None` while undecided (`OR REPLACE`, `DEFINER = ..`).
fn compound_kind(word: &str) -> Option<bool> {
    const COMPOUND: [&str; 4] = ["TRIGGER", "PROCEDURE", "FUNCTION", "EVENT"];
    const SIMPLE: [&str; 15] = [
        "TABLE",
        "VIEW",
        "INDEX",
        "UNIQUE",
        "SCHEMA",
        "DATABASE",
        "SEQUENCE",
        "TYPE",
        "EXTENSION",
        "DOMAIN",
        "ROLE",
        "USER",
        "MATERIALIZED",
        "POLICY",
        "RULE",
    ];
    if COMPOUND.iter().any(|k| word.eq_ignore_ascii_case(k)) {
        Some(true)
    } else if SIMPLE.iter().any(|k| word.eq_ignore_ascii_case(k)) {
        Some(false)
    } else {
        None
    }
}

/// What follows an `END` inside a compound body.
enum AfterEnd {
    /// `END IF`, `END LOOP`, ...: closes an uncounted control statement.
    Control,
    /// `END CASE`, with the offset after `CASE`.
    Case(usize),
    /// Anything else: closes a `BEGIN` block or a `CASE` expression.
    Other,
}

impl Lexer<'_> {
    /// The byte offset of the `;` that ends the next statement, or `None` at the end.
    pub(super) fn next_statement_end(&mut self) -> Option<usize> {
        let mut parens = 0usize;
        let mut blocks = 0usize;
        let mut first = true;
        // `None` until known whether this statement has a compound body.
        let mut compound = None::<bool>;
        while let Some(token) = self.next_token() {
            match token {
                Token::Semicolon(at) if parens == 0 && blocks == 0 => return Some(at),
                Token::Open => parens += 1,
                Token::Close => parens = parens.saturating_sub(1),
                Token::Word(w) => {
                    let upper = w.to_ascii_uppercase();
                    if first {
                        first = false;
                        if upper != "CREATE" {
                            compound = Some(false);
                        }
                    } else if compound.is_none() {
                        compound = compound_kind(&upper);
                    }
                    if compound == Some(true) {
                        match upper.as_str() {
                            "BEGIN" | "CASE" => blocks += 1,
                            "END" => match self.word_after_end() {
                                AfterEnd::Control => {}
                                AfterEnd::Case(pos) => {
                                    // `END CASE` closes a CASE statement; its `CASE` opens nothing.
                                    self.pos = pos;
                                    blocks = blocks.saturating_sub(1);
                                }
                                AfterEnd::Other => blocks = blocks.saturating_sub(1),
                            },
                            _ => {}
                        }
                    }
                }
                _ => {}
            }
        }
        None
    }

    /// After `END`: what follows. `IF`, `LOOP`, `WHILE`, `REPEAT` and `FOR` close control
    /// statements that were not counted as blocks.
    fn word_after_end(&self) -> AfterEnd {
        let mut ahead = Lexer {
            sql: self.sql,
            bytes: self.bytes,
            pos: self.pos,
            lexis: self.lexis,
            unterminated: None,
        };
        match ahead.next_token() {
            Some(Token::Word(w)) if w.eq_ignore_ascii_case("CASE") => AfterEnd::Case(ahead.pos),
            Some(Token::Word(w))
                if ["IF", "LOOP", "WHILE", "REPEAT", "FOR"]
                    .iter()
                    .any(|k| w.eq_ignore_ascii_case(k)) =>
            {
                AfterEnd::Control
            }
            _ => AfterEnd::Other,
        }
    }
}

#[cfg(test)]
#[path = "split_tests.rs"]
mod tests;
