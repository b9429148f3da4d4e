//! squawk rules with no cutover rule of their own: each keeps squawk's name as `pg/<rule>`,
//! severity warning, and runs on raw `sql` steps only (typed steps are judged by cutover).

use crate::dialect::Dialect;
use crate::lint::finding::{RuleInfo, Severity};

/// `pg/ban-drop-view`.
pub(crate) const BAN_DROP_VIEW: RuleInfo = RuleInfo {
    id: "pg/ban-drop-view",
    severity: Severity::Warning,
    dialect: Some(Dialect::Postgres),
    origin: "squawk: ban-drop-view",
    summary: "A view is dropped",
    explanation: "Queries of the running release that read the view fail at once.",
    fix: "Drop it in a `contract` migration once no release reads it.",
};

/// `pg/ban-drop-function`.
pub(crate) const BAN_DROP_FUNCTION: RuleInfo = RuleInfo {
    id: "pg/ban-drop-function",
    severity: Severity::Warning,
    dialect: Some(Dialect::Postgres),
    origin: "squawk: ban-drop-function",
    summary: "A function is dropped",
    explanation: "Queries, defaults, triggers and the running release that call the function fail.",
    fix: "Drop it in a `contract` migration once nothing calls it.",
};

/// `pg/ban-drop-type`.
pub(crate) const BAN_DROP_TYPE: RuleInfo = RuleInfo {
    id: "pg/ban-drop-type",
    severity: Severity::Warning,
    dialect: Some(Dialect::Postgres),
    origin: "squawk: ban-drop-type",
    summary: "A type is dropped",
    explanation: "Columns, casts and queries of the running release that use the type fail.",
    fix: "Drop it in a `contract` migration once nothing uses it.",
};

/// `pg/ban-drop-default`.
pub(crate) const BAN_DROP_DEFAULT: RuleInfo = RuleInfo {
    id: "pg/ban-drop-default",
    severity: Severity::Warning,
    dialect: Some(Dialect::Postgres),
    origin: "squawk: ban-drop-default",
    summary: "A column default is dropped",
    explanation: "INSERTs of the running release that leave the column out now write NULL, or fail on a NOT NULL column.",
    fix: "Drop the default once every writer sets the column, in a `contract` migration.",
};

/// `pg/ban-drop-schema`.
pub(crate) const BAN_DROP_SCHEMA: RuleInfo = RuleInfo {
    id: "pg/ban-drop-schema",
    severity: Severity::Warning,
    dialect: Some(Dialect::Postgres),
    origin: "squawk: ban-drop-schema",
    summary: "A schema is dropped",
    explanation: "Everything in the schema disappears with it, and the running release's queries into it fail.",
    fix: "Drop the objects one by one in a `contract` migration.",
};

/// `pg/ban-drop-sequence`.
pub(crate) const BAN_DROP_SEQUENCE: RuleInfo = RuleInfo {
    id: "pg/ban-drop-sequence",
    severity: Severity::Warning,
    dialect: Some(Dialect::Postgres),
    origin: "squawk: ban-drop-sequence",
    summary: "A sequence is dropped",
    explanation: "Defaults and INSERTs that draw from the sequence fail.",
    fix: "Drop it in a `contract` migration once nothing draws from it.",
};

/// `pg/ban-drop-domain`.
pub(crate) const BAN_DROP_DOMAIN: RuleInfo = RuleInfo {
    id: "pg/ban-drop-domain",
    severity: Severity::Warning,
    dialect: Some(Dialect::Postgres),
    origin: "squawk: ban-drop-domain",
    summary: "A domain is dropped",
    explanation: "Columns and casts that use the domain break.",
    fix: "Drop it in a `contract` migration once nothing uses it.",
};

/// `pg/ban-drop-constraint`.
pub(crate) const BAN_DROP_CONSTRAINT: RuleInfo = RuleInfo {
    id: "pg/ban-drop-constraint",
    severity: Severity::Warning,
    dialect: Some(Dialect::Postgres),
    origin: "squawk: ban-drop-constraint",
    summary: "A constraint is dropped (or stops being enforced)",
    explanation: "Code may rely on the guarantee (uniqueness, a valid reference, a check); without it, bad rows can be written and are hard to clean up later.",
    fix: "Drop it in a `contract` migration, or suppress with the reason (e.g. it was replaced by NOT NULL).",
};

/// `pg/ban-drop-generated-expression`.
pub(crate) const BAN_DROP_GENERATED_EXPRESSION: RuleInfo = RuleInfo {
    id: "pg/ban-drop-generated-expression",
    severity: Severity::Warning,
    dialect: Some(Dialect::Postgres),
    origin: "squawk: ban-drop-generated-expression",
    summary: "A generated column's expression is dropped",
    explanation: "The column stops being computed: rows written from now on keep stale or NULL values that readers do not expect.",
    fix: "Drop it in a `contract` migration once no reader relies on it.",
};

/// `pg/ban-drop-extension`.
pub(crate) const BAN_DROP_EXTENSION: RuleInfo = RuleInfo {
    id: "pg/ban-drop-extension",
    severity: Severity::Warning,
    dialect: Some(Dialect::Postgres),
    origin: "squawk: ban-drop-extension",
    summary: "An extension is dropped",
    explanation: "Types, functions and indexes provided by the extension go with it.",
    fix: "Drop it in a `contract` migration once nothing uses it.",
};

/// `pg/renaming-object`.
pub(crate) const RENAMING_OBJECT: RuleInfo = RuleInfo {
    id: "pg/renaming-object",
    severity: Severity::Warning,
    dialect: Some(Dialect::Postgres),
    origin: "squawk: renaming-object",
    summary: "A constraint, foreign table, role or other object is renamed",
    explanation: "The running release (or a monitoring job) that refers to the old name fails at once.",
    fix: "Create the new object next to the old one, switch clients, then drop the old one; or suppress if nothing refers to the name.",
};

/// `pg/ban-set-schema`.
pub(crate) const BAN_SET_SCHEMA: RuleInfo = RuleInfo {
    id: "pg/ban-set-schema",
    severity: Severity::Warning,
    dialect: Some(Dialect::Postgres),
    origin: "squawk: ban-set-schema",
    summary: "An object is moved to another schema",
    explanation: "Clients that find the object through the search path or a qualified name lose it at once.",
    fix: "Expand/contract: create it in the new schema, move clients, then drop the old one.",
};

/// `pg/ban-alter-identity`.
pub(crate) const BAN_ALTER_IDENTITY: RuleInfo = RuleInfo {
    id: "pg/ban-alter-identity",
    severity: Severity::Warning,
    dialect: Some(Dialect::Postgres),
    origin: "squawk: ban-alter-identity",
    summary: "A column's identity is changed or removed",
    explanation: "INSERTs of the running release that rely on generated values fail or collide.",
    fix: "Change identity in a `contract` migration once every writer supplies or expects the new behaviour.",
};

/// `pg/require-enum-value-ordering`.
pub(crate) const REQUIRE_ENUM_VALUE_ORDERING: RuleInfo = RuleInfo {
    id: "pg/require-enum-value-ordering",
    severity: Severity::Warning,
    dialect: Some(Dialect::Postgres),
    origin: "squawk: require-enum-value-ordering",
    summary: "ALTER TYPE .. ADD VALUE without BEFORE or AFTER",
    explanation: "The value is appended at the end, so ORDER BY on the enum sorts it last, which is rarely the intended order.",
    fix: "Say where the value goes with BEFORE or AFTER.",
};

/// `pg/ban-duplicate-column-assignments`.
pub(crate) const BAN_DUPLICATE_COLUMN_ASSIGNMENTS: RuleInfo = RuleInfo {
    id: "pg/ban-duplicate-column-assignments",
    severity: Severity::Warning,
    dialect: Some(Dialect::Postgres),
    origin: "squawk: ban-duplicate-column-assignments",
    summary: "A statement assigns the same column twice",
    explanation: "PostgreSQL refuses the statement (`multiple assignments to same column`), so the migration fails.",
    fix: "Assign each column once.",
};

/// The rules of this file that drop something: expected in a `contract` migration.
pub(crate) const DROPS: &[&str] = &[
    "pg/ban-drop-view",
    "pg/ban-drop-function",
    "pg/ban-drop-type",
    "pg/ban-drop-default",
    "pg/ban-drop-schema",
    "pg/ban-drop-sequence",
    "pg/ban-drop-domain",
    "pg/ban-drop-constraint",
    "pg/ban-drop-generated-expression",
    "pg/ban-drop-extension",
];
