//! What a backfill's key walk must know about each dialect: which catalog types are binary,
//! and whether the driver's text form of a binary value can be written back as a key.

use super::{Mysql, Postgres, Sqlite};
use crate::backfill::KeyKind;

/// How key columns are classified and which kinds a dialect can walk (see
/// `backfill::keys::resolve`).
pub trait KeyKindDialect: Send + Sync {
    /// The kind of a key column whose catalog type (the second column of
    /// `SqlDialect::column_types_sql`, any case) is `data_type`. Default: integer types are
    /// [`KeyKind::Integer`], everything else [`KeyKind::Text`].
    fn key_kind(&self, data_type: &str) -> KeyKind {
        if data_type.to_ascii_lowercase().contains("int") {
            KeyKind::Integer
        } else {
            KeyKind::Text
        }
    }

    /// Whether the values of a [`KeyKind::Bytes`] key survive the trip the walk gives every
    /// key value: read as text, stored in the checkpoint, written back as a literal.
    /// Default: yes (PostgreSQL reads `bytea` as `\x..` text, which a literal casts back;
    /// SQLite's adapter reads a blob as hex).
    fn binary_keys_round_trip(&self) -> bool {
        true
    }
}

impl KeyKindDialect for Postgres {}

impl KeyKindDialect for Sqlite {}

/// MySQL sends binary strings as raw bytes: a key such as a `BINARY(16)` UUID is not UTF-8
/// text, so its text form would not compare (or even read) as the stored value.
impl KeyKindDialect for Mysql {
    fn key_kind(&self, data_type: &str) -> KeyKind {
        let ty = data_type.to_ascii_lowercase();
        if ty == "bit" || ty.contains("binary") || ty.contains("blob") {
            KeyKind::Bytes
        } else if ty.contains("int") {
            KeyKind::Integer
        } else {
            KeyKind::Text
        }
    }

    fn binary_keys_round_trip(&self) -> bool {
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mysql_binary_types_are_bytes() {
        for ty in [
            "binary",
            "VARBINARY",
            "blob",
            "tinyblob",
            "mediumblob",
            "longblob",
            "bit",
        ] {
            assert_eq!(Mysql.key_kind(ty), KeyKind::Bytes, "{ty}");
        }
        assert_eq!(Mysql.key_kind("bigint"), KeyKind::Integer);
        assert_eq!(Mysql.key_kind("char"), KeyKind::Text);
        assert_eq!(Mysql.key_kind("varchar"), KeyKind::Text);
        assert!(!Mysql.binary_keys_round_trip());
        assert_eq!(Postgres.key_kind("bytea"), KeyKind::Text);
        assert!(Postgres.binary_keys_round_trip());
        assert!(Sqlite.binary_keys_round_trip());
    }
}
