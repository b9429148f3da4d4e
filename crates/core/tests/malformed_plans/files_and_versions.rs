//! Malformed plans: files and versions.

use super::*;

#[test]
fn duplicate_version_across_two_files() {
    fails(
        &[("0001_a.toml", OK), ("01_b.toml", OK)],
        "01_b.toml",
        1,
        "duplicate version 01: ",
    );
}

#[test]
fn file_name_without_version() {
    fails(
        &[("create_users.toml", OK)],
        "create_users.toml",
        1,
        "a migration file name is a version number, an underscore and a name",
    );
}

const REQUIRES_0001: &str =
    "description = \"b\"\nrequires = [\"0001\"]\n\n[[steps]]\nop = \"sql\"\nsql = \"SELECT 1\"\n";
const REQUIRES_0002: &str =
    "description = \"a\"\nrequires = [\"0002\"]\n\n[[steps]]\nop = \"sql\"\nsql = \"SELECT 1\"\n";

#[test]
fn requires_naming_a_missing_migration() {
    fails(
        &[("0002_b.toml", REQUIRES_0001)],
        "0002_b.toml",
        2,
        "`requires` names migration 0001, which is not in the plan",
    );
}

#[test]
fn requires_naming_a_later_migration() {
    fails(
        &[("0001_a.toml", REQUIRES_0002), ("0002_b.toml", OK)],
        "0001_a.toml",
        2,
        "`requires` names migration 0002, which does not come before 0001",
    );
}

#[test]
fn requires_cycle() {
    fails(
        &[
            ("0001_a.toml", REQUIRES_0002),
            ("0002_b.toml", REQUIRES_0001),
        ],
        "0001_a.toml",
        2,
        "`requires` forms a cycle: 0001 -> 0002 -> 0001",
    );
}
