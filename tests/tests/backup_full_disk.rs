//! A SQLite backup onto a full disk fails cleanly: an error, and no backup, journal or WAL
//! file left behind. The full disk is a 256 KiB tmpfs, which needs root (as CI runs).

use std::path::Path;
use std::process::Command;

use cutover_core::backend::Backend;
use cutover_sqlite::SqliteBackend;

/// Mounts a 256 KiB tmpfs at `dir`; false when this process may not mount.
fn mount_tiny(dir: &Path) -> bool {
    std::fs::create_dir_all(dir).expect("mkdir");
    Command::new("mount")
        .args(["-t", "tmpfs", "-o", "size=256k", "tmpfs"])
        .arg(dir)
        .status()
        .is_ok_and(|s| s.success())
}

#[tokio::test]
async fn a_backup_onto_a_full_disk_leaves_nothing_behind() {
    let base = std::env::temp_dir().join(format!("cutover-fulldisk-{}", std::process::id()));
    let tiny = base.join("tiny");
    if !mount_tiny(&tiny) {
        assert!(
            !running_as_root(),
            "running as root but could not mount a tmpfs"
        );
        eprintln!("skipped: mounting a tmpfs needs root");
        return;
    }
    let db = base.join("live.db");
    let mut live = SqliteBackend::open(&format!("sqlite://{}", db.display()))
        .await
        .expect("open");
    live.execute("CREATE TABLE t (id integer primary key, body text)")
        .await
        .expect("create");
    // About 2 MiB of rows: eight times what the tmpfs holds.
    live.execute(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 2000) \
         INSERT INTO t SELECT i, printf('%.1000c', 'x') FROM n",
    )
    .await
    .expect("fill");
    let target = tiny.join("backup.sqlite3");
    let result = live.backup(&target).await;
    let left: Vec<String> = std::fs::read_dir(&tiny)
        .map(|d| {
            d.flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    let _ = Command::new("umount").arg(&tiny).status();
    let _ = std::fs::remove_dir_all(&base);
    let err = result.expect_err("a backup onto a full disk must fail");
    assert!(
        err.to_string().to_lowercase().contains("full"),
        "the error says the disk is full: {err}"
    );
    assert!(left.is_empty(), "files left on the full disk: {left:?}");
}

/// Whether this process runs as root (uid 0), from /proc.
fn running_as_root() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("Uid:"))
                .and_then(|l| l.split_whitespace().nth(1).map(|u| u == "0"))
        })
        .unwrap_or(false)
}
