//! Helpers shared by the integration tests: driving a framer over split input through a
//! bounded buffer, and the naive reference codings that the streaming ones must match.
#![allow(dead_code, unreachable_pub)]

use pop3_proto::codec::{Frame, FrameError, Framer, Mode, Status, StatusLine, Strictness};

/// A frame with its data copied out; consecutive body chunks are merged, since how a body
/// is chunked depends on how the input was split.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Owned {
    Line(Vec<u8>),
    Body(Vec<u8>),
    End,
    Error(FrameError),
}

/// Feeds `reads` to `framer` through a buffer of `capacity` octets, the way a driver with a
/// fixed buffer does: copy what fits, decode until no frame, drop what was consumed.
/// After each line in [`Mode::Line`], `next_mode` picks the mode for what follows it.
pub fn drive(
    framer: &mut Framer,
    reads: &[&[u8]],
    capacity: usize,
    mut next_mode: impl FnMut(&[u8]) -> Mode,
) -> Vec<Owned> {
    let mut frames = Vec::new();
    let mut buf = vec![0u8; capacity];
    let mut filled = 0;
    for read in reads {
        let mut pending: &[u8] = read;
        loop {
            let n = pending.len().min(capacity - filled);
            buf[filled..filled + n].copy_from_slice(&pending[..n]);
            filled += n;
            pending = &pending[n..];
            loop {
                let mode = framer.mode();
                let decoded = framer.decode(&buf[..filled]);
                let consumed = decoded.consumed;
                let Some(frame) = decoded.frame else {
                    buf.copy_within(consumed..filled, 0);
                    filled -= consumed;
                    break;
                };
                match frame {
                    Frame::Line(line) => {
                        frames.push(Owned::Line(line.to_vec()));
                        if mode == Mode::Line {
                            let m = next_mode(line);
                            framer.set_mode(m);
                        }
                    }
                    Frame::Chunk(c) => match frames.last_mut() {
                        Some(Owned::Body(b)) => b.extend_from_slice(c),
                        _ => frames.push(Owned::Body(c.to_vec())),
                    },
                    Frame::End => frames.push(Owned::End),
                    Frame::Error(e) => frames.push(Owned::Error(e)),
                }
                buf.copy_within(consumed..filled, 0);
                filled -= consumed;
            }
            if pending.is_empty() {
                break;
            }
            assert!(filled < capacity, "framer stalled with a full buffer");
        }
    }
    frames
}

/// A `next_mode` for a client that sent `modes` in order: each `+OK` status line switches
/// to the next mode of the list, each `-ERR` consumes it and stays in line mode.
pub fn replies(modes: &[Mode]) -> impl FnMut(&[u8]) -> Mode + '_ {
    let mut next = modes.iter();
    move |line| {
        let mode = next.next().copied().unwrap_or(Mode::Line);
        match StatusLine::parse(line, Strictness::Lenient) {
            Ok(s) if s.status == Status::Ok => mode,
            _ => Mode::Line,
        }
    }
}

/// Splits `data` at every cut in `cuts` (sorted, in range).
pub fn split_at<'a>(data: &'a [u8], cuts: &[usize]) -> Vec<&'a [u8]> {
    let mut parts = Vec::new();
    let mut from = 0;
    for &c in cuts {
        parts.push(&data[from..c]);
        from = c;
    }
    parts.push(&data[from..]);
    parts
}

/// The body as a server must serve it (RFC 1939 section 3, RFC 5322 line ends): bare LF
/// becomes CRLF, and a body that does not end with a line end gets one.
pub fn normalize(body: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut prev = 0u8;
    for &b in body {
        if b == b'\n' && prev != b'\r' {
            out.push(b'\r');
        }
        out.push(b);
        prev = b;
    }
    if !out.is_empty() && !out.ends_with(b"\r\n") {
        if out.ends_with(b"\r") {
            out.push(b'\n');
        } else {
            out.extend_from_slice(b"\r\n");
        }
    }
    out
}

/// Reference stuffing, line by line over a normalised body: a dot before each line that
/// starts with one, then the terminator.
pub fn reference_stuff(body: &[u8]) -> Vec<u8> {
    let norm = normalize(body);
    let mut out = Vec::new();
    for line in norm.split_inclusive(|&b| b == b'\n') {
        if line.first() == Some(&b'.') {
            out.push(b'.');
        }
        out.extend_from_slice(line);
    }
    out.extend_from_slice(b".\r\n");
    out
}

/// Reference unstuffing of a whole wire body in strict mode: lines split on CRLF, the
/// first `.` line ends the body, a leading dot is dropped. Returns the body and the octets
/// after the terminator, or `None` when there is no terminator.
pub fn reference_unstuff(wire: &[u8]) -> Option<(Vec<u8>, Vec<u8>)> {
    let mut out = Vec::new();
    let mut rest = wire;
    loop {
        let end = rest.windows(2).position(|w| w == b"\r\n")?;
        let line = &rest[..end];
        let after = &rest[end + 2..];
        if line == b"." {
            return Some((out, after.to_vec()));
        }
        out.extend_from_slice(line.strip_prefix(b".").unwrap_or(line));
        out.extend_from_slice(b"\r\n");
        rest = after;
    }
}

pub mod client;
pub mod server;

/// RFC 7677 section 3: user "user", password "pencil", both sides' messages.
#[allow(dead_code)]
pub mod rfc7677 {
    pub const CLIENT_NONCE: &[u8] = b"rOprNGfwEbeRWgbNEkqO";
    pub const SERVER_NONCE: &[u8] = b"%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0";
    pub const CLIENT_FIRST: &[u8] = b"n,,n=user,r=rOprNGfwEbeRWgbNEkqO";
    pub const SERVER_FIRST: &[u8] =
        b"r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096";
    pub const CLIENT_FINAL: &[u8] = b"c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,\
p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=";
    pub const SERVER_FINAL: &[u8] = b"v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=";
}
