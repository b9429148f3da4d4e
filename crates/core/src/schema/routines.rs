//! Functions and triggers in the schema model: what the plan's typed steps create, and the
//! shape drift compares with what PostgreSQL's catalog says.
//!
//! Functions are known by signature (`name(arg types)`, types normalised the way PostgreSQL
//! prints them) and compared by language, return type, security definer, volatility and
//! body (what the database stores, `prosrc`, against the plan's body, both trimmed).
//! Triggers are known by table and name and compared by timing, events, row or statement,
//! function and enabled state.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use crate::dialect::{Dialect, UpdatedAtSpec};
use crate::plan::{CreateFunction, CreateTrigger, ForEach, Step, TriggerEvent, TriggerTiming};

/// A function as the plan or the database defines it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FunctionShape {
    /// Its language, lowercase.
    pub language: String,
    /// Its return type, normalised (see [`normalise_pg_type`]).
    pub returns: String,
    /// `SECURITY DEFINER`.
    pub security_definer: bool,
    /// `volatile`, `stable` or `immutable`.
    pub volatility: String,
    /// The body, trimmed.
    pub body: String,
    /// Its own `search_path` setting, normalised (see [`normalise_search_path`]); `None`:
    /// not set (the caller's path applies).
    pub search_path: Option<String>,
}

/// A `search_path` value as a comparable list: schemas trimmed, unquoted, joined with
/// `, ` (`"pg_catalog", pg_temp` -> `pg_catalog, pg_temp`; `""` -> empty).
pub fn normalise_search_path(path: &str) -> String {
    path.split(',')
        .map(|p| p.trim().trim_matches('"').to_string())
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join(", ")
}

/// A trigger as the plan or the database defines it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TriggerShape {
    /// `before`, `after` or `instead_of`.
    pub timing: String,
    /// Its events, sorted: `insert`, `update`, `update of a, b`, `delete`, `truncate`.
    pub events: Vec<String>,
    /// `row` or `statement`.
    pub for_each: String,
    /// The function it calls, qualified unless in the current schema.
    pub function: String,
    /// Whether it fires (not disabled).
    pub enabled: bool,
}

/// Functions and trigger details of a schema (PostgreSQL; empty elsewhere).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct RoutineShapes {
    /// The live database's current schema: set by introspection that reads functions and
    /// trigger details (PostgreSQL); `None` for the plan's shape and other databases, whose
    /// functions and trigger details are then not compared.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub current_schema: Option<String>,
    /// Functions by signature, `[schema.]name(types)` (no schema: the current one).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub functions: BTreeMap<String, FunctionShape>,
    /// Function names the plan creates or drops with typed steps (`[schema.]name`): only
    /// functions of these names are drift when the plan does not expect them.
    #[serde(skip_serializing_if = "BTreeSet::is_empty")]
    pub managed: BTreeSet<String>,
    /// Trigger details by `table.name`.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub triggers: BTreeMap<String, TriggerShape>,
}

impl RoutineShapes {
    /// Whether nothing is known (no functions, names or trigger details).
    pub fn is_empty(&self) -> bool {
        self.current_schema.is_none()
            && self.functions.is_empty()
            && self.managed.is_empty()
            && self.triggers.is_empty()
    }
}

/// What the plan's typed function and trigger steps have created so far.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct RoutineModel {
    /// Functions by signature key.
    pub functions: BTreeMap<String, CreateFunction>,
    /// Function names typed steps created or dropped.
    pub managed: BTreeSet<String>,
    /// Triggers by `(table, name)`, with whether they are enabled.
    pub triggers: BTreeMap<(String, String), (CreateTrigger, bool)>,
    /// `updated_at` triggers by `(table, name)`: their column.
    pub updated_at: BTreeMap<(String, String), String>,
    /// `updated_at` triggers a `disable_trigger` step turned off, by `(table, name)`.
    pub updated_at_disabled: BTreeSet<(String, String)>,
}

/// `name(type, type)` with the types normalised.
pub fn signature_key(name: &str, types: &[String]) -> String {
    let types: Vec<String> = types.iter().map(|t| normalise_pg_type(t)).collect();
    format!("{name}({})", types.join(", "))
}

/// `public.fmt(integer)` -> `fmt(integer)`: a function key without the default schema.
fn unqualified_public(key: &str) -> String {
    key.strip_prefix("public.").unwrap_or(key).to_string()
}

/// A PostgreSQL type as `format_type` prints it without modifiers: `int` -> `integer`,
/// `varchar(20)` -> `character varying`, `timestamptz` -> `timestamp with time zone`.
pub fn normalise_pg_type(ty: &str) -> String {
    let lower = ty.trim().to_ascii_lowercase();
    if let Some(rest) = lower.strip_prefix("setof ") {
        return format!("SETOF {}", normalise_pg_type(rest));
    }
    let (base, array) = match lower.strip_suffix("[]") {
        Some(b) => (b.trim().to_string(), "[]"),
        None => (lower.clone(), ""),
    };
    // Drop a type modifier: `varchar(20)`, `numeric(10, 2)`, `timestamp(3) with time zone`.
    let base = match (base.find('('), base.find(')')) {
        (Some(open), Some(close)) if close > open => {
            format!("{}{}", &base[..open], &base[close + 1..])
        }
        _ => base,
    };
    let base = base.split_whitespace().collect::<Vec<_>>().join(" ");
    let name = match base.as_str() {
        "int" | "int4" | "integer" => "integer",
        "int8" | "bigint" => "bigint",
        "int2" | "smallint" => "smallint",
        "bool" | "boolean" => "boolean",
        "varchar" | "character varying" => "character varying",
        "char" | "character" | "bpchar" => "character",
        "float8" | "double precision" | "float" => "double precision",
        "float4" | "real" => "real",
        "decimal" | "numeric" => "numeric",
        "timestamptz" | "timestamp with time zone" => "timestamp with time zone",
        "timestamp" | "timestamp without time zone" => "timestamp without time zone",
        "timetz" | "time with time zone" => "time with time zone",
        "time" | "time without time zone" => "time without time zone",
        other => other,
    };
    format!("{name}{array}")
}

impl RoutineModel {
    /// Applies a function or trigger step (others are ignored, except table drops and
    /// renames, which take the table's triggers along).
    pub fn apply(&mut self, step: &Step) {
        match step {
            Step::CreateFunction(f) => {
                self.managed.insert(f.name.clone());
                self.functions
                    .insert(signature_key(&f.name, &f.arg_types()), f.clone());
            }
            Step::DropFunction(f) => {
                self.managed.insert(f.name.clone());
                // `public.fmt` and `fmt` name the same function in the default schema.
                let key = unqualified_public(&signature_key(&f.name, &f.args));
                self.functions.retain(|k, _| unqualified_public(k) != key);
            }
            Step::CreateTrigger(t) => {
                self.triggers
                    .insert((t.table.clone(), t.name.clone()), (t.clone(), true));
            }
            Step::DropTrigger(t) => {
                let key = (t.table.clone(), t.name.clone());
                self.triggers.remove(&key);
                self.updated_at.remove(&key);
                self.updated_at_disabled.remove(&key);
            }
            Step::EnableTrigger(t) | Step::DisableTrigger(t) => {
                let on = matches!(step, Step::EnableTrigger(_));
                if let Some((_, enabled)) =
                    self.triggers.get_mut(&(t.table.clone(), t.name.clone()))
                {
                    *enabled = on;
                }
                let key = (t.table.clone(), t.name.clone());
                if self.updated_at.contains_key(&key) {
                    if on {
                        self.updated_at_disabled.remove(&key);
                    } else {
                        self.updated_at_disabled.insert(key);
                    }
                }
            }
            Step::UpdatedAtTrigger(u) => {
                self.managed.insert(u.trigger_name());
                self.updated_at
                    .insert((u.table.clone(), u.trigger_name()), u.column.clone());
                self.updated_at_disabled
                    .remove(&(u.table.clone(), u.trigger_name()));
            }
            Step::DropTable(t) => {
                self.triggers.retain(|(table, _), _| *table != t.table);
                self.updated_at.retain(|(table, _), _| *table != t.table);
                self.updated_at_disabled
                    .retain(|(table, _)| *table != t.table);
            }
            Step::RenameTable(r) => {
                move_table(&mut self.triggers, &r.table, &r.to);
                move_table(&mut self.updated_at, &r.table, &r.to);
                self.updated_at_disabled = std::mem::take(&mut self.updated_at_disabled)
                    .into_iter()
                    .map(|(t, n)| (if t == r.table { r.to.clone() } else { t }, n))
                    .collect();
            }
            _ => {}
        }
    }

    /// Trigger names, for the name-level comparison every dialect has. Triggers on a table
    /// of another schema (`auth.users`) are left out: drift reads the current schema only.
    pub fn trigger_names(&self) -> impl Iterator<Item = &String> {
        self.triggers
            .keys()
            .chain(self.updated_at.keys())
            .filter(|(t, _)| !t.contains('.'))
            .map(|(_, n)| n)
    }

    /// The functions and trigger details on `dialect` (PostgreSQL's `updated_at` trigger
    /// is a function and a trigger; elsewhere only its name is known).
    pub fn shape(&self, dialect: Dialect) -> RoutineShapes {
        let mut out = RoutineShapes {
            managed: self.managed.clone(),
            ..RoutineShapes::default()
        };
        for (key, f) in &self.functions {
            out.functions.insert(
                key.clone(),
                FunctionShape {
                    language: f.language.trim().to_ascii_lowercase(),
                    returns: normalise_pg_type(&f.returns),
                    security_definer: f.security_definer,
                    volatility: f
                        .volatility
                        .map_or("volatile", |v| match v {
                            crate::plan::Volatility::Volatile => "volatile",
                            crate::plan::Volatility::Stable => "stable",
                            crate::plan::Volatility::Immutable => "immutable",
                        })
                        .to_string(),
                    body: f.body.trim().to_string(),
                    search_path: f.set_search_path.as_deref().map(normalise_search_path),
                },
            );
        }
        for ((table, name), (t, enabled)) in
            self.triggers.iter().filter(|((t, _), _)| !t.contains('.'))
        {
            out.triggers
                .insert(format!("{table}.{name}"), trigger_shape(t, *enabled));
        }
        for ((table, name), column) in &self.updated_at {
            let spec = UpdatedAtSpec {
                table,
                column,
                name,
                key: &[],
            };
            let Some(body) = dialect.triggers().updated_at_function_body(&spec) else {
                continue;
            };
            out.functions.insert(
                signature_key(name, &[]),
                FunctionShape {
                    language: "plpgsql".into(),
                    returns: "trigger".into(),
                    security_definer: false,
                    volatility: "volatile".into(),
                    body: body.trim().to_string(),
                    search_path: None,
                },
            );
            out.triggers.insert(
                format!("{table}.{name}"),
                TriggerShape {
                    timing: "before".into(),
                    events: vec!["update".into()],
                    for_each: "row".into(),
                    function: name.clone(),
                    enabled: !self
                        .updated_at_disabled
                        .contains(&(table.clone(), name.clone())),
                },
            );
        }
        out
    }
}

/// Re-keys the entries of table `from` to table `to`.
fn move_table<V>(m: &mut BTreeMap<(String, String), V>, from: &str, to: &str) {
    let keys: Vec<_> = m.keys().filter(|(t, _)| t == from).cloned().collect();
    for k in keys {
        if let Some(v) = m.remove(&k) {
            m.insert((to.to_string(), k.1), v);
        }
    }
}

fn trigger_shape(t: &CreateTrigger, enabled: bool) -> TriggerShape {
    let mut events: Vec<(TriggerEvent, String)> = t
        .events
        .iter()
        .map(|e| {
            let text = match e {
                TriggerEvent::Update if !t.update_of.is_empty() => {
                    let mut cols = t.update_of.clone();
                    cols.sort();
                    format!("update of {}", cols.join(", "))
                }
                other => other.sql().to_ascii_lowercase(),
            };
            (*e, text)
        })
        .collect();
    events.sort();
    TriggerShape {
        timing: match t.timing {
            TriggerTiming::Before => "before",
            TriggerTiming::After => "after",
            TriggerTiming::InsteadOf => "instead_of",
        }
        .into(),
        events: events.into_iter().map(|(_, s)| s).collect(),
        for_each: match t.for_each {
            ForEach::Row => "row",
            ForEach::Statement => "statement",
        }
        .into(),
        function: t.function.clone(),
        enabled,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_normalise_like_format_type() {
        assert_eq!(normalise_pg_type("INT"), "integer");
        assert_eq!(normalise_pg_type("varchar(20)"), "character varying");
        assert_eq!(normalise_pg_type("timestamptz"), "timestamp with time zone");
        assert_eq!(normalise_pg_type("int8[]"), "bigint[]");
        assert_eq!(normalise_pg_type("numeric(10, 2)"), "numeric");
        assert_eq!(normalise_pg_type("setof text"), "SETOF text");
        assert_eq!(
            signature_key("f", &["int".into(), "text".into()]),
            "f(integer, text)"
        );
    }
}
