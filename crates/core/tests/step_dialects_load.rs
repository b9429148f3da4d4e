//! Loading steps and checks limited with `dialects = [..]`: the field on typed steps, raw
//! steps, down steps and checks; its load errors (file:line); checksums (unchanged for plans
//! without the field); the per-dialect schema model of the load-time checks; and lint rules
//! that only look at the steps of their dialect.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use cutover_core::lint::lint_plan;
use cutover_core::plan::{Plan, Step};
use cutover_core::{Dialect, Error};

/// The example plan's checksums as the release before `dialects` on typed steps computed them.
const RECORDED: [(&str, &str); 4] = [
    (
        "0001",
        "d8e8f692ee743d8a317571987fb58b02b60313fb4ebd02dbb7541f157f39bc65",
    ),
    (
        "0002",
        "7cce61af67bcdd468749043501ec0dde05c2aec6855edf1237cd8fc9b12afc7d",
    ),
    (
        "0003",
        "97c43088b43460de02420d13bf8dad90b63691527663b7ba3587092c2b09cd0d",
    ),
    (
        "0004",
        "c5eb55e2b64d089114f77bc28311883bf8650305b4dc3e2b3fab0d15cf2a5f91",
    ),
];

/// A plan directory under the system temp dir, removed when dropped.
struct TempPlan {
    dir: PathBuf,
}

impl TempPlan {
    fn new(files: &[(&str, &str)]) -> TempPlan {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let dir = std::env::temp_dir().join(format!("cutover-dialects-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("create temp plan dir");
        for (name, text) in files {
            std::fs::write(dir.join(name), text).expect("write plan file");
        }
        TempPlan { dir }
    }

    fn load(&self) -> Result<Plan, Error> {
        Plan::load(&self.dir)
    }
}

impl Drop for TempPlan {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

const BASE: &str = r#"description = "base"

[[steps]]
op = "create_table"
table = "items"
columns = [
  { name = "id", type = "bigint", primary_key = true, identity = true },
  { name = "name", type = "text" },
]
"#;

/// The canonical example: NOT NULL through a validated check on PostgreSQL, a plain
/// alter_column on MySQL and SQLite.
const NOT_NULL: &str = r#"description = "items.name becomes NOT NULL"

[[steps]]
op = "add_check"
table = "items"
name = "items_name_not_null"
expr = "name IS NOT NULL"
not_valid = true
dialects = ["postgres"]

[[steps]]
op = "validate_constraint"
table = "items"
name = "items_name_not_null"
dialects = ["postgres"]

[[steps]]
op = "alter_column"
table = "items"
column = "name"
nullable = false
dialects = ["postgres"]

[[steps]]
op = "drop_check"
table = "items"
name = "items_name_not_null"
dialects = ["postgres"]

[[steps]]
op = "alter_column"
table = "items"
column = "name"
nullable = false
dialects = ["mysql", "sqlite"]

[[down]]
op = "alter_column"
table = "items"
column = "name"
nullable = true
"#;

/// Asserts that loading fails with `<file>:<line>: ` and `phrase`.
#[track_caller]
fn fails(files: &[(&str, &str)], file: &str, line: usize, phrase: &str) {
    let tmp = TempPlan::new(files);
    let err = match tmp.load() {
        Ok(_) => panic!("plan loaded, expected an error at {file}:{line}"),
        Err(e) => e,
    };
    let text = err.to_string();
    let prefix = format!("{}:{line}: ", tmp.dir.join(file).display());
    assert!(
        text.starts_with(&prefix),
        "expected `{prefix}...`, got: {text}"
    );
    assert!(text.contains(phrase), "expected `{phrase}` in: {text}");
}

#[test]
fn checksums_of_plans_without_dialects_are_unchanged() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/messages/migrations");
    let plan = Plan::load(&dir).expect("example plan loads");
    let sums: Vec<(&str, &str)> = plan
        .migrations
        .iter()
        // 0005 (PostgreSQL-only grant) came with `dialects`.
        .filter(|m| m.steps.iter().all(|s| s.dialects.is_none()))
        .map(|m| (m.version.text.as_str(), m.checksum.as_str()))
        .collect();
    assert_eq!(sums, RECORDED);
}

#[test]
fn dialects_is_part_of_the_checksum_when_present() {
    let step = "description = \"d\"\n[[steps]]\nop = \"create_index\"\ntable = \"items\"\ncolumns = [\"name\"]\n";
    let limited = format!("{step}dialects = [\"postgres\"]\n");
    let other = format!("{step}dialects = [\"mysql\"]\n");
    let sum = |text: &str| {
        let tmp = TempPlan::new(&[("0001_base.toml", BASE), ("0002_d.toml", text)]);
        tmp.load().expect("loads").migrations[1].checksum.clone()
    };
    let (plain, pg, my) = (sum(step), sum(&limited), sum(&other));
    assert_ne!(plain, pg);
    assert_ne!(pg, my);
    // `mariadb` is the same dialect as `mysql`: the same checksum.
    assert_eq!(my, sum(&format!("{step}dialects = [\"mariadb\"]\n")));
}

#[test]
fn typed_steps_down_steps_and_checks_accept_dialects() {
    let check = "\n[[checks]]\nname = \"no nulls\"\ntable = \"items\"\nwhere = \"name IS NULL\"\nexpect = 0\ndialects = [\"sqlite\"]\n";
    let tmp = TempPlan::new(&[
        ("0001_base.toml", BASE),
        ("0002_not_null.toml", &format!("{NOT_NULL}{check}")),
    ]);
    let plan = tmp.load().unwrap_or_else(|e| panic!("{e}"));
    let m = &plan.migrations[1];
    let limits: Vec<Option<Vec<Dialect>>> = m.steps.iter().map(|s| s.dialects.clone()).collect();
    let pg = Some(vec![Dialect::Postgres]);
    assert_eq!(
        limits,
        vec![
            pg.clone(),
            pg.clone(),
            pg.clone(),
            pg,
            Some(vec![Dialect::Mysql, Dialect::Sqlite])
        ]
    );
    let on = |d| m.steps_for(d).map(|(i, _)| i).collect::<Vec<_>>();
    assert_eq!(on(Dialect::Postgres), vec![0, 1, 2, 3]);
    assert_eq!(on(Dialect::Mysql), vec![4]);
    assert_eq!(m.checks_for(Dialect::Sqlite).count(), 1);
    assert_eq!(m.checks_for(Dialect::Postgres).count(), 0);
    assert!(m.down.as_ref().is_some_and(|d| d[0].dialects.is_none()));
}

#[test]
fn a_raw_sql_step_keeps_its_own_dialects_field() {
    let raw = "description = \"r\"\n[[steps]]\nop = \"sql\"\npostgres = \"SELECT 1\"\ndialects = [\"postgres\"]\n";
    let tmp = TempPlan::new(&[("0001_raw.toml", raw)]);
    let plan = tmp.load().unwrap_or_else(|e| panic!("{e}"));
    let s = &plan.migrations[0].steps[0];
    assert_eq!(s.dialects, Some(vec![Dialect::Postgres]));
    assert!(matches!(&s.item, Step::Sql(q) if q.dialects == Some(vec![Dialect::Postgres])));
    assert!(!s.runs_on(Dialect::Mysql));
}

#[test]
fn bad_dialects_lists_name_file_line_and_field() {
    let step = |list: &str| {
        format!(
            "description = \"d\"\n[[steps]]\nop = \"create_index\"\ntable = \"items\"\ncolumns = [\"name\"]\ndialects = {list}\n"
        )
    };
    for (list, phrase) in [
        ("[]", "step 1, field `dialects`: `dialects` is empty"),
        ("[\"oracle\"]", "unknown dialect `oracle`"),
        ("\"postgres\"", "must be a list of dialect names"),
        ("[\"mysql\", \"mariadb\"]", "lists mysql twice"),
        ("[1]", "is not a name"),
    ] {
        fails(
            &[("0001_base.toml", BASE), ("0002_d.toml", &step(list))],
            "0002_d.toml",
            6,
            phrase,
        );
    }
    let down = "description = \"d\"\n[[steps]]\nop = \"sql\"\nsql = \"SELECT 1\"\n[[down]]\nop = \"drop_table\"\ntable = \"items\"\ndialects = []\n";
    fails(
        &[("0001_d.toml", down)],
        "0001_d.toml",
        8,
        "down step 1, field `dialects`",
    );
    let check = "description = \"d\"\n[[steps]]\nop = \"sql\"\nsql = \"SELECT 1\"\n[[checks]]\nname = \"c\"\nsql = \"SELECT 0\"\nexpect = 0\ndialects = [\"db2\"]\n";
    fails(
        &[("0001_d.toml", check)],
        "0001_d.toml",
        9,
        "check 1, field `dialects`",
    );
}

#[test]
fn unknown_fields_of_typed_steps_are_still_reported_at_their_line() {
    let text = "description = \"d\"\n[[steps]]\nop = \"create_index\"\ntable = \"items\"\ndialects = [\"postgres\"]\ncolumns = [\"name\"]\ncolums = [\"x\"]\n";
    fails(
        &[("0001_base.toml", BASE), ("0002_d.toml", text)],
        "0002_d.toml",
        7,
        "unknown field `colums`",
    );
}

#[test]
fn a_step_is_validated_only_for_the_dialects_it_runs_on() {
    // A partial index cannot render on MySQL; limited to the others it loads and renders.
    let partial = "description = \"p\"\n[[steps]]\nop = \"create_index\"\ntable = \"items\"\ncolumns = [\"name\"]\nwhere = \"name IS NOT NULL\"\ndialects = [\"postgres\", \"sqlite\"]\n";
    let tmp = TempPlan::new(&[("0001_base.toml", BASE), ("0002_p.toml", partial)]);
    let plan = tmp.load().unwrap_or_else(|e| panic!("{e}"));
    for d in Dialect::ALL {
        cutover_core::render::render_plan(&plan, d, &Default::default())
            .unwrap_or_else(|e| panic!("{d}: {e}"));
    }
}

#[test]
fn the_schema_model_is_per_dialect() {
    let add = "description = \"a\"\n[[steps]]\nop = \"add_column\"\ntable = \"items\"\ncolumn = { name = \"extra\", type = \"integer\" }\ndialects = [\"postgres\"]\n";
    // A backfill on every dialect that reads the PostgreSQL-only column fails on MySQL's model.
    let use_all =
        "description = \"u\"\n[[steps]]\nop = \"backfill\"\ntable = \"items\"\nset.extra = \"1\"\n";
    fails(
        &[
            ("0001_base.toml", BASE),
            ("0002_add.toml", add),
            ("0003_use.toml", use_all),
        ],
        "0003_use.toml",
        5,
        "column `extra` is not a column of table `items` (its columns: id, name) (in the mysql schema",
    );
    // Limited to PostgreSQL it loads.
    let use_pg = format!("{use_all}dialects = [\"postgres\"]\n");
    let tmp = TempPlan::new(&[
        ("0001_base.toml", BASE),
        ("0002_add.toml", add),
        ("0003_use.toml", &use_pg),
    ]);
    tmp.load().unwrap_or_else(|e| panic!("{e}"));
}

#[test]
fn resync_identity_needs_a_column_the_plan_knows_or_an_explicit_one() {
    let raw = "description = \"r\"\n[[steps]]\nop = \"sql\"\nsql = \"CREATE TABLE legacy (id integer)\"\n[[steps]]\nop = \"resync_identity\"\ntable = \"legacy\"\n";
    fails(
        &[("0001_r.toml", raw)],
        "0001_r.toml",
        7,
        "give `column = \"...\"`",
    );
    let ok = format!("{raw}column = \"id\"\n");
    TempPlan::new(&[("0001_r.toml", &ok)])
        .load()
        .unwrap_or_else(|e| panic!("{e}"));
    let known = "description = \"k\"\n[[steps]]\nop = \"resync_identity\"\ntable = \"items\"\n";
    TempPlan::new(&[("0001_base.toml", BASE), ("0002_k.toml", known)])
        .load()
        .unwrap_or_else(|e| panic!("{e}"));
    let wrong = format!("{known}column = \"nme\"\n");
    fails(
        &[("0001_base.toml", BASE), ("0002_k.toml", &wrong)],
        "0002_k.toml",
        5,
        "did you mean `name`",
    );
}

#[test]
fn lint_rules_of_one_dialect_ignore_steps_limited_to_another() {
    let rules = |files: &[(&str, &str)]| {
        let tmp = TempPlan::new(files);
        let plan = tmp.load().unwrap_or_else(|e| panic!("{e}"));
        let mut ids: Vec<String> = lint_plan(&plan, &Dialect::ALL)
            .iter()
            .filter(|f| f.rule.starts_with("pg/") || f.rule.starts_with("mysql/"))
            .map(|f| format!("{} {}", f.rule, f.step.unwrap_or(0)))
            .collect();
        ids.sort();
        ids
    };
    let not_null = [("0001_base.toml", BASE), ("0002_not_null.toml", NOT_NULL)];
    // Only the PostgreSQL pattern's validation in the migration that adds the check (whose
    // lock it then holds through the scan); no MySQL rule, no pg/set-not-null.
    assert_eq!(rules(&not_null), ["pg/validate-in-same-migration 2"]);
    // Without the PostgreSQL pattern, the MySQL/SQLite step alone does not trip pg/set-not-null,
    // while the same step limited to PostgreSQL does.
    let my_only = "description = \"m\"\n[[steps]]\nop = \"alter_column\"\ntable = \"items\"\ncolumn = \"name\"\nnullable = false\ndialects = [\"mysql\", \"sqlite\"]\n";
    assert_eq!(
        rules(&[("0001_base.toml", BASE), ("0002_m.toml", my_only)]),
        Vec::<String>::new()
    );
    let pg_only = my_only.replace("[\"mysql\", \"sqlite\"]", "[\"postgres\"]");
    assert_eq!(
        rules(&[("0001_base.toml", BASE), ("0002_m.toml", &pg_only)]),
        vec!["pg/set-not-null 1".to_string()]
    );
}

#[test]
fn per_dialect_variants_of_a_backfill_may_share_an_id() {
    let variant = |dialects: &str, value: &str| {
        format!(
            "\n[[steps]]\nop = \"backfill\"\ntable = \"items\"\nset.name = \"'{value}'\"\ndialects = {dialects}\n"
        )
    };
    let disjoint = format!(
        "description = \"v\"{}{}",
        variant("[\"postgres\"]", "pg"),
        variant("[\"mysql\", \"sqlite\"]", "other")
    );
    let tmp = TempPlan::new(&[("0001_base.toml", BASE), ("0002_v.toml", &disjoint)]);
    let plan = tmp.load().unwrap_or_else(|e| panic!("{e}"));
    let on = |d| {
        cutover_core::backfill::BackfillSpec::find_on(
            &plan,
            "0002_items",
            Some(d),
            &cutover_core::backfill::BackfillScope::default_history(),
        )
        .expect("found")
        .step
        .clone()
    };
    assert_ne!(on(Dialect::Postgres), on(Dialect::Mysql));
    let overlapping = format!(
        "description = \"v\"{}{}",
        variant("[\"postgres\", \"sqlite\"]", "a"),
        variant("[\"sqlite\"]", "b")
    );
    fails(
        &[("0001_base.toml", BASE), ("0002_v.toml", &overlapping)],
        "0002_v.toml",
        8,
        "backfill id `0002_items` is already used",
    );
}

#[test]
fn lint_rules_see_the_schema_of_their_own_dialect() {
    // PostgreSQL changes `name` to varchar(20) first; MySQL's own change later is still a
    // copying ALTER there (text to varchar), which a model mixing both dialects' steps would
    // miss (varchar(20) to varchar(20)).
    let widen = |dialect: &str| {
        format!(
            "description = \"w\"\n[[steps]]\nop = \"alter_column\"\ntable = \"items\"\ncolumn = \"name\"\ntype = \"varchar(20)\"\ndialects = [\"{dialect}\"]\n"
        )
    };
    let tmp = TempPlan::new(&[
        ("0001_base.toml", BASE),
        ("0002_pg.toml", &widen("postgres")),
        ("0003_my.toml", &widen("mysql")),
    ]);
    let plan = tmp.load().unwrap_or_else(|e| panic!("{e}"));
    let copying: Vec<String> = lint_plan(&plan, &Dialect::ALL)
        .iter()
        .filter(|f| f.rule == "mysql/table-copying-alter")
        .map(|f| f.migration.clone())
        .collect();
    assert_eq!(copying, ["0003"]);
}
