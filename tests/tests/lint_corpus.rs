//! The lint corpus (issue 13's acceptance): >= 45 dangerous PostgreSQL patterns from squawk's
//! rule list and cutover's own findings, each as typed steps (where a typed step expresses it)
//! and as raw SQL, and >= 40 safe migrations teams write every week. Manifests live in
//! `tests/lint_corpus/`; `tests/src/corpus/` materialises and judges them.
//!
//! - `dangerous_patterns_are_caught`: typed and raw each catch at least 43/45 of their cases
//!   (a warning or error finding with the expected id on the case's migration).
//! - `safe_migrations_have_no_false_positives`: no warning or error finding on a safe case.
//! - `safe_migrations_apply_on_real_databases`, `dangerous_raw_sql_is_valid_postgres`: the
//!   corpus is real SQL, checked on fresh databases with a few rows in the base tables.
//!
//! `CUTOVER_CORPUS_REPORT=1 cargo test --test lint_corpus -- --nocapture` prints every
//! outcome and the counts for docs/lint.md ("How cutover compares with squawk").

use std::collections::{BTreeMap, BTreeSet};

use cutover_cli::connect::connect;
use cutover_core::Dialect;
use cutover_core::backup::BackupPolicy;
use cutover_core::plan::{LoadOptions, Plan};
use cutover_core::runner::{Runner, RunnerOptions, Silent, Target};
use cutover_tests::corpus::{Case, Corpus, Materialised, Outcome, Variant, outcome_table, tally};
use cutover_tests::{Backend, TestDb, backends};
use futures_util::StreamExt;

/// Rule ids a dangerous case may expect: the ids agreed for issue 13 (existing and new rules).
const CONTRACT_IDS: &[&str] = &[
    "pg/index-without-concurrently",
    "pg/drop-index-without-concurrently",
    "pg/concurrent-index-in-transaction",
    "pg/concurrent-index-without-if-not-exists",
    "pg/add-column-volatile-default",
    "pg/add-not-null-without-default",
    "pg/set-not-null",
    "pg/add-serial-primary-key",
    "pg/constraint-without-not-valid",
    "pg/unique-constraint-without-index",
    "pg/column-type-change",
    "pg/rename",
    "plan/destructive-outside-contract",
    "pg/drop-cascade",
    "pg/drop-not-null",
    "pg/prefer-bigint",
    "pg/prefer-identity",
    "pg/prefer-text",
    "pg/prefer-timestamptz",
    "pg/identifier-too-long",
    "pg/transaction-control-in-step",
    "pg/domain-constraint",
    "pg/reindex-without-concurrently",
    "pg/detach-partition-without-concurrently",
    "pg/table-rewrite-command",
    "pg/require-enum-value-ordering",
    "pg/validate-in-same-migration",
];

/// Databases created at once by the realism tests.
const PARALLEL: usize = 4;

fn report_wanted() -> bool {
    std::env::var("CUTOVER_CORPUS_REPORT").is_ok_and(|v| !v.is_empty() && v != "0")
}

fn judge_all(cases: &[Case], judge: impl Fn(&Case, Variant) -> Option<Outcome>) -> Vec<Outcome> {
    let mut out = Vec::new();
    for variant in Variant::BOTH {
        out.extend(cases.iter().filter_map(|c| judge(c, variant)));
    }
    out
}

/// Misses grouped by the rule id that should have caught them.
fn misses_by_id(outcomes: &[Outcome]) -> String {
    let mut by_id: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    for o in outcomes.iter().filter(|o| !o.pass) {
        by_id
            .entry(&o.expected)
            .or_default()
            .push(format!("{} ({})", o.case, o.variant.name()));
    }
    by_id
        .iter()
        .map(|(id, cases)| format!("- {id}: {}\n", cases.join(", ")))
        .collect()
}

#[test]
fn corpus_is_well_formed() {
    let corpus = Corpus::load();
    let typed = corpus
        .dangerous
        .iter()
        .filter(|c| c.typed.is_some())
        .count();
    assert!(
        corpus.dangerous.len() >= 45,
        "{} dangerous cases, want >= 45",
        corpus.dangerous.len()
    );
    assert!(
        typed >= 25,
        "{typed} dangerous cases have a typed form, want >= 25"
    );
    assert!(
        corpus.safe.len() >= 40,
        "{} safe cases, want >= 40",
        corpus.safe.len()
    );
    let mut names = BTreeSet::new();
    let mut problems = Vec::new();
    for case in corpus.dangerous.iter().chain(&corpus.safe) {
        if !names.insert(case.name.clone()) {
            problems.push(format!("{}: duplicate name", case.name));
        }
        if case.typed.is_none() && case.raw.is_none() {
            problems.push(format!("{}: neither typed nor raw", case.name));
        }
        for variant in Variant::BOTH {
            let dialects = case.dialects(variant);
            for preset in &case.base {
                let Some(p) = corpus.presets.get(preset) else {
                    problems.push(format!("{}: unknown preset {preset}", case.name));
                    continue;
                };
                for d in &dialects {
                    if case.has(variant) && !p.dialects.iter().any(|n| n == d.name()) {
                        problems.push(format!("{}: preset {preset} lacks {}", case.name, d.name()));
                    }
                }
            }
            if let Some(m) = case.plan(&corpus, variant)
                && let Err(e) = m.load()
            {
                problems.push(format!("{} ({}): {e}", case.name, variant.name()));
            }
        }
    }
    for case in &corpus.dangerous {
        let expect = case.expect.as_deref().unwrap_or("");
        if !CONTRACT_IDS.contains(&expect) {
            problems.push(format!(
                "{}: expect `{expect}` is not a contract id",
                case.name
            ));
        }
        if case.squawk_rule.is_none() {
            problems.push(format!("{}: no squawk_rule (\"\" for native)", case.name));
        }
        if case.dialects.is_some() || case.raw_dialects.is_some() {
            problems.push(format!(
                "{}: dangerous cases are PostgreSQL only",
                case.name
            ));
        }
    }
    for case in &corpus.safe {
        if case.expect.is_some() || case.squawk_rule.is_some() || case.raw_sqlstate.is_some() {
            problems.push(format!(
                "{}: safe cases have no expect/squawk_rule/raw_sqlstate",
                case.name
            ));
        }
    }
    assert!(
        problems.is_empty(),
        "corpus problems:\n{}",
        problems.join("\n")
    );
}

#[test]
fn dangerous_patterns_are_caught() {
    let corpus = Corpus::load();
    let outcomes = judge_all(&corpus.dangerous, |c, v| c.judge_dangerous(&corpus, v));
    let typed = tally(&outcomes, Variant::Typed);
    let raw = tally(&outcomes, Variant::Raw);
    let summary = format!(
        "dangerous corpus: typed {}/{} caught, raw {}/{} caught (need >= 43/45 each)",
        typed.pass, typed.total, raw.pass, raw.total
    );
    if report_wanted() {
        println!("{summary}\n\n{}", outcome_table(&outcomes, true));
    }
    assert!(
        typed.at_least(43, 45) && raw.at_least(43, 45),
        "{summary}\n\nmisses by expected id:\n{}\nevery miss:\n{}",
        misses_by_id(&outcomes),
        outcome_table(&outcomes, false)
    );
}

#[test]
fn safe_migrations_have_no_false_positives() {
    let corpus = Corpus::load();
    let outcomes = judge_all(&corpus.safe, |c, v| c.judge_safe(&corpus, v));
    let typed = tally(&outcomes, Variant::Typed);
    let raw = tally(&outcomes, Variant::Raw);
    let summary = format!(
        "safe corpus: false positives typed {}/{}, raw {}/{}",
        typed.total - typed.pass,
        typed.total,
        raw.total - raw.pass,
        raw.total
    );
    if report_wanted() {
        println!("{summary}\n\n{}", outcome_table(&outcomes, true));
    }
    assert!(
        outcomes.iter().all(|o| o.pass),
        "{summary}\n\nevery false positive:\n{}",
        outcome_table(&outcomes, false)
    );
}

fn backend_of(d: Dialect) -> Backend {
    match d {
        Dialect::Postgres => Backend::Postgres,
        Dialect::Mysql => Backend::Mysql,
        Dialect::Sqlite => Backend::Sqlite,
    }
}

/// `cutover up` of `dir` on `url`, without the contract gate's backup.
async fn up(url: &str, plan: &Plan) -> Result<(), String> {
    let mut b = connect(url).await.map_err(|e| format!("connect: {e}"))?;
    let options = RunnerOptions {
        backup: BackupPolicy::Skip,
        ..RunnerOptions::default()
    };
    let result = Runner::new(b.as_mut(), plan, options, &Silent)
        .up(Target::Latest)
        .await
        .map(|_| ())
        .map_err(|e| format!("up: {e}"));
    let _ = b.close().await;
    result
}

/// Applies `variant` of a safe case on a fresh database of `dialect`.
async fn apply_safe(
    corpus: &Corpus,
    case: &Case,
    variant: Variant,
    dialect: Dialect,
) -> Option<String> {
    let db = TestDb::create(backend_of(dialect)).await;
    let result = match case.plan(corpus, variant).map(|m| m.load()) {
        Some(Ok(plan)) => up(db.url(), &plan).await,
        Some(Err(e)) => Err(e),
        None => Ok(()),
    };
    db.drop_db().await;
    result.err().map(|e| {
        format!(
            "{} ({}, {}): {e}",
            case.name,
            variant.name(),
            dialect.name()
        )
    })
}

#[tokio::test]
async fn safe_migrations_apply_on_real_databases() {
    let corpus = Corpus::load();
    let selected: Vec<Dialect> = Dialect::ALL
        .into_iter()
        .filter(|d| backends().contains(&backend_of(*d)))
        .collect();
    let mut jobs = Vec::new();
    for case in &corpus.safe {
        for variant in Variant::BOTH.into_iter().filter(|v| case.has(*v)) {
            for d in case
                .dialects(variant)
                .into_iter()
                .filter(|d| selected.contains(d))
            {
                jobs.push((case, variant, d));
            }
        }
    }
    let failures: Vec<String> = futures_util::stream::iter(jobs)
        .map(|(case, variant, d)| apply_safe(&corpus, case, variant, d))
        .buffer_unordered(PARALLEL)
        .filter_map(|r| async move { r })
        .collect()
        .await;
    assert!(
        failures.is_empty(),
        "safe cases that do not apply:\n{}",
        failures.join("\n")
    );
}

/// Applies the base of a dangerous case with `cutover up`, then its raw SQL as a client would
/// (autocommit, one simple-protocol batch per migration).
async fn apply_dangerous_raw(corpus: &Corpus, case: &Case) -> Option<String> {
    let m = case.plan(corpus, Variant::Raw)?;
    let db = TestDb::create(Backend::Postgres).await;
    let result = run_raw(case, &m, db.url()).await;
    db.drop_db().await;
    result.err().map(|e| format!("{}: {e}", case.name))
}

async fn run_raw(case: &Case, m: &Materialised, url: &str) -> Result<(), String> {
    let base = m.base_only();
    let options = LoadOptions {
        dialects: vec![Dialect::Postgres],
    };
    let plan = Plan::load_with(base.path(), &options).map_err(|e| format!("base: {e}"))?;
    up(url, &plan).await?;
    let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls)
        .await
        .map_err(|e| format!("connect: {e}"))?;
    let conn = tokio::spawn(connection);
    let mut result = Ok(());
    let items = case.raw.as_ref().map(|r| r.items()).unwrap_or_default();
    for item in items {
        let got = client.batch_execute(item.sql()).await;
        result = match (got, &case.raw_sqlstate) {
            (Ok(()), None) => Ok(()),
            (Err(e), Some(state)) if e.code().is_some_and(|c| c.code() == state) => Ok(()),
            (Ok(()), Some(state)) => Err(format!("expected SQLSTATE {state}, but it applied")),
            (Err(e), _) => Err(match e.as_db_error() {
                Some(db) => format!(
                    "{}: SQLSTATE {}: {}",
                    item.sql(),
                    db.code().code(),
                    db.message()
                ),
                None => format!("{}: {e}", item.sql()),
            }),
        };
        if result.is_err() {
            break;
        }
    }
    drop(client);
    let _ = conn.await;
    result
}

#[tokio::test]
async fn dangerous_raw_sql_is_valid_postgres() {
    if !backends().contains(&Backend::Postgres) {
        return;
    }
    let corpus = Corpus::load();
    let failures: Vec<String> = futures_util::stream::iter(&corpus.dangerous)
        .map(|case| apply_dangerous_raw(&corpus, case))
        .buffer_unordered(PARALLEL)
        .filter_map(|r| async move { r })
        .collect()
        .await;
    assert!(
        failures.is_empty(),
        "dangerous raw SQL PostgreSQL refuses:\n{}",
        failures.join("\n")
    );
}
