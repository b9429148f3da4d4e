//! A schema using every supported feature, introspected on each database, equals the model
//! replayed from the plan; and a change made behind cutover's back shows up as drift.

use cutover_cli::connect::connect;
use cutover_core::Dialect;
use cutover_core::plan::Plan;
use cutover_core::runner::{Runner, RunnerOptions, Silent, Target};
use cutover_core::schema::{Schema, diff};
use cutover_tests::plans::PlanDir;
use cutover_tests::{Backend as Kind, for_each_backend};

const FEATURES: &str = r#"
description = "every supported schema feature"
[[steps]]
op = "create_table"
table = "owners"
columns = [
  { name = "id", type = "bigint", primary_key = true, identity = true },
  { name = "email", type = "varchar(120)", nullable = false, unique = true },
  { name = "name", type = "text", nullable = false, default = "anonymous" },
  { name = "active", type = "boolean", nullable = false, default = true },
  { name = "created_at", type = "timestamptz", nullable = false, default_expr = "now()" },
]
checks = [{ name = "email_has_at", expr = "email LIKE '%@%'" }]
[[steps]]
op = "create_table"
table = "items"
columns = [
  { name = "owner_id", type = "bigint", nullable = false },
  { name = "sku", type = "varchar(40)", nullable = false },
  { name = "qty", type = "integer", nullable = false, default = 0 },
  { name = "price", type = "decimal(10,2)" },
  { name = "weight", type = "real" },
  { name = "ratio", type = "double" },
  { name = "born", type = "date" },
  { name = "seen_at", type = "timestamp" },
  { name = "ref", type = "uuid" },
  { name = "attrs", type = "json" },
  { name = "blob", type = "bytes" },
]
primary_key = ["owner_id", "sku"]
unique = [{ name = "uq_items_ref", columns = ["ref"] }]
checks = [{ name = "qty_not_negative", expr = "qty >= 0" }]
foreign_keys = [
  { columns = ["owner_id"], references = "owners(id)", on_delete = "cascade", on_update = "cascade" },
]
[[steps]]
op = "create_index"
table = "items"
columns = ["owner_id", "seen_at DESC"]
[[steps]]
op = "create_index"
table = "items"
name = "uq_items_owner_born"
columns = ["owner_id", "born"]
unique = true
[[steps]]
op = "add_column"
table = "owners"
column = { name = "nickname", type = "varchar(30)" }
[[steps]]
op = "rename_column"
table = "owners"
column = "nickname"
to = "handle"
"#;

const PARTIAL: &str = r#"
description = "a partial index (not on MySQL)"
[[steps]]
op = "create_index"
table = "items"
name = "idx_items_heavy"
columns = ["weight"]
where = "weight > 10"
"#;

fn replay(plan: &Plan) -> Schema {
    let mut schema = Schema::default();
    for m in &plan.migrations {
        for s in &m.steps {
            schema.apply(&s.item);
        }
    }
    schema
}

#[tokio::test]
async fn introspection_equals_the_replayed_plan() {
    for_each_backend(|db| async move {
        let dir = PlanDir::new();
        dir.write("0001_features.toml", FEATURES);
        if db.backend() != Kind::Mysql {
            dir.write("0002_partial.toml", PARTIAL);
        }
        let plan = dir.load();
        let mut b = connect(db.url()).await.expect("connect");
        Runner::new(b.as_mut(), &plan, RunnerOptions::default(), &Silent)
            .up(Target::Latest)
            .await
            .expect("up");
        let dialect: Dialect = db.backend().name().parse().expect("dialect");
        let expected = replay(&plan).shape(dialect);
        let actual = b.introspect().await.expect("introspect");
        let differences = diff(&expected, &actual);
        assert!(
            differences.is_empty(),
            "{differences:#?}\nexpected {expected:#?}\nactual {actual:#?}"
        );
        assert_eq!(
            actual.tables.len(),
            2,
            "cutover's own tables are not part of the shape"
        );
        let items = &actual.tables["items"];
        assert_eq!(items.primary_key, ["owner_id", "sku"]);
        assert_eq!(
            items
                .columns
                .iter()
                .find(|c| c.name == "attrs")
                .map(|c| c.ty.as_str()),
            Some("json")
        );
        assert_eq!(
            items
                .columns
                .iter()
                .find(|c| c.name == "price")
                .map(|c| c.ty.as_str()),
            Some("decimal(10,2)")
        );

        // A change behind cutover's back is drift.
        b.execute("CREATE TABLE stray (id INTEGER PRIMARY KEY)")
            .await
            .expect("stray table");
        b.execute("CREATE INDEX idx_owners_name ON owners (name(20))")
            .await
            .or(b
                .execute("CREATE INDEX idx_owners_name ON owners (name)")
                .await)
            .expect("stray index");
        let drift = diff(&expected, &b.introspect().await.expect("introspect"));
        let objects: Vec<String> = drift
            .iter()
            .map(|d| format!("{}: {}", d.object, d.detail))
            .collect();
        assert_eq!(
            objects,
            [
                "owners: index idx_owners_name not in the plan",
                "stray: table not in the plan"
            ]
        );
        b.close().await.expect("close");
    })
    .await;
}
