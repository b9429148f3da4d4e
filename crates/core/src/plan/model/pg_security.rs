//! PostgreSQL security steps: row-level security, policies and grants.
//!
//! Policy expressions (`using`, `with_check`) are PostgreSQL SQL, kept as written (they call
//! functions such as `auth.uid()` that the portable expression language does not know). The
//! steps render on PostgreSQL only; a plan that targets MySQL/MariaDB or SQLite must limit
//! them with `dialects = ["postgres"]`.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::serde_helpers::is_false;

/// `op = "enable_rls"` / `op = "disable_rls"`: `ALTER TABLE .. ENABLE|DISABLE ROW LEVEL
/// SECURITY`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RowSecurity {
    /// Table name.
    pub table: String,
    /// `enable_rls`: also `FORCE ROW LEVEL SECURITY` (the table's owner is filtered too).
    /// `disable_rls`: also `NO FORCE ROW LEVEL SECURITY`. Default: false.
    #[serde(default, skip_serializing_if = "is_false")]
    pub force: bool,
}

/// The command a policy applies to (`FOR ..`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum PolicyCommand {
    /// Every command (the default).
    #[default]
    All,
    /// SELECT.
    Select,
    /// INSERT.
    Insert,
    /// UPDATE.
    Update,
    /// DELETE.
    Delete,
}

impl PolicyCommand {
    /// The SQL keyword.
    pub fn keyword(self) -> &'static str {
        match self {
            PolicyCommand::All => "ALL",
            PolicyCommand::Select => "SELECT",
            PolicyCommand::Insert => "INSERT",
            PolicyCommand::Update => "UPDATE",
            PolicyCommand::Delete => "DELETE",
        }
    }
}

/// `roles`, refused when written as an empty list: an empty role list would make the policy
/// apply to every role (`PUBLIC`), the widest audience, when the writer more likely meant
/// "nobody yet". Leaving the field out still means `public`.
fn non_empty_roles<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    let roles = Vec::<String>::deserialize(d)?;
    if roles.is_empty() {
        return Err(serde::de::Error::custom(
            "`roles = []` would make the policy apply to every role (PUBLIC): list the roles it is for (`roles = [\"public\"]` for every role)",
        ));
    }
    Ok(roles)
}

fn is_all(c: &PolicyCommand) -> bool {
    *c == PolicyCommand::All
}

fn yes() -> bool {
    true
}

fn is_true(b: &bool) -> bool {
    *b
}

/// `op = "create_policy"`: `CREATE POLICY name ON table AS PERMISSIVE|RESTRICTIVE FOR command
/// TO roles USING (..) WITH CHECK (..)`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CreatePolicy {
    /// Table name.
    pub table: String,
    /// Policy name (unique per table).
    pub name: String,
    /// `all` (default), `select`, `insert`, `update` or `delete`.
    #[serde(default, skip_serializing_if = "is_all")]
    pub command: PolicyCommand,
    /// `true` (default): PERMISSIVE, policies are OR-ed; `false`: AS RESTRICTIVE, AND-ed.
    #[serde(default = "yes", skip_serializing_if = "is_true")]
    pub permissive: bool,
    /// Roles the policy applies to (default: `public`, every role). `public`,
    /// `current_user` and `session_user` are keywords; other names are quoted.
    #[serde(
        default,
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "non_empty_roles"
    )]
    pub roles: Vec<String>,
    /// Which existing rows are visible / affected: a PostgreSQL boolean expression, e.g.
    /// `auth.uid() = user_id`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub using: Option<String>,
    /// Which new rows may be written: a PostgreSQL boolean expression.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub with_check: Option<String>,
    /// Replace a policy of the same name if one exists (its definition is captured first,
    /// and `down` restores it). Default: false (an existing policy is an error).
    #[serde(default, skip_serializing_if = "is_false")]
    pub replace: bool,
}

/// `op = "drop_policy"`: `DROP POLICY name ON table`. The live definition is captured when
/// the step runs, and `down` re-creates it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DropPolicy {
    /// Table name.
    pub table: String,
    /// Policy name.
    pub name: String,
    /// `DROP POLICY IF EXISTS` (default false: a missing policy is an error).
    #[serde(default, skip_serializing_if = "is_false")]
    pub if_exists: bool,
}

/// A privilege of `grant` / `revoke`.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Privilege {
    /// SELECT.
    Select,
    /// INSERT.
    Insert,
    /// UPDATE.
    Update,
    /// DELETE.
    Delete,
    /// TRUNCATE.
    Truncate,
    /// REFERENCES.
    References,
    /// TRIGGER.
    Trigger,
    /// USAGE (sequences, schemas).
    Usage,
    /// EXECUTE (functions).
    Execute,
    /// CREATE (schemas).
    Create,
    /// ALL PRIVILEGES.
    All,
}

impl Privilege {
    /// The SQL keyword.
    pub fn keyword(self) -> &'static str {
        match self {
            Privilege::Select => "SELECT",
            Privilege::Insert => "INSERT",
            Privilege::Update => "UPDATE",
            Privilege::Delete => "DELETE",
            Privilege::Truncate => "TRUNCATE",
            Privilege::References => "REFERENCES",
            Privilege::Trigger => "TRIGGER",
            Privilege::Usage => "USAGE",
            Privilege::Execute => "EXECUTE",
            Privilege::Create => "CREATE",
            Privilege::All => "ALL",
        }
    }
}

/// The kind of object a grant is on.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum GrantOn {
    /// Tables and views (the default).
    #[default]
    Table,
    /// Sequences.
    Sequence,
    /// Functions, named with their argument types: `auth.uid()`, `f(integer, text)`.
    Function,
    /// Schemas.
    Schema,
}

impl GrantOn {
    /// The SQL keyword.
    pub fn keyword(self) -> &'static str {
        match self {
            GrantOn::Table => "TABLE",
            GrantOn::Sequence => "SEQUENCE",
            GrantOn::Function => "FUNCTION",
            GrantOn::Schema => "SCHEMA",
        }
    }

    /// The privileges that exist on this kind of object (besides `all`).
    pub fn privileges(self) -> &'static [Privilege] {
        use Privilege::*;
        match self {
            GrantOn::Table => &[
                Select, Insert, Update, Delete, Truncate, References, Trigger,
            ],
            GrantOn::Sequence => &[Usage, Select, Update],
            GrantOn::Function => &[Execute],
            GrantOn::Schema => &[Usage, Create],
        }
    }
}

fn is_table(o: &GrantOn) -> bool {
    *o == GrantOn::Table
}

/// `op = "grant"`: `GRANT privileges ON kind objects TO roles [WITH GRANT OPTION]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Grant {
    /// The privileges, e.g. `["select", "update"]`, or `["all"]`.
    pub privileges: Vec<Privilege>,
    /// The kind of object: `table` (default), `sequence`, `function` or `schema`.
    #[serde(default, skip_serializing_if = "is_table")]
    pub on: GrantOn,
    /// The objects' names (functions with their argument types, e.g. `auth.uid()`).
    pub objects: Vec<String>,
    /// The roles that receive them (`public` is the keyword).
    pub to: Vec<String>,
    /// `WITH GRANT OPTION`: the roles may grant them on.
    #[serde(default, skip_serializing_if = "is_false")]
    pub with_grant_option: bool,
}

/// `op = "revoke"`: `REVOKE privileges ON kind objects FROM roles`. The rights the roles
/// held are captured when the step runs, and `down` grants them again.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Revoke {
    /// The privileges, e.g. `["update"]`, or `["all"]`.
    pub privileges: Vec<Privilege>,
    /// The kind of object: `table` (default), `sequence`, `function` or `schema`.
    #[serde(default, skip_serializing_if = "is_table")]
    pub on: GrantOn,
    /// The objects' names.
    pub objects: Vec<String>,
    /// The roles that lose them.
    pub from: Vec<String>,
    /// `CASCADE`: also revoke the rights the roles granted on to others (they held them
    /// `WITH GRANT OPTION`). Default false: when such dependent rights exist the step fails
    /// before revoking anything, naming them. `down` gives back the roles' own rights only,
    /// not the dependents'.
    #[serde(default, skip_serializing_if = "is_false")]
    pub cascade: bool,
}

impl Grant {
    /// The `revoke` that undoes this grant.
    pub fn inverse(&self) -> Revoke {
        Revoke {
            privileges: self.privileges.clone(),
            on: self.on,
            objects: self.objects.clone(),
            from: self.to.clone(),
            cascade: false,
        }
    }
}
