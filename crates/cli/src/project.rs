//! Resolving the project: cutover.toml, the plan directory and the database URL.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use cutover_core::plan::{Config, LoadOptions, Plan};

use crate::cli::{ConnectOpts, GlobalOpts};

/// The resolved project configuration.
#[derive(Debug, Clone)]
pub struct Project {
    /// The configuration (defaults when there is no cutover.toml).
    pub config: Config,
    /// The plan directory to load.
    pub plan_dir: PathBuf,
}

impl Project {
    /// Finds the configuration from the global options.
    pub fn resolve(global: &GlobalOpts) -> Result<Project> {
        let config = match &global.config {
            Some(path) => Config::load(path)?,
            None => {
                let cwd = std::env::current_dir().context("cannot read the current directory")?;
                Config::discover(&cwd)?.unwrap_or_default()
            }
        };
        let plan_dir = global
            .plan
            .clone()
            .unwrap_or_else(|| config.plan_dir.clone());
        Ok(Project { config, plan_dir })
    }

    /// Loads the plan for the configured dialects.
    pub fn load_plan(&self) -> Result<Plan> {
        let options = LoadOptions {
            dialects: self.config.dialects.clone(),
        };
        Ok(Plan::load_with(Path::new(&self.plan_dir), &options)?)
    }

    /// The database URL from `--database` or `--target` (explicit flags, which clap keeps
    /// apart), else from the `DATABASE_URL` environment variable. The environment never
    /// overrides a flag: `DATABASE_URL=.. cutover up --target pg` uses the target (whose URL
    /// may itself read `${DATABASE_URL}`).
    pub fn database_url(&self, opts: &ConnectOpts) -> Result<String> {
        if let Some(name) = &opts.target {
            return Ok(self.config.target_url(name)?);
        }
        let from_env = std::env::var("DATABASE_URL")
            .ok()
            .filter(|u| !u.trim().is_empty());
        match opts.database.clone().or(from_env) {
            Some(url) => Ok(url),
            None => bail!(
                "no database given: pass --database URL, --target NAME (from cutover.toml), or set DATABASE_URL"
            ),
        }
    }

    /// Where backups go: `flag` when given, else `.cutover/backups` beside cutover.toml, else
    /// beside the plan directory.
    pub fn backup_dir(&self, flag: Option<&Path>) -> PathBuf {
        match (flag, &self.config.path) {
            (Some(dir), _) => dir.to_path_buf(),
            (None, Some(file)) => cutover_core::backup::beside(file),
            (None, None) => cutover_core::backup::beside(&self.plan_dir),
        }
    }

    /// The history table name.
    pub fn history_table(&self, opts: &ConnectOpts) -> String {
        opts.history_table
            .clone()
            .unwrap_or_else(|| self.config.history_table.clone())
    }
}
