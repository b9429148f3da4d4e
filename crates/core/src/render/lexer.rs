//! The lexer behind [`split_sql`](super::split_sql): finds tokens outside whitespace,
//! comments and quoted text, following a dialect's [`SqlLexis`].

use super::split::SqlLexis;

/// What the lexer hands out: only what statement splitting needs.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Token<'a> {
    /// A keyword or unquoted identifier.
    Word(&'a str),
    /// A `;` at this byte offset.
    Semicolon(usize),
    /// `(`.
    Open,
    /// `)`.
    Close,
    /// Anything else (quoted text, operators, numbers).
    Other,
}

/// A cursor over SQL text.
pub(super) struct Lexer<'a> {
    pub(super) sql: &'a str,
    pub(super) bytes: &'a [u8],
    pub(super) pos: usize,
    pub(super) lexis: SqlLexis,
    /// Where a string, quoted identifier, comment or dollar body that never ends began
    /// (it runs to the end of the text).
    pub(super) unterminated: Option<usize>,
}

/// Whether `b` may be part of an unquoted word (any non-ASCII byte may: UTF-8 identifiers).
fn is_word_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b >= 0x80
}

impl<'a> Lexer<'a> {
    pub(super) fn new(sql: &'a str, lexis: SqlLexis) -> Lexer<'a> {
        Lexer {
            sql,
            bytes: sql.as_bytes(),
            pos: 0,
            lexis,
            unterminated: None,
        }
    }

    fn peek(&self, offset: usize) -> Option<u8> {
        self.bytes.get(self.pos + offset).copied()
    }

    /// Moves past whitespace and comments, to the next token or the end.
    pub(super) fn skip_trivia(&mut self) {
        while let Some(b) = self.peek(0) {
            let next = self.peek(1);
            match b {
                b if b.is_ascii_whitespace() => self.pos += 1,
                b'-' if next == Some(b'-') && self.dash_comment_starts() => self.skip_line(),
                b'#' if self.lexis.hash_comments => self.skip_line(),
                b'/' if next == Some(b'*') => self.skip_block_comment(),
                _ => return,
            }
        }
    }

    /// The byte offset of the next `delimiter` outside strings, quoted identifiers and
    /// comments (a MySQL client `DELIMITER`), or `None` at the end.
    pub(super) fn find_delimiter(&mut self, delimiter: &[u8]) -> Option<usize> {
        loop {
            self.skip_trivia();
            let b = self.peek(0)?;
            if self.bytes[self.pos..].starts_with(delimiter) {
                return Some(self.pos);
            }
            match b {
                b'\'' | b'"' => {
                    self.next_token();
                }
                b'`' if self.lexis.backticks => {
                    self.next_token();
                }
                _ => self.pos += 1,
            }
        }
    }

    /// The next token outside whitespace, comments and quoted text.
    pub(super) fn next_token(&mut self) -> Option<Token<'a>> {
        self.skip_trivia();
        let b = self.peek(0)?;
        match b {
            b'\'' => {
                self.skip_quoted(b'\'', self.lexis.backslash_escapes);
                Some(Token::Other)
            }
            b'"' => {
                let escapes = self.lexis.backslash_escapes && self.lexis.double_quoted_strings;
                self.skip_quoted(b'"', escapes);
                Some(Token::Other)
            }
            b'`' if self.lexis.backticks => {
                self.skip_quoted(b'`', false);
                Some(Token::Other)
            }
            b'[' if self.lexis.brackets => {
                let start = self.pos;
                self.pos = match self.find_from(self.pos + 1, b"]") {
                    Some(i) => i + 1,
                    None => self.run_to_end(start),
                };
                Some(Token::Other)
            }
            b'$' if self.lexis.dollar_quotes => {
                if let Some(tag_len) = self.dollar_tag() {
                    let tag = &self.bytes[self.pos..self.pos + tag_len];
                    let body = self.pos + tag_len;
                    let start = self.pos;
                    self.pos = match self.find_from(body, tag) {
                        Some(i) => i + tag_len,
                        None => self.run_to_end(start),
                    };
                } else {
                    self.pos += 1;
                }
                Some(Token::Other)
            }
            b';' => {
                self.pos += 1;
                Some(Token::Semicolon(self.pos - 1))
            }
            b'(' => {
                self.pos += 1;
                Some(Token::Open)
            }
            b')' => {
                self.pos += 1;
                Some(Token::Close)
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
                    Some(Token::Other)
                } else {
                    Some(Token::Word(&self.sql[start..self.pos]))
                }
            }
            _ => {
                self.pos += 1;
                Some(Token::Other)
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

    /// Notes that the run starting at `start` never ends; the end of the text.
    fn run_to_end(&mut self, start: usize) -> usize {
        self.unterminated.get_or_insert(start);
        self.bytes.len()
    }

    fn skip_block_comment(&mut self) {
        let start = self.pos;
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
        self.pos = self.run_to_end(start);
    }

    /// Skips a quoted run that starts at `self.pos` with `quote`; a doubled quote stands
    /// for itself, and with `escapes` a backslash escapes the next byte. An unterminated
    /// run ends the text (the database reports it).
    fn skip_quoted(&mut self, quote: u8, escapes: bool) {
        let start = self.pos;
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
        self.pos = self.run_to_end(start);
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
