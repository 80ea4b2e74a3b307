//! Arbitrary commands and responses: encode, parse back, equal.

use arbitrary::{Arbitrary, Unstructured};
use pop3_proto::Secret;
use pop3_proto::codec::{
    Capability, Command, EncodeError, Expire, Mechanism, Mechanisms, RespCode, ScanListing, Status,
    StatusLine, Strictness, UidListing,
};

#[derive(Debug, Arbitrary)]
enum Shape<'a> {
    User(&'a [u8]),
    Pass(&'a [u8]),
    Apop(&'a [u8], [u8; 16]),
    Stat,
    List(Option<u32>),
    Retr(u32),
    Dele(u32),
    Noop,
    Rset,
    Quit,
    Top(u32, u32),
    Uidl(Option<u32>),
    Capa,
    Stls,
    Auth(&'a [u8], Option<&'a [u8]>),
    Utf8,
    Lang(Option<&'a [u8]>),
    Status(bool, Option<&'a [u8]>, &'a [u8]),
    Scan(u32, u64),
    Uid(u32, &'a [u8]),
    Cap(u8, u32, bool, &'a [u8]),
}

fn hex(bytes: &[u8; 16]) -> [u8; 32] {
    let mut out = [0u8; 32];
    for (i, b) in bytes.iter().enumerate() {
        out[2 * i] = b"0123456789abcdef"[usize::from(b >> 4)];
        out[2 * i + 1] = b"0123456789abcdef"[usize::from(b & 15)];
    }
    out
}

fn command_round_trip(cmd: Command<'_>) {
    let mut buf = [0u8; 512];
    match cmd.encode(&mut buf) {
        Ok(n) => assert_eq!(Command::parse(&buf[..n - 2]), Ok(cmd)),
        // The encoder refuses what would not read back: that is the property.
        Err(EncodeError::ForbiddenByte { .. } | EncodeError::Empty { .. })
        | Err(EncodeError::LineTooLong { .. } | EncodeError::ZeroMessageNumber) => {}
        Err(e) => panic!("{cmd:?}: {e}"),
    }
}

pub fn check(data: &[u8]) {
    let Ok(shape) = Shape::arbitrary_take_rest(Unstructured::new(data)) else {
        return;
    };
    let mut buf = [0u8; 1024];
    match shape {
        Shape::User(n) => command_round_trip(Command::User(n)),
        Shape::Pass(p) => command_round_trip(Command::Pass(Secret::new(p))),
        Shape::Apop(name, d) => {
            let digest = hex(&d);
            command_round_trip(Command::Apop {
                name,
                digest: Secret::new(&digest),
            });
        }
        Shape::Stat => command_round_trip(Command::Stat),
        Shape::List(n) => command_round_trip(Command::List(n)),
        Shape::Retr(n) => command_round_trip(Command::Retr(n)),
        Shape::Dele(n) => command_round_trip(Command::Dele(n)),
        Shape::Noop => command_round_trip(Command::Noop),
        Shape::Rset => command_round_trip(Command::Rset),
        Shape::Quit => command_round_trip(Command::Quit),
        Shape::Top(msg, lines) => command_round_trip(Command::Top { msg, lines }),
        Shape::Uidl(n) => command_round_trip(Command::Uidl(n)),
        Shape::Capa => command_round_trip(Command::Capa),
        Shape::Stls => command_round_trip(Command::Stls),
        Shape::Auth(mech, ir) => {
            // "=" is how an empty initial response is written: it reads back as empty.
            let ir = ir.filter(|r| *r != b"=").map(Secret::new);
            let mechanism = Mechanism::from_name(mech);
            command_round_trip(Command::Auth {
                mechanism,
                initial_response: ir,
            });
        }
        Shape::Utf8 => command_round_trip(Command::Utf8),
        Shape::Lang(tag) => command_round_trip(Command::Lang(tag)),
        Shape::Status(ok, code, text) => {
            let code = code.and_then(RespCode::new);
            let status = if ok { Status::Ok } else { Status::Err };
            let line = StatusLine { status, code, text };
            if let Ok(n) = line.encode(&mut buf) {
                assert_eq!(
                    StatusLine::parse(&buf[..n - 2], Strictness::Strict),
                    Ok(line)
                );
            }
        }
        Shape::Scan(msg, size) => {
            let scan = ScanListing { msg, size };
            if let Ok(n) = scan.encode_reply(&mut buf) {
                let line = StatusLine::parse(&buf[..n - 2], Strictness::Strict).expect("status");
                assert_eq!(ScanListing::parse(line.text), Ok(scan));
            }
        }
        Shape::Uid(msg, uid) => {
            let listing = UidListing { msg, uid };
            if let Ok(n) = listing.encode(&mut buf) {
                assert_eq!(UidListing::parse(&buf[..n - 2]), Ok(listing));
            }
        }
        Shape::Cap(kind, n, flag, text) => {
            let cap = match kind % 8 {
                0 => Capability::Sasl(Mechanisms::new(text)),
                1 => Capability::LoginDelay {
                    seconds: n,
                    per_user: flag,
                },
                2 => Capability::Expire {
                    policy: if flag { Expire::Never } else { Expire::Days(n) },
                    per_user: !flag,
                },
                3 => Capability::Implementation(text),
                4 => Capability::Utf8 { user: flag },
                5 => Capability::Other {
                    tag: text,
                    params: b"",
                },
                6 => Capability::Pipelining,
                _ => Capability::Top,
            };
            if let Ok(n) = cap.encode(&mut buf) {
                let back = Capability::parse(&buf[..n - 2]);
                match cap {
                    // A private tag that spells a known one reads back as the known one.
                    Capability::Other { .. } => assert!(back.is_ok()),
                    // Mechanism lists and texts may carry spaces at their ends that the
                    // parser trims; the tag survives.
                    Capability::Sasl(_) | Capability::Implementation(_) => {
                        assert_eq!(back.map(|c| c.tag()), Ok(cap.tag()))
                    }
                    _ => assert_eq!(back, Ok(cap)),
                }
            }
        }
    }
}
