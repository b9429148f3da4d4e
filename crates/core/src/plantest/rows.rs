//! Row snapshots for `cutover test`: every row of every table, keyed by primary key and
//! normalised ([`super::normalise`]), compared across databases after every migration and
//! with the rows from before a migration after reverting it.

use std::collections::BTreeMap;
use std::hash::{DefaultHasher, Hash, Hasher};

use crate::backend::Backend;
use crate::dialect::Dialect;
use crate::error::Result;
use crate::schema::{Schema, SchemaShape, ShapeBuilder};
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

/// The rows of every user table of one database.
#[derive(Debug, Clone, Default)]
pub(crate) struct Snapshot {
    tables: BTreeMap<String, TableRows>,
}

/// What is kept of a snapshot to check a later revert: per table, a hash per key.
#[derive(Debug, Clone, Default)]
pub(crate) struct Digest {
    tables: BTreeMap<String, BTreeMap<String, u64>>,
}

/// Reads every row of every user table. Columns whose default is an expression
/// (`now()`, `uuid()`) differ by design and are left out, and so are bytes columns (the
/// MySQL driver returns them as lossy text).
pub(crate) async fn snapshot(
    b: &mut dyn Backend,
    shape: &SchemaShape,
    model: &Schema,
) -> Result<Snapshot> {
    let d = b.dialect();
    let mut tables = BTreeMap::new();
    for (table, t) in shape
        .tables
        .iter()
        .filter(|(t, _)| !ShapeBuilder::is_internal(t))
    {
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
            continue;
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
        for raw in &result.rows {
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
        tables.insert(table.clone(), TableRows { columns, rows });
    }
    Ok(Snapshot { tables })
}

fn hash(values: &[String]) -> u64 {
    let mut h = DefaultHasher::new();
    values.hash(&mut h);
    h.finish()
}

fn show(v: &str) -> String {
    if v.chars().count() > VALUE_WIDTH {
        format!("{}..", v.chars().take(VALUE_WIDTH).collect::<String>())
    } else {
        v.to_string()
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
}

impl Snapshot {
    /// The per-key hashes to compare a later state with.
    pub(crate) fn digest(&self) -> Digest {
        let tables = self
            .tables
            .iter()
            .map(|(t, rows)| {
                let keys = rows
                    .rows
                    .iter()
                    .map(|(k, v)| (k.clone(), hash(v)))
                    .collect();
                (t.clone(), keys)
            })
            .collect();
        Digest { tables }
    }

    /// How this snapshot differs from `before` (`when` says which state that was, e.g.
    /// `before 0004`): rows gone, new, or changed, by key. Tables on one side only are the
    /// schema check's business and are skipped here.
    pub(crate) fn changes_since(&self, before: &Digest, when: &str) -> Vec<String> {
        let mut out = Vec::new();
        for (table, now) in &self.tables {
            let Some(then) = before.tables.get(table) else {
                continue;
            };
            let mut lines = Vec::new();
            for (key, h) in then {
                match now.rows.get(key) {
                    None => lines.push(format!("{table} {key}: was there {when}, is gone")),
                    Some(v) if hash(v) != *h => lines.push(format!(
                        "{table} {key}: differs from {when}; now {}",
                        now.describe(v)
                    )),
                    Some(_) => {}
                }
            }
            for (key, v) in &now.rows {
                if !then.contains_key(key) {
                    lines.push(format!(
                        "{table} {key}: was not there {when}; now {}",
                        now.describe(v)
                    ));
                }
            }
            push_limited(&mut out, table, lines);
        }
        out
    }

    /// Differences between two databases' rows, by table, key and column:
    /// `messages id=17 column body: postgres 'a' vs sqlite NULL`.
    pub(crate) fn differences(&self, a: Dialect, other: &Snapshot, b: Dialect) -> Vec<String> {
        let mut out = Vec::new();
        for (table, ra) in &self.tables {
            let Some(rb) = other.tables.get(table) else {
                continue;
            };
            // Columns on one side only are the schema comparison's business.
            let common: Vec<(usize, usize, &String)> = ra
                .columns
                .iter()
                .enumerate()
                .filter_map(|(i, c)| rb.columns.iter().position(|x| x == c).map(|j| (i, j, c)))
                .collect();
            let mut lines = Vec::new();
            for (key, va) in &ra.rows {
                let Some(vb) = rb.rows.get(key) else {
                    lines.push(format!(
                        "{table} {key}: on {a} ({}), missing on {b}",
                        ra.describe(va)
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
            for (key, vb) in &rb.rows {
                if !ra.rows.contains_key(key) {
                    lines.push(format!(
                        "{table} {key}: on {b} ({}), missing on {a}",
                        rb.describe(vb)
                    ));
                }
            }
            push_limited(&mut out, table, lines);
        }
        out
    }
}

fn push_limited(out: &mut Vec<String>, table: &str, lines: Vec<String>) {
    let more = lines.len().saturating_sub(SHOWN);
    out.extend(lines.into_iter().take(SHOWN));
    if more > 0 {
        out.push(format!("{table}: {more} more difference(s)"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn snap(rows: &[(&str, &[&str])]) -> Snapshot {
        let mut t = TableRows {
            columns: vec!["id".into(), "body".into()],
            rows: BTreeMap::new(),
        };
        for (k, v) in rows {
            t.rows
                .insert((*k).into(), v.iter().map(|s| (*s).to_string()).collect());
        }
        Snapshot {
            tables: BTreeMap::from([("m".to_string(), t)]),
        }
    }

    #[test]
    fn names_table_key_column_and_both_values() {
        let a = snap(&[("id=1", &["1", "x"]), ("id=2", &["2", "y"])]);
        let b = snap(&[("id=1", &["1", "NULL"])]);
        assert_eq!(
            a.differences(Dialect::Postgres, &b, Dialect::Sqlite),
            vec![
                "m id=1 column body: postgres x vs sqlite NULL".to_string(),
                "m id=2: on postgres (id=2, body=y), missing on sqlite".to_string(),
            ]
        );
        assert!(
            a.differences(Dialect::Postgres, &a.clone(), Dialect::Mysql)
                .is_empty()
        );
    }

    #[test]
    fn a_revert_is_checked_against_the_digest() {
        let before = snap(&[("id=1", &["1", "x"])]).digest();
        let after = snap(&[("id=1", &["1", "z"]), ("id=3", &["3", "w"])]);
        assert_eq!(
            after.changes_since(&before, "before 0002"),
            vec![
                "m id=1: differs from before 0002; now id=1, body=z".to_string(),
                "m id=3: was not there before 0002; now id=3, body=w".to_string(),
            ]
        );
        assert!(
            snap(&[("id=1", &["1", "x"])])
                .changes_since(&before, "x")
                .is_empty()
        );
    }
}
