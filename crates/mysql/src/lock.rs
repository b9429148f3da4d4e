//! The migration lock: a named user-level lock (`GET_LOCK`).

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

#[cfg(test)]
mod tests {
    use super::*;

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
