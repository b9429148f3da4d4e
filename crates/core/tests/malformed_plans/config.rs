//! Malformed plans: cutover.toml.

use super::*;

#[test]
fn config_with_an_unknown_key() {
    let err = Config::parse(
        Path::new("proj/cutover.toml"),
        "plan = \"migrations\"\ndialect = [\"postgres\"]\n",
    )
    .expect_err("unknown key");
    assert_eq!(
        err.to_string(),
        "proj/cutover.toml:2: unknown field `dialect`, expected one of `plan`, `dialects`, `history_table`, `targets`, `test`, `versions`, `groups`"
    );
}

#[test]
fn config_target_with_an_unknown_key() {
    let err = Config::parse(
        Path::new("cutover.toml"),
        "plan = \"migrations\"\n\n[targets.dev]\nurl = \"sqlite://dev.db\"\nuser = \"me\"\n",
    )
    .expect_err("unknown key");
    assert_eq!(
        err.to_string(),
        "cutover.toml:5: unknown field `user`, expected one of `url`, `replicas`, `on_unreachable`, `replica_source`, `schema`"
    );
}
