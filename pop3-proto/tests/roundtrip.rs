//! Encode, parse back, compare: for every command and every response shape, on generated
//! values (the encoders are the client's and server's output, the parsers the other side's
//! input).

use pop3_proto::Secret;
use pop3_proto::codec::{
    Capability, Command, Continuation, EncodeError, Expire, Greeting, Mechanism, Mechanisms,
    RespCode, SaslResponse, ScanListing, Stat, Status, StatusLine, Strictness, Timestamp,
    UidListing,
};
use proptest::prelude::*;

fn bytes_of(class: &'static str, len: std::ops::RangeInclusive<usize>) -> BoxedStrategy<Vec<u8>> {
    let alphabet: Vec<u8> = match class {
        // Visible ASCII and 8-bit: a command argument.
        "arg" => (0x21..=0x7e).chain(0x80..=0xff).collect(),
        // Anything but CR, LF, NUL: free text, a password.
        "text" => (1..=0xff).filter(|&b| b != b'\r' && b != b'\n').collect(),
        "base64" => b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=".to_vec(),
        "uid" => (0x21..=0x7e).collect(),
        "hex" => b"0123456789abcdef".to_vec(),
        "rchar" => (0x21..=0x2e)
            .chain(0x30..=0x5c)
            .chain(0x5e..=0x7e)
            .collect(),
        "tag" => b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-".to_vec(),
        _ => unreachable!("unknown class {class}"),
    };
    proptest::collection::vec(proptest::sample::select(alphabet), len).boxed()
}

fn mechanism() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        Just(b"PLAIN".to_vec()),
        Just(b"LOGIN".to_vec()),
        Just(b"CRAM-MD5".to_vec()),
        Just(b"XOAUTH2".to_vec()),
        Just(b"OAUTHBEARER".to_vec()),
        Just(b"SCRAM-SHA-256".to_vec()),
        bytes_of("tag", 1..=10).prop_map(|t| [b"X-".as_slice(), &t].concat()),
    ]
}

/// A command as owned parts: `(kind, a, b, n, m)`.
#[derive(Debug, Clone)]
struct Parts(u8, Vec<u8>, Vec<u8>, u32, u32, bool);

fn command_parts() -> impl Strategy<Value = Parts> {
    (
        0u8..17,
        bytes_of("text", 1..=60),
        bytes_of("base64", 0..=80),
        1u32..,
        any::<u32>(),
        any::<bool>(),
        bytes_of("arg", 1..=40),
        bytes_of("hex", 32..=32),
        mechanism(),
    )
        .prop_map(|(k, text, b64, n, m, flag, arg, hex, mech)| match k {
            0 | 1 => Parts(k, text, vec![], n, m, flag),
            2 => Parts(k, arg, hex, n, m, flag),
            14 => Parts(k, mech, b64, n, m, flag),
            16 => Parts(k, arg, vec![], n, m, flag),
            _ => Parts(k, vec![], vec![], n, m, flag),
        })
}

fn build(p: &Parts) -> Command<'_> {
    let Parts(kind, a, b, n, m, flag) = p;
    let opt = |flag: bool| flag.then_some(*n);
    match kind {
        0 => Command::User(a),
        1 => Command::Pass(Secret::new(a)),
        2 => Command::Apop {
            name: a,
            digest: Secret::new(b),
        },
        3 => Command::Stat,
        4 => Command::List(opt(*flag)),
        5 => Command::Retr(*n),
        6 => Command::Dele(*n),
        7 => Command::Noop,
        8 => Command::Rset,
        9 => Command::Quit,
        10 => Command::Top { msg: *n, lines: *m },
        11 => Command::Uidl(opt(*flag)),
        12 => Command::Capa,
        13 => Command::Stls,
        14 => Command::Auth {
            mechanism: Mechanism::from_name(a),
            initial_response: (*flag && b.as_slice() != b"=").then(|| Secret::new(b.as_slice())),
        },
        15 => Command::Utf8,
        _ => Command::Lang(flag.then_some(a.as_slice())),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(3000))]

    #[test]
    fn every_command_round_trips(parts in command_parts()) {
        let cmd = build(&parts);
        let mut buf = [0u8; 512];
        match cmd.encode(&mut buf) {
            Ok(n) => {
                prop_assert!(n <= 255);
                prop_assert!(buf[..n].ends_with(b"\r\n"));
                prop_assert_eq!(Command::parse(&buf[..n - 2]), Ok(cmd));
            }
            Err(EncodeError::LineTooLong { length, limit: 255 }) => prop_assert!(length > 255),
            Err(e) => prop_assert!(false, "{cmd:?} failed to encode: {e}"),
        }
    }

    #[test]
    fn status_lines_round_trip(
        ok in any::<bool>(),
        code in proptest::option::of(proptest::collection::vec(bytes_of("rchar", 1..=8), 1..=3)),
        text in bytes_of("text", 0..=200),
    ) {
        let code_raw = code.map(|levels| levels.join(&b'/'));
        let code = code_raw.as_deref().map(|raw| RespCode::new(raw).unwrap());
        let status = if ok { Status::Ok } else { Status::Err };
        let line = StatusLine { status, code, text: &text };
        let mut buf = [0u8; 600];
        match line.encode(&mut buf) {
            Ok(n) => prop_assert_eq!(StatusLine::parse(&buf[..n - 2], Strictness::Strict), Ok(line)),
            Err(EncodeError::ForbiddenByte { byte: b'[', .. }) => {
                prop_assert!(code.is_none() && text.first() == Some(&b'['));
            }
            Err(e) => prop_assert!(false, "{e}"),
        }
    }

    #[test]
    fn greetings_round_trip(text in bytes_of("uid", 1..=40), local in bytes_of("tag", 1..=20)) {
        let text: Vec<u8> = text.into_iter().filter(|&b| b != b'<' && b != b'[').collect();
        let raw = [b"<".as_slice(), &local, b"@example.net>"].concat();
        let ts = Timestamp::new(&raw).unwrap();
        let g = Greeting::ok(&text, Some(ts)).with_code(RespCode::SYS_TEMP);
        let mut buf = [0u8; 512];
        let n = g.encode(&mut buf).unwrap();
        let back = Greeting::parse(&buf[..n - 2], Strictness::Strict).unwrap();
        prop_assert_eq!(back.timestamp, Some(ts));
        prop_assert_eq!(back.line.code, Some(RespCode::SYS_TEMP));
    }

    #[test]
    fn listings_round_trip(count in any::<u32>(), msg in 1u32.., size in any::<u64>(), uid in bytes_of("uid", 1..=70)) {
        let mut buf = [0u8; 512];
        let stat = Stat { count, size };
        let n = stat.encode(&mut buf).unwrap();
        let line = StatusLine::parse(&buf[..n - 2], Strictness::Strict).unwrap();
        prop_assert_eq!(Stat::parse(line.text), Ok(stat));

        let scan = ScanListing { msg, size };
        let n = scan.encode(&mut buf).unwrap();
        prop_assert_eq!(ScanListing::parse(&buf[..n - 2]), Ok(scan));
        let n = scan.encode_reply(&mut buf).unwrap();
        let line = StatusLine::parse(&buf[..n - 2], Strictness::Strict).unwrap();
        prop_assert_eq!(ScanListing::parse(line.text), Ok(scan));

        let listing = UidListing { msg, uid: &uid };
        let n = listing.encode(&mut buf).unwrap();
        prop_assert_eq!(UidListing::parse(&buf[..n - 2]), Ok(listing));
        let n = listing.encode_reply(&mut buf).unwrap();
        let line = StatusLine::parse(&buf[..n - 2], Strictness::Strict).unwrap();
        prop_assert_eq!(UidListing::parse(line.text), Ok(listing));
    }

    #[test]
    fn capabilities_round_trip(
        kind in 0u8..14,
        n in any::<u32>(),
        flag in any::<bool>(),
        tag in bytes_of("tag", 1..=20),
        text in bytes_of("uid", 0..=100),
        mechs in proptest::collection::vec(mechanism(), 0..=6),
    ) {
        let x_tag = [b"X-".as_slice(), &tag].concat();
        let mech_list = mechs.join(&b' ');
        let cap = match kind {
            0 => Capability::Top,
            1 => Capability::User,
            2 => Capability::Sasl(Mechanisms::new(&mech_list)),
            3 => Capability::RespCodes,
            4 => Capability::LoginDelay { seconds: n, per_user: flag },
            5 => Capability::Pipelining,
            6 => Capability::Expire {
                policy: if n % 7 == 0 { Expire::Never } else { Expire::Days(n) },
                per_user: flag,
            },
            7 => Capability::Uidl,
            8 => Capability::Implementation(&text),
            9 => Capability::Stls,
            10 => Capability::Utf8 { user: flag },
            11 => Capability::Lang,
            12 => Capability::AuthRespCode,
            _ => Capability::Other { tag: &x_tag, params: &text },
        };
        let mut buf = [0u8; 512];
        let n = cap.encode(&mut buf).unwrap();
        prop_assert_eq!(Capability::parse(&buf[..n - 2]), Ok(cap));
    }

    #[test]
    fn sasl_lines_round_trip(data in bytes_of("base64", 0..=2000), cancel in any::<bool>()) {
        let mut buf = vec![0u8; 2100];
        let c = Continuation { data: &data };
        let n = c.encode(&mut buf).unwrap();
        prop_assert_eq!(Continuation::parse(&buf[..n - 2]), Ok(c));
        let r = if cancel { SaslResponse::Cancel } else { SaslResponse::Data(Secret::new(&data)) };
        let n = r.encode(&mut buf).unwrap();
        prop_assert_eq!(SaslResponse::parse(&buf[..n - 2]), Ok(r));
    }
}
