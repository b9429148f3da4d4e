//! The example service: applies its embedded plan to `DATABASE_URL` (default
//! `sqlite://service.db`) at startup, registers a visitor, prints the user count and exits.

use std::process::ExitCode;

use cutover_example_service::{DEFAULT_URL, migrate, visit};

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let url = std::env::var("DATABASE_URL").unwrap_or_else(|_| DEFAULT_URL.to_string());
    match run(&url).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn run(url: &str) -> cutover_core::Result<()> {
    let (mut db, report) = migrate(url).await?;
    let applied: Vec<String> = report
        .migrations
        .iter()
        .filter(|m| m.outcome == "applied")
        .map(|m| m.version.to_string())
        .collect();
    println!(
        "applied {} migrations: [{}]",
        applied.len(),
        applied.join(", ")
    );
    let users = visit(db.as_mut()).await?;
    println!("users: {users}");
    db.close().await
}
