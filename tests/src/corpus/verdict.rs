//! Linting a materialised case and judging the result: caught or missed (dangerous), clean or
//! false positive (safe); and the tables printed for the lead.

use cutover_core::lint::{Finding, Severity, lint_plan};

use super::{Case, Corpus, Variant};

/// What lint said about one variant of one case.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// The case name.
    pub case: String,
    /// Typed or raw.
    pub variant: Variant,
    /// The expected rule id (dangerous) or empty (safe).
    pub expected: String,
    /// Dangerous: caught. Safe: no finding of severity warning or error.
    pub pass: bool,
    /// Findings on the case's migrations, `rule (severity)`, or the load error.
    pub got: Vec<String>,
}

impl Case {
    /// Lints `variant` of a dangerous case; `None` when it has no such variant.
    pub fn judge_dangerous(&self, corpus: &Corpus, variant: Variant) -> Option<Outcome> {
        let expected = self.expect.clone().unwrap_or_default();
        self.judge(corpus, variant, |findings| {
            findings
                .iter()
                .any(|f| f.rule == expected && f.severity >= Severity::Warning)
        })
        .map(|mut o| {
            o.expected = expected.clone();
            o
        })
    }

    /// Lints `variant` of a safe case; `None` when it has no such variant.
    pub fn judge_safe(&self, corpus: &Corpus, variant: Variant) -> Option<Outcome> {
        self.judge(corpus, variant, |findings| {
            findings.iter().all(|f| f.severity < Severity::Warning)
        })
    }

    fn judge(
        &self,
        corpus: &Corpus,
        variant: Variant,
        pass: impl Fn(&[&Finding]) -> bool,
    ) -> Option<Outcome> {
        let plan_dir = self.plan(corpus, variant)?;
        let mut outcome = Outcome {
            case: self.name.clone(),
            variant,
            expected: String::new(),
            pass: false,
            got: Vec::new(),
        };
        match plan_dir.load() {
            Err(e) => outcome.got.push(format!("plan does not load: {e}")),
            Ok(plan) => {
                let findings = lint_plan(&plan, &plan_dir.dialects);
                let own: Vec<&Finding> = findings
                    .iter()
                    .filter(|f| plan_dir.case_versions.contains(&f.migration))
                    .collect();
                outcome.pass = pass(&own);
                outcome.got = own
                    .iter()
                    .map(|f| format!("{} ({})", f.rule, f.severity))
                    .collect();
                outcome.got.dedup();
            }
        }
        Some(outcome)
    }
}

/// Counts for one variant.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tally {
    /// Cases that passed.
    pub pass: usize,
    /// Cases with this variant.
    pub total: usize,
}

impl Tally {
    /// Whether `pass / total >= num / den` (e.g. 43/45).
    pub fn at_least(&self, num: usize, den: usize) -> bool {
        self.pass * den >= num * self.total
    }
}

/// The tally of `outcomes` of one variant.
pub fn tally(outcomes: &[Outcome], variant: Variant) -> Tally {
    let mine = outcomes.iter().filter(|o| o.variant == variant);
    Tally {
        pass: mine.clone().filter(|o| o.pass).count(),
        total: mine.count(),
    }
}

/// A markdown table of the outcomes; only the failing ones unless `all`.
pub fn outcome_table(outcomes: &[Outcome], all: bool) -> String {
    let mut out =
        String::from("| case | variant | expected | result | got |\n|---|---|---|---|---|\n");
    for o in outcomes.iter().filter(|o| all || !o.pass) {
        let got = if o.got.is_empty() {
            "nothing".to_string()
        } else {
            o.got.join(", ")
        };
        let expected = if o.expected.is_empty() {
            "no warning/error"
        } else {
            &o.expected
        };
        let result = if o.pass { "ok" } else { "FAIL" };
        out.push_str(&format!(
            "| {} | {} | {expected} | {result} | {got} |\n",
            o.case,
            o.variant.name()
        ));
    }
    out
}
