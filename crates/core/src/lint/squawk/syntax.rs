//! What a squawk finding is about, read from squawk's syntax tree: the statement it sits
//! in, the table and column that statement changes, and (for a type change) the new type.

use squawk_linter::Violation;
use squawk_syntax::ast::{self, AstNode};
use squawk_syntax::{Parse, SourceFile, SyntaxKind, SyntaxNode};

/// Where a squawk finding points.
#[derive(Debug, Default)]
pub(super) struct Target {
    /// The statement, shortened for messages.
    pub statement: String,
    /// The table the statement changes, when it names one.
    pub table: Option<String>,
    /// The column the finding is about, when it is one column's clause.
    pub column: Option<String>,
    /// The new type of an `ALTER COLUMN .. TYPE`, as written.
    pub new_type: Option<String>,
    /// The index a `DROP INDEX` drops.
    pub index: Option<String>,
    /// Whether the statement is `CREATE INDEX CONCURRENTLY`.
    pub concurrent_index: bool,
    /// The column definition (or `ADD COLUMN` / `ALTER COLUMN` clause) the finding sits
    /// in, as written.
    pub column_clause: Option<String>,
    /// The constraint a `DROP CONSTRAINT` drops.
    pub dropped_constraint: Option<String>,
    /// Whether the finding is about a foreign key or check that an `ADD CONSTRAINT` adds
    /// (not a unique or primary key constraint, nor a `VALIDATE CONSTRAINT`).
    pub scanning_constraint: bool,
}

/// `sql` parsed by squawk, or `None` when squawk cannot parse all of it (cutover then
/// reports nothing rather than guess from a partial tree).
pub(super) fn parse(sql: &str) -> Option<Parse<SourceFile>> {
    let parse = SourceFile::parse(sql);
    parse.errors().is_empty().then_some(parse)
}

/// What `v` is about in `parse`.
pub(super) fn target(parse: &Parse<SourceFile>, v: &Violation) -> Target {
    let root = parse.syntax_node();
    let Some(stmt) = parse
        .tree()
        .stmts()
        .find(|s| s.syntax().text_range().contains_range(v.text_range))
    else {
        return Target::default();
    };
    let element = root.covering_element(v.text_range);
    let node = element
        .as_node()
        .cloned()
        .or_else(|| element.as_token().and_then(|t| t.parent()))
        .unwrap_or_else(|| stmt.syntax().clone());
    let mut t = Target {
        statement: shorten(&stmt.syntax().text().to_string()),
        table: stmt
            .syntax()
            .descendants()
            .find(|n| n.kind() == SyntaxKind::TABLE_RELATION_NAME)
            .map(|n| name(&n)),
        ..Target::default()
    };
    t.column_clause = node
        .ancestors()
        .find(|n| {
            matches!(
                n.kind(),
                SyntaxKind::COLUMN | SyntaxKind::ADD_COLUMN | SyntaxKind::ALTER_COLUMN
            )
        })
        .map(|n| n.text().to_string());
    for n in node.ancestors() {
        if let Some(a) = ast::AlterColumn::cast(n.clone()) {
            t.column = a.column_name_ref().map(|c| name(c.syntax()));
            if let Some(ast::AlterColumnOption::SetType(st)) = a.option() {
                t.new_type = st.ty().map(|ty| ty.syntax().text().to_string());
            }
            break;
        }
        if let Some(d) = ast::DropConstraint::cast(n.clone()) {
            t.dropped_constraint = d.constraint_name_ref().map(|c| name(c.syntax()));
            break;
        }
        if let Some(a) = ast::AddConstraint::cast(n.clone()) {
            t.scanning_constraint = matches!(
                a.constraint(),
                Some(
                    ast::Constraint::CheckConstraint(_) | ast::Constraint::ForeignKeyConstraint(_)
                )
            );
            break;
        }
        if let Some(a) = ast::AddColumn::cast(n.clone()) {
            t.column = a.column_name().map(|c| name(c.syntax()));
            // An inline REFERENCES or CHECK on the new column is validated with a scan of
            // the whole table, as ADD CONSTRAINT is.
            let text = a.syntax().text().to_string().to_ascii_uppercase();
            let words: Vec<&str> = text
                .split(|c: char| !c.is_ascii_alphanumeric() && c != '_')
                .collect();
            t.scanning_constraint = words.contains(&"REFERENCES") || words.contains(&"CHECK");
            break;
        }
    }
    match &stmt {
        ast::Stmt::CreateIndex(ci) => t.concurrent_index = ci.concurrently_token().is_some(),
        ast::Stmt::DropIndex(_) => {
            t.index = stmt
                .syntax()
                .descendants()
                .find(|n| n.kind() == SyntaxKind::PATH)
                .map(|n| name(&n));
        }
        _ => {}
    }
    t
}

/// The object name in `node`'s text: the last part of a qualified name, unquoted, lower-cased
/// unless it was quoted (as PostgreSQL folds it).
pub(super) fn name(node: &SyntaxNode) -> String {
    let text = node.text().to_string();
    let text = text.trim();
    let last = text.rsplit('.').next().unwrap_or(text).trim();
    // A constraint name node holds its CONSTRAINT keyword.
    let last = match last.get(..11) {
        Some(head) if head.eq_ignore_ascii_case("constraint ") => last[11..].trim(),
        _ => last,
    };
    match last.strip_prefix('"').and_then(|s| s.strip_suffix('"')) {
        Some(quoted) => quoted.replace("\"\"", "\""),
        None => last.to_ascii_lowercase(),
    }
}

/// The statement on one line, at most 100 characters.
fn shorten(sql: &str) -> String {
    let one_line = sql.split_whitespace().collect::<Vec<_>>().join(" ");
    let one_line = one_line.trim_end_matches(';').to_string();
    if one_line.chars().count() <= 100 {
        return one_line;
    }
    let cut: String = one_line.chars().take(97).collect();
    format!("{cut}...")
}
