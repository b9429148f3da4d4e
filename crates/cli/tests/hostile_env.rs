//! Hostile environments: a server that accepts connections and never answers must not hang
//! `cutover`; it gives up after the URL's `connect_timeout` with a clear message.

mod common;

use std::net::TcpListener;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// A listener on a free loopback port that accepts connections and never says anything.
fn silent_server() -> (u16, std::thread::JoinHandle<()>) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    listener.set_nonblocking(true).expect("nonblocking");
    let handle = std::thread::spawn(move || {
        let mut held = Vec::new();
        let until = Instant::now() + Duration::from_secs(60);
        while Instant::now() < until && held.len() < 16 {
            match listener.accept() {
                Ok((stream, _)) => held.push(stream),
                Err(_) => std::thread::sleep(Duration::from_millis(20)),
            }
        }
    });
    (port, handle)
}

/// Runs `cutover status` against `url`; kills it and fails after 30 s.
fn status_of(url: &str) -> (Option<i32>, String, Duration) {
    let plan = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/messages/migrations");
    let started = Instant::now();
    let mut child = Command::new(common::bin())
        .args(["status", "--plan"])
        .arg(&plan)
        .args(["--database", url])
        .env_remove("DATABASE_URL")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run cutover");
    loop {
        if let Some(status) = child.try_wait().expect("wait") {
            let out = child.wait_with_output().expect("output");
            return (
                status.code(),
                String::from_utf8_lossy(&out.stderr).into_owned(),
                started.elapsed(),
            );
        }
        if started.elapsed() > Duration::from_secs(30) {
            let _ = child.kill();
            panic!("cutover status against a silent server still hangs after 30 s: {url}");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn a_silent_server_gives_a_timeout_error_not_a_hang() {
    let (port, _server) = silent_server();
    for url in [
        format!("postgres://postgres@127.0.0.1:{port}/x?connect_timeout=1"),
        format!("mysql://root@127.0.0.1:{port}/x?connect_timeout=1"),
    ] {
        let (code, stderr, took) = status_of(&url);
        assert_eq!(code, Some(1), "{url}: {stderr}");
        assert!(
            stderr.contains("no answer within 1 s") && stderr.contains("connect_timeout"),
            "{url}: {stderr}"
        );
        // The limit is the URL's, not a default: far below the 10 s default.
        assert!(took < Duration::from_secs(8), "{url} took {took:?}");
    }
}

#[test]
fn a_bad_connect_timeout_is_a_url_error() {
    let (code, stderr, _) = status_of("mysql://root@127.0.0.1:1/x?connect_timeout=soon");
    assert_eq!(code, Some(1), "{stderr}");
    assert!(stderr.contains("connect_timeout=soon"), "{stderr}");
}
