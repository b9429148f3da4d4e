//! `cutover import`: a SQL folder written out as plan files, one per migration, that keep
//! the tool's version and name, hold one raw `sql` step per statement limited to the
//! dialect the SQL is written for, a `[[down]]` where the tool has one, and a description
//! that names the source file and its checksum.

use std::path::{Path, PathBuf};

use super::checksum::SourceChecksum;
use super::toml_text::{comment, string};
use super::{SqlDir, SqlFile, SqlMigration};
use crate::dialect::Dialect;
use crate::error::{Error, Result};
use crate::plan::Version;

/// One plan file of an import.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanFile {
    /// `<version>_<name>.toml`.
    pub file_name: String,
    /// The tool's version, as written in its file name.
    pub version: Version,
    /// The tool's name of the migration.
    pub name: String,
    /// The up file it was made from.
    pub source: PathBuf,
    /// The down file, when the tool has one (for dbmate the same file as `source`).
    pub down_source: Option<PathBuf>,
    /// The checksum of the up file (see [`SourceChecksum`]).
    pub checksum: SourceChecksum,
    /// Up steps written (one per statement).
    pub steps: usize,
    /// Down steps written; `None` when the tool has no down for it.
    pub down_steps: Option<usize>,
    /// The file's text.
    pub text: String,
}

/// A migration of the folder that was not imported, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    /// Its file.
    pub source: PathBuf,
    /// Why, and what to do instead.
    pub reason: String,
}

/// A SQL folder converted to plan files (not written yet).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Import {
    /// The plan files, in version order.
    pub files: Vec<PlanFile>,
    /// Migrations left out.
    pub skipped: Vec<Skipped>,
}

impl SqlDir {
    /// The folder as plan files for `dialect` (the dialect it was read for). Flyway's
    /// repeatable `R__` migrations are left out: cutover has no migrations that run again
    /// whenever their file changes.
    pub fn to_plan_files(&self, dialect: Dialect) -> Result<Import> {
        let mut out = Import {
            files: Vec::new(),
            skipped: self.left_out.clone(),
        };
        for m in &self.migrations {
            if m.version.text.starts_with("R__") {
                out.skipped.push(Skipped {
                    source: m.up.path.clone(),
                    reason: "a Flyway repeatable migration (run again whenever it changes) has no cutover equivalent; write its SQL into a new migration when you change it".into(),
                });
                continue;
            }
            out.files.push(self.plan_file(m, dialect)?);
        }
        Ok(out)
    }

    fn plan_file(&self, m: &SqlMigration, dialect: Dialect) -> Result<PlanFile> {
        let bytes = std::fs::read(&m.up.path).map_err(|source| Error::Io {
            path: m.up.path.clone(),
            source,
        })?;
        let checksum = SourceChecksum::of(self.layout, &bytes);
        let rel = |p: &Path| p.strip_prefix(&self.dir).unwrap_or(p).display().to_string();
        let source = rel(&m.up.path);
        let own = if checksum.tools_own {
            format!("{} checksum", self.layout)
        } else {
            "checksum".into()
        };
        let description = format!(
            "{}, imported from {} file {source} ({own} {}:{})",
            m.name, self.layout, checksum.algorithm, checksum.value
        );
        let mut text = comment(&format!(
            "Imported by `cutover import --from {}` from {source}{}; the description names the source file and its checksum.",
            self.layout,
            match &m.down {
                Some(d) if d.path != m.up.path => format!(" (down: {})", rel(&d.path)),
                Some(_) => " (with its down section)".into(),
                None => String::new(),
            }
        ));
        text.push_str(&format!("description = {}\n", string(&description)));
        if !m.transaction {
            text.push_str("# The tool ran it outside a transaction.\ntransaction = false\n");
        }
        // A top-level key must come before the first `[[steps]]` table.
        if m.down.as_ref().is_some_and(|d| d.statements.is_empty()) {
            text.push_str("# The tool's down is empty: reverting runs nothing.\ndown = []\n");
        }
        let steps = m.up.statements.len();
        if steps == 0 {
            text.push_str("\n# The source file has no statement; this step keeps the version.\n");
            text.push_str(&step("steps", "SELECT 1", dialect));
        }
        text.push_str(&steps_text(&m.up, "steps", dialect));
        let down_steps = m.down.as_ref().map(|d| d.statements.len());
        if let Some(d) = &m.down {
            text.push_str(&steps_text(d, "down", dialect));
        }
        Ok(PlanFile {
            file_name: format!("{}_{}.toml", m.version.text, m.name),
            version: m.version.clone(),
            name: m.name.clone(),
            source: m.up.path.clone(),
            down_source: m.down.as_ref().map(|d| d.path.clone()),
            checksum,
            steps,
            down_steps,
            text,
        })
    }
}

fn steps_text(file: &SqlFile, table: &str, dialect: Dialect) -> String {
    file.statements
        .iter()
        .map(|s| step(table, &s.sql, dialect))
        .collect()
}

fn step(table: &str, sql: &str, dialect: Dialect) -> String {
    format!(
        "\n[[{table}]]\nop = \"sql\"\ndialects = [\"{dialect}\"]\nsql = {}\n",
        string(sql)
    )
}

/// Writes `files` into `plan_dir` (created when missing) and returns their paths. Nothing
/// is written when any of them exists already, or when the plan has another migration
/// with one of their versions: the error lists every such file.
pub fn write_plan_files(plan_dir: &Path, files: &[PlanFile]) -> Result<Vec<PathBuf>> {
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| Error::Io { path, source }
    };
    let existing = existing_versions(plan_dir)?;
    let mut clashes = Vec::new();
    for f in files {
        let path = plan_dir.join(&f.file_name);
        if path.exists() {
            clashes.push(format!("{} exists", path.display()));
        } else if let Some((_, other)) = existing.iter().find(|(n, _)| *n == f.version.number) {
            clashes.push(format!(
                "{} has version {} already",
                other.display(),
                f.version
            ));
        }
    }
    if !clashes.is_empty() {
        return Err(Error::plan(
            plan_dir,
            None,
            format!(
                "import refused, nothing written: {}; import into an empty plan directory (--plan DIR) or move those files away",
                clashes.join(", ")
            ),
        ));
    }
    std::fs::create_dir_all(plan_dir).map_err(io(plan_dir))?;
    let mut written = Vec::new();
    for f in files {
        let path = plan_dir.join(&f.file_name);
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
            .map_err(io(&path))?;
        std::io::Write::write_all(&mut file, f.text.as_bytes()).map_err(io(&path))?;
        written.push(path);
    }
    Ok(written)
}

/// The versions of the plan files already in `dir` (none when it does not exist).
fn existing_versions(dir: &Path) -> Result<Vec<(u64, PathBuf)>> {
    if !dir.exists() {
        return Ok(Vec::new());
    }
    let entries = std::fs::read_dir(dir).map_err(|source| Error::Io {
        path: dir.to_path_buf(),
        source,
    })?;
    Ok(entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .filter_map(|p| {
            let stem = p.file_stem()?.to_str()?;
            let v = Version::parse(stem.split_once('_')?.0)?;
            Some((v.number, p))
        })
        .collect())
}
