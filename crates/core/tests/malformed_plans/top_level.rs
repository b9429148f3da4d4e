//! Malformed plans: TOML and the top level.

use super::*;

#[test]
fn bad_toml_syntax_points_at_the_broken_line() {
    bad(
        "description = \"x\"\n\n[[steps]]\nop = \"sql\"\nsql = \"SELECT 1\n",
        5,
        "invalid TOML: invalid basic string",
    );
}

#[test]
fn unknown_top_level_key() {
    bad(
        "description = \"x\"\nphse = \"expand\"\n\n[[steps]]\nop = \"sql\"\nsql = \"SELECT 1\"\n",
        2,
        "unknown field `phse`, expected one of `description`, `requires`, `phase`",
    );
}

#[test]
fn missing_description_points_at_the_top_of_the_file() {
    bad(
        "# no description\n\n[[steps]]\nop = \"sql\"\nsql = \"SELECT 1\"\n",
        1,
        "missing field `description`: every migration starts with `description = \"what it does\"`",
    );
}

#[test]
fn empty_step_list_points_at_steps() {
    bad(
        "description = \"x\"\nsteps = []\n",
        2,
        "a migration needs at least one step: add a [[steps]] table with an `op`",
    );
}

#[test]
fn no_steps_at_all_points_at_the_top_of_the_file() {
    bad(
        "description = \"x\"\nphase = \"expand\"\n",
        1,
        "a migration needs at least one step",
    );
}

#[test]
fn unknown_phase_points_at_its_value() {
    bad(
        "description = \"x\"\nphase = \"cleanup\"\n\n[[steps]]\nop = \"sql\"\nsql = \"SELECT 1\"\n",
        2,
        "unknown variant `cleanup`, expected one of `expand`, `backfill`, `contract`",
    );
}

#[test]
fn requires_entry_that_is_not_a_version() {
    bad(
        "description = \"x\"\nrequires = [\"first\"]\n\n[[steps]]\nop = \"sql\"\nsql = \"SELECT 1\"\n",
        2,
        "`requires` entry first is not a version number",
    );
}
