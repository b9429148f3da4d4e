//! `<column> IS NOT NULL` checks added, validated and dropped by raw SQL, so that a raw
//! `SET NOT NULL` after a raw check validated in an earlier migration counts as cheap too.

use squawk_syntax::SyntaxKind;
use squawk_syntax::ast::{self, AstNode};

use super::syntax::{name, parse};

/// What a raw statement does to a check constraint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum CheckEvent {
    /// `ADD CONSTRAINT name CHECK (column IS NOT NULL) [NOT VALID]`.
    Added {
        /// The table.
        table: String,
        /// The constraint.
        name: String,
        /// The column it proves NOT NULL.
        column: String,
        /// Whether existing rows were checked (no NOT VALID).
        validated: bool,
    },
    /// `VALIDATE CONSTRAINT name`.
    Validated {
        /// The table.
        table: String,
        /// The constraint.
        name: String,
    },
    /// `DROP CONSTRAINT name`.
    Dropped {
        /// The table.
        table: String,
        /// The constraint.
        name: String,
    },
}

/// The check events of PostgreSQL `sql`, in order (none when squawk cannot parse it).
pub(crate) fn check_events(sql: &str) -> Vec<CheckEvent> {
    // Most raw steps touch no constraint: skip the parse.
    if !sql.to_ascii_lowercase().contains("constraint") {
        return Vec::new();
    }
    let Some(parse) = parse(sql) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for stmt in parse.tree().stmts() {
        let ast::Stmt::AlterTable(alter) = stmt else {
            continue;
        };
        let Some(table) = alter
            .syntax()
            .descendants()
            .find(|n| n.kind() == SyntaxKind::TABLE_RELATION_NAME)
            .map(|n| name(&n))
        else {
            continue;
        };
        for action in alter.actions() {
            match action {
                ast::AlterTableAction::AddConstraint(add) => {
                    let Some(constraint) = add.constraint() else {
                        continue;
                    };
                    let validated = !constraint.is_not_valid();
                    let Some(n) = constraint.constraint_name().map(|n| name(n.syntax())) else {
                        continue;
                    };
                    let ast::Constraint::CheckConstraint(check) = constraint else {
                        continue;
                    };
                    if let Some(column) = check.expr().and_then(|e| not_null_column(&e)) {
                        out.push(CheckEvent::Added {
                            table: table.clone(),
                            name: n,
                            column,
                            validated,
                        });
                    }
                }
                ast::AlterTableAction::ValidateConstraint(v) => {
                    if let Some(n) = v.constraint_name_ref().map(|n| name(n.syntax())) {
                        out.push(CheckEvent::Validated {
                            table: table.clone(),
                            name: n,
                        });
                    }
                }
                ast::AlterTableAction::DropConstraint(d) => {
                    if let Some(n) = d.constraint_name_ref().map(|n| name(n.syntax())) {
                        out.push(CheckEvent::Dropped {
                            table: table.clone(),
                            name: n,
                        });
                    }
                }
                _ => {}
            }
        }
    }
    out
}

/// `column` when `expr` is `column IS NOT NULL` (parenthesised or not), or a conjunction with
/// such a term (PostgreSQL infers NOT NULL from any validated check that implies it).
fn not_null_column(expr: &ast::Expr) -> Option<String> {
    not_null_column_of(&expr.syntax().text().to_string())
}

/// The first column that the check expression `text` proves NOT NULL: a top-level conjunct
/// `column IS NOT NULL`. An unquoted column is folded to lower case.
pub(crate) fn not_null_column_of(text: &str) -> Option<String> {
    conjuncts(text).into_iter().find_map(is_not_null_term)
}

/// `text` split at its top-level `AND`s, each part without enclosing parentheses.
fn conjuncts(text: &str) -> Vec<&str> {
    let text = strip_parens(text);
    let upper = text.to_ascii_uppercase();
    let bytes = upper.as_bytes();
    let (mut parts, mut start, mut depth) = (Vec::new(), 0, 0i32);
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'(' => depth += 1,
            b')' => depth -= 1,
            b' ' if depth == 0 && upper[i..].starts_with(" AND ") => {
                parts.push(strip_parens(&text[start..i]));
                start = i + 5;
                i += 4;
            }
            _ => {}
        }
        i += 1;
    }
    parts.push(strip_parens(&text[start..]));
    parts
}

/// `text` without parentheses that enclose all of it.
fn strip_parens(text: &str) -> &str {
    let mut t = text.trim();
    while t.starts_with('(') && t.ends_with(')') && encloses(t) {
        t = t[1..t.len() - 1].trim();
    }
    t
}

/// Whether the opening parenthesis of `t` closes at its very end.
fn encloses(t: &str) -> bool {
    let mut depth = 0;
    for (i, c) in t.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => {
                depth -= 1;
                if depth == 0 {
                    return i == t.len() - 1;
                }
            }
            _ => {}
        }
    }
    false
}

/// `column` when `term` is `column IS NOT NULL`.
fn is_not_null_term(term: &str) -> Option<String> {
    let words: Vec<&str> = term.split_whitespace().collect();
    match words.as_slice() {
        [column, is, not, null]
            if is.eq_ignore_ascii_case("is")
                && not.eq_ignore_ascii_case("not")
                && null.eq_ignore_ascii_case("null") =>
        {
            let bare = column.trim_matches('"');
            Some(if bare.len() == column.len() {
                bare.to_ascii_lowercase()
            } else {
                bare.to_string()
            })
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::not_null_column_of;

    #[test]
    fn a_conjunct_is_not_null_proves_the_column() {
        assert_eq!(
            not_null_column_of("email IS NOT NULL").as_deref(),
            Some("email")
        );
        assert_eq!(
            not_null_column_of("(Email IS NOT NULL AND length(email) > 3)").as_deref(),
            Some("email")
        );
        assert_eq!(
            not_null_column_of("(length(\"Email\") > 3) AND (\"Email\" IS NOT NULL)").as_deref(),
            Some("Email")
        );
        assert_eq!(not_null_column_of("email IS NOT NULL OR x > 1"), None);
        assert_eq!(not_null_column_of("(a IS NOT NULL) OR (b > 1)"), None);
        assert_eq!(not_null_column_of("length(email) > 3"), None);
    }
}
