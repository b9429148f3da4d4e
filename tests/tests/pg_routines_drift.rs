//! Red team rt4 F7 and F13 on real PostgreSQL: `drop_function "public.fmt"` drops the
//! function the plan created as `fmt` (no "missing" drift), and drift compares a function's
//! own search_path with the plan's.

#[path = "pg_security/support.rs"]
mod support;

use cutover_tests::plans::PlanDir;
use support::{drift, setup, teardown, up};

const FUNCTIONS: &str = r#"
description = "two functions"

[[steps]]
op = "create_function"
name = "fmt"
args = ["x integer"]
returns = "text"
language = "sql"
body = "SELECT x::text"
dialects = ["postgres"]

[[steps]]
op = "create_function"
name = "secret"
returns = "integer"
language = "sql"
body = "SELECT 1"
security_definer = true
set_search_path = "pg_catalog, pg_temp"
dialects = ["postgres"]
"#;

const DROP: &str = r#"
description = "fmt goes"

[[steps]]
op = "drop_function"
name = "public.fmt"
args = ["integer"]
dialects = ["postgres"]
"#;

#[tokio::test]
async fn a_qualified_drop_and_the_search_path_are_compared_by_drift() {
    let Some((db, mut b, role)) = setup().await else {
        return;
    };
    let dir = PlanDir::new();
    dir.write("0001_functions.toml", FUNCTIONS);
    dir.write("0002_drop.toml", DROP);
    let plan = dir.load();
    up(b.as_mut(), &plan, None).await.expect("up");
    assert_eq!(drift(b.as_mut(), &plan).await, Vec::<String>::new());

    b.execute("ALTER FUNCTION secret() SET search_path = public")
        .await
        .expect("alter");
    assert_eq!(
        drift(b.as_mut(), &plan).await,
        ["secret(): function secret(): search_path `pg_catalog, pg_temp` expected, `public` found"]
    );
    b.execute("ALTER FUNCTION secret() RESET search_path")
        .await
        .expect("reset");
    assert_eq!(
        drift(b.as_mut(), &plan).await,
        ["secret(): function secret(): search_path `pg_catalog, pg_temp` expected, unset found"]
    );
    teardown(db, b, &role).await;
}
