//! Objects whose live definition is captured before a step replaces or drops them, so that
//! `down` can re-create them exactly (the plan never knew their definition).
//!
//! A step says what it replaces with [`Step::replaces`](super::Step::replaces); the dialect
//! reads the object's recreate-SQL (`DialectSql::captured_definition_sql`) inside the
//! migration's transaction, the runner keeps it in `<history_table>_captured`, and the
//! automatic down of the step is a [`RestoreCaptured`] step that runs it again.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::pg_security::{GrantOn, Privilege};

/// An existing database object a step replaces or drops.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ObjectRef {
    /// A row-level-security policy.
    Policy {
        /// Its table.
        table: String,
        /// Its name.
        name: String,
    },
    /// A function, by its signature as `to_regprocedure` reads it: `auth.uid()`,
    /// `f(integer, text)`.
    Function {
        /// The signature.
        signature: String,
    },
    /// A function a `create_function` with `replace = true` replaces, by signature: captured
    /// as its definition, or, when there was none, as the `DROP FUNCTION` that removes what
    /// the step created.
    ReplacedFunction {
        /// The signature, quoted: `"audit"."log_change"(integer)`.
        signature: String,
    },
    /// A trigger.
    Trigger {
        /// Its table.
        table: String,
        /// Its name.
        name: String,
    },
    /// Whether a trigger is enabled, and in which mode (captured before `enable_trigger` /
    /// `disable_trigger`, so that `down` puts back exactly the state it had).
    TriggerState {
        /// Its table.
        table: String,
        /// Its name.
        name: String,
    },
    /// The rights some roles hold on some objects (captured before a `revoke`).
    Grants {
        /// The kind of object.
        on: GrantOn,
        /// The objects.
        objects: Vec<String>,
        /// The roles.
        roles: Vec<String>,
        /// The privileges (`all`: every one).
        privileges: Vec<Privilege>,
    },
    /// A table's row-level security flags (enabled, forced), captured before `enable_rls` or
    /// `disable_rls` as the `ALTER TABLE` statements that set them back.
    RowSecurity {
        /// The table.
        table: String,
    },
    /// The rights a `grant` is about to give, captured as the statements that take back only
    /// what the roles did not hold before (a right held before stays), and give back the
    /// column rights a table-level `REVOKE` would take with it.
    GrantedRights {
        /// The kind of object.
        on: GrantOn,
        /// The objects.
        objects: Vec<String>,
        /// The roles.
        roles: Vec<String>,
        /// The privileges (`all`: every one).
        privileges: Vec<Privilege>,
        /// Whether the grant gives the grant option.
        with_grant_option: bool,
    },
}

impl ObjectRef {
    /// The kind, as stored in the `kind` column of the captured table.
    pub fn kind(&self) -> &'static str {
        match self {
            ObjectRef::Policy { .. } => "policy",
            ObjectRef::Function { .. } | ObjectRef::ReplacedFunction { .. } => "function",
            ObjectRef::Trigger { .. } | ObjectRef::TriggerState { .. } => "trigger",
            ObjectRef::Grants { .. } => "grants",
            ObjectRef::RowSecurity { .. } => "row_security",
            ObjectRef::GrantedRights { .. } => "granted_rights",
        }
    }

    /// A readable name, as stored in the `name` column and shown in messages.
    pub fn name(&self) -> String {
        match self {
            ObjectRef::Policy { table, name }
            | ObjectRef::Trigger { table, name }
            | ObjectRef::TriggerState { table, name } => {
                format!("{name} on {table}")
            }
            ObjectRef::Function { signature } | ObjectRef::ReplacedFunction { signature } => {
                signature.clone()
            }
            ObjectRef::RowSecurity { table } => format!("row-level security of {table}"),
            ObjectRef::Grants {
                on, objects, roles, ..
            }
            | ObjectRef::GrantedRights {
                on, objects, roles, ..
            } => format!(
                "{} {} to {}",
                on.keyword().to_lowercase(),
                objects.join(", "),
                roles.join(", ")
            ),
        }
    }
}

/// The automatic down of a step that replaced or dropped an object: runs the definition
/// captured when up step `step` ran (nothing when none was captured: the object did not
/// exist). Never written in a plan; derived by `down`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct RestoreCaptured {
    /// The object.
    pub object: ObjectRef,
    /// 1-based index of the up step that captured it.
    pub step: usize,
    /// Drop what the up step created under the same name first (a replaced policy).
    pub drop_current: bool,
}

impl super::Step {
    /// The existing object this step replaces or drops, whose live definition the runner
    /// captures (in the migration's transaction, before the step's first statement) so that
    /// `down` can re-create it. `None` for steps that only create what the plan defines.
    pub fn replaces(&self) -> Option<ObjectRef> {
        use super::Step;
        match self {
            Step::DropPolicy(d) => Some(ObjectRef::Policy {
                table: d.table.clone(),
                name: d.name.clone(),
            }),
            Step::CreatePolicy(c) if c.replace => Some(ObjectRef::Policy {
                table: c.table.clone(),
                name: c.name.clone(),
            }),
            Step::Revoke(r) => Some(ObjectRef::Grants {
                on: r.on,
                objects: r.objects.clone(),
                roles: r.from.clone(),
                privileges: r.privileges.clone(),
            }),
            Step::EnableRls(r) | Step::DisableRls(r) => Some(ObjectRef::RowSecurity {
                table: r.table.clone(),
            }),
            Step::Grant(g) => Some(ObjectRef::GrantedRights {
                on: g.on,
                objects: g.objects.clone(),
                roles: g.to.clone(),
                privileges: g.privileges.clone(),
                with_grant_option: g.with_grant_option,
            }),
            Step::CreateFunction(f) if f.replace => Some(ObjectRef::ReplacedFunction {
                signature: f.signature(),
            }),
            Step::DropFunction(d) => Some(ObjectRef::Function {
                signature: d.signature(),
            }),
            Step::DropTrigger(d) => Some(ObjectRef::Trigger {
                table: d.table.clone(),
                name: d.name.clone(),
            }),
            Step::EnableTrigger(t) | Step::DisableTrigger(t) => Some(ObjectRef::TriggerState {
                table: t.table.clone(),
                name: t.name.clone(),
            }),
            _ => None,
        }
    }

    /// The object this step creates whose definition the database prints differently from
    /// the plan (a policy's expressions), or whose owner drift compares (a function): the
    /// runner records it as printed right after the
    /// step ran, and drift compares the live object with that record.
    pub fn defines(&self) -> Option<ObjectRef> {
        use super::Step;
        match self {
            Step::CreatePolicy(c) => Some(ObjectRef::Policy {
                table: c.table.clone(),
                name: c.name.clone(),
            }),
            // Its owner, for owner drift.
            Step::CreateFunction(f) => Some(ObjectRef::Function {
                signature: f.signature(),
            }),
            _ => None,
        }
    }
}
