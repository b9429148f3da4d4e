//! Embeds the plan in `migrations/` (and `cutover.toml`) into the binary; a plan file that
//! does not load fails the build with its file and line.

fn main() {
    cutover_core::embed::build("migrations");
}
