//! Fixture files: seed rows that `cutover test` loads into its scratch databases.
//!
//! A fixture file is TOML. Every array of tables is one table's rows, in file order:
//!
//! ```toml
//! [[messages]]
//! id = 1
//! body = "hello"
//! sent_at = 2024-05-01T10:20:30Z
//! meta = { lang = "en" }          # a json column takes any TOML value
//!
//! [load_after]
//! messages = "0004"               # optional: load after 0004 instead of after the
//!                                 # migration that creates the table
//! ```
//!
//! This module only reads the file and remembers where every value was written; typing the
//! values against the plan's schema happens in [`super::seed`].

use std::path::{Path, PathBuf};

use crate::error::{Error, Location, Result};
use crate::plan::SourceMap;
use crate::plan::Version;

/// The reserved top-level table that moves a table's rows to a later migration.
pub const LOAD_AFTER: &str = "load_after";

/// One value of a fixture row and the line it is written on.
#[derive(Debug, Clone, PartialEq)]
pub struct FixtureValue {
    /// The column.
    pub column: String,
    /// The value as written.
    pub value: toml::Value,
    /// 1-based line.
    pub line: usize,
}

/// One row of a fixture table.
#[derive(Debug, Clone, PartialEq)]
pub struct FixtureRow {
    /// 1-based line of the row's `[[table]]` header (or inline table).
    pub line: usize,
    /// Its values, in file order.
    pub values: Vec<FixtureValue>,
}

/// The rows one fixture file gives one table.
#[derive(Debug, Clone, PartialEq)]
pub struct FixtureTable {
    /// The file.
    pub file: PathBuf,
    /// The table.
    pub table: String,
    /// 1-based line of the table's first row.
    pub line: usize,
    /// `load_after` for this table, with its line.
    pub after: Option<(Version, usize)>,
    /// The rows.
    pub rows: Vec<FixtureRow>,
}

/// Every fixture table of every file, in the order given.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Fixtures {
    /// The tables, file by file.
    pub tables: Vec<FixtureTable>,
}

impl Fixtures {
    /// Reads and parses each file.
    pub fn load(paths: &[PathBuf]) -> Result<Fixtures> {
        let mut tables = Vec::new();
        for path in paths {
            let src = std::fs::read_to_string(path).map_err(|source| Error::Io {
                path: path.clone(),
                source,
            })?;
            tables.extend(parse(path, &src)?);
        }
        Ok(Fixtures { tables })
    }

    /// Whether there are no rows to load.
    pub fn is_empty(&self) -> bool {
        self.tables.iter().all(|t| t.rows.is_empty())
    }
}

fn error(file: &Path, line: Option<usize>, message: String) -> Error {
    Error::Plan {
        location: Location {
            file: file.to_path_buf(),
            line,
        },
        message,
    }
}

/// Parses one fixture file.
pub fn parse(file: &Path, src: &str) -> Result<Vec<FixtureTable>> {
    let map = SourceMap::new(src);
    let doc: toml::Table = toml::from_str(src).map_err(|e| {
        let line = e.span().map(|s| map.line_of_offset(s.start));
        error(file, line, format!("invalid fixture file: {}", e.message()))
    })?;
    let after = load_after(file, &map, doc.get(LOAD_AFTER))?;
    let mut out = Vec::new();
    for (table, value) in &doc {
        if table == LOAD_AFTER {
            continue;
        }
        let key_line = map.key_line(0..map.top_level_end(), table);
        let Some(items) = value.as_array() else {
            return Err(error(
                file,
                key_line,
                format!(
                    "`{table}` must be rows: write each row as a `[[{table}]]` table (or `{table} = [{{ .. }}, ..]`)"
                ),
            ));
        };
        let mut rows = Vec::new();
        for (i, item) in items.iter().enumerate() {
            let line = map.field_line(table, i, None).or(key_line).unwrap_or(1);
            let Some(cells) = item.as_table() else {
                return Err(error(
                    file,
                    Some(line),
                    format!(
                        "row {} of `{table}` is not a table of column = value",
                        i + 1
                    ),
                ));
            };
            let values = cells
                .iter()
                .map(|(column, value)| FixtureValue {
                    column: column.clone(),
                    value: value.clone(),
                    line: map.field_line(table, i, Some(column)).unwrap_or(line),
                })
                .collect();
            rows.push(FixtureRow { line, values });
        }
        out.push(FixtureTable {
            file: file.to_path_buf(),
            table: table.clone(),
            line: rows.first().map_or(key_line.unwrap_or(1), |r| r.line),
            after: after.iter().find(|a| a.0 == *table).map(|a| a.1.clone()),
            rows,
        });
    }
    if let Some((table, (_, line))) = after
        .iter()
        .find(|(t, _)| !out.iter().any(|o| o.table == *t))
    {
        return Err(error(
            file,
            Some(*line),
            format!("`{LOAD_AFTER}` names `{table}`, which has no rows in this file"),
        ));
    }
    Ok(out)
}

/// Reads `[load_after]`: table name -> migration version.
fn load_after(
    file: &Path,
    map: &SourceMap<'_>,
    value: Option<&toml::Value>,
) -> Result<Vec<(String, (Version, usize))>> {
    let Some(value) = value else {
        return Ok(Vec::new());
    };
    let section = map.key_line(0..map.top_level_end(), LOAD_AFTER);
    let Some(entries) = value.as_table() else {
        return Err(error(
            file,
            section,
            format!("`{LOAD_AFTER}` must be a table: `[{LOAD_AFTER}]` then `table = \"0004\"`"),
        ));
    };
    let header = map.header_line(LOAD_AFTER);
    let mut out = Vec::new();
    for (table, v) in entries {
        let line = header
            .and_then(|h| map.key_line(h..usize::MAX, table))
            .or(section)
            .unwrap_or(1);
        let version = v.as_str().and_then(Version::parse).ok_or_else(|| {
            error(
                file,
                Some(line),
                format!(
                    "`{LOAD_AFTER}.{table}` must be a migration version in quotes, e.g. `{table} = \"0004\"`"
                ),
            )
        })?;
        out.push((table.clone(), (version, line)));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_str(src: &str) -> Result<Vec<FixtureTable>> {
        parse(Path::new("seed.toml"), src)
    }

    #[test]
    fn reads_rows_with_lines_and_load_after() {
        let t = parse_str(
            "[[messages]]\nid = 1\nbody = \"a\"\n\n[[messages]]\nid = 2\nbody = \"b\"\n\n[load_after]\nmessages = \"0004\"\n",
        )
        .expect("parses");
        assert_eq!(t.len(), 1);
        assert_eq!(t[0].table, "messages");
        assert_eq!(t[0].rows.len(), 2);
        assert_eq!(t[0].rows[1].line, 5);
        assert_eq!(t[0].rows[1].values[1].column, "body");
        assert_eq!(t[0].rows[1].values[1].line, 7);
        assert_eq!(
            t[0].after.as_ref().map(|a| (a.0.text.as_str(), a.1)),
            Some(("0004", 10))
        );
    }

    #[test]
    fn errors_name_file_and_line() {
        let e = parse_str("[[t]]\nid = 1\n[load_after]\nt = 4\n").unwrap_err();
        assert_eq!(
            e.to_string(),
            "seed.toml:4: `load_after.t` must be a migration version in quotes, e.g. `t = \"0004\"`"
        );
        let e = parse_str("t = 3\n").unwrap_err();
        assert!(
            e.to_string().starts_with("seed.toml:1: `t` must be rows"),
            "{e}"
        );
        let e = parse_str("[[t]]\nid = \n").unwrap_err();
        assert!(
            e.to_string()
                .starts_with("seed.toml:2: invalid fixture file"),
            "{e}"
        );
    }
}
