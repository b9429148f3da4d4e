//! Rendering row-level security, policies and grants (PostgreSQL only; every other dialect
//! gets [`Error::Unsupported`] with the `dialects = ["postgres"]` hint).

use crate::dialect::{Dialect, pg_qualified, pg_role_keyword};
use crate::error::{Error, Result};
use crate::plan::{
    CreatePolicy, DropPolicy, Grant, GrantOn, ObjectRef, Privilege, RestoreCaptured, Revoke,
    RowSecurity, Step,
};

/// The hint of every refusal.
pub(crate) const LIMIT_HINT: &str = "row-level security, policies and grants exist on PostgreSQL only: limit the step with dialects = [\"postgres\"] (or the whole plan, with dialects = [\"postgres\"] in cutover.toml)";

/// The statements of a security step (none for any other step).
pub(crate) fn render(step: &Step, dialect: Dialect) -> Result<Vec<String>> {
    match step {
        Step::EnableRls(r) => rls(r, dialect, true),
        Step::DisableRls(r) => rls(r, dialect, false),
        Step::CreatePolicy(p) => create_policy(p, dialect),
        Step::DropPolicy(p) => drop_policy(p, dialect),
        Step::Grant(g) => grant(g, dialect),
        Step::Revoke(r) => revoke(r, dialect),
        Step::RestoreCaptured(r) => restore(r, dialect),
        _ => Ok(Vec::new()),
    }
}

/// The hint when a plan loaded for PostgreSQL only meets another database.
const RUN_HINT: &str = "row-level security, policies and grants exist on PostgreSQL only: run this plan against PostgreSQL, or limit the step with dialects = [\"postgres\"] so that other databases skip it";

/// Refuses `op` where the dialect has no row-level security (the plan was loaded for other
/// dialects only, or the step was built in code).
pub(crate) fn supported(dialect: Dialect, op: &str, on: &str) -> Result<()> {
    if dialect.sql().supports_row_security() {
        Ok(())
    } else {
        Err(Error::unsupported(
            dialect,
            format!("{op} on {on}"),
            RUN_HINT,
        ))
    }
}

fn rls(r: &RowSecurity, dialect: Dialect, enable: bool) -> Result<Vec<String>> {
    let op = if enable { "enable_rls" } else { "disable_rls" };
    supported(dialect, op, &format!("table `{}`", r.table))?;
    let t = pg_qualified(&r.table);
    let mut out = Vec::new();
    if enable {
        out.push(format!("ALTER TABLE {t} ENABLE ROW LEVEL SECURITY"));
        if r.force {
            out.push(format!("ALTER TABLE {t} FORCE ROW LEVEL SECURITY"));
        }
    } else {
        if r.force {
            out.push(format!("ALTER TABLE {t} NO FORCE ROW LEVEL SECURITY"));
        }
        out.push(format!("ALTER TABLE {t} DISABLE ROW LEVEL SECURITY"));
    }
    Ok(out)
}

/// A role list: keywords as such, other names quoted (`PUBLIC` when empty).
pub(crate) fn roles(list: &[String], dialect: Dialect) -> String {
    if list.is_empty() {
        return "PUBLIC".into();
    }
    list.iter()
        .map(|r| match pg_role_keyword(r) {
            Some(k) => k.to_string(),
            None => dialect.quote(r),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn create_policy(p: &CreatePolicy, dialect: Dialect) -> Result<Vec<String>> {
    supported(dialect, "create_policy", &format!("table `{}`", p.table))?;
    let (name, table) = (dialect.quote(&p.name), pg_qualified(&p.table));
    let mut out = Vec::new();
    if p.replace {
        out.push(format!("DROP POLICY IF EXISTS {name} ON {table}"));
    }
    let mut sql = format!(
        "CREATE POLICY {name} ON {table} AS {} FOR {} TO {}",
        if p.permissive {
            "PERMISSIVE"
        } else {
            "RESTRICTIVE"
        },
        p.command.keyword(),
        roles(&p.roles, dialect)
    );
    if let Some(u) = &p.using {
        sql.push_str(&format!(" USING ({})", u.trim()));
    }
    if let Some(c) = &p.with_check {
        sql.push_str(&format!(" WITH CHECK ({})", c.trim()));
    }
    out.push(sql);
    Ok(out)
}

fn drop_policy(p: &DropPolicy, dialect: Dialect) -> Result<Vec<String>> {
    supported(dialect, "drop_policy", &format!("table `{}`", p.table))?;
    Ok(vec![format!(
        "DROP POLICY {}{} ON {}",
        if p.if_exists { "IF EXISTS " } else { "" },
        dialect.quote(&p.name),
        pg_qualified(&p.table)
    )])
}

/// `SELECT, UPDATE` or `ALL PRIVILEGES`.
fn privileges(list: &[Privilege]) -> String {
    if list.contains(&Privilege::All) {
        return "ALL PRIVILEGES".into();
    }
    list.iter()
        .map(|p| p.keyword())
        .collect::<Vec<_>>()
        .join(", ")
}

/// `TABLE "a", "b"`: the objects of a grant, quoted.
fn objects(on: GrantOn, list: &[String]) -> String {
    let names: Vec<String> = list
        .iter()
        .map(|o| match on {
            GrantOn::Function => function_signature(o),
            _ => pg_qualified(o),
        })
        .collect();
    format!("{} {}", on.keyword(), names.join(", "))
}

/// `auth.uid()` -> `"auth"."uid"()`: the name quoted, the argument types as written.
fn function_signature(sig: &str) -> String {
    match sig.split_once('(') {
        Some((name, args)) => format!("{}({args}", pg_qualified(name.trim())),
        None => format!("{}()", pg_qualified(sig.trim())),
    }
}

fn grant(g: &Grant, dialect: Dialect) -> Result<Vec<String>> {
    supported(dialect, "grant", &g.objects.join(", "))?;
    let check = super::pg_grant_checks::owner_check("grant", g.on, &g.objects);
    Ok(vec![
        check,
        format!(
            "GRANT {} ON {} TO {}{}",
            privileges(&g.privileges),
            objects(g.on, &g.objects),
            roles(&g.to, dialect),
            if g.with_grant_option {
                " WITH GRANT OPTION"
            } else {
                ""
            }
        ),
    ])
}

fn revoke(r: &Revoke, dialect: Dialect) -> Result<Vec<String>> {
    supported(dialect, "revoke", &r.objects.join(", "))?;
    let mut out = vec![super::pg_grant_checks::owner_check(
        "revoke", r.on, &r.objects,
    )];
    if !r.cascade {
        out.push(super::pg_grant_checks::dependents_check(
            r.on,
            &r.objects,
            &r.from,
            &r.privileges,
        ));
    }
    out.push(format!(
        "REVOKE {} ON {} FROM {}{}",
        privileges(&r.privileges),
        objects(r.on, &r.objects),
        roles(&r.from, dialect),
        if r.cascade { " CASCADE" } else { "" }
    ));
    out.push(super::pg_grant_checks::revoked_check(
        r.on,
        &r.objects,
        &r.from,
        &r.privileges,
    ));
    Ok(out)
}

/// The marker statement the runner replaces by the captured definition (a comment, so that
/// `cutover sql --down` shows what happens), after dropping what the up step created under
/// the same name.
fn restore(r: &RestoreCaptured, dialect: Dialect) -> Result<Vec<String>> {
    let mut out = Vec::new();
    if r.drop_current
        && let ObjectRef::Policy { table, name } = &r.object
    {
        out.push(format!(
            "DROP POLICY IF EXISTS {} ON {}",
            dialect.quote(name),
            pg_qualified(table)
        ));
    }
    out.push(restore_marker(&r.object, r.step));
    Ok(out)
}

/// The text of a restore marker.
pub(crate) fn restore_marker(object: &ObjectRef, step: usize) -> String {
    format!(
        "-- cutover: re-create the {} {} as captured before up step {step} ran (from the history's captured definitions)",
        object.kind(),
        object.name().replace('\n', " ")
    )
}
