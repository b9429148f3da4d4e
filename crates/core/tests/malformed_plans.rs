//! Broken plans: each must fail to load with `<file>:<line>: <message>`, the line pointing at
//! the offending key (or value) when there is one, else at the `[[steps]]` / `[[checks]]`
//! header of the item, else at the top of the file.
//!
//! The last tests feed randomly mutated copies of the example plan to the loader and the
//! renderer: they may fail, but never panic.

mod common;
use common::TempPlan;

use std::path::Path;

use cutover_core::plan::{Config, Plan};
use cutover_core::render::{RenderOptions, render_plan};
use cutover_core::{Dialect, Error};

/// Asserts that the plan of `files` fails with `<dir>/<file>:<line>: ` and `phrase`.
#[track_caller]
fn fails(files: &[(&str, &str)], file: &str, line: usize, phrase: &str) {
    let tmp = TempPlan::new(files);
    let err = match Plan::load(&tmp.dir) {
        Ok(_) => panic!("plan loaded, expected an error at {file}:{line}"),
        Err(e) => e,
    };
    assert!(
        matches!(err, Error::Plan { .. }),
        "not a plan error: {err:?}"
    );
    let text = err.to_string();
    let prefix = format!("{}:{line}: ", tmp.dir.join(file).display());
    assert!(
        text.starts_with(&prefix),
        "expected `{prefix}...`, got: {text}"
    );
    assert!(text.contains(phrase), "expected `{phrase}` in: {text}");
}

/// [`fails`] for a plan of one file, `0001_bad.toml`.
#[track_caller]
fn bad(src: &str, line: usize, phrase: &str) {
    fails(&[("0001_bad.toml", src)], "0001_bad.toml", line, phrase);
}

/// A valid migration with one step, for plans whose problem lies elsewhere.
const OK: &str = "description = \"fine\"\n\n[[steps]]\nop = \"sql\"\nsql = \"SELECT 1\"\n";

// ----- TOML and the top level -----

#[test]
fn bad_toml_syntax_points_at_the_broken_line() {
    bad(
        "description = \"x\"\n\n[[steps]]\nop = \"sql\"\nsql = \"SELECT 1\n",
        5,
        "invalid TOML: invalid basic string",
    );
}

#[test]
fn unknown_top_level_key() {
    bad(
        "description = \"x\"\nphse = \"expand\"\n\n[[steps]]\nop = \"sql\"\nsql = \"SELECT 1\"\n",
        2,
        "unknown field `phse`, expected one of `description`, `requires`, `phase`",
    );
}

#[test]
fn missing_description_points_at_the_top_of_the_file() {
    bad(
        "# no description\n\n[[steps]]\nop = \"sql\"\nsql = \"SELECT 1\"\n",
        1,
        "missing field `description`: every migration starts with `description = \"what it does\"`",
    );
}

#[test]
fn empty_step_list_points_at_steps() {
    bad(
        "description = \"x\"\nsteps = []\n",
        2,
        "a migration needs at least one step: add a [[steps]] table with an `op`",
    );
}

#[test]
fn no_steps_at_all_points_at_the_top_of_the_file() {
    bad(
        "description = \"x\"\nphase = \"expand\"\n",
        1,
        "a migration needs at least one step",
    );
}

#[test]
fn unknown_phase_points_at_its_value() {
    bad(
        "description = \"x\"\nphase = \"cleanup\"\n\n[[steps]]\nop = \"sql\"\nsql = \"SELECT 1\"\n",
        2,
        "unknown variant `cleanup`, expected one of `expand`, `backfill`, `contract`",
    );
}

#[test]
fn requires_entry_that_is_not_a_version() {
    bad(
        "description = \"x\"\nrequires = [\"first\"]\n\n[[steps]]\nop = \"sql\"\nsql = \"SELECT 1\"\n",
        2,
        "`requires` entry first is not a version number",
    );
}

// ----- steps: shape -----

#[test]
fn unknown_step_key_typo() {
    bad(
        "description = \"x\"\n\n[[steps]]\nop = \"drop_table\"\ntabel = \"users\"\n",
        5,
        "step 1 (drop_table): unknown field `tabel`, expected one of `table`, `if_exists`, `cascade`",
    );
}

#[test]
fn missing_op_points_at_the_step_header() {
    bad(
        "description = \"x\"\n\n[[steps]]\nop = \"sql\"\nsql = \"SELECT 1\"\n\n[[steps]]\ntable = \"users\"\n",
        7,
        "step 2: missing field `op`",
    );
}

#[test]
fn unknown_op_points_at_op() {
    bad(
        "description = \"x\"\n\n[[steps]]\nop = \"create_tabel\"\ntable = \"users\"\n",
        4,
        "step 1 (create_tabel): unknown variant `create_tabel`, expected one of `create_table`",
    );
}

#[test]
fn string_where_an_array_is_expected() {
    bad(
        "description = \"x\"\n\n[[steps]]\nop = \"create_index\"\ntable = \"users\"\ncolumns = \"email\"\n",
        6,
        "step 1 (create_index): invalid type: string \"email\", expected a sequence",
    );
}

#[test]
fn integer_for_a_table_name() {
    bad(
        "description = \"x\"\n\n[[steps]]\nop = \"drop_table\"\ntable = 5\n",
        5,
        "step 1 (drop_table): invalid type: integer `5`, expected a string",
    );
}

#[test]
fn unknown_key_in_an_inline_column() {
    bad(
        r#"description = "x"

[[steps]]
op = "create_table"
table = "users"
columns = [
  { name = "id", type = "bigint", primary_key = true },
  { name = "email", type = "text", nulable = true },
]
"#,
        8,
        "unknown field `nulable`, expected one of `name`, `type`, `nullable`",
    );
}

#[test]
fn unknown_sub_table_of_a_step() {
    bad(
        "description = \"x\"\n\n[[steps]]\nop = \"sql\"\nsql = \"SELECT 1\"\n[steps.extra]\na = 1\n",
        6,
        "step 1 (sql): unknown field `extra`",
    );
}

#[test]
fn wrong_type_in_a_down_step() {
    bad(
        r#"description = "x"

[[steps]]
op = "sql"
sql = "SELECT 1"

[[down]]
op = "drop_table"
table = "users"
cascade = "yes"
"#,
        10,
        "down step 1 (drop_table): invalid type: string \"yes\", expected a boolean",
    );
}

#[test]
fn unknown_dialect_in_a_list() {
    bad(
        "description = \"x\"\n\n[[steps]]\nop = \"sql\"\npostgres = \"SELECT 1\"\ndialects = [\"postgres\", \"oracle\"]\n",
        6,
        "unknown variant `oracle`, expected one of `postgres`, `mariadb`, `mysql`, `sqlite`",
    );
}

// ----- types, references, expressions -----

#[test]
fn unknown_column_type() {
    bad(
        r#"description = "x"

[[steps]]
op = "create_table"
table = "users"
columns = [
  { name = "id", type = "bigint", primary_key = true },
  { name = "email", type = "strnig" },
]
"#,
        8,
        "unknown column type `strnig`; supported: integer, bigint, text, varchar(n)",
    );
}

#[test]
fn varchar_without_length() {
    bad(
        "description = \"x\"\n\n[[steps]]\nop = \"add_column\"\ntable = \"users\"\ncolumn = { name = \"email\", type = \"varchar\" }\n",
        6,
        "varchar needs a length, e.g. varchar(255)",
    );
}

#[test]
fn bad_references_string() {
    bad(
        "description = \"x\"\n\n[[steps]]\nop = \"add_foreign_key\"\ntable = \"messages\"\ncolumns = [\"conversation_id\"]\nreferences = \"conversations.id\"\n",
        7,
        "invalid references `conversations.id`: write it as `table(column)`",
    );
}

#[test]
fn unknown_function_in_an_expression() {
    bad(
        "description = \"x\"\n\n[[steps]]\nop = \"backfill\"\ntable = \"users\"\npending = \"email IS NULL\"\nset.email = \"frobnicate(name)\"\n",
        7,
        "expression `frobnicate(name)`: unknown function `frobnicate`; supported functions:",
    );
}

#[test]
fn wrong_argument_count_in_an_expression() {
    bad(
        "description = \"x\"\n\n[[steps]]\nop = \"backfill\"\ntable = \"users\"\nset.email = \"lower(name, 'x')\"\npending = \"email IS NULL\"\n",
        6,
        "`lower` takes 1 argument, got 2; expected lower(text)",
    );
}

#[test]
fn empty_expression_points_at_the_step() {
    bad(
        "description = \"x\"\n\n[[steps]]\nop = \"backfill\"\ntable = \"users\"\nset.email = \"\"\n",
        3,
        "step 1 (backfill): expression ``: the expression is empty",
    );
}

#[test]
fn bad_expression_syntax() {
    bad(
        "description = \"x\"\n\n[[steps]]\nop = \"create_index\"\ntable = \"users\"\ncolumns = [\"email\"]\nwhere = \"deleted_at IS = NULL\"\n",
        7,
        "expression `deleted_at IS = NULL`: syntax error",
    );
}

// ----- steps: meaning -----

#[test]
fn duplicate_column_points_at_the_second_definition() {
    bad(
        r#"description = "x"

[[steps]]
op = "create_table"
table = "users"
columns = [
  { name = "id", type = "bigint", primary_key = true },
  { name = "email", type = "text" },
  { name = "email", type = "varchar(10)" },
]
"#,
        9,
        "step 1 (create_table), field `columns`: column `email` is defined twice",
    );
}

#[test]
fn identity_on_a_text_column_points_at_that_column() {
    bad(
        r#"description = "x"

[[steps]]
op = "create_table"
table = "users"
columns = [
  { name = "id", type = "bigint", primary_key = true, identity = true },
  { name = "code", type = "text", identity = true },
]
"#,
        8,
        "field `identity`: identity column `code` must be integer or bigint, not text",
    );
}

#[test]
fn identity_outside_the_primary_key_in_sub_table_layout() {
    bad(
        r#"description = "x"

[[steps]]
op = "create_table"
table = "users"

[[steps.columns]]
name = "id"
type = "bigint"
primary_key = true
identity = true

[[steps.columns]]
name = "n"
type = "integer"
identity = true
"#,
        16,
        "identity column `n` must be the table's single-column primary key",
    );
}

#[test]
fn nullable_primary_key_column() {
    bad(
        r#"description = "x"

[[steps]]
op = "create_table"
table = "memberships"
primary_key = ["org_id", "user_id"]
columns = [
  { name = "org_id", type = "bigint", nullable = false },
  { name = "user_id", type = "bigint", nullable = true },
]
"#,
        9,
        "field `nullable`: primary-key column `user_id` cannot be nullable",
    );
}

#[test]
fn composite_primary_key_naming_a_missing_column() {
    bad(
        r#"description = "x"

[[steps]]
op = "create_table"
table = "memberships"
columns = [
  { name = "org_id", type = "bigint" },
  { name = "user_id", type = "bigint" },
]
primary_key = ["org_id", "usr_id"]
"#,
        10,
        "field `primary_key`: column `usr_id` is not a column of table `memberships`",
    );
}

#[test]
fn unique_constraint_naming_a_missing_column() {
    bad(
        r#"description = "x"

[[steps]]
op = "create_table"
table = "users"
columns = [
  { name = "id", type = "bigint", primary_key = true },
  { name = "email", type = "text", unique = true },
]
unique = [
  { columns = ["id"] },
  { columns = ["emial"] },
]
"#,
        12,
        "field `unique`: column `emial` is not a column of table `users`",
    );
}

#[test]
fn foreign_key_column_count_mismatch_points_at_that_key() {
    bad(
        r#"description = "x"

[[steps]]
op = "create_table"
table = "messages"
columns = [
  { name = "id", type = "bigint", primary_key = true },
  { name = "conversation_id", type = "bigint" },
]
foreign_keys = [
  { columns = ["id"], references = "other(id)" },
  { columns = ["conversation_id"], references = "conversations(id, tenant)" },
]
"#,
        12,
        "foreign key on (conversation_id) references 2 columns: both sides need the same number of columns",
    );
}

#[test]
fn index_column_with_a_bad_direction() {
    bad(
        "description = \"x\"\n\n[[steps]]\nop = \"create_index\"\ntable = \"users\"\ncolumns = [\"email\", \"created_at DESCENDING\"]\n",
        6,
        "index column `created_at DESCENDING` must be a column name, optionally followed by ASC or DESC",
    );
}

#[test]
fn alter_column_that_changes_nothing_points_at_the_step() {
    bad(
        "description = \"x\"\n\n[[steps]]\nop = \"sql\"\nsql = \"SELECT 1\"\n\n[[steps]]\nop = \"alter_column\"\ntable = \"users\"\ncolumn = \"email\"\n",
        7,
        "step 2 (alter_column): alter_column changes nothing",
    );
}

#[test]
fn sql_step_without_sql_points_at_the_step() {
    bad(
        "description = \"x\"\n\n[[steps]]\nop = \"sql\"\ndialects = [\"postgres\"]\n",
        3,
        "step 1 (sql), field `sql`: a sql step needs `sql = \"...\"` or per-dialect",
    );
}

#[test]
fn sql_step_limited_to_a_dialect_without_sql_for_it() {
    bad(
        "description = \"x\"\n\n[[steps]]\nop = \"sql\"\npostgres = \"SELECT 1\"\ndialects = [\"postgres\", \"mysql\"]\n",
        6,
        "field `dialects`: the step is limited to mysql but has no SQL for it",
    );
}

#[test]
fn backfill_without_set() {
    bad(
        "description = \"x\"\n\n[[steps]]\nop = \"backfill\"\ntable = \"users\"\npending = \"email IS NULL\"\n",
        3,
        "step 1 (backfill), field `set`: a backfill needs at least one `set.<column> = \"expression\"`",
    );
}

#[test]
fn backfill_with_batch_size_zero() {
    bad(
        "description = \"x\"\n\n[[steps]]\nop = \"sql\"\nsql = \"SELECT 1\"\n\n[[steps]]\nop = \"backfill\"\ntable = \"users\"\nset.email = \"lower(email)\"\nbatch_size = 0\n",
        11,
        "step 2 (backfill), field `batch_size`: batch_size must be at least 1",
    );
}

// ----- checks -----

#[test]
fn check_with_neither_table_nor_sql() {
    bad(
        "description = \"x\"\n\n[[steps]]\nop = \"sql\"\nsql = \"SELECT 1\"\n\n[[checks]]\nname = \"nothing\"\nexpect = 0\n",
        7,
        "check 1 (nothing), field `table`: a check needs `table` (and optionally `where`) to count rows, or `sql`",
    );
}

#[test]
fn check_skip_after_the_migration() {
    bad(
        r#"description = "x"

[[steps]]
op = "sql"
sql = "SELECT 1"

[[checks]]
name = "skip me"
table = "users"
when = "after"
on_fail = "skip"
expect = 0
"#,
        11,
        "check 1 (skip me), field `on_fail`: `on_fail = \"skip\"` only makes sense for `when = \"before\"`",
    );
}

#[test]
fn bad_expect() {
    bad(
        "description = \"x\"\n\n[[steps]]\nop = \"sql\"\nsql = \"SELECT 1\"\n\n[[checks]]\nname = \"count\"\ntable = \"users\"\nexpect = \"about 3\"\n",
        10,
        "check 1: invalid expect `about 3`: write a number (`expect = 0`) or a comparison such as \">= 100\"",
    );
}

#[test]
fn check_without_a_query_for_one_dialect() {
    bad(
        "description = \"x\"\n\n[[steps]]\nop = \"sql\"\nsql = \"SELECT 1\"\n\n[[checks]]\nname = \"per dialect\"\npostgres = \"SELECT 0\"\nmysql = \"SELECT 0\"\nexpect = 0\n",
        7,
        "field `sql`: no query for sqlite: add `sqlite = \"...\"` or a shared `sql`",
    );
}

// ----- files and versions -----

#[test]
fn duplicate_version_across_two_files() {
    fails(
        &[("0001_a.toml", OK), ("01_b.toml", OK)],
        "01_b.toml",
        1,
        "duplicate version 01: ",
    );
}

#[test]
fn file_name_without_version() {
    fails(
        &[("create_users.toml", OK)],
        "create_users.toml",
        1,
        "a migration file name is a version number, an underscore and a name",
    );
}

const REQUIRES_0001: &str =
    "description = \"b\"\nrequires = [\"0001\"]\n\n[[steps]]\nop = \"sql\"\nsql = \"SELECT 1\"\n";
const REQUIRES_0002: &str =
    "description = \"a\"\nrequires = [\"0002\"]\n\n[[steps]]\nop = \"sql\"\nsql = \"SELECT 1\"\n";

#[test]
fn requires_naming_a_missing_migration() {
    fails(
        &[("0002_b.toml", REQUIRES_0001)],
        "0002_b.toml",
        2,
        "`requires` names migration 0001, which is not in the plan",
    );
}

#[test]
fn requires_naming_a_later_migration() {
    fails(
        &[("0001_a.toml", REQUIRES_0002), ("0002_b.toml", OK)],
        "0001_a.toml",
        2,
        "`requires` names migration 0002, which does not come before 0001",
    );
}

#[test]
fn requires_cycle() {
    fails(
        &[
            ("0001_a.toml", REQUIRES_0002),
            ("0002_b.toml", REQUIRES_0001),
        ],
        "0001_a.toml",
        2,
        "`requires` forms a cycle: 0001 -> 0002 -> 0001",
    );
}

// ----- cutover.toml -----

#[test]
fn config_with_an_unknown_key() {
    let err = Config::parse(
        Path::new("proj/cutover.toml"),
        "plan = \"migrations\"\ndialect = [\"postgres\"]\n",
    )
    .expect_err("unknown key");
    assert_eq!(
        err.to_string(),
        "proj/cutover.toml:2: unknown field `dialect`, expected one of `plan`, `dialects`, `history_table`, `targets`, `test`, `versions`, `groups`"
    );
}

#[test]
fn config_target_with_an_unknown_key() {
    let err = Config::parse(
        Path::new("cutover.toml"),
        "plan = \"migrations\"\n\n[targets.dev]\nurl = \"sqlite://dev.db\"\nuser = \"me\"\n",
    )
    .expect_err("unknown key");
    assert_eq!(
        err.to_string(),
        "cutover.toml:5: unknown field `user`, expected one of `url`, `replicas`, `on_unreachable`, `replica_source`, `schema`"
    );
}

// ----- mutations of the example plan never panic -----

/// SplitMix64: a small deterministic generator, so failures reproduce.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }
}

/// Applies one random edit: delete a line, duplicate a line, replace a character, truncate.
fn mutate(src: &str, rng: &mut Rng) -> String {
    const REPLACEMENTS: &[char] = &[
        '"', '\'', '[', ']', '{', '}', '=', ',', '.', '#', '\n', ' ', '0', '9', 'a', 'z', '(', ')',
        '\\', '-', '_', 'é',
    ];
    let lines: Vec<&str> = src.lines().collect();
    match rng.below(4) {
        0 if !lines.is_empty() => {
            let i = rng.below(lines.len());
            let mut out: Vec<&str> = lines.clone();
            out.remove(i);
            out.join("\n")
        }
        1 if !lines.is_empty() => {
            let i = rng.below(lines.len());
            let mut out: Vec<&str> = lines.clone();
            out.insert(i, lines[i]);
            out.join("\n")
        }
        2 => {
            let mut chars: Vec<char> = src.chars().collect();
            if !chars.is_empty() {
                let i = rng.below(chars.len());
                chars[i] = REPLACEMENTS[rng.below(REPLACEMENTS.len())];
            }
            chars.into_iter().collect()
        }
        _ => src
            .chars()
            .take(rng.below(src.chars().count() + 1))
            .collect(),
    }
}

fn example_files() -> Vec<(String, String)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/messages/migrations");
    let mut files: Vec<(String, String)> = std::fs::read_dir(&dir)
        .expect("example plan")
        .map(|e| e.expect("dir entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .map(|p| {
            let name = p.file_name().expect("name").to_string_lossy().into_owned();
            let text = std::fs::read_to_string(&p).expect("read example");
            (name, text)
        })
        .collect();
    files.sort();
    files
}

#[test]
fn mutated_example_plans_never_panic() {
    let originals = example_files();
    assert!(originals.len() >= 4, "example plan not found");
    let mut rng = Rng(0x00C0_FFEE);
    let (mut loaded, mut failed) = (0, 0);
    for round in 0..200 {
        let mut files = originals.clone();
        let target = rng.below(files.len());
        for _ in 0..=rng.below(3) {
            files[target].1 = mutate(&files[target].1, &mut rng);
        }
        let refs: Vec<(&str, &str)> = files
            .iter()
            .map(|(n, t)| (n.as_str(), t.as_str()))
            .collect();
        let tmp = TempPlan::new(&refs);
        let outcome = std::panic::catch_unwind(|| match Plan::load(&tmp.dir) {
            Ok(plan) => {
                for dialect in Dialect::ALL {
                    let _ = render_plan(&plan, dialect, &RenderOptions::default());
                }
                true
            }
            Err(e) => {
                // Every loader error names the file it is about.
                assert!(e.to_string().contains(&*tmp.dir.to_string_lossy()), "{e}");
                false
            }
        });
        match outcome {
            Ok(true) => loaded += 1,
            Ok(false) => failed += 1,
            Err(_) => panic!(
                "round {round}: loading or rendering panicked on this {}:\n{}",
                files[target].0, files[target].1
            ),
        }
    }
    // The mutations must exercise both paths.
    assert!(loaded > 0 && failed > 0, "loaded {loaded}, failed {failed}");
}

#[test]
fn mutated_config_files_never_panic() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/messages/cutover.toml");
    let original = std::fs::read_to_string(&path).expect("example cutover.toml");
    let mut rng = Rng(7);
    for _ in 0..200 {
        let src = mutate(&original, &mut rng);
        let result = std::panic::catch_unwind(|| Config::parse(&path, &src).map(|_| ()));
        assert!(result.is_ok(), "Config::parse panicked on:\n{src}");
    }
}

// ----- Column references and types, checked against the plan's own schema -----

/// A table with an integer, a text and a boolean column, for the semantic checks below.
const ITEMS: &str = "description = \"items\"\n\n[[steps]]\nop = \"create_table\"\ntable = \"items\"\ncolumns = [\n  { name = \"id\", type = \"bigint\", primary_key = true },\n  { name = \"title\", type = \"text\" },\n  { name = \"qty\", type = \"integer\" },\n  { name = \"done\", type = \"boolean\" },\n]\n";

/// Asserts that a second migration `0002_bad.toml` after [`ITEMS`] fails at `line`.
#[track_caller]
fn bad_after_items(src: &str, line: usize, phrase: &str) {
    fails(
        &[("0001_items.toml", ITEMS), ("0002_bad.toml", src)],
        "0002_bad.toml",
        line,
        phrase,
    );
}

const BACKFILL_HEAD: &str =
    "description = \"b\"\n\n[[steps]]\nop = \"backfill\"\ntable = \"items\"\n";

#[test]
fn misspelled_column_in_set_names_the_column_and_suggests_the_right_one() {
    bad_after_items(
        &format!("{BACKFILL_HEAD}set.title = \"upper(titel)\"\n"),
        6,
        "step 1 (backfill), field `set.title`: column `titel` is not a column of table `items` (did you mean `title`?)",
    );
}

#[test]
fn misspelled_set_target_is_refused() {
    bad_after_items(
        &format!("{BACKFILL_HEAD}set.titel = \"upper(title)\"\n"),
        6,
        "column `titel` is not a column of table `items` (did you mean `title`?)",
    );
}

#[test]
fn misspelled_column_in_pending_where_and_checks_is_refused() {
    bad_after_items(
        &format!("{BACKFILL_HEAD}set.qty = \"1\"\npending = \"qtty IS NULL\"\n"),
        7,
        "field `pending`: column `qtty` is not a column of table `items` (did you mean `qty`?)",
    );
    bad_after_items(
        "description = \"c\"\n\n[[steps]]\nop = \"sql\"\nsql = \"SELECT 1\"\n\n[[checks]]\nname = \"c\"\ntable = \"items\"\nwhere = \"dne = true\"\nexpect = 0\n",
        10,
        "check 1 (c), field `where`: column `dne` is not a column of table `items` (did you mean `done`?)",
    );
}

#[test]
fn misspelled_column_in_index_where_and_check_constraint_is_refused() {
    bad_after_items(
        "description = \"i\"\n\n[[steps]]\nop = \"create_index\"\ntable = \"items\"\ncolumns = [\"qty\"]\nwhere = \"titl IS NOT NULL\"\n",
        7,
        "field `where`: column `titl` is not a column of table `items`",
    );
    bad(
        "description = \"t\"\n\n[[steps]]\nop = \"create_table\"\ntable = \"t\"\ncolumns = [{ name = \"body\", type = \"text\" }]\nchecks = [{ name = \"ck\", expr = \"length(bdy) > 0\" }]\n",
        7,
        "column `bdy` is not a column of table `t` (did you mean `body`?)",
    );
}

#[test]
fn arithmetic_on_text_is_a_type_error() {
    bad_after_items(
        &format!("{BACKFILL_HEAD}set.qty = \"lower(title) / 2\"\n"),
        6,
        "field `set.qty`: arithmetic on text",
    );
}

#[test]
fn comparing_a_number_with_text_is_a_type_error() {
    bad_after_items(
        &format!("{BACKFILL_HEAD}set.qty = \"1\"\nwhere = \"qty = title\"\n"),
        7,
        "a comparison of an integer with text",
    );
}

#[test]
fn a_non_condition_where_and_text_into_integer_are_type_errors() {
    bad_after_items(
        &format!("{BACKFILL_HEAD}set.qty = \"1\"\nwhere = \"qty\"\n"),
        7,
        "is an integer, not a condition",
    );
    bad_after_items(
        &format!("{BACKFILL_HEAD}set.qty = \"title\"\n"),
        6,
        "column `qty` (integer) does not store the same way",
    );
}

#[test]
fn tables_outside_the_plan_and_tables_changed_by_raw_ddl_are_not_checked() {
    let tmp = TempPlan::new(&[
        ("0001_items.toml", ITEMS),
        (
            "0002_raw.toml",
            "description = \"r\"\n\n[[steps]]\nop = \"sql\"\nsql = \"ALTER TABLE items ADD COLUMN extra integer\"\n\n[[steps]]\nop = \"backfill\"\ntable = \"items\"\nset.extra = \"qty + 1\"\n\n[[steps]]\nop = \"backfill\"\ntable = \"legacy\"\nset.a = \"b + 1\"\n",
        ),
    ]);
    Plan::load(&tmp.dir).expect("unknown tables are not checked");
}

#[test]
fn from_in_an_insert_select_backfill_is_refused() {
    bad_after_items(
        "description = \"f\"\n\n[[steps]]\nop = \"backfill\"\ntable = \"items\"\ninsert_into = \"items\"\nvalues.qty = \"qty\"\nfrom = { table = \"items\", on = \"items.id = items.id\" }\n",
        8,
        "`from` is not supported in an insert-select backfill",
    );
}

#[test]
fn misspelled_backfill_key_is_refused() {
    bad_after_items(
        &format!("{BACKFILL_HEAD}key = [\"idd\"]\nset.qty = \"1\"\n"),
        6,
        "field `key`: column `idd` is not a column of table `items` (did you mean `id`?)",
    );
}

#[test]
fn two_backfills_with_one_id_are_refused() {
    let table = "description = \"t\"\n\n[[steps]]\nop = \"create_table\"\ntable = \"t\"\ncolumns = [{ name = \"id\", type = \"integer\", primary_key = true }, { name = \"a\", type = \"integer\", nullable = true }, { name = \"b\", type = \"integer\", nullable = true }]\n";
    let two = "description = \"fill\"\n\n[[steps]]\nop = \"backfill\"\ntable = \"t\"\nset.a = \"1\"\n\n[[steps]]\nop = \"backfill\"\ntable = \"t\"\nset.b = \"2\"\n";
    fails(
        &[("0001_t.toml", table), ("0002_fill.toml", two)],
        "0002_fill.toml",
        8,
        "backfill id `0002_t` is already used by migration 0002 (fill), step 1",
    );
    let named = "description = \"fill\"\n\n[[steps]]\nop = \"backfill\"\nid = \"x\"\ntable = \"t\"\nset.a = \"1\"\n";
    let again = "description = \"again\"\n\n[[steps]]\nop = \"backfill\"\nid = \"x\"\ntable = \"t\"\nset.b = \"2\"\n";
    fails(
        &[
            ("0001_t.toml", table),
            ("0002_fill.toml", named),
            ("0003_again.toml", again),
        ],
        "0003_again.toml",
        3,
        "give one of them another `id`",
    );
}

#[test]
fn a_float_default_toml_rounded_is_refused() {
    bad(
        "description = \"x\"\n[[steps]]\nop = \"create_table\"\ntable = \"t\"\ncolumns = [\n  { name = \"id\", type = \"bigint\", primary_key = true },\n  { name = \"big\", type = \"decimal(30,2)\", default = 12345678901234567890.12 },\n]\n",
        7,
        "the default 12345678901234567000 of column `big` has more digits than a TOML float keeps exactly",
    );
}
