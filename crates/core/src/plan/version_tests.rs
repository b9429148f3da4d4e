//! `Version`: equality and hashing agree with ordering (the number only), and the loader
//! still refuses two files with the same number written differently.

use std::collections::HashSet;
use std::path::Path;

use super::{LoadOptions, Plan, Source, Version};

fn v(text: &str) -> Version {
    Version::parse(text).unwrap_or_else(|| panic!("`{text}` is a version"))
}

#[test]
fn equal_numbers_are_equal_versions_whatever_the_padding() {
    assert_eq!(v("0039"), v("39"));
    assert_eq!(v("0039").cmp(&v("39")), std::cmp::Ordering::Equal);
    assert_ne!(v("0039"), v("0040"));
    let set: HashSet<Version> = [v("0039"), v("39"), v("040")].into_iter().collect();
    assert_eq!(set.len(), 2, "{set:?}");
    assert!(set.contains(&v("00039")));
    // Display keeps the text as written.
    assert_eq!(v("0039").to_string(), "0039");
}

const T: &str =
    "description = \"t\"\n[[steps]]\nop = \"sql\"\nsql = \"SELECT 1\"\ndown = \"SELECT 1\"\n";

#[test]
fn two_files_with_the_same_number_are_still_refused() {
    let sources = [
        Source {
            path: "m/0039_a.toml",
            text: T,
        },
        Source {
            path: "m/39_b.toml",
            text: T,
        },
    ];
    let err = Plan::from_sources(Path::new("m"), &sources, &LoadOptions::default())
        .expect_err("same number twice");
    let msg = err.to_string();
    assert!(msg.contains("duplicate version"), "{msg}");
}

#[test]
fn a_plan_finds_a_migration_by_its_number_written_either_way() {
    let sources = [Source {
        path: "m/0039_a.toml",
        text: T,
    }];
    let plan =
        Plan::from_sources(Path::new("m"), &sources, &LoadOptions::default()).expect("loads");
    assert!(plan.get("39").is_some());
    assert!(plan.get("0039").is_some());
    assert!(plan.get("40").is_none());
}
