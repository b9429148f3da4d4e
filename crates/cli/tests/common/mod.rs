//! Running the `cutover` binary in tests.

#![allow(dead_code)]

use std::path::Path;
use std::process::{Command, Output};

/// The built `cutover` binary.
pub fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_cutover")
}

/// Runs `cutover` with `args` in `dir`, without inheriting DATABASE_URL.
pub fn run(dir: &Path, args: &[&str]) -> Output {
    run_env(dir, args, &[])
}

/// Like [`run`], with extra environment variables.
pub fn run_env(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    Command::new(bin())
        .args(args)
        .current_dir(dir)
        .env_remove("DATABASE_URL")
        .env("NO_COLOR", "1")
        .envs(env.iter().copied())
        .output()
        .expect("run cutover")
}

/// Stdout and stderr of an output, for messages.
pub fn text(o: &Output) -> String {
    format!(
        "exit {:?}\n--- stdout\n{}\n--- stderr\n{}",
        o.status.code(),
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// The command's stdout as JSON (`--json`); panics with its output when it is not.
pub fn json(o: &Output) -> serde_json::Value {
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {}", text(o)))
}

/// Runs `cutover` with `args` in `dir`: its exit code and its stdout as JSON (`--json`).
pub fn run_json(dir: &Path, args: &[&str]) -> (Option<i32>, serde_json::Value) {
    let out = run(dir, args);
    (out.status.code(), json(&out))
}
