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

/// `column` when `expr` is `column IS NOT NULL` (parenthesised or not).
fn not_null_column(expr: &ast::Expr) -> Option<String> {
    let text = expr.syntax().text().to_string();
    let text = text
        .trim()
        .trim_start_matches('(')
        .trim_end_matches(')')
        .trim();
    let words: Vec<&str> = text.split_whitespace().collect();
    match words.as_slice() {
        [column, is, not, null]
            if is.eq_ignore_ascii_case("is")
                && not.eq_ignore_ascii_case("not")
                && null.eq_ignore_ascii_case("null") =>
        {
            let column = column.trim_matches('"');
            Some(if column.len() == words[0].len() {
                column.to_ascii_lowercase()
            } else {
                column.to_string()
            })
        }
        _ => None,
    }
}
