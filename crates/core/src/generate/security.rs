//! The typed steps of a baseline for what [`LiveSecurity`] holds: functions (before the
//! tables those a default, index or check calls, the others after them, after the views
//! their signature uses), then after the tables the triggers,
//! row-level security, policies and grants. Every step is limited to the dialect, like the
//! raw steps, so the baseline keeps loading in plans that also target other databases.

use std::collections::BTreeSet;
use std::fmt::Write as _;

use super::StepText;
use super::values::{quote, string_list};
use crate::dialect::Dialect;
use crate::schema::{LiveFunction, LiveSecurity};

/// A typed step's text: `op`, the dialect limit, then `fields`.
fn typed(dialect: Dialect, op: &str, fields: &str, comment: Option<String>) -> StepText {
    StepText {
        comment,
        body: format!(
            "op = \"{op}\"\ndialects = [\"{}\"]\n{fields}",
            dialect.name()
        ),
        raw: false,
    }
}

/// `create_function` steps: with `before_tables`, those a table's default, check or index
/// calls (created before the tables); else the others whose signature uses no view
/// (created after the tables, before the views: [`view_function_steps`] writes the rest).
pub(super) fn function_steps(
    dialect: Dialect,
    s: &LiveSecurity,
    before_tables: bool,
) -> Vec<StepText> {
    s.functions
        .iter()
        .filter(|f| f.used_by.is_empty() != before_tables)
        .filter(|f| before_tables || f.after_views.is_empty())
        .map(|f| function_step(dialect, f))
        .collect()
}

/// `create_function` steps of the functions created after the tables whose signature uses
/// views, once every one of those is in `views_made` (with `None`: all that are left);
/// `made` holds the indexes of those already written and gets the new ones.
pub(super) fn view_function_steps(
    dialect: Dialect,
    s: &LiveSecurity,
    views_made: Option<&BTreeSet<String>>,
    made: &mut BTreeSet<usize>,
) -> Vec<StepText> {
    let mut out = Vec::new();
    for (i, f) in s.functions.iter().enumerate() {
        let waiting = f.used_by.is_empty() && !f.after_views.is_empty() && !made.contains(&i);
        if waiting && views_made.is_none_or(|v| f.after_views.iter().all(|n| v.contains(n))) {
            made.insert(i);
            out.push(function_step(dialect, f));
        }
    }
    out
}

fn function_step(dialect: Dialect, f: &LiveFunction) -> StepText {
    let mut b = String::new();
    let _ = writeln!(b, "name = {}", quote(&f.name));
    if !f.args.is_empty() {
        let _ = writeln!(b, "args = {}", string_list(&f.args));
    }
    let _ = writeln!(b, "returns = {}", quote(&f.returns));
    let _ = writeln!(b, "language = {}", quote(&f.language));
    if f.security_definer {
        b.push_str("security_definer = true\n");
    }
    if f.volatility != "volatile" {
        let _ = writeln!(b, "volatility = {}", quote(&f.volatility));
    }
    if let Some(p) = &f.search_path {
        let _ = writeln!(b, "set_search_path = {}", quote(p));
    }
    if let Some(o) = &f.owner {
        let _ = writeln!(b, "owner = {}", quote(o));
    }
    let _ = writeln!(b, "body = {}", body_string(&f.body));
    typed(dialect, "create_function", &b, None)
}

/// Triggers, row-level security, policies and grants, after every table.
pub(super) fn after_table_steps(dialect: Dialect, s: &LiveSecurity) -> Vec<StepText> {
    let mut out = Vec::new();
    for t in &s.triggers {
        let mut b = String::new();
        let _ = writeln!(b, "table = {}", quote(&t.table));
        let _ = writeln!(b, "name = {}", quote(&t.name));
        let _ = writeln!(b, "timing = {}", quote(&t.timing));
        let _ = writeln!(b, "events = {}", string_list(&t.events));
        if !t.update_of.is_empty() {
            let _ = writeln!(b, "update_of = {}", string_list(&t.update_of));
        }
        if t.for_each != "row" {
            let _ = writeln!(b, "for_each = {}", quote(&t.for_each));
        }
        if let Some(w) = &t.when {
            let _ = writeln!(b, "when = {}", quote(w));
        }
        let _ = writeln!(b, "function = {}", quote(&t.function));
        out.push(typed(dialect, "create_trigger", &b, None));
        let who = format!("table = {}\nname = {}\n", quote(&t.table), quote(&t.name));
        match t.state.as_str() {
            "disabled" => out.push(typed(dialect, "disable_trigger", &who, None)),
            "always" | "replica" => out.push(typed(
                dialect,
                "enable_trigger",
                &format!("{who}mode = {}\n", quote(&t.state)),
                None,
            )),
            _ => {}
        }
    }
    for r in &s.row_security {
        let mut b = format!("table = {}\n", quote(&r.table));
        if r.forced {
            b.push_str("force = true\n");
        }
        out.push(typed(dialect, "enable_rls", &b, None));
    }
    for p in &s.policies {
        let mut b = String::new();
        let _ = writeln!(b, "table = {}", quote(&p.table));
        let _ = writeln!(b, "name = {}", quote(&p.name));
        if p.command != "all" {
            let _ = writeln!(b, "command = {}", quote(&p.command));
        }
        if !p.permissive {
            b.push_str("permissive = false\n");
        }
        if p.roles != ["public"] {
            let _ = writeln!(b, "roles = {}", string_list(&p.roles));
        }
        if let Some(u) = &p.using {
            let _ = writeln!(b, "using = {}", quote(u));
        }
        if let Some(c) = &p.with_check {
            let _ = writeln!(b, "with_check = {}", quote(c));
        }
        out.push(typed(dialect, "create_policy", &b, None));
    }
    for g in &s.grants {
        let mut b = String::new();
        if g.on != "table" {
            let _ = writeln!(b, "on = {}", quote(&g.on));
        }
        let _ = writeln!(b, "privileges = {}", string_list(&g.privileges));
        let _ = writeln!(b, "objects = {}", string_list(&[&g.object]));
        let _ = writeln!(b, "to = {}", string_list(&[&g.role]));
        if g.grant_option {
            b.push_str("with_grant_option = true\n");
        }
        out.push(typed(dialect, "grant", &b, None));
    }
    for f in &s.public_execute_revoked {
        let b = format!(
            "on = \"function\"\nprivileges = [\"execute\"]\nobjects = {}\nfrom = [\"public\"]\n",
            string_list(&[f])
        );
        out.push(typed(dialect, "revoke", &b, None));
    }
    out
}

/// A function body as a TOML string that holds exactly its text (drift compares it with
/// `prosrc`): a multi-line literal string without a newline added at its end, where one
/// can hold it.
fn body_string(body: &str) -> String {
    if body.contains("'''") || body.contains('\r') || body.ends_with('\'') {
        quote(body)
    } else {
        format!("'''\n{body}'''")
    }
}

#[cfg(test)]
mod tests {
    use super::body_string;

    #[test]
    fn a_body_reads_back_exactly() {
        for body in [
            " BEGIN RETURN 1; END ",
            "\nBEGIN\n  RETURN 'a';\nEND\n",
            "x '''",
            "ends '",
        ] {
            let text = format!("b = {}", body_string(body));
            let v: toml::Table = toml::from_str(&text).expect("toml");
            assert_eq!(v["b"].as_str(), Some(body), "{text}");
        }
    }
}
