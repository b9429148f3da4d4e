//! Deserializing and validating the `[[steps]]`, `[[down]]` and `[[checks]]` arrays of a
//! migration file one item at a time, so that errors name the item and its line.

use std::path::Path;

use serde::de::DeserializeOwned;

use super::super::allow::parse_allows;
use super::super::check_rules::validate_check;
use super::super::dialect_limits;
use super::super::model::{Check, Step};
use super::super::source_map::{SourceMap, field_label};
use super::super::validate::validate_step;
use super::super::{LoadOptions, Located};
use crate::dialect::Dialect;
use crate::error::{Error, Result};

/// Something that can be validated after deserialization.
pub(super) trait Item: DeserializeOwned {
    fn kind() -> &'static str;
    fn label(&self) -> String;
    fn validate(&self, dialects: &[Dialect]) -> std::result::Result<(), (Option<String>, String)>;
    /// `dialects` as the item's own struct holds it (raw `sql` steps).
    fn own_dialects(&self) -> Option<Vec<Dialect>> {
        None
    }
}

impl Item for Step {
    fn kind() -> &'static str {
        "step"
    }
    fn label(&self) -> String {
        self.op().to_string()
    }
    fn validate(&self, dialects: &[Dialect]) -> std::result::Result<(), (Option<String>, String)> {
        validate_step(self, dialects)
    }
    fn own_dialects(&self) -> Option<Vec<Dialect>> {
        match self {
            Step::Sql(s) => s.dialects.clone(),
            _ => None,
        }
    }
}

impl Item for Check {
    fn kind() -> &'static str {
        "check"
    }
    fn label(&self) -> String {
        self.name.clone()
    }
    fn validate(&self, dialects: &[Dialect]) -> std::result::Result<(), (Option<String>, String)> {
        validate_check(self, dialects)
    }
}

pub(super) fn items<T: Item>(
    path: &Path,
    map: &SourceMap<'_>,
    array: &str,
    values: Vec<toml::Value>,
    options: &LoadOptions,
) -> Result<Vec<Located<T>>> {
    let mut out = Vec::with_capacity(values.len());
    for (i, mut value) in values.into_iter().enumerate() {
        // Suppressions sit beside the step, outside its checksum.
        let allow = match value.as_table_mut().and_then(|t| t.remove("allow")) {
            Some(v) if array == "steps" || array == "down" => {
                let line = map.field_line(array, i, Some("allow")).unwrap_or(1);
                parse_allows(v, line).map_err(|msg| {
                    Error::plan(
                        path,
                        Some(line),
                        format!("{} {}, field `allow`: {msg}", T::kind(), i + 1),
                    )
                })?
            }
            Some(v) => {
                // Not a step: put it back so that deserializing reports the unknown field.
                if let Some(t) = value.as_table_mut() {
                    t.insert("allow".into(), v);
                }
                Vec::new()
            }
            None => Vec::new(),
        };
        let dialects = dialect_limits::take(&mut value).map_err(|msg| {
            let line = map.field_line(array, i, Some("dialects"));
            let down = if array == "down" { "down " } else { "" };
            Error::plan(
                path,
                line,
                format!("{down}{} {}, field `dialects`: {msg}", T::kind(), i + 1),
            )
        })?;
        let op = value
            .get("op")
            .and_then(|v| v.as_str())
            .map(|s| format!(" ({s})"))
            .unwrap_or_default();
        let where_ = if array == "down" {
            format!("down {} {}{op}", T::kind(), i + 1)
        } else {
            format!("{} {}{op}", T::kind(), i + 1)
        };
        let item: T = value.try_into().map_err(|e: toml::de::Error| {
            let msg = e.message().trim().to_string();
            let line = map.message_line(array, i, &msg);
            Error::plan(path, line, format!("{where_}: {msg}"))
        })?;
        let dialects = dialects.or_else(|| item.own_dialects());
        // An item limited to some dialects must render for those only.
        let targets = dialect_limits::narrow(&options.dialects, dialects.as_deref());
        if let Err((field, msg)) = item.validate(&targets) {
            let line = map.field_line(array, i, field.as_deref());
            let label = format!("{} {} ({})", T::kind(), i + 1, item.label());
            let label = if array == "down" {
                format!("down {label}")
            } else {
                label
            };
            let msg = match field {
                Some(f) => format!("{label}, field `{}`: {msg}", field_label(&f)),
                None => format!("{label}: {msg}"),
            };
            return Err(Error::plan(path, line, msg));
        }
        let line = map.field_line(array, i, None).unwrap_or(1);
        out.push(Located {
            item,
            line,
            allow,
            dialects,
        });
    }
    Ok(out)
}
