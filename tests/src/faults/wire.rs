//! Splitting what a client sends into protocol messages, and telling statements apart.
//!
//! Only the client-to-server direction is parsed; replies are forwarded as bytes. Nothing
//! here understands TLS: the proxied URLs are plain TCP (cutover's PostgreSQL adapter never
//! uses TLS, and MySQL URLs without `ssl-mode`/`require_ssl` do not either).

/// The wire protocol a proxy speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Protocol {
    /// The PostgreSQL frontend/backend protocol, version 3.
    Postgres,
    /// The MySQL client/server protocol (MariaDB speaks it too), uncompressed.
    Mysql,
}

/// What one client message means to the fault proxy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Handshake, authentication, `Sync` of a statement close, `Terminate`, ...: not counted.
    Other,
    /// A statement the server executes: a PostgreSQL simple query (`Q`) or an extended-protocol
    /// group (`Parse`/`Bind`/`Execute` ... `Sync`) that parses or executes something; a MySQL
    /// `COM_QUERY` or `COM_STMT_EXECUTE`.
    Statement {
        /// Whether the statement is a `COMMIT`.
        commit: bool,
    },
}

/// One complete client message (for PostgreSQL's extended protocol: a whole group up to and
/// including its `Sync`), as it is forwarded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    /// The raw bytes, header included.
    pub bytes: Vec<u8>,
    /// What it is.
    pub kind: Kind,
}

/// PostgreSQL protocol codes of the untyped messages a client may send first.
const PG_SSL_REQUEST: u32 = 80_877_103;
const PG_GSSENC_REQUEST: u32 = 80_877_104;

/// MySQL command bytes that execute a statement.
const COM_QUERY: u8 = 0x03;
const COM_STMT_EXECUTE: u8 = 0x17;

/// Accumulates a client's bytes and hands out complete messages.
#[derive(Debug)]
pub struct Framer {
    protocol: Protocol,
    buf: Vec<u8>,
    /// PostgreSQL: the next message is untyped (startup, SSL or GSS request).
    startup: bool,
    /// PostgreSQL: the extended-protocol group collected so far.
    group: Vec<u8>,
    /// PostgreSQL: the group contains a `Parse` or an `Execute`.
    group_counts: bool,
    /// PostgreSQL: the group parses a `COMMIT`.
    group_commit: bool,
}

impl Framer {
    /// A framer at the start of a connection.
    pub fn new(protocol: Protocol) -> Framer {
        Framer {
            protocol,
            buf: Vec::new(),
            startup: true,
            group: Vec::new(),
            group_counts: false,
            group_commit: false,
        }
    }

    /// Appends bytes read from the client.
    pub fn push(&mut self, bytes: &[u8]) {
        self.buf.extend_from_slice(bytes);
    }

    /// The next complete message, if the buffer holds one.
    pub fn next_message(&mut self) -> Option<Message> {
        loop {
            let message = match self.protocol {
                Protocol::Postgres => self.next_postgres()?,
                Protocol::Mysql => return self.next_mysql(),
            };
            if message.is_some() {
                return message;
            }
        }
    }

    /// Takes `len` bytes off the front of the buffer.
    fn take(&mut self, len: usize) -> Vec<u8> {
        self.buf.drain(..len).collect()
    }

    /// `None`: more bytes are needed. `Some(None)`: a message went into the current
    /// extended-protocol group. `Some(Some(m))`: a message to forward.
    fn next_postgres(&mut self) -> Option<Option<Message>> {
        if self.startup {
            let len = be_u32(self.buf.get(..4)?) as usize;
            if self.buf.len() < len.max(8) {
                return None;
            }
            let bytes = self.take(len.max(8));
            let code = be_u32(&bytes[4..8]);
            // After an SSL or GSS request (answered `N` for a plain connection) the real
            // startup message follows.
            self.startup = code == PG_SSL_REQUEST || code == PG_GSSENC_REQUEST;
            return Some(Some(Message {
                bytes,
                kind: Kind::Other,
            }));
        }
        let header = self.buf.get(..5)?;
        let (tag, len) = (header[0], be_u32(&header[1..5]) as usize);
        if self.buf.len() < 1 + len.max(4) {
            return None;
        }
        let bytes = self.take(1 + len.max(4));
        let body = &bytes[5..];
        match tag {
            b'Q' => Some(Some(Message {
                kind: Kind::Statement {
                    commit: is_commit(cstr(body)),
                },
                bytes,
            })),
            b'P' | b'B' | b'D' | b'E' | b'C' => {
                if tag == b'P' {
                    // Parse: statement name, then the query text.
                    let name_end = body.iter().position(|b| *b == 0).unwrap_or(body.len());
                    let query = cstr(body.get(name_end + 1..).unwrap_or_default());
                    self.group_commit |= is_commit(query);
                }
                self.group_counts |= tag == b'P' || tag == b'E';
                self.group.extend_from_slice(&bytes);
                Some(None)
            }
            b'S' | b'H' => {
                self.group.extend_from_slice(&bytes);
                let kind = if self.group_counts {
                    Kind::Statement {
                        commit: self.group_commit,
                    }
                } else {
                    Kind::Other
                };
                self.group_counts = false;
                self.group_commit = false;
                Some(Some(Message {
                    bytes: std::mem::take(&mut self.group),
                    kind,
                }))
            }
            _ => Some(Some(Message {
                bytes,
                kind: Kind::Other,
            })),
        }
    }

    /// One MySQL packet. A packet with sequence id 0 starts a command (the handshake
    /// response and authentication packets have higher ids).
    fn next_mysql(&mut self) -> Option<Message> {
        let header = self.buf.get(..4)?;
        let len =
            usize::from(header[0]) | usize::from(header[1]) << 8 | usize::from(header[2]) << 16;
        let seq = header[3];
        if self.buf.len() < 4 + len {
            return None;
        }
        let bytes = self.take(4 + len);
        let kind = match (seq, bytes.get(4)) {
            (0, Some(&COM_QUERY)) => Kind::Statement {
                commit: is_commit(&bytes[5..]),
            },
            (0, Some(&COM_STMT_EXECUTE)) => Kind::Statement { commit: false },
            _ => Kind::Other,
        };
        Some(Message { bytes, kind })
    }
}

fn be_u32(b: &[u8]) -> u32 {
    u32::from_be_bytes([b[0], b[1], b[2], b[3]])
}

/// The bytes up to the first NUL.
fn cstr(b: &[u8]) -> &[u8] {
    &b[..b.iter().position(|c| *c == 0).unwrap_or(b.len())]
}

/// Whether `sql` is a `COMMIT` statement (case, blanks and a trailing `;` ignored).
pub fn is_commit(sql: &[u8]) -> bool {
    let text = String::from_utf8_lossy(sql);
    let text = text.trim().trim_end_matches(';').trim();
    text.eq_ignore_ascii_case("commit") || text.eq_ignore_ascii_case("commit work")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pg(tag: u8, body: &[u8]) -> Vec<u8> {
        let mut out = vec![tag];
        out.extend_from_slice(&(body.len() as u32 + 4).to_be_bytes());
        out.extend_from_slice(body);
        out
    }

    fn startup() -> Vec<u8> {
        let body = b"\0\x03\0\0user\0postgres\0\0";
        let mut out = (body.len() as u32 + 4).to_be_bytes().to_vec();
        out.extend_from_slice(body);
        out
    }

    fn all(framer: &mut Framer) -> Vec<Kind> {
        std::iter::from_fn(|| framer.next_message())
            .map(|m| m.kind)
            .collect()
    }

    #[test]
    fn postgres_statements_are_queries_and_extended_groups() {
        let mut f = Framer::new(Protocol::Postgres);
        let mut bytes = startup();
        bytes.extend(pg(b'p', b"secret\0"));
        bytes.extend(pg(b'Q', b"SELECT 1\0"));
        bytes.extend(pg(b'P', b"\0SELECT pg_try_advisory_lock($1)\0\0\0"));
        bytes.extend(pg(b'D', b"S\0"));
        bytes.extend(pg(b'S', b""));
        bytes.extend(pg(b'B', b"\0\0\0\0\0\0\0\0"));
        bytes.extend(pg(b'E', b"\0\0\0\0\0"));
        bytes.extend(pg(b'S', b""));
        bytes.extend(pg(b'C', b"Ss1\0"));
        bytes.extend(pg(b'S', b""));
        bytes.extend(pg(b'Q', b" commit; \0"));
        bytes.extend(pg(b'X', b""));
        // Byte by byte: nothing comes out before a message is complete.
        for b in &bytes {
            f.push(std::slice::from_ref(b));
        }
        let statement = Kind::Statement { commit: false };
        assert_eq!(
            all(&mut f),
            [
                Kind::Other,
                Kind::Other,
                statement,
                statement,
                statement,
                Kind::Other,
                Kind::Statement { commit: true },
                Kind::Other,
            ]
        );
    }

    #[test]
    fn postgres_ssl_request_is_followed_by_the_startup_message() {
        let mut f = Framer::new(Protocol::Postgres);
        let mut bytes = 8u32.to_be_bytes().to_vec();
        bytes.extend(PG_SSL_REQUEST.to_be_bytes());
        bytes.extend(startup());
        bytes.extend(pg(b'Q', b"BEGIN\0"));
        f.push(&bytes);
        let kinds = all(&mut f);
        assert_eq!(kinds[..2], [Kind::Other, Kind::Other]);
        assert_eq!(kinds[2], Kind::Statement { commit: false });
    }

    #[test]
    fn mysql_commands_are_counted_after_the_handshake() {
        let packet = |seq: u8, payload: &[u8]| {
            let len = payload.len() as u32;
            let mut out = vec![len as u8, (len >> 8) as u8, (len >> 16) as u8, seq];
            out.extend_from_slice(payload);
            out
        };
        let mut f = Framer::new(Protocol::Mysql);
        f.push(&packet(1, b"\x0d\xa2handshake response"));
        f.push(&packet(3, b"auth switch response"));
        f.push(&packet(0, b"\x03SELECT 1"));
        f.push(&packet(0, b"\x16SELECT ?"));
        f.push(&packet(0, b"\x17\x01\0\0\0"));
        f.push(&packet(0, b"\x03COMMIT"));
        let tail = packet(0, b"\x01");
        f.push(&tail[..2]);
        let statement = Kind::Statement { commit: false };
        assert_eq!(
            all(&mut f),
            [
                Kind::Other,
                Kind::Other,
                statement,
                Kind::Other,
                statement,
                Kind::Statement { commit: true },
            ]
        );
        f.push(&tail[2..]);
        assert_eq!(all(&mut f), [Kind::Other]);
    }
}
