//! Row-level security, policies, grants, functions and triggers of a live schema, read for
//! `cutover baseline --generate` / `init --from-database` so that the baseline writes them as
//! typed steps (`enable_rls`, `create_policy`, `grant`, `create_function`,
//! `create_trigger`) that `drift` understands, instead of raw SQL. Empty on dialects
//! without them.

/// A table with row-level security on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LiveRowSecurity {
    /// The table (current schema).
    pub table: String,
    /// Whether it is also forced (`FORCE ROW LEVEL SECURITY`).
    pub forced: bool,
}

/// A policy as the catalog holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LivePolicy {
    /// The table it is on.
    pub table: String,
    /// Its name.
    pub name: String,
    /// `all`, `select`, `insert`, `update` or `delete`.
    pub command: String,
    /// Whether it is permissive (else restrictive).
    pub permissive: bool,
    /// The roles it applies to (`public` for every role).
    pub roles: Vec<String>,
    /// Its USING expression, as the database prints it.
    pub using: Option<String>,
    /// Its WITH CHECK expression, as the database prints it.
    pub with_check: Option<String>,
}

/// Rights one role holds directly on one object, granted by the object's owner.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LiveGrant {
    /// `table`, `sequence` or `function`.
    pub on: String,
    /// The object: a table or sequence name, or a function with its argument types
    /// (`add(integer, numeric)`).
    pub object: String,
    /// The grantee (`public` for every role).
    pub role: String,
    /// The privileges, lower case (`select`, `execute`, ...).
    pub privileges: Vec<String>,
    /// Whether they are held WITH GRANT OPTION.
    pub grant_option: bool,
}

/// A function a typed `create_function` step re-creates exactly.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LiveFunction {
    /// Its name (current schema: unqualified).
    pub name: String,
    /// Its arguments, `name type` each.
    pub args: Vec<String>,
    /// Its result type as PostgreSQL prints it.
    pub returns: String,
    /// Its language.
    pub language: String,
    /// Its body (`prosrc`).
    pub body: String,
    /// Whether it is SECURITY DEFINER.
    pub security_definer: bool,
    /// `volatile`, `stable` or `immutable`.
    pub volatility: String,
    /// The search_path it sets, if it sets one.
    pub search_path: Option<String>,
    /// The tables whose defaults, checks or indexes call it: it is created before the
    /// tables; with none, after them (its signature may use a table's row type).
    pub used_by: Vec<String>,
    /// Its owner, when it is not the role that read the schema.
    pub owner: Option<String>,
    /// The views and materialized views whose row types its signature uses: created after
    /// the tables, its step comes right after the last of them (else before every view).
    pub after_views: Vec<String>,
}

/// A trigger a typed `create_trigger` step re-creates exactly.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LiveTrigger {
    /// The table.
    pub table: String,
    /// Its name.
    pub name: String,
    /// `before`, `after` or `instead_of`.
    pub timing: String,
    /// `insert`, `update`, `delete`, `truncate`.
    pub events: Vec<String>,
    /// The UPDATE OF columns.
    pub update_of: Vec<String>,
    /// `row` or `statement`.
    pub for_each: String,
    /// Its WHEN condition, as the database prints it.
    pub when: Option<String>,
    /// The trigger function (unqualified in the current schema).
    pub function: String,
    /// `origin` (enabled, the default), `disabled`, `always` or `replica`.
    pub state: String,
}

/// What typed steps of a baseline express beyond tables (see the module docs).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct LiveSecurity {
    /// Tables with row-level security on.
    pub row_security: Vec<LiveRowSecurity>,
    /// Policies.
    pub policies: Vec<LivePolicy>,
    /// Grants to roles other than the objects' owners.
    pub grants: Vec<LiveGrant>,
    /// Functions whose EXECUTE for PUBLIC (PostgreSQL's default) was revoked, by signature
    /// (`name(types)`): written as a `revoke` after the grants.
    pub public_execute_revoked: Vec<String>,
    /// Functions written as typed steps (the others stay raw `objects`).
    pub functions: Vec<LiveFunction>,
    /// Triggers written as typed steps (the others stay raw `objects`).
    pub triggers: Vec<LiveTrigger>,
}
