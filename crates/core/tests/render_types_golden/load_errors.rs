//! Golden cases: load-time errors.

use super::*;

const DOCS: &str = r#"
description = "a json column"

[[steps]]
op = "add_column"
table = "profiles"
column = { name = "doc", type = "json" }
"#;

/// A one-step backfill of `profiles` with `body` appended (line 6 is the first body line).
fn backfill(body: &str) -> String {
    format!("description = \"bad\"\n\n[[steps]]\nop = \"backfill\"\ntable = \"profiles\"\n{body}")
}

#[test]
fn an_enum_compared_with_or_given_a_value_outside_its_list_is_a_load_error() {
    let bad = backfill("where = \"profiles.kind = 'blog'\"\nset.urls = \"array('x')\"\n");
    load_fails(
        &[("0001_profiles.toml", PROFILES), ("0002_bad.toml", &bad)],
        "0002_bad.toml",
        6,
        "'blog' is not a value of the enum: the allowed values are 'website', 'imdb', 'show reel'",
    );
    let bad =
        backfill("where = \"profiles.kind IN ('imdb', 'Website')\"\nset.urls = \"array('x')\"\n");
    load_fails(
        &[("0001_profiles.toml", PROFILES), ("0002_bad.toml", &bad)],
        "0002_bad.toml",
        6,
        "'Website' is not a value of the enum",
    );
    let bad = backfill("set.kind = \"'blog'\"\n");
    load_fails(
        &[("0001_profiles.toml", PROFILES), ("0002_bad.toml", &bad)],
        "0002_bad.toml",
        6,
        "cannot be stored in column `kind`: 'blog' is not a value of the enum",
    );
}

#[test]
fn ordering_enums_and_storing_numbers_into_them_are_load_errors() {
    let bad = backfill("where = \"profiles.kind < 'imdb'\"\nset.urls = \"array('x')\"\n");
    load_fails(
        &[("0001_profiles.toml", PROFILES), ("0002_bad.toml", &bad)],
        "0002_bad.toml",
        6,
        "<, <=, > and >= on an enum",
    );
    let bad = backfill("set.kind = \"profiles.id\"\n");
    load_fails(
        &[("0001_profiles.toml", PROFILES), ("0002_bad.toml", &bad)],
        "0002_bad.toml",
        6,
        "column `kind` (enum('website', 'imdb', 'show reel')) does not store the same way",
    );
}

#[test]
fn arrays_take_array_values_and_array_length_takes_arrays() {
    let bad = backfill("set.urls = \"'{a,b}'\"\n");
    load_fails(
        &[("0001_profiles.toml", PROFILES), ("0002_bad.toml", &bad)],
        "0002_bad.toml",
        6,
        "not an array: write the value of column `urls` (text[]) with array(..)",
    );
    let bad = backfill("set.scores = \"array('a')\"\n");
    load_fails(
        &[("0001_profiles.toml", PROFILES), ("0002_bad.toml", &bad)],
        "0002_bad.toml",
        6,
        "column `scores` (integer[])",
    );
    let bad = backfill("set.urls = \"array('a', 1)\"\n");
    load_fails(
        &[("0001_profiles.toml", PROFILES), ("0002_bad.toml", &bad)],
        "0002_bad.toml",
        6,
        "array() elements have different types (text[] and bigint[])",
    );
    let bad = backfill("where = \"array_length(profiles.doc) > 0\"\nset.urls = \"array('x')\"\n");
    load_fails(
        &[
            ("0001_profiles.toml", PROFILES),
            ("0002_doc.toml", DOCS),
            ("0003_bad.toml", &bad),
        ],
        "0003_bad.toml",
        6,
        "array_length() needs an array column, not json: use json_length()",
    );
    let bad = backfill("where = \"profiles.urls = profiles.urls\"\nset.urls = \"array('x')\"\n");
    load_fails(
        &[("0001_profiles.toml", PROFILES), ("0002_bad.toml", &bad)],
        "0002_bad.toml",
        6,
        "a comparison of an array (text[]) with an array (text[])",
    );
}

#[test]
fn bad_array_and_enum_types_and_defaults_are_load_errors() {
    let table = |column: &str| {
        format!(
            "description = \"bad\"\n\n[[steps]]\nop = \"create_table\"\ntable = \"t\"\ncolumns = [\n  {column},\n]\n"
        )
    };
    for (column, phrase) in [
        (
            r#"{ name = "d", type = "date[]" }"#,
            "arrays of text, integer, bigint and uuid are supported",
        ),
        (
            r#"{ name = "k", type = "enum(a, A)" }"#,
            "differ only in letter case",
        ),
        (
            r#"{ name = "k", type = "enum()" }"#,
            "an enum value is empty",
        ),
        (
            r#"{ name = "k", type = "enum(a, b)", default = "c" }"#,
            "the default of column `k` is not one of its enum values ('a', 'b')",
        ),
        (
            r#"{ name = "u", type = "text[]", default = "{}" }"#,
            "takes `default_expr = \"array(..)\"`",
        ),
    ] {
        let plan = table(column);
        let tmp = TempPlan::new(&[("0001_bad.toml", &plan)]);
        let err = tmp
            .load()
            .err()
            .unwrap_or_else(|| panic!("{column} loaded"));
        let text = err.to_string();
        assert!(text.contains("0001_bad.toml:"), "{text}");
        assert!(
            text.contains(phrase),
            "{column}: expected `{phrase}` in {text}"
        );
    }
}

const DROP_PROFILES: &str = r#"
description = "profiles go, links stay"

[[steps]]
op = "drop_table"
table = "profiles"

[[steps]]
op = "drop_column"
table = "links"
column = "kind"
"#;

#[test]
fn a_shared_enum_type_is_dropped_with_its_last_column() {
    let files = [
        ("0001_profiles.toml", PROFILES),
        ("0002_links.toml", LINKS),
        ("0003_drop.toml", DROP_PROFILES),
    ];
    let pg = rendered(&files, Dialect::Postgres, Direction::Up).expect("renders");
    let creates = pg
        .iter()
        .filter(|(s, _)| s.starts_with("CREATE TYPE"))
        .count();
    assert_eq!(
        creates, 1,
        "links.kind reuses the type of profiles.kind: {pg:#?}"
    );
    let tail: Vec<&str> = pg[pg.len() - 3..].iter().map(|(s, _)| s.as_str()).collect();
    assert_eq!(
        tail,
        [
            r#"DROP TABLE "profiles""#,
            r#"ALTER TABLE "links" DROP COLUMN "kind""#,
            r#"DROP TYPE IF EXISTS "cutover_enum_7e15d2a38aaafc17""#,
        ]
    );
}

#[test]
fn array_functions_per_dialect() {
    use cutover_core::expr::Expression;
    let cases: [(&str, [&str; 3]); 4] = [
        (
            "array_length(urls)",
            [
                r#"cardinality("urls")"#,
                "JSON_LENGTH(`urls`)",
                r#"json_array_length("urls")"#,
            ],
        ),
        (
            "array_contains(urls, 'a')",
            [
                r#"CASE WHEN "urls" IS NULL OR 'a' IS NULL THEN NULL ELSE COALESCE('a' = ANY("urls"), false) END"#,
                "CASE WHEN `urls` IS NULL OR 'a' IS NULL THEN NULL ELSE JSON_CONTAINS(`urls`, JSON_ARRAY('a')) END",
                r#"CASE WHEN "urls" IS NULL OR 'a' IS NULL THEN NULL ELSE EXISTS (SELECT 1 FROM json_each("urls") WHERE "value" = 'a') END"#,
            ],
        ),
        (
            "array('a', 'b''c')",
            [
                r#"ARRAY['a', E'b\'c']"#,
                "JSON_ARRAY('a', _utf8mb4 X'622763')",
                r#"json_array('a', 'b''c')"#,
            ],
        ),
        ("array()", ["'{}'", "JSON_ARRAY()", "json_array()"]),
    ];
    for (src, expected) in cases {
        let e = Expression::parse(src).expect(src);
        for (dialect, want) in Dialect::ALL.into_iter().zip(expected) {
            assert_eq!(e.to_sql(dialect).expect(src), want, "{src} on {dialect}");
        }
    }
}

#[test]
fn array_contains_checks_its_arguments() {
    let bad =
        backfill("where = \"array_contains(profiles.scores, 'a')\"\nset.urls = \"array('x')\"\n");
    load_fails(
        &[("0001_profiles.toml", PROFILES), ("0002_bad.toml", &bad)],
        "0002_bad.toml",
        6,
        "array_contains() looks for a string literal in an array (integer[])",
    );
    let ok = backfill(
        "where = \"array_contains(profiles.urls, 'a') AND array_contains(profiles.ids, profiles.id)\"\nset.urls = \"array('x')\"\n",
    );
    let tmp = TempPlan::new(&[("0001_profiles.toml", PROFILES), ("0002_ok.toml", &ok)]);
    tmp.load().unwrap_or_else(|e| panic!("{e}"));
}

const TEXT_INTO_ENUM: &str = r#"
description = "kinds from text"

[[steps]]
op = "backfill"
table = "links"
pending = "links.url <> ''"
set.kind = "CASE WHEN links.url LIKE '%imdb%' THEN 'imdb' ELSE lower(links.url) END"
"#;

#[test]
fn text_stored_into_an_enum_is_converted_through_text() {
    let files = [
        ("0001_profiles.toml", PROFILES),
        ("0002_links.toml", LINKS),
        ("0003_kinds.toml", TEXT_INTO_ENUM),
    ];
    let last = |dialect| {
        rendered(&files, dialect, Direction::Up)
            .expect("renders")
            .pop()
            .map(|(s, _)| s)
            .unwrap_or_default()
    };
    assert_eq!(
        last(Dialect::Postgres),
        r#"UPDATE "links" SET "kind" = CAST(CAST((CASE WHEN ("links"."url" LIKE '%imdb%') THEN 'imdb' ELSE LOWER("links"."url") END) AS text) AS "cutover_enum_7e15d2a38aaafc17") WHERE "links"."url" <> ''"#
    );
    assert!(
        last(Dialect::Mysql).contains("CAST(CAST((CASE"),
        "{}",
        last(Dialect::Mysql)
    );
    assert!(
        last(Dialect::Sqlite).contains("AS TEXT) AS TEXT)"),
        "{}",
        last(Dialect::Sqlite)
    );
}

const URLS_TO_JSON: &str = r#"
description = "urls as json"

[[steps]]
op = "alter_column"
table = "profiles"
column = "urls"
type = "json"
"#;

#[test]
fn changing_an_array_column_to_json_is_refused_on_postgres_only() {
    let files = [
        ("0001_profiles.toml", PROFILES),
        ("0002_json.toml", URLS_TO_JSON),
    ];
    let err = rendered(&files, Dialect::Postgres, Direction::Up).unwrap_err();
    assert!(matches!(err.root(), Error::Unsupported { .. }), "{err}");
    assert!(err.to_string().contains("between text[] and json"), "{err}");
    let mysql = rendered(&files, Dialect::Mysql, Direction::Up).expect("renders on mysql");
    assert_eq!(
        mysql.last().map(|(s, _)| s.as_str()),
        Some("ALTER TABLE `profiles` MODIFY COLUMN `urls` json NOT NULL"),
        "the same json column there"
    );
}
