//! Streaming dot-stuffing (server) and unstuffing (client) against naive line-by-line
//! references (RFC 1939 section 3), over every short body of a hazardous alphabet and over
//! generated long ones, under every chunking.

mod common;

use common::{Owned, drive, normalize, reference_stuff, reference_unstuff, split_at};
use pop3_proto::codec::{Framer, Mode, Strictness, Stuffer};
use proptest::prelude::*;

/// Every octet that matters to stuffing, and one that does not.
const ALPHABET: [u8; 4] = [b'.', b'\r', b'\n', b'a'];

fn all_words(max_len: usize) -> Vec<Vec<u8>> {
    let mut words = vec![Vec::new()];
    let mut last = vec![Vec::new()];
    for _ in 0..max_len {
        let next: Vec<Vec<u8>> = last
            .iter()
            .flat_map(|w: &Vec<u8>| {
                ALPHABET.iter().map(move |&c| {
                    let mut v = w.clone();
                    v.push(c);
                    v
                })
            })
            .collect();
        words.extend(next.iter().cloned());
        last = next;
    }
    words
}

/// Stuffs `body`, offering input `in_chunk` octets at a time and output room `out_room`.
fn stuff(body: &[u8], in_chunk: usize, out_room: usize) -> Vec<u8> {
    let mut s = Stuffer::new();
    let mut wire = Vec::new();
    let mut out = vec![0u8; out_room];
    for chunk in body.chunks(in_chunk.max(1)) {
        let mut rest = chunk;
        while !rest.is_empty() {
            let r = s.encode(rest, &mut out);
            assert!(
                r.consumed > 0 || out_room < 2,
                "no progress with room {out_room}"
            );
            wire.extend_from_slice(&out[..r.written]);
            rest = &rest[r.consumed..];
        }
    }
    let mut tail = [0u8; 5];
    let n = s.finish(&mut tail).expect("5 octets always hold the end");
    wire.extend_from_slice(&tail[..n]);
    wire
}

fn unstuff(wire: &[u8], cuts: &[usize]) -> Vec<Owned> {
    let mut framer = Framer::for_responses(Strictness::Strict);
    framer.set_mode(Mode::Body);
    drive(&mut framer, &split_at(wire, cuts), 64, |_| Mode::Line)
}

fn expected_frames(body: &[u8]) -> Vec<Owned> {
    let norm = normalize(body);
    if norm.is_empty() {
        vec![Owned::End]
    } else {
        vec![Owned::Body(norm), Owned::End]
    }
}

#[test]
fn stuffer_matches_the_reference_on_every_short_body() {
    for body in all_words(7) {
        let reference = reference_stuff(&body);
        for (in_chunk, out_room) in [(usize::MAX, 64), (1, 2), (2, 3), (3, 5), (5, 2)] {
            assert_eq!(
                stuff(&body, in_chunk, out_room),
                reference,
                "body {:?} input chunks {in_chunk} output room {out_room}",
                body.escape_ascii().to_string()
            );
        }
    }
}

/// The stuffer looks at 128 octets at a time (two 64-octet blocks) while the output has
/// room for what they may grow to, and an octet at a time near the end: every hazard at
/// every offset of two such steps, with input chunks and output room ending around them.
#[test]
fn stuffer_matches_the_reference_with_a_hazard_at_every_offset_of_a_block() {
    let hazards: [&[u8]; 8] = [
        b".",
        b"\n",
        b"\r\n",
        b"\r",
        b"\n.",
        b"\r\n.",
        b"\n\n..",
        b"\r\r\n\n.",
    ];
    for hazard in hazards {
        for at in 0..270 {
            let mut body = vec![b'a'; at];
            body.extend_from_slice(hazard);
            // Long enough that whole steps follow the hazard too.
            body.extend(std::iter::repeat_n(b'b', 300));
            body.extend_from_slice(b"\r\n");
            let reference = reference_stuff(&body);
            for (in_chunk, out_room) in [
                (usize::MAX, 4096),
                (usize::MAX, 390),
                (64, 420),
                (128, 600),
                (65, 131),
                (usize::MAX, 17),
                (7, 16),
            ] {
                for room in [out_room, out_room + 1, out_room + 2] {
                    assert_eq!(
                        stuff(&body, in_chunk, room),
                        reference,
                        "hazard {:?} at {at}, input chunks {in_chunk}, output room {room}",
                        hazard.escape_ascii().to_string()
                    );
                }
            }
        }
    }
}

#[test]
fn unstuffing_what_was_stuffed_gives_the_body_at_every_split() {
    for body in all_words(6) {
        let wire = reference_stuff(&body);
        for cut in 0..=wire.len() {
            assert_eq!(
                unstuff(&wire, &[cut]),
                expected_frames(&body),
                "body {:?} split at {cut}",
                body.escape_ascii().to_string()
            );
        }
    }
}

#[test]
fn strict_unstuffer_matches_the_reference_on_arbitrary_wire_bytes() {
    // Not only what a correct server sends: any octets, then a terminator.
    for junk in all_words(7) {
        let wire = [junk.as_slice(), b"\r\n.\r\n"].concat();
        let (body, after) = reference_unstuff(&wire).expect("there is a terminator");
        let mut expected = Vec::new();
        if !body.is_empty() {
            expected.push(Owned::Body(body));
        }
        expected.push(Owned::End);
        if !after.is_empty() {
            // The rest is read as lines; only compare what belongs to the body.
            let frames = unstuff(&wire, &[]);
            assert_eq!(&frames[..expected.len()], &expected[..], "wire {wire:?}");
            continue;
        }
        for cut in 0..=wire.len() {
            assert_eq!(
                unstuff(&wire, &[cut]),
                expected,
                "wire {wire:?} split at {cut}"
            );
        }
    }
}

#[test]
fn stuffer_counts_octets_as_served_without_stuffing() {
    let mut s = Stuffer::new();
    let mut out = [0u8; 64];
    let r = s.encode(b".a\nb\r\n", &mut out);
    assert_eq!(&out[..r.written], b"..a\r\nb\r\n");
    assert_eq!(
        s.octets(),
        7,
        "`.a` CRLF `b` CRLF: the stuffed dot is not counted"
    );
}

#[test]
fn measure_gives_the_size_a_client_receives_on_every_short_body() {
    // RFC 1939 section 11: a scan listing's size is the message as served (CRLF), which
    // is what the client reassembles from RETR; every body of up to 6 octets, every split.
    for body in all_words(6) {
        let served = normalize(&body);
        for cut in 0..=body.len() {
            let mut s = Stuffer::new();
            s.measure(&body[..cut]);
            s.measure(&body[cut..]);
            assert_eq!(
                s.served_octets(),
                served.len() as u64,
                "{body:?} cut at {cut}"
            );
        }
    }
    // Long bodies too (measured 64 octets at a time): every hazard at every offset.
    for hazard in [&b"\n"[..], b"\r\n", b"\r", b"\n.", b"\r\r\n\n."] {
        for at in 0..140 {
            let mut body = vec![b'a'; at];
            body.extend_from_slice(hazard);
            body.extend(std::iter::repeat_n(b'b', 150));
            body.extend_from_slice(b"x\ny\r\n");
            for cut in [0, 1, 63, 64, 65, at, at + 1, body.len()] {
                let cut = cut.min(body.len());
                let mut s = Stuffer::new();
                s.measure(&body[..cut]);
                s.measure(&body[cut..]);
                assert_eq!(
                    s.served_octets(),
                    normalize(&body).len() as u64,
                    "hazard {hazard:?} at {at}, cut at {cut}"
                );
            }
        }
    }
    let mut big = Stuffer::new();
    big.measure(&vec![b'x'; 100_000]);
    assert_eq!(
        big.served_octets(),
        100_002,
        "an unended line gets its CRLF"
    );
}

#[test]
fn stuffer_finish_reports_the_room_it_needs() {
    let mut s = Stuffer::new();
    let _ = s.encode(b"no newline", &mut [0u8; 32]);
    let err = s.finish(&mut [0u8; 4]).unwrap_err();
    assert_eq!(
        err,
        pop3_proto::codec::EncodeError::BufferTooSmall { needed: 5 }
    );
    let mut out = [0u8; 5];
    assert_eq!(s.finish(&mut out), Ok(5));
    assert_eq!(&out, b"\r\n.\r\n");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn long_bodies_survive_any_chunking_on_both_sides(
        body in proptest::collection::vec(
            prop_oneof![
                4 => Just(b'a'), 2 => Just(b'.'), 2 => Just(b'\n'), 1 => Just(b'\r'),
                1 => any::<u8>(),
            ],
            0..2000,
        ),
        in_chunk in 1usize..300,
        out_room in 2usize..300,
        cuts in proptest::collection::vec(any::<prop::sample::Index>(), 0..8),
    ) {
        let wire = stuff(&body, in_chunk, out_room);
        prop_assert_eq!(&wire, &reference_stuff(&body));
        let mut cuts: Vec<usize> = cuts.iter().map(|i| i.index(wire.len() + 1)).collect();
        cuts.sort_unstable();
        prop_assert_eq!(unstuff(&wire, &cuts), expected_frames(&body));
    }
}
