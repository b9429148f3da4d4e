//! The JSON Schema of migration files and `cutover.toml`, for editors (taplo / Even Better
//! TOML complete and check fields with it) and for `cutover schema plan-format`.
//!
//! The schema is generated from the serde types the loader reads, so it follows them. Values
//! that the loader parses from strings (expressions, queries, column types, `references`,
//! `expect`) are described here as strings, and the fields the loader takes off an item before
//! deserializing it (`dialects` on every step and check, `allow` on up and down steps) are added to each
//! step and check schema, so the schema accepts exactly the keys the loader accepts.

use std::borrow::Cow;

use schemars::generate::SchemaSettings;
use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde_json::{Map, Value};

use super::allow::RawAllow;
use super::config::RawConfig;
use super::load::Header;
use super::model::{Check, Expect, References, Step};
use crate::dialect::Dialect;
use crate::expr::{Expression, SelectQuery};

/// Which file a schema describes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SchemaFile {
    /// A migration file (`migrations/0001_name.toml`).
    Migration,
    /// The project configuration, `cutover.toml`.
    Config,
}

impl SchemaFile {
    /// The file name the schema is published under in `docs/schema/`.
    pub fn file_name(self) -> &'static str {
        match self {
            SchemaFile::Migration => "migration.schema.json",
            SchemaFile::Config => "cutover.schema.json",
        }
    }

    /// The schema as a JSON value (JSON Schema draft 7, which every TOML editor reads).
    pub fn schema(self) -> Value {
        let generator = SchemaGenerator::new(SchemaSettings::draft07());
        let schema = match self {
            SchemaFile::Migration => generator.into_root_schema_for::<Header>(),
            SchemaFile::Config => generator.into_root_schema_for::<RawConfig>(),
        };
        let mut value = schema.to_value();
        strip_null(&mut value);
        if self == SchemaFile::Migration {
            // Defaulted so that a missing list gets the loader's hint; still required.
            require(&mut value, "steps");
        }
        value
    }

    /// The schema as pretty-printed JSON with a final newline, as committed in `docs/schema/`.
    pub fn to_json(self) -> String {
        let mut text = serde_json::to_string_pretty(&self.schema()).unwrap_or_default();
        text.push('\n');
        text
    }
}

/// TOML has no null: an optional field is absent, never `null`. Removes the `null` that
/// schemars adds for `Option` fields (`"type": ["string", "null"]`, `anyOf: [.., {"type":
/// "null"}]`, `"default": null`), so editors do not offer it.
fn strip_null(value: &mut Value) {
    match value {
        Value::Object(obj) => {
            if obj.get("default") == Some(&Value::Null) {
                obj.remove("default");
            }
            if let Some(Value::Array(types)) = obj.get_mut("type") {
                types.retain(|t| t != "null");
                if types.len() == 1 {
                    let only = types.remove(0);
                    obj.insert("type".into(), only);
                }
            }
            if let Some(Value::Array(options)) = obj.get_mut("anyOf") {
                options.retain(|o| o.get("type").and_then(Value::as_str) != Some("null"));
                if options.len() == 1 {
                    let only = options.remove(0);
                    obj.remove("anyOf");
                    if let Value::Object(inner) = only {
                        for (k, v) in inner {
                            obj.entry(k).or_insert(v);
                        }
                    }
                }
            }
            obj.values_mut().for_each(strip_null);
        }
        Value::Array(items) => items.iter_mut().for_each(strip_null),
        _ => {}
    }
}

/// A string-valued schema with a description; `examples` are shown by editors.
fn string_schema(description: &str, examples: &[&str]) -> Schema {
    json_schema!({
        "type": "string",
        "description": description,
        "examples": examples,
    })
}

/// A portable column type, written as a string (`bigint`, `varchar(255)`, `text[]`).
pub(crate) struct ColumnTypeName;

impl JsonSchema for ColumnTypeName {
    fn schema_name() -> Cow<'static, str> {
        "ColumnType".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        string_schema(
            "A portable column type (docs/plan-format.md#column-types): smallint, integer, bigint, \
             decimal(p, s), real, double, boolean, text, varchar(n), char(n), date, time, timestamp, \
             timestamptz, uuid, json, bytes, an enum or an array such as text[].",
            &["bigint", "varchar(255)", "timestamptz", "json"],
        )
    }
}

impl JsonSchema for Expression {
    fn schema_name() -> Cow<'static, str> {
        "Expression".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        string_schema(
            "A portable SQL expression (docs/expressions.md), rendered for each dialect.",
            &["status = 'active'", "lower(email)", "now()"],
        )
    }
}

impl JsonSchema for SelectQuery {
    fn schema_name() -> Cow<'static, str> {
        "SelectQuery".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        string_schema(
            "A portable SELECT returning one value (docs/expressions.md), rendered for each dialect.",
            &["SELECT COUNT(*) FROM messages WHERE body IS NULL"],
        )
    }
}

impl JsonSchema for References {
    fn schema_name() -> Cow<'static, str> {
        "References".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "type": "string",
            "description": "The referenced table and columns: `table(column)` or `table(a, b)`.",
            "pattern": r"^[^(]*[^(\s][^(]*\(\s*[^,()\s][^,()]*(,\s*[^,()\s][^,()]*)*\)\s*$",
            "examples": ["conversations(id)"],
        })
    }
}

impl JsonSchema for Expect {
    fn schema_name() -> Cow<'static, str> {
        "Expect".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "description": "The expected value: a number (`expect = 0`) or a comparison (`expect = \">= 100\"`).",
            "oneOf": [
                { "type": "number" },
                { "type": "string", "pattern": r"^\s*(=|!=|<>|<=|>=|<|>)?\s*-?[0-9]" },
            ],
        })
    }
}

impl JsonSchema for Dialect {
    fn schema_name() -> Cow<'static, str> {
        "Dialect".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "type": "string",
            "description": "A database dialect (`mariadb` is another name for `mysql`).",
            "enum": ["postgres", "mysql", "mariadb", "sqlite"],
        })
    }
}

/// A `requires` entry: a version as a string (`"0003"`) or an integer.
pub(crate) struct VersionRef;

impl JsonSchema for VersionRef {
    fn schema_name() -> Cow<'static, str> {
        "VersionRef".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "description": "A migration version, as in its file name: \"0003\" (or 3).",
            "oneOf": [
                { "type": "string", "pattern": "^[0-9]+$" },
                { "type": "integer", "minimum": 0 },
            ],
        })
    }
}

/// An up step: a [`Step`] plus `dialects` and `allow`.
pub(crate) struct StepEntry;

/// A down step: a [`Step`] plus `dialects` and `allow`.
pub(crate) struct DownStepEntry;

/// A migration-level check: a [`Check`] plus `dialects`.
pub(crate) struct CheckEntry;

impl JsonSchema for StepEntry {
    fn schema_name() -> Cow<'static, str> {
        "Step".into()
    }

    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        step_entry(generator, true)
    }
}

impl JsonSchema for DownStepEntry {
    fn schema_name() -> Cow<'static, str> {
        "DownStep".into()
    }

    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        step_entry(generator, true)
    }
}

impl JsonSchema for CheckEntry {
    fn schema_name() -> Cow<'static, str> {
        "CheckEntry".into()
    }

    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        let mut schema = Check::json_schema(generator);
        let extras = extra_fields(generator, false);
        add_fields(schema.ensure_object(), &extras);
        schema
    }
}

/// Every `op` variant of [`Step`], each with the fields the loader takes off before
/// deserializing it (a raw `sql` step owns `dialects` already).
fn step_entry(generator: &mut SchemaGenerator, with_allow: bool) -> Schema {
    let mut schema = Step::json_schema(generator);
    let extras = extra_fields(generator, with_allow);
    let obj = schema.ensure_object();
    for key in ["oneOf", "anyOf"] {
        if let Some(Value::Array(variants)) = obj.get_mut(key) {
            for variant in variants.iter_mut() {
                if let Value::Object(v) = variant {
                    add_fields(v, &extras);
                }
                let op = variant
                    .pointer("/properties/op/const")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_string();
                for (_, field) in REQUIRED_ANYWAY.iter().filter(|(o, _)| *o == op) {
                    require(variant, field);
                }
            }
        }
    }
    obj.insert(
        "description".into(),
        "A step: a table with an `op` naming what it does (docs/plan-format.md#steps).".into(),
    );
    schema
}

/// Fields that serde defaults only so that the loader can say how to write them when they
/// are missing; a file without them does not load, so the schema requires them.
const REQUIRED_ANYWAY: &[(&str, &str)] = &[("delete_rows", "where")];

/// Adds `key` to the `required` list of an object schema.
fn require(obj: &mut Value, key: &str) {
    let Some(obj) = obj.as_object_mut() else {
        return;
    };
    let required = obj
        .entry("required")
        .or_insert_with(|| Value::Array(Vec::new()));
    if let Value::Array(required) = required
        && !required.iter().any(|r| r == key)
    {
        required.push(key.into());
    }
}

/// The properties of `dialects` (and `allow`).
fn extra_fields(generator: &mut SchemaGenerator, with_allow: bool) -> Map<String, Value> {
    let mut dialects = generator.subschema_for::<Vec<Dialect>>().to_value();
    if let Value::Object(d) = &mut dialects {
        d.insert("minItems".into(), 1.into());
        d.insert("uniqueItems".into(), true.into());
        d.insert(
            "description".into(),
            "Run only on these dialects; skipped on the others.".into(),
        );
    }
    let mut out = Map::new();
    out.insert("dialects".into(), dialects);
    if with_allow {
        let mut allow = generator.subschema_for::<Vec<RawAllow>>().to_value();
        if let Value::Object(a) = &mut allow {
            a.insert(
                "description".into(),
                "Lint suppressions for this step (outside its checksum).".into(),
            );
        }
        out.insert("allow".into(), allow);
    }
    out
}

/// Adds `extras` to an object schema that does not define them. schemars inlines the struct
/// of each `op` variant and of a check, so their `additionalProperties: false` covers the
/// added keys too (the schema test checks that `dialects` and `allow` pass and others fail).
fn add_fields(obj: &mut Map<String, Value>, extras: &Map<String, Value>) {
    let Some(Value::Object(props)) = obj.get_mut("properties") else {
        return;
    };
    for (key, value) in extras {
        if !props.contains_key(key) {
            props.insert(key.clone(), value.clone());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The `op` names serde knows, read from its "unknown variant" message.
    fn serde_ops() -> Vec<String> {
        let err = serde_json::from_value::<Step>(serde_json::json!({ "op": "?" }))
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        let list = err.split("expected one of ").nth(1).unwrap_or_default();
        list.split(", ")
            .map(|s| {
                s.trim_matches(|c: char| c == '`' || c.is_whitespace())
                    .to_string()
            })
            .filter(|s| !s.is_empty())
            .collect()
    }

    #[test]
    fn every_op_has_a_step_schema_with_dialects_and_allow() {
        let schema = SchemaFile::Migration.schema();
        let variants = schema
            .pointer("/definitions/Step/oneOf")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        let ops: Vec<String> = variants
            .iter()
            .filter_map(|v| v.pointer("/properties/op/const").and_then(Value::as_str))
            .map(str::to_string)
            .collect();
        let expected = serde_ops();
        assert!(expected.len() >= 20, "{expected:?}");
        assert_eq!(ops, expected);
        for v in &variants {
            assert_eq!(v["additionalProperties"], Value::Bool(false), "{v}");
            assert!(v.pointer("/properties/dialects").is_some(), "{v}");
            assert!(v.pointer("/properties/allow").is_some(), "{v}");
        }
        let down = schema
            .pointer("/definitions/DownStep/oneOf")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        assert_eq!(down.len(), ops.len());
        assert!(
            down.iter()
                .all(|v| v.pointer("/properties/allow").is_some())
        );
    }

    #[test]
    fn no_null_is_offered_for_optional_fields() {
        for file in [SchemaFile::Migration, SchemaFile::Config] {
            let text = file.to_json();
            for bad in ["\"null\"", ": null"] {
                assert!(!text.contains(bad), "{}: {bad} in {text}", file.file_name());
            }
        }
    }
}
