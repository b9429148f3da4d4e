use super::*;

fn parse(src: &str) -> Result<Config> {
    Config::parse(Path::new("/proj/cutover.toml"), src)
}

#[test]
fn groups_mix_names_and_urls() {
    let cfg = parse(
        "[targets.a]\nurl = \"sqlite://a.db\"\n[groups.g]\ntargets = [\"a\", \"postgres://u:pw@h/db\"]\n",
    )
    .expect("valid");
    let m = cfg.group_members("g").expect("members");
    assert_eq!(m[0].name, "a");
    assert_eq!(m[1].name, "postgres://u:***@h/db");
    assert_eq!(m[1].url, "postgres://u:pw@h/db");
    assert!(
        cfg.group_members("x")
            .unwrap_err()
            .to_string()
            .contains("known groups: g")
    );
}

#[test]
fn unknown_entries_and_empty_groups_name_the_line() {
    let err = parse("[targets.a]\nurl = \"sqlite://a.db\"\n[groups.g]\ntargets = [\"a\", \"b\"]\n")
        .unwrap_err()
        .to_string();
    assert!(err.starts_with("/proj/cutover.toml:4:"), "{err}");
    assert!(err.contains("groups.g.targets[1]: `b`"), "{err}");
    let err = parse("\n[groups.empty]\n").unwrap_err().to_string();
    assert!(err.starts_with("/proj/cutover.toml:2:"), "{err}");
    let err = parse("[groups.g]\ntargets = [\"oracle://x\"]\n")
        .unwrap_err()
        .to_string();
    assert!(err.contains("groups.g.targets[0]"), "{err}");
}

#[test]
fn url_lines_skip_comments_and_name_bad_lines() {
    let got = url_lines(
        "# tenants\nsqlite://a.db # first\n\nsqlite://b.db\n",
        "t.txt",
        Path::new("/proj"),
    )
    .expect("valid");
    assert_eq!(got.len(), 2);
    assert_eq!(got[1].url, "sqlite:///proj/b.db");
    let err = url_lines("sqlite://a.db\nnot a url\n", "t.txt", Path::new("/proj")).unwrap_err();
    assert!(err.to_string().starts_with("t.txt:2:"), "{err}");
}

#[test]
fn commands_run_without_a_shell() {
    let dir = std::env::temp_dir();
    let cfg = Config {
        path: Some(dir.join("cutover.toml")),
        ..Config::default()
    };
    // `;` and `$(..)` are plain arguments to echo, never shell syntax.
    let out = cfg
        .run_command(
            "g",
            &Command::Line("echo sqlite://x.db;$(touch) `id`".into()),
            DEFAULT_COMMAND_TIMEOUT,
        )
        .expect("echo runs");
    assert_eq!(out.trim(), "sqlite://x.db;$(touch) `id`");
    let err = cfg
        .run_command(
            "g",
            &Command::Words(vec!["false".into()]),
            DEFAULT_COMMAND_TIMEOUT,
        )
        .unwrap_err();
    assert!(
        err.to_string().contains("groups.g.targets_command"),
        "{err}"
    );
}

#[test]
fn duplicates_are_refused() {
    let cfg =
        parse("[groups.g]\ntargets = [\"sqlite://a.db\", \"sqlite://a.db\"]\n").expect("parses");
    assert!(
        cfg.group_members("g")
            .unwrap_err()
            .to_string()
            .contains("twice")
    );
    // Spelled differently, the same database: a relative and an absolute SQLite path,
    // two URLs of one PostgreSQL schema.
    let cfg = parse(
        "[groups.g]\ntargets = [\"sqlite://a.db\", \"sqlite:///proj/x/../a.db\"]\n[groups.p]\ntargets = [\"postgres://u@H:5432/db?search_path=t1\", \"postgres://v:pw@h/db?options=-csearch_path%3Dt1\"]\n",
    )
    .expect("parses");
    for g in ["g", "p"] {
        let err = cfg.group_members(g).unwrap_err().to_string();
        assert!(err.contains("the same database"), "{err}");
        assert!(!err.contains("pw"), "{err}");
    }
}

#[test]
fn a_target_schema_becomes_its_search_path() {
    let cfg = parse(
        "[targets.t]\nurl = \"postgres://h/db\"\nschema = \"t1\"\n[targets.s]\nurl = \"sqlite://a.db\"\nschema = \"t1\"\n[targets.both]\nurl = \"postgres://h/db?search_path=x\"\nschema = \"t1\"\n",
    )
    .expect("valid");
    assert_eq!(
        cfg.target_url("t").expect("url"),
        "postgres://h/db?search_path=t1"
    );
    assert!(
        cfg.target_url("s")
            .unwrap_err()
            .to_string()
            .contains("PostgreSQL")
    );
    assert!(
        cfg.target_url("both")
            .unwrap_err()
            .to_string()
            .contains("keep one")
    );
}
