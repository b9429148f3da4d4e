//! Squawk-derived lint rules: the catalog.

use super::*;

#[test]
fn every_rule_has_an_origin_and_sarif_shows_it() {
    for r in rules() {
        assert!(
            r.origin == "cutover"
                || r.origin.starts_with("squawk: ")
                || r.origin.starts_with("cutover + squawk: "),
            "{}: origin `{}`",
            r.id,
            r.origin
        );
    }
    let sarif = to_sarif(&[], None);
    let listed = sarif["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .expect("rules")
        .iter()
        .find(|r| r["id"] == "pg/drop-index-without-concurrently")
        .expect("listed")
        .clone();
    assert_eq!(
        listed["properties"]["origin"],
        "cutover + squawk: require-concurrent-index-deletion"
    );
}
