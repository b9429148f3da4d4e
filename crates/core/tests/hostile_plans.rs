//! Hostile plans: files and fields written by an attacker or a careless user. Each must fail
//! to load quickly with a located, readable error; none may panic, hang or exhaust memory.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::time::Duration;

use cutover_core::plan::{LoadOptions, Plan};
use cutover_core::{Dialect, Error};

/// A plan directory under the system temp dir, removed when dropped.
struct TempPlan {
    dir: PathBuf,
}

impl TempPlan {
    fn new(files: &[(&str, &[u8])]) -> TempPlan {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let dir = std::env::temp_dir().join(format!("cutover-hostile-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("create temp plan dir");
        for (name, text) in files {
            std::fs::write(dir.join(name), text).expect("write plan file");
        }
        TempPlan { dir }
    }
}

impl Drop for TempPlan {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Loads `dir` for `dialects` on another thread and gives up after 10 s, so that a hang
/// fails the test instead of blocking the suite.
fn load_bounded(dir: &Path, dialects: &[Dialect]) -> Result<Plan, Error> {
    let (tx, rx) = mpsc::channel();
    let dir = dir.to_path_buf();
    let options = LoadOptions {
        dialects: dialects.to_vec(),
    };
    std::thread::spawn(move || {
        let _ = tx.send(Plan::load_with(&dir, &options));
    });
    rx.recv_timeout(Duration::from_secs(10))
        .expect("loading the plan hung (no answer within 10 s)")
}

/// Asserts that loading fails with a plan error that names `file` (and `line`, if given)
/// and contains `phrase`.
#[track_caller]
fn fails_with(tmp: &TempPlan, dialects: &[Dialect], file: &str, line: Option<usize>, phrase: &str) {
    let err = match load_bounded(&tmp.dir, dialects) {
        Ok(_) => panic!("plan loaded, expected an error containing `{phrase}`"),
        Err(e) => e,
    };
    assert!(
        matches!(err, Error::Plan { .. }),
        "not a plan error: {err:?}"
    );
    let text = err.to_string();
    let prefix = match line {
        Some(l) => format!("{}:{l}: ", tmp.dir.join(file).display()),
        None => format!("{}", tmp.dir.join(file).display()),
    };
    assert!(
        text.starts_with(&prefix),
        "expected `{prefix}...`, got: {text}"
    );
    assert!(text.contains(phrase), "expected `{phrase}` in: {text}");
}

const TABLE: &str = "description = \"t\"\n\n[[steps]]\nop = \"create_table\"\ntable = \"t\"\ncolumns = [{ name = \"id\", type = \"integer\", primary_key = true }, { name = \"n\", type = \"integer\", nullable = true }]\n";

fn one(name: &str, text: &str) -> TempPlan {
    TempPlan::new(&[(name, text.as_bytes())])
}

#[cfg(unix)]
#[test]
fn a_fifo_is_refused_without_blocking() {
    let tmp = one("0001_t.toml", TABLE);
    let fifo = tmp.dir.join("0002_pipe.toml");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .expect("run mkfifo");
    assert!(made.success());
    fails_with(&tmp, &Dialect::ALL, "0002_pipe.toml", None, "a named pipe");
}

#[cfg(unix)]
#[test]
fn a_symlink_to_a_device_is_refused() {
    let tmp = one("0001_t.toml", TABLE);
    std::os::unix::fs::symlink("/dev/zero", tmp.dir.join("0002_zero.toml")).expect("symlink");
    fails_with(
        &tmp,
        &Dialect::ALL,
        "0002_zero.toml",
        None,
        "a character device",
    );
}

#[test]
fn an_oversized_file_is_refused() {
    let mut text = TABLE.to_string();
    text.push_str(&format!("# {}\n", "x".repeat(17 * 1024 * 1024)));
    let tmp = one("0001_t.toml", &text);
    fails_with(
        &tmp,
        &Dialect::ALL,
        "0001_t.toml",
        None,
        "larger than 16 MiB",
    );
}

#[test]
fn invalid_utf8_names_its_line() {
    let mut bytes = TABLE.as_bytes().to_vec();
    bytes.extend_from_slice(b"# \xff\xfe\n");
    let tmp = TempPlan::new(&[("0001_t.toml", &bytes)]);
    fails_with(
        &tmp,
        &Dialect::ALL,
        "0001_t.toml",
        Some(7),
        "not valid UTF-8",
    );
}

#[test]
fn a_version_too_large_says_so() {
    let tmp = one("123456789012345678901_big.toml", TABLE);
    fails_with(
        &tmp,
        &Dialect::ALL,
        "123456789012345678901_big.toml",
        Some(1),
        "version 123456789012345678901 is too large (21 digits)",
    );
}

#[test]
fn an_empty_table_name_is_refused() {
    let tmp = one(
        "0001_t.toml",
        "description = \"t\"\n\n[[steps]]\nop = \"drop_table\"\ntable = \"\"\n",
    );
    fails_with(
        &tmp,
        &Dialect::ALL,
        "0001_t.toml",
        Some(5),
        "the name is empty",
    );
}

#[test]
fn a_nul_byte_in_a_name_is_refused() {
    let tmp = one(
        "0001_t.toml",
        "description = \"t\"\n\n[[steps]]\nop = \"add_column\"\ntable = \"t\"\ncolumn = { name = \"a\\u0000b\", type = \"integer\", nullable = true }\n",
    );
    fails_with(&tmp, &Dialect::ALL, "0001_t.toml", Some(6), "U+0000");
}

#[test]
fn an_empty_sql_step_is_refused() {
    let tmp = one(
        "0001_t.toml",
        "description = \"t\"\n\n[[steps]]\nop = \"sql\"\nsql = \" ; -- nothing\\n\"\n",
    );
    fails_with(
        &tmp,
        &Dialect::ALL,
        "0001_t.toml",
        Some(5),
        "the SQL is empty",
    );
}

#[test]
fn names_too_long_for_postgres_are_refused_only_where_postgres_is_targeted() {
    let long = "c".repeat(64);
    let text = format!(
        "description = \"t\"\n\n[[steps]]\nop = \"add_column\"\ntable = \"t\"\ncolumn = {{ name = \"{long}\", type = \"integer\", nullable = true }}\n"
    );
    let tmp = one("0001_t.toml", &text);
    fails_with(&tmp, &Dialect::ALL, "0001_t.toml", Some(6), "63 bytes");
    assert!(load_bounded(&tmp.dir, &[Dialect::Sqlite, Dialect::Mysql]).is_ok());
    let longer = "c".repeat(65);
    let tmp = one("0001_t.toml", &text.replace(&long, &longer));
    fails_with(
        &tmp,
        &[Dialect::Mysql],
        "0001_t.toml",
        Some(6),
        "at most 64",
    );
}

#[test]
fn names_mysql_cannot_store_are_refused_for_mysql() {
    let tmp = one(
        "0001_t.toml",
        "description = \"t\"\n\n[[steps]]\nop = \"create_index\"\ntable = \"t\"\nname = \"idx_\u{1F600}\"\ncolumns = [\"n\"]\n",
    );
    fails_with(
        &tmp,
        &[Dialect::Mysql],
        "0001_t.toml",
        Some(6),
        "Basic Multilingual Plane",
    );
    assert!(load_bounded(&tmp.dir, &[Dialect::Postgres, Dialect::Sqlite]).is_ok());
}

#[test]
fn a_column_name_in_set_is_checked_too() {
    let tmp = one(
        "0001_t.toml",
        "description = \"t\"\n\n[[steps]]\nop = \"backfill\"\ntable = \"t\"\nset.\"\" = \"1\"\n",
    );
    fails_with(
        &tmp,
        &Dialect::ALL,
        "0001_t.toml",
        Some(6),
        "the name is empty",
    );
}

#[test]
fn a_chain_of_400_operators_is_an_error_not_a_stack_overflow() {
    let chain = format!("n{}", " + 1".repeat(400));
    let text =
        format!("{TABLE}\n[[steps]]\nop = \"backfill\"\ntable = \"t\"\nset.n = \"{chain}\"\n");
    let tmp = one("0001_t.toml", &text);
    fails_with(
        &tmp,
        &Dialect::ALL,
        "0001_t.toml",
        Some(11),
        "400 operators",
    );
}

#[test]
fn a_pending_with_500_ors_is_an_error_not_a_stack_overflow() {
    let ors: Vec<String> = (0..500).map(|i| format!("n = {i}")).collect();
    let text = format!(
        "{TABLE}\n[[steps]]\nop = \"backfill\"\ntable = \"t\"\nset.n = \"0\"\npending = \"{}\"\n",
        ors.join(" OR ")
    );
    let tmp = one("0001_t.toml", &text);
    fails_with(
        &tmp,
        &Dialect::ALL,
        "0001_t.toml",
        Some(12),
        "operators, over the limit",
    );
}

#[test]
fn deeply_nested_parentheses_are_an_error() {
    let deep = format!("{}n{}", "(".repeat(300), ")".repeat(300));
    let text =
        format!("{TABLE}\n[[steps]]\nop = \"backfill\"\ntable = \"t\"\nset.n = \"{deep}\"\n");
    let tmp = one("0001_t.toml", &text);
    fails_with(
        &tmp,
        &Dialect::ALL,
        "0001_t.toml",
        Some(11),
        "nested too deeply",
    );
}

#[test]
fn quote_characters_in_names_are_refused() {
    // A table name that would close the quoted identifier of a derived index name.
    let tmp = one(
        "0001_t.toml",
        "description = \"t\"\n\n[[steps]]\nop = \"create_index\"\ntable = 'x\" ON \"items\" (\"id\"); DROP TABLE \"items\"; CREATE INDEX \"z'\ncolumns = [\"v\"]\n",
    );
    fails_with(
        &tmp,
        &Dialect::ALL,
        "0001_t.toml",
        Some(5),
        "the quote character \"",
    );
    let tmp = one(
        "0001_t.toml",
        "description = \"t\"\n\n[[steps]]\nop = \"add_column\"\ntable = \"t\"\ncolumn = { name = \"a`b\", type = \"integer\", nullable = true }\n",
    );
    fails_with(
        &tmp,
        &Dialect::ALL,
        "0001_t.toml",
        Some(6),
        "the quote character `",
    );
}

#[test]
fn derived_names_too_long_for_the_dialect_are_refused() {
    let table = "t".repeat(50);
    let text = format!(
        "description = \"t\"\n\n[[steps]]\nop = \"create_index\"\ntable = \"{table}\"\ncolumns = [\"customer_reference_a\"]\n"
    );
    let tmp = one("0001_t.toml", &text);
    fails_with(
        &tmp,
        &[Dialect::Postgres],
        "0001_t.toml",
        Some(6),
        "give `name` explicitly",
    );
    let named = text.replace("columns =", "name = \"idx_short\"\ncolumns =");
    let tmp = one("0001_t.toml", &named);
    assert!(load_bounded(&tmp.dir, &Dialect::ALL).is_ok());
}
