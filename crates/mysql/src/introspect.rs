//! Reading a MySQL/MariaDB schema (the current database) into cutover's schema shape.

use std::collections::BTreeMap;

use cutover_core::Dialect;
use cutover_core::backend::Backend;
use cutover_core::schema::{ForeignKeyShape, SchemaShape, ShapeBuilder, catalog};

const TABLES: &str = "SELECT table_name FROM information_schema.tables \
    WHERE table_schema = DATABASE() AND table_type = 'BASE TABLE'";

// MariaDB reports the string 'NULL' as the default of a nullable column without one.
const COLUMNS: &str = "SELECT c.table_name, c.column_name, c.column_type, c.is_nullable, \
    CASE WHEN (c.column_default IS NOT NULL AND c.column_default <> 'NULL') OR c.extra LIKE '%auto_increment%' \
         THEN 'true' ELSE 'false' END \
    FROM information_schema.columns c JOIN information_schema.tables t \
      ON t.table_schema = c.table_schema AND t.table_name = c.table_name AND t.table_type = 'BASE TABLE' \
    WHERE c.table_schema = DATABASE() ORDER BY c.table_name, c.ordinal_position";

const INDEX_COLUMNS: &str = "SELECT table_name, index_name, non_unique, column_name, COALESCE(collation, 'A') \
    FROM information_schema.statistics WHERE table_schema = DATABASE() \
    ORDER BY table_name, index_name, seq_in_index";

const FOREIGN_KEYS: &str = "SELECT kcu.table_name, kcu.constraint_name, kcu.column_name, kcu.referenced_table_name, \
    kcu.referenced_column_name, rc.delete_rule, rc.update_rule \
    FROM information_schema.key_column_usage kcu JOIN information_schema.referential_constraints rc \
      ON rc.constraint_schema = kcu.constraint_schema AND rc.constraint_name = kcu.constraint_name \
      AND rc.table_name = kcu.table_name \
    WHERE kcu.table_schema = DATABASE() AND kcu.referenced_table_name IS NOT NULL \
    ORDER BY kcu.table_name, kcu.constraint_name, kcu.ordinal_position";

const CHECKS: &str = "SELECT table_name, constraint_name, check_clause FROM information_schema.check_constraints \
    WHERE constraint_schema = DATABASE()";

const VIEWS: &str =
    "SELECT table_name FROM information_schema.views WHERE table_schema = DATABASE()";
const TRIGGERS: &str =
    "SELECT trigger_name FROM information_schema.triggers WHERE trigger_schema = DATABASE()";

fn action(rule: &str) -> String {
    let a = rule.to_ascii_lowercase().replace(' ', "_");
    // InnoDB treats RESTRICT and NO ACTION alike.
    if a == "restrict" {
        "no_action".into()
    } else {
        a
    }
}

/// Whether a non-unique index is the one InnoDB made by itself for a foreign key that had no
/// index: it covers exactly the key's columns and carries the key's name (a named key) or its
/// first column's name (a key declared without `CONSTRAINT name`). Such an index is not
/// drift; an index the user created under another name is.
pub(crate) fn implicit_fk_index(
    fks: &BTreeMap<(String, String), ForeignKeyShape>,
    table: &str,
    name: &str,
    columns: &[String],
) -> bool {
    fks.iter()
        .filter(|((t, _), fk)| t == table && fk.columns == columns)
        .any(|((_, fk_name), fk)| name == fk_name || fk.columns.first().is_some_and(|c| c == name))
}

/// Reads the schema of the connected database.
///
/// Runs only catalog queries through `b`, so any MySQL/MariaDB [`Backend`] can use it (the
/// `cutover-sea-orm` crate does, over a sea-orm connection).
pub async fn introspect(b: &mut dyn Backend) -> cutover_core::Result<SchemaShape> {
    let d = Dialect::Mysql;
    let mut s = ShapeBuilder::new();
    for r in catalog(b, TABLES).await? {
        s.add_table(&r[0]);
    }
    for r in catalog(b, COLUMNS).await? {
        s.add_column(d, &r[0], &r[1], &r[2], r[3] == "YES", r[4] == "true");
    }
    // MariaDB's JSON is LONGTEXT with a json_valid check named after the column.
    let checks = catalog(b, CHECKS).await.unwrap_or_default();
    for r in &checks {
        let clause = r.get(2).map(|c| c.to_ascii_lowercase()).unwrap_or_default();
        if clause.starts_with("json_valid(") {
            s.set_column_type(&r[0], &r[1], "json");
        } else {
            s.add_check(&r[0], &r[1]);
        }
    }
    let mut indexes: BTreeMap<(String, String), (bool, Vec<String>)> = BTreeMap::new();
    for r in catalog(b, INDEX_COLUMNS).await? {
        let entry = indexes
            .entry((r[0].clone(), r[1].clone()))
            .or_insert((r[2] == "0", Vec::new()));
        entry.1.push(if r[4] == "D" {
            format!("{} DESC", r[3])
        } else {
            r[3].clone()
        });
    }
    let mut fks: BTreeMap<(String, String), ForeignKeyShape> = BTreeMap::new();
    for r in catalog(b, FOREIGN_KEYS).await? {
        let fk = fks
            .entry((r[0].clone(), r[1].clone()))
            .or_insert_with(|| ForeignKeyShape {
                columns: Vec::new(),
                ref_table: r[3].clone(),
                ref_columns: Vec::new(),
                on_delete: action(&r[5]),
                on_update: action(&r[6]),
            });
        fk.columns.push(r[2].clone());
        fk.ref_columns.push(r[4].clone());
    }
    for ((table, name), (unique, columns)) in indexes {
        if name == "PRIMARY" {
            for c in columns {
                s.add_primary_key_column(&table, &c);
            }
        } else if unique || !implicit_fk_index(&fks, &table, &name, &columns) {
            s.add_index(&table, &name, columns, unique, false);
        }
    }
    for ((table, _), fk) in fks {
        s.add_foreign_key(&table, fk);
    }
    for r in catalog(b, VIEWS).await? {
        s.add_view(&r[0]);
    }
    for r in catalog(b, TRIGGERS).await? {
        s.add_trigger(&r[0]);
    }
    Ok(s.finish())
}
