//! Soak time: `min_age = "24h"` on a migration (typically `phase = "contract"`) makes `up`
//! wait until the migrations it soaks after were applied at least that long ago.
//!
//! Which migrations count: those `min_age_after = ["0003"]` names, or, without it, every
//! earlier migration of phase `expand` or `backfill`. The runner measures from each one's
//! history entry and, for a migration with backfill steps, from when its backfills were
//! verified complete (see `runner/soak.rs`). Neither field is part of the checksum: the
//! soak time is rollout policy, and changing it never makes an applied migration "edited".

use std::path::Path;

use serde::Serialize;

use super::model::Phase;
use super::{Migration, Version};
use crate::error::{Error, Result};

/// A migration's soak time, resolved against its plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Soak {
    /// The soak time in seconds.
    pub seconds: u64,
    /// As written, e.g. `1d12h`.
    pub text: String,
    /// The migrations it soaks after: `min_age_after`, or every earlier `expand` and
    /// `backfill` migration (filled in once the whole plan is loaded).
    pub after: Vec<Version>,
    /// Whether `after` was written (`min_age_after`) rather than derived.
    pub explicit: bool,
    /// The line of `min_age` in the file.
    pub line: usize,
    /// The line of `min_age_after` (of `min_age` when it is not written).
    pub after_line: usize,
}

/// Parses a soak time: whole numbers with the units `d`, `h`, `m`, `s`, largest first and each
/// at most once, optionally separated by spaces (`24h`, `1d12h`, `90m`, `1h 30m`).
pub fn parse_duration(text: &str) -> std::result::Result<u64, String> {
    const UNITS: [(char, u64); 4] = [('d', 86_400), ('h', 3_600), ('m', 60), ('s', 1)];
    let example = "write a number and a unit (s, m, h, d), e.g. \"24h\" or \"1d12h\"";
    let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    if compact.is_empty() {
        return Err(format!("it is empty: {example}"));
    }
    let mut total: u64 = 0;
    let mut digits = String::new();
    let mut next_unit = 0;
    for c in compact.chars() {
        if c.is_ascii_digit() {
            digits.push(c);
            continue;
        }
        let Some(pos) = UNITS.iter().position(|(u, _)| *u == c) else {
            return Err(format!("`{c}` in \"{text}\" is not a unit: {example}"));
        };
        if digits.is_empty() {
            return Err(format!(
                "`{c}` in \"{text}\" has no number before it: {example}"
            ));
        }
        if pos < next_unit {
            return Err(format!(
                "\"{text}\": write each unit once, largest first (d, h, m, s), e.g. \"1d12h\""
            ));
        }
        next_unit = pos + 1;
        let n: u64 = digits
            .parse()
            .map_err(|_| format!("\"{text}\" is too long a time"))?;
        total = n
            .checked_mul(UNITS[pos].1)
            .and_then(|s| total.checked_add(s))
            .ok_or_else(|| format!("\"{text}\" is too long a time"))?;
        digits.clear();
    }
    if !digits.is_empty() {
        return Err(format!(
            "\"{text}\" ends in a number without a unit: {example}"
        ));
    }
    if total == 0 {
        return Err(format!(
            "\"{text}\" is no time at all: remove `min_age` to apply the migration without soaking"
        ));
    }
    Ok(total)
}

/// `13h 12m`, `23h 59m`, `2d 4h 10m`, `45s`: a duration the way the gate says how long is left.
pub fn format_duration(seconds: u64) -> String {
    // Days only from two days on: `24h` reads better than `1d` next to `min_age = "24h"`.
    let day = if seconds >= 2 * 86_400 {
        86_400
    } else {
        u64::MAX
    };
    let (d, h, m, s) = (
        seconds / day,
        seconds % day / 3_600,
        seconds % 3_600 / 60,
        seconds % 60,
    );
    // Precise to the minute from an hour on (`23h 59m`), to the second below it; zero units
    // are left out (`2d 5m`).
    let units: &[(u64, &str)] = if seconds >= 3_600 {
        &[(d, "d"), (h, "h"), (m, "m")]
    } else {
        &[(m, "m"), (s, "s")]
    };
    let shown: Vec<String> = units
        .iter()
        .filter(|(n, _)| *n > 0)
        .map(|(n, u)| format!("{n}{u}"))
        .collect();
    if shown.is_empty() {
        "0s".into()
    } else {
        shown.join(" ")
    }
}

/// Reads the `min_age` and `min_age_after` fields of one file (values as TOML gave them).
pub(crate) fn read(
    path: &Path,
    min_age: Option<toml::Value>,
    after: Option<toml::Value>,
    line_of: impl Fn(&str) -> Option<usize>,
) -> Result<Option<Soak>> {
    let after = match after {
        None => None,
        Some(toml::Value::Array(list)) => Some(list),
        Some(other) => {
            return Err(Error::plan(
                path,
                line_of("min_age_after"),
                format!(
                    "field `min_age_after`: {other} is not a list; write e.g. min_age_after = [\"0003\"]"
                ),
            ));
        }
    };
    let Some(value) = min_age else {
        if after.is_some() {
            return Err(Error::plan(
                path,
                line_of("min_age_after"),
                "field `min_age_after` without `min_age`: add e.g. min_age = \"24h\", or remove it",
            ));
        }
        return Ok(None);
    };
    let line = line_of("min_age").unwrap_or(1);
    let text = match value {
        toml::Value::String(s) => s,
        other => {
            return Err(Error::plan(
                path,
                Some(line),
                format!(
                    "field `min_age`: {other} is not a text; write it with a unit in quotes, e.g. min_age = \"24h\""
                ),
            ));
        }
    };
    let seconds = parse_duration(&text)
        .map_err(|msg| Error::plan(path, Some(line), format!("field `min_age`: {msg}")))?;
    let explicit = after.is_some();
    let after = after
        .unwrap_or_default()
        .iter()
        .map(|v| {
            let t = match v {
                toml::Value::String(s) => s.clone(),
                toml::Value::Integer(i) => i.to_string(),
                other => other.to_string(),
            };
            Version::parse(&t).ok_or_else(|| {
                Error::plan(
                    path,
                    line_of("min_age_after"),
                    format!(
                        "field `min_age_after`: {t} is not a version number (write e.g. min_age_after = [\"0003\"])"
                    ),
                )
            })
        })
        .collect::<Result<Vec<_>>>()?;
    if explicit && after.is_empty() {
        return Err(Error::plan(
            path,
            line_of("min_age_after"),
            "field `min_age_after` is empty: name the migrations to soak after, e.g. [\"0003\"], or remove it to soak after every earlier expand and backfill migration",
        ));
    }
    Ok(Some(Soak {
        seconds,
        text,
        after,
        explicit,
        line,
        after_line: line_of("min_age_after").unwrap_or(line),
    }))
}

/// Resolves every soak of the plan: checks `min_age_after` (known, earlier migrations) and
/// fills in the default (every earlier `expand` and `backfill` migration).
pub(crate) fn resolve(migrations: &mut [Migration]) -> Result<()> {
    let phased: Vec<(Version, Option<Phase>)> = migrations
        .iter()
        .map(|m| (m.version.clone(), m.phase))
        .collect();
    for m in migrations.iter_mut() {
        let Some(soak) = m.soak.as_mut() else {
            continue;
        };
        if soak.explicit {
            for v in soak.after.iter_mut() {
                // `3` and `"0003"` name the same migration: keep the plan's spelling.
                let Some((known, _)) = phased.iter().find(|(x, _)| x.number == v.number) else {
                    return Err(Error::plan(
                        &m.path,
                        Some(soak.after_line),
                        format!(
                            "field `min_age_after` names migration {v}, which is not in the plan"
                        ),
                    ));
                };
                *v = known.clone();
                if v.number >= m.version.number {
                    return Err(Error::plan(
                        &m.path,
                        Some(soak.after_line),
                        format!(
                            "field `min_age_after` names {v}, which does not come before {}: a migration soaks after earlier ones",
                            m.version
                        ),
                    ));
                }
            }
            continue;
        }
        soak.after = phased
            .iter()
            .filter(|(v, p)| {
                v.number < m.version.number && matches!(p, Some(Phase::Expand | Phase::Backfill))
            })
            .map(|(v, _)| v.clone())
            .collect();
        if soak.after.is_empty() {
            return Err(Error::plan(
                &m.path,
                Some(soak.line),
                format!(
                    "field `min_age`: migration {} soaks after every earlier migration of phase expand or backfill, and there is none; name the ones it waits for with min_age_after = [\"0003\"], or remove min_age",
                    m.version
                ),
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_parse_with_units_and_combinations() {
        assert_eq!(parse_duration("24h"), Ok(86_400));
        assert_eq!(parse_duration("1d12h"), Ok(129_600));
        assert_eq!(parse_duration("90m"), Ok(5_400));
        assert_eq!(parse_duration("2s"), Ok(2));
        assert_eq!(parse_duration("1h 30m"), Ok(5_400));
        assert_eq!(parse_duration("1d2h3m4s"), Ok(93_784));
    }

    #[test]
    fn bad_durations_say_why() {
        for (bad, says) in [
            ("", "empty"),
            ("24", "without a unit"),
            ("1h30", "without a unit"),
            ("24x", "`x`"),
            ("1 day", "`a`"),
            ("h", "no number"),
            ("30m1h", "largest first"),
            ("1h1h", "largest first"),
            ("-1h", "`-`"),
            ("1.5h", "`.`"),
            ("0s", "no time at all"),
            ("99999999999999999999d", "too long"),
            ("999999999999999d", "too long"),
        ] {
            let err = parse_duration(bad).expect_err(bad);
            assert!(err.contains(says), "{bad}: {err}");
        }
    }

    #[test]
    fn left_times_read_like_a_person_writes_them() {
        assert_eq!(format_duration(47_520), "13h 12m");
        assert_eq!(format_duration(86_400 + 3_600 * 4 + 5), "28h");
        assert_eq!(format_duration(86_399), "23h 59m");
        assert_eq!(format_duration(86_400), "24h");
        assert_eq!(format_duration(86_400 + 23 * 3_600 + 59 * 60), "47h 59m");
        assert_eq!(format_duration(2 * 86_400 + 300), "2d 5m");
        assert_eq!(format_duration(3 * 86_400 + 3_600 * 4 + 600), "3d 4h 10m");
        assert_eq!(format_duration(3_599), "59m 59s");
        assert_eq!(format_duration(125), "2m 5s");
        assert_eq!(format_duration(0), "0s");
    }
}
