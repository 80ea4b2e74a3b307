//! The incremental framer: split invariance, limits, leniency, and staying in step after a
//! faulty line (RFC 1939 section 3, RFC 2449 section 4).

mod common;

use common::{Owned, drive, replies, split_at};
use pop3_proto::codec::{
    COMMAND_LINE_LIMIT, Frame, FrameError, Framer, Mode, RESPONSE_LINE_LIMIT, Strictness,
};

const STRICT: Strictness = Strictness::Strict;

/// A reply stream with every framing hazard: a multi-line body with stuffed dots, a lone
/// dot inside the data, an empty line, a CAPA listing, and single lines around them.
const STREAM: &[u8] = b"+OK POP3 ready\r\n\
+OK 120 octets\r\n\
Subject: x\r\n\
\r\n\
..leading dot\r\n\
...\r\n\
.. \r\n\
\r\n\
tail\r\n\
.\r\n\
+OK capa\r\n\
TOP\r\n\
.X-DOTTED\r\n\
.\r\n\
-ERR [SYS/TEMP] later\r\n\
+OK done\r\n";

const STREAM_MODES: &[Mode] = &[
    Mode::Line,
    Mode::Body,
    Mode::Listing,
    Mode::Line,
    Mode::Line,
];

fn expected() -> Vec<Owned> {
    vec![
        Owned::Line(b"+OK POP3 ready".to_vec()),
        Owned::Line(b"+OK 120 octets".to_vec()),
        Owned::Body(b"Subject: x\r\n\r\n.leading dot\r\n..\r\n. \r\n\r\ntail\r\n".to_vec()),
        Owned::End,
        Owned::Line(b"+OK capa".to_vec()),
        Owned::Line(b"TOP".to_vec()),
        Owned::Line(b"X-DOTTED".to_vec()),
        Owned::End,
        Owned::Line(b"-ERR [SYS/TEMP] later".to_vec()),
        Owned::Line(b"+OK done".to_vec()),
    ]
}

fn run(reads: &[&[u8]], capacity: usize) -> Vec<Owned> {
    let mut framer = Framer::for_responses(STRICT);
    drive(&mut framer, reads, capacity, replies(STREAM_MODES))
}

#[test]
fn whole_stream_at_once() {
    assert_eq!(run(&[STREAM], 4096), expected());
}

#[test]
fn every_single_split_point_gives_the_same_frames() {
    for cut in 0..=STREAM.len() {
        assert_eq!(
            run(&split_at(STREAM, &[cut]), 4096),
            expected(),
            "split at {cut}"
        );
    }
}

#[test]
fn every_pair_of_split_points_gives_the_same_frames() {
    // Covers `\r` | `\n`, `\r\n` | `.`, `.` | `\r\n` and every three-way split of a
    // terminator, wherever they fall.
    for a in 0..=STREAM.len() {
        for b in a..=STREAM.len() {
            assert_eq!(
                run(&split_at(STREAM, &[a, b]), 4096),
                expected(),
                "splits {a} {b}"
            );
        }
    }
}

#[test]
fn one_byte_at_a_time_gives_the_same_frames() {
    let bytes: Vec<&[u8]> = STREAM.chunks(1).collect();
    assert_eq!(run(&bytes, 4096), expected());
}

#[test]
fn buffer_of_exactly_the_line_limit_is_enough() {
    let reads: Vec<&[u8]> = STREAM.chunks(7).collect();
    assert_eq!(run(&reads, RESPONSE_LINE_LIMIT), expected());
}

#[test]
fn body_line_of_ten_megabytes_passes_through_a_512_byte_buffer() {
    let line = vec![b'x'; 10 * 1024 * 1024];
    let mut stream = b"+OK big\r\n".to_vec();
    stream.extend_from_slice(&line);
    stream.extend_from_slice(b"\r\n.\r\n+OK next\r\n");
    let reads: Vec<&[u8]> = stream.chunks(1000).collect();
    let mut framer = Framer::for_responses(STRICT);
    let frames = drive(&mut framer, &reads, 512, replies(&[Mode::Body, Mode::Line]));
    let mut body = line.clone();
    body.extend_from_slice(b"\r\n");
    assert_eq!(
        frames,
        vec![
            Owned::Line(b"+OK big".to_vec()),
            Owned::Body(body),
            Owned::End,
            Owned::Line(b"+OK next".to_vec()),
        ]
    );
}

#[test]
fn body_chunks_borrow_from_the_input() {
    let input = b"Hello\r\n..world\r\n.\r\n";
    let mut framer = Framer::for_responses(STRICT);
    framer.set_mode(Mode::Body);
    let d = framer.decode(input);
    let Some(Frame::Chunk(chunk)) = d.frame else {
        panic!("{d:?}")
    };
    assert_eq!(chunk, b"Hello\r\n");
    assert_eq!(
        chunk.as_ptr(),
        input.as_ptr(),
        "the chunk is a view of the input"
    );
    let rest = &input[d.consumed..];
    let d = framer.decode(rest);
    let Some(Frame::Chunk(chunk)) = d.frame else {
        panic!("{d:?}")
    };
    assert_eq!(chunk, b".world\r\n");
    assert_eq!(
        chunk.as_ptr(),
        rest[1..].as_ptr(),
        "the stuffed dot is skipped, not copied"
    );
}

#[test]
fn overlong_line_is_an_error_and_the_next_line_is_read_in_step() {
    // RFC 2449 section 4: 512 octets including CRLF. 510 + CRLF fits; 511 + CRLF does not.
    let fits = [b"+OK ".as_slice(), &[b'a'; 506], b"\r\n"].concat();
    let too_long = [b"+OK ".as_slice(), &[b'a'; 507], b"\r\n"].concat();
    let stream = [fits.as_slice(), &too_long, b"+OK after\r\n"].concat();
    for chunk in [1, 3, 100, 511, 512, 4096] {
        let reads: Vec<&[u8]> = stream.chunks(chunk).collect();
        let mut framer = Framer::for_responses(STRICT);
        let frames = drive(&mut framer, &reads, 512, |_| Mode::Line);
        assert_eq!(
            frames,
            vec![
                Owned::Line(fits[..510].to_vec()),
                Owned::Error(FrameError::LineTooLong {
                    limit: 512,
                    length: 513
                }),
                Owned::Line(b"+OK after".to_vec()),
            ],
            "chunks of {chunk}"
        );
    }
}

#[test]
fn endless_line_consumes_everything_and_keeps_no_memory() {
    let mut framer = Framer::for_commands(STRICT);
    let junk = [b'A'; 4096];
    for _ in 0..1000 {
        let d = framer.decode(&junk);
        assert_eq!(
            d.consumed,
            junk.len(),
            "the framer must not hold on to a runaway line"
        );
        assert_eq!(d.frame, None);
    }
    let d = framer.decode(b"tail\r\nNOOP\r\n");
    assert_eq!(
        d.frame,
        Some(Frame::Error(FrameError::LineTooLong {
            limit: COMMAND_LINE_LIMIT,
            length: 4096 * 1000 + 6
        }))
    );
    assert_eq!(d.consumed, 6);
    assert_eq!(framer.decode(b"NOOP\r\n").frame, Some(Frame::Line(b"NOOP")));
}

#[test]
fn command_limit_is_255_octets_with_crlf() {
    let ok = [vec![b'X'; 253], b"\r\n".to_vec()].concat();
    let long = [vec![b'X'; 254], b"\r\n".to_vec()].concat();
    let mut framer = Framer::for_commands(STRICT);
    assert!(matches!(framer.decode(&ok).frame, Some(Frame::Line(l)) if l.len() == 253));
    assert!(matches!(
        framer.decode(&long).frame,
        Some(Frame::Error(FrameError::LineTooLong {
            limit: 255,
            length: 256
        }))
    ));
}

#[test]
fn limit_can_be_raised_for_large_sasl_lines() {
    let token = [vec![b'A'; 8000], b"\r\n".to_vec()].concat();
    let mut framer = Framer::for_commands(STRICT);
    framer.set_line_limit(16 * 1024);
    assert_eq!(
        framer.decode(&token).frame,
        Some(Frame::Line(&token[..8000]))
    );
}

#[test]
fn strict_mode_rejects_bare_lf_lines_but_stays_in_step() {
    let mut framer = Framer::for_responses(STRICT);
    let frames = drive(&mut framer, &[b"+OK a\n+OK b\r\n"], 512, |_| Mode::Line);
    assert_eq!(
        frames,
        vec![
            Owned::Error(FrameError::BareLineFeed),
            Owned::Line(b"+OK b".to_vec())
        ]
    );
}

/// Lenient reading takes bare LF as a line end inside replies, but only CRLF `.` CRLF ends
/// a multi-line reply (RFC 1939 section 3): `.` LF, and a `.` line after a bare LF, are
/// data. Otherwise a body containing `\n.\n` would end the message early and the rest
/// would be read as the next reply (a forged message).
#[test]
fn lenient_mode_reads_bare_lf_lines_but_only_crlf_dot_crlf_ends() {
    let stream: &[u8] = b"+OK a\n+OK body\nline one\n..two\n.\n+OK forged\n.\r\nx\r\n.\r\n\
+OK list\r\n1 2\n.\r\n2 3\r\n.\n3 4\r\n.\r\n+OK end\n";
    for cut in 0..=stream.len() {
        let mut framer = Framer::for_responses(Strictness::Lenient);
        let modes = [Mode::Line, Mode::Body, Mode::Listing, Mode::Line];
        let frames = drive(&mut framer, &split_at(stream, &[cut]), 512, replies(&modes));
        assert_eq!(
            frames,
            vec![
                Owned::Line(b"+OK a".to_vec()),
                Owned::Line(b"+OK body".to_vec()),
                Owned::Body(b"line one\n.two\n\n+OK forged\n.\r\nx\r\n".to_vec()),
                Owned::End,
                Owned::Line(b"+OK list".to_vec()),
                Owned::Line(b"1 2".to_vec()),
                Owned::Line(b".".to_vec()),
                Owned::Line(b"2 3".to_vec()),
                Owned::Line(b".".to_vec()),
                Owned::Line(b"3 4".to_vec()),
                Owned::End,
                Owned::Line(b"+OK end".to_vec()),
            ],
            "split at {cut}"
        );
    }
}

#[test]
fn strict_body_does_not_end_on_dot_lf() {
    let mut framer = Framer::for_responses(STRICT);
    framer.set_mode(Mode::Body);
    let frames = drive(&mut framer, &[b"a\r\n.\nb\r\n.\r\n"], 64, |_| Mode::Line);
    // `.\n` is not a terminator in strict mode: the dot is dropped as stuffing and the LF is
    // data; the body ends at the real `.` CRLF.
    assert_eq!(
        frames,
        vec![Owned::Body(b"a\r\n\nb\r\n".to_vec()), Owned::End]
    );
}

#[test]
fn binary_and_nul_octets_pass_through_bodies_untouched() {
    let body: Vec<u8> = (0u8..=255).filter(|&b| b != b'\n' && b != b'\r').collect();
    let stream = [b"+OK\r\n".as_slice(), &body, b"\r\n.\r\n"].concat();
    let mut framer = Framer::for_responses(STRICT);
    let frames = drive(&mut framer, &[&stream], 512, replies(&[Mode::Body]));
    assert_eq!(frames[1], Owned::Body([body.as_slice(), b"\r\n"].concat()));
}

#[test]
fn empty_body_is_just_the_terminator() {
    let mut framer = Framer::for_responses(STRICT);
    framer.set_mode(Mode::Body);
    let d = framer.decode(b".\r\n+OK");
    assert_eq!((d.consumed, d.frame), (3, Some(Frame::End)));
    assert_eq!(framer.mode(), Mode::Line);
}

#[test]
fn nothing_is_consumed_past_the_terminator() {
    let mut framer = Framer::for_responses(STRICT);
    framer.set_mode(Mode::Listing);
    let d = framer.decode(b".\r\n+OK next\r\n");
    assert_eq!((d.consumed, d.frame), (3, Some(Frame::End)));
}

#[test]
fn a_dot_cr_not_followed_by_lf_is_data() {
    let mut framer = Framer::for_responses(STRICT);
    framer.set_mode(Mode::Body);
    let frames = drive(&mut framer, &[b".\r", b"x\r\n.\r\n"], 64, |_| Mode::Line);
    assert_eq!(frames, vec![Owned::Body(b"\rx\r\n".to_vec()), Owned::End]);
}

#[test]
fn tiny_limits_are_raised_to_the_minimum() {
    let framer = Framer::new(0, STRICT);
    assert_eq!(framer.line_limit(), 3);
}
