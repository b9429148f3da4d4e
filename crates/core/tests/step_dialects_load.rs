//! Loading steps and checks limited with `dialects = [..]`: the field on typed steps, raw
//! steps, down steps and checks; its load errors (file:line); and checksums of plans without
//! the field, which must stay what earlier releases recorded in history.

use std::path::Path;

use cutover_core::plan::Plan;

/// The example plan's checksums as the release before `dialects` on typed steps computed them.
const RECORDED: [(&str, &str); 4] = [
    ("0001", "d8e8f692ee743d8a317571987fb58b02b60313fb4ebd02dbb7541f157f39bc65"),
    ("0002", "7cce61af67bcdd468749043501ec0dde05c2aec6855edf1237cd8fc9b12afc7d"),
    ("0003", "97c43088b43460de02420d13bf8dad90b63691527663b7ba3587092c2b09cd0d"),
    ("0004", "c5eb55e2b64d089114f77bc28311883bf8650305b4dc3e2b3fab0d15cf2a5f91"),
];

#[test]
fn checksums_of_plans_without_dialects_are_unchanged() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/messages/migrations");
    let plan = Plan::load(&dir).expect("example plan loads");
    let sums: Vec<(&str, &str)> = plan
        .migrations
        .iter()
        .map(|m| (m.version.text.as_str(), m.checksum.as_str()))
        .collect();
    assert_eq!(sums, RECORDED);
}
