//! SARIF 2.1.0 output, so CI systems (GitHub code scanning, GitLab, Azure DevOps) can
//! annotate pull requests with the findings.

use std::path::Path;

use serde_json::{Value, json};

use super::catalog::rules;
use super::finding::Finding;

/// The SARIF 2.1.0 schema URI.
pub const SARIF_SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";

/// A SARIF 2.1.0 log with one run: `tool.driver.rules` lists every rule, `results` holds the
/// findings. File paths are made relative to `base` where they lie under it (SARIF viewers
/// resolve them against the repository root) and written with `/`.
pub fn to_sarif(findings: &[Finding], base: Option<&Path>) -> Value {
    let all = rules();
    let rules: Vec<Value> = all
        .iter()
        .map(|r| {
            json!({
                "id": r.id,
                "name": r.id,
                "shortDescription": { "text": r.summary },
                "fullDescription": { "text": r.explanation },
                "help": { "text": r.fix },
                "defaultConfiguration": { "level": r.severity.sarif_level() },
                "properties": {
                    "tags": [r.dialect.map_or("plan", |d| d.name())],
                    "origin": r.origin,
                },
            })
        })
        .collect();
    let results: Vec<Value> = findings
        .iter()
        .map(|f| {
            let mut result = json!({
                "ruleId": f.rule,
                "level": f.severity.sarif_level(),
                "message": {
                    "text": format!("{}. Why: {} Fix: {}", f.message, f.explanation, f.fix),
                },
                "locations": [{
                    "physicalLocation": {
                        "artifactLocation": { "uri": uri(&f.file, base) },
                        "region": { "startLine": f.line },
                    },
                    "logicalLocations": [{
                        "name": logical_name(f),
                        "kind": "module",
                    }],
                }],
            });
            if let Some(i) = all.iter().position(|r| r.id == f.rule) {
                result["ruleIndex"] = json!(i);
            }
            result
        })
        .collect();
    json!({
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {
                "driver": {
                    "name": "cutover",
                    "version": env!("CARGO_PKG_VERSION"),
                    "informationUri": "https://example.invalid/cutover/docs/lint.md",
                    "rules": rules,
                },
            },
            "results": results,
        }],
    })
}

/// A SARIF log for a lint that could not run (the plan does not load): no results, and an
/// invocation that did not succeed with the error as a notification at `file`:`line`, so that
/// a CI upload shows the failure instead of an empty, clean-looking report.
pub fn to_sarif_failure(
    message: &str,
    file: Option<&Path>,
    line: Option<usize>,
    base: Option<&Path>,
) -> Value {
    let mut log = to_sarif(&[], base);
    let mut notification = json!({
        "level": "error",
        "message": { "text": message },
    });
    if let Some(file) = file {
        let mut location = json!({ "artifactLocation": { "uri": uri(file, base) } });
        if let Some(line) = line {
            location["region"] = json!({ "startLine": line });
        }
        notification["locations"] = json!([{ "physicalLocation": location }]);
    }
    log["runs"][0]["invocations"] = json!([{
        "executionSuccessful": false,
        "toolExecutionNotifications": [notification],
    }]);
    log
}

/// `migration 0003 (name), step 2 (create_index)`.
fn logical_name(f: &Finding) -> String {
    match (f.step, f.op) {
        (Some(s), Some(op)) => format!("migration {}, step {s} ({op})", f.migration_label()),
        _ => format!("migration {}", f.migration_label()),
    }
}

/// A relative URI with `/` separators, or a `file://` URI for paths outside `base`.
fn uri(path: &Path, base: Option<&Path>) -> String {
    let relative = match base {
        Some(b) if path.is_absolute() => path.strip_prefix(b).unwrap_or(path),
        _ => path,
    };
    let text: Vec<String> = relative
        .components()
        .filter(|c| !matches!(c, std::path::Component::CurDir))
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    if relative.is_absolute() {
        format!("file://{}", relative.to_string_lossy().replace('\\', "/"))
    } else {
        text.join("/")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failed_lint_is_a_failed_invocation() {
        let log = to_sarif_failure(
            "invalid TOML",
            Some(Path::new("/repo/migrations/0001_a.toml")),
            Some(3),
            Some(Path::new("/repo")),
        );
        let invocation = &log["runs"][0]["invocations"][0];
        assert_eq!(invocation["executionSuccessful"], json!(false));
        let note = &invocation["toolExecutionNotifications"][0];
        assert_eq!(note["message"]["text"], json!("invalid TOML"));
        let at = &note["locations"][0]["physicalLocation"];
        assert_eq!(
            at["artifactLocation"]["uri"],
            json!("migrations/0001_a.toml")
        );
        assert_eq!(at["region"]["startLine"], json!(3));
        assert_eq!(log["runs"][0]["results"], json!([]));
    }

    #[test]
    fn uris_are_relative_with_slashes() {
        let base = Path::new("/repo");
        assert_eq!(
            uri(Path::new("/repo/migrations/0001_a.toml"), Some(base)),
            "migrations/0001_a.toml"
        );
        assert_eq!(
            uri(Path::new("./migrations/0001_a.toml"), None),
            "migrations/0001_a.toml"
        );
        assert_eq!(
            uri(Path::new("/elsewhere/0001_a.toml"), Some(base)),
            "file:///elsewhere/0001_a.toml"
        );
    }
}
