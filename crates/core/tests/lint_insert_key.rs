//! `plan/insert-backfill-without-key` (red-team finding 11): an insert backfill with no
//! `pending` whose target has no unique key made of inserted columns never picks up new
//! source rows, and `--restart` duplicates every row. The rule fires on that shape and stays
//! silent when a unique key (primary key, unique constraint or unique index added later)
//! covers the inserted columns, or when the backfill has a `pending`.

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};

use cutover_core::Dialect;
use cutover_core::lint::{Finding, Severity, lint_plan, rule};
use cutover_core::plan::Plan;

const RULE: &str = "plan/insert-backfill-without-key";

/// A `profiles` source and a `profile_media` target with an identity id only, as in the
/// red team's plan; `extra` is added to the target's `create_table`.
fn base(extra: &str) -> String {
    format!(
        r#"description = "base"
[[steps]]
op = "create_table"
table = "profiles"
columns = [{{ name = "id", type = "bigint", primary_key = true }}, {{ name = "links", type = "json" }}]
[[steps]]
op = "create_table"
table = "profile_media"
columns = [
  {{ name = "id", type = "bigint", primary_key = true, identity = true }},
  {{ name = "profile_id", type = "bigint", nullable = false }},
  {{ name = "position", type = "integer", nullable = false }},
]
{extra}
"#
    )
}

const COPY: &str = r#"description = "copy"
[[steps]]
op = "backfill"
id = "profile_media"
table = "profiles"
insert_into = "profile_media"
explode = { column = "links", as = "link" }
values.profile_id = "profiles.id"
values.position = "link.position"
"#;

fn lint(files: &[(&str, &str)]) -> Vec<Finding> {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    let dir: PathBuf =
        std::env::temp_dir().join(format!("cutover-lint-key-{}-{n}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("dir");
    for (name, text) in files {
        std::fs::write(dir.join(name), text).expect("write");
    }
    let plan = Plan::load(&dir).unwrap_or_else(|e| panic!("plan does not load: {e}"));
    let _ = std::fs::remove_dir_all(&dir);
    lint_plan(&plan, &Dialect::ALL)
        .into_iter()
        .filter(|f| f.rule == RULE)
        .collect()
}

#[test]
fn fires_on_an_unkeyed_target_without_pending() {
    let base = base("");
    let found = lint(&[("0001_base.toml", &base), ("0002_copy.toml", COPY)]);
    assert_eq!(found.len(), 1, "{found:?}");
    let f = &found[0];
    assert_eq!((f.severity, f.line), (Severity::Warning, 2));
    assert!(
        f.message.contains("`profile_media`") && f.message.contains("profile_id, position"),
        "{}",
        f.message
    );
    let info = rule(RULE).expect("registered");
    assert!(
        info.fix.contains("on_conflict = \"ignore\""),
        "{}",
        info.fix
    );
    assert!(info.fix.contains("NOT EXISTS"), "{}", info.fix);
}

#[test]
fn on_conflict_without_a_key_is_not_enough() {
    let base = base("");
    let copy = format!("{COPY}on_conflict = \"ignore\"\n");
    assert_eq!(
        lint(&[("0001_base.toml", &base), ("0002_copy.toml", &copy)]).len(),
        1
    );
}

#[test]
fn silent_with_a_covering_unique_key() {
    let copy = format!("{COPY}on_conflict = \"ignore\"\n");
    let keyed = base("unique = [{ columns = [\"profile_id\", \"position\"] }]");
    assert_eq!(
        lint(&[("0001_base.toml", &keyed), ("0002_copy.toml", &copy)]),
        Vec::new()
    );
    // So does a unique column, the key the engine's default anti-join uses.
    let column = base("").replace(
        "{ name = \"profile_id\", type = \"bigint\", nullable = false }",
        "{ name = \"profile_id\", type = \"bigint\", nullable = false, unique = true }",
    );
    assert!(column.contains("unique = true"));
    assert_eq!(
        lint(&[("0001_base.toml", &column), ("0002_copy.toml", &copy)]),
        Vec::new()
    );
    // A unique index added by a later migration counts too; one on other columns does not.
    let index = |cols: &str| {
        format!(
            "description = \"key\"\n[[steps]]\nop = \"create_index\"\ntable = \"profile_media\"\ncolumns = [{cols}]\nunique = true\n"
        )
    };
    let base = base("");
    let covered = index("\"profile_id\", \"position\"");
    assert_eq!(
        lint(&[
            ("0001_base.toml", &base),
            ("0002_key.toml", &covered),
            ("0003_copy.toml", &copy)
        ]),
        Vec::new()
    );
    let partial = index("\"profile_id\", \"id\"");
    assert_eq!(
        lint(&[
            ("0001_base.toml", &base),
            ("0002_key.toml", &partial),
            ("0003_copy.toml", &copy)
        ])
        .len(),
        1
    );
}

#[test]
fn silent_with_pending() {
    let base = base("");
    let copy = format!(
        "{COPY}pending = \"NOT EXISTS (SELECT 1 FROM profile_media pm WHERE pm.profile_id = profiles.id)\"\n"
    );
    assert_eq!(
        lint(&[("0001_base.toml", &base), ("0002_copy.toml", &copy)]),
        Vec::new()
    );
}
