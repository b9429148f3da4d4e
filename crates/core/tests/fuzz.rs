//! Bounded-time fuzzing of the plan loader, the expression parser, the renderers and lint.
//!
//! Inputs come from two proptest generators: expressions built from the portable grammar
//! with hostile leaves (quotes, unicode, NUL, huge numbers, stray tokens), and migration
//! files built from every `op` with random and hostile field values. The property: nothing
//! panics, nothing hangs, and memory stays bounded; errors are fine. The run lasts
//! `CUTOVER_FUZZ_SECONDS` (default 60) and is part of `scripts/test.sh`.

use std::sync::mpsc;
use std::time::{Duration, Instant};

use cutover_core::Dialect;
use cutover_core::expr::Expression;
use cutover_core::plan::{LoadOptions, Plan};
use cutover_core::render::{Direction, RenderOptions, render_plan};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};

fn budget() -> Duration {
    let secs = std::env::var("CUTOVER_FUZZ_SECONDS")
        .ok()
        .and_then(|s| s.parse::<u64>().ok())
        .unwrap_or(60);
    Duration::from_secs(secs)
}

/// Leaves: columns, literals and hostile bits.
fn leaf() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("n".to_string()),
        Just("media_url".to_string()),
        Just("t.n".to_string()),
        Just("\"quoted col\"".to_string()),
        Just("NULL".to_string()),
        Just("TRUE".to_string()),
        Just("''".to_string()),
        Just("'it''s'".to_string()),
        Just("'\\'".to_string()),
        Just("99999999999999999999999999".to_string()),
        Just("-0.5e308".to_string()),
        Just("'\u{0}'".to_string()),
        Just("'🙂'".to_string()),
        Just("$1".to_string()),
        Just("?".to_string()),
        Just("*".to_string()),
        Just(";".to_string()),
        Just("--".to_string()),
        Just("/*".to_string()),
        Just("`x`".to_string()),
        "[a-z_]{1,8}",
        "-?[0-9]{1,6}",
        "'[^']{0,12}'",
        "\\PC{0,6}",
    ]
}

/// Expressions from the portable grammar, nested a few levels.
fn expression() -> impl Strategy<Value = String> {
    leaf().prop_recursive(4, 48, 4, |inner| {
        let op = prop_oneof![
            Just("+"),
            Just("-"),
            Just("*"),
            Just("/"),
            Just("%"),
            Just("="),
            Just("<>"),
            Just("<="),
            Just("||"),
            Just("AND"),
            Just("OR"),
            Just("LIKE"),
        ];
        let func = prop_oneof![
            Just("lower"),
            Just("upper"),
            Just("coalesce"),
            Just("length"),
            Just("json_array"),
            Just("json_object"),
            Just("json_length"),
            Just("json_text"),
            Just("substring_after_last"),
            Just("concat"),
            Just("round"),
            Just("now"),
            Just("uuid"),
            Just("nosuchfn"),
        ];
        let ty = prop_oneof![
            Just("integer"),
            Just("text"),
            Just("json"),
            Just("varchar(3)"),
            Just("nonsense"),
        ];
        prop_oneof![
            (inner.clone(), op, inner.clone()).prop_map(|(a, o, b)| format!("{a} {o} {b}")),
            inner.clone().prop_map(|a| format!("({a})")),
            inner.clone().prop_map(|a| format!("NOT {a}")),
            inner.clone().prop_map(|a| format!("{a} IS NOT NULL")),
            (func, prop::collection::vec(inner.clone(), 0..4))
                .prop_map(|(f, args)| format!("{f}({})", args.join(", "))),
            (inner.clone(), inner.clone(), inner.clone())
                .prop_map(|(a, b, c)| format!("CASE WHEN {a} THEN {b} ELSE {c} END")),
            (inner.clone(), ty).prop_map(|(a, t)| format!("CAST({a} AS {t})")),
            (inner.clone(), prop::collection::vec(inner.clone(), 1..4))
                .prop_map(|(a, l)| format!("{a} IN ({})", l.join(", "))),
            (inner.clone(), inner.clone(), inner)
                .prop_map(|(a, b, c)| format!("{a} BETWEEN {b} AND {c}")),
        ]
    })
}

/// A TOML string literal holding `s`.
fn toml_str(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}

/// A field value: usually sensible, sometimes hostile or of the wrong type.
fn value() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => Just("\"t\"".to_string()),
        2 => Just("\"n\"".to_string()),
        1 => Just("\"\"".to_string()),
        1 => Just("42".to_string()),
        1 => Just("[\"n\", \"id\"]".to_string()),
        1 => Just("{ name = \"c\", type = \"integer\", nullable = true }".to_string()),
        1 => Just("{ name = \"c\", type = \"text\" }".to_string()),
        1 => Just("{ table = \"t\", columns = [\"id\"] }".to_string()),
        1 => Just("true".to_string()),
        1 => "[a-z]{0,70}".prop_map(|s| toml_str(&s)),
        2 => expression().prop_map(|e| toml_str(&e)),
    ]
}

const OPS: &[&str] = &[
    "create_table",
    "drop_table",
    "rename_table",
    "add_column",
    "drop_column",
    "rename_column",
    "alter_column",
    "create_index",
    "drop_index",
    "add_foreign_key",
    "add_unique",
    "add_check",
    "drop_constraint",
    "validate_constraint",
    "backfill",
    "sql",
    "no_such_op",
];

const FIELDS: &[&str] = &[
    "table",
    "column",
    "columns",
    "name",
    "to",
    "type",
    "nullable",
    "default",
    "where",
    "set.n",
    "pending",
    "key",
    "values.n",
    "insert_into",
    "references",
    "expression",
    "sql",
    "postgres",
    "mysql",
    "sqlite",
    "unique",
    "concurrently",
    "batch_size",
    "undo.n",
    "dialects",
    "bogus",
];

/// One `[[steps]]` table.
fn step() -> impl Strategy<Value = String> {
    (
        prop::sample::select(OPS),
        prop::collection::vec((prop::sample::select(FIELDS), value()), 0..6),
    )
        .prop_map(|(op, fields)| {
            let mut out = format!("[[steps]]\nop = \"{op}\"\n");
            let mut seen = std::collections::BTreeSet::new();
            for (f, v) in fields {
                if seen.insert(f) {
                    out.push_str(&format!("{f} = {v}\n"));
                }
            }
            out
        })
}

/// A migration file: a table every step can refer to, then random steps and checks.
fn migration() -> impl Strategy<Value = String> {
    (
        prop::collection::vec(step(), 0..5),
        prop::option::of(expression()),
        prop::sample::select(&["", "phase = \"contract\"\n", "transaction = false\n", "phase = 3\n"][..]),
    )
        .prop_map(|(steps, check, header)| {
            let mut out = format!(
                "description = \"fuzz\"\n{header}\n[[steps]]\nop = \"create_table\"\ntable = \"t\"\ncolumns = [{{ name = \"id\", type = \"integer\", primary_key = true }}, {{ name = \"n\", type = \"integer\", nullable = true }}]\n\n"
            );
            for s in steps {
                out.push_str(&s);
                out.push('\n');
            }
            if let Some(c) = check {
                out.push_str(&format!(
                    "[[checks]]\nname = \"c\"\ntable = \"t\"\nwhere = {}\nexpect = 0\n",
                    toml_str(&c)
                ));
            }
            out
        })
}

/// Renders and lints a loaded plan for every dialect, both directions.
fn exercise(plan: &Plan) {
    for d in Dialect::ALL {
        for direction in [Direction::Up, Direction::Down] {
            let options = RenderOptions {
                direction,
                ..RenderOptions::default()
            };
            let _ = render_plan(plan, d, &options);
        }
    }
    let _ = cutover_core::lint::lint_plan(plan, &Dialect::ALL);
}

fn fuzz_expressions(deadline: Instant) -> u64 {
    let cases = std::cell::Cell::new(0u64);
    while Instant::now() < deadline {
        let mut runner = TestRunner::new(config(256));
        let result = runner.run(&expression(), |src| {
            cases.set(cases.get() + 1);
            if let Ok(e) = Expression::parse(&src) {
                for d in Dialect::ALL {
                    let _ = e.to_sql(d);
                }
            }
            Ok(())
        });
        if let Err(e) = result {
            panic!("expression fuzzing found a failure: {e}");
        }
    }
    cases.get()
}

fn fuzz_plans(deadline: Instant) -> (u64, u64) {
    let dir = std::env::temp_dir().join(format!("cutover-fuzz-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create fuzz dir");
    let cases = std::cell::Cell::new(0u64);
    let loaded = std::cell::Cell::new(0u64);
    while Instant::now() < deadline {
        let mut runner = TestRunner::new(config(32));
        let result = runner.run(&prop::collection::vec(migration(), 1..3), |files| {
            cases.set(cases.get() + 1);
            for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
                let _ = std::fs::remove_file(entry.path());
            }
            for (i, text) in files.iter().enumerate() {
                std::fs::write(dir.join(format!("{:04}_m.toml", i + 1)), text)
                    .expect("write fuzz file");
            }
            for dialects in [Dialect::ALL.to_vec(), vec![Dialect::Sqlite]] {
                if let Ok(plan) = Plan::load_with(&dir, &LoadOptions { dialects }) {
                    loaded.set(loaded.get() + 1);
                    exercise(&plan);
                }
            }
            Ok(())
        });
        if let Err(e) = result {
            let _ = std::fs::remove_dir_all(&dir);
            panic!("plan fuzzing found a failure: {e}");
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
    (cases.get(), loaded.get())
}

/// A runner for `cases` cases with a fresh random seed, no failure files.
fn config(cases: u32) -> Config {
    Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    }
}

/// Peak resident memory of this process in KiB (Linux), if known.
fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

#[test]
fn loader_parser_and_renderers_never_panic_hang_or_blow_up() {
    let budget = budget();
    let (tx, rx) = mpsc::channel();
    // Proptest reports a panicking case as a failure; a hang shows as no answer in time.
    let worker = std::thread::Builder::new()
        .name("fuzz".into())
        .spawn(move || {
            let half = Instant::now() + budget / 2;
            let exprs = fuzz_expressions(half);
            let plans = fuzz_plans(half + budget / 2);
            let _ = tx.send((exprs, plans));
        })
        .expect("spawn fuzz thread");
    let (exprs, (plans, loaded)) = match rx.recv_timeout(budget + Duration::from_secs(120)) {
        Ok(counts) => counts,
        Err(_) => {
            if worker.is_finished() {
                // The thread ended without sending: it panicked. Surface its message.
                if let Err(p) = worker.join() {
                    std::panic::resume_unwind(p);
                }
            }
            panic!("fuzzing hung: no case finished within its budget plus 120 s");
        }
    };
    eprintln!(
        "fuzz: {exprs} expressions, {plans} plans ({loaded} loads succeeded and were rendered and linted) in {budget:?}"
    );
    assert!(
        exprs > 0 && plans > 0 && loaded > 0,
        "the fuzz run executed no case, or no generated plan ever loaded"
    );
    if let Some(kib) = peak_rss_kib() {
        assert!(kib < 1024 * 1024, "peak memory {kib} KiB over 1 GiB");
    }
}
