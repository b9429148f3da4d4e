//! Shared by cutover-core's integration tests: a plan directory in the system temp dir.

#![allow(dead_code)]

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};

use cutover_core::plan::Plan;

/// A plan directory under the system temp dir (unique per process and call), removed when
/// dropped.
pub struct TempPlan {
    /// The directory.
    pub dir: PathBuf,
}

impl TempPlan {
    /// A directory holding `files` (name, text).
    pub fn new(files: &[(&str, &str)]) -> TempPlan {
        let plan = TempPlan::empty();
        for (name, text) in files {
            std::fs::write(plan.dir.join(name), text).expect("write plan file");
        }
        plan
    }

    /// A directory holding `files` given as bytes (for invalid UTF-8 and the like).
    pub fn with_bytes(files: &[(&str, &[u8])]) -> TempPlan {
        let plan = TempPlan::empty();
        for (name, bytes) in files {
            std::fs::write(plan.dir.join(name), bytes).expect("write plan file");
        }
        plan
    }

    fn empty() -> TempPlan {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let dir =
            std::env::temp_dir().join(format!("cutover-core-test-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("create temp plan dir");
        TempPlan { dir }
    }

    /// The plan, or a panic saying why it does not load.
    pub fn load(&self) -> Plan {
        Plan::load(&self.dir).unwrap_or_else(|e| panic!("plan does not load: {e}"))
    }
}

impl Drop for TempPlan {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
