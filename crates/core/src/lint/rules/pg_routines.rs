//! `pg/security-definer-without-search-path`: a `SECURITY DEFINER` function runs with its
//! owner's rights; without a fixed `search_path` a caller who can create objects in a schema
//! on the path can make it call their own function or table instead (CVE-2018-1058 class).

use crate::dialect::Dialect;
use crate::lint::finding::{Finding, RuleInfo, Severity};
use crate::lint::walk::PlanView;
use crate::plan::Step;

/// `pg/security-definer-without-search-path`.
pub(crate) const SECURITY_DEFINER_WITHOUT_SEARCH_PATH: RuleInfo = RuleInfo {
    id: "pg/security-definer-without-search-path",
    severity: Severity::Warning,
    dialect: Some(Dialect::Postgres),
    origin: "cutover",
    summary: "A security definer function without a fixed search_path",
    explanation: "A SECURITY DEFINER function runs with its owner's rights. It resolves unqualified names through the caller's search_path, so a caller who may create objects in a schema on that path can make the function use them with the owner's rights.",
    fix: "Add `set_search_path = \"pg_catalog, pg_temp\"` (or the schemas it needs, pg_temp last) and qualify the names in the body.",
};

/// Runs the rule over every `create_function`.
pub(crate) fn check(view: &PlanView<'_>, out: &mut Vec<Finding>) {
    for s in &view.steps {
        if let Step::CreateFunction(f) = s.step()
            && f.security_definer
            && f.set_search_path.is_none()
        {
            out.push(s.finding(
                &SECURITY_DEFINER_WITHOUT_SEARCH_PATH,
                format!(
                    "function `{}` is SECURITY DEFINER without `set_search_path`",
                    f.name
                ),
            ));
        }
    }
}
