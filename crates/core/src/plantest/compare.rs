//! What `cutover test` compares: table contents (order-independent) and schemas across
//! dialects modulo the documented type mappings.

use sha2::{Digest, Sha256};

use crate::backend::Backend;
use crate::error::Result;
use crate::schema::{Schema, SchemaShape, ShapeBuilder};

/// A checksum of every row of every user table, independent of row order. Columns whose
/// default is an expression (`now()`, `uuid()`) differ between runs by design and are left
/// out.
pub async fn row_checksums(
    b: &mut dyn Backend,
    shape: &SchemaShape,
    model: &Schema,
) -> Result<Vec<(String, String)>> {
    let d = b.dialect();
    let mut out = Vec::new();
    for (table, t) in shape
        .tables
        .iter()
        .filter(|(t, _)| !ShapeBuilder::is_internal(t))
    {
        let volatile = |c: &str| {
            model
                .table(table)
                .and_then(|m| m.column(c))
                .is_some_and(|m| m.default_expr.is_some())
        };
        let cols: Vec<String> = t
            .columns
            .iter()
            .filter(|c| !volatile(&c.name))
            .map(|c| d.quote(&c.name))
            .collect();
        if cols.is_empty() {
            continue;
        }
        let rows = b
            .query(&format!(
                "SELECT {} FROM {}",
                cols.join(", "),
                d.quote(table)
            ))
            .await?;
        let mut lines: Vec<String> = rows
            .rows
            .iter()
            .map(|r| {
                r.iter()
                    .map(|v| v.clone().unwrap_or_else(|| "\u{0}NULL".into()))
                    .collect::<Vec<_>>()
                    .join("\u{1}")
            })
            .collect();
        lines.sort();
        let digest = Sha256::digest(lines.join("\n").as_bytes());
        let hex: String = digest.iter().take(12).map(|b| format!("{b:02x}")).collect();
        out.push((table.clone(), format!("{} rows, {hex}", lines.len())));
    }
    Ok(out)
}

/// The shape with the differences every dialect is allowed to have folded away:
/// `timestamptz` is stored as `timestamp` on MySQL, an identity key is an `integer`
/// rowid on SQLite, arrays are JSON arrays on MySQL and SQLite, a table's storage layout
/// (WITHOUT ROWID) exists on SQLite only, and view options on PostgreSQL only.
pub fn portable_view(shape: &SchemaShape) -> SchemaShape {
    let mut s = shape.clone();
    s.view_options.clear();
    for t in s.tables.values_mut() {
        t.without_rowid = false;
        let single_key = (t.primary_key.len() == 1).then(|| t.primary_key[0].clone());
        for c in &mut t.columns {
            if c.ty == "timestamptz" {
                c.ty = "timestamp".into();
            }
            if c.ty.ends_with("[]") {
                c.ty = "json".into();
            }
            if single_key.as_deref() == Some(c.name.as_str()) && c.has_default && c.ty == "integer"
            {
                c.ty = "bigint".into();
            }
        }
    }
    s
}
