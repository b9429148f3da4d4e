//! [`FaultProxy`]: a loopback TCP proxy that breaks one connection at a chosen point.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::tcp::OwnedReadHalf;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::AbortHandle;

use super::wire::{Framer, Kind, Message, Protocol};

/// How long the server may take to start answering a statement whose reply is dropped.
const REPLY_WAIT: Duration = Duration::from_secs(10);
/// Silence after the first reply bytes that ends a dropped reply.
const REPLY_IDLE: Duration = Duration::from_millis(300);

/// Where the proxy breaks the connection. Counts run over every connection made through the
/// proxy (a reconnect continues the count), and the fault fires once: connections made
/// after it pass through untouched.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// Never: a plain proxy (to count statements and commits of an uninterrupted run).
    None,
    /// The first `n` statements run and their replies reach the client; when the client
    /// sends statement `n + 1`, it is not forwarded and both sides are closed.
    AfterStatements(u64),
    /// Statement `n` (1-based) is forwarded; the server runs it, its reply is read and
    /// dropped, and both sides are closed: the client cannot know the outcome.
    ReplyLost(u64),
    /// Like [`Fault::ReplyLost`] for the `k`-th `COMMIT` (1-based): the server commits, the
    /// client never hears of it.
    CommitReplyLost(u64),
    /// The first `byte` bytes from the client reach the server (a message may be cut in the
    /// middle), then both sides are closed.
    ToServerByte(u64),
    /// The first `byte` bytes from the server reach the client, then both sides are closed.
    ToClientByte(u64),
}

/// What the proxy saw, over all connections.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    /// Statements the clients sent (see [`Kind::Statement`]).
    pub statements: u64,
    /// Of which `COMMIT`s.
    pub commits: u64,
    /// Bytes from clients.
    pub to_server: u64,
    /// Bytes from servers.
    pub to_client: u64,
    /// Connections accepted.
    pub connections: u64,
    /// Whether the fault was triggered (the cut may still be under way; see
    /// [`FaultProxy::fired`]).
    pub triggered: bool,
}

/// What to do with a message or a chunk of bytes.
enum Action {
    Forward,
    /// Forward this many bytes, then close both sides.
    Cut(usize),
    /// Forward, drop the reply, close.
    ReplyLost,
}

struct Shared {
    protocol: Protocol,
    upstream: SocketAddr,
    fault: Fault,
    counts: Mutex<Counts>,
    fired: watch::Sender<bool>,
    tasks: Mutex<Vec<AbortHandle>>,
}

impl Shared {
    fn counts(&self) -> std::sync::MutexGuard<'_, Counts> {
        self.counts.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Decides about one client message; fires the fault at most once.
    fn on_client(&self, m: &Message) -> Action {
        let mut c = self.counts();
        let before = c.to_server;
        c.to_server += m.bytes.len() as u64;
        let (statement, commit) = match m.kind {
            Kind::Statement { commit } => (true, commit),
            Kind::Other => (false, false),
        };
        c.statements += u64::from(statement);
        c.commits += u64::from(commit);
        if c.triggered {
            return Action::Forward;
        }
        let action = match self.fault {
            Fault::AfterStatements(n) if statement && c.statements == n + 1 => Action::Cut(0),
            Fault::ReplyLost(n) if statement && c.statements == n => Action::ReplyLost,
            Fault::CommitReplyLost(k) if commit && c.commits == k => Action::ReplyLost,
            Fault::ToServerByte(b) if c.to_server > b => Action::Cut((b - before) as usize),
            _ => Action::Forward,
        };
        c.triggered = !matches!(action, Action::Forward);
        action
    }

    /// Decides about a chunk of server bytes.
    fn on_server(&self, len: usize) -> Action {
        let mut c = self.counts();
        let before = c.to_client;
        c.to_client += len as u64;
        match self.fault {
            Fault::ToClientByte(b) if !c.triggered && c.to_client > b => {
                c.triggered = true;
                Action::Cut((b - before) as usize)
            }
            _ => Action::Forward,
        }
    }
}

/// A TCP proxy on `127.0.0.1` in front of a database server on a loopback address, breaking
/// one connection where its [`Fault`] says. Dropping it closes every connection it carries.
pub struct FaultProxy {
    addr: SocketAddr,
    shared: Arc<Shared>,
    fired: watch::Receiver<bool>,
}

impl std::fmt::Debug for FaultProxy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FaultProxy")
            .field("addr", &self.addr)
            .field("upstream", &self.shared.upstream)
            .field("fault", &self.shared.fault)
            .finish_non_exhaustive()
    }
}

impl FaultProxy {
    /// Starts a proxy to `upstream` on a free port of `127.0.0.1`.
    ///
    /// # Panics
    ///
    /// If `upstream` is not a loopback address (the proxy is for tests against local
    /// servers only), or if no port can be bound.
    pub async fn start(protocol: Protocol, upstream: SocketAddr, fault: Fault) -> FaultProxy {
        assert!(
            upstream.ip().is_loopback(),
            "the fault proxy only forwards to loopback addresses, not {upstream}"
        );
        let listener = TcpListener::bind(("127.0.0.1", 0))
            .await
            .expect("bind a loopback port for the fault proxy");
        let addr = listener.local_addr().expect("proxy address");
        let (fired, fired_rx) = watch::channel(false);
        let shared = Arc::new(Shared {
            protocol,
            upstream,
            fault,
            counts: Mutex::new(Counts::default()),
            fired,
            tasks: Mutex::new(Vec::new()),
        });
        let accept = tokio::spawn(accept_loop(listener, Arc::clone(&shared)));
        shared
            .tasks
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(accept.abort_handle());
        FaultProxy {
            addr,
            shared,
            fired: fired_rx,
        }
    }

    /// The address clients connect to.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// What the proxy saw so far.
    pub fn counts(&self) -> Counts {
        *self.shared.counts()
    }

    /// Whether the fault fired: the connection it cut is closed on both sides (for a lost
    /// reply: after the server answered).
    pub fn fired(&self) -> bool {
        *self.fired.borrow()
    }

    /// Waits until the fault fires (forever for [`Fault::None`]).
    pub async fn wait_fired(&self) {
        let mut rx = self.fired.clone();
        // Err only if the sender is gone, which `self` prevents.
        let _ = rx.wait_for(|f| *f).await;
    }
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        for task in self
            .shared
            .tasks
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
        {
            task.abort();
        }
    }
}

async fn accept_loop(listener: TcpListener, shared: Arc<Shared>) {
    while let Ok((client, _)) = listener.accept().await {
        shared.counts().connections += 1;
        let task = tokio::spawn(carry(client, Arc::clone(&shared)));
        shared
            .tasks
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(task.abort_handle());
    }
}

/// Carries one connection; once the fault cut it (both sockets closed), reports it fired.
async fn carry(client: TcpStream, shared: Arc<Shared>) {
    if pump(client, &shared).await == Ended::Cut {
        shared.fired.send_replace(true);
    }
}

/// How [`pump`] ended.
#[derive(Debug, PartialEq, Eq)]
enum Ended {
    /// A side closed the connection.
    Closed,
    /// The fault cut it.
    Cut,
}

/// Carries one connection until either side closes it or the fault cuts it.
async fn pump(client: TcpStream, shared: &Shared) -> Ended {
    let Ok(server) = TcpStream::connect(shared.upstream).await else {
        return Ended::Closed; // the client sees the connection close, as with a server that is down
    };
    let _ = client.set_nodelay(true);
    let _ = server.set_nodelay(true);
    let (mut cr, mut cw) = client.into_split();
    let (mut sr, mut sw) = server.into_split();
    let mut framer = Framer::new(shared.protocol);
    // Every return drops all four halves: both sockets close together.
    let mut from_client = vec![0u8; 16 * 1024];
    let mut from_server = vec![0u8; 16 * 1024];
    loop {
        tokio::select! {
            read = cr.read(&mut from_client) => {
                let Ok(n @ 1..) = read else { return Ended::Closed };
                framer.push(&from_client[..n]);
                while let Some(m) = framer.next_message() {
                    match shared.on_client(&m) {
                        Action::Forward => {
                            if sw.write_all(&m.bytes).await.is_err() {
                                return Ended::Closed;
                            }
                        }
                        Action::Cut(keep) => {
                            let _ = sw.write_all(&m.bytes[..keep]).await;
                            return Ended::Cut;
                        }
                        Action::ReplyLost => {
                            // The server runs the statement and answers before the client
                            // learns anything: its outcome is decided, but unknown to the client.
                            if sw.write_all(&m.bytes).await.is_ok() {
                                drain(&mut sr).await;
                            }
                            return Ended::Cut;
                        }
                    }
                }
            }
            read = sr.read(&mut from_server) => {
                let Ok(n @ 1..) = read else { return Ended::Closed };
                match shared.on_server(n) {
                    Action::Cut(keep) => {
                        let _ = cw.write_all(&from_server[..keep]).await;
                        return Ended::Cut;
                    }
                    _ => {
                        if cw.write_all(&from_server[..n]).await.is_err() {
                            return Ended::Closed;
                        }
                    }
                }
            }
        }
    }
}

/// Reads and drops the server's reply: waits for its first bytes, then until it is quiet.
async fn drain(sr: &mut OwnedReadHalf) {
    let mut buf = vec![0u8; 16 * 1024];
    let mut wait = REPLY_WAIT;
    while let Ok(Ok(1..)) = tokio::time::timeout(wait, sr.read(&mut buf)).await {
        wait = REPLY_IDLE;
    }
}
