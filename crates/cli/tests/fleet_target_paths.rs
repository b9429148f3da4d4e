//! `--target NAME` with a relative SQLite path (red-team rtf #4): a target defined in
//! cutover.toml resolves against the directory of cutover.toml in every command, as
//! `--group` does, whatever the current directory; `--database URL` stays relative to the
//! current directory.

mod common;

use cutover_tests::plans::PlanDir;

#[test]
fn a_target_resolves_against_the_config_dir_and_a_database_url_against_the_cwd() {
    let plan = PlanDir::new();
    plan.write(
        "0001_items.toml",
        "description = \"items\"\n[[steps]]\nop = \"create_table\"\ntable = \"items\"\ncolumns = [ { name = \"id\", type = \"bigint\", primary_key = true } ]\n",
    );
    let project = plan.path().join("project");
    let sub = project.join("sub");
    let elsewhere = plan.path().join("elsewhere");
    for d in [project.join("dbs"), sub.join("dbs"), elsewhere.clone()] {
        std::fs::create_dir_all(d).expect("mkdir");
    }
    let config = project.join("cutover.toml");
    std::fs::write(
        &config,
        format!(
            "plan = \"{}\"\n[targets.lite]\nurl = \"sqlite://dbs/t1.db\"\n",
            plan.path().display()
        ),
    )
    .expect("write cutover.toml");
    let config = config.to_str().expect("utf8").to_string();

    // From a subdirectory: the target's file is the one beside cutover.toml.
    let out = common::run(
        &sub,
        &["--config", &config, "up", "--target", "lite", "--no-backup"],
    );
    assert_eq!(out.status.code(), Some(0), "{}", common::text(&out));
    assert!(project.join("dbs/t1.db").exists());
    assert!(!sub.join("dbs/t1.db").exists());

    // From another directory, status and repair reach the same file.
    for cmd in [
        vec!["status", "--target", "lite", "--exit-code"],
        vec!["repair", "--target", "lite"],
    ] {
        let mut args = vec!["--config", config.as_str()];
        args.extend(cmd.iter().copied());
        let out = common::run(&elsewhere, &args);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{cmd:?}: {}",
            common::text(&out)
        );
    }
    assert!(!elsewhere.join("dbs").exists());

    // `--database URL` on the command line is relative to the current directory.
    let out = common::run(
        &sub,
        &[
            "--config",
            &config,
            "up",
            "--database",
            "sqlite://dbs/t2.db",
            "--no-backup",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", common::text(&out));
    assert!(sub.join("dbs/t2.db").exists());
    assert!(!project.join("dbs/t2.db").exists());
}
