//! Splitting a SQL file into statements, each with the line it starts on.
//!
//! The text is tokenized with the dialect's sqlparser tokenizer, so semicolons inside string
//! literals, quoted identifiers, comments and PostgreSQL dollar-quoted bodies do not split. A
//! `CREATE TRIGGER` / `CREATE PROCEDURE` body written `BEGIN ... END` stays one statement.
//! MySQL's client-side `DELIMITER` command is not understood.

use sqlparser::dialect::{Dialect as SqlDialect, MySqlDialect, PostgreSqlDialect, SQLiteDialect};
use sqlparser::keywords::Keyword;
use sqlparser::tokenizer::{Token, TokenWithSpan, Tokenizer};

use crate::dialect::Dialect;

/// One statement of a SQL file, without its terminating semicolon.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Statement {
    /// The statement's text (comments inside it kept, leading comments dropped).
    pub sql: String,
    /// 1-based line of the statement's first token in its file.
    pub line: usize,
}

/// Splits `text`, whose first line is line `first_line` of its file, into statements.
///
/// Text the tokenizer rejects (an unterminated string or comment) is returned as one
/// statement starting at its first non-blank line: the linter then skips it like any SQL it
/// cannot parse.
pub fn split_statements(text: &str, first_line: usize, dialect: Dialect) -> Vec<Statement> {
    let sql_dialect: Box<dyn SqlDialect> = match dialect {
        Dialect::Postgres => Box::new(PostgreSqlDialect {}),
        Dialect::Mysql => Box::new(MySqlDialect {}),
        Dialect::Sqlite => Box::new(SQLiteDialect {}),
    };
    let Ok(tokens) = Tokenizer::new(sql_dialect.as_ref(), text).tokenize_with_location() else {
        return whole(text, first_line);
    };
    let offsets = LineOffsets::new(text);
    let mut out = Vec::new();
    let mut start: Option<&TokenWithSpan> = None;
    let mut last: Option<&TokenWithSpan> = None;
    let mut block = Block::default();
    for t in &tokens {
        if is_trivia(&t.token) {
            continue;
        }
        if t.token == Token::SemiColon && block.depth == 0 {
            if let (Some(s), Some(l)) = (start, last) {
                out.push(statement(text, &offsets, s, l, first_line));
            }
            start = None;
            last = None;
            block = Block::default();
            continue;
        }
        if start.is_none() {
            start = Some(t);
        }
        block.see(&t.token);
        last = Some(t);
    }
    if let (Some(s), Some(l)) = (start, last) {
        out.push(statement(text, &offsets, s, l, first_line));
    }
    out
}

/// Tracks `BEGIN ... END` bodies of `CREATE TRIGGER` / `PROCEDURE` / `FUNCTION` statements.
#[derive(Default)]
struct Block {
    words: usize,
    creates: bool,
    depth: usize,
}

impl Block {
    fn see(&mut self, token: &Token) {
        let Token::Word(w) = token else {
            self.words += 1;
            return;
        };
        if self.words == 0 {
            self.creates = w.keyword == Keyword::CREATE;
        }
        self.words += 1;
        if !self.creates {
            return;
        }
        match w.keyword {
            Keyword::BEGIN => self.depth += 1,
            Keyword::CASE if self.depth > 0 => self.depth += 1,
            Keyword::END if self.depth > 0 => self.depth -= 1,
            _ => {}
        }
    }
}

fn is_trivia(token: &Token) -> bool {
    matches!(token, Token::Whitespace(_) | Token::EOF)
}

fn statement(
    text: &str,
    offsets: &LineOffsets,
    start: &TokenWithSpan,
    last: &TokenWithSpan,
    first_line: usize,
) -> Statement {
    let from = offsets.offset(text, start.span.start.line, start.span.start.column);
    let to = offsets.offset(text, last.span.end.line, last.span.end.column);
    let to = to.max(from).min(text.len());
    Statement {
        sql: text.get(from..to).unwrap_or_default().trim().to_string(),
        line: first_line + start.span.start.line.max(1) as usize - 1,
    }
}

fn whole(text: &str, first_line: usize) -> Vec<Statement> {
    let Some(blank) = text.lines().position(|l| !l.trim().is_empty()) else {
        return Vec::new();
    };
    vec![Statement {
        sql: text.trim().to_string(),
        line: first_line + blank,
    }]
}

/// Byte offsets of line starts, to turn the tokenizer's (line, column) into offsets.
struct LineOffsets(Vec<usize>);

impl LineOffsets {
    fn new(text: &str) -> LineOffsets {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        LineOffsets(starts)
    }

    /// The byte offset of 1-based `line` and 1-based character `column`.
    fn offset(&self, text: &str, line: u64, column: u64) -> usize {
        let Some(&start) = self.0.get((line.max(1) - 1) as usize) else {
            return text.len();
        };
        let rest = text.get(start..).unwrap_or_default();
        rest.char_indices()
            .nth((column.max(1) - 1) as usize)
            .map(|(i, _)| start + i)
            .unwrap_or(text.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(sql: &str, d: Dialect) -> Vec<(usize, String)> {
        split_statements(sql, 1, d)
            .into_iter()
            .map(|s| (s.line, s.sql))
            .collect()
    }

    #[test]
    fn splits_on_semicolons_outside_strings_and_comments() {
        let sql = "-- header; not a statement\nCREATE TABLE a (x text DEFAULT ';');\n\n/* ; */ INSERT INTO a VALUES ('x;y');\nUPDATE a SET x = 'z'";
        assert_eq!(
            lines(sql, Dialect::Postgres),
            vec![
                (2, "CREATE TABLE a (x text DEFAULT ';')".to_string()),
                (4, "INSERT INTO a VALUES ('x;y')".to_string()),
                (5, "UPDATE a SET x = 'z'".to_string()),
            ]
        );
    }

    #[test]
    fn keeps_dollar_quoted_bodies_and_trigger_blocks_whole() {
        let pg = "CREATE FUNCTION f() RETURNS trigger AS $$\nBEGIN\n  NEW.x := 1;\n  RETURN NEW;\nEND;\n$$ LANGUAGE plpgsql;\nSELECT 1;";
        let got = lines(pg, Dialect::Postgres);
        assert_eq!(got.len(), 2, "{got:?}");
        assert_eq!(got[1], (7, "SELECT 1".to_string()));
        let lite = "CREATE TRIGGER t AFTER INSERT ON a BEGIN\n  UPDATE a SET x = CASE WHEN x IS NULL THEN 1 ELSE x END;\n  DELETE FROM b;\nEND;\nDROP TABLE c;";
        let got = lines(lite, Dialect::Sqlite);
        assert_eq!(got.len(), 2, "{got:?}");
        assert_eq!(got[1], (5, "DROP TABLE c".to_string()));
    }

    #[test]
    fn an_unterminated_string_is_one_statement() {
        let got = lines("\n\nSELECT 'oops;\nmore", Dialect::Mysql);
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].0, 3);
    }

    #[test]
    fn offsets_lines_of_a_section() {
        let got = split_statements("\nDROP TABLE x;", 10, Dialect::Postgres);
        assert_eq!(got[0].line, 11);
    }
}
