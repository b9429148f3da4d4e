//! Splitting a SQL script (a migration file written for another tool) into statements with
//! the same splitter a raw step runs through ([`split_sql`](super::split_sql)), each with
//! where it starts, so that the statements an import writes are the ones `up` will run.
//!
//! A script may change the delimiter with the `mysql` client's `DELIMITER` command where the
//! dialect's [`SqlLexis::delimiter_command`] says so: its lines are dropped, and the text up
//! to the custom delimiter is split again as a raw step would be.

use super::lexer::Lexer;
use super::split::SqlLexis;

/// One statement of a script.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScriptStatement {
    /// The statement, trimmed, without its delimiter and without the comments before it.
    pub sql: String,
    /// The byte offset of its first token in the script.
    pub offset: usize,
}

/// The statements of `script` in order, split as [`split_sql`](super::split_sql) splits a
/// raw step; with [`SqlLexis::delimiter_command`], `DELIMITER` lines change the delimiter
/// (and are left out).
///
/// ```
/// use cutover_core::Dialect;
/// use cutover_core::render::split_script;
///
/// let sql = "DELIMITER //\nCREATE PROCEDURE p() BEGIN SELECT 1; END //\nDELIMITER ;\nSELECT 2;";
/// let got = split_script(sql, Dialect::Mysql.sql().lexis());
/// assert_eq!(got.len(), 2);
/// assert_eq!(got[0].sql, "CREATE PROCEDURE p() BEGIN SELECT 1; END");
/// assert_eq!(&sql[got[1].offset..], "SELECT 2;");
/// ```
pub fn split_script(script: &str, lexis: SqlLexis) -> Vec<ScriptStatement> {
    let mut out = Vec::new();
    let mut lexer = Lexer::new(script, lexis);
    let mut delimiter: Option<String> = None;
    loop {
        lexer.skip_trivia();
        let begin = lexer.pos;
        if begin >= script.len() {
            return out;
        }
        if lexis.delimiter_command
            && let Some((next, after)) = delimiter_command(script, begin)
        {
            delimiter = (next != ";").then_some(next);
            lexer.pos = after;
            continue;
        }
        match &delimiter {
            None => {
                let end = lexer.next_statement_end().unwrap_or(script.len());
                push(&mut out, script, begin, end, lexis);
                lexer.pos = (end + 1).min(script.len());
            }
            Some(d) => {
                let end = lexer.find_delimiter(d.as_bytes()).unwrap_or(script.len());
                // The client sends the text up to the delimiter as it is; a raw step splits
                // it again, so the statements written are the ones that will run.
                let inner = SqlLexis {
                    delimiter_command: false,
                    ..lexis
                };
                for s in split_script(&script[begin..end], inner) {
                    out.push(ScriptStatement {
                        sql: s.sql,
                        offset: begin + s.offset,
                    });
                }
                lexer.pos = (end + d.len()).min(script.len());
            }
        }
    }
}

/// The byte offset where a string, quoted identifier, comment or dollar-quoted body of
/// `script` begins that never ends (everything after it would be one statement), if any.
pub fn unterminated_at(script: &str, lexis: SqlLexis) -> Option<usize> {
    let mut lexer = Lexer::new(script, lexis);
    while lexer.next_token().is_some() {}
    lexer.unterminated
}

/// Adds the statement `script[begin..end]` unless it is empty.
fn push(out: &mut Vec<ScriptStatement>, script: &str, begin: usize, end: usize, lexis: SqlLexis) {
    let text = script.get(begin..end).unwrap_or_default().trim();
    if Lexer::new(text, lexis).next_token().is_some() {
        out.push(ScriptStatement {
            sql: text.to_string(),
            offset: begin,
        });
    }
}

/// At `at`, the start of a statement: a `DELIMITER x` line's new delimiter and the offset
/// after the line.
fn delimiter_command(script: &str, at: usize) -> Option<(String, usize)> {
    let rest = script.get(at..)?;
    let (line, after) = match rest.find('\n') {
        Some(i) => (&rest[..i], at + i + 1),
        None => (rest, script.len()),
    };
    let mut words = line.split_whitespace();
    if !words.next()?.eq_ignore_ascii_case("DELIMITER") {
        return None;
    }
    let delimiter = words.next()?;
    Some((delimiter.to_string(), after))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dialect::Dialect;

    fn texts(sql: &str, d: Dialect) -> Vec<String> {
        split_script(sql, d.sql().lexis())
            .into_iter()
            .map(|s| s.sql)
            .collect()
    }

    #[test]
    fn mysql_compound_bodies_with_control_statements_stay_whole() {
        let sql = "CREATE PROCEDURE p(x int) BEGIN IF x>0 THEN SELECT 1; END IF; \
                   lbl: WHILE x > 0 DO SET x = x - 1; END WHILE lbl; \
                   REPEAT SET x = x + 1; UNTIL x > 3 END REPEAT; SELECT 2; END;\nSELECT 3;";
        let got = texts(sql, Dialect::Mysql);
        assert_eq!(got.len(), 2, "{got:?}");
        assert!(got[0].ends_with("SELECT 2; END"), "{got:?}");
    }

    #[test]
    fn postgres_rule_with_parenthesised_actions_stays_whole() {
        let sql = "CREATE RULE r AS ON INSERT TO t DO ALSO (SELECT 1; SELECT 2);\nSELECT 3;";
        let got = texts(sql, Dialect::Postgres);
        assert_eq!(
            got,
            [
                "CREATE RULE r AS ON INSERT TO t DO ALSO (SELECT 1; SELECT 2)",
                "SELECT 3"
            ]
        );
    }

    #[test]
    fn mysql_delimiter_lines_are_dropped_and_split_on() {
        let sql = "-- head\nDELIMITER $$\nCREATE TRIGGER t BEFORE INSERT ON a FOR EACH ROW\nBEGIN\n  SET NEW.x = ';$$';\nEND$$\nDELIMITER ;\nINSERT INTO a VALUES (1);\n";
        let got = split_script(sql, Dialect::Mysql.sql().lexis());
        assert_eq!(got.len(), 2, "{got:?}");
        assert!(got[0].sql.starts_with("CREATE TRIGGER"));
        assert!(got[0].sql.ends_with("END"), "{got:?}");
        assert!(!got.iter().any(|s| s.sql.contains("DELIMITER")));
        assert_eq!(got[1].sql, "INSERT INTO a VALUES (1)");
        assert!(sql[got[1].offset..].starts_with("INSERT"));
    }

    #[test]
    fn unterminated_runs_are_found() {
        let lexis = Dialect::Postgres.sql().lexis();
        assert_eq!(unterminated_at("SELECT 1;\nSELECT 'oops;", lexis), Some(17));
        assert_eq!(unterminated_at("SELECT 1; /* open", lexis), Some(10));
        assert_eq!(unterminated_at("SELECT $$ x", lexis), Some(7));
        assert_eq!(
            unterminated_at("SELECT 'a', \"b\" /* c */ -- d", lexis),
            None
        );
    }

    #[test]
    fn leading_comments_are_not_part_of_the_statement() {
        let sql = "-- one\n/* two */ SELECT 1; -- trailing\n";
        let got = split_script(sql, Dialect::Postgres.sql().lexis());
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].sql, "SELECT 1");
        assert_eq!(got[0].offset, sql.find("SELECT").unwrap_or_default());
    }
}
