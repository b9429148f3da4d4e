//! One notion of "destructive step": the runner's contract gate (`Plan::losses`) and the lint
//! rule `plan/destructive-outside-contract` report the same steps, for every step kind and for
//! raw SQL (drops, truncates, cascades, rebuilds, unreadable SQL), and neither reports a table
//! created earlier in the same migration (typed, raw, or renamed). The steps that lose data are
//! marked by a `# loss` line above their `[[steps]]`.

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicUsize, Ordering};

use cutover_core::Dialect;
use cutover_core::lint::lint_plan;
use cutover_core::plan::Plan;

const BASE: &str = r#"description = "base"

[[steps]]
op = "create_table"
table = "users"
columns = [
  { name = "id", type = "bigint", primary_key = true, identity = true },
  { name = "name", type = "text" },
  { name = "age", type = "integer" },
  { name = "score", type = "bigint" },
  { name = "bio", type = "text" },
]

[[steps]]
op = "create_table"
table = "posts"
columns = [
  { name = "id", type = "bigint", primary_key = true },
  { name = "user_id", type = "bigint" },
  { name = "title", type = "text" },
]

[[steps]]
op = "create_table"
table = "logs"
columns = [{ name = "id", type = "bigint", primary_key = true }]

[[steps]]
op = "create_table"
table = "archive"
columns = [{ name = "id", type = "bigint", primary_key = true }]

[[steps]]
op = "create_table"
table = "events"
columns = [{ name = "id", type = "bigint", primary_key = true }, { name = "kind", type = "text" }]
"#;

const SAFE: &str = r#"description = "every step kind that loses nothing"

[[steps]]
op = "add_column"
table = "users"
column = { name = "email", type = "text" }

[[steps]]
op = "rename_column"
table = "users"
column = "bio"
to = "about"

[[steps]]
op = "alter_column"
table = "users"
column = "age"
type = "bigint"

[[steps]]
op = "create_index"
table = "posts"
columns = ["user_id"]

[[steps]]
op = "drop_index"
table = "posts"
name = "idx_posts_user_id"

[[steps]]
op = "add_foreign_key"
table = "posts"
columns = ["user_id"]
references = "users(id)"
not_valid = true

[[steps]]
op = "validate_constraint"
table = "posts"
name = "fk_posts_user_id"

[[steps]]
op = "drop_foreign_key"
table = "posts"
name = "fk_posts_user_id"

[[steps]]
op = "add_check"
table = "users"
name = "ck_age"
expr = "age >= 0"

[[steps]]
op = "drop_check"
table = "users"
name = "ck_age"

[[steps]]
op = "add_unique"
table = "posts"
columns = ["title"]

[[steps]]
op = "drop_unique"
table = "posts"
name = "uq_posts_title"

[[steps]]
op = "backfill"
table = "users"
set.email = "name"
pending = "email IS NULL"

[[steps]]
op = "resync_identity"
table = "users"
column = "id"

[[steps]]
op = "rename_table"
table = "logs"
to = "audit_logs"

[[steps]]
op = "sql"
sql = "UPDATE users SET name = 'x' WHERE id = 1"
down = "SELECT 1"
"#;

const LOSSES: &str = r#"description = "every step kind that loses data"

# loss
[[steps]]
op = "drop_column"
table = "users"
column = "about"

# loss
[[steps]]
op = "alter_column"
table = "users"
column = "score"
type = "integer"

# loss
[[steps]]
op = "delete_rows"
table = "posts"
where = "title IS NULL"

# loss
[[steps]]
op = "drop_table"
table = "audit_logs"

# loss
[[steps]]
op = "sql"
sql = "DROP TABLE archive"

# loss
[[steps]]
op = "sql"
sql = "ALTER TABLE events DROP COLUMN kind"

# loss
[[steps]]
op = "sql"
sql = "TRUNCATE posts"

# loss
[[steps]]
op = "sql"
postgres = "DROP VIEW v CASCADE"
sql = "SELECT 1"

# loss
[[steps]]
op = "sql"
sql = "CREATE TRIGGER x ... ; DROP TABLE y"

[[steps]]
op = "sql"
sql = "CREATE TABLE events_new (id bigint); DROP TABLE events; ALTER TABLE events_new RENAME TO events"
"#;

const NEW_TABLES: &str = r#"description = "tables new in the migration lose nothing"

[[steps]]
op = "create_table"
table = "tmp"
columns = [{ name = "id", type = "bigint", primary_key = true }]

[[steps]]
op = "drop_table"
table = "tmp"

[[steps]]
op = "sql"
sql = "CREATE TABLE tmp2 (id bigint)"

[[steps]]
op = "sql"
sql = "DROP TABLE tmp2"

[[steps]]
op = "create_table"
table = "a_new"
columns = [{ name = "id", type = "bigint", primary_key = true }, { name = "n", type = "integer" }]

[[steps]]
op = "rename_table"
table = "a_new"
to = "a2"

[[steps]]
op = "drop_column"
table = "a2"
column = "n"

[[steps]]
op = "drop_table"
table = "a2"
"#;

/// (version, line) of every step that loses data, as the gate, the lint rule and the
/// `# loss` marks see it.
type Lines = BTreeSet<(String, usize)>;

#[test]
fn the_gate_and_the_lint_rule_agree_on_every_step_kind() {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    let dir = std::env::temp_dir().join(format!("cutover-destructive-{}-{n}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("dir");
    let files = [
        ("0001_base.toml", BASE),
        ("0002_safe.toml", SAFE),
        ("0003_losses.toml", LOSSES),
        ("0004_new_tables.toml", NEW_TABLES),
    ];
    let mut marked = Lines::new();
    for (name, text) in files {
        std::fs::write(dir.join(name), text).expect("write");
        let version = name[..4].to_string();
        for (i, line) in text.lines().enumerate() {
            if line == "# loss" {
                // The step's line is its `[[steps]]` header, the next one.
                marked.insert((version.clone(), i + 2));
            }
        }
    }
    let plan = Plan::load(&dir).unwrap_or_else(|e| panic!("loads: {e}"));
    let _ = std::fs::remove_dir_all(&dir);

    let gate: Lines = plan
        .losses(None)
        .into_iter()
        .flat_map(|(v, losses)| {
            losses
                .into_iter()
                .map(move |(line, _)| (format!("{v:04}"), line))
        })
        .collect();
    let lint: Lines = lint_plan(&plan, &Dialect::ALL)
        .into_iter()
        .filter(|f| f.rule == "plan/destructive-outside-contract")
        .map(|f| (f.migration, f.line))
        .collect();
    assert_eq!(gate, marked, "the gate");
    assert_eq!(lint, marked, "the lint rule");
    // Per dialect the gate reads only that dialect's SQL: the CASCADE is PostgreSQL's.
    let mysql: Lines = plan
        .losses(Some(Dialect::Mysql))
        .into_iter()
        .flat_map(|(v, l)| {
            l.into_iter()
                .map(move |(line, _)| (format!("{v:04}"), line))
        })
        .collect();
    assert_eq!(mysql.len(), marked.len() - 1);
}
