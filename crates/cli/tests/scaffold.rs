//! `cutover init` and `cutover new`: files written, never overwritten, numbered in order; a
//! project started with them runs `up` on its SQLite target.

mod common;

use cutover_tests::plans::PlanDir;

fn read(path: &std::path::Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn init_writes_the_project_once_and_new_numbers_migrations() {
    let dir = PlanDir::new();
    let root = dir.path();
    let out = common::run(root, &["init"]);
    assert!(out.status.success(), "{}", common::text(&out));
    let config = read(&root.join("cutover.toml"));
    assert!(config.contains("url = \"sqlite://dev.db\""), "{config}");
    assert!(config.contains("url = \"${DATABASE_URL}\""), "{config}");
    assert!(root.join("migrations").is_dir());

    // A second init refuses and leaves the file alone.
    std::fs::write(root.join("cutover.toml"), "plan = \"migrations\"\n").expect("write");
    let out = common::run(root, &["init"]);
    assert_eq!(out.status.code(), Some(1), "{}", common::text(&out));
    assert!(common::text(&out).contains("never overwrites"));
    assert_eq!(read(&root.join("cutover.toml")), "plan = \"migrations\"\n");

    for (args, file) in [
        (&["new", "create", "users"][..], "0001_create_users.toml"),
        (
            &["new", "--phase", "expand", "Add email!"],
            "0002_add_email.toml",
        ),
        (
            &["new", "--phase", "contract", "drop_name"],
            "0003_drop_name.toml",
        ),
    ] {
        let out = common::run(root, args);
        assert!(out.status.success(), "{}", common::text(&out));
        assert!(root.join("migrations").join(file).is_file(), "{file}");
    }
    let contract = read(&root.join("migrations/0003_drop_name.toml"));
    assert!(contract.starts_with("description = \"drop_name\"\nphase = \"contract\"\n"));

    let out = common::run(root, &["new", "?!"]);
    assert_eq!(out.status.code(), Some(1), "{}", common::text(&out));
    assert!(common::text(&out).contains("has no letter or digit"));
}

#[test]
fn timestamp_versions_and_a_first_run() {
    let dir = PlanDir::new();
    let root = dir.path();
    let out = common::run(root, &["init", "--versions", "timestamp"]);
    assert!(out.status.success(), "{}", common::text(&out));
    let out = common::run(root, &["--json", "new", "create_items"]);
    assert!(out.status.success(), "{}", common::text(&out));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let version = doc["version"].as_str().expect("version").to_string();
    assert_eq!(version.len(), 14, "{version}");
    let file = std::path::PathBuf::from(doc["file"].as_str().expect("file"));

    // Until its steps are written, loading says what is missing.
    let out = common::run(root, &["status", "--target", "dev"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(common::text(&out).contains("a migration needs at least one step"));

    let mut text = read(&file);
    text.push_str(
        "\n[[steps]]\nop = \"create_table\"\ntable = \"items\"\ncolumns = [{ name = \"id\", type = \"bigint\", primary_key = true }]\n",
    );
    std::fs::write(&file, text).expect("write");
    let out = common::run(root, &["up", "--target", "dev"]);
    assert!(out.status.success(), "{}", common::text(&out));
    assert!(root.join("dev.db").is_file());
    let out = common::run(root, &["status", "--target", "dev"]);
    assert!(
        common::text(&out).contains(&format!("{version} applied")),
        "{}",
        common::text(&out)
    );
}

#[test]
fn schema_plan_format_prints_the_committed_schemas_without_a_project() {
    // A broken cutover.toml does not matter: the command describes the formats only.
    let dir = PlanDir::new();
    std::fs::write(dir.path().join("cutover.toml"), "plna = 1\n").expect("write");
    let docs = cutover_tests::plans::repo_root().join("docs/schema");
    for (args, file) in [
        (&["schema", "plan-format"][..], "migration.schema.json"),
        (
            &["schema", "plan-format", "migration"][..],
            "migration.schema.json",
        ),
        (
            &["schema", "plan-format", "config"][..],
            "cutover.schema.json",
        ),
    ] {
        let out = common::run(dir.path(), args);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{args:?}: {}",
            common::text(&out)
        );
        let committed = std::fs::read_to_string(docs.join(file)).expect("committed schema");
        assert!(
            String::from_utf8_lossy(&out.stdout) == committed,
            "{args:?} differs from docs/schema/{file}"
        );
    }
}
