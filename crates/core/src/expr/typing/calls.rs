//! Type checking of function calls (`Checker::call`).

use super::super::ast::{BinaryOp, Node};
use super::super::functions::Function;
use super::super::kinds::ValueKind;
use super::super::kinds::unify;
use super::Checker;

impl Checker<'_> {
    pub(super) fn call(
        &self,
        function: Function,
        args: &mut Vec<Node>,
    ) -> Result<ValueKind, String> {
        use ValueKind::*;
        let mut kinds = Vec::with_capacity(args.len());
        for a in args.iter_mut() {
            kinds.push(self.node(a)?);
        }
        if function == Function::NullIf && args.len() == 2 {
            // The equality that decides, typed like `a = b` (so exact on MySQL/MariaDB,
            // whatever the collation), kept as a third argument for the renderer.
            let mut equal = Node::Binary(
                Box::new(args[0].clone()),
                BinaryOp::Eq,
                Box::new(args[1].clone()),
            );
            self.node(&mut equal)?;
            let plain = matches!(&equal, Node::Binary(l, BinaryOp::Eq, r) if **l == args[0] && **r == args[1]);
            if !plain {
                args.push(equal);
            }
        }
        if function == Function::NullIf {
            kinds.truncate(2);
        }
        let name = function.name();
        let text_args = |n: usize| -> Result<(), String> {
            match kinds.iter().take(n).find(|k| !(k.textual() || k.loose())) {
                Some(k) => Err(format!(
                    "{name}() needs text, not {k}: CAST(x AS text) first if that is meant"
                )),
                None => Ok(()),
            }
        };
        Ok(match function {
            Function::Abs => {
                self.number(kinds[0], "abs()")?;
                kinds[0]
            }
            Function::Round => {
                self.number(kinds[0], "round()")?;
                if kinds.len() == 1 { Integer } else { Number }
            }
            Function::Lower | Function::Upper | Function::Trim => {
                text_args(1)?;
                Text
            }
            Function::Replace => {
                text_args(3)?;
                Text
            }
            Function::SubstringAfterLast => {
                text_args(2)?;
                Text
            }
            Function::Length => {
                text_args(1)?;
                Integer
            }
            Function::Concat => Text,
            Function::Coalesce | Function::NullIf => {
                let mut k = Null;
                for next in &kinds {
                    k = unify(k, *next)?;
                }
                k
            }
            Function::JsonArray | Function::JsonObject | Function::JsonGet => Json,
            Function::JsonText => Text,
            Function::JsonType => match kinds[0] {
                Json => Text,
                k if k.loose() => Text,
                k => return Err(format!("json_type() needs json, not {k}")),
            },
            Function::JsonLength => Integer,
            Function::JsonValid => Boolean,
            Function::Now => Time,
            Function::Uuid => Uuid,
            Function::Array => {
                let mut element: Option<crate::types::ArrayElement> = None;
                for k in &kinds {
                    let e = k
                        .array_of()
                        .ok_or_else(|| format!("array() holds text, integers or uuids, not {k}"))?;
                    match element {
                        Some(prev) if prev != e => {
                            return Err(format!(
                                "array() elements have different types ({}[] and {}[]): CAST them to one type",
                                prev.name(),
                                e.name()
                            ));
                        }
                        _ => element = Some(e),
                    }
                }
                Array(element)
            }
            Function::ArrayContains => {
                let element = match kinds[0] {
                    Array(e) => e,
                    k if k.loose() => None,
                    k => {
                        return Err(format!(
                            "array_contains() needs an array column first, not {k}"
                        ));
                    }
                };
                let value = kinds[1];
                let fits = value.loose()
                    || match element {
                        None => value.array_of().is_some(),
                        Some(e) => value.array_of().is_some_and(|v| {
                            crate::expr::kinds::same_elements(e, v)
                                || (value == StringLiteral && e == crate::types::ArrayElement::Uuid)
                        }),
                    };
                if !fits {
                    return Err(format!(
                        "array_contains() looks for {value} in {}: give a value of the element type",
                        kinds[0]
                    ));
                }
                Boolean
            }
            Function::ArrayLength => {
                if !(matches!(kinds[0], Array(_)) || kinds[0].loose()) {
                    return Err(format!(
                        "array_length() needs an array column, not {}: use json_length() for a JSON array",
                        kinds[0]
                    ));
                }
                Integer
            }
        })
    }
}
