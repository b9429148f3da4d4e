//! The migration lock: a session-level advisory lock.

use sha2::{Digest, Sha256};

/// The advisory lock id of lock `key`: the first 8 bytes of SHA-256(`key`) read as a
/// big-endian `i64`.
///
/// Every cutover process derives the same id from the same key, so the lock is visible in
/// `pg_locks` as `classid = (id >> 32)`, `objid = (id & 0xffffffff)`, `objsubid = 1`.
pub fn advisory_key(key: &str) -> i64 {
    let digest = Sha256::digest(key.as_bytes());
    let mut first = [0u8; 8];
    first.copy_from_slice(&digest[..8]);
    i64::from_be_bytes(first)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_is_sha256_prefix() {
        // SHA-256("abc") = ba7816bf8f01cfea 414140de...
        assert_eq!(
            advisory_key("abc"),
            i64::from_be_bytes([0xba, 0x78, 0x16, 0xbf, 0x8f, 0x01, 0xcf, 0xea])
        );
        assert_ne!(advisory_key("a"), advisory_key("b"));
    }
}
