//! What a backfill's key walk must know about each dialect: which catalog types are binary,
//! and how a binary key value travels as text and back into SQL.

use super::{Mysql, Postgres, Sqlite};
use crate::backfill::KeyKind;

/// How key columns are classified, and how [`KeyKind::Bytes`] values are read and written
/// (see `backfill::keys::resolve` and `backfill::sql`).
///
/// Every key value the walk keeps (the checkpoint's cursor, batch bounds, split points, the
/// undo log's walk) is text read from the database and written back as a literal. A binary
/// value must survive that trip byte for byte and compare in the column's own order.
pub trait KeyKindDialect: Send + Sync {
    /// The kind of a key column whose catalog type (the second column of
    /// `SqlDialect::column_types_sql`, any case) is `data_type`. Default: integer types are
    /// [`KeyKind::Integer`], `bytea` and blob types [`KeyKind::Bytes`], everything else
    /// [`KeyKind::Text`].
    fn key_kind(&self, data_type: &str) -> KeyKind {
        let ty = data_type.to_ascii_lowercase();
        if ty.contains("int") {
            KeyKind::Integer
        } else if ty == "bytea" || ty.contains("blob") {
            KeyKind::Bytes
        } else {
            KeyKind::Text
        }
    }

    /// The SQL that reads binary key column `column` (quoted, maybe qualified) as text.
    /// Default: the column itself, for a driver whose text form of a binary value is
    /// already a literal of it (PostgreSQL's `\x..`, the SQLite adapter's lowercase hex).
    fn bytes_key_text(&self, column: &str) -> String {
        column.to_string()
    }

    /// SQL whose first row, if any, names the storage type of a value of key column `column`
    /// (quoted) of `table` (quoted) that is not stored as `kind` says (NULLs aside), or `None`
    /// where a column holds only its declared type (PostgreSQL, MySQL). SQLite keeps any
    /// value in any column: a text key among blobs compares below all of them, so a walk
    /// by one kind would skip or repeat rows.
    fn stray_key_value_sql(&self, table: &str, column: &str, kind: KeyKind) -> Option<String> {
        let _ = (table, column, kind);
        None
    }

    /// SQL listing the storage classes of the non-NULL values of key column `column` (quoted)
    /// of `table` (quoted), one row each, when its declared type `data_type` (as
    /// `SqlDialect::column_types_sql` gives it) converts neither stored values nor the walk's
    /// literals to one type; `None` for every other column. Core then takes the kind from
    /// the data (one class, see [`Self::class_kind`]) or refuses the key (several). Default:
    /// `None` (PostgreSQL and MySQL keep a column's declared type).
    fn untyped_key_classes_sql(
        &self,
        table: &str,
        column: &str,
        data_type: &str,
    ) -> Option<String> {
        let _ = (table, column, data_type);
        None
    }

    /// The kind of a key column all of whose values are of storage class `class` (a row of
    /// [`Self::untyped_key_classes_sql`]), or `None` when the walk cannot write such a value
    /// back as a literal that compares with it (a floating-point value read as text).
    fn class_kind(&self, class: &str) -> Option<KeyKind> {
        match class {
            "integer" => Some(KeyKind::Integer),
            "text" => Some(KeyKind::Text),
            "blob" => Some(KeyKind::Bytes),
            _ => None,
        }
    }

    /// The SQL literal of binary key value `text` (as [`Self::bytes_key_text`] read it), or
    /// `None` to write it as a string literal. Default: `None` (PostgreSQL casts `'\x..'`
    /// to `bytea` itself).
    fn bytes_key_literal(&self, text: &str) -> Option<String> {
        let _ = text;
        None
    }
}

/// `X'..'` for even-length hex text (what `HEX`/the SQLite adapter give), else `None`.
fn hex_literal(text: &str) -> Option<String> {
    (text.len().is_multiple_of(2) && text.bytes().all(|b| b.is_ascii_hexdigit()))
        .then(|| format!("X'{text}'"))
}

impl KeyKindDialect for Postgres {}

/// The adapter reads a blob as lowercase hex; `X'..'` writes it back as a blob (a string
/// literal would be text, which SQLite sorts before every blob).
impl KeyKindDialect for Sqlite {
    fn bytes_key_literal(&self, text: &str) -> Option<String> {
        hex_literal(text)
    }

    fn stray_key_value_sql(&self, table: &str, column: &str, kind: KeyKind) -> Option<String> {
        // The storage classes that do not compare with the kind's literals in key order: a
        // numeric value in a text key compares with the literal after affinity, a blob never.
        let stray = match kind {
            KeyKind::Integer => "'text', 'blob'",
            KeyKind::Text => "'blob'",
            KeyKind::Bytes => "'text', 'integer', 'real'",
        };
        Some(format!(
            "SELECT typeof({column}) FROM {table} WHERE typeof({column}) IN ({stray}) LIMIT 1"
        ))
    }

    /// A column declared without a type (affinity BLOB, "none") keeps every value as it came
    /// and no literal is converted when compared with it: integers sort before all text
    /// (`'00001'` after `99999`), text before all blobs. The walk writes its cursor back as
    /// one kind, so it needs one class.
    fn untyped_key_classes_sql(
        &self,
        table: &str,
        column: &str,
        data_type: &str,
    ) -> Option<String> {
        data_type.trim().is_empty().then(|| {
            format!("SELECT DISTINCT typeof({column}) FROM {table} WHERE {column} IS NOT NULL")
        })
    }
}

/// MySQL sends binary strings as raw bytes, which are not UTF-8 text: a binary key (a
/// `BINARY(16)` UUID) is read as `LOWER(HEX(..))` and written back as `X'..'`.
impl KeyKindDialect for Mysql {
    fn key_kind(&self, data_type: &str) -> KeyKind {
        let ty = data_type.to_ascii_lowercase();
        if ty.contains("binary") || ty.contains("blob") {
            KeyKind::Bytes
        } else if ty.contains("int") {
            KeyKind::Integer
        } else {
            KeyKind::Text
        }
    }

    fn bytes_key_text(&self, column: &str) -> String {
        format!("LOWER(HEX({column}))")
    }

    fn bytes_key_literal(&self, text: &str) -> Option<String> {
        hex_literal(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn binary_types_are_bytes() {
        for ty in [
            "binary",
            "VARBINARY",
            "blob",
            "tinyblob",
            "mediumblob",
            "longblob",
        ] {
            assert_eq!(Mysql.key_kind(ty), KeyKind::Bytes, "{ty}");
        }
        assert_eq!(Mysql.key_kind("bigint"), KeyKind::Integer);
        assert_eq!(Mysql.key_kind("char"), KeyKind::Text);
        assert_eq!(Postgres.key_kind("bytea"), KeyKind::Bytes);
        assert_eq!(Postgres.key_kind("uuid"), KeyKind::Text);
        assert_eq!(Sqlite.key_kind("BLOB"), KeyKind::Bytes);
    }

    #[test]
    fn bytes_travel_as_hex_on_mysql_and_sqlite() {
        assert_eq!(Mysql.bytes_key_text("`t`.`id`"), "LOWER(HEX(`t`.`id`))");
        assert_eq!(
            Mysql.bytes_key_literal("41c0ff").as_deref(),
            Some("X'41c0ff'")
        );
        assert_eq!(Mysql.bytes_key_literal("41c'"), None);
        assert_eq!(Mysql.bytes_key_literal("41c"), None);
        assert_eq!(Sqlite.bytes_key_literal("00ff").as_deref(), Some("X'00ff'"));
        assert_eq!(Postgres.bytes_key_text("\"id\""), "\"id\"");
        assert_eq!(Postgres.bytes_key_literal("\\x00ff"), None);
    }
}
