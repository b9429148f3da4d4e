//! Splitting a SQL file into statements, each with the line it starts on.
//!
//! The file goes through the splitter a raw step runs through at `up`
//! ([`split_script`](crate::render::split_script)), so that the statements an import writes
//! are the statements that will run: semicolons inside strings, quoted identifiers,
//! comments, PostgreSQL dollar-quoted bodies and parentheses do not split, nor do those of
//! `CREATE TRIGGER / PROCEDURE / FUNCTION / EVENT` bodies (`BEGIN ... END`, with
//! `IF ... END IF`, loops and labels); on MySQL a `DELIMITER` line changes the delimiter
//! and is dropped. A leading UTF-8 byte order mark is not part of the first statement.

use std::path::Path;

use crate::dialect::Dialect;
use crate::error::{Error, Result};
use crate::render::{split_script, unterminated_at};

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
/// Text after an unterminated string or comment belongs to the statement it starts in (the
/// database reports it when the statement runs).
pub fn split_statements(text: &str, first_line: usize, dialect: Dialect) -> Vec<Statement> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let starts: Vec<usize> = std::iter::once(0)
        .chain(text.match_indices('\n').map(|(i, _)| i + 1))
        .collect();
    split_script(text, dialect.sql().lexis())
        .into_iter()
        .map(|s| Statement {
            // The number of line starts at or before the offset is its 1-based line.
            line: first_line + starts.partition_point(|&l| l <= s.offset) - 1,
            sql: s.sql,
        })
        .collect()
}

/// Refuses a file with a string, quoted identifier, comment or dollar-quoted body that never
/// ends: everything after it would silently become one statement.
pub(super) fn check_terminated(path: &Path, text: &str, dialect: Dialect) -> Result<()> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let Some(at) = unterminated_at(text, dialect.sql().lexis()) else {
        return Ok(());
    };
    let line = text[..at].matches('\n').count() + 1;
    let what: String = text[at..].chars().take(2).collect();
    Err(Error::plan(
        path,
        Some(line),
        format!(
            "`{what}...` starts a string, quoted name or comment that never ends, so the rest of the file would run as one statement; close it (or fix the quote) and import again"
        ),
    ))
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
    fn a_byte_order_mark_is_dropped() {
        let got = lines("\u{feff}CREATE TABLE a (x int);\nSELECT 1;", Dialect::Mysql);
        assert_eq!(got[0], (1, "CREATE TABLE a (x int)".to_string()));
        assert_eq!(got[1].0, 2);
    }

    #[test]
    fn mysql_routines_with_control_flow_and_delimiter_stay_whole() {
        let sql = "CREATE PROCEDURE p(x int) BEGIN IF x>0 THEN SELECT 1; END IF; SELECT 2; END;\nDELIMITER //\nCREATE PROCEDURE q() BEGIN SELECT 3; END //\nDELIMITER ;\nSELECT 4;";
        let got = lines(sql, Dialect::Mysql);
        assert_eq!(got.len(), 3, "{got:?}");
        assert!(got[0].1.ends_with("SELECT 2; END"), "{got:?}");
        assert_eq!(
            got[1],
            (3, "CREATE PROCEDURE q() BEGIN SELECT 3; END".to_string())
        );
        assert_eq!(got[2], (5, "SELECT 4".to_string()));
    }

    #[test]
    fn offsets_lines_of_a_section() {
        let got = split_statements("\nDROP TABLE x;", 10, Dialect::Postgres);
        assert_eq!(got[0].line, 11);
    }
}
