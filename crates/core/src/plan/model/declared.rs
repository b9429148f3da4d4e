//! What a raw SQL step says it creates (`creates = ["view active_users", ...]`), so that the
//! schema model, and with it `drift`, knows objects it cannot build itself.

use std::fmt;
use std::str::FromStr;

/// One object a raw SQL step declares it creates.
///
/// Written `view NAME`, `trigger NAME`, `table NAME`, `index TABLE.NAME` or
/// `check TABLE.NAME`. Drift then expects the object by name and does not compare what the
/// model cannot know (a declared table's columns, a declared index's expressions). A view
/// may list its options, `view NAME (security_invoker=true, check_option=local)` (PostgreSQL
/// `reloptions`; `view NAME ()`: none): drift then compares them too.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Declared {
    /// A whole table the model cannot express (its columns are not compared).
    Table(String),
    /// A view.
    View {
        /// The view name.
        name: String,
        /// Its options (`security_invoker=true`, `check_option=local`, ...), sorted, when
        /// declared: then drift compares them; `None`: not compared.
        options: Option<Vec<String>>,
    },
    /// A trigger.
    Trigger(String),
    /// An index of a table (unique or not), compared by name only.
    Index {
        /// The indexed table.
        table: String,
        /// The index name.
        name: String,
    },
    /// A named check constraint of a table.
    Check {
        /// The constrained table.
        table: String,
        /// The constraint name.
        name: String,
    },
}

impl FromStr for Declared {
    type Err = String;

    fn from_str(s: &str) -> Result<Declared, String> {
        let (kind, rest) = s.trim().split_once(char::is_whitespace).unwrap_or((s, ""));
        let rest = rest.trim();
        let usage = "write `view NAME`, `view NAME (OPTION, ..)`, `trigger NAME`, `table NAME`, `index TABLE.NAME` or `check TABLE.NAME`";
        if rest.is_empty() {
            return Err(format!("`{s}` names no object: {usage}"));
        }
        let scoped = |make: fn(String, String) -> Declared| match rest.split_once('.') {
            Some((t, n)) if !t.is_empty() && !n.is_empty() => Ok(make(t.into(), n.into())),
            _ => Err(format!("`{s}`: a {kind} is written `{kind} TABLE.NAME`")),
        };
        match kind {
            "table" => Ok(Declared::Table(rest.into())),
            "view" => view(rest).ok_or_else(|| {
                format!("`{s}`: a view is written `view NAME` or `view NAME (OPTION, ..)`")
            }),
            "trigger" => Ok(Declared::Trigger(rest.into())),
            "index" => scoped(|table, name| Declared::Index { table, name }),
            "check" => scoped(|table, name| Declared::Check { table, name }),
            _ => Err(format!("`{s}`: unknown kind `{kind}`: {usage}")),
        }
    }
}

/// `NAME` or `NAME (OPTION, ..)` of a declared view; options without blanks, sorted.
fn view(rest: &str) -> Option<Declared> {
    let Some((name, list)) = rest.split_once('(') else {
        return Some(Declared::View {
            name: rest.into(),
            options: None,
        });
    };
    let name = name.trim();
    let list = list.trim().strip_suffix(')')?;
    if name.is_empty() || list.contains(['(', ')']) {
        return None;
    }
    let mut options: Vec<String> = list
        .split(',')
        .map(|o| o.split_whitespace().collect::<String>())
        .filter(|o| !o.is_empty())
        .collect();
    options.sort();
    Some(Declared::View {
        name: name.into(),
        options: Some(options),
    })
}

impl fmt::Display for Declared {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Declared::Table(n) => write!(f, "table {n}"),
            Declared::View {
                name,
                options: None,
            } => write!(f, "view {name}"),
            Declared::View {
                name,
                options: Some(o),
            } => write!(f, "view {name} ({})", o.join(", ")),
            Declared::Trigger(n) => write!(f, "trigger {n}"),
            Declared::Index { table, name } => write!(f, "index {table}.{name}"),
            Declared::Check { table, name } => write!(f, "check {table}.{name}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Declared;

    #[test]
    fn parses_and_prints_every_kind() {
        for text in [
            "table legacy",
            "view active_users",
            "view accounts_visible (check_option=local, security_invoker=true)",
            "view plain ()",
            "trigger touch_updated",
            "index users.users_lower_email",
            "check orders.orders_total_positive",
        ] {
            let d: Declared = text.parse().expect(text);
            assert_eq!(d.to_string(), text);
        }
        assert_eq!(
            "index users".parse::<Declared>().unwrap_err(),
            "`index users`: a index is written `index TABLE.NAME`"
        );
        assert!(
            "sequence s"
                .parse::<Declared>()
                .unwrap_err()
                .contains("unknown kind `sequence`")
        );
        assert!("view".parse::<Declared>().is_err());
        assert_eq!(
            "view v ( security_invoker = true,check_option=local )"
                .parse::<Declared>()
                .map(|d| d.to_string()),
            Ok("view v (check_option=local, security_invoker=true)".to_string())
        );
        assert!("view v (a=1".parse::<Declared>().is_err());
        assert!("view (a=1)".parse::<Declared>().is_err());
    }
}
