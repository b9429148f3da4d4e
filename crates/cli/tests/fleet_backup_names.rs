//! Automatic backup names in a parallel fleet run (red-team rtf #3): tenants of one
//! PostgreSQL database and same-named SQLite files in different directories reach a contract
//! migration's backup at the same moment; every backup gets its own file, named with the
//! schema, and none fails on a name clash.

mod common;

use std::collections::BTreeSet;

use cutover_cli::connect::open_url;
use cutover_core::lifecycle::{create_database, drop_database};
use cutover_core::url::with_database;
use cutover_tests::Backend;
use cutover_tests::plans::PlanDir;

/// A table with a row, then a contract migration dropping a column (backed up first).
fn plan() -> PlanDir {
    let plan = PlanDir::new();
    plan.write(
        "0001_items.toml",
        "description = \"items\"\n[[steps]]\nop = \"create_table\"\ntable = \"items\"\ncolumns = [ { name = \"id\", type = \"bigint\", primary_key = true }, { name = \"name\", type = \"text\" } ]\n",
    )
    .write(
        "0002_seed.toml",
        "description = \"seed\"\n[[steps]]\nop = \"sql\"\nsql = \"INSERT INTO items (id, name) VALUES (1, 'a')\"\ndown = \"DELETE FROM items\"\n",
    )
    .write(
        "0003_drop.toml",
        "description = \"drop name\"\nphase = \"contract\"\n[[steps]]\nop = \"drop_column\"\ntable = \"items\"\ncolumn = \"name\"\n",
    );
    plan
}

#[tokio::test]
async fn parallel_backups_of_tenants_and_same_named_files_never_clash() {
    let backends = cutover_tests::backends();
    let plan = plan();
    let project = plan.path().join("project");
    let backups = project.join("backups");
    let mut targets = Vec::new();
    let mut base = None;
    if backends.contains(&Backend::Postgres) {
        let url = with_database(
            &Backend::Postgres.server_url(),
            &format!("fleet4_t_bk_{}", std::process::id()),
        );
        let _ = drop_database(&url, &open_url).await;
        create_database(&url, &open_url).await.expect("create db");
        for i in 1..=6 {
            targets.push(format!("{url}?search_path=t{i}"));
        }
        base = Some(url);
    }
    if backends.contains(&Backend::Sqlite) {
        for i in 1..=6 {
            std::fs::create_dir_all(project.join(format!("r{i}"))).expect("mkdir");
            targets.push(format!("sqlite://r{i}/app.db"));
        }
    }
    if targets.is_empty() {
        return;
    }
    let list: Vec<String> = targets.iter().map(|t| format!("\"{t}\"")).collect();
    std::fs::write(
        project.join("cutover.toml"),
        format!(
            "plan = \"{}\"\n[groups.g]\ntargets = [{}]\n",
            plan.path().display(),
            list.join(", ")
        ),
    )
    .expect("write cutover.toml");
    let dir = backups.to_str().expect("utf8");
    let parallel = targets.len().to_string();
    let run = |to: Option<&str>| {
        let mut args = vec![
            "up",
            "--group",
            "g",
            "--create-database",
            "--parallel",
            &parallel,
            "--backup-dir",
            dir,
        ];
        if let Some(v) = to {
            args.extend(["--to", v]);
        }
        common::run(&project, &args)
    };
    let out = run(Some("0002"));
    assert_eq!(out.status.code(), Some(0), "{}", common::text(&out));
    let out = run(None);
    let text = common::text(&out);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(!text.contains("--no-backup"), "{text}");

    let files: BTreeSet<String> = std::fs::read_dir(&backups)
        .expect("backup dir")
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| !n.ends_with(".json"))
        .collect();
    assert_eq!(files.len(), targets.len(), "{files:#?}");
    if let Some(url) = &base {
        let db = format!("fleet4_t_bk_{}", std::process::id());
        for i in 1..=6 {
            let prefix = format!("{db}.t{i}-0002-");
            assert!(
                files
                    .iter()
                    .any(|f| f.starts_with(&prefix) && f.ends_with(".dump")),
                "no backup named {prefix}*: {files:#?}"
            );
        }
        let _ = drop_database(url, &open_url).await;
    }
    if backends.contains(&Backend::Sqlite) {
        let sqlite = files.iter().filter(|f| f.starts_with("app-0002-")).count();
        assert_eq!(sqlite, 6, "{files:#?}");
    }
}
