//! Rows for `cutover test`: every row of a table, keyed by primary key and normalised
//! ([`super::normalise`]), compared across databases after every migration and with the
//! rows from before a migration after reverting it. Tables are read and compared one at a
//! time, so memory holds one table per database; for the revert check only a hash per row
//! is kept.

use std::collections::BTreeMap;
use std::hash::{DefaultHasher, Hash, Hasher};

use crate::backend::Backend;
use crate::dialect::Dialect;
use crate::error::Result;
use crate::schema::{Schema, SchemaShape, ShapeBuilder, TableShape};
use crate::types::ColumnType;

use super::normalise::normalise;

/// Differences listed per table and comparison before the rest is only counted.
const SHOWN: usize = 5;
/// Longest value shown in a report (characters).
const VALUE_WIDTH: usize = 80;

/// The rows of one table.
#[derive(Debug, Clone, Default)]
pub(crate) struct TableRows {
    /// The compared columns, in table order.
    columns: Vec<String>,
    /// Key (`id=17`, or the whole row for a table without primary key) -> values.
    rows: BTreeMap<String, Vec<String>>,
}

/// What is kept of a database's rows to check a later revert: per table, a hash per key
/// and column. Built one table at a time, so only one table's rows are in memory at once.
#[derive(Debug, Clone, Default)]
pub(crate) struct Digest {
    tables: BTreeMap<String, TableDigest>,
}

/// The hashes of one table's values.
#[derive(Debug, Clone, Default)]
pub(crate) struct TableDigest {
    columns: Vec<String>,
    rows: BTreeMap<String, Vec<u64>>,
}

/// The user tables of `shape`, internal ones (`cutover_*`) left out.
pub(crate) fn user_tables(shape: &SchemaShape) -> impl Iterator<Item = (&String, &TableShape)> {
    shape
        .tables
        .iter()
        .filter(|(t, _)| !ShapeBuilder::is_internal(t))
}

/// Reads every row of `table` (shape `t`), normalised; `None` when no column is compared.
/// Columns whose default is an expression (`now()`, `uuid()`) differ by design and are
/// left out, and so are bytes columns (the MySQL driver returns them as lossy text).
pub(crate) async fn read_table(
    b: &mut dyn Backend,
    table: &str,
    t: &TableShape,
    model: &Schema,
) -> Result<Option<TableRows>> {
    let d = b.dialect();
    let modelled = model.table(table);
    let mut columns = Vec::new();
    let mut types = Vec::new();
    for c in &t.columns {
        let m = modelled.and_then(|m| m.column(&c.name));
        if m.is_some_and(|m| m.default_expr.is_some()) {
            continue;
        }
        let ty = m.map(|m| m.ty).or_else(|| c.ty.parse::<ColumnType>().ok());
        if ty == Some(ColumnType::Bytes) {
            continue;
        }
        columns.push(c.name.clone());
        types.push(ty);
    }
    if columns.is_empty() {
        return Ok(None);
    }
    let quoted: Vec<String> = columns.iter().map(|c| d.quote(c)).collect();
    let sql = format!("SELECT {} FROM {}", quoted.join(", "), d.quote(table));
    let result = b.query(&sql).await?;
    let key_at: Vec<usize> = t
        .primary_key
        .iter()
        .filter_map(|k| columns.iter().position(|c| c == k))
        .collect();
    let keyed = !key_at.is_empty() && key_at.len() == t.primary_key.len();
    let mut rows = BTreeMap::new();
    for raw in result.rows {
        let values: Vec<String> = raw
            .iter()
            .zip(&types)
            .map(|(v, ty)| normalise(*ty, v.as_deref()))
            .collect();
        let key = if keyed {
            key_at
                .iter()
                .map(|&i| format!("{}={}", columns[i], values[i]))
                .collect::<Vec<_>>()
                .join(" ")
        } else {
            format!("row ({})", values.join(", "))
        };
        let mut k = key.clone();
        let mut n = 1;
        while rows.contains_key(&k) {
            n += 1;
            k = format!("{key} #{n}");
        }
        rows.insert(k, values);
    }
    Ok(Some(TableRows { columns, rows }))
}

/// The digest of every user table, read one table at a time.
pub(crate) async fn digest(
    b: &mut dyn Backend,
    shape: &SchemaShape,
    model: &Schema,
) -> Result<Digest> {
    let mut tables = BTreeMap::new();
    for (table, t) in user_tables(shape) {
        if let Some(rows) = read_table(b, table, t, model).await? {
            tables.insert(table.clone(), rows.hashes());
        }
    }
    Ok(Digest { tables })
}

fn hash(value: &str) -> u64 {
    let mut h = DefaultHasher::new();
    value.hash(&mut h);
    h.finish()
}

fn show(v: &str) -> String {
    if v.chars().count() > VALUE_WIDTH {
        format!("{}..", v.chars().take(VALUE_WIDTH).collect::<String>())
    } else {
        v.to_string()
    }
}

impl Digest {
    /// The hashes of `table`, if it had comparable rows.
    pub(crate) fn table(&self, table: &str) -> Option<&TableDigest> {
        self.tables.get(table)
    }
}

impl TableRows {
    fn describe(&self, values: &[String]) -> String {
        self.columns
            .iter()
            .zip(values)
            .map(|(c, v)| format!("{c}={}", show(v)))
            .collect::<Vec<_>>()
            .join(", ")
    }

    fn hashes(&self) -> TableDigest {
        TableDigest {
            columns: self.columns.clone(),
            rows: self
                .rows
                .iter()
                .map(|(k, v)| (k.clone(), v.iter().map(|x| hash(x)).collect()))
                .collect(),
        }
    }

    /// How these rows of `table` differ from `before` (`when` says which state that was,
    /// e.g. `before 0004`): rows gone, new, or changed, by key and column. Columns for
    /// which `skip` is true (their data was destroyed on the way) are not compared.
    pub(crate) fn changes_since(
        &self,
        table: &str,
        before: &TableDigest,
        when: &str,
        skip: &dyn Fn(&str) -> bool,
    ) -> Vec<String> {
        let common: Vec<(usize, usize, &String)> = self
            .columns
            .iter()
            .enumerate()
            .filter(|(_, c)| !skip(c))
            .filter_map(|(i, c)| {
                before
                    .columns
                    .iter()
                    .position(|x| x == c)
                    .map(|j| (i, j, c))
            })
            .collect();
        let mut lines = Vec::new();
        for (key, then) in &before.rows {
            let Some(now) = self.rows.get(key) else {
                lines.push(format!("{table} {key}: was there {when}, is gone"));
                continue;
            };
            for (i, j, c) in &common {
                if hash(&now[*i]) != then[*j] {
                    lines.push(format!(
                        "{table} {key} column {c}: differs from {when}; now {}",
                        show(&now[*i])
                    ));
                }
            }
        }
        for (key, v) in &self.rows {
            if !before.rows.contains_key(key) {
                lines.push(format!(
                    "{table} {key}: was not there {when}; now {}",
                    self.describe(v)
                ));
            }
        }
        limited(table, lines)
    }

    /// Differences between two databases' rows of `table`, by key and column:
    /// `messages id=17 column body: postgres 'a' vs sqlite NULL`. Columns on one side only
    /// are the schema comparison's business and are skipped.
    pub(crate) fn differences(
        &self,
        table: &str,
        a: Dialect,
        other: &TableRows,
        b: Dialect,
    ) -> Vec<String> {
        let common: Vec<(usize, usize, &String)> = self
            .columns
            .iter()
            .enumerate()
            .filter_map(|(i, c)| other.columns.iter().position(|x| x == c).map(|j| (i, j, c)))
            .collect();
        let mut lines = Vec::new();
        for (key, va) in &self.rows {
            let Some(vb) = other.rows.get(key) else {
                lines.push(format!(
                    "{table} {key}: on {a} ({}), missing on {b}",
                    self.describe(va)
                ));
                continue;
            };
            for (i, j, c) in &common {
                if va[*i] != vb[*j] {
                    lines.push(format!(
                        "{table} {key} column {c}: {a} {} vs {b} {}",
                        show(&va[*i]),
                        show(&vb[*j])
                    ));
                }
            }
        }
        for (key, vb) in &other.rows {
            if !self.rows.contains_key(key) {
                lines.push(format!(
                    "{table} {key}: on {b} ({}), missing on {a}",
                    other.describe(vb)
                ));
            }
        }
        limited(table, lines)
    }
}

/// The first [`SHOWN`] lines, then a count of the rest.
fn limited(table: &str, mut lines: Vec<String>) -> Vec<String> {
    let more = lines.len().saturating_sub(SHOWN);
    lines.truncate(SHOWN);
    if more > 0 {
        lines.push(format!("{table}: {more} more difference(s)"));
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(rows: &[(&str, &[&str])]) -> TableRows {
        let mut t = TableRows {
            columns: vec!["id".into(), "body".into()],
            rows: BTreeMap::new(),
        };
        for (k, v) in rows {
            t.rows
                .insert((*k).into(), v.iter().map(|s| (*s).to_string()).collect());
        }
        t
    }

    #[test]
    fn names_table_key_column_and_both_values() {
        let a = rows(&[("id=1", &["1", "x"]), ("id=2", &["2", "y"])]);
        let b = rows(&[("id=1", &["1", "NULL"])]);
        assert_eq!(
            a.differences("m", Dialect::Postgres, &b, Dialect::Sqlite),
            vec![
                "m id=1 column body: postgres x vs sqlite NULL".to_string(),
                "m id=2: on postgres (id=2, body=y), missing on sqlite".to_string(),
            ]
        );
        assert!(
            a.differences("m", Dialect::Postgres, &a.clone(), Dialect::Mysql)
                .is_empty()
        );
    }

    #[test]
    fn a_revert_is_checked_against_the_hashes() {
        let before = rows(&[("id=1", &["1", "x"])]).hashes();
        let after = rows(&[("id=1", &["1", "z"]), ("id=3", &["3", "w"])]);
        assert_eq!(
            after.changes_since("m", &before, "before 0002", &|_| false),
            vec![
                "m id=1 column body: differs from before 0002; now z".to_string(),
                "m id=3: was not there before 0002; now id=3, body=w".to_string(),
            ]
        );
        // A column whose data a migration destroyed is not compared.
        assert_eq!(
            after.changes_since("m", &before, "before 0002", &|c| c == "body"),
            vec!["m id=3: was not there before 0002; now id=3, body=w".to_string()]
        );
        assert!(
            rows(&[("id=1", &["1", "x"])])
                .changes_since("m", &before, "x", &|_| false)
                .is_empty()
        );
    }

    #[test]
    fn long_lists_are_cut_and_counted() {
        let many: Vec<String> = (0..8).map(|i| format!("line {i}")).collect();
        let out = limited("m", many);
        assert_eq!(out.len(), SHOWN + 1);
        assert_eq!(out[SHOWN], "m: 3 more difference(s)");
    }
}
