//! A missing client tool is an error that names the package to install; SQLite needs none.

mod common;

use cutover_tests::{Backend as Kind, for_each_backend};

#[tokio::test]
async fn missing_tools_name_their_package() {
    for_each_backend(|db| async move {
        let dir = std::env::temp_dir().join(format!("cutover_tools_{}", db.name()));
        let empty = dir.join("empty-path");
        std::fs::create_dir_all(&empty).expect("dir");
        let file = dir.join("b.bak");
        let (file_s, dir_s) = (file.to_str().expect("utf8"), dir.to_str().expect("utf8"));
        let no_tools = [("PATH", empty.to_str().expect("utf8"))];
        let backup = [
            "backup",
            "--database",
            db.url(),
            "--plan",
            dir_s,
            "-o",
            file_s,
        ];
        let restore = [
            "restore",
            file_s,
            "--yes",
            "--database",
            db.url(),
            "--plan",
            dir_s,
        ];
        let verify = ["backup", "verify", file_s, "--plan", dir_s];

        let out = common::run_env(&dir, &backup, &no_tools);
        let (tool, package) = match db.backend() {
            Kind::Sqlite => {
                // The online backup API needs no tool at all.
                assert_eq!(out.status.code(), Some(0), "{}", common::text(&out));
                for args in [&verify[..], &restore[..]] {
                    let out = common::run_env(&dir, args, &no_tools);
                    assert_eq!(out.status.code(), Some(0), "{}", common::text(&out));
                }
                let _ = std::fs::remove_dir_all(&dir);
                return;
            }
            Kind::Postgres => ("pg_dump", "postgresql-client"),
            Kind::Mysql => ("mariadb-dump", "mariadb-client"),
        };
        let expected = format!(
            "{tool} not found: install the {package} package (Debian: apt-get install {package})"
        );
        assert_eq!(out.status.code(), Some(1), "{}", common::text(&out));
        assert!(
            String::from_utf8_lossy(&out.stderr).contains(&expected),
            "{}",
            common::text(&out)
        );
        assert!(!file.exists(), "no file is left behind");

        // With the tools, a backup; without them, its restore (and, for Postgres, its
        // verification) names the package again.
        let out = common::run(&dir, &backup);
        assert_eq!(out.status.code(), Some(0), "{}", common::text(&out));
        let client = if db.backend() == Kind::Postgres {
            "pg_restore"
        } else {
            "mariadb"
        };
        let mut checks = vec![&restore[..]];
        if db.backend() == Kind::Postgres {
            checks.push(&verify[..]);
        }
        for args in checks {
            let out = common::run_env(&dir, args, &no_tools);
            assert_eq!(out.status.code(), Some(1), "{}", common::text(&out));
            let expected = format!("{client} not found: install the {package} package");
            assert!(
                String::from_utf8_lossy(&out.stderr).contains(&expected),
                "{args:?}: {}",
                common::text(&out)
            );
        }
        let _ = std::fs::remove_dir_all(&dir);
    })
    .await;
}
