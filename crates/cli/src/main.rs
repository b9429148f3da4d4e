//! The `cutover` binary.

fn main() -> std::process::ExitCode {
    cutover_cli::run()
}
