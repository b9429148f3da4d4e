//! First-run papercuts: the environment must never beat an explicit flag.

mod common;

use std::path::PathBuf;

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("cutover-papercut-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("migrations")).expect("mkdir");
    std::fs::write(
        dir.join("migrations/0001_t.toml"),
        "description = \"t\"\n[[steps]]\nop = \"create_table\"\ntable = \"t\"\ncolumns = [{ name = \"id\", type = \"integer\", primary_key = true }]\n",
    )
    .expect("write migration");
    std::fs::write(
        dir.join("cutover.toml"),
        "plan = \"migrations\"\n[targets.local]\nurl = \"sqlite://target.db\"\n",
    )
    .expect("write config");
    dir
}

#[test]
fn a_target_flag_beats_database_url_in_the_environment() {
    let dir = scratch("target");
    let env_db = format!("sqlite://{}", dir.join("env.db").display());
    let out = common::run_env(
        &dir,
        &["up", "--target", "local"],
        &[("DATABASE_URL", &env_db)],
    );
    assert_eq!(out.status.code(), Some(0), "{}", common::text(&out));
    assert!(
        dir.join("target.db").exists(),
        "the target's database was used"
    );
    assert!(!dir.join("env.db").exists(), "DATABASE_URL was not used");

    // Without a flag, DATABASE_URL is the database.
    let out = common::run_env(&dir, &["up"], &[("DATABASE_URL", &env_db)]);
    assert_eq!(out.status.code(), Some(0), "{}", common::text(&out));
    assert!(dir.join("env.db").exists(), "DATABASE_URL was used");

    // An explicit --database beats DATABASE_URL too.
    let flag_db = format!("sqlite://{}", dir.join("flag.db").display());
    let out = common::run_env(
        &dir,
        &["status", "--database", &flag_db],
        &[("DATABASE_URL", &env_db)],
    );
    // `status` only reads: it names the flag's (missing) file and creates nothing.
    assert_eq!(out.status.code(), Some(1), "{}", common::text(&out));
    assert!(
        common::text(&out).contains("flag.db"),
        "{}",
        common::text(&out)
    );
    assert!(!dir.join("flag.db").exists());
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_closed_stdout_is_not_a_panic() {
    let dir = scratch("pipe");
    for args in [&["sql", "--dialect", "postgres"][..], &["lint"][..]] {
        let mut child = std::process::Command::new(common::bin())
            .args(args)
            .current_dir(&dir)
            .env_remove("DATABASE_URL")
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("run cutover");
        // Close the reading end before cutover writes: every write hits a broken pipe.
        drop(child.stdout.take());
        let out = child.wait_with_output().expect("wait");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
        assert_eq!(out.status.code(), Some(0), "{args:?}: {stderr}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}
