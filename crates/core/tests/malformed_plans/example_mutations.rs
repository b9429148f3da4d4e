//! Malformed plans: mutations of the example plan never panic.

use super::*;

/// SplitMix64: a small deterministic generator, so failures reproduce.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }
}

/// Applies one random edit: delete a line, duplicate a line, replace a character, truncate.
fn mutate(src: &str, rng: &mut Rng) -> String {
    const REPLACEMENTS: &[char] = &[
        '"', '\'', '[', ']', '{', '}', '=', ',', '.', '#', '\n', ' ', '0', '9', 'a', 'z', '(', ')',
        '\\', '-', '_', 'é',
    ];
    let lines: Vec<&str> = src.lines().collect();
    match rng.below(4) {
        0 if !lines.is_empty() => {
            let i = rng.below(lines.len());
            let mut out: Vec<&str> = lines.clone();
            out.remove(i);
            out.join("\n")
        }
        1 if !lines.is_empty() => {
            let i = rng.below(lines.len());
            let mut out: Vec<&str> = lines.clone();
            out.insert(i, lines[i]);
            out.join("\n")
        }
        2 => {
            let mut chars: Vec<char> = src.chars().collect();
            if !chars.is_empty() {
                let i = rng.below(chars.len());
                chars[i] = REPLACEMENTS[rng.below(REPLACEMENTS.len())];
            }
            chars.into_iter().collect()
        }
        _ => src
            .chars()
            .take(rng.below(src.chars().count() + 1))
            .collect(),
    }
}

fn example_files() -> Vec<(String, String)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/messages/migrations");
    let mut files: Vec<(String, String)> = std::fs::read_dir(&dir)
        .expect("example plan")
        .map(|e| e.expect("dir entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .map(|p| {
            let name = p.file_name().expect("name").to_string_lossy().into_owned();
            let text = std::fs::read_to_string(&p).expect("read example");
            (name, text)
        })
        .collect();
    files.sort();
    files
}

#[test]
fn mutated_example_plans_never_panic() {
    let originals = example_files();
    assert!(originals.len() >= 4, "example plan not found");
    let mut rng = Rng(0x00C0_FFEE);
    let (mut loaded, mut failed) = (0, 0);
    for round in 0..200 {
        let mut files = originals.clone();
        let target = rng.below(files.len());
        for _ in 0..=rng.below(3) {
            files[target].1 = mutate(&files[target].1, &mut rng);
        }
        let refs: Vec<(&str, &str)> = files
            .iter()
            .map(|(n, t)| (n.as_str(), t.as_str()))
            .collect();
        let tmp = TempPlan::new(&refs);
        let outcome = std::panic::catch_unwind(|| match Plan::load(&tmp.dir) {
            Ok(plan) => {
                for dialect in Dialect::ALL {
                    let _ = render_plan(&plan, dialect, &RenderOptions::default());
                }
                true
            }
            Err(e) => {
                // Every loader error names the file it is about.
                assert!(e.to_string().contains(&*tmp.dir.to_string_lossy()), "{e}");
                false
            }
        });
        match outcome {
            Ok(true) => loaded += 1,
            Ok(false) => failed += 1,
            Err(_) => panic!(
                "round {round}: loading or rendering panicked on this {}:\n{}",
                files[target].0, files[target].1
            ),
        }
    }
    // The mutations must exercise both paths.
    assert!(loaded > 0 && failed > 0, "loaded {loaded}, failed {failed}");
}

#[test]
fn mutated_config_files_never_panic() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/messages/cutover.toml");
    let original = std::fs::read_to_string(&path).expect("example cutover.toml");
    let mut rng = Rng(7);
    for _ in 0..200 {
        let src = mutate(&original, &mut rng);
        let result = std::panic::catch_unwind(|| Config::parse(&path, &src).map(|_| ()));
        assert!(result.is_ok(), "Config::parse panicked on:\n{src}");
    }
}
