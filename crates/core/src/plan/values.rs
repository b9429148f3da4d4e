//! Small value types of plan files that are written as strings: `references` and `expect`.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::model::{CompareOp, Expect, References};

impl fmt::Display for References {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}({})", self.table, self.columns.join(", "))
    }
}

impl std::str::FromStr for References {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad =
            || format!("invalid references `{s}`: write it as `table(column)` or `table(a, b)`");
        let (table, rest) = s.split_once('(').ok_or_else(bad)?;
        let inner = rest.trim().strip_suffix(')').ok_or_else(bad)?;
        let table = table.trim();
        let columns: Vec<String> = inner.split(',').map(|c| c.trim().to_string()).collect();
        if table.is_empty() || columns.iter().any(|c| c.is_empty()) {
            return Err(bad());
        }
        Ok(References {
            table: table.to_string(),
            columns,
        })
    }
}

impl Serialize for References {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_string())
    }
}

impl<'de> Deserialize<'de> for References {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

impl CompareOp {
    /// The operator as written.
    pub fn symbol(self) -> &'static str {
        match self {
            CompareOp::Eq => "=",
            CompareOp::Ne => "!=",
            CompareOp::Lt => "<",
            CompareOp::Le => "<=",
            CompareOp::Gt => ">",
            CompareOp::Ge => ">=",
        }
    }
}

impl Expect {
    /// Whether `actual` satisfies the expectation.
    pub fn matches(&self, actual: f64) -> bool {
        match self.op {
            CompareOp::Eq => actual == self.value,
            CompareOp::Ne => actual != self.value,
            CompareOp::Lt => actual < self.value,
            CompareOp::Le => actual <= self.value,
            CompareOp::Gt => actual > self.value,
            CompareOp::Ge => actual >= self.value,
        }
    }
}

impl fmt::Display for Expect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.op.symbol(), self.value)
    }
}

impl From<Expect> for String {
    fn from(e: Expect) -> String {
        e.to_string()
    }
}

impl std::str::FromStr for Expect {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let t = s.trim();
        let ops = [
            (">=", CompareOp::Ge),
            ("<=", CompareOp::Le),
            ("!=", CompareOp::Ne),
            ("<>", CompareOp::Ne),
            ("=", CompareOp::Eq),
            ("<", CompareOp::Lt),
            (">", CompareOp::Gt),
        ];
        let (op, rest) = ops
            .iter()
            .find_map(|(sym, op)| t.strip_prefix(sym).map(|r| (*op, r)))
            .unwrap_or((CompareOp::Eq, t));
        let value = rest.trim().parse::<f64>().map_err(|_| {
            format!("invalid expect `{s}`: write a number (`expect = 0`) or a comparison such as \">= 100\"")
        })?;
        Ok(Expect { op, value })
    }
}

impl TryFrom<toml::Value> for Expect {
    type Error = String;

    fn try_from(v: toml::Value) -> Result<Self, Self::Error> {
        match v {
            toml::Value::Integer(i) => Ok(Expect {
                op: CompareOp::Eq,
                value: i as f64,
            }),
            toml::Value::Float(f) => Ok(Expect {
                op: CompareOp::Eq,
                value: f,
            }),
            toml::Value::String(s) => s.parse(),
            other => Err(format!(
                "invalid expect `{other}`: write a number (`expect = 0`) or a comparison such as \">= 100\""
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_parse_and_print() {
        let r: References = "conversations( id , tenant )".parse().expect("valid");
        assert_eq!(r.table, "conversations");
        assert_eq!(r.columns, vec!["id", "tenant"]);
        assert_eq!(r.to_string(), "conversations(id, tenant)");
        assert!("conversations".parse::<References>().is_err());
        assert!("t()".parse::<References>().is_err());
    }

    #[test]
    fn expect_parses_comparisons() {
        let e: Expect = ">= 100".parse().expect("valid");
        assert!(e.matches(100.0) && !e.matches(99.0));
        let e: Expect = "0".parse().expect("valid");
        assert!(e.matches(0.0) && !e.matches(1.0));
        assert!("about 3".parse::<Expect>().is_err());
    }
}
