//! The framer on arbitrarily chunked input: no panic, memory bounded by the caller's
//! buffer, and what it yields equals the naive reference decoding.

use arbitrary::{Arbitrary, Unstructured};
use pop3_proto::codec::{Frame, Framer, Mode, Strictness};

use crate::reference::{split, unstuff};

#[derive(Debug, Arbitrary)]
struct Input<'a> {
    body: bool,
    capacity: u16,
    cuts: u64,
    stream: &'a [u8],
}

pub fn check(data: &[u8]) {
    let Ok(input) = Input::arbitrary_take_rest(Unstructured::new(data)) else {
        return;
    };
    let mode = if input.body { Mode::Body } else { Mode::Line };
    let capacity = 512 + usize::from(input.capacity % 2048);
    let mut framer = Framer::for_responses(Strictness::Strict);
    framer.set_mode(mode);
    let mut buf = vec![0u8; capacity];
    let mut filled = 0;
    let mut body = Vec::new();
    let mut lines: Vec<Vec<u8>> = Vec::new();
    let mut consumed_total = 0usize;
    let mut ended = false;
    for read in split(input.stream, input.cuts) {
        let mut pending = read;
        loop {
            let n = pending.len().min(capacity - filled);
            buf[filled..filled + n].copy_from_slice(&pending[..n]);
            filled += n;
            pending = &pending[n..];
            loop {
                if ended {
                    break;
                }
                let d = framer.decode(&buf[..filled]);
                let (consumed, more) = (d.consumed, d.frame.is_some());
                assert!(consumed <= filled);
                consumed_total += consumed;
                match d.frame {
                    Some(Frame::Chunk(c)) => body.extend_from_slice(c),
                    Some(Frame::Line(l)) => lines.push(l.to_vec()),
                    Some(Frame::End) => ended = true,
                    Some(Frame::Error(_)) => lines.push(b"<error>".to_vec()),
                    None => {}
                }
                buf.copy_within(consumed..filled, 0);
                filled -= consumed;
                if !more {
                    break;
                }
            }
            if pending.is_empty() || ended {
                break;
            }
            assert!(filled < capacity, "the framer stalled on a full buffer");
        }
        if ended {
            break;
        }
    }
    if input.body {
        match unstuff(input.stream) {
            Some((expected, used)) => {
                assert!(ended, "the reference found the terminator");
                assert_eq!(body, expected);
                assert_eq!(consumed_total, used, "nothing consumed past the terminator");
            }
            None => assert!(!ended, "a terminator the reference does not see"),
        }
    } else {
        // Lines: every complete CRLF line, or an error for one that is too long or
        // ends in bare LF.
        let mut expected = Vec::new();
        let mut rest = input.stream;
        while let Some(lf) = rest.iter().position(|&b| b == b'\n') {
            let line = &rest[..lf];
            expected.push(match line.strip_suffix(b"\r") {
                Some(l) if lf < 512 => l.to_vec(),
                _ => b"<error>".to_vec(),
            });
            rest = &rest[lf + 1..];
        }
        // An unterminated tail, overlong or not, is reported only once its line ends.
        assert_eq!(lines, expected);
    }
}
