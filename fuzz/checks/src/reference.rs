//! Naive reference codings the streaming ones must agree with.

/// A body as a server must serve it: bare LF becomes CRLF, a final line end is added.
pub fn normalize(body: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(body.len() + 2);
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

/// Strict unstuffing of a whole wire body: lines split on CRLF, the first `.` line ends
/// it, a leading dot is dropped. Returns the body and the octets consumed, or `None` when
/// there is no terminator.
pub fn unstuff(wire: &[u8]) -> Option<(Vec<u8>, usize)> {
    let mut out = Vec::new();
    let mut at = 0;
    loop {
        let rest = wire.get(at..)?;
        let end = rest.windows(2).position(|w| w == b"\r\n")?;
        let line = &rest[..end];
        at += end + 2;
        if line == b"." {
            return Some((out, at));
        }
        out.extend_from_slice(line.strip_prefix(b".").unwrap_or(line));
        out.extend_from_slice(b"\r\n");
    }
}

/// Splits `data` into pieces of pseudo-random sizes drawn from `seed`: small pieces
/// mostly (every split point of a short line gets tried), now and then a long one.
pub fn split(data: &[u8], seed: u64) -> Vec<&[u8]> {
    let mut state = seed | 1;
    let mut parts = Vec::new();
    let mut rest = data;
    while !rest.is_empty() {
        // xorshift64: cheap, and the same seed always cuts the same way.
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        let size = if state & 0x300 == 0 {
            1 + state % 4096
        } else {
            1 + state % 16
        };
        let size = usize::try_from(size).unwrap_or(1).min(rest.len());
        parts.push(&rest[..size]);
        rest = &rest[size..];
    }
    parts
}
