//! What a column type change costs per dialect (whether it loses data is
//! [`ColumnType::is_narrowing_to`]).

use crate::types::ColumnType;

/// Whether PostgreSQL rewrites the table (and its indexes) for the change, holding an
/// ACCESS EXCLUSIVE lock. Only binary-compatible changes are free.
pub(crate) fn pg_rewrites(old: ColumnType, new: ColumnType) -> bool {
    use ColumnType::*;
    match (old, new) {
        (a, b) if a == b => false,
        (Varchar(n), Varchar(m)) => m < n,
        (Varchar(_), Text) => false,
        (Decimal(p, s), Decimal(p2, s2)) => !(s2 == s && p2 >= p),
        // `ALTER TYPE .. ADD VALUE` (see render/enum_alter.rs); other changes go through text.
        (Enum(a), Enum(b)) => !a.only_added_in(b),
        _ => true,
    }
}

/// Whether MySQL/InnoDB changes the type with ALGORITHM=COPY (blocking writes). Growing a
/// VARCHAR in place works while its length prefix keeps its size (up to 255 bytes, i.e. 63
/// characters in utf8mb4, or beyond on both sides).
pub(crate) fn mysql_copies(old: ColumnType, new: ColumnType) -> bool {
    use ColumnType::*;
    match (old, new) {
        (a, b) if a == b => false,
        (Varchar(n), Varchar(m)) => m < n || ((n <= 63) != (m <= 63)),
        // Values appended at the end change only the table's metadata.
        (Enum(a), Enum(b)) => !b.values().starts_with(a.values()),
        // Every array is a json column there.
        (Array(_), Array(_)) => false,
        _ => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ColumnType::*;

    #[test]
    fn binary_compatible_changes_are_free() {
        assert!(!pg_rewrites(Varchar(10), Text));
        assert!(pg_rewrites(Integer, BigInt));
        assert!(!mysql_copies(Varchar(10), Varchar(60)));
        assert!(mysql_copies(Varchar(60), Varchar(100)));
        let e = |s: &str| s.parse::<ColumnType>().expect(s);
        assert!(!pg_rewrites(e("enum(a, b)"), e("enum(x, a, b)")));
        assert!(pg_rewrites(e("enum(a, b)"), e("enum(b, a)")));
        assert!(!mysql_copies(e("enum(a, b)"), e("enum(a, b, c)")));
        assert!(mysql_copies(e("enum(a, b)"), e("enum(x, a, b)")));
    }
}
