//! Arguments of the adoption commands: `cutover import` and the tool of `baseline --from-history`.

use std::path::PathBuf;

use clap::Args;

/// The tool of `baseline --from-history TOOL`.
pub(crate) fn parse_tool(s: &str) -> Result<cutover_core::adopt::Tool, String> {
    s.parse()
}

/// `cutover import`.
#[derive(Debug, Args)]
pub struct ImportArgs {
    /// The folder of SQL migrations.
    #[arg(value_name = "DIR")]
    pub dir: PathBuf,
    /// The tool that wrote it: sqlx, refinery, flyway, dbmate, golang-migrate, prisma, or
    /// auto (detect it from the files).
    #[arg(long, value_name = "TOOL", default_value = "auto", value_parser = crate::cli::parse_layout)]
    pub from: crate::cli::LayoutArg,
    /// The database the SQL is written for (default: the provider of Prisma's
    /// migration_lock.toml, else the only dialect of cutover.toml, else the dialect its
    /// targets agree on).
    #[arg(long, value_name = "DIALECT")]
    pub dialect: Option<cutover_core::Dialect>,
}
