//! A firmware that uses the whole codec, with no global allocator: it only links if the core
//! needs no heap. Inputs pass through `black_box` so nothing is folded away at compile time.
#![no_std]
#![no_main]

use core::hint::black_box;

use cortex_m as _;
use panic_halt as _;
use pop3_proto::codec::{
    Capability, Command, Continuation, Frame, Framer, Greeting, Mode, SaslResponse, ScanListing,
    Stat, StatusLine, Strictness, Stuffer, UidListing,
};

#[cfg(feature = "apop")]
fn apop(greeting: &Greeting<'_>, out: &mut [u8]) -> usize {
    use pop3_proto::apop::ApopDigest;
    let Some(ts) = greeting.timestamp else {
        return 0;
    };
    let digest = ApopDigest::compute(ts, black_box(b"tanstaaf"));
    Command::Apop {
        name: b"mrose",
        digest: digest.as_secret(),
    }
    .encode(out)
    .unwrap_or(0)
}

#[cfg(not(feature = "apop"))]
fn apop(_: &Greeting<'_>, _: &mut [u8]) -> usize {
    0
}

fn client_side(input: &[u8], out: &mut [u8]) -> usize {
    let mut framer = Framer::for_responses(Strictness::Strict);
    let mut rest = input;
    let mut total = 0usize;
    let mut line_no = 0u32;
    loop {
        let d = framer.decode(rest);
        match d.frame {
            None => break,
            Some(Frame::Line(line)) if framer.mode() == Mode::Line => {
                line_no += 1;
                if line_no == 1 {
                    if let Ok(g) = Greeting::parse(line, Strictness::Strict) {
                        total += apop(&g, out);
                    }
                } else if let Ok(s) = StatusLine::parse(line, Strictness::Strict) {
                    total += Stat::parse(s.text).map_or(0, |s| s.count as usize);
                    total += ScanListing::parse(s.text).map_or(0, |s| s.size as usize);
                    total += UidListing::parse(s.text).map_or(0, |u| u.uid.len());
                    total += s.code.map_or(0, |c| c.kind() as usize);
                    framer.set_mode(black_box(Mode::Body));
                } else if let Ok(c) = Continuation::parse(line) {
                    total += c.data.len();
                }
            }
            Some(Frame::Line(line)) => {
                total += Capability::parse(line).map_or(0, |c| c.tag().len());
                total += ScanListing::parse(line).map_or(0, |s| s.msg as usize);
            }
            Some(Frame::Chunk(c)) => total += c.len(),
            Some(Frame::End) => total += 1,
            Some(Frame::Error(_)) => total += 2,
        }
        rest = rest.get(d.consumed..).unwrap_or_default();
    }
    total + Command::Retr(black_box(1)).encode(out).unwrap_or(0)
}

fn server_side(input: &[u8], out: &mut [u8]) -> usize {
    let mut total = 0;
    for line in input.split(|&b| b == b'\n') {
        total += match Command::parse(line) {
            Ok(cmd) => cmd.keyword().len(),
            Err(e) => e.offset,
        };
        total += SaslResponse::parse(line).map_or(0, |_| 1);
    }
    let mut stuffer = Stuffer::new();
    let r = stuffer.encode(input, out);
    total += r.written;
    total += stuffer.finish(out).unwrap_or(0);
    total += StatusLine::ok(b"done").encode(out).unwrap_or(0);
    total += Capability::Pipelining.encode(out).unwrap_or(0);
    total + Stat { count: 1, size: 2 }.encode(out).unwrap_or(0)
}

#[cortex_m_rt::entry]
fn main() -> ! {
    let mut out = [0u8; 512];
    loop {
        let replies: &[u8] = black_box(b"+OK ready <1.2@h>\r\n+OK 1 2\r\nbody\r\n.\r\n");
        let commands: &[u8] = black_box(b"USER a\nPASS b\nRETR 1\n");
        let n = client_side(replies, &mut out) + server_side(commands, &mut out);
        black_box(n);
    }
}
