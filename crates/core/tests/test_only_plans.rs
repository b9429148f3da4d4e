//! Loading test-only migrations (`test_only = true`): set apart from the plan that `up`,
//! `status` and `lint` see, limited to data steps, never required by a real migration.

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};

use cutover_core::plan::Plan;

/// A plan directory under the system temp dir, removed when dropped.
struct TempPlan {
    dir: PathBuf,
}

impl TempPlan {
    fn new(files: &[(&str, &str)]) -> TempPlan {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let dir =
            std::env::temp_dir().join(format!("cutover-test-only-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("create temp plan dir");
        for (name, text) in files {
            std::fs::write(dir.join(name), text).expect("write plan file");
        }
        TempPlan { dir }
    }

    fn load_err(&self) -> String {
        match Plan::load(&self.dir) {
            Ok(_) => panic!("the plan loaded, expected an error"),
            Err(e) => e.to_string(),
        }
    }
}

impl Drop for TempPlan {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

const T: &str = "description = \"t\"\n[[steps]]\nop = \"create_table\"\ntable = \"t\"\ncolumns = [{ name = \"id\", type = \"bigint\", primary_key = true }]\n";
const SEED: &str = "description = \"seed\"\ntest_only = true\n[[steps]]\nop = \"sql\"\nsql = \"INSERT INTO t (id) VALUES (1)\"\ndown = \"DELETE FROM t\"\n";
const U: &str = "description = \"u\"\n[[steps]]\nop = \"create_table\"\ntable = \"u\"\ncolumns = [{ name = \"id\", type = \"bigint\", primary_key = true }]\n";

#[test]
fn test_only_migrations_are_set_apart_and_merged_for_the_test() {
    let p = TempPlan::new(&[
        ("0001_t.toml", T),
        ("0002_seed.toml", SEED),
        ("0003_u.toml", U),
    ]);
    let plan = Plan::load(&p.dir).expect("loads");
    let real: Vec<String> = plan
        .migrations
        .iter()
        .map(|m| m.version.to_string())
        .collect();
    assert_eq!(real, ["0001", "0003"]);
    assert_eq!(plan.test_only.len(), 1);
    assert!(plan.test_only[0].test_only);
    let all: Vec<String> = plan
        .with_test_only()
        .migrations
        .iter()
        .map(|m| m.version.to_string())
        .collect();
    assert_eq!(all, ["0001", "0002", "0003"]);
}

#[test]
fn a_schema_step_in_a_test_only_migration_is_refused() {
    let bad = "description = \"seed\"\ntest_only = true\n[[steps]]\nop = \"sql\"\nsql = \"INSERT INTO t (id) VALUES (1)\"\ndown = \"DELETE FROM t\"\n\n[[steps]]\nop = \"add_column\"\ntable = \"t\"\ncolumn = { name = \"x\", type = \"integer\" }\n";
    let p = TempPlan::new(&[("0001_t.toml", T), ("0002_seed.toml", bad)]);
    let err = p.load_err();
    let want = format!(
        "{}:8: migration 0002 (seed) is test_only, so it may only load data (`sql` and `backfill` steps)",
        p.dir.join("0002_seed.toml").display()
    );
    assert!(err.starts_with(&want), "expected `{want}`, got `{err}`");
}

#[test]
fn a_real_migration_may_not_require_a_test_only_one() {
    let u = format!("requires = [\"0002\"]\n{U}");
    let p = TempPlan::new(&[
        ("0001_t.toml", T),
        ("0002_seed.toml", SEED),
        ("0003_u.toml", &u),
    ]);
    let err = p.load_err();
    assert!(
        err.contains("0003_u.toml:1: `requires` names 0002, a test_only migration that never runs on a real database"),
        "{err}"
    );
}
