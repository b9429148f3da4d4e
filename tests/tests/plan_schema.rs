//! The JSON Schema of migration files and cutover.toml (docs/schema/): the committed files
//! are what the code generates, every plan the project ships or tests with passes it, each
//! example file points at it with taplo's `#:schema` directive, and files the loader refuses
//! for their shape (unknown field, unknown op, wrong type) fail it too.

use std::path::{Path, PathBuf};

use cutover_core::plan::{Config, LoadOptions, Plan, SchemaFile};
use cutover_tests::corpus::{Corpus, Variant};
use cutover_tests::plans::{PlanDir, repo_root};
use serde_json::Value;

/// Both schemas, compiled.
struct Schemas {
    schemas: boon::Schemas,
    migration: boon::SchemaIndex,
    config: boon::SchemaIndex,
}

impl Schemas {
    /// Compiles the committed schema files (which `committed_schemas_are_generated` ties to
    /// the code), checking them against the draft-07 meta-schema on the way.
    fn load() -> Schemas {
        let mut schemas = boon::Schemas::new();
        let mut compiler = boon::Compiler::new();
        let mut compile = |file: SchemaFile| {
            let path = schema_path(file);
            let text = std::fs::read_to_string(&path).expect("schema file readable");
            let json: Value = serde_json::from_str(&text).expect("schema file is JSON");
            let url = format!("file:///cutover/{}", file.file_name());
            compiler.add_resource(&url, json).expect("add schema");
            compiler
                .compile(&url, &mut schemas)
                .unwrap_or_else(|e| panic!("{}: not a valid JSON Schema: {e:#}", path.display()))
        };
        let migration = compile(SchemaFile::Migration);
        let config = compile(SchemaFile::Config);
        Schemas {
            schemas,
            migration,
            config,
        }
    }

    /// Validates TOML text against one schema; `Err` is the validator's message.
    fn check(&self, file: SchemaFile, text: &str) -> Result<(), String> {
        let table: toml::Table = text.parse().map_err(|e| format!("invalid TOML: {e}"))?;
        let json = serde_json::to_value(&table).map_err(|e| e.to_string())?;
        let index = match file {
            SchemaFile::Migration => self.migration,
            SchemaFile::Config => self.config,
        };
        self.schemas
            .validate(&json, index)
            .map_err(|e| format!("{e:#}"))
    }
}

fn schema_path(file: SchemaFile) -> PathBuf {
    repo_root().join("docs/schema").join(file.file_name())
}

/// The `.toml` files of a directory, sorted.
fn toml_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.expect("dir entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    files.sort();
    files
}

/// The example projects (directories under examples/ with a cutover.toml).
fn example_projects() -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(repo_root().join("examples"))
        .expect("examples/ readable")
        .map(|e| e.expect("dir entry").path())
        .filter(|p| p.join("cutover.toml").is_file())
        .collect();
    dirs.sort();
    dirs
}

#[test]
fn committed_schemas_are_generated() {
    for file in [SchemaFile::Migration, SchemaFile::Config] {
        let path = schema_path(file);
        let committed = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            committed == file.to_json(),
            "{} is stale: regenerate it with `cutover schema plan-format {}> {}`",
            path.display(),
            if file == SchemaFile::Config {
                "config "
            } else {
                ""
            },
            path.display()
        );
    }
}

#[test]
fn every_example_file_names_its_schema_and_passes_it() {
    let schemas = Schemas::load();
    let projects = example_projects();
    assert!(projects.len() >= 3, "examples: {projects:?}");
    let mut checked = 0;
    for project in &projects {
        let config = project.join("cutover.toml");
        let loaded = Config::load(&config).unwrap_or_else(|e| panic!("{e}"));
        let mut files = vec![(SchemaFile::Config, config)];
        files.extend(
            toml_files(&loaded.plan_dir)
                .into_iter()
                .map(|f| (SchemaFile::Migration, f)),
        );
        // The plan loads with the directive in place: it is a comment to the loader.
        Plan::load(&loaded.plan_dir).unwrap_or_else(|e| panic!("{e}"));
        for (kind, path) in files {
            let text = std::fs::read_to_string(&path).expect("readable");
            let first = text.lines().next().unwrap_or_default();
            let target = first
                .strip_prefix("#:schema ")
                .unwrap_or_else(|| panic!("{}: first line is not `#:schema PATH`", path.display()));
            let resolved = path.parent().expect("parent").join(target.trim());
            assert_eq!(
                resolved.canonicalize().ok(),
                schema_path(kind).canonicalize().ok(),
                "{}: `#:schema {target}` does not name docs/schema/{}",
                path.display(),
                kind.file_name()
            );
            if let Err(e) = schemas.check(kind, &text) {
                panic!("{} fails the schema: {e}", path.display());
            }
            checked += 1;
        }
    }
    assert!(checked >= 15, "only {checked} example files checked");
}

#[test]
fn every_loadable_lint_corpus_plan_passes_the_schema() {
    let schemas = Schemas::load();
    let corpus = Corpus::load();
    let (mut plans, mut files) = (0, 0);
    for case in corpus.dangerous.iter().chain(&corpus.safe) {
        for variant in Variant::BOTH {
            let Some(materialised) = case.plan(&corpus, variant) else {
                continue;
            };
            if materialised.load().is_err() {
                continue;
            }
            plans += 1;
            for path in toml_files(materialised.dir.path()) {
                let text = std::fs::read_to_string(&path).expect("readable");
                if let Err(e) = schemas.check(SchemaFile::Migration, &text) {
                    panic!(
                        "lint corpus case {} ({}): {} loads but fails the schema: {e}\n{text}",
                        case.name,
                        variant.name(),
                        path.display()
                    );
                }
                files += 1;
            }
        }
    }
    assert!(plans >= 100, "only {plans} corpus plans load");
    assert!(files >= 200, "only {files} corpus files checked");
}

/// A migration with one valid step, to be broken one way at a time.
const VALID: &str = r#"
description = "x"
[[steps]]
op = "create_table"
table = "t"
columns = [{ name = "id", type = "bigint", primary_key = true }]
"#;

/// Accepted by the loader and so by the schema: the fields the loader takes off an item
/// (`dialects`, `allow`), aliases and the alternative spellings of values.
const ACCEPTED: &[(&str, &str)] = &[
    ("the base file", VALID),
    (
        "dialects and allow on a typed step, mariadb, integer requires",
        r#"
description = "x"
requires = [1]
phase = "expand"
allow = [{ rule = "pg/rename", reason = "r" }]
[[steps]]
op = "rename_table"
table = "a"
to = "b"
dialects = ["postgres", "mariadb"]
allow = [{ rule = "pg/rename" }]
[[down]]
op = "rename_table"
table = "b"
to = "a"
dialects = ["postgres"]
[[checks]]
name = "c"
table = "b"
expect = ">= 0"
dialects = ["sqlite"]
"#,
    ),
    (
        "dialects on the migration, allow on a down step",
        r#"
description = "x"
dialects = ["postgres", "sqlite"]
[[steps]]
op = "rename_table"
table = "a"
to = "b"
dialects = ["postgres"]
[[down]]
op = "rename_table"
table = "b"
to = "a"
allow = [{ rule = "pg/rename", reason = "r" }]
"#,
    ),
    (
        "a raw sql step with a per-dialect down",
        r#"
description = "x"
[[steps]]
op = "sql"
postgres = "SELECT 1"
dialects = ["postgres"]
down = { postgres = "SELECT 2" }
[[checks]]
name = "c"
sql = "SELECT 0"
expect = 0
"#,
    ),
];

/// Refused by the loader for their shape, and so by the schema.
const REFUSED: &[(&str, &str)] = &[
    (
        "an unknown top-level field",
        "descripton = \"x\"\n[[steps]]\nop = \"drop_table\"\ntable = \"t\"\n",
    ),
    (
        "no description",
        "[[steps]]\nop = \"drop_table\"\ntable = \"t\"\n",
    ),
    ("no steps", "description = \"x\"\n"),
    (
        "an unknown op",
        "description = \"x\"\n[[steps]]\nop = \"drop_tables\"\ntable = \"t\"\n",
    ),
    (
        "a step without op",
        "description = \"x\"\n[[steps]]\ntable = \"t\"\n",
    ),
    (
        "an unknown step field",
        "description = \"x\"\n[[steps]]\nop = \"drop_table\"\ntable = \"t\"\ncascades = true\n",
    ),
    (
        "a field of another op",
        "description = \"x\"\n[[steps]]\nop = \"drop_table\"\ntable = \"t\"\nto = \"u\"\n",
    ),
    (
        "a missing required step field",
        "description = \"x\"\n[[steps]]\nop = \"rename_table\"\ntable = \"t\"\n",
    ),
    (
        "a string for a list",
        "description = \"x\"\n[[steps]]\nop = \"create_table\"\ntable = \"t\"\ncolumns = \"id\"\n",
    ),
    (
        "a string for a bool",
        "description = \"x\"\ntransaction = \"no\"\n[[steps]]\nop = \"drop_table\"\ntable = \"t\"\n",
    ),
    (
        "an unknown phase",
        "description = \"x\"\nphase = \"cleanup\"\n[[steps]]\nop = \"drop_table\"\ntable = \"t\"\n",
    ),
    (
        "an unknown column field",
        "description = \"x\"\n[[steps]]\nop = \"add_column\"\ntable = \"t\"\ncolumn = { name = \"a\", type = \"text\", null = true }\n",
    ),
    (
        "an unknown dialect",
        "description = \"x\"\n[[steps]]\nop = \"drop_table\"\ntable = \"t\"\ndialects = [\"oracle\"]\n",
    ),
    (
        "a migration-level dialects that is not a list",
        "description = \"x\"\ndialects = \"postgres\"\n[[steps]]\nop = \"drop_table\"\ntable = \"t\"\n",
    ),
    (
        "an unknown field in a suppression",
        "description = \"x\"\nallow = [{ rule = \"pg/rename\", because = \"r\" }]\n[[steps]]\nop = \"drop_table\"\ntable = \"t\"\n",
    ),
    (
        "delete_rows without where",
        "description = \"x\"\n[[steps]]\nop = \"delete_rows\"\ntable = \"t\"\n",
    ),
    (
        "a boolean expect",
        "description = \"x\"\n[[steps]]\nop = \"drop_table\"\ntable = \"t\"\n[[checks]]\nname = \"c\"\ntable = \"t\"\nexpect = true\n",
    ),
    (
        "references without columns",
        "description = \"x\"\n[[steps]]\nop = \"add_foreign_key\"\ntable = \"t\"\ncolumns = [\"u\"]\nreferences = \"users\"\n",
    ),
];

/// Loads one migration file as the second of a plan (after [`VALID`], which it may require).
fn loader_accepts(text: &str) -> Result<(), String> {
    let dir = PlanDir::new();
    dir.write("0001_base.toml", VALID);
    dir.write("0002_x.toml", text);
    Plan::load_with(dir.path(), &LoadOptions::default())
        .map(|_| ())
        .map_err(|e| e.to_string())
}

#[test]
fn the_schema_accepts_what_the_loader_accepts_and_refuses_broken_files() {
    let schemas = Schemas::load();
    for (what, text) in ACCEPTED {
        loader_accepts(text).unwrap_or_else(|e| panic!("{what}: the loader refuses it: {e}"));
        if let Err(e) = schemas.check(SchemaFile::Migration, text) {
            panic!("{what}: the loader accepts it but the schema does not: {e}");
        }
    }
    for (what, text) in REFUSED {
        assert!(
            loader_accepts(text).is_err(),
            "{what}: the loader accepts it; pick a broken file"
        );
        assert!(
            schemas.check(SchemaFile::Migration, text).is_err(),
            "{what}: the loader refuses it but the schema accepts it:\n{text}"
        );
    }
}

#[test]
fn the_config_schema_refuses_what_the_loader_refuses() {
    let schemas = Schemas::load();
    let good = "plan = \"db\"\ndialects = [\"postgres\", \"mariadb\"]\nversions = \"timestamp\"\n[targets.dev]\nurl = \"sqlite://dev.db\"\n[test]\nfixtures = [\"seed.toml\"]\n";
    Config::parse(Path::new("cutover.toml"), good).unwrap_or_else(|e| panic!("{e}"));
    schemas
        .check(SchemaFile::Config, good)
        .unwrap_or_else(|e| panic!("valid cutover.toml fails the schema: {e}"));
    for (what, bad) in [
        ("a misspelt key", "plna = \"db\"\n"),
        (
            "a target without url",
            "[targets.dev]\nuri = \"sqlite://dev.db\"\n",
        ),
        ("an unknown version scheme", "versions = \"date\"\n"),
        ("a string for a list", "dialects = \"postgres\"\n"),
    ] {
        assert!(
            Config::parse(Path::new("cutover.toml"), bad).is_err(),
            "{what}: the loader accepts it"
        );
        assert!(
            schemas.check(SchemaFile::Config, bad).is_err(),
            "{what}: the loader refuses it but the schema accepts it"
        );
    }
}
