//! Every committed corpus input and every regression input, replayed through its target's
//! check under plain `cargo test`: what the fuzzers once found stays fixed on stable.

use std::fs;
use std::path::Path;

use pop3_fuzz_checks::TARGETS;

fn replay(folder: &str) -> usize {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join(folder);
    let mut total = 0;
    for (target, check) in TARGETS {
        let Ok(entries) = fs::read_dir(root.join(target)) else {
            continue;
        };
        for entry in entries {
            let path = entry.expect("readable folder").path();
            let data = fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            let outcome = std::panic::catch_unwind(|| check(&data));
            assert!(
                outcome.is_ok(),
                "{target}: {} fails its check",
                path.display()
            );
            total += 1;
        }
    }
    total
}

#[test]
fn seed_corpora_pass() {
    let n = replay("corpus");
    // The seeds are committed for every target: an empty replay would prove nothing.
    assert!(n >= TARGETS.len(), "only {n} corpus inputs found");
}

#[test]
fn regressions_stay_fixed() {
    replay("regressions");
}
