//! Plans given as text (`Plan::from_sources`) and the build-script helper
//! (`embed::generate`): the same validation, messages and checksums as a directory load.

mod common;

use std::path::Path;

use common::TempPlan;
use cutover_core::embed::{EmbeddedFile, EmbeddedPlan, generate};
use cutover_core::plan::{LoadOptions, Plan, Source};

const USERS: &str = r#"
description = "create users"

[[steps]]
op = "create_table"
table = "users"
columns = [
  { name = "id", type = "bigint", primary_key = true, identity = true },
  { name = "email", type = "varchar(255)", nullable = false },
]
"#;

const EMAIL: &str = "description = \"add email_normalized\"\r\nphase = \"expand\"\r\n\r\n[[steps]]\r\nop = \"add_column\"\r\ntable = \"users\"\r\ncolumn = { name = \"email_normalized\", type = \"varchar(255)\" }\r\n";

const BACKFILL: &str = r#"
description = """fill email_normalized,
over two lines"""
phase = "backfill"
requires = ["0002"]

[[steps]]
op = "backfill"
id = "users_email"
table = "users"
pending = "email_normalized IS NULL"
set.email_normalized = "lower(trim(email))"

[[checks]]
name = "all filled"
table = "users"
where = "email_normalized IS NULL"
expect = 0
"#;

const FILES: [(&str, &str); 3] = [
    ("0001_users.toml", USERS),
    ("0002_email.toml", EMAIL),
    ("0003_backfill.toml", BACKFILL),
];

fn sources<'a>(files: &'a [(String, &'a str)]) -> Vec<Source<'a>> {
    files
        .iter()
        .map(|(path, text)| Source { path, text })
        .collect()
}

fn in_migrations(files: &[(&str, &'static str)]) -> Vec<(String, &'static str)> {
    files
        .iter()
        .map(|(name, text)| (format!("migrations/{name}"), *text))
        .collect()
}

#[test]
fn sources_load_with_the_checksums_of_the_directory() {
    let dir = TempPlan::new(&FILES);
    let from_dir = dir.load();
    // Given in another order, beside files that are not migrations.
    let mut files = in_migrations(&FILES);
    files.reverse();
    files.push(("migrations/cutover.toml".into(), "plan = 3 garbage"));
    files.push(("migrations/README.md".into(), "not a plan"));
    let from_text = Plan::from_sources(
        Path::new("migrations"),
        &sources(&files),
        &LoadOptions::default(),
    )
    .expect("loads");
    let sums = |p: &Plan| -> Vec<(String, String)> {
        p.migrations
            .iter()
            .map(|m| (m.version.text.clone(), m.checksum.clone()))
            .collect()
    };
    assert_eq!(sums(&from_text), sums(&from_dir));
    assert_eq!(from_text.migrations.len(), 3);
    assert_eq!(
        from_text.migrations[1].path,
        Path::new("migrations/0002_email.toml")
    );
    assert_eq!(from_text.dir, Path::new("migrations"));
}

#[test]
fn sources_fail_with_the_messages_of_the_directory() {
    let broken = "description = \"x\"\n\n[[steps]]\nop = \"create_table\"\ntable = \"t\"\ncolumns = [{ name = \"id\", type = \"no_such_type\" }]\n";
    let cases: [&[(&str, &str)]; 3] = [
        &[("0001_a.toml", USERS), ("0002_b.toml", broken)],
        &[("0001_a.toml", USERS), ("01_b.toml", EMAIL)],
        &[("0001_a.toml", USERS), ("bad-name.toml", EMAIL)],
    ];
    for files in cases {
        let dir = TempPlan::new(files);
        let dir_err = Plan::load(&dir.dir)
            .expect_err("directory load fails")
            .to_string();
        let text_files: Vec<(String, &str)> = files
            .iter()
            .map(|(n, t)| (format!("{}/{n}", dir.dir.display()), *t))
            .collect();
        let text_err = Plan::from_sources(&dir.dir, &sources(&text_files), &LoadOptions::default())
            .expect_err("text load fails")
            .to_string();
        assert_eq!(text_err, dir_err);
        assert!(text_err.contains(".toml:"), "{text_err}");
    }
}

#[test]
fn generate_embeds_a_valid_plan_and_refuses_a_broken_one() {
    let krate = TempPlan::new(&[]);
    let plan_dir = krate.dir.join("migrations");
    std::fs::create_dir_all(&plan_dir).expect("mkdir");
    for (name, text) in FILES {
        std::fs::write(plan_dir.join(name), text).expect("write");
    }
    std::fs::write(
        krate.dir.join("cutover.toml"),
        "history_table = \"app_history\"\n",
    )
    .expect("write config");
    let out = krate.dir.join("cutover_plan.rs");
    let watched = generate(&krate.dir, Path::new("migrations"), &out).expect("generates");
    assert!(watched.contains(&plan_dir));
    assert!(watched.contains(&krate.dir.join("cutover.toml")));
    let code = std::fs::read_to_string(&out).expect("read generated");
    assert!(
        code.contains("path: \"migrations/0001_users.toml\""),
        "{code}"
    );
    assert!(code.contains("path: \"cutover.toml\""), "{code}");
    assert_eq!(code.matches("include_str!").count(), 4, "{code}");

    // A migration that does not load fails the build with its path and line.
    std::fs::write(
        plan_dir.join("0004_bad.toml"),
        "description = \"x\"\n\n[[steps]]\nop = \"drop_column\"\ntable = \"users\"\ncolum = \"email\"\n",
    )
    .expect("write");
    let err = generate(&krate.dir, Path::new("migrations"), &out)
        .expect_err("a broken plan is refused")
        .to_string();
    assert!(err.starts_with("migrations/0004_bad.toml:"), "{err}");
}

#[test]
fn generate_watches_cutover_toml_before_it_exists_and_finds_it_in_a_parent() {
    let project = TempPlan::new(&[]);
    let krate = project.dir.join("crates").join("app");
    let plan_dir = krate.join("migrations");
    std::fs::create_dir_all(&plan_dir).expect("mkdir");
    for (name, text) in FILES {
        std::fs::write(plan_dir.join(name), text).expect("write");
    }
    let out = krate.join("cutover_plan.rs");

    // No cutover.toml anywhere: the one beside Cargo.toml is watched so that adding it reruns
    // the build script (and the embedded plan takes its history table).
    let watched = generate(&krate, Path::new("migrations"), &out).expect("generates");
    assert!(watched.contains(&krate.join("cutover.toml")), "{watched:?}");
    let code = std::fs::read_to_string(&out).expect("read generated");
    assert!(
        code.contains("config: ::core::option::Option::None"),
        "{code}"
    );

    // The project's cutover.toml two levels up, where the CLI finds it from the crate's
    // directory: the embedded plan uses it too.
    std::fs::write(
        project.dir.join("cutover.toml"),
        "history_table = \"app_history\"\n",
    )
    .expect("write config");
    let watched = generate(&krate, Path::new("migrations"), &out).expect("generates");
    assert!(
        watched.contains(&project.dir.join("cutover.toml")),
        "{watched:?}"
    );
    assert!(watched.contains(&krate.join("cutover.toml")), "{watched:?}");
    let code = std::fs::read_to_string(&out).expect("read generated");
    assert!(code.contains("path: \"../../cutover.toml\""), "{code}");
}

#[test]
fn embedded_plan_loads_like_the_directory_and_reads_its_config() {
    static FILES_EMBEDDED: [EmbeddedFile; 3] = [
        EmbeddedFile {
            path: "migrations/0001_users.toml",
            text: USERS,
        },
        EmbeddedFile {
            path: "migrations/0002_email.toml",
            text: EMAIL,
        },
        EmbeddedFile {
            path: "migrations/0003_backfill.toml",
            text: BACKFILL,
        },
    ];
    static PLAN: EmbeddedPlan = EmbeddedPlan {
        dir: "migrations",
        config: Some(EmbeddedFile {
            path: "cutover.toml",
            text: "history_table = \"app_history\"\ndialects = [\"postgres\"]\n",
        }),
        files: &FILES_EMBEDDED,
    };
    let plan = PLAN.load().expect("loads");
    let dir = TempPlan::new(&FILES).load();
    for (a, b) in plan.migrations.iter().zip(&dir.migrations) {
        assert_eq!(a.checksum, b.checksum, "{}", a.label());
    }
    let config = PLAN.config().expect("config");
    assert_eq!(config.history_table, "app_history");
    let options = cutover_core::app::MigratorOptions::from_config(&config);
    assert_eq!(options.runner.history_table, "app_history");
}

/// Compile-only: a `Migrator` and its futures can move to another task (`tokio::spawn`).
#[allow(dead_code)]
fn migrator_and_its_futures_are_send(m: &mut cutover_core::app::Migrator) {
    fn send<T: Send>(_: T) {}
    send(m.up());
    send(m.status());
    send(m.backfill("id"));
}

#[allow(dead_code)]
fn migrator_is_send(m: cutover_core::app::Migrator) {
    fn send<T: Send>(_: T) {}
    send(m);
}
