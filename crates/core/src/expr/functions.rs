//! The catalogue of portable functions: names, aliases, arity and signatures.
//!
//! Parsing looks functions up here; error messages quote the signatures and the list of
//! supported names from here, so the catalogue is the single source of truth.

use std::fmt;

/// A portable function of the expression language.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Function {
    Abs,
    Array,
    ArrayContains,
    ArrayLength,
    Coalesce,
    Concat,
    JsonArray,
    JsonGet,
    JsonLength,
    JsonObject,
    JsonText,
    JsonType,
    JsonValid,
    Length,
    Lower,
    Now,
    NullIf,
    Replace,
    Round,
    SubstringAfterLast,
    Trim,
    Upper,
    Uuid,
}

/// How many arguments a function takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Arity {
    /// Exactly n.
    Exactly(usize),
    /// Between min and max, inclusive.
    Range(usize, usize),
    /// At least n.
    AtLeast(usize),
    /// Any even number, including zero.
    Even,
}

/// One entry of the catalogue.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Spec {
    /// The function.
    pub function: Function,
    /// The canonical (documented) name.
    pub name: &'static str,
    /// Other accepted spellings.
    pub aliases: &'static [&'static str],
    /// Accepted argument counts.
    pub arity: Arity,
    /// The signature shown in error messages.
    pub signature: &'static str,
}

/// Every supported function, sorted by canonical name.
pub(crate) const CATALOGUE: &[Spec] = &[
    spec(Function::Abs, "abs", &[], Arity::Exactly(1), "abs(number)"),
    spec(
        Function::Array,
        "array",
        &[],
        Arity::AtLeast(0),
        "array(value, ...)",
    ),
    spec(
        Function::ArrayContains,
        "array_contains",
        &[],
        Arity::Exactly(2),
        "array_contains(array, value)",
    ),
    spec(
        Function::ArrayLength,
        "array_length",
        &["cardinality"],
        Arity::Exactly(1),
        "array_length(array)",
    ),
    spec(
        Function::Coalesce,
        "coalesce",
        &[],
        Arity::AtLeast(1),
        "coalesce(value, ...)",
    ),
    spec(
        Function::Concat,
        "concat",
        &[],
        Arity::AtLeast(2),
        "concat(text, text, ...)",
    ),
    spec(
        Function::JsonArray,
        "json_array",
        &[],
        Arity::AtLeast(0),
        "json_array(value, ...)",
    ),
    spec(
        Function::JsonGet,
        "json_get",
        &[],
        Arity::Exactly(2),
        "json_get(json, 'key')",
    ),
    spec(
        Function::JsonLength,
        "json_length",
        &[],
        Arity::Exactly(1),
        "json_length(json)",
    ),
    spec(
        Function::JsonObject,
        "json_object",
        &[],
        Arity::Even,
        "json_object('key', value, ...)",
    ),
    spec(
        Function::JsonText,
        "json_text",
        &[],
        Arity::Exactly(2),
        "json_text(json, 'key')",
    ),
    spec(
        Function::JsonType,
        "json_type",
        &[],
        Arity::Exactly(1),
        "json_type(json)",
    ),
    spec(
        Function::JsonValid,
        "json_valid",
        &[],
        Arity::Exactly(1),
        "json_valid(text)",
    ),
    spec(
        Function::Length,
        "length",
        &["char_length", "character_length"],
        Arity::Exactly(1),
        "length(text)",
    ),
    spec(
        Function::Lower,
        "lower",
        &[],
        Arity::Exactly(1),
        "lower(text)",
    ),
    spec(
        Function::Now,
        "now",
        &["current_timestamp"],
        Arity::Exactly(0),
        "now()",
    ),
    spec(
        Function::NullIf,
        "nullif",
        &[],
        Arity::Exactly(2),
        "nullif(value, value)",
    ),
    spec(
        Function::Replace,
        "replace",
        &[],
        Arity::Exactly(3),
        "replace(text, from, to)",
    ),
    spec(
        Function::Round,
        "round",
        &[],
        Arity::Range(1, 2),
        "round(number[, digits])",
    ),
    spec(
        Function::SubstringAfterLast,
        "substring_after_last",
        &[],
        Arity::Exactly(2),
        "substring_after_last(text, separator)",
    ),
    spec(Function::Trim, "trim", &[], Arity::Exactly(1), "trim(text)"),
    spec(
        Function::Upper,
        "upper",
        &[],
        Arity::Exactly(1),
        "upper(text)",
    ),
    spec(
        Function::Uuid,
        "uuid",
        &["gen_uuid"],
        Arity::Exactly(0),
        "uuid()",
    ),
];

const fn spec(
    function: Function,
    name: &'static str,
    aliases: &'static [&'static str],
    arity: Arity,
    signature: &'static str,
) -> Spec {
    Spec {
        function,
        name,
        aliases,
        arity,
        signature,
    }
}

impl Function {
    /// Looks a function up by name or alias, case-insensitively.
    pub(crate) fn lookup(name: &str) -> Option<&'static Spec> {
        let lower = name.to_ascii_lowercase();
        CATALOGUE
            .iter()
            .find(|s| s.name == lower || s.aliases.contains(&lower.as_str()))
    }

    /// The catalogue entry of this function.
    pub(crate) fn spec(self) -> &'static Spec {
        CATALOGUE
            .iter()
            .find(|s| s.function == self)
            .expect("every function has a catalogue entry")
    }

    /// The canonical name.
    pub(crate) fn name(self) -> &'static str {
        self.spec().name
    }
}

impl fmt::Display for Function {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl Arity {
    /// Whether `n` arguments are accepted.
    pub(crate) fn accepts(self, n: usize) -> bool {
        match self {
            Arity::Exactly(k) => n == k,
            Arity::Range(lo, hi) => (lo..=hi).contains(&n),
            Arity::AtLeast(k) => n >= k,
            Arity::Even => n.is_multiple_of(2),
        }
    }

    /// A human description, e.g. `2 arguments`, `at least 1 argument`.
    pub(crate) fn describe(self) -> String {
        fn args(n: usize) -> String {
            if n == 1 {
                "1 argument".to_string()
            } else {
                format!("{n} arguments")
            }
        }
        match self {
            Arity::Exactly(k) => args(k),
            Arity::Range(lo, hi) => format!("{lo} to {hi} arguments"),
            Arity::AtLeast(k) => format!("at least {}", args(k)),
            Arity::Even => "an even number of arguments (key/value pairs)".to_string(),
        }
    }
}

/// The comma-separated list of supported function signatures, for error messages.
pub(crate) fn supported_list() -> String {
    CATALOGUE
        .iter()
        .map(|s| s.signature)
        .collect::<Vec<_>>()
        .join(", ")
}
