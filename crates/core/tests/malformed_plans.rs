//! scratch
use cutover_core::plan::{Config, Plan};
#[test]
fn dump() {
    let mut dirs: Vec<_> = std::fs::read_dir("/tmp/mal").unwrap().map(|e| e.unwrap().path()).collect();
    dirs.sort();
    for d in dirs {
        let cfg = d.join("cutover.toml");
        if cfg.exists() {
            println!("{}: CONFIG {:?}", d.display(), Config::load(&cfg).map(|_| ()).map_err(|e| e.to_string()));
        } else {
            println!("{}: {:?}", d.display(), Plan::load(&d).map(|_| ()).map_err(|e| e.to_string()));
        }
    }
}
#[derive(serde::Deserialize)]
struct Probe {
    #[serde(default)]
    steps: Vec<cutover_core::plan::Step>,
    #[serde(default)]
    checks: Vec<cutover_core::plan::Check>,
    #[serde(default)]
    down: Option<Vec<cutover_core::plan::Step>>,
}
#[test]
fn probe() {
    let mut dirs: Vec<_> = std::fs::read_dir("/tmp/mal").unwrap().map(|e| e.unwrap().path()).collect();
    dirs.sort();
    for d in dirs {
        for f in std::fs::read_dir(&d).unwrap() {
            let f = f.unwrap().path();
            let src = std::fs::read_to_string(&f).unwrap();
            match toml::from_str::<Probe>(&src) {
                Ok(p) => println!("{}: ok {} {} {}", f.display(), p.steps.len(), p.checks.len(), p.down.is_some()),
                Err(e) => println!("{}: line {:?} {}", f.display(), e.span().map(|s| src[..s.start].matches('\n').count()+1), e.message()),
            }
        }
    }
}
