//! The checksum of an imported migration's source file, computed the way its tool computes
//! it where the tool keeps one, so that an imported plan file says which file it came from.
//!
//! | tool            | recorded                                                          |
//! |-----------------|-------------------------------------------------------------------|
//! | sqlx            | SHA-384 of the up file (hex), what `_sqlx_migrations.checksum` holds |
//! | Flyway          | CRC32 over the file's lines (signed), what `flyway_schema_history.checksum` holds |
//! | Prisma          | SHA-256 of `migration.sql` (hex), what `_prisma_migrations.checksum` holds |
//! | the others      | SHA-256 of the up file (hex); dbmate, golang-migrate and refinery keep none (refinery's is a SipHash of name, version and SQL) |

use sha2::{Digest, Sha256, Sha384};

use super::Layout;

/// A source file's checksum and how it was computed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceChecksum {
    /// `sha384`, `crc32` or `sha256`.
    pub algorithm: &'static str,
    /// Whether this is the value the tool itself records in its history table.
    pub tools_own: bool,
    /// The value: lowercase hex, or a signed decimal for Flyway's CRC32.
    pub value: String,
}

impl SourceChecksum {
    /// The checksum of `bytes`, the up file of a migration read in `layout`.
    pub fn of(layout: Layout, bytes: &[u8]) -> SourceChecksum {
        match layout {
            Layout::Sqlx => SourceChecksum {
                algorithm: "sha384",
                tools_own: true,
                value: hex(&Sha384::digest(bytes)),
            },
            Layout::Flyway => SourceChecksum {
                algorithm: "crc32",
                tools_own: true,
                value: flyway_crc32(bytes).to_string(),
            },
            Layout::Prisma => SourceChecksum {
                algorithm: "sha256",
                tools_own: true,
                value: hex(&Sha256::digest(bytes)),
            },
            Layout::Dbmate | Layout::GolangMigrate | Layout::Refinery => SourceChecksum {
                algorithm: "sha256",
                tools_own: false,
                value: hex(&Sha256::digest(bytes)),
            },
        }
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Flyway's checksum: CRC32 updated with the UTF-8 bytes of every line without its line
/// break (`\n`, `\r\n` or `\r`), a leading byte-order mark dropped, as a signed 32-bit value.
fn flyway_crc32(bytes: &[u8]) -> i32 {
    let bytes = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
    let mut crc = Crc32::default();
    let mut rest = bytes;
    while !rest.is_empty() {
        let end = rest
            .iter()
            .position(|b| *b == b'\n' || *b == b'\r')
            .unwrap_or(rest.len());
        crc.update(&rest[..end]);
        let mut next = end;
        if rest.get(next) == Some(&b'\r') {
            next += 1;
            if rest.get(next) == Some(&b'\n') {
                next += 1;
            }
        } else if rest.get(next) == Some(&b'\n') {
            next += 1;
        }
        rest = &rest[next..];
    }
    crc.value() as i32
}

/// CRC-32 (IEEE 802.3, the polynomial of zlib and `java.util.zip.CRC32`).
struct Crc32(u32);

impl Default for Crc32 {
    fn default() -> Self {
        Crc32(0xFFFF_FFFF)
    }
}

impl Crc32 {
    fn update(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 ^= u32::from(*b);
            for _ in 0..8 {
                let mask = (self.0 & 1).wrapping_neg();
                self.0 = (self.0 >> 1) ^ (0xEDB8_8320 & mask);
            }
        }
    }

    fn value(&self) -> u32 {
        !self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crc32_matches_the_standard_check_value() {
        let mut c = Crc32::default();
        c.update(b"123456789");
        assert_eq!(c.value(), 0xCBF4_3926);
    }

    #[test]
    fn flyway_checksum_ignores_line_breaks_and_the_bom() {
        let lf = flyway_crc32(b"CREATE TABLE t (id int);\nINSERT INTO t VALUES (1);\n");
        let crlf =
            flyway_crc32(b"\xef\xbb\xbfCREATE TABLE t (id int);\r\nINSERT INTO t VALUES (1);");
        assert_eq!(lf, crlf);
        let mut c = Crc32::default();
        c.update(b"CREATE TABLE t (id int);INSERT INTO t VALUES (1);");
        assert_eq!(lf, c.value() as i32);
        assert_eq!(flyway_crc32(b""), 0);
    }

    #[test]
    fn sqlx_checksum_is_sha384_hex() {
        let c = SourceChecksum::of(Layout::Sqlx, b"abc");
        assert_eq!(c.algorithm, "sha384");
        assert!(c.value.starts_with("cb00753f45a35e8b"), "{}", c.value);
        assert_eq!(c.value.len(), 96);
    }
}
