//! Reading a database's schema and rows back, to compare states in tests.
//!
//! These are deliberately plain catalog queries, independent of cutover's own code, so that
//! a test checks the database and not cutover's idea of it.

use cutover_core::Dialect;
use cutover_core::backend::Backend;

/// Tables, columns (name, type, nullability) and index names, one line each, sorted.
pub async fn schema(backend: &mut dyn Backend) -> Vec<String> {
    let (columns, indexes) = match backend.dialect() {
        Dialect::Postgres => (
            "SELECT table_name, column_name, data_type, is_nullable FROM information_schema.columns \
             WHERE table_schema = 'public' ORDER BY table_name, ordinal_position",
            "SELECT tablename, indexname FROM pg_indexes WHERE schemaname = 'public' ORDER BY 1, 2",
        ),
        Dialect::Mysql => (
            "SELECT table_name, column_name, column_type, is_nullable FROM information_schema.columns \
             WHERE table_schema = DATABASE() ORDER BY table_name, ordinal_position",
            "SELECT DISTINCT table_name, index_name FROM information_schema.statistics \
             WHERE table_schema = DATABASE() ORDER BY 1, 2",
        ),
        Dialect::Sqlite => (
            "SELECT m.name, p.name, p.type, p.\"notnull\" FROM sqlite_master m \
             JOIN pragma_table_info(m.name) p WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' \
             ORDER BY m.name, p.cid",
            "SELECT tbl_name, name FROM sqlite_master WHERE type = 'index' ORDER BY 1, 2",
        ),
    };
    let mut out = Vec::new();
    for (kind, sql) in [("column", columns), ("index", indexes)] {
        let rows = backend.query(sql).await.expect("catalog query");
        for r in rows.rows {
            let parts: Vec<String> = r
                .into_iter()
                .map(|v| v.unwrap_or_else(|| "NULL".into()))
                .collect();
            out.push(format!("{kind} {}", parts.join(" ")));
        }
    }
    out.sort();
    out
}

/// Table names (excluding cutover's own bookkeeping tables), sorted.
pub async fn tables(backend: &mut dyn Backend) -> Vec<String> {
    let sql = match backend.dialect() {
        Dialect::Postgres => {
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1"
        }
        Dialect::Mysql => {
            "SELECT table_name FROM information_schema.tables WHERE table_schema = DATABASE() ORDER BY 1"
        }
        Dialect::Sqlite => {
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY 1"
        }
    };
    let rows = backend.query(sql).await.expect("table list");
    rows.rows
        .into_iter()
        .filter_map(|r| r.into_iter().next().flatten())
        .filter(|t| !t.starts_with("cutover_"))
        .collect()
}

/// Every row of `table` ordered by its first column, as text lines. On MySQL binary columns
/// are read as `HEX(..)`: cutover's MySQL adapter refuses bytes that are not UTF-8 text.
pub async fn rows(backend: &mut dyn Backend, table: &str) -> Vec<String> {
    let q = backend.dialect().quote(table);
    // One statement when no value is binary (the fault-proxy tests count statements).
    let rows = match backend
        .query(&format!("SELECT * FROM {q} ORDER BY 1"))
        .await
    {
        Ok(rows) => rows,
        Err(_) => {
            let list = select_list(backend, table).await;
            backend
                .query(&format!("SELECT {list} FROM {q} ORDER BY 1"))
                .await
                .expect("select rows")
        }
    };
    rows.rows
        .into_iter()
        .map(|r| {
            r.into_iter()
                .map(|v| v.unwrap_or_else(|| "NULL".into()))
                .collect::<Vec<_>>()
                .join("|")
        })
        .collect()
}

/// `*`, or on MySQL every column in order with binary ones as `HEX(col)`.
async fn select_list(backend: &mut dyn Backend, table: &str) -> String {
    if backend.dialect() != Dialect::Mysql {
        return "*".into();
    }
    let sql = format!(
        "SELECT column_name, data_type FROM information_schema.columns \
         WHERE table_schema = DATABASE() AND table_name = '{table}' ORDER BY ordinal_position"
    );
    let cols = backend.query(&sql).await.expect("column list");
    let binary = [
        "binary",
        "varbinary",
        "tinyblob",
        "blob",
        "mediumblob",
        "longblob",
        "bit",
    ];
    let list: Vec<String> = cols
        .rows
        .into_iter()
        .map(|r| {
            let name = r.first().cloned().flatten().unwrap_or_default();
            let ty = r.get(1).cloned().flatten().unwrap_or_default();
            let quoted = backend.dialect().quote(&name);
            if binary.contains(&ty.to_ascii_lowercase().as_str()) {
                format!("HEX({quoted})")
            } else {
                quoted
            }
        })
        .collect();
    if list.is_empty() {
        "*".into()
    } else {
        list.join(", ")
    }
}

/// A single number from a query.
pub async fn count(backend: &mut dyn Backend, sql: &str) -> i64 {
    let rows = backend
        .query(sql)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
    rows.scalar()
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("{sql}: not a number: {:?}", rows.rows))
}
