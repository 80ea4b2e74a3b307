//! The codec against its physical floor: unstuffing a stuffed 64 MiB body through the
//! `Framer` in Body mode against `memchr::memmem` finding every `CRLF .` in the same octets,
//! and stuffing the body with `Stuffer` against `memcpy` of it; at 512-octet and 64 KiB
//! input chunks, both strictness modes, CRLF and bare-LF input. Contenders run interleaved,
//! round by round, after a warm-up round; each line gives the median and range of the rates and of the per-round
//! ratio to the floor measured in the same round.
//!
//! `cargo bench -p pop3-proto --bench codec` (ROUNDS=n to change the rounds, 7 by default).

use std::hint::black_box;
use std::time::Instant;

use pop3_proto::codec::{Frame, Framer, Mode, Strictness, Stuffer};

const SIZE: usize = 64 << 20;

/// Lines of 0 to 76 characters, 1.5 % of them starting with a dot: the body as stored (LF
/// or CRLF line ends) and as sent (CRLF, stuffed, terminated).
struct Bodies {
    crlf: Vec<u8>,
    lf: Vec<u8>,
    wire: Vec<u8>,
}

fn bodies() -> Bodies {
    let mut seed = 0x9e37_79b9_7f4a_7c15_u64;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let (mut crlf, mut lf, mut wire) = (Vec::new(), Vec::new(), Vec::new());
    while crlf.len() < SIZE {
        let len = (next() % 77) as usize;
        let dot = next() % 1000 < 15;
        let mut line: Vec<u8> = (0..len)
            .map(|_| b"abcdefghij klmnopqrstuvwxyz.,"[(next() % 29) as usize])
            .collect();
        if dot {
            line.insert(0, b'.');
        }
        if line.first() == Some(&b'.') {
            wire.push(b'.');
        }
        for v in [&mut crlf, &mut wire] {
            v.extend_from_slice(&line);
            v.extend_from_slice(b"\r\n");
        }
        lf.extend_from_slice(&line);
        lf.push(b'\n');
    }
    wire.extend_from_slice(b".\r\n");
    Bodies { crlf, lf, wire }
}

/// The octets of the body the framer hands out, `chunk` octets of input offered at a time.
fn unstuff(wire: &[u8], strictness: Strictness, chunk: usize) -> usize {
    let mut framer = Framer::new(512, strictness);
    framer.set_mode(Mode::Body);
    let (mut start, mut end, mut out) = (0, chunk.min(wire.len()), 0);
    loop {
        let d = framer.decode(&wire[start..end]);
        start += d.consumed;
        match d.frame {
            Some(Frame::Chunk(c)) => out += black_box(c).len(),
            Some(Frame::End) => return out,
            Some(other) => panic!("{other:?}"),
            None => end = (end.max(start) + chunk).min(wire.len()),
        }
    }
}

/// The octets the stuffer writes for `body`, `chunk` octets of input at a time.
fn stuff(body: &[u8], chunk: usize, out: &mut [u8]) -> usize {
    let mut stuffer = Stuffer::new();
    let mut written = 0;
    for piece in body.chunks(chunk) {
        let mut rest = piece;
        while !rest.is_empty() {
            let r = stuffer.encode(rest, out);
            written += black_box(&out[..r.written]).len();
            rest = &rest[r.consumed..];
        }
    }
    written
}

struct Contender<'a> {
    name: String,
    /// Index of the floor this contender is compared with.
    floor: Option<usize>,
    run: Box<dyn FnMut() -> usize + 'a>,
    seconds: Vec<f64>,
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn main() {
    let rounds: usize = std::env::var("ROUNDS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(7);
    let b = bodies();
    let finder = memchr::memmem::Finder::new(b"\r\n.");
    let mut copy = vec![0u8; b.wire.len()];
    let mut out = vec![0u8; 64 * 1024];
    let out = std::cell::RefCell::new(&mut out);
    let mut contenders: Vec<Contender<'_>> = Vec::new();
    fn add<'a>(
        list: &mut Vec<Contender<'a>>,
        name: &str,
        floor: Option<usize>,
        run: Box<dyn FnMut() -> usize + 'a>,
    ) {
        list.push(Contender {
            name: name.to_owned(),
            floor,
            run,
            seconds: Vec::new(),
        });
    }
    add(
        &mut contenders,
        "floor: memmem finds every CRLF .",
        None,
        Box::new(|| finder.find_iter(&b.wire).count()),
    );
    add(
        &mut contenders,
        "floor: memcpy",
        None,
        Box::new(|| {
            copy.copy_from_slice(&b.wire);
            black_box(&copy).len()
        }),
    );
    for (strictness, label) in [
        (Strictness::Strict, "strict"),
        (Strictness::Lenient, "lenient"),
    ] {
        for chunk in [64 * 1024, 512] {
            let wire = &b.wire;
            add(
                &mut contenders,
                &format!("unstuff, {label}, {chunk} B chunks"),
                Some(0),
                Box::new(move || unstuff(wire, strictness, chunk)),
            );
        }
    }
    for (body, label) in [(&b.crlf, "CRLF"), (&b.lf, "LF")] {
        for chunk in [64 * 1024, 512] {
            let out = &out;
            add(
                &mut contenders,
                &format!("stuff, {label} input, {chunk} B chunks"),
                Some(1),
                Box::new(move || stuff(body, chunk, &mut out.borrow_mut())),
            );
        }
    }
    // One round first, not counted: it touches every page of every buffer.
    for round in 0..=rounds {
        for c in contenders.iter_mut() {
            let t = Instant::now();
            black_box((c.run)());
            if round > 0 {
                c.seconds.push(t.elapsed().as_secs_f64());
            }
        }
    }
    let gbs = |s: f64| SIZE as f64 / s / 1e9;
    println!(
        "{rounds} rounds, {} MiB body; rates in GB/s of the body, median [min - max]",
        SIZE >> 20
    );
    let floors: Vec<Vec<f64>> = contenders.iter().map(|c| c.seconds.clone()).collect();
    for c in &contenders {
        let mut rates: Vec<f64> = c.seconds.iter().map(|&s| gbs(s)).collect();
        let (lo, hi) = (
            rates.iter().copied().fold(f64::MAX, f64::min),
            rates.iter().copied().fold(0.0, f64::max),
        );
        let rate = median(&mut rates);
        let ratio = c.floor.map(|f| {
            let mut r: Vec<f64> = floors[f]
                .iter()
                .zip(&c.seconds)
                .map(|(floor, s)| floor / s)
                .collect();
            let (lo, hi) = (
                r.iter().copied().fold(f64::MAX, f64::min),
                r.iter().copied().fold(0.0, f64::max),
            );
            format!("  x{:.2} [{lo:.2} - {hi:.2}] of the floor", median(&mut r))
        });
        println!(
            "{:<40} {rate:6.2} [{lo:.2} - {hi:.2}]{}",
            c.name,
            ratio.unwrap_or_default()
        );
    }
}
