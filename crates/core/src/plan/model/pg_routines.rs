//! Functions and triggers as typed steps: `create_function`, `drop_function`,
//! `create_trigger`, `drop_trigger`, `enable_trigger`, `disable_trigger` (PostgreSQL) and the
//! portable `updated_at_trigger` (all three databases).

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::serde_helpers::is_false;

/// One argument of a function: `"name type"` in a plan, or a table `{ name, type, default }`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(try_from = "ArgInput")]
pub struct FunctionArg {
    /// The argument's name.
    pub name: String,
    /// Its SQL type, as PostgreSQL writes it (`integer`, `text`, `timestamptz`, `uuid[]`).
    #[serde(rename = "type")]
    pub ty: String,
    /// Its default, an SQL expression (`DEFAULT ...`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default: Option<String>,
}

/// How an argument may be written in a plan.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum ArgInput {
    /// `"name type"`, e.g. `"user_id bigint"`.
    Text(String),
    /// `{ name = "user_id", type = "bigint", default = "0" }`.
    Table {
        /// The argument's name.
        name: String,
        /// Its SQL type.
        #[serde(rename = "type")]
        ty: String,
        /// Its default, an SQL expression.
        #[serde(default)]
        default: Option<String>,
    },
}

impl TryFrom<ArgInput> for FunctionArg {
    type Error = String;

    fn try_from(input: ArgInput) -> Result<Self, Self::Error> {
        match input {
            ArgInput::Table { name, ty, default } => Ok(FunctionArg { name, ty, default }),
            ArgInput::Text(text) => {
                let text = text.trim();
                match text.split_once(char::is_whitespace) {
                    Some((name, ty)) if !ty.trim().is_empty() => Ok(FunctionArg {
                        name: name.to_string(),
                        ty: ty.trim().to_string(),
                        default: None,
                    }),
                    _ => Err(format!(
                        "argument `{text}` must be \"name type\" (e.g. \"user_id bigint\") or a table {{ name = \"..\", type = \"..\" }}"
                    )),
                }
            }
        }
    }
}

/// How much a function's result depends on more than its arguments.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Volatility {
    /// May change anything, give a new result on every call (PostgreSQL's default).
    Volatile,
    /// Reads the database, same result within one statement.
    Stable,
    /// Same arguments, same result, forever.
    Immutable,
}

impl Volatility {
    /// The SQL keyword.
    pub fn sql(self) -> &'static str {
        match self {
            Volatility::Volatile => "VOLATILE",
            Volatility::Stable => "STABLE",
            Volatility::Immutable => "IMMUTABLE",
        }
    }
}

/// `op = "create_function"` (PostgreSQL): `CREATE [OR REPLACE] FUNCTION`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateFunction {
    /// The function's name, optionally schema-qualified (`audit.log_change`).
    pub name: String,
    /// Arguments in order: `"name type"` strings or `{ name, type, default }` tables.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub args: Vec<FunctionArg>,
    /// The return type (`trigger`, `void`, `bigint`, `SETOF text`, `TABLE(id bigint)`).
    pub returns: String,
    /// The language (default `plpgsql`; `sql`, or any installed language).
    #[serde(default = "plpgsql")]
    pub language: String,
    /// The body, without quotes: cutover dollar-quotes it with a tag that does not occur in it.
    pub body: String,
    /// `SECURITY DEFINER`: run with the rights of the function's owner. Set
    /// `set_search_path` with it.
    #[serde(default, skip_serializing_if = "is_false")]
    pub security_definer: bool,
    /// `volatile` (PostgreSQL's default), `stable` or `immutable`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub volatility: Option<Volatility>,
    /// `SET search_path = ...` for the function's calls, schemas separated by commas
    /// (`"public, pg_temp"`; `""` for an empty path).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub set_search_path: Option<String>,
    /// `CREATE OR REPLACE`: replace a function with the same signature if it exists. `down`
    /// then restores the definition the database had before (captured at apply).
    #[serde(default, skip_serializing_if = "is_false")]
    pub replace: bool,
    /// The role that owns the function, set right after it is created (`ALTER FUNCTION ..
    /// OWNER TO`); unset: the role that runs the migration. A SECURITY DEFINER function runs
    /// with its owner's rights; drift compares the owner with the one this step gave it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
}

fn plpgsql() -> String {
    "plpgsql".to_string()
}

impl CreateFunction {
    /// The argument types, in order (the function's signature with its name).
    pub fn arg_types(&self) -> Vec<String> {
        self.args.iter().map(|a| a.ty.clone()).collect()
    }

    /// The signature, quoted, as `DROP FUNCTION` and `to_regprocedure` read it.
    pub fn signature(&self) -> String {
        signature(&self.name, &self.arg_types())
    }
}

impl DropFunction {
    /// The signature, quoted, as `DROP FUNCTION` and `to_regprocedure` read it.
    pub fn signature(&self) -> String {
        signature(&self.name, &self.args)
    }
}

/// `"schema"."name"(type, type)`.
fn signature(name: &str, types: &[String]) -> String {
    let name: Vec<String> = name
        .split('.')
        .map(|p| format!("\"{}\"", p.replace('"', "\"\"")))
        .collect();
    let types: Vec<&str> = types.iter().map(|t| t.trim()).collect();
    format!("{}({})", name.join("."), types.join(", "))
}

/// `op = "drop_function"` (PostgreSQL): `DROP FUNCTION name(arg types)`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DropFunction {
    /// The function's name, optionally schema-qualified.
    pub name: String,
    /// The argument types of the signature, in order (`["bigint", "text"]`; empty: none).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub args: Vec<String>,
    /// `IF EXISTS`: no error when there is no such function.
    #[serde(default, skip_serializing_if = "is_false")]
    pub if_exists: bool,
}

/// When a trigger fires, relative to the row change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum TriggerTiming {
    /// `BEFORE`: may change or skip the row.
    Before,
    /// `AFTER`: sees the change done.
    After,
    /// `INSTEAD OF` (views).
    InsteadOf,
}

impl TriggerTiming {
    /// The SQL words.
    pub fn sql(self) -> &'static str {
        match self {
            TriggerTiming::Before => "BEFORE",
            TriggerTiming::After => "AFTER",
            TriggerTiming::InsteadOf => "INSTEAD OF",
        }
    }
}

/// A change that fires a trigger.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum TriggerEvent {
    /// `INSERT`.
    Insert,
    /// `UPDATE` (of the `update_of` columns when given).
    Update,
    /// `DELETE`.
    Delete,
    /// `TRUNCATE` (statement-level triggers only).
    Truncate,
}

impl TriggerEvent {
    /// The SQL word.
    pub fn sql(self) -> &'static str {
        match self {
            TriggerEvent::Insert => "INSERT",
            TriggerEvent::Update => "UPDATE",
            TriggerEvent::Delete => "DELETE",
            TriggerEvent::Truncate => "TRUNCATE",
        }
    }
}

/// Whether a trigger fires once per row or once per statement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ForEach {
    /// `FOR EACH ROW` (the default here).
    #[default]
    Row,
    /// `FOR EACH STATEMENT`.
    Statement,
}

/// `op = "create_trigger"` (PostgreSQL): `CREATE TRIGGER ... EXECUTE FUNCTION`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateTrigger {
    /// The table (or view, with `instead_of`) the trigger is on.
    pub table: String,
    /// The trigger's name (unique per table).
    pub name: String,
    /// `before`, `after` or `instead_of`.
    pub timing: TriggerTiming,
    /// The changes that fire it: `insert`, `update`, `delete`, `truncate`.
    pub events: Vec<TriggerEvent>,
    /// Fire on UPDATE only when one of these columns is set (`UPDATE OF a, b`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub update_of: Vec<String>,
    /// `row` (default) or `statement`.
    #[serde(default, skip_serializing_if = "is_row")]
    pub for_each: ForEach,
    /// `WHEN (condition)`: PostgreSQL SQL that may use `OLD` and `NEW`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub when: Option<String>,
    /// The trigger function (returning `trigger`), optionally schema-qualified.
    pub function: String,
    /// Text arguments passed to the function (`TG_ARGV`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub args: Vec<String>,
}

fn is_row(f: &ForEach) -> bool {
    *f == ForEach::Row
}

/// `op = "drop_trigger"` (PostgreSQL): `DROP TRIGGER name ON table`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DropTrigger {
    /// The table the trigger is on.
    pub table: String,
    /// The trigger's name.
    pub name: String,
    /// `IF EXISTS`: no error when there is no such trigger.
    #[serde(default, skip_serializing_if = "is_false")]
    pub if_exists: bool,
}

/// `op = "enable_trigger"` / `op = "disable_trigger"` (PostgreSQL):
/// `ALTER TABLE table ENABLE|DISABLE TRIGGER name`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ToggleTrigger {
    /// The table the trigger is on.
    pub table: String,
    /// The trigger's name.
    pub name: String,
    /// `enable_trigger` only: when the trigger fires. Default `origin` (`ENABLE TRIGGER`:
    /// not on a logical-replication subscriber, which turns a trigger that was `ENABLE
    /// ALWAYS` into a plain one); `always` (`ENABLE ALWAYS`); `replica` (`ENABLE REPLICA`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mode: Option<TriggerMode>,
}

/// When an enabled PostgreSQL trigger fires, by `session_replication_role`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum TriggerMode {
    /// `ENABLE TRIGGER`: on `origin` and `local` sessions (not when applying replicated rows).
    Origin,
    /// `ENABLE ALWAYS TRIGGER`: on every session, replicas too.
    Always,
    /// `ENABLE REPLICA TRIGGER`: only when applying replicated rows.
    Replica,
}

impl TriggerMode {
    /// The words after `ENABLE` in `ALTER TABLE .. ENABLE .. TRIGGER`.
    pub fn keyword(self) -> &'static str {
        match self {
            TriggerMode::Origin => "",
            TriggerMode::Always => " ALWAYS",
            TriggerMode::Replica => " REPLICA",
        }
    }
}

/// `op = "updated_at_trigger"` (all three databases): keeps `column` at the time of the
/// row's last change. An UPDATE that leaves the column as it was moves it to now; one that
/// changes it keeps the value it wrote.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdatedAtTrigger {
    /// The table.
    pub table: String,
    /// The timestamp column (default `updated_at`).
    #[serde(default = "updated_at")]
    pub column: String,
    /// The trigger's name (default `<table>_set_<column>`; on PostgreSQL the function it
    /// calls has the same name).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

fn updated_at() -> String {
    "updated_at".to_string()
}

impl UpdatedAtTrigger {
    /// The trigger's name (and the PostgreSQL function's).
    pub fn trigger_name(&self) -> String {
        self.name
            .clone()
            .unwrap_or_else(|| format!("{}_set_{}", self.table, self.column))
    }
}
