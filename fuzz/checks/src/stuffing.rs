//! Server-side stuffing then client-side unstuffing gives the body back (normalised),
//! under arbitrary chunking on both sides.

use arbitrary::{Arbitrary, Unstructured};
use pop3_proto::codec::{Frame, Framer, Mode, Strictness, Stuffer};

use crate::reference::{normalize, split};

#[derive(Debug, Arbitrary)]
struct Input<'a> {
    in_chunk: u8,
    out_room: u8,
    cuts: u64,
    body: &'a [u8],
}

pub fn check(data: &[u8]) {
    let Ok(input) = Input::arbitrary_take_rest(Unstructured::new(data)) else {
        return;
    };
    let mut stuffer = Stuffer::new();
    let mut wire = Vec::new();
    let mut out = vec![0u8; 2 + usize::from(input.out_room)];
    for chunk in input.body.chunks(1 + usize::from(input.in_chunk)) {
        let mut rest = chunk;
        while !rest.is_empty() {
            let r = stuffer.encode(rest, &mut out);
            assert!(r.consumed > 0, "a 2-octet output always takes something");
            wire.extend_from_slice(&out[..r.written]);
            rest = &rest[r.consumed..];
        }
    }
    let mut tail = [0u8; 5];
    let n = stuffer.finish(&mut tail).expect("5 octets hold any end");
    wire.extend_from_slice(&tail[..n]);

    // Lenient reading must give the same: it never ends a body where a strict reader
    // would not.
    for strictness in [Strictness::Strict, Strictness::Lenient] {
        let mut framer = Framer::for_responses(strictness);
        framer.set_mode(Mode::Body);
        let mut got = Vec::new();
        let mut ended = false;
        let mut pending = Vec::new();
        for read in split(&wire, input.cuts) {
            pending.extend_from_slice(read);
            loop {
                let d = framer.decode(&pending);
                match d.frame {
                    Some(Frame::Chunk(c)) => got.extend_from_slice(c),
                    Some(Frame::End) => ended = true,
                    Some(other) => panic!("unexpected {other:?}"),
                    None => {}
                }
                let more = d.frame.is_some();
                pending.drain(..d.consumed);
                if !more || ended {
                    break;
                }
            }
        }
        assert!(ended);
        assert!(
            pending.is_empty(),
            "the terminator is the last thing on the wire"
        );
        assert_eq!(got, normalize(input.body));
    }
}
