use super::*;

#[test]
fn relative_sqlite_urls_resolve_against_the_config_directory() {
    let base = Path::new("/proj/conf");
    assert_eq!(
        resolve_url("sqlite://t/a.db".into(), base),
        "sqlite:///proj/conf/t/a.db"
    );
    assert_eq!(
        resolve_url("sqlite:../b.db?mode=rwc".into(), base),
        "sqlite:///proj/b.db?mode=rwc"
    );
    assert_eq!(
        resolve_url("sqlite:///abs.db".into(), base),
        "sqlite:///abs.db"
    );
    assert_eq!(
        resolve_url("sqlite::memory:".into(), base),
        "sqlite::memory:"
    );
    assert_eq!(
        resolve_url("postgres://h/db".into(), base),
        "postgres://h/db"
    );
}

#[test]
fn a_bare_config_name_has_an_absolute_base() {
    let base = base_dir(Some(Path::new("cutover.toml")));
    assert!(base.is_absolute(), "{}", base.display());
    let sub = base_dir(Some(Path::new("sub/cutover.toml")));
    assert!(
        sub.is_absolute() && sub.ends_with("sub"),
        "{}",
        sub.display()
    );
    assert_eq!(
        base_dir(Some(Path::new("/p/cutover.toml"))),
        PathBuf::from("/p")
    );
}

#[test]
fn spellings_of_one_database_have_one_key() {
    let same = [
        "postgres://u:pw@DB.example:5432/app?search_path=t1",
        "postgresql://other@db.example/app?search_path=t1&connect_timeout=3",
        "postgres://db.example/app?options=-csearch_path%3Dt1",
        // A list targets its first schema.
        "postgres://db.example/app?search_path=t1,public",
        "postgres://db.example/app?options=-csearch_path%3Dt1%2Cpublic",
    ];
    let keys: Vec<String> = same.iter().map(|u| database_key(u)).collect();
    assert!(keys.iter().all(|k| *k == keys[0]), "{keys:?}");
    let different = [
        "postgres://db.example/app?search_path=T1",
        "postgres://db.example/app",
        "postgres://db.example:5433/app?search_path=t1",
        "postgres://db.example/other?search_path=t1",
    ];
    for d in different {
        assert_ne!(database_key(d), keys[0], "{d}");
    }
    // `public` is the database itself.
    assert_eq!(
        database_key("postgres://db.example/app?search_path=public"),
        database_key("postgres://db.example/app")
    );
    assert_eq!(
        database_key("mysql://root@H/app"),
        database_key("mariadb://u:p@h:3306/app")
    );
    assert_eq!(
        database_key("postgres://[::1]:5432/a"),
        database_key("postgres://[::1]/a")
    );
}

#[test]
fn sqlite_paths_compare_canonically() {
    let dir = std::env::temp_dir();
    let a = format!("sqlite://{}/x/../fleet3_key.db", dir.display());
    let b = format!("sqlite://{}/fleet3_key.db", dir.display());
    assert_eq!(database_key(&a), database_key(&b));
}

#[test]
fn percent_decoding_keeps_invalid_sequences() {
    assert_eq!(percent_decode("-csearch_path%3Dt1"), "-csearch_path=t1");
    assert_eq!(percent_decode("100%"), "100%");
    assert_eq!(percent_decode("%zz%é"), "%zz%é");
}

#[test]
fn a_slow_command_is_stopped_at_its_limit() {
    let started = Instant::now();
    let err = run_command(
        "groups.g.targets_command",
        &["sleep".to_string(), "5".to_string()],
        &std::env::temp_dir(),
        Duration::from_millis(300),
    )
    .unwrap_err()
    .to_string();
    assert!(started.elapsed() < Duration::from_secs(3));
    assert!(err.contains("did not finish within 0.3 s"), "{err}");
    assert!(err.contains("targets_command_timeout"), "{err}");
}

#[test]
fn a_relative_program_runs_from_the_config_directory() {
    let dir = std::env::temp_dir().join(format!("fleet3_cmd_{}", std::process::id()));
    std::fs::create_dir_all(dir.join("bin")).expect("mkdir");
    let script = dir.join("bin/list.sh");
    std::fs::write(&script, "#!/bin/sh\necho sqlite://a.db\n").expect("write");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    }
    let out = run_command(
        "f",
        &["./bin/list.sh".to_string()],
        &dir,
        DEFAULT_COMMAND_TIMEOUT,
    )
    .expect("runs from the base directory");
    assert_eq!(out.trim(), "sqlite://a.db");
    let _ = std::fs::remove_dir_all(&dir);
}
