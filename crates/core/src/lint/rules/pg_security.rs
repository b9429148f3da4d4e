//! PostgreSQL security lint: policies and API grants on tables without row-level security,
//! `pg_temp` early on a function's `search_path`, `SECURITY DEFINER` in raw SQL without a
//! `search_path`, and typed `drop_function` judged like a raw `DROP FUNCTION`.

use std::collections::BTreeMap;

use super::pg_routines::SECURITY_DEFINER_WITHOUT_SEARCH_PATH;
use crate::dialect::Dialect;
use crate::lint::finding::{Finding, RuleInfo, Severity};
use crate::lint::squawk::others::BAN_DROP_FUNCTION;
use crate::lint::walk::PlanView;
use crate::plan::{GrantOn, Phase, Step};

/// `pg/policy-without-rls`.
pub(crate) const POLICY_WITHOUT_RLS: RuleInfo = RuleInfo {
    id: "pg/policy-without-rls",
    severity: Severity::Warning,
    dialect: Some(Dialect::Postgres),
    origin: "cutover",
    summary: "A policy on a table whose row-level security the plan never enables",
    explanation: "PostgreSQL applies a table's policies only while row-level security is enabled on it: until then the policy filters nothing and every role with a grant sees and changes every row.",
    fix: "Add an `enable_rls` step for the table (or suppress with the reason, e.g. row-level security is already on in every database).",
};

/// `pg/grant-without-rls`.
pub(crate) const GRANT_WITHOUT_RLS: RuleInfo = RuleInfo {
    id: "pg/grant-without-rls",
    severity: Severity::Info,
    dialect: Some(Dialect::Postgres),
    origin: "cutover",
    summary: "A table granted to an API role without row-level security",
    explanation: "Roles such as `anon`, `authenticated` or `public` are what an HTTP API (PostgREST, Supabase) connects as: without row-level security on the table, every caller reaches every row the grant allows.",
    fix: "Enable row-level security on the table with policies for the role, or suppress with the reason (e.g. the table is public reference data).",
};

/// `pg/search-path-pg-temp-not-last`.
pub(crate) const PG_TEMP_NOT_LAST: RuleInfo = RuleInfo {
    id: "pg/search-path-pg-temp-not-last",
    severity: Severity::Warning,
    dialect: Some(Dialect::Postgres),
    origin: "cutover",
    summary: "A function's search_path searches pg_temp before other schemas",
    explanation: "Any session may create temporary tables and views: a `search_path` with pg_temp before another schema (or, in a SECURITY DEFINER function, without pg_temp at all, which PostgreSQL then searches first) lets a caller put their own objects in front of the function's.",
    fix: "Write pg_temp last: `set_search_path = \"pg_catalog, public, pg_temp\"`.",
};

/// Roles an HTTP API typically connects as.
const API_ROLES: &[&str] = &[
    "anon",
    "authenticated",
    "public",
    "web_anon",
    "api",
    "api_user",
];

/// Runs the rules.
pub(crate) fn check(view: &PlanView<'_>, out: &mut Vec<Finding>) {
    let rls = rls_at_end(view);
    let secured = |t: &str| rls.get(t).copied().unwrap_or(false);
    for s in &view.steps {
        match s.step() {
            Step::CreatePolicy(p) if !secured(&p.table) => out.push(s.finding(
                &POLICY_WITHOUT_RLS,
                format!(
                    "policy `{}` on `{}`: the plan never enables row-level security on the table, so the policy does nothing unless it is already on in the database",
                    p.name, p.table
                ),
            )),
            Step::Grant(g) if g.on == GrantOn::Table => {
                let api: Vec<&String> = g
                    .to
                    .iter()
                    .filter(|r| API_ROLES.contains(&r.to_ascii_lowercase().as_str()))
                    .collect();
                for t in g.objects.iter().filter(|t| !secured(t)) {
                    if let Some(role) = api.first() {
                        out.push(s.finding(
                            &GRANT_WITHOUT_RLS,
                            format!(
                                "grant to `{role}` on `{t}`, a table the plan does not enable row-level security on: every caller of the API reaches every row"
                            ),
                        ));
                    }
                }
            }
            Step::CreateFunction(f) => {
                if let Some(path) = &f.set_search_path
                    && let Some(why) = pg_temp_problem(path, f.security_definer)
                {
                    out.push(s.finding(
                        &PG_TEMP_NOT_LAST,
                        format!("function `{}`: search_path `{path}` {why}", f.name),
                    ));
                }
            }
            Step::DropFunction(d) if s.migration.phase != Some(Phase::Contract) => {
                out.push(s.finding(
                    &BAN_DROP_FUNCTION,
                    format!(
                        "function `{}` is dropped outside a contract migration",
                        d.name
                    ),
                ));
            }
            Step::Sql(q) => {
                let sql = q.postgres.as_deref().or(q.sql.as_deref()).unwrap_or("");
                for (name, definer, path) in raw_functions(sql) {
                    if definer && path.is_none() {
                        out.push(s.finding(
                            &SECURITY_DEFINER_WITHOUT_SEARCH_PATH,
                            format!(
                                "function `{name}` (raw SQL) is SECURITY DEFINER without SET search_path"
                            ),
                        ));
                    }
                    if let Some(path) = path
                        && let Some(why) = pg_temp_problem(&path, definer)
                    {
                        out.push(s.finding(
                            &PG_TEMP_NOT_LAST,
                            format!("function `{name}` (raw SQL): search_path `{path}` {why}"),
                        ));
                    }
                }
            }
            _ => {}
        }
    }
}

/// Whether each table has row-level security on after the whole plan (renames followed).
fn rls_at_end(view: &PlanView<'_>) -> BTreeMap<String, bool> {
    let mut on = BTreeMap::new();
    for m in &view.plan.migrations {
        for s in &m.steps {
            match &s.item {
                Step::EnableRls(r) => {
                    on.insert(r.table.clone(), true);
                }
                Step::DisableRls(r) => {
                    on.insert(r.table.clone(), false);
                }
                Step::RenameTable(r) => {
                    if let Some(v) = on.remove(&r.table) {
                        on.insert(r.to.clone(), v);
                    }
                }
                _ => {}
            }
        }
    }
    // A table renamed after its policy was created: the policy's step names the old table.
    let mut names: Vec<(String, String)> = Vec::new();
    for m in &view.plan.migrations {
        for s in &m.steps {
            if let Step::RenameTable(r) = &s.item {
                names.push((r.table.clone(), r.to.clone()));
            }
        }
    }
    for (from, to) in names.iter().rev() {
        if let Some(v) = on.get(to).copied() {
            on.entry(from.clone()).or_insert(v);
        }
    }
    on
}

/// Why `path` (comma-separated schemas) is unsafe, if it is: pg_temp before another schema,
/// or (`definer`) not listed, which PostgreSQL reads as "pg_temp first".
fn pg_temp_problem(path: &str, definer: bool) -> Option<&'static str> {
    let schemas: Vec<String> = path
        .split(',')
        .map(|p| {
            p.trim()
                .trim_matches(|c| c == '"' || c == '\'')
                .to_ascii_lowercase()
        })
        .filter(|p| !p.is_empty())
        .collect();
    match schemas.iter().position(|p| p == "pg_temp") {
        Some(i) if i + 1 < schemas.len() => {
            Some("searches pg_temp before other schemas: write pg_temp last")
        }
        None if definer && !schemas.is_empty() => Some(
            "has no pg_temp, so PostgreSQL searches it first in this SECURITY DEFINER function: add pg_temp last",
        ),
        _ => None,
    }
}

/// The functions a raw SQL text creates or alters: (name, SECURITY DEFINER, the search_path
/// it sets). A light reading of the text, not a parser: each `CREATE [OR REPLACE]
/// FUNCTION|PROCEDURE` / `ALTER FUNCTION` runs to the next one.
fn raw_functions(sql: &str) -> Vec<(String, bool, Option<String>)> {
    let words: Vec<&str> = sql.split_whitespace().collect();
    let upper: Vec<String> = words.iter().map(|w| w.to_ascii_uppercase()).collect();
    let starts: Vec<usize> = (0..upper.len())
        .filter(|&i| {
            let next = |k: usize| upper.get(i + k).map(String::as_str);
            (upper[i] == "CREATE"
                && (matches!(next(1), Some("FUNCTION" | "PROCEDURE"))
                    || (next(1) == Some("OR")
                        && next(2) == Some("REPLACE")
                        && matches!(next(3), Some("FUNCTION" | "PROCEDURE")))))
                || (upper[i] == "ALTER" && matches!(next(1), Some("FUNCTION" | "PROCEDURE")))
        })
        .collect();
    let mut out = Vec::new();
    for (n, &start) in starts.iter().enumerate() {
        let end = starts.get(n + 1).copied().unwrap_or(words.len());
        let seg = &upper[start..end];
        let kw = seg
            .iter()
            .position(|w| w == "FUNCTION" || w == "PROCEDURE")
            .unwrap_or(0);
        let name = words
            .get(start + kw + 1)
            .map(|w| w.split('(').next().unwrap_or(w).to_string())
            .unwrap_or_default();
        let definer = seg
            .windows(2)
            .any(|w| w[0] == "SECURITY" && w[1] == "DEFINER");
        let path = seg
            .iter()
            .position(|w| w.starts_with("SEARCH_PATH"))
            .map(|i| {
                // `search_path = a, b` / `search_path TO a, b` / `search_path='a, b'`, up to the
                // next keyword.
                let mut parts: Vec<&str> = Vec::new();
                let first = words[start + i].split_once('=').map_or("", |x| x.1);
                if !first.is_empty() {
                    parts.push(first);
                }
                for w in &words[start + i + 1..end] {
                    let u = w.to_ascii_uppercase();
                    if u == "=" || u == "TO" {
                        continue;
                    }
                    let continues = parts.is_empty()
                        || w.ends_with(',')
                        || parts.last().is_some_and(|p| p.ends_with(','));
                    if !continues {
                        break;
                    }
                    parts.push(w);
                }
                parts.join(" ").trim_end_matches(';').to_string()
            });
        out.push((name, definer, path));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::{pg_temp_problem, raw_functions};

    #[test]
    fn pg_temp_must_come_last_and_a_definer_must_list_it() {
        assert!(pg_temp_problem("pg_temp, public", false).is_some());
        assert!(pg_temp_problem("public, pg_temp", false).is_none());
        assert!(pg_temp_problem("public", false).is_none());
        assert!(pg_temp_problem("public", true).is_some());
        assert!(pg_temp_problem("", true).is_none());
    }

    #[test]
    fn raw_sql_functions_are_read_with_their_definer_flag_and_path() {
        let sql = "CREATE OR REPLACE FUNCTION auth.f() RETURNS int LANGUAGE sql SECURITY DEFINER AS $$ SELECT 1; $$;\n\
                   create function g(x int) returns int security definer set search_path = pg_temp, public as $$ select x $$;\n\
                   CREATE FUNCTION h() RETURNS int AS $$ SELECT 1 $$";
        let f = raw_functions(sql);
        assert_eq!(f.len(), 3, "{f:?}");
        assert_eq!(f[0], ("auth.f".to_string(), true, None));
        assert_eq!(f[1].0, "g");
        assert_eq!(f[1].2.as_deref(), Some("pg_temp, public"));
        assert!(!f[2].1);
    }
}
