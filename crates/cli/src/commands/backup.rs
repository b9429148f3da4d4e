//! `cutover backup [--output PATH]` and `cutover backup verify PATH`.

use std::path::Path;

use anyhow::Result;
use cutover_core::backup::{Manifest, default_path, take};

use super::open;
use crate::archive::verify_backup;
use crate::cli::{BackupArgs, BackupCommand};
use crate::exit::ExitCode;
use crate::project::Project;

/// Dispatches `backup` and `backup verify`.
pub(crate) async fn run(project: &Project, args: &BackupArgs, json: bool) -> Result<ExitCode> {
    match &args.command {
        Some(BackupCommand::Verify(v)) => verify(&v.path, json).await,
        None => backup(project, args, json).await,
    }
}

async fn backup(project: &Project, args: &BackupArgs, json: bool) -> Result<ExitCode> {
    let history = project.history_table(&args.connect);
    let mut backend = open(project, &args.connect).await?;
    let result = async {
        let path = match &args.output {
            Some(p) => p.clone(),
            None => {
                let dir = project.backup_dir(args.backup_dir.as_deref());
                default_path(backend.as_mut(), &dir, &history).await?
            }
        };
        let manifest = take(backend.as_mut(), &path, &history).await?;
        Ok::<_, cutover_core::Error>((path, manifest))
    }
    .await;
    let _ = backend.close().await;
    let (path, manifest) = result?;
    if json {
        let doc = serde_json::json!({
            "ok": true,
            "path": path,
            "manifest_path": Manifest::path_for(&path),
            "manifest": manifest,
        });
        crate::outln!("{}", serde_json::to_string_pretty(&doc)?);
    } else {
        print_manifest(&path, &manifest);
    }
    Ok(ExitCode::Success)
}

async fn verify(path: &Path, json: bool) -> Result<ExitCode> {
    let verified = verify_backup(path).await?;
    if json {
        let doc = serde_json::json!({ "ok": true, "path": path, "verified": verified });
        crate::outln!("{}", serde_json::to_string_pretty(&doc)?);
    } else {
        let m = &verified.manifest;
        crate::outln!(
            "backup {} is intact: {} bytes, sha256 {} as recorded; {}",
            path.display(),
            m.size_bytes,
            m.sha256,
            verified.reader
        );
    }
    Ok(ExitCode::Success)
}

/// The text summary of a backup.
pub(crate) fn print_manifest(path: &Path, m: &Manifest) {
    crate::outln!("backup written to {}", path.display());
    crate::outln!("  manifest  {}", Manifest::path_for(path).display());
    crate::outln!(
        "  database  {} ({} {}), by {}",
        m.database,
        m.dialect,
        m.server_version,
        m.tool
    );
    match &m.last_migration {
        Some(last) => crate::outln!("  at        migration {} ({})", last.version, last.name),
        None => crate::outln!("  at        no applied migration"),
    }
    crate::outln!("  size      {} bytes, sha256 {}", m.size_bytes, m.sha256);
    for t in &m.tables {
        crate::outln!("  table     {} ({} rows)", t.name, t.rows);
    }
    for v in &m.views {
        crate::outln!("  view      {v}");
    }
}
