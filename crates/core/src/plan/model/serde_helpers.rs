//! Serde adapters shared by the model types.

use std::collections::BTreeMap;

pub(crate) fn is_false(b: &bool) -> bool {
    !*b
}

pub(crate) mod column_type_serde {
    use serde::{Deserialize, Deserializer, Serializer};

    use crate::types::ColumnType;

    pub fn serialize<S: Serializer>(ty: &ColumnType, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&ty.to_string())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<ColumnType, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

pub(crate) mod opt_column_type_serde {
    use serde::{Deserialize, Deserializer, Serializer};

    use crate::types::ColumnType;

    pub fn serialize<S: Serializer>(ty: &Option<ColumnType>, s: S) -> Result<S::Ok, S::Error> {
        match ty {
            Some(t) => s.serialize_str(&t.to_string()),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<ColumnType>, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map(Some).map_err(serde::de::Error::custom)
    }
}

/// `set.col = "expr"` tables, kept in the order written (MySQL evaluates SET left to right).
pub(crate) mod ordered_exprs {
    use serde::de::{MapAccess, Visitor};
    use serde::ser::SerializeMap;
    use serde::{Deserializer, Serializer};

    use crate::expr::Expression;

    pub fn serialize<S: Serializer>(v: &[(String, Expression)], s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(v.len()))?;
        for (k, e) in v {
            map.serialize_entry(k, e)?;
        }
        map.end()
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Vec<(String, Expression)>, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Vec<(String, Expression)>;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a table of column = \"expression\"")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut out = Vec::new();
                while let Some((k, v)) = map.next_entry::<String, Expression>()? {
                    out.push((k, v));
                }
                Ok(out)
            }
        }
        d.deserialize_map(V)
    }
}

/// Checks that a set of names holds no duplicates; returns the first duplicate.
pub(crate) fn first_duplicate<'a>(names: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let mut seen = BTreeMap::new();
    names.into_iter().find(|&n| seen.insert(n, ()).is_some())
}
