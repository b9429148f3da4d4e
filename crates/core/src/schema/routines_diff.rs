//! Drift of functions and trigger details (PostgreSQL).
//!
//! Compared only when the live side says it read them (`current_schema` is set). A function
//! the plan expects is missing or changed (language, return type, security definer,
//! volatility, body); a function is "not in the plan" only if the plan manages its name
//! (creates or drops a function of that name with a typed step): functions of raw SQL,
//! extensions and other tools are not drift. A trigger present on both sides is compared by
//! timing, events, row or statement, function and enabled state; missing and extra
//! triggers are found by name like on every database.

use super::routines::{FunctionShape, RoutineShapes, TriggerShape};

/// Triggers named with this prefix are cutover's own (sync triggers), never drift.
pub const INTERNAL_TRIGGER_PREFIX: &str = crate::dialect::SYNC_TRIGGER_PREFIX;

/// Whether trigger (or function) `name` is cutover's own: a sync trigger of this plan or of
/// another plan sharing the database (another history table), see
/// [`is_sync_trigger_name`](crate::dialect::is_sync_trigger_name), or the trigger that logs a
/// backfill's batches (`cutover_undo_*`, there while a run's batches run, or left by a run
/// that was killed).
pub fn is_internal_trigger(name: &str) -> bool {
    crate::dialect::is_sync_trigger_name(name) || name.starts_with(UNDO_CAPTURE_PREFIX)
}

/// The prefix of the triggers (and their functions) that log a backfill's batches: the
/// name of the backfill's undo log table.
pub const UNDO_CAPTURE_PREFIX: &str = "cutover_undo_";

/// Pushes `(object, detail)` for every difference between the routines of `e` (the plan)
/// and `a` (the database).
pub(crate) fn diff_routines(
    e: &RoutineShapes,
    a: &RoutineShapes,
    push: &mut dyn FnMut(&str, String),
) {
    let Some(current) = &a.current_schema else {
        return;
    };
    let local = |name: &str| -> String {
        name.strip_prefix(&format!("{current}."))
            .unwrap_or(name)
            .to_string()
    };
    let expected: std::collections::BTreeMap<String, &FunctionShape> =
        e.functions.iter().map(|(k, f)| (local(k), f)).collect();
    for (sig, ef) in &expected {
        match a.functions.get(sig) {
            None => push(sig, format!("function {sig} missing")),
            Some(af) => function_diff(sig, ef, af, push),
        }
    }
    let managed: Vec<String> = e.managed.iter().map(|n| local(n)).collect();
    for sig in a.functions.keys().filter(|k| !expected.contains_key(*k)) {
        let name = sig.split('(').next().unwrap_or(sig);
        if managed.iter().any(|m| m == name) {
            push(sig, format!("function {sig} not in the plan"));
        }
    }
    for (key, et) in &e.triggers {
        if let Some(at) = a.triggers.get(key) {
            let mut et = et.clone();
            et.function = local(&et.function);
            trigger_diff(key, &et, at, push);
        }
    }
}

fn function_diff(
    sig: &str,
    e: &FunctionShape,
    a: &FunctionShape,
    push: &mut dyn FnMut(&str, String),
) {
    let mut field = |what: &str, ev: &str, av: &str| {
        if ev != av {
            push(
                sig,
                format!("function {sig}: {what} {ev} expected, {av} found"),
            );
        }
    };
    field("language", &e.language, &a.language);
    // `TABLE(..)` results are printed by PostgreSQL in its own words: not compared.
    if !e.returns.to_ascii_lowercase().starts_with("table") {
        field("returns", &e.returns, &a.returns);
    }
    field(
        "security",
        definer(e.security_definer),
        definer(a.security_definer),
    );
    field("volatility", &e.volatility, &a.volatility);
    let path = |p: &Option<String>| match p {
        Some(p) => format!("`{p}`"),
        None => "unset".to_string(),
    };
    field("search_path", &path(&e.search_path), &path(&a.search_path));
    if e.body != a.body {
        push(
            sig,
            format!(
                "function {sig}: body differs from the plan's (changed by hand? `cutover down` and `up` the migration, or write the change as a new migration)"
            ),
        );
    }
}

fn definer(on: bool) -> &'static str {
    if on { "definer" } else { "invoker" }
}

fn trigger_diff(key: &str, e: &TriggerShape, a: &TriggerShape, push: &mut dyn FnMut(&str, String)) {
    let (table, name) = key.split_once('.').unwrap_or(("", key));
    let mut field = |what: &str, ev: String, av: String| {
        if ev != av {
            push(
                name,
                format!("trigger {name} on {table}: {what} {ev} expected, {av} found"),
            );
        }
    };
    field("timing", e.timing.clone(), a.timing.clone());
    field("events", e.events.join(" or "), a.events.join(" or "));
    field("for each", e.for_each.clone(), a.for_each.clone());
    field("function", e.function.clone(), a.function.clone());
    let state = |on: bool| if on { "enabled" } else { "disabled" }.to_string();
    field("state", state(e.enabled), state(a.enabled));
}
