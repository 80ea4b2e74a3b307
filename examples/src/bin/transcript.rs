//! Replays the example session of RFC 1939 section 10 through the codec, both ways.
//!
//! The server's side is produced by the encoders (greeting, status lines, STAT, LIST, two
//! messages dot-stuffed by the streaming stuffer); the client's commands by the command
//! encoder, APOP digest included. Each side then reads the other's bytes: the server parses
//! every command line, and the client frames the reply stream through a 512-octet buffer in
//! small reads, parses each line and reassembles each message. The program checks that
//! what came out is what went in and exits non-zero if anything differs.

use std::process::ExitCode;

use pop3_proto::apop::ApopDigest;
use pop3_proto::codec::{
    Command, EncodeError, Frame, Framer, Greeting, Mode, RESPONSE_LINE_LIMIT, ScanListing, Stat,
    StatusLine, Strictness, Stuffer, Timestamp,
};

/// A message of exactly `size` octets whose body has lines that need stuffing.
fn message(subject: &str, size: usize) -> Vec<u8> {
    let mut m = format!(
        "From: mrose@dbc.mtview.ca.us\r\nSubject: {subject}\r\n\r\n.starts with a dot\r\n.\r\n"
    )
    .into_bytes();
    let pad = size - m.len() - 2;
    m.extend(std::iter::repeat_n(b'x', pad));
    m.extend_from_slice(b"\r\n");
    m
}

/// Shows a line as text: printable ASCII as it is, other octets in hex.
fn show(line: &[u8]) -> String {
    line.iter()
        .map(|&b| match b {
            0x20..=0x7e => char::from(b).to_string(),
            _ => format!("\\x{b:02x}"),
        })
        .collect()
}

fn line(f: impl FnOnce(&mut [u8]) -> Result<usize, EncodeError>) -> Vec<u8> {
    let mut buf = [0u8; RESPONSE_LINE_LIMIT];
    let n = f(&mut buf).expect("the session's lines fit in one response line");
    buf[..n].to_vec()
}

fn stuffed(body: &[u8]) -> (Vec<u8>, u64) {
    let mut stuffer = Stuffer::new();
    let mut wire = Vec::new();
    let mut out = [0u8; 64];
    let mut rest = body;
    while !rest.is_empty() {
        let r = stuffer.encode(rest, &mut out);
        wire.extend_from_slice(&out[..r.written]);
        rest = &rest[r.consumed..];
    }
    let octets = stuffer.octets();
    let n = stuffer.finish(&mut out).expect("room for the terminator");
    wire.extend_from_slice(&out[..n]);
    (wire, octets)
}

fn main() -> ExitCode {
    let messages = [message("first", 120), message("second", 200)];
    let (wire1, size1) = stuffed(&messages[0]);
    let (wire2, size2) = stuffed(&messages[1]);
    let total = size1 + size2;

    // The client's side: commands, the APOP digest computed from the greeting's timestamp.
    let ts = Timestamp::new(b"<1896.697170952@dbc.mtview.ca.us>").expect("msg-id shaped");
    let digest = ApopDigest::compute(ts, b"tanstaaf");
    let commands = [
        Command::Apop {
            name: b"mrose",
            digest: digest.as_secret(),
        },
        Command::Stat,
        Command::List(None),
        Command::Retr(1),
        Command::Dele(1),
        Command::Retr(2),
        Command::Dele(2),
        Command::Quit,
    ];
    let client_bytes: Vec<u8> = commands
        .iter()
        .flat_map(|c| line(|b| c.encode(b)))
        .collect();

    // The server's side.
    let mut server_bytes = line(|b| Greeting::ok(b"POP3 server ready", Some(ts)).encode(b));
    let mut push = |bytes: &[u8]| server_bytes.extend_from_slice(bytes);
    push(&line(|b| {
        StatusLine::ok(b"mrose's maildrop has 2 messages (320 octets)").encode(b)
    }));
    push(&line(|b| {
        Stat {
            count: 2,
            size: total,
        }
        .encode(b)
    }));
    push(&line(|b| {
        StatusLine::ok(b"2 messages (320 octets)").encode(b)
    }));
    push(&line(|b| {
        ScanListing {
            msg: 1,
            size: size1,
        }
        .encode(b)
    }));
    push(&line(|b| {
        ScanListing {
            msg: 2,
            size: size2,
        }
        .encode(b)
    }));
    push(b".\r\n");
    push(&line(|b| StatusLine::ok(b"120 octets").encode(b)));
    push(&wire1);
    push(&line(|b| StatusLine::ok(b"message 1 deleted").encode(b)));
    push(&line(|b| StatusLine::ok(b"200 octets").encode(b)));
    push(&wire2);
    push(&line(|b| StatusLine::ok(b"message 2 deleted").encode(b)));
    push(&line(|b| {
        StatusLine::ok(b"dewey POP3 server signing off (maildrop empty)").encode(b)
    }));

    // The server reads the commands.
    let mut failures = Vec::new();
    let mut framer = Framer::for_commands(Strictness::Strict);
    let mut rest = &client_bytes[..];
    let mut parsed = Vec::new();
    loop {
        let d = framer.decode(rest);
        match d.frame {
            None => break,
            Some(Frame::Line(l)) => match Command::parse(l) {
                Ok(cmd) => parsed.push(cmd),
                Err(e) => failures.push(format!("server could not parse {}: {e}", show(l))),
            },
            Some(other) => failures.push(format!("server framed {other:?}")),
        }
        rest = &rest[d.consumed..];
    }
    if parsed != commands {
        failures.push(format!("server read {parsed:?}, client sent {commands:?}"));
    }

    // The client reads the replies, 7 octets per read, through a 512-octet buffer.
    let mut framer = Framer::for_responses(Strictness::Strict);
    let mut buf = [0u8; RESPONSE_LINE_LIMIT];
    let mut filled = 0;
    let mut pending = commands.iter();
    let mut bodies: Vec<Vec<u8>> = Vec::new();
    let mut greeted = false;
    for read in server_bytes.chunks(7) {
        buf[filled..filled + read.len()].copy_from_slice(read);
        filled += read.len();
        loop {
            let mode = framer.mode();
            let d = framer.decode(&buf[..filled]);
            let (consumed, more) = (d.consumed, d.frame.is_some());
            match d.frame {
                Some(Frame::Line(l)) if !greeted => {
                    greeted = true;
                    let g = Greeting::parse(l, Strictness::Strict).expect("greeting");
                    println!("S: {}", show(l));
                    println!("   greeting: APOP timestamp {:?}", g.timestamp);
                }
                Some(Frame::Line(l)) if mode == Mode::Line => {
                    let cmd = pending.next().expect("a reply answers a command");
                    let mut cbuf = [0u8; 255];
                    let n = cmd.encode(&mut cbuf).expect("encodes");
                    println!("C: {}", show(&cbuf[..n - 2]));
                    println!("S: {}", show(l));
                    let status = StatusLine::parse(l, Strictness::Strict).expect("status line");
                    if matches!(cmd, Command::Stat) {
                        println!("   STAT {:?}", Stat::parse(status.text));
                    }
                    if status.is_ok() && cmd.has_multiline_reply() {
                        let next = if matches!(cmd, Command::Retr(_)) {
                            Mode::Body
                        } else {
                            Mode::Listing
                        };
                        if next == Mode::Body {
                            bodies.push(Vec::new());
                        }
                        framer.set_mode(next);
                    }
                }
                Some(Frame::Line(l)) => {
                    println!("S: {}", show(l));
                    println!("   scan listing {:?}", ScanListing::parse(l));
                }
                Some(Frame::Chunk(c)) => {
                    if let Some(body) = bodies.last_mut() {
                        body.extend_from_slice(c);
                    }
                }
                Some(Frame::End) => {
                    if let Some(body) = bodies.last().filter(|_| mode == Mode::Body) {
                        println!("S: <{} octets of message, unstuffed>", body.len());
                    }
                    println!("S: .");
                }
                Some(Frame::Error(e)) => failures.push(format!("framing error: {e}")),
                None => {}
            }
            buf.copy_within(consumed..filled, 0);
            filled -= consumed;
            if !more {
                break;
            }
        }
    }

    if bodies != messages {
        failures.push("the messages read differ from the messages sent".into());
    }
    if *digest.as_secret().expose() != b"c4c9334bac560ecc979e58001b3e22fb" {
        failures.push("the APOP digest differs from RFC 1939's".into());
    }
    println!();
    if failures.is_empty() {
        println!(
            "ok: {} commands, {} reply octets, {} messages ({} octets) identical after stuffing and unstuffing",
            parsed.len(),
            server_bytes.len(),
            bodies.len(),
            total
        );
        ExitCode::SUCCESS
    } else {
        failures.iter().for_each(|f| eprintln!("error: {f}"));
        ExitCode::FAILURE
    }
}
