//! Size limits of portable expressions, checked on the tokens before parsing.
//!
//! The parser, the IR and the renderers are recursive; an expression of thousands of
//! chained operators (`n + 1 + 1 + ...`, a `pending` with hundreds of `OR`s) would nest as
//! deep and overflow the stack. Expressions are therefore limited to [`MAX_OPERATORS`]
//! operators, which bounds the depth of every tree built from them; nesting of parentheses
//! is limited by the parser itself. Long value lists belong in `IN (...)`, which is flat.

use sqlparser::dialect::GenericDialect;
use sqlparser::keywords::Keyword;
use sqlparser::tokenizer::{Token, Tokenizer};

/// The most operators (`+`, `=`, `AND`, `OR`, `NOT`, `LIKE`, `IS`, ...) one expression may
/// hold.
pub const MAX_OPERATORS: usize = 256;

/// The most bytes one expression may hold (64 KiB).
pub const MAX_BYTES: usize = 64 * 1024;

/// Why `src` is too large to parse, if it is. Tokenizer errors are left to the parser,
/// which reports them with their position.
pub(crate) fn too_large(src: &str) -> Option<String> {
    if src.len() > MAX_BYTES {
        return Some(format!(
            "the expression is {} bytes long, over the limit of {} KiB: move the logic into a raw `sql` step or split it",
            src.len(),
            MAX_BYTES / 1024
        ));
    }
    let tokens = Tokenizer::new(&GenericDialect {}, src).tokenize().ok()?;
    let operators = tokens.iter().filter(|t| is_operator(t)).count();
    (operators > MAX_OPERATORS).then(|| {
        format!(
            "the expression has {operators} operators, over the limit of {MAX_OPERATORS}: use `x IN (a, b, ...)` instead of chains of `OR x = ...`, or split the work into several steps"
        )
    })
}

fn is_operator(t: &Token) -> bool {
    match t {
        Token::Eq
        | Token::DoubleEq
        | Token::Neq
        | Token::Lt
        | Token::Gt
        | Token::LtEq
        | Token::GtEq
        | Token::Plus
        | Token::Minus
        | Token::Mul
        | Token::Div
        | Token::DuckIntDiv
        | Token::Mod
        | Token::StringConcat => true,
        Token::Word(w) => matches!(
            w.keyword,
            Keyword::AND
                | Keyword::OR
                | Keyword::NOT
                | Keyword::IS
                | Keyword::LIKE
                | Keyword::ILIKE
                | Keyword::IN
                | Keyword::BETWEEN
        ),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_chains_are_refused_and_lists_are_not() {
        let chain = format!("n{}", " + 1".repeat(MAX_OPERATORS + 1));
        assert!(too_large(&chain).is_some_and(|m| m.contains("operators")));
        let ok = format!("n{}", " + 1".repeat(MAX_OPERATORS));
        assert_eq!(too_large(&ok), None);
        let list: Vec<String> = (0..5000).map(|i| i.to_string()).collect();
        assert_eq!(too_large(&format!("n IN ({})", list.join(", "))), None);
    }
}
