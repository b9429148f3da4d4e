//! Who runs cutover, for the `applied_by` column of the history: `user@host`.
//!
//! The user is the first of `$USER`, `$LOGNAME`, `$USERNAME` that is set, then the operating
//! system's name for the process's user id (from `/etc/passwd`: a cron job or container
//! often has no `$USER`), and `unknown` when none is known; the CLI then falls back to the
//! database user of the URL ([`with_database_user`]).

/// The OS user running this process, or `None` when no source names one.
pub fn os_user() -> Option<String> {
    ["USER", "LOGNAME", "USERNAME"]
        .iter()
        .filter_map(|k| std::env::var(k).ok())
        .map(|v| v.trim().to_string())
        .find(|v| !v.is_empty())
        .or_else(passwd_user)
}

/// `user@host` for the history; `unknown@host` when [`os_user`] knows no one.
pub(crate) fn default_applied_by() -> String {
    let user = os_user().unwrap_or_else(|| UNKNOWN.into());
    let host = std::fs::read_to_string("/etc/hostname")
        .map(|h| h.trim().to_string())
        .ok()
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "localhost".into());
    format!("{user}@{host}")
}

/// `applied_by` with an unknown user replaced by `db_user` (the user of the database URL):
/// better the role that ran the statements than no one.
pub fn with_database_user(applied_by: &str, db_user: Option<&str>) -> String {
    match (applied_by.strip_prefix(UNKNOWN_AT), db_user) {
        (Some(host), Some(user)) if !user.trim().is_empty() => {
            format!("{} (database user)@{host}", user.trim())
        }
        _ => applied_by.to_string(),
    }
}

const UNKNOWN: &str = "unknown";
const UNKNOWN_AT: &str = "unknown@";

/// The name `/etc/passwd` gives the real user id of this process (Linux: from
/// `/proc/self/status`).
fn passwd_user() -> Option<String> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let uid = status
        .lines()
        .find_map(|l| l.strip_prefix("Uid:"))?
        .split_whitespace()
        .next()?
        .to_string();
    let passwd = std::fs::read_to_string("/etc/passwd").ok()?;
    user_of_uid(&passwd, &uid)
}

/// The name of `uid` in the text of an `/etc/passwd` file.
fn user_of_uid(passwd: &str, uid: &str) -> Option<String> {
    passwd.lines().find_map(|line| {
        let mut fields = line.split(':');
        let name = fields.next()?;
        let id = fields.nth(1)?;
        (id == uid && !name.is_empty()).then(|| name.to_string())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_uid_is_looked_up_in_passwd() {
        let passwd =
            "root:x:0:0:root:/root:/bin/bash\n# note\nann:x:1000:1000::/home/ann:/bin/sh\n";
        assert_eq!(user_of_uid(passwd, "1000").as_deref(), Some("ann"));
        assert_eq!(user_of_uid(passwd, "0").as_deref(), Some("root"));
        assert_eq!(user_of_uid(passwd, "42"), None);
    }

    #[test]
    fn an_unknown_user_becomes_the_database_user() {
        assert_eq!(
            with_database_user("unknown@ci-7", Some("deploy")),
            "deploy (database user)@ci-7"
        );
        assert_eq!(with_database_user("ann@ci-7", Some("deploy")), "ann@ci-7");
        assert_eq!(with_database_user("unknown@ci-7", None), "unknown@ci-7");
    }
}
