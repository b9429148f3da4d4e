//! Which schema a PostgreSQL URL asks for (schema per tenant), from cutover's own
//! `?search_path=` parameter or a libpq `options=-csearch_path=...` setting.
//!
//! The rule: the target schema is the FIRST schema of the list (`tenant,public` targets
//! `tenant`). PostgreSQL creates unqualified objects in the first schema of the search_path
//! that exists, so when `tenant` is missing, a session would silently work in `public`. The
//! adapter therefore checks after connecting that `current_schema()` is the first listed
//! schema, and refuses the session otherwise (with the `CREATE SCHEMA` hint).

use crate::plan::percent_decode;

/// The schemas `url` puts its session in, in order: cutover's `?search_path=a,b` (names kept
/// exactly as written, as cutover quotes them), else a libpq `options` value's
/// `search_path=a,b` (unquoted names folded to lower case, `"Quoted"` ones kept, as
/// PostgreSQL reads them). `None` when the URL sets no search_path.
pub fn requested_schemas(url: &str) -> Option<Vec<String>> {
    if let Some(own) = own_schemas(url) {
        return Some(own);
    }
    let (_, query) = url.split_once('?')?;
    let options = query.split('&').find_map(|kv| {
        let (k, v) = kv.split_once('=')?;
        k.eq_ignore_ascii_case("options").then(|| percent_decode(v))
    })?;
    options_schemas(&options)
}

/// The schemas of cutover's own `?search_path=a,b` (`%2C` accepted for the comma), exactly
/// as written; `None` without that parameter.
pub fn own_schemas(url: &str) -> Option<Vec<String>> {
    crate::url::search_path_of(url).map(|own| split_own(&percent_decode(&own)))
}

/// The target schema of `url`: the first schema it lists (see [`requested_schemas`]).
pub fn target_schema(url: &str) -> Option<String> {
    requested_schemas(url).and_then(|list| list.into_iter().next())
}

/// The names of cutover's own `search_path=` value: split at commas, blanks trimmed.
fn split_own(value: &str) -> Vec<String> {
    value
        .split(',')
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect()
}

/// The schemas a libpq `options` value sets (`-csearch_path=x,y`, `-c search_path=x`,
/// `--search_path=x`), read the way PostgreSQL reads an identifier list.
fn options_schemas(options: &str) -> Option<Vec<String>> {
    let at = options.find("search_path=")?;
    let value = options[at + "search_path=".len()..]
        .split_whitespace()
        .next()
        .unwrap_or_default();
    let list: Vec<String> = value
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(
            |s| match s.strip_prefix('"').and_then(|s| s.strip_suffix('"')) {
                Some(quoted) => quoted.replace("\"\"", "\""),
                None => s.to_lowercase(),
            },
        )
        .collect();
    Some(list)
}

/// `url` without anything that sets a schema (`search_path=` and an `options=` that sets
/// search_path): the URL to reach the database itself, e.g. to create the target schema.
pub fn without_schema_settings(url: &str) -> String {
    crate::url::without_params(url, |k, v| {
        k.eq_ignore_ascii_case("search_path")
            || (k.eq_ignore_ascii_case("options") && percent_decode(v).contains("search_path="))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_listed_schema_is_the_target() {
        let u = "postgres://h/db?options=-csearch_path%3Dacme,public";
        assert_eq!(
            requested_schemas(u),
            Some(vec!["acme".to_string(), "public".to_string()])
        );
        assert_eq!(target_schema(u).as_deref(), Some("acme"));
        let u = "postgres://h/db?options=-c%20search_path%3D%22Tenant_5%22%2Cpublic";
        assert_eq!(target_schema(u).as_deref(), Some("Tenant_5"));
        let u = "postgres://h/db?options=-csearch_path%3DMixed";
        assert_eq!(target_schema(u).as_deref(), Some("mixed"));
        let u = "postgres://h/db?search_path=Tenant_5,public";
        assert_eq!(target_schema(u).as_deref(), Some("Tenant_5"));
        assert_eq!(
            target_schema("postgres://h/db?search_path=t1%2Cpublic").as_deref(),
            Some("t1")
        );
        assert_eq!(requested_schemas("postgres://h/db?connect_timeout=3"), None);
    }

    #[test]
    fn schema_settings_are_stripped() {
        assert_eq!(
            without_schema_settings(
                "postgres://h/db?options=-csearch_path%3Dacme,public&connect_timeout=3"
            ),
            "postgres://h/db?connect_timeout=3"
        );
        assert_eq!(
            without_schema_settings("postgres://h/db?search_path=a&options=-cwork_mem%3D64MB"),
            "postgres://h/db?options=-cwork_mem%3D64MB"
        );
    }
}
