//! `allow` on a `[[down]]` step: accepted like on `[[steps]]`, and the findings about the
//! suppression point at the down step.

use std::path::Path;

use super::lint_plan;
use crate::dialect::Dialect;
use crate::plan::{LoadOptions, Plan, Source};

fn plan(allow: &str) -> Plan {
    let text = format!(
        "description = \"t\"\n[[steps]]\nop = \"sql\"\nsql = \"CREATE TABLE t (id int)\"\ndown = \"DROP TABLE t\"\n\n[[down]]\nop = \"sql\"\nsql = \"DROP TABLE t\"\nallow = [{allow}]\n"
    );
    let sources = [Source {
        path: "m/0001_t.toml",
        text: &text,
    }];
    Plan::from_sources(Path::new("m"), &sources, &LoadOptions::default()).expect("loads")
}

#[test]
fn a_down_step_accepts_allow_and_its_findings_name_the_down_step() {
    let p = plan("{ rule = \"plan/unbatched-data-change\", reason = \"tiny table\" }");
    let down = p.migrations[0].down.as_ref().expect("explicit down");
    assert_eq!(down[0].allow.len(), 1);
    assert_eq!(down[0].allow[0].rule, "plan/unbatched-data-change");
    let findings = lint_plan(&p, &[Dialect::Postgres]);
    let unused = findings
        .iter()
        .find(|f| f.rule == "plan/unused-suppression")
        .expect("the allow matches nothing");
    assert_eq!(unused.step, Some(1));
    assert_eq!(unused.line, 10, "{unused:?}");
    assert!(unused.message.starts_with("[[down]]: "), "{unused:?}");

    let p = plan("{ rule = \"plan/unbatched-data-change\" }");
    let findings = lint_plan(&p, &[Dialect::Postgres]);
    assert!(
        findings
            .iter()
            .any(|f| f.rule == "plan/suppression-without-reason" && f.line == 10),
        "{findings:?}"
    );
}
