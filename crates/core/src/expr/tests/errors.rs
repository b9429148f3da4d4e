//! Error messages users see, with their exact fragments.

use super::{assert_contains, parse_error};

#[test]
fn empty_expression() {
    assert_eq!(
        parse_error(""),
        "the expression is empty; write e.g. `media_url IS NOT NULL`"
    );
    assert_eq!(
        parse_error("   \n"),
        "the expression is empty; write e.g. `media_url IS NOT NULL`"
    );
}

#[test]
fn trailing_garbage() {
    assert_eq!(
        parse_error("a = 1 b"),
        "unexpected `b` after the end of the expression (line 1, column 7); an expression is \
         a single value or condition, without `;` or a second clause"
    );
    assert_contains(&parse_error("a = 1;"), &["unexpected `;` after the end"]);
    assert_contains(&parse_error("lower(a))"), &["unexpected `)` after the end"]);
}

#[test]
fn syntax_errors() {
    assert_contains(
        &parse_error("a +"),
        &["syntax error: Expected: an expression"],
    );
    assert_contains(
        &parse_error("lower(a"),
        &["syntax error: Expected: ), found: EOF"],
    );
}

#[test]
fn unknown_function_lists_the_supported_ones() {
    let msg = parse_error("foo(1)");
    assert!(
        msg.starts_with("unknown function `foo`; supported functions: abs(number), "),
        "{msg}"
    );
    assert_contains(
        &msg,
        &[
            "concat(text, text, ...)",
            "json_object('key', value, ...)",
            "json_text(json, 'key')",
            "substring_after_last(text, separator)",
            "uuid()",
        ],
    );
    assert_contains(
        &parse_error("count(a)"),
        &[
            "`COUNT` is an aggregate: aggregates are only allowed in a query's select list or HAVING",
        ],
    );
    assert_contains(
        &parse_error("pg_catalog.lower(a)"),
        &["unknown function `pg_catalog.lower`"],
    );
}

#[test]
fn wrong_arity_shows_the_signature() {
    assert_eq!(
        parse_error("lower(a, b)"),
        "`lower` takes 1 argument, got 2; expected lower(text)"
    );
    assert_eq!(
        parse_error("substring_after_last(a)"),
        "`substring_after_last` takes 2 arguments, got 1; expected \
         substring_after_last(text, separator)"
    );
    assert_eq!(
        parse_error("json_object('a')"),
        "`json_object` takes an even number of arguments (key/value pairs), got 1; \
         expected json_object('key', value, ...)"
    );
    assert_eq!(
        parse_error("round(a, 1, 2)"),
        "`round` takes 1 to 2 arguments, got 3; expected round(number[, digits])"
    );
    assert_eq!(
        parse_error("concat(a)"),
        "`concat` takes at least 2 arguments, got 1; expected concat(text, text, ...)"
    );
    assert_eq!(
        parse_error("uuid(1)"),
        "`uuid` takes 0 arguments, got 1; expected uuid()"
    );
    assert_eq!(
        parse_error("gen_uuid(1)"),
        "`uuid` takes 0 arguments, got 1; expected uuid()"
    );
}

#[test]
fn json_keys_must_be_plain_string_literals() {
    assert_eq!(
        parse_error("json_text(payload, k)"),
        "the key argument of `json_text` must be a string literal, e.g. \
         json_text(payload, 'title'); expected json_text(json, 'key')"
    );
    assert_contains(
        &parse_error("json_get(payload, 'a\"b')"),
        &["the key 'a\"b' of `json_get` must be non-empty and contain no `\"`, `\\`"],
    );
    assert_contains(
        &parse_error("json_get(payload, '')"),
        &["must be non-empty"],
    );
}

#[test]
fn subqueries_windows_wildcards_and_placeholders() {
    // Subqueries are portable queries: they read a FROM table (`FROM t, u` is a cross join).
    let from = "a portable query needs FROM";
    assert_contains(&parse_error("(SELECT 1)"), &[from]);
    assert_contains(&parse_error("EXISTS (SELECT 1)"), &[from]);
    assert!(
        crate::expr::Expression::parse("a IN (SELECT t.id FROM t, u WHERE u.id = t.id)").is_ok()
    );
    assert_contains(
        &parse_error("a IN (SELECT id, b FROM t)"),
        &["an IN subquery must select exactly one value, this one selects 2"],
    );
    assert_eq!(
        parse_error("lower(a) OVER ()"),
        "`lower(...) OVER`: window functions are not supported"
    );
    assert_contains(
        &parse_error("*"),
        &["`*` is not allowed in an expression, name the columns"],
    );
    assert_eq!(
        parse_error("json_array(*)"),
        "`*` is not allowed as an argument of `json_array`; name the columns"
    );
    assert_eq!(
        parse_error("a = ?"),
        "placeholder `?` is not allowed: write the value inline as a literal"
    );
    assert_eq!(
        parse_error("a = $1"),
        "placeholder `$1` is not allowed: write the value inline as a literal"
    );
}

#[test]
fn other_constructs_are_rejected_with_the_vocabulary() {
    let msg = parse_error("a IS TRUE");
    assert_contains(
        &msg,
        &[
            "`a IS TRUE` is not supported in portable expressions; supported: column references",
            "CASE, CAST(x AS type) and the functions: abs(number)",
        ],
    );
    assert_contains(
        &parse_error("a ILIKE 'x'"),
        &["write `lower(x) LIKE lower('pattern')`"],
    );
    assert_contains(
        &parse_error("a::int"),
        &["only the form `CAST(x AS type)` is supported"],
    );
    assert_contains(&parse_error("a ^ 2"), &["operator `^` is not supported"]);
    assert_contains(
        &parse_error("a.b.c"),
        &["`a.b.c`: a column reference is `column` or `table.column`"],
    );
    assert_contains(
        &parse_error("trim(both 'x' from a)"),
        &["only `trim(text)`"],
    );
    assert_contains(&parse_error("a LIKE 'x' ESCAPE '!'"), &["LIKE ... ESCAPE"]);
    assert_contains(
        &parse_error("a IN ()"),
        &["syntax error: Expected: an expression, found: )"],
    );
    assert_contains(
        &parse_error("\"a\" = E'x'"),
        &["literal `E'x'` is not supported"],
    );
}

#[test]
fn cast_to_an_unknown_type_lists_the_portable_types() {
    assert_eq!(
        parse_error("CAST(a AS signed)"),
        "in CAST: unknown column type `SIGNED`; supported: integer, bigint, text, varchar(n), \
         boolean, timestamp, timestamptz, date, uuid, json, decimal(p,s), real, double, bytes, \
         text[], integer[], bigint[], uuid[], enum(a, b, ...)"
    );
}
