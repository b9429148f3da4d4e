//! The fault proxy itself, on PostgreSQL and MariaDB: it forwards faithfully, and each kind
//! of fault breaks the connection exactly where it says (checked on the server afterwards).

use cutover_cli::connect::connect;
use cutover_core::Error;
use cutover_core::backend::Backend;
use cutover_core::error::DriverErrorKind;
use cutover_tests::faults::{Fault, FaultProxy, protocol_of, proxied_url, upstream};
use cutover_tests::{Backend as Kind, TestDb, for_each_backend, snapshot};

async fn proxy(db: &TestDb, fault: Fault) -> FaultProxy {
    FaultProxy::start(protocol_of(db.url()), upstream(db.url()).await, fault).await
}

/// Statements the adapter sends while connecting (session setup), counted by a plain proxy.
async fn connect_statements(db: &TestDb) -> u64 {
    let p = proxy(db, Fault::None).await;
    let b = connect(&proxied_url(db.url(), &p))
        .await
        .expect("connect through the proxy");
    let n = p.counts().statements;
    b.close().await.expect("close");
    n
}

fn assert_lost_connection(result: cutover_core::Result<u64>, what: &str) {
    match result {
        Err(e) => assert!(
            matches!(
                e.root(),
                Error::Driver {
                    kind: DriverErrorKind::Connection,
                    ..
                }
            ),
            "{what}: expected a lost connection, got {e}"
        ),
        Ok(n) => panic!("{what}: expected a lost connection, got Ok({n})"),
    }
}

async fn ids(b: &mut dyn Backend) -> Vec<String> {
    snapshot::rows(b, "t").await
}

#[tokio::test]
async fn a_plain_proxy_forwards_everything_and_counts_statements() {
    for_each_backend(|db| async move {
        if db.backend() == Kind::Sqlite {
            return;
        }
        let p = proxy(&db, Fault::None).await;
        let mut b = connect(&proxied_url(db.url(), &p)).await.expect("connect");
        let before = p.counts();
        b.execute("CREATE TABLE t (id bigint PRIMARY KEY)")
            .await
            .expect("create");
        b.begin().await.expect("begin");
        b.execute("INSERT INTO t (id) VALUES (1), (2)")
            .await
            .expect("insert");
        b.commit().await.expect("commit");
        assert_eq!(ids(b.as_mut()).await, ["1", "2"]);
        let after = p.counts();
        assert_eq!(after.statements - before.statements, 5, "{after:?}");
        assert_eq!(after.commits - before.commits, 1, "{after:?}");
        assert_eq!(after.connections, 1);
        assert!(!p.fired());
        b.close().await.expect("close");
    })
    .await;
}

#[tokio::test]
async fn after_n_statements_the_next_one_never_reaches_the_server() {
    for_each_backend(|db| async move {
        if db.backend() == Kind::Sqlite {
            return;
        }
        let mut direct = connect(db.url()).await.expect("connect");
        direct
            .execute("CREATE TABLE t (id bigint PRIMARY KEY)")
            .await
            .expect("create");
        let setup = connect_statements(&db).await;
        let p = proxy(&db, Fault::AfterStatements(setup + 1)).await;
        let mut b = connect(&proxied_url(db.url(), &p)).await.expect("connect");
        b.execute("INSERT INTO t (id) VALUES (1)")
            .await
            .expect("statement n runs");
        assert!(!p.fired());
        let second = b.execute("INSERT INTO t (id) VALUES (2)").await;
        assert_lost_connection(second, "statement n + 1");
        assert!(p.fired());
        assert_eq!(ids(direct.as_mut()).await, ["1"]);
        // The fault fires once: a new connection through the proxy works.
        b.reconnect().await.expect("reconnect through the proxy");
        b.execute("INSERT INTO t (id) VALUES (3)")
            .await
            .expect("after the fault");
        assert_eq!(ids(direct.as_mut()).await, ["1", "3"]);
        direct.close().await.expect("close");
    })
    .await;
}

#[tokio::test]
async fn a_lost_commit_reply_hides_a_commit_that_landed() {
    for_each_backend(|db| async move {
        if db.backend() == Kind::Sqlite {
            return;
        }
        let mut direct = connect(db.url()).await.expect("connect");
        direct
            .execute("CREATE TABLE t (id bigint PRIMARY KEY)")
            .await
            .expect("create");
        let p = proxy(&db, Fault::CommitReplyLost(1)).await;
        let mut b = connect(&proxied_url(db.url(), &p)).await.expect("connect");
        b.begin().await.expect("begin");
        b.execute("INSERT INTO t (id) VALUES (7)")
            .await
            .expect("insert");
        let commit = b.commit().await.map(|()| 0);
        assert_lost_connection(commit, "COMMIT");
        assert_eq!(ids(direct.as_mut()).await, ["7"], "the commit landed");
        direct.close().await.expect("close");
    })
    .await;
}

#[tokio::test]
async fn a_lost_reply_hides_an_autocommitted_statement() {
    for_each_backend(|db| async move {
        if db.backend() == Kind::Sqlite {
            return;
        }
        let mut direct = connect(db.url()).await.expect("connect");
        direct
            .execute("CREATE TABLE t (id bigint PRIMARY KEY)")
            .await
            .expect("create");
        let setup = connect_statements(&db).await;
        let p = proxy(&db, Fault::ReplyLost(setup + 1)).await;
        let mut b = connect(&proxied_url(db.url(), &p)).await.expect("connect");
        let insert = b.execute("INSERT INTO t (id) VALUES (9)").await;
        assert_lost_connection(insert, "INSERT");
        assert_eq!(ids(direct.as_mut()).await, ["9"], "the insert ran");
        direct.close().await.expect("close");
    })
    .await;
}

#[tokio::test]
async fn a_cut_inside_the_handshake_fails_the_connect() {
    for_each_backend(|db| async move {
        if db.backend() == Kind::Sqlite {
            return;
        }
        for fault in [Fault::ToServerByte(20), Fault::ToClientByte(20)] {
            let p = proxy(&db, fault).await;
            let result = connect(&proxied_url(db.url(), &p)).await;
            assert!(result.is_err(), "{fault:?}: the connect must fail");
            assert!(p.fired(), "{fault:?}");
        }
    })
    .await;
}
