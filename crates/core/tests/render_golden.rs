//! scratch dump
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};

use cutover_core::Dialect;
use cutover_core::plan::Plan;
use cutover_core::render::{Direction, RenderOptions, render_plan};

static COUNTER: AtomicUsize = AtomicUsize::new(0);

fn temp_plan(files: &[(&str, &str)]) -> PathBuf {
    let n = COUNTER.fetch_add(1, Ordering::SeqCst);
    let dir = std::env::temp_dir().join(format!("cutover-golden-{}-{n}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    for (name, text) in files {
        std::fs::write(dir.join(name), text).unwrap();
    }
    dir
}

#[test]
fn dump() {
    let cases: Vec<(&str, Vec<(&str, &str)>, Direction)> = include!("/tmp/cases.rs");
    for (name, files, dir) in cases {
        let d = temp_plan(&files);
        println!("##### {name}");
        match Plan::load(&d) {
            Err(e) => println!("LOAD ERROR: {e}"),
            Ok(plan) => {
                for dialect in Dialect::ALL {
                    let opts = RenderOptions { direction: dir, ..Default::default() };
                    match render_plan(&plan, dialect, &opts) {
                        Ok(ms) => {
                            for m in ms {
                                for s in m.statements {
                                    println!("[{dialect}] {} {:?}: {}", m.version, s.kind, s.sql);
                                }
                            }
                        }
                        Err(e) => println!("[{dialect}] ERR {e} || root={:?}", e.root()),
                    }
                }
            }
        }
        let _ = std::fs::remove_dir_all(&d);
    }
}
