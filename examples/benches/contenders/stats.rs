//! Rounds of interleaved contenders: every contender runs once per round, in the same
//! order, so that a slow moment of the machine falls on all of them; reported as medians
//! with ranges, and as per-round ratios to a baseline measured in the same round.

use std::time::{Duration, Instant};

/// One contender: a name and what it runs (returning the octets it moved, for a check).
pub(crate) struct Contender<'a> {
    pub(crate) name: &'a str,
    pub(crate) run: Box<dyn FnMut() -> u64 + 'a>,
}

impl<'a> Contender<'a> {
    pub(crate) fn new(name: &'a str, run: impl FnMut() -> u64 + 'a) -> Self {
        Contender {
            name,
            run: Box::new(run),
        }
    }
}

/// The median, the lowest and the highest of `v` (not empty).
pub(crate) fn median(mut v: Vec<f64>) -> (f64, f64, f64) {
    v.sort_by(f64::total_cmp);
    let mid = if v.len() % 2 == 1 {
        v[v.len() / 2]
    } else {
        (v[v.len() / 2 - 1] + v[v.len() / 2]) / 2.0
    };
    (mid, v[0], v[v.len() - 1])
}

/// Runs `rounds` rounds of `contenders` (plus one warm-up round, not counted) and prints a
/// table: time per run, and the ratio `baseline time / contender time` per round (above 1:
/// faster than the baseline). `octets` is what each run must move, for the MiB/s column.
pub(crate) fn compare(
    title: &str,
    rounds: usize,
    octets: u64,
    baseline: &str,
    contenders: &mut [Contender<'_>],
) {
    let mut times: Vec<Vec<Duration>> = vec![Vec::new(); contenders.len()];
    for round in 0..=rounds {
        for (i, c) in contenders.iter_mut().enumerate() {
            let start = Instant::now();
            let moved = (c.run)();
            let took = start.elapsed();
            assert!(
                moved >= octets,
                "{title}: {} moved {moved} octets of {octets}",
                c.name
            );
            if round > 0 {
                times[i].push(took);
            }
        }
    }
    let base = contenders
        .iter()
        .position(|c| c.name == baseline)
        .expect("the baseline is a contender");
    println!("\n{title} ({rounds} rounds, interleaved; median [min - max])");
    println!(
        "  {:<34} {:>22} {:>12} {:>24}",
        "contender",
        "ms",
        "MiB/s",
        format!("x {baseline}")
    );
    let mib = octets as f64 / (1024.0 * 1024.0);
    for (i, c) in contenders.iter().enumerate() {
        let ms: Vec<f64> = times[i].iter().map(|t| t.as_secs_f64() * 1e3).collect();
        let ratios: Vec<f64> = times[base]
            .iter()
            .zip(&times[i])
            .map(|(b, t)| b.as_secs_f64() / t.as_secs_f64())
            .collect();
        let (m, lo, hi) = median(ms);
        let (r, rlo, rhi) = median(ratios);
        println!(
            "  {:<34} {:>8.1} [{:>6.1} - {:>6.1}] {:>12.1} {:>6.2} [{:.2} - {:.2}]",
            c.name,
            m,
            lo,
            hi,
            mib / (m / 1e3),
            r,
            rlo,
            rhi
        );
    }
}
