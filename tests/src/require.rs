//! Tests that concern one database only: they fail, never pass silently, when the run's
//! `CUTOVER_TEST_BACKENDS` leaves that database out.

use crate::{Backend, backends};

const BACKENDS_ENV: &str = "CUTOVER_TEST_BACKENDS";

/// Asserts that `backend` is among the backends selected for this run.
///
/// # Panics
///
/// When `CUTOVER_TEST_BACKENDS` leaves `backend` out: the test cannot check anything
/// without it, and a skipped check must not look like a passed one.
pub fn require_backend(backend: Backend) {
    let selected = backends();
    assert!(
        selected.contains(&backend),
        "this test runs on {} only, and {BACKENDS_ENV} selects {:?}: add {} to it, or leave this test out of the run by name (`--skip`)",
        backend.name(),
        selected.iter().map(Backend::name).collect::<Vec<_>>(),
        backend.name()
    );
}
