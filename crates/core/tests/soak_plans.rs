//! Loading `min_age` and `min_age_after`: units and combinations, which migrations a soak
//! counts from, and every bad value refused with the file, line and field.

use std::path::Path;

use cutover_core::plan::{LoadOptions, Plan, Source, Version};

const T: &str = "description = \"t\"\n[[steps]]\nop = \"create_table\"\ntable = \"t\"\ncolumns = [{ name = \"id\", type = \"bigint\", primary_key = true }, { name = \"old\", type = \"text\" }]\n";
const EXPAND: &str = "description = \"x\"\nphase = \"expand\"\n[[steps]]\nop = \"add_column\"\ntable = \"t\"\ncolumn = { name = \"new\", type = \"text\" }\n";
const FILL: &str = "description = \"fill\"\nphase = \"backfill\"\n[[steps]]\nop = \"backfill\"\ntable = \"t\"\npending = \"new IS NULL\"\nset.new = \"old\"\n";

/// A contract migration with `extra` top-level lines (line 3 onwards).
fn contract(extra: &str) -> String {
    format!(
        "description = \"drop old\"\nphase = \"contract\"\n{extra}\n[[steps]]\nop = \"drop_column\"\ntable = \"t\"\ncolumn = \"old\"\n"
    )
}

fn load(files: &[(&str, &str)]) -> cutover_core::Result<Plan> {
    let sources: Vec<Source<'_>> = files
        .iter()
        .map(|(path, text)| Source { path, text })
        .collect();
    Plan::from_sources(Path::new("migrations"), &sources, &LoadOptions::default())
}

fn versions(vs: &[Version]) -> Vec<&str> {
    vs.iter().map(|v| v.text.as_str()).collect()
}

#[test]
fn min_age_soaks_after_every_earlier_expand_and_backfill_migration() {
    let drop = contract("min_age = \"1d12h\"");
    let plan = load(&[
        ("migrations/0001_t.toml", T),
        ("migrations/0002_new.toml", EXPAND),
        ("migrations/0003_fill.toml", FILL),
        ("migrations/0004_drop.toml", &drop),
    ])
    .expect("loads");
    let soak = plan.migrations[3].soak.clone().expect("soak");
    assert_eq!(soak.seconds, 36 * 3600);
    assert_eq!(soak.text, "1d12h");
    assert_eq!(soak.line, 3);
    assert!(!soak.explicit);
    // 0001 has no phase: not part of the rollout.
    assert_eq!(versions(&soak.after), ["0002", "0003"]);
    assert!(plan.migrations[..3].iter().all(|m| m.soak.is_none()));
}

#[test]
fn min_age_after_names_the_migrations_and_is_outside_the_checksum() {
    // A bare number names the same migration as its zero-padded file version.
    let explicit = contract("min_age = \"24h\"\nmin_age_after = [3]");
    let plain = contract("");
    let files = |drop: &str| {
        load(&[
            ("migrations/0001_t.toml", T),
            ("migrations/0002_new.toml", EXPAND),
            ("migrations/0003_fill.toml", FILL),
            ("migrations/0004_drop.toml", drop),
        ])
        .expect("loads")
    };
    let with = files(&explicit);
    let soak = with.migrations[3].soak.clone().expect("soak");
    assert!(soak.explicit);
    assert_eq!(versions(&soak.after), ["0003"]);
    // Soak time is rollout policy: editing it never makes an applied migration "changed".
    assert_eq!(
        with.migrations[3].checksum,
        files(&plain).migrations[3].checksum
    );
}

#[test]
fn bad_min_age_values_are_refused_with_file_line_and_field() {
    let cases: &[(&str, &str)] = &[
        ("min_age = \"24\"", "without a unit"),
        (
            "min_age = \"24 hours\"",
            "`o` in \"24 hours\" is not a unit",
        ),
        ("min_age = \"\"", "empty"),
        ("min_age = \"0h\"", "no time at all"),
        ("min_age = \"30m2h\"", "largest first"),
        ("min_age = 24", "not a text"),
        ("min_age = \"-1d\"", "`-`"),
    ];
    for (line, says) in cases {
        let drop = contract(line);
        let err = load(&[
            ("migrations/0002_new.toml", EXPAND),
            ("migrations/0004_drop.toml", &drop),
        ])
        .expect_err(line)
        .to_string();
        assert!(
            err.starts_with("migrations/0004_drop.toml:3: field `min_age`: ") && err.contains(says),
            "{line}: {err}"
        );
    }
}

#[test]
fn min_age_after_must_name_earlier_migrations_of_the_plan() {
    let cases: &[(&str, &str)] = &[
        (
            "min_age = \"1h\"\nmin_age_after = [\"0009\"]",
            "names migration 0009, which is not in the plan",
        ),
        (
            "min_age = \"1h\"\nmin_age_after = [\"0004\"]",
            "does not come before 0004",
        ),
        (
            "min_age = \"1h\"\nmin_age_after = [\"x3\"]",
            "x3 is not a version number",
        ),
        ("min_age = \"1h\"\nmin_age_after = []", "is empty"),
        (
            "min_age = \"1h\"\nmin_age_after = \"0002\"",
            "\"0002\" is not a list",
        ),
        ("min_age_after = [\"0002\"]", "without `min_age`"),
    ];
    for (lines, says) in cases {
        let drop = contract(lines);
        let err = load(&[
            ("migrations/0002_new.toml", EXPAND),
            ("migrations/0004_drop.toml", &drop),
        ])
        .expect_err(lines)
        .to_string();
        // Reported on the line of the field it is about.
        let line = if lines.starts_with("min_age = ") {
            4
        } else {
            3
        };
        assert!(
            err.starts_with(&format!(
                "migrations/0004_drop.toml:{line}: field `min_age_after`"
            )) && err.contains(says),
            "{lines}: {err}"
        );
    }
}

#[test]
fn min_age_without_anything_to_soak_after_says_how_to_name_it() {
    let drop = contract("min_age = \"24h\"");
    let err = load(&[
        ("migrations/0001_t.toml", T),
        ("migrations/0004_drop.toml", &drop),
    ])
    .expect_err("nothing to soak after")
    .to_string();
    assert!(
        err.starts_with("migrations/0004_drop.toml:3: field `min_age`:")
            && err.contains("there is none")
            && err.contains("min_age_after = [\"0003\"]"),
        "{err}"
    );
    // Naming it explicitly is fine, phase or not.
    let named = contract("min_age = \"24h\"\nmin_age_after = [\"0001\"]");
    let plan = load(&[
        ("migrations/0001_t.toml", T),
        ("migrations/0004_drop.toml", &named),
    ])
    .expect("loads");
    assert_eq!(
        versions(&plan.migrations[1].soak.as_ref().expect("soak").after),
        ["0001"]
    );
}
