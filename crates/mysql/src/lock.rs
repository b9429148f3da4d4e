//! The migration lock: a named user-level lock (`GET_LOCK`).
//!
//! `GET_LOCK` names are global to the server, so the name includes the database: a run on
//! database `b` never waits for a run on database `a`.

use sha2::{Digest, Sha256};

/// The longest lock name MySQL and MariaDB accept.
const MAX_NAME_CHARS: usize = 64;

/// The `GET_LOCK` name used for lock `key`: the key itself when it has at most 64
/// characters (the server's limit), otherwise the 64-character lowercase hex SHA-256 of
/// the key.
pub fn lock_name(key: &str) -> String {
    if key.chars().count() <= MAX_NAME_CHARS {
        return key.to_string();
    }
    Sha256::digest(key.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The `GET_LOCK` name of lock `key` (which names the history table) in database
/// `database`: [`lock_name`] of `<key>@<database>`.
pub fn scoped_lock_name(key: &str, database: &str) -> String {
    lock_name(&format!("{key}@{database}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_per_database() {
        assert_eq!(scoped_lock_name("cutover:h", "a"), "cutover:h@a");
        assert_ne!(
            scoped_lock_name("cutover:h", "a"),
            scoped_lock_name("cutover:h", "b")
        );
        assert_eq!(scoped_lock_name("k", &"d".repeat(64)).len(), 64);
    }

    #[test]
    fn long_keys_are_hashed() {
        assert_eq!(lock_name("cutover"), "cutover");
        let long = "k".repeat(65);
        let name = lock_name(&long);
        assert_eq!(name.len(), 64);
        assert!(name.chars().all(|c| c.is_ascii_hexdigit()));
        assert_eq!(
            lock_name(&"x".repeat(100)),
            lock_name(&"x".repeat(100)),
            "stable across calls"
        );
    }
}
