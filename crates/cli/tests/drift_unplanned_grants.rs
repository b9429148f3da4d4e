//! Drift reports the privileges nobody planned (issue 16): in a plan that manages security, a
//! right granted by hand on one of its tables, their sequences or its functions (`GRANT ALL
//! ON payments TO intern`, `GRANT SELECT ON payments TO PUBLIC`, EXECUTE on its function, a
//! grant option the plan did not give) is "grant not in the plan", with what to do; the
//! plan's typed and raw grants and the live default privileges are not, and revoking the
//! rights as the lines say makes drift clean again. A database with such grants, adopted,
//! has no drift against its baseline. PostgreSQL only.

mod baseline_support;
mod common;

use baseline_support::{cleanup, create_roles, exec};
use common::{run, text};
use cutover_tests::plans::PlanDir;
use cutover_tests::{Backend as Kind, TestDb, backends};

/// `{reader}` gets a typed grant, `{writer}` a raw one.
const PLAN: &str = r#"
description = "payments, read by the reader, written by the writer"

[[steps]]
op = "create_table"
table = "payments"
columns = [
  { name = "id", type = "bigint", primary_key = true, identity = true },
  { name = "amount", type = "bigint", nullable = false },
]

[[steps]]
op = "create_function"
name = "payment_total"
args = ["p bigint"]
returns = "bigint"
body = "BEGIN RETURN p; END"
dialects = ["postgres"]

[[steps]]
op = "grant"
privileges = ["select"]
objects = ["payments"]
to = ["{reader}"]
dialects = ["postgres"]

[[steps]]
op = "sql"
postgres = "GRANT INSERT, UPDATE ON TABLE payments TO \"{writer}\"; GRANT EXECUTE ON FUNCTION payment_total TO \"{writer}\""
dialects = ["postgres"]

# `ext.ledger` is made outside the plan (as Supabase makes `auth.users`): the plan's grant on it
# is checked, its maker's grants are not the plan's to judge.
[[steps]]
op = "grant"
privileges = ["select"]
objects = ["ext.ledger"]
to = ["{reader}"]
dialects = ["postgres"]
"#;

#[tokio::test]
async fn grants_made_by_hand_on_the_plans_tables_are_drift() {
    // PostgreSQL only: skipped when CUTOVER_TEST_BACKENDS explicitly leaves it out
    // (a listed but unreachable server fails in `backends()`).
    if !backends().contains(&Kind::Postgres) {
        return;
    }
    let db = TestDb::create(Kind::Postgres).await;
    let roles: Vec<String> = ["reader", "writer", "auditor", "intern"]
        .iter()
        .map(|s| format!("{}_{s}", db.name()))
        .collect();
    let source = TestDb::create(Kind::Postgres).await;
    let outcome = match scenario(&db, &roles).await {
        Ok(()) => adopted(&source, &roles).await,
        Err(e) => Err(e),
    };
    cleanup(vec![db, source], &roles).await;
    if let Err(e) = outcome {
        panic!("{e}");
    }
}

async fn scenario(db: &TestDb, roles: &[String]) -> Result<(), String> {
    let [reader, writer, auditor, intern] = roles else {
        return Err("four roles".into());
    };
    create_roles(roles).await?;
    // The auditor reads every table created from now on: not drift.
    exec(
        db.url(),
        &format!(
            "CREATE SCHEMA ext;\n\
             CREATE TABLE ext.ledger (id bigint PRIMARY KEY);\n\
             ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT ON TABLES TO \"{auditor}\""
        ),
    )
    .await?;
    let plan = PlanDir::new();
    plan.write(
        "0001_payments.toml",
        &PLAN.replace("{reader}", reader).replace("{writer}", writer),
    );
    let dir = plan.path().to_str().ok_or("plan dir is not UTF-8")?;
    let up = run(plan.path(), &["up", "--database", db.url(), "--plan", dir]);
    if !up.status.success() {
        return Err(format!("up: {}", text(&up)));
    }
    let drift = run(
        plan.path(),
        &["drift", "--database", db.url(), "--plan", dir],
    );
    if drift.status.code() != Some(0) {
        return Err(format!(
            "drift right after up (typed, raw and default grants only): {}",
            text(&drift)
        ));
    }

    exec(
        db.url(),
        &format!(
            "GRANT ALL ON payments TO \"{intern}\";\n\
             GRANT SELECT ON payments TO PUBLIC;\n\
             GRANT USAGE ON SEQUENCE payments_id_seq TO \"{intern}\";\n\
             GRANT EXECUTE ON FUNCTION payment_total(bigint) TO \"{intern}\";\n\
             GRANT SELECT ON payments TO \"{reader}\" WITH GRANT OPTION;\n\
             GRANT ALL ON ext.ledger TO \"{intern}\""
        ),
    )
    .await?;
    let drift = run(
        plan.path(),
        &["drift", "--database", db.url(), "--plan", dir],
    );
    let out = text(&drift);
    if drift.status.code() != Some(8) {
        return Err(format!("drift after hand grants should exit 8: {out}"));
    }
    for want in [
        format!(
            "grant not in the plan: SELECT ON payments TO {intern} (granted by postgres); add a `grant` step for it, or revoke it by hand (`REVOKE SELECT ON TABLE payments FROM {intern}`, run as postgres)"
        ),
        format!("grant not in the plan: TRUNCATE ON payments TO {intern}"),
        "grant not in the plan: SELECT ON payments TO PUBLIC (granted by postgres)".to_string(),
        format!("grant not in the plan: USAGE ON SEQUENCE payments_id_seq TO {intern}"),
        format!("grant not in the plan: EXECUTE ON FUNCTION payment_total(bigint) TO {intern}"),
        format!(
            "grant option not in the plan: SELECT ON payments TO {reader} WITH GRANT OPTION (granted by postgres); the plan grants SELECT without it"
        ),
    ] {
        if !out.contains(&want) {
            return Err(format!("drift lacks {want:?}: {out}"));
        }
    }
    // Each hand right is one line: ALL is seven table privileges, plus PUBLIC's SELECT, the
    // sequence's USAGE, the function's EXECUTE and the reader's grant option; the typed, raw
    // and default grants and PUBLIC's built-in EXECUTE are not there.
    let lines = out.matches("not in the plan: ").count();
    if lines != 11 {
        return Err(format!("{lines} grant lines instead of 11: {out}"));
    }
    if out.contains("ledger") {
        return Err(format!(
            "a grant on a table the plan did not create reported: {out}"
        ));
    }
    for planned in [writer, auditor] {
        if out.contains(&format!("TO {planned} ")) {
            return Err(format!("{planned}'s planned right reported: {out}"));
        }
    }

    // Revoked as the lines say, drift is clean again.
    exec(
        db.url(),
        &format!(
            "REVOKE ALL ON TABLE payments FROM \"{intern}\";\n\
             REVOKE SELECT ON TABLE payments FROM PUBLIC;\n\
             REVOKE USAGE ON SEQUENCE payments_id_seq FROM \"{intern}\";\n\
             REVOKE EXECUTE ON FUNCTION payment_total(bigint) FROM \"{intern}\";\n\
             REVOKE GRANT OPTION FOR SELECT ON TABLE payments FROM \"{reader}\""
        ),
    )
    .await?;
    let drift = run(
        plan.path(),
        &["drift", "--database", db.url(), "--plan", dir],
    );
    if drift.status.code() != Some(0) {
        return Err(format!("drift after the revokes: {}", text(&drift)));
    }
    Ok(())
}

/// The same grants made by hand before adoption: the baseline writes them as steps, and
/// drift against it is clean.
async fn adopted(source: &TestDb, roles: &[String]) -> Result<(), String> {
    let [reader, writer, auditor, intern] = roles else {
        return Err("four roles".into());
    };
    exec(
        source.url(),
        &format!(
            "ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT ON TABLES TO \"{auditor}\";\n\
             CREATE TABLE payments (id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, amount bigint NOT NULL);\n\
             GRANT SELECT ON payments TO \"{reader}\" WITH GRANT OPTION;\n\
             GRANT INSERT, UPDATE ON payments TO \"{writer}\";\n\
             GRANT ALL ON payments TO \"{intern}\";\n\
             GRANT SELECT ON payments TO PUBLIC;\n\
             GRANT USAGE ON SEQUENCE payments_id_seq TO \"{intern}\""
        ),
    )
    .await?;
    let dir = PlanDir::new();
    let init = run(dir.path(), &["init", "--from-database", source.url()]);
    if !init.status.success() {
        return Err(format!("init: {}", text(&init)));
    }
    let drift = run(dir.path(), &["drift", "--database", source.url()]);
    if drift.status.code() != Some(0) {
        let toml = std::fs::read_to_string(dir.path().join("migrations/0001_baseline.toml"))
            .unwrap_or_default();
        return Err(format!(
            "drift against the baseline: {}\n{toml}",
            text(&drift)
        ));
    }
    Ok(())
}
