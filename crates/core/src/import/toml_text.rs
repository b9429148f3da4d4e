//! Writing TOML values the way a person would: SQL of several lines as a multi-line literal
//! string (no escapes), everything else as the `toml` crate quotes it.

/// `s` as a TOML string: a one-line basic string, or, for text of several lines, a
/// multi-line literal string (`'''`) starting on its own line, unless the text holds
/// something a literal string cannot (`'''`, a carriage return or another control
/// character), where the escaped basic form is used.
pub(super) fn string(s: &str) -> String {
    let literal_ok =
        !s.contains("'''") && !s.chars().any(|c| c.is_control() && c != '\n' && c != '\t');
    if s.contains('\n') && literal_ok {
        // The line break right after the opening quotes is not part of the value.
        format!("'''\n{s}'''")
    } else {
        toml::Value::String(s.to_string()).to_string()
    }
}

/// `text` as `#` comment lines of at most about 92 characters.
pub(super) fn comment(text: &str) -> String {
    let mut out = String::new();
    let mut line = String::from("#");
    for word in text.split_whitespace() {
        if line.len() + 1 + word.len() > 92 && line.len() > 1 {
            out.push_str(&line);
            out.push('\n');
            line = String::from("#");
        }
        line.push(' ');
        line.push_str(word);
    }
    out.push_str(&line);
    out.push('\n');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(value: &str) -> String {
        let doc: toml::Table = format!("v = {value}").parse().expect("valid TOML");
        doc["v"].as_str().expect("a string").to_string()
    }

    #[test]
    fn multi_line_sql_is_a_literal_block_that_reads_back_unchanged() {
        let sql = "CREATE TABLE \"users\" (\n  id bigint, -- C:\\path\n  name text DEFAULT 'x'\n)";
        let written = string(sql);
        assert!(
            written.starts_with("'''\nCREATE TABLE \"users\""),
            "{written}"
        );
        assert_eq!(parse(&written), sql);
    }

    #[test]
    fn text_a_literal_cannot_hold_is_escaped() {
        for sql in [
            "SELECT 'a'''\n",
            "SELECT 1\r\nFROM t",
            "SELECT '\u{7}'\n",
            "SELECT 'x'\nFROM t WHERE a = 'y'",
            "INSERT INTO t VALUES ('it''s')",
        ] {
            assert_eq!(parse(&string(sql)), sql, "{}", string(sql));
        }
        assert_eq!(string("SELECT 1"), "\"SELECT 1\"");
    }

    #[test]
    fn comments_wrap() {
        let c = comment(&"word ".repeat(40));
        assert!(
            c.lines().all(|l| l.starts_with("# ") && l.len() <= 92),
            "{c}"
        );
        assert_eq!(c.split_whitespace().filter(|w| *w == "word").count(), 40);
    }
}
