//! Splitting a raw SQL step into its statements, the way the database would read them.
//!
//! A small lexer, not a parser: it knows where strings, quoted identifiers, comments and
//! bodies begin and end, so that only a `;` that really ends a statement splits. What a
//! dialect's lexer does differently is described by [`SqlLexis`], which each dialect returns
//! from [`SqlDialect::lexis`](crate::dialect::SqlDialect::lexis). `DELIMITER` (a client
//! command of the `mysql` shell, not SQL) is not supported: the bodies of compound
//! `CREATE TRIGGER / PROCEDURE / FUNCTION / EVENT` statements are recognised by their
//! `BEGIN ... END` blocks instead.

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

/// What the lexer hands out: only what statement splitting needs.
#[derive(Debug, PartialEq, Eq)]
enum Token<'a> {
    Word(&'a str),
    Semicolon(usize),
    Open,
    Close,
    Other,
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

struct Lexer<'a> {
    sql: &'a str,
    bytes: &'a [u8],
    pos: usize,
    lexis: SqlLexis,
}

fn is_word_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b >= 0x80
}

impl<'a> Lexer<'a> {
    fn new(sql: &'a str, lexis: SqlLexis) -> Lexer<'a> {
        Lexer {
            sql,
            bytes: sql.as_bytes(),
            pos: 0,
            lexis,
        }
    }

    fn peek(&self, offset: usize) -> Option<u8> {
        self.bytes.get(self.pos + offset).copied()
    }

    /// The byte offset of the `;` that ends the next statement, or `None` at the end.
    fn next_statement_end(&mut self) -> Option<usize> {
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

    /// The next token outside whitespace, comments and quoted text.
    fn next_token(&mut self) -> Option<Token<'a>> {
        loop {
            let b = self.peek(0)?;
            let next = self.peek(1);
            match b {
                b if b.is_ascii_whitespace() => self.pos += 1,
                b'-' if next == Some(b'-') && self.dash_comment_starts() => self.skip_line(),
                b'#' if self.lexis.hash_comments => self.skip_line(),
                b'/' if next == Some(b'*') => self.skip_block_comment(),
                b'\'' => {
                    self.skip_quoted(b'\'', self.lexis.backslash_escapes);
                    return Some(Token::Other);
                }
                b'"' => {
                    let escapes = self.lexis.backslash_escapes && self.lexis.double_quoted_strings;
                    self.skip_quoted(b'"', escapes);
                    return Some(Token::Other);
                }
                b'`' if self.lexis.backticks => {
                    self.skip_quoted(b'`', false);
                    return Some(Token::Other);
                }
                b'[' if self.lexis.brackets => {
                    self.pos = self
                        .find_from(self.pos + 1, b"]")
                        .map_or(self.bytes.len(), |i| i + 1);
                    return Some(Token::Other);
                }
                b'$' if self.lexis.dollar_quotes => {
                    if let Some(tag_len) = self.dollar_tag() {
                        let tag = &self.bytes[self.pos..self.pos + tag_len];
                        let body = self.pos + tag_len;
                        self.pos = self
                            .find_from(body, tag)
                            .map_or(self.bytes.len(), |i| i + tag_len);
                    } else {
                        self.pos += 1;
                    }
                    return Some(Token::Other);
                }
                b';' => {
                    self.pos += 1;
                    return Some(Token::Semicolon(self.pos - 1));
                }
                b'(' => {
                    self.pos += 1;
                    return Some(Token::Open);
                }
                b')' => {
                    self.pos += 1;
                    return Some(Token::Close);
                }
                b if is_word_byte(b) => {
                    let start = self.pos;
                    while self.peek(0).is_some_and(|c| is_word_byte(c) || c == b'$') {
                        self.pos += 1;
                    }
                    // `E'...'`: a PostgreSQL string with backslash escapes.
                    if self.lexis.escape_strings
                        && self.pos - start == 1
                        && matches!(b, b'E' | b'e')
                        && self.peek(0) == Some(b'\'')
                    {
                        self.skip_quoted(b'\'', true);
                        return Some(Token::Other);
                    }
                    return Some(Token::Word(&self.sql[start..self.pos]));
                }
                _ => {
                    self.pos += 1;
                    return Some(Token::Other);
                }
            }
        }
    }

    fn dash_comment_starts(&self) -> bool {
        !self.lexis.dash_comment_needs_space
            || self
                .peek(2)
                .is_none_or(|c| c.is_ascii_whitespace() || c.is_ascii_control())
    }

    fn skip_line(&mut self) {
        self.pos = self
            .find_from(self.pos, b"\n")
            .map_or(self.bytes.len(), |i| i + 1);
    }

    fn skip_block_comment(&mut self) {
        let mut depth = 0usize;
        while self.pos < self.bytes.len() {
            if self.peek(0) == Some(b'/') && self.peek(1) == Some(b'*') {
                if depth == 0 || self.lexis.nested_block_comments {
                    depth += 1;
                }
                self.pos += 2;
            } else if self.peek(0) == Some(b'*') && self.peek(1) == Some(b'/') {
                depth -= 1;
                self.pos += 2;
                if depth == 0 {
                    return;
                }
            } else {
                self.pos += 1;
            }
        }
    }

    /// Skips a quoted run that starts at `self.pos` with `quote`; a doubled quote stands
    /// for itself, and with `escapes` a backslash escapes the next byte. An unterminated
    /// run ends the text (the database reports it).
    fn skip_quoted(&mut self, quote: u8, escapes: bool) {
        self.pos += 1;
        while let Some(b) = self.peek(0) {
            if escapes && b == b'\\' {
                self.pos += 2;
            } else if b == quote {
                if self.peek(1) == Some(quote) {
                    self.pos += 2;
                } else {
                    self.pos += 1;
                    return;
                }
            } else {
                self.pos += 1;
            }
        }
        self.pos = self.bytes.len();
    }

    /// At a `$`: the length of a dollar-quote tag (`$$`, `$body$`) starting here, if this
    /// is one (not a `$1` parameter nor a `$` inside an identifier).
    fn dollar_tag(&self) -> Option<usize> {
        if self.pos > 0 && is_word_byte(self.bytes[self.pos - 1]) {
            return None;
        }
        let mut i = 1;
        while let Some(c) = self.peek(i) {
            match c {
                b'$' => return Some(i + 1),
                c if c.is_ascii_alphabetic() || c == b'_' || c >= 0x80 => i += 1,
                c if c.is_ascii_digit() && i > 1 => i += 1,
                _ => return None,
            }
        }
        None
    }

    fn find_from(&self, from: usize, needle: &[u8]) -> Option<usize> {
        self.bytes
            .get(from..)?
            .windows(needle.len())
            .position(|w| w == needle)
            .map(|i| i + from)
    }
}

#[cfg(test)]
#[path = "split_tests.rs"]
mod tests;
