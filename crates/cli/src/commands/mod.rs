//! One module per command; [`dispatch`] picks it.

mod sql;

use anyhow::Result;

use crate::cli::{Cli, Command};
use crate::exit::ExitCode;
use crate::project::Project;

/// Runs the parsed command line.
pub async fn dispatch(cli: Cli) -> Result<ExitCode> {
    let project = Project::resolve(&cli.global)?;
    let json = cli.global.json;
    match cli.command {
        Command::Sql(args) => sql::run(&project, &args, json),
        _ => anyhow::bail!("this command is not available yet"),
    }
}
