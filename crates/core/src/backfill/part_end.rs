//! How a part's end is shown: `< key` or `<= key`, and in JSON `{"keys": [..], "inclusive":
//! bool}`. The checkpoint table stores an inclusive end as the key values followed by the
//! marker [`super::split::THROUGH`]; the marker never reaches a reader.

use std::fmt;

use serde::{Serialize, Serializer};

use super::split::end_bound;

/// The end of a part's key range.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PartEnd {
    /// The key values (one per key column).
    pub keys: Vec<String>,
    /// Whether the part includes `keys` (`key <= keys`) or stops before it (`key < keys`).
    pub inclusive: bool,
}

impl PartEnd {
    /// Reads a stored `range_end` (key values, then the marker when inclusive).
    pub fn from_stored(stored: &[String]) -> PartEnd {
        let (keys, inclusive) = end_bound(stored);
        PartEnd {
            keys: keys.to_vec(),
            inclusive,
        }
    }
}

impl fmt::Display for PartEnd {
    /// `<= k`, `< 500001`, `<= (1, abc)` for a composite key.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let op = if self.inclusive { "<=" } else { "<" };
        match self.keys.as_slice() {
            [one] => write!(f, "{op} {one}"),
            keys => write!(f, "{op} ({})", keys.join(", ")),
        }
    }
}

impl super::state::Checkpoint {
    /// The end of this part's key range (`None`: open above).
    pub fn end(&self) -> Option<PartEnd> {
        self.range_end.as_deref().map(PartEnd::from_stored)
    }
}

/// One part of a parallel backfill as `backfill status` shows it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PartRange {
    /// Part number.
    pub part: i64,
    /// The last key done (`None`: nothing done yet, the part starts at the table's start or
    /// after the previous part's end).
    pub cursor: Option<Vec<String>>,
    /// Where the part stops (`None`: open above).
    pub end: Option<PartEnd>,
    /// The part's state (`running`, `done`, ...).
    pub state: String,
    /// Rows it changed.
    pub rows_changed: i64,
}

impl PartRange {
    /// The part of checkpoint `c`.
    pub fn of(c: &super::state::Checkpoint) -> PartRange {
        PartRange {
            part: c.part,
            cursor: c.cursor.clone(),
            end: c.end(),
            state: c.state.as_str().to_string(),
            rows_changed: c.rows_changed,
        }
    }
}

impl fmt::Display for PartRange {
    /// `part 1: after k42, up to <= k9 (running, 1200 rows changed)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "part {}: ", self.part)?;
        match &self.cursor {
            Some(c) => write!(f, "after {}", c.join(", "))?,
            None => f.write_str("from its start")?,
        }
        match &self.end {
            Some(e) => write!(f, ", up to {e}")?,
            None => f.write_str(", to the end")?,
        }
        write!(f, " ({}, {} rows changed)", self.state, self.rows_changed)
    }
}

/// Serializes a stored `range_end` as a [`PartEnd`] (or `null`).
pub(crate) fn serialize_range_end<S: Serializer>(
    end: &Option<Vec<String>>,
    s: S,
) -> Result<S::Ok, S::Error> {
    end.as_deref().map(PartEnd::from_stored).serialize(s)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backfill::split::THROUGH;

    fn v(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn an_inclusive_end_loses_its_marker() {
        let e = PartEnd::from_stored(&v(&["b7", THROUGH]));
        assert_eq!(e.keys, v(&["b7"]));
        assert!(e.inclusive);
        assert_eq!(e.to_string(), "<= b7");
        let e = PartEnd::from_stored(&v(&["500001"]));
        assert_eq!(e.to_string(), "< 500001");
        let e = PartEnd::from_stored(&v(&["1", "abc", THROUGH]));
        assert_eq!(e.to_string(), "<= (1, abc)");
    }
}
