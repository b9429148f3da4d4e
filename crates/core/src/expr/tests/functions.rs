//! Every portable function, rendered per dialect, and the central attachments example.

use super::{golden, golden_all};
use crate::dialect::Dialect;
use crate::error::Error;
use crate::expr::Expression;

const SQLITE_UUID: &str = "lower(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4' || \
substr(hex(randomblob(2)), 2) || '-' || substr('89ab', 1 + (random() & 3), 1) || \
substr(hex(randomblob(2)), 2) || '-' || hex(randomblob(6)))";

#[test]
fn text_functions() {
    golden_all("lower(a)", "LOWER(\"a\")", "LOWER(`a`)");
    golden_all("UPPER(a)", "UPPER(\"a\")", "UPPER(`a`)");
    golden_all("trim(a)", "TRIM(\"a\")", "TRIM(`a`)");
    golden_all(
        "replace(a, '-', '_')",
        "REPLACE(\"a\", '-', '_')",
        "REPLACE(`a`, '-', '_')",
    );
    golden(
        "length(a)",
        "CHAR_LENGTH(\"a\")",
        "CHAR_LENGTH(`a`)",
        "LENGTH(\"a\")",
    );
    golden(
        "char_length(a)",
        "CHAR_LENGTH(\"a\")",
        "CHAR_LENGTH(`a`)",
        "LENGTH(\"a\")",
    );
    golden(
        "concat(a, ' ', b, '!')",
        "\"a\" || ' ' || \"b\" || '!'",
        "CONCAT(`a`, ' ', `b`, '!')",
        "((\"a\" || ' ') || \"b\") || '!'",
    );
}

#[test]
fn null_functions() {
    golden_all(
        "coalesce(a, b, 'x')",
        "COALESCE(\"a\", \"b\", 'x')",
        "COALESCE(`a`, `b`, 'x')",
    );
    golden_all("nullif(a, '')", "NULLIF(\"a\", '')", "NULLIF(`a`, '')");
}

#[test]
fn numeric_functions() {
    golden_all("abs(a - 10)", "ABS(\"a\" - 10)", "ABS(`a` - 10)");
    golden_all("round(a)", "ROUND(\"a\")", "ROUND(`a`)");
    golden(
        "round(a, 2)",
        "ROUND(CAST(\"a\" AS numeric), 2)",
        "ROUND(`a`, 2)",
        "ROUND(\"a\", 2)",
    );
}

#[test]
fn substring_after_last() {
    golden(
        "substring_after_last(media_url, '/')",
        "split_part(\"media_url\", '/', -1)",
        "SUBSTRING_INDEX(`media_url`, '/', -1)",
        "substr(\"media_url\", length(rtrim(\"media_url\", replace(\"media_url\", '/', ''))) + 1)",
    );
    let e = Expression::parse("substring_after_last(path, '::')").expect("parses");
    assert_eq!(
        e.to_sql(Dialect::Postgres).expect("pg"),
        "split_part(\"path\", '::', -1)"
    );
    assert_eq!(
        e.to_sql(Dialect::Mysql).expect("mysql"),
        "SUBSTRING_INDEX(`path`, '::', -1)"
    );
}

#[test]
fn substring_after_last_on_sqlite_needs_a_one_character_literal() {
    for src in [
        "substring_after_last(path, '::')",
        "substring_after_last(path, sep)",
        "substring_after_last(path, '')",
    ] {
        let e = Expression::parse(src).expect("parses");
        e.check(Dialect::Postgres).expect("postgres renders");
        e.check(Dialect::Mysql).expect("mysql renders");
        let err = e.check(Dialect::Sqlite).expect_err("sqlite refuses");
        match &err {
            Error::Unsupported {
                dialect,
                operation,
                hint,
            } => {
                assert_eq!(*dialect, Dialect::Sqlite);
                assert_eq!(
                    operation,
                    &format!(
                        "substring_after_last with a separator that is not a single-character \
                         string literal (in expression `{src}`)"
                    )
                );
                assert!(hint.contains("one-character literal such as '/'"), "{hint}");
            }
            other => panic!("expected Unsupported, got {other:?}"),
        }
        assert!(
            err.to_string().contains("is not supported on sqlite"),
            "{err}"
        );
    }
}

#[test]
fn now_and_uuid() {
    golden(
        "now()",
        "now()",
        "CURRENT_TIMESTAMP(6)",
        "CURRENT_TIMESTAMP",
    );
    golden(
        "CURRENT_TIMESTAMP",
        "now()",
        "CURRENT_TIMESTAMP(6)",
        "CURRENT_TIMESTAMP",
    );
    golden("uuid()", "gen_random_uuid()", "UUID()", SQLITE_UUID);
    golden("GEN_UUID()", "gen_random_uuid()", "UUID()", SQLITE_UUID);
    golden(
        "uuid() = a",
        "gen_random_uuid() = \"a\"",
        "UUID() = `a`",
        &format!("({SQLITE_UUID}) = \"a\""),
    );
}

#[test]
fn json_constructors() {
    golden(
        "json_array()",
        "jsonb_build_array()",
        "JSON_ARRAY()",
        "json_array()",
    );
    golden(
        "json_array(1, 'a', b)",
        "jsonb_build_array(1, 'a', \"b\")",
        "JSON_ARRAY(1, 'a', `b`)",
        "json_array(1, 'a', \"b\")",
    );
    golden(
        "json_object()",
        "jsonb_build_object()",
        "JSON_OBJECT()",
        "json_object()",
    );
    golden(
        "json_object('k', v, 'n', 1)",
        "jsonb_build_object('k', \"v\", 'n', 1)",
        "JSON_OBJECT('k', `v`, 'n', 1)",
        "json_object('k', \"v\", 'n', 1)",
    );
}

#[test]
fn json_accessors() {
    golden(
        "json_length(attachments)",
        "jsonb_array_length(\"attachments\")",
        "JSON_LENGTH(`attachments`)",
        "json_array_length(\"attachments\")",
    );
    golden(
        "json_text(payload, 'title')",
        "\"payload\" ->> 'title'",
        "(CASE WHEN (JSON_TYPE(JSON_EXTRACT(`payload`, '$.\\\"title\\\"')) = 'NULL') THEN NULL \
         ELSE JSON_UNQUOTE(JSON_EXTRACT(`payload`, '$.\\\"title\\\"')) END)",
        "\"payload\" ->> '$.\"title\"'",
    );
    golden(
        "json_text(payload, 'first name') = 'Ada'",
        "(\"payload\" ->> 'first name') = 'Ada'",
        "(CASE WHEN (JSON_TYPE(JSON_EXTRACT(`payload`, '$.\\\"first name\\\"')) = 'NULL') \
         THEN NULL ELSE JSON_UNQUOTE(JSON_EXTRACT(`payload`, '$.\\\"first name\\\"')) END) = 'Ada'",
        "(\"payload\" ->> '$.\"first name\"') = 'Ada'",
    );
    golden(
        "json_get(t.payload, 'tags')",
        "\"t\".\"payload\" -> 'tags'",
        "JSON_EXTRACT(`t`.`payload`, '$.\\\"tags\\\"')",
        "\"t\".\"payload\" -> '$.\"tags\"'",
    );
    golden(
        "json_length(json_get(payload, 'tags')) > 0",
        "jsonb_array_length(\"payload\" -> 'tags') > 0",
        "JSON_LENGTH(JSON_EXTRACT(`payload`, '$.\\\"tags\\\"')) > 0",
        "json_array_length(\"payload\" -> '$.\"tags\"') > 0",
    );
}

#[test]
fn json_valid_is_unsupported_on_postgres() {
    let e = Expression::parse("json_valid(body)").expect("parses");
    assert_eq!(
        e.to_sql(Dialect::Mysql).expect("mysql"),
        "JSON_VALID(`body`)"
    );
    assert_eq!(
        e.to_sql(Dialect::Sqlite).expect("sqlite"),
        "JSON_VALID(\"body\")"
    );
    let err = e.check(Dialect::Postgres).expect_err("postgres refuses");
    assert!(
        err.to_string().starts_with(
            "json_valid (in expression `json_valid(body)`) is not supported on postgres: "
        ),
        "{err}"
    );
}

#[test]
fn function_names_are_case_insensitive() {
    golden_all("LoWeR(a)", "LOWER(\"a\")", "LOWER(`a`)");
    golden(
        "Substring_After_Last(a, '/')",
        "split_part(\"a\", '/', -1)",
        "SUBSTRING_INDEX(`a`, '/', -1)",
        "substr(\"a\", length(rtrim(\"a\", replace(\"a\", '/', ''))) + 1)",
    );
}

/// The example from the product brief: legacy `media_url` into an `attachments` JSON array.
pub(crate) const ATTACHMENTS: &str = "json_array(json_object(
   'url', media_url,
   'type', CASE WHEN media_url LIKE '%.mp4' THEN 'video' ELSE 'image' END,
   'name', substring_after_last(media_url, '/'),
   'mimeType', CASE WHEN media_url LIKE '%.mp4' THEN 'video/mp4' ELSE 'image/jpeg' END,
   'source', 'legacy_migration'))";

#[test]
fn attachments_example() {
    let pat = |q: &str| {
        if q.starts_with('`') {
            "(CONVERT('%.mp4' USING utf8mb4) COLLATE utf8mb4_bin)"
        } else {
            "'%.mp4'"
        }
    };
    let type_ = |q: &str| {
        format!(
            "(CASE WHEN ({q} LIKE {}) THEN 'video' ELSE 'image' END)",
            pat(q)
        )
    };
    let mime = |q: &str| {
        format!(
            "(CASE WHEN ({q} LIKE {}) THEN 'video/mp4' ELSE 'image/jpeg' END)",
            pat(q)
        )
    };
    let body = |q: &str, name: &str| {
        format!(
            "'url', {q}, 'type', {}, 'name', {name}, 'mimeType', {}, 'source', 'legacy_migration'",
            type_(q),
            mime(q)
        )
    };
    let pg = format!(
        "jsonb_build_array(jsonb_build_object({}))",
        body("\"media_url\"", "split_part(\"media_url\", '/', -1)")
    );
    let my = format!(
        "JSON_ARRAY(JSON_OBJECT({}))",
        body("`media_url`", "SUBSTRING_INDEX(`media_url`, '/', -1)")
    );
    let sq = format!(
        "json_array(json_object({}))",
        body(
            "\"media_url\"",
            "substr(\"media_url\", length(rtrim(\"media_url\", replace(\"media_url\", '/', ''))) + 1)"
        )
    );
    golden(ATTACHMENTS, &pg, &my, &sq);
    let e = Expression::parse(ATTACHMENTS).expect("parses");
    assert_eq!(e.columns().len(), 1);
    assert_eq!(e.columns()[0].column, "media_url");
}

#[test]
fn attachments_pending_predicate() {
    golden(
        "media_url IS NOT NULL AND media_url <> '' AND json_length(attachments) = 0",
        "\"media_url\" IS NOT NULL AND \"media_url\" <> '' AND jsonb_array_length(\"attachments\") = 0",
        "`media_url` IS NOT NULL AND `media_url` <> '' AND JSON_LENGTH(`attachments`) = 0",
        "\"media_url\" IS NOT NULL AND \"media_url\" <> '' AND json_array_length(\"attachments\") = 0",
    );
}
