//! Writing a corpus case into a plan directory: its base presets as the first migrations, then
//! the case's own migrations in the chosen variant.

use cutover_core::Dialect;
use cutover_core::plan::{LoadOptions, Plan};

use super::{Case, Corpus, RawItem, Variant};
use crate::plans::PlanDir;

/// A case written out as a plan.
#[derive(Debug)]
pub struct Materialised {
    /// The plan directory (removed on drop).
    pub dir: PlanDir,
    /// Versions of the base migrations (`0001`, ...).
    pub base_versions: Vec<String>,
    /// Versions of the case's own migrations.
    pub case_versions: Vec<String>,
    /// The dialects the plan is loaded and linted for.
    pub dialects: Vec<Dialect>,
}

impl Materialised {
    /// Loads the plan for its dialects.
    pub fn load(&self) -> Result<Plan, String> {
        let options = LoadOptions {
            dialects: self.dialects.clone(),
        };
        Plan::load_with(self.dir.path(), &options).map_err(|e| e.to_string())
    }

    /// A plan directory with only the base migrations (for applying raw SQL by hand after it).
    pub fn base_only(&self) -> PlanDir {
        let dir = PlanDir::new();
        for entry in std::fs::read_dir(self.dir.path()).expect("plan dir readable") {
            let path = entry.expect("dir entry").path();
            let file = path
                .file_name()
                .and_then(|f| f.to_str())
                .expect("file name")
                .to_string();
            if self
                .base_versions
                .iter()
                .any(|v| file.starts_with(&format!("{v}_")))
            {
                std::fs::copy(&path, dir.path().join(&file)).expect("copy base migration");
            }
        }
        dir
    }
}

impl Case {
    /// Writes the case's `variant` as a plan; `None` when the case has no such variant.
    pub fn plan(&self, corpus: &Corpus, variant: Variant) -> Option<Materialised> {
        if !self.has(variant) {
            return None;
        }
        let dir = PlanDir::new();
        let mut n = 0;
        let mut version = || {
            n += 1;
            format!("{n:04}")
        };
        let mut base_versions = Vec::new();
        for name in &self.base {
            let preset = corpus
                .presets
                .get(name)
                .unwrap_or_else(|| panic!("case {}: no preset `{name}` in bases.toml", self.name));
            let v = version();
            dir.write(&format!("{v}_{name}.toml"), &preset.migration);
            base_versions.push(v);
        }
        let texts = match variant {
            Variant::Typed => self.typed_texts(),
            Variant::Raw => self.raw_texts(),
        };
        let slug = self.name.replace('-', "_");
        let mut case_versions = Vec::new();
        for (i, text) in texts.iter().enumerate() {
            let v = version();
            dir.write(&format!("{v}_{slug}_{}.toml", i + 1), text);
            case_versions.push(v);
        }
        Some(Materialised {
            dir,
            base_versions,
            case_versions,
            dialects: self.dialects(variant),
        })
    }

    /// The top of one of the case's migrations: its description, and `transaction` unless the
    /// migration sets it itself.
    fn header(&self, variant: Variant, i: usize, body: &str) -> String {
        let mut head = format!(
            "description = \"lint corpus: {} ({}, migration {})\"\n",
            self.name,
            variant.name(),
            i + 1
        );
        let sets_transaction = body
            .lines()
            .any(|l| l.trim_start().starts_with("transaction"));
        if !sets_transaction {
            head.push_str(&format!("transaction = {}\n", self.transaction));
        }
        head
    }

    fn typed_texts(&self) -> Vec<String> {
        let Some(typed) = &self.typed else {
            return Vec::new();
        };
        typed
            .items()
            .into_iter()
            .enumerate()
            .map(|(i, body)| format!("{}{body}", self.header(Variant::Typed, i, body)))
            .collect()
    }

    fn raw_texts(&self) -> Vec<String> {
        let Some(raw) = &self.raw else {
            return Vec::new();
        };
        raw.items()
            .into_iter()
            .enumerate()
            .map(|(i, item)| {
                let (sql, down, head) = match item {
                    RawItem::Sql(sql) => (sql.as_str(), None, None),
                    RawItem::Full { sql, down, head } => {
                        (sql.as_str(), down.as_deref(), head.as_deref())
                    }
                };
                let head = head.unwrap_or("");
                let mut text = format!("{}{head}\n\n", self.header(Variant::Raw, i, head));
                text.push_str(&format!("[[steps]]\nop = \"sql\"\nsql = '''\n{sql}\n'''\n"));
                if let Some(down) = down {
                    text.push_str(&format!("down = '''\n{down}\n'''\n"));
                }
                text
            })
            .collect()
    }
}
