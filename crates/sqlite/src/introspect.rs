//! Reading a SQLite schema into cutover's schema shape (PRAGMAs and sqlite_schema).

use cutover_core::Dialect;
use cutover_core::backend::Backend;
use cutover_core::schema::{ForeignKeyShape, SchemaShape, ShapeBuilder, catalog};
use cutover_core::types::ColumnType;

pub(crate) fn lit(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

fn action(a: &str) -> String {
    a.to_ascii_lowercase().replace(' ', "_")
}

/// The CHECK clauses of a CREATE TABLE statement: a named one by its name, an unnamed one as
/// `check (<expression>)` (so that drift lists it and a rebuild notices it is lost). The
/// `json_valid("col")` check cutover writes for a json column, and the `"col" IN (..)` one
/// of an enum column (see [`enum_columns`]), are not listed.
fn checks(sql: &str) -> Vec<String> {
    check_clauses(sql)
        .into_iter()
        .filter_map(|(name, expr)| match name {
            Some(name) => Some(name),
            None if is_json_check(&expr) || enum_check(&expr).is_some() => None,
            None => Some(format!("check ({expr})")),
        })
        .collect()
}

/// The enum columns of a CREATE TABLE statement, read from their unnamed
/// `CHECK ("col" IN ('a', 'b'))`: `(column, portable type)`.
fn enum_columns(sql: &str) -> Vec<(String, String)> {
    check_clauses(sql)
        .into_iter()
        .filter(|(name, _)| name.is_none())
        .filter_map(|(_, expr)| enum_check(&expr))
        .collect()
}

/// Every CHECK clause of a CREATE TABLE statement: its constraint name, if any, and its
/// expression.
pub(crate) fn check_clauses(sql: &str) -> Vec<(Option<String>, String)> {
    let upper = sql.to_ascii_uppercase();
    let bytes = upper.as_bytes();
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(pos) = upper[from..].find("CHECK") {
        let at = from + pos;
        from = at + 5;
        let word_start =
            at == 0 || !(bytes[at - 1].is_ascii_alphanumeric() || bytes[at - 1] == b'_');
        let rest = upper[from..].trim_start();
        if !word_start || !rest.starts_with('(') {
            continue;
        }
        let open = from + (upper[from..].len() - rest.len());
        let Some(close) = matching_paren(sql, open) else {
            break;
        };
        let expr = sql[open + 1..close].trim().to_string();
        from = close;
        out.push((constraint_name(&sql[..at]), expr));
    }
    out
}

/// Whether `expr` is the check cutover writes for a json column: `json_valid("c")`, or
/// `"c" IS NULL OR json_valid("c")` (which older SQLite clients need to store NULL).
pub(crate) fn is_json_check(expr: &str) -> bool {
    let call = match expr.split_once(" IS NULL OR ") {
        Some((column, call)) if !column.contains('(') => call,
        Some(_) => return false,
        None => expr,
    };
    call.starts_with("json_valid(") && call.matches('(').count() == 1
}

/// The column and portable type of the check cutover writes for an enum column,
/// `"c" IN ('a', 'b')`, if `expr` is one.
pub(crate) fn enum_check(expr: &str) -> Option<(String, String)> {
    let (column, list) = expr.split_once(" IN (")?;
    let name = column.strip_prefix('"')?.strip_suffix('"')?;
    if name.contains('"') || !list.trim_start().starts_with('\'') {
        return None;
    }
    let ty: ColumnType = format!("enum({list}").parse().ok()?;
    matches!(ty, ColumnType::Enum(_)).then(|| (name.to_string(), ty.to_string()))
}

/// The index of the `)` that closes the `(` at `open`, skipping quoted text.
fn matching_paren(sql: &str, open: usize) -> Option<usize> {
    let mut depth = 0usize;
    let mut quote: Option<char> = None;
    for (i, ch) in sql[open..].char_indices() {
        match (quote, ch) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '\'' | '"' | '`') => quote = Some(ch),
            (None, '(') => depth += 1,
            (None, ')') => {
                depth -= 1;
                if depth == 0 {
                    return Some(open + i);
                }
            }
            _ => {}
        }
    }
    None
}

/// The name of a `CONSTRAINT "name"` that directly precedes a clause.
fn constraint_name(before: &str) -> Option<String> {
    let t = before.trim_end();
    let (name, rest) = match t.strip_suffix('"') {
        Some(q) => {
            let start = q.rfind('"')?;
            (q[start + 1..].to_string(), &q[..start])
        }
        None => {
            let start = t.rfind(|c: char| c.is_whitespace() || c == ',' || c == '(')? + 1;
            (t[start..].to_string(), &t[..start])
        }
    };
    rest.trim_end()
        .to_ascii_uppercase()
        .ends_with("CONSTRAINT")
        .then_some(name)
}

/// Reads the schema of the database file.
///
/// Runs only catalog queries through `b`, so any SQLite [`Backend`] can use it (the
/// `cutover-sea-orm` crate does, over a sea-orm connection).
pub async fn introspect(b: &mut dyn Backend) -> cutover_core::Result<SchemaShape> {
    let d = Dialect::Sqlite;
    let mut s = ShapeBuilder::new();
    let tables = catalog(
        b,
        "SELECT name, sql FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
    )
    .await?;
    for t in &tables {
        let (name, sql) = (&t[0], &t[1]);
        if ShapeBuilder::is_internal(name) {
            continue;
        }
        s.add_table(name);
        let layout = catalog(
            b,
            &format!(
                "SELECT wr FROM pragma_table_list WHERE type = 'table' AND name = {}",
                lit(name)
            ),
        )
        .await?;
        if layout.iter().any(|r| r.first().is_some_and(|w| w == "1")) {
            s.set_without_rowid(name);
        }
        let cols = catalog(b, &format!("SELECT name, type, \"notnull\", dflt_value IS NOT NULL, pk FROM pragma_table_info({}) ORDER BY cid", lit(name))).await?;
        let pk_count = cols.iter().filter(|c| c[4] != "0").count();
        let mut pk: Vec<(usize, String)> = Vec::new();
        // An identity column is rendered `INTEGER PRIMARY KEY AUTOINCREMENT`.
        let autoincrement = sql.to_ascii_uppercase().contains("AUTOINCREMENT");
        for c in &cols {
            let is_pk = c[4] != "0";
            // INTEGER PRIMARY KEY is the rowid: never NULL. It counts as having a default (an
            // identity) only with AUTOINCREMENT, as the plan's model says.
            let rowid = is_pk && pk_count == 1 && c[1].eq_ignore_ascii_case("integer");
            s.add_column(
                d,
                name,
                &c[0],
                &c[1],
                // A primary-key column of a rowid table holds NULL unless it says NOT NULL
                // (SQLite's historical quirk; `notnull` is 1 in a WITHOUT ROWID table), so it
                // is nullable as the table really is: drift shows what a typed step would
                // tighten. Only the rowid itself (INTEGER PRIMARY KEY) is never NULL.
                c[2] == "0" && !rowid,
                c[3] == "1" || (rowid && autoincrement),
            );
            if is_pk {
                pk.push((c[4].parse().unwrap_or(0), c[0].clone()));
            }
        }
        pk.sort();
        for (_, c) in pk {
            s.add_primary_key_column(name, &c);
        }
        let indexes = catalog(
            b,
            &format!(
                "SELECT name, \"unique\", origin, partial FROM pragma_index_list({})",
                lit(name)
            ),
        )
        .await?;
        for i in indexes.iter().filter(|i| i[2] != "pk") {
            let cols = catalog(
                b,
                &format!("SELECT name, \"desc\" FROM pragma_index_xinfo({}) WHERE key = 1 ORDER BY seqno", lit(&i[0])),
            )
            .await?;
            let columns = cols
                .iter()
                .map(|c| {
                    if c[1] == "1" {
                        format!("{} DESC", c[0])
                    } else {
                        c[0].clone()
                    }
                })
                .collect();
            s.add_index(name, &i[0], columns, i[1] == "1", i[3] == "1");
        }
        let fks = catalog(
            b,
            &format!("SELECT id, \"table\", \"from\", \"to\", on_update, on_delete FROM pragma_foreign_key_list({}) ORDER BY id, seq", lit(name)),
        )
        .await?;
        let mut current: Option<(String, ForeignKeyShape)> = None;
        for f in fks {
            if current.as_ref().is_some_and(|(id, _)| *id != f[0])
                && let Some((_, fk)) = current.take()
            {
                s.add_foreign_key(name, fk);
            }
            let entry = current.get_or_insert_with(|| {
                (
                    f[0].clone(),
                    ForeignKeyShape {
                        columns: Vec::new(),
                        ref_table: f[1].clone(),
                        ref_columns: Vec::new(),
                        on_delete: action(&f[5]),
                        on_update: action(&f[4]),
                    },
                )
            });
            entry.1.columns.push(f[2].clone());
            entry.1.ref_columns.push(f[3].clone());
        }
        if let Some((_, fk)) = current {
            s.add_foreign_key(name, fk);
        }
        for c in checks(sql) {
            s.add_check(name, &c);
        }
        for (column, ty) in enum_columns(sql) {
            s.set_column_type(name, &column, &ty);
        }
    }
    for r in catalog(
        b,
        "SELECT type, name FROM sqlite_schema WHERE type IN ('view', 'trigger')",
    )
    .await?
    {
        if r[0] == "view" {
            s.add_view(&r[1]);
        } else {
            s.add_trigger(&r[1]);
        }
    }
    Ok(s.finish())
}

#[cfg(test)]
mod tests {
    use super::{checks, enum_columns};

    #[test]
    fn reads_enum_columns_from_their_checks() {
        let sql = r#"CREATE TABLE "t" ( "kind" TEXT NOT NULL CHECK ("kind" IN ('a', 'show reel', 'it''s')), "k" text CHECK ("k" IN (1, 2)), CONSTRAINT "named" CHECK ("x" IN ('a')) )"#;
        assert_eq!(
            enum_columns(sql),
            vec![(
                "kind".to_string(),
                "enum('a', 'show reel', 'it''s')".to_string()
            )]
        );
    }

    #[test]
    fn finds_named_and_unnamed_checks_but_not_cutovers_json_and_enum_checks() {
        let sql = r#"CREATE TABLE "t" ( "a" JSON CHECK (json_valid("a")), "j" JSON CHECK ("j" IS NULL OR json_valid("j")), "k" text CHECK ("k" IS NULL OR length(k) > 1), "body" text CHECK(length(body) > 0), "kind" TEXT CHECK ("kind" IN ('a', 'b')), CONSTRAINT "positive" CHECK ("b" > 0), CONSTRAINT "fk_x" FOREIGN KEY ("c") REFERENCES "u" ("id"), CONSTRAINT named2 CHECK (c IN ('(', 'x')) )"#;
        assert_eq!(
            checks(sql),
            vec![
                "check (\"k\" IS NULL OR length(k) > 1)".to_string(),
                "check (length(body) > 0)".to_string(),
                "positive".to_string(),
                "named2".to_string()
            ]
        );
    }
}
