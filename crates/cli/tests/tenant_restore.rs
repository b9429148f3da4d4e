//! `cutover restore` into a schema-per-tenant target (`?search_path=`) of another schema is
//! refused: a dump restores into the schema it was taken from, so restoring "into" tenant B
//! would overwrite tenant A (red-team finding). The refusal comes before anything is
//! written. The manifest records the schema, and the same tenant may restore its backup.

mod common;

use cutover_cli::connect::{connect, open_url};
use cutover_core::lifecycle::drop_database;
use cutover_core::url::with_database;
use cutover_tests::Backend;
use cutover_tests::plans::PlanDir;

#[tokio::test]
async fn a_backup_is_not_restored_into_a_tenant_schema() {
    if !cutover_tests::backends().contains(&Backend::Postgres) {
        return; // PostgreSQL only; the backend list is the user's explicit choice.
    }
    let plan = PlanDir::new();
    plan.write(
        "0001_items.toml",
        "description = \"items\"\n[[steps]]\nop = \"create_table\"\ntable = \"items\"\ncolumns = [ { name = \"id\", type = \"bigint\", primary_key = true }, { name = \"name\", type = \"text\" } ]\n",
    );
    let db = format!("cutover_t_tenant_restore_{}", std::process::id());
    let base = with_database(&Backend::Postgres.server_url(), &db);
    let (a, b) = (
        format!("{base}?search_path=tenant_a"),
        format!("{base}?search_path=tenant_b"),
    );
    let dir = plan.path().to_str().expect("utf8").to_string();
    let file = plan.path().join("tenant_a.dump");
    for url in [&a, &b] {
        let out = common::run(
            plan.path(),
            &[
                "up",
                "--database",
                url,
                "--plan",
                &dir,
                "--create-database",
                "--no-backup",
            ],
        );
        assert_eq!(out.status.code(), Some(0), "{}", common::text(&out));
    }
    let mut conn = connect(&base).await.expect("connect");
    conn.execute("INSERT INTO tenant_a.items VALUES (1, 'a-original'); INSERT INTO tenant_b.items VALUES (1, 'b-original')")
        .await
        .expect("seed");
    let out = common::run(
        plan.path(),
        &[
            "backup",
            "--database",
            &a,
            "--plan",
            &dir,
            "--output",
            file.to_str().expect("utf8"),
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", common::text(&out));
    conn.execute("UPDATE tenant_a.items SET name = 'a-changed'")
        .await
        .expect("change tenant a");

    let out = common::run(
        plan.path(),
        &[
            "restore",
            file.to_str().expect("utf8"),
            "--database",
            &b,
            "--plan",
            &dir,
            "--yes",
        ],
    );
    let text = common::text(&out);
    assert_ne!(out.status.code(), Some(0), "{text}");
    assert!(text.contains("schema-per-tenant"), "{text}");
    let names = conn
        .query("SELECT (SELECT name FROM tenant_a.items), (SELECT name FROM tenant_b.items)")
        .await
        .expect("read");
    assert_eq!(
        names.rows,
        vec![vec![
            Some("a-changed".to_string()),
            Some("b-original".to_string())
        ]],
        "neither tenant may change"
    );
    // The manifest records the tenant's schema, and the same tenant may restore it.
    let manifest = std::fs::read_to_string(plan.path().join("tenant_a.dump.manifest.json"))
        .expect("manifest beside the backup");
    assert!(manifest.contains("\"schema\": \"tenant_a\""), "{manifest}");
    let out = common::run(
        plan.path(),
        &[
            "restore",
            file.to_str().expect("utf8"),
            "--database",
            &a,
            "--plan",
            &dir,
            "--yes",
        ],
    );
    let text = common::text(&out);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(text.contains("into schema \"tenant_a\""), "{text}");
    // Into the database's URL without a schema: the success line says where it went
    // (rtf #5), in text and JSON.
    conn.execute("UPDATE tenant_a.items SET name = 'a-changed'")
        .await
        .expect("change tenant a");
    let restore_into = |url: &str, json: bool| {
        let mut args = vec![
            "restore",
            file.to_str().expect("utf8"),
            "--database",
            url,
            "--plan",
            &dir,
            "--yes",
        ];
        if json {
            args.push("--json");
        }
        common::run(plan.path(), &args)
    };
    let out = restore_into(&base, false);
    let text = common::text(&out);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(
        text.contains(
            "into schema \"tenant_a\" (the backup's own schema, not the target's default schema)"
        ),
        "{text}"
    );
    let out = restore_into(&base, true);
    assert_eq!(common::json(&out)["into_schema"], "tenant_a");
    let names = conn
        .query("SELECT (SELECT name FROM tenant_a.items), (SELECT name FROM tenant_b.items)")
        .await
        .expect("read");
    assert_eq!(
        names.rows,
        vec![vec![
            Some("a-original".to_string()),
            Some("b-original".to_string())
        ]],
        "tenant a is back at its backup, tenant b untouched"
    );
    let _ = conn.close().await;
    let _ = drop_database(&base, &open_url).await;
}
