//! Temporary plan directories for tests.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use cutover_core::plan::Plan;

static COUNTER: AtomicU64 = AtomicU64::new(0);

/// A plan directory under the system temp dir, removed on drop.
#[derive(Debug)]
pub struct PlanDir {
    dir: PathBuf,
}

impl PlanDir {
    /// An empty plan directory.
    pub fn new() -> PlanDir {
        let n = COUNTER.fetch_add(1, Ordering::SeqCst);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        let dir =
            std::env::temp_dir().join(format!("cutover_plan_{}_{n}_{nanos}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("create plan dir");
        PlanDir { dir }
    }

    /// A copy of the migrations of `examples/<name>`.
    pub fn example(name: &str) -> PlanDir {
        let plan = PlanDir::new();
        let src = repo_root().join("examples").join(name).join("migrations");
        for entry in std::fs::read_dir(&src).expect("example plan exists") {
            let path = entry.expect("dir entry").path();
            let file = path.file_name().expect("file name");
            std::fs::copy(&path, plan.dir.join(file)).expect("copy migration");
        }
        plan
    }

    /// Writes (or replaces) a migration file.
    pub fn write(&self, file: &str, text: &str) -> &PlanDir {
        std::fs::write(self.dir.join(file), text).expect("write migration");
        self
    }

    /// Removes a migration file.
    pub fn remove(&self, file: &str) {
        std::fs::remove_file(self.dir.join(file)).expect("remove migration");
    }

    /// The directory.
    pub fn path(&self) -> &Path {
        &self.dir
    }

    /// Loads the plan, panicking with the loader's message on error.
    pub fn load(&self) -> Plan {
        match Plan::load(&self.dir) {
            Ok(p) => p,
            Err(e) => panic!("plan does not load: {e}"),
        }
    }
}

impl Default for PlanDir {
    fn default() -> Self {
        PlanDir::new()
    }
}

impl Drop for PlanDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// The repository root.
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ has a parent")
        .to_path_buf()
}
