//! Writes the seed corpora (`fuzz/corpus/<target>/seed-*`) from real session transcripts,
//! laid out as each target's input reads them. Run again after changing an input layout:
//! `cargo run --manifest-path fuzz/checks/Cargo.toml --bin seeds`.

use std::fs;
use std::path::Path;

use arbitrary::{Arbitrary, Unstructured};
use pop3_fuzz_checks::client_session::Op as C;
use pop3_fuzz_checks::pair::{Op as P, SEPARATOR};
use pop3_fuzz_checks::roundtrip::Value;

/// The RFC 1939 section 10 example session, server side, with its two messages.
const RFC1939_SERVER: &[u8] = b"+OK POP3 server ready <1896.697170952@dbc.mtview.ca.us>\r\n\
+OK mrose's maildrop has 2 messages (320 octets)\r\n\
+OK 2 320\r\n\
+OK 2 messages (320 octets)\r\n1 120\r\n2 200\r\n.\r\n\
+OK 120 octets\r\nFrom: a\r\nSubject: one\r\n\r\n..starts with a dot\r\n..\r\nend\r\n.\r\n\
+OK message 1 deleted\r\n\
+OK 200 octets\r\nFrom: b\r\n\r\nsecond\r\n.\r\n\
+OK message 2 deleted\r\n\
+OK dewey POP3 server signing off (maildrop empty)\r\n";

/// A Dovecot-style session: CAPA, STLS, CAPA again after TLS, SASL PLAIN, UIDL, TOP.
const DOVECOT_SERVER: &[u8] = b"+OK Dovecot ready. <1a2b.3c4d@mail.example>\r\n\
+OK\r\nCAPA\r\nTOP\r\nUIDL\r\nRESP-CODES\r\nPIPELINING\r\nAUTH-RESP-CODE\r\nSTLS\r\nSASL PLAIN LOGIN CRAM-MD5\r\n.\r\n\
+OK Begin TLS negotiation now.\r\n\
+OK\r\nCAPA\r\nTOP\r\nUIDL\r\nRESP-CODES\r\nPIPELINING\r\nAUTH-RESP-CODE\r\nUSER\r\nSASL PLAIN LOGIN CRAM-MD5\r\n.\r\n\
+OK Logged in.\r\n\
+OK\r\n1 000000015c1a2b3d\r\n2 000000025c1a2b3d\r\n.\r\n\
+OK\r\nReturn-Path: <a@b>\r\nSubject: hi\r\n\r\nfirst line\r\n.\r\n\
-ERR [IN-USE] Mailbox is locked by another POP3 session.\r\n\
+OK Logging out.\r\n";

/// STLS answered with forged replies in the same segment (the injection attack).
const INJECTING_SERVER: &[u8] = b"+OK ready\r\n\
+OK\r\nSTLS\r\nUSER\r\n.\r\n\
+OK Begin fake TLS negotiation now.\r\n+OK\r\nPLAIN\r\nLOGIN\r\n.\r\n";

/// Office 365's two-step XOAUTH2 with an error challenge, then OAUTHBEARER.
const OAUTH_SERVER: &[u8] = b"+OK The Microsoft Exchange POP3 service is ready.\r\n\
+OK\r\nSASL PLAIN XOAUTH2 OAUTHBEARER\r\nUSER\r\nPIPELINING\r\nUIDL\r\n.\r\n\
+ \r\n\
+ eyJzdGF0dXMiOiI0MDEiLCJzY2hlbWVzIjoiYmVhcmVyIn0=\r\n\
-ERR [AUTH] Authentication failure: unknown user name or bad password.\r\n";

/// SCRAM-SHA-256 for "user" / "secret" with the harness's client nonce "clientnonce": the
/// server-first message, then a server-final message with the right signature.
const SCRAM_SERVER: &[u8] = b"+OK Dovecot ready.\r\n\
+OK\r\nSASL PLAIN SCRAM-SHA-256\r\nPIPELINING\r\nUIDL\r\n.\r\n\
+ cj1jbGllbnRub25jZTNyZmNOSFlKWTFaVnZXVnM3aixzPWMyRnNkSE5oYkhRPSxpPTQwOTY=\r\n\
+ dj1EOUY2dlpFYkZEQXdKWGFlWmJUOVhOVmU0NHg5SVdGV0hTQTdYNUpDU0ZjPQ==\r\n\
+OK Logged in.\r\n+OK 0 0\r\n+OK bye\r\n";

/// A lenient peer: bare LF line ends, `.` alone ending a body, lowercase status.
const LENIENT_SERVER: &[u8] = b"+OK hello\n+OK\n+OK 1 5\n+OK\n1 5\n.\n+OK\nabc\n..\n.\n+ok bye\n";

const RFC1939_CLIENT: &[u8] = b"APOP mrose c4c9334bac560ecc979e58001b3e22fb\r\n\
STAT\r\nLIST\r\nRETR 1\r\nDELE 1\r\nRETR 2\r\nDELE 2\r\nQUIT\r\n";

const USER_CLIENT: &[u8] = b"CAPA\r\nUSER mrose\r\nPASS secret\r\nSTAT\r\nLIST\r\nLIST 1\r\n\
UIDL\r\nUIDL 2\r\nTOP 1 0\r\nTOP 2 5\r\nRETR 1\r\nDELE 1\r\nRETR 1\r\nNOOP\r\nRSET\r\nDELE 2\r\n\
LANG\r\nUTF8\r\nQUIT\r\n";

const SASL_CLIENT: &[u8] = b"AUTH\r\nAUTH PLAIN AG1yb3NlAHNlY3JldA==\r\nSTAT\r\nQUIT\r\n\
AUTH LOGIN\r\nbXJvc2U=\r\nc2VjcmV0\r\nAUTH CRAM-MD5\r\n*\r\n\
AUTH XOAUTH2 dXNlcj1tcm9zZQFhdXRoPUJlYXJlciB5YTI5AQE=\r\n";

const HOSTILE_CLIENT: &[u8] = b"STLS\r\nCAPA\r\nUSER a\r\nuser\x00x\r\nPASS\r\n\
RETR 0\r\nRETR 4294967296\r\nTOP 1 -1\r\nLIST 1 2\r\nQUIT extra\r\n\r\n";

const MESSAGES: [&[u8]; 6] = [
    b"From: a\r\nSubject: one\r\n\r\n.dot line\r\n..\r\n.\r\nend\r\n",
    b"From: b\n\nbare LF body\n.\n",
    b"From: c\r\n\r\nno final newline",
    b"",
    b"Subject: 8 bit \xe9\xff\r\n\r\n\x00\x80\r\n",
    b"Subject: long\r\n\r\nxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\r\n",
];

/// The bytes that make `arbitrary`'s derive pick variant `index` of `count`.
fn variant(index: u32, count: u32) -> [u8; 4] {
    let v = (u64::from(index) << 32).div_ceil(u64::from(count));
    u32::try_from(v).unwrap_or(u32::MAX).to_le_bytes()
}

fn option(v: Option<u32>) -> Vec<u8> {
    match v {
        None => vec![0],
        Some(n) => [&[1u8][..], &n.to_le_bytes()].concat(),
    }
}

fn client_op(op: &C) -> Vec<u8> {
    let v = |i| variant(i, 24).to_vec();
    match *op {
        C::Feed(n) => [v(0), n.to_le_bytes().to_vec()].concat(),
        C::Eof => v(1),
        C::Timeout(ms) => [v(2), ms.to_le_bytes().to_vec()].concat(),
        C::Transmit(n) => [v(3), n.to_le_bytes().to_vec()].concat(),
        C::User => v(4),
        C::Pass => v(5),
        C::Apop => v(6),
        C::Auth(m, b) => [v(7), vec![m, u8::from(b)]].concat(),
        C::SaslContinue(b) => [v(8), vec![u8::from(b)]].concat(),
        C::SaslCancel => v(9),
        C::Stat => v(10),
        C::List(n) => [v(11), option(n)].concat(),
        C::Retr(n) => [v(12), n.to_le_bytes().to_vec()].concat(),
        C::Dele(n) => [v(13), n.to_le_bytes().to_vec()].concat(),
        C::Noop => v(14),
        C::Rset => v(15),
        C::Quit => v(16),
        C::Top(m, l) => [v(17), m.to_le_bytes().to_vec(), l.to_le_bytes().to_vec()].concat(),
        C::Uidl(n) => [v(18), option(n)].concat(),
        C::Capa => v(19),
        C::Stls => v(20),
        C::TlsEstablished => v(21),
        C::Utf8 => v(22),
        C::Lang(b) => [v(23), vec![u8::from(b)]].concat(),
    }
}

fn pair_op(op: &P) -> Vec<u8> {
    let v = |i| variant(i, 8).to_vec();
    match *op {
        P::Retr(m) => [v(0), vec![m]].concat(),
        P::Top(m, l) => [v(1), vec![m, l]].concat(),
        P::Dele(m) => [v(2), vec![m]].concat(),
        P::Rset => v(3),
        P::List => v(4),
        P::Uidl => v(5),
        P::Stat => v(6),
        P::Noop => v(7),
    }
}

/// A `Vec<T>` as `arbitrary` reads it: a continue flag before each element, then a stop.
fn list<T: std::fmt::Debug + for<'a> Arbitrary<'a>>(ops: &[T], enc: fn(&T) -> Vec<u8>) -> Vec<u8> {
    let mut out = Vec::new();
    for op in ops {
        let bytes = enc(op);
        // The layout must decode to the very operation it was written for.
        let back = T::arbitrary(&mut Unstructured::new(&bytes)).expect("decodes");
        assert_eq!(
            format!("{back:?}"),
            format!("{op:?}"),
            "seed layout of {op:?}"
        );
        out.push(1);
        out.extend(bytes);
    }
    out.push(0);
    out
}

fn line_ends(data: &[u8]) -> Vec<usize> {
    data.windows(2)
        .enumerate()
        .filter(|(_, w)| *w == b"\r\n")
        .map(|(i, _)| i + 2)
        .collect()
}

fn write(target: &str, name: &str, data: &[u8]) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../corpus")
        .join(target);
    fs::create_dir_all(&dir).expect("corpus folder");
    fs::write(dir.join(format!("seed-{name}")), data).expect("seed written");
}

fn main() {
    let servers: [(&str, &[u8]); 5] = [
        ("rfc1939", RFC1939_SERVER),
        ("dovecot", DOVECOT_SERVER),
        ("injecting", INJECTING_SERVER),
        ("oauth", OAUTH_SERVER),
        ("lenient", LENIENT_SERVER),
    ];
    let clients: [(&str, &[u8]); 4] = [
        ("rfc1939", RFC1939_CLIENT),
        ("user", USER_CLIENT),
        ("sasl", SASL_CLIENT),
        ("hostile", HOSTILE_CLIENT),
    ];

    // framer: body flag, capacity, cut seed, stream.
    for (name, data) in servers.iter().chain(&clients) {
        for (body, cuts) in [(0u8, 7u64), (1, 0x5eed)] {
            let head = [&[body][..], &0u16.to_le_bytes(), &cuts.to_le_bytes()].concat();
            write(
                "framer",
                &format!("{name}-{body}"),
                &[head, data.to_vec()].concat(),
            );
        }
    }
    // The body of RFC 1939's first message, from its first octet.
    let body = &RFC1939_SERVER[RFC1939_SERVER
        .windows(9)
        .position(|w| w == b"From: a\r\n")
        .unwrap_or(0)..];
    let head = [&[1u8][..], &0u16.to_le_bytes(), &3u64.to_le_bytes()].concat();
    write("framer", "body-rfc1939", &[head, body.to_vec()].concat());

    // parsers: every line of every transcript.
    for (name, data) in servers.iter().chain(&clients) {
        let mut from = 0;
        for (i, end) in line_ends(data).into_iter().enumerate() {
            write("parsers", &format!("{name}-{i}"), &data[from..end - 2]);
            from = end;
        }
    }

    // roundtrip: one input per kind of value (and per command), found by decoding
    // pseudo-random bytes until each kind has turned up.
    let mut kinds = std::collections::BTreeMap::new();
    let mut state = 0x9e37_79b9_7f4a_7c15u64;
    for _ in 0..200_000 {
        let bytes: Vec<u8> = (0..48)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                state.to_le_bytes()[3]
            })
            .collect();
        let Ok(value) = Value::arbitrary_take_rest(Unstructured::new(&bytes)) else {
            continue;
        };
        let shown = format!("{value:?}");
        let kind: String = shown
            .chars()
            .take_while(|c| c.is_ascii_alphabetic() || *c == '(')
            .collect();
        let kind = kind.trim_end_matches('(').to_owned();
        kinds.entry(kind).or_insert(bytes);
    }
    for (kind, bytes) in kinds {
        write("roundtrip", &kind.replace('(', "-"), &bytes);
    }

    // stuffing: chunk size, output room, cut seed, body.
    for (i, m) in MESSAGES.iter().enumerate() {
        let head = [&[3u8, 5][..], &(i as u64 + 11).to_le_bytes()].concat();
        write(
            "stuffing",
            &format!("message-{i}"),
            &[head, m.to_vec()].concat(),
        );
    }

    // client_session: policy flags, cut seed, calls, then the server's side.
    let greeting = |data: &[u8]| line_ends(data).first().copied().unwrap_or(0) as u16;
    let client_seeds: [(&str, &[u8], Vec<C>); 6] = [
        ("rfc1939", RFC1939_SERVER, {
            let g = greeting(RFC1939_SERVER);
            let ops = [
                C::Apop,
                C::Feed(50),
                C::Stat,
                C::List(None),
                C::Retr(1),
                C::Dele(1),
            ];
            [
                vec![C::Feed(g)],
                ops.into(),
                vec![C::Retr(2), C::Dele(2), C::Quit],
            ]
            .concat()
        }),
        ("dovecot", DOVECOT_SERVER, {
            let g = greeting(DOVECOT_SERVER);
            vec![
                C::Feed(g),
                C::Capa,
                C::Feed(130),
                C::Stls,
                C::Feed(32),
                C::TlsEstablished,
                C::Feed(130),
                C::Auth(0, false),
                C::Feed(16),
                C::Uidl(None),
                C::Top(1, 0),
                C::Retr(2),
                C::Quit,
            ]
        }),
        ("injecting", INJECTING_SERVER, {
            vec![
                C::Feed(11),
                C::Capa,
                C::Feed(25),
                C::Stls,
                C::TlsEstablished,
                C::Capa,
            ]
        }),
        ("oauth", OAUTH_SERVER, {
            let g = greeting(OAUTH_SERVER);
            vec![
                C::Feed(g),
                C::Capa,
                C::Feed(80),
                C::Auth(3, true),
                C::Feed(4),
                C::SaslContinue(true),
                C::Feed(200),
                C::SaslContinue(true),
            ]
        }),
        ("scram", SCRAM_SERVER, {
            let g = greeting(SCRAM_SERVER);
            vec![
                C::Feed(g),
                C::Capa,
                C::Feed(64),
                C::Auth(6, false),
                C::Feed(78),
                C::SaslContinue(false),
                C::Feed(72),
                C::SaslContinue(false),
                C::Stat,
                C::Quit,
            ]
        }),
        ("lenient", LENIENT_SERVER, {
            vec![
                C::Feed(9),
                C::User,
                C::Feed(4),
                C::Pass,
                C::Stat,
                C::List(None),
                C::Retr(1),
                C::Quit,
            ]
        }),
    ];
    for (name, server, ops) in client_seeds {
        for (flags, tag) in [([1u8, 0, 0], "plain"), ([1, 1, 1], "lenient-tls")] {
            let head = [&flags[..], &0x1234u64.to_le_bytes()].concat();
            let data = [head, list(&ops, client_op), server.to_vec()].concat();
            write("client_session", &format!("{name}-{tag}"), &data);
        }
    }

    // server_session: configuration, TLS flag, answers, cut seed, the client's side.
    for (name, data) in clients {
        for config in [0x06u8, 0x1f] {
            let head = [
                &[config, 0][..],
                &[1, 2, 3, 4, 5, 6, 7, 8],
                &9u64.to_le_bytes(),
            ]
            .concat();
            write(
                "server_session",
                &format!("{name}-{config:02x}"),
                &[head, data.to_vec()].concat(),
            );
        }
    }

    // pair: chunk sizes, QUIT or not, operations, the maildrop.
    let maildrop = MESSAGES.join(SEPARATOR);
    let ops = [
        P::Stat,
        P::List,
        P::Uidl,
        P::Retr(1),
        P::Retr(2),
        P::Retr(3),
        P::Retr(4),
        P::Retr(5),
        P::Retr(6),
        P::Top(1, 0),
        P::Top(6, 1),
        P::Dele(1),
        P::Retr(1),
        P::Rset,
        P::Dele(2),
        P::Dele(4),
        P::Noop,
        P::Retr(7),
    ];
    for (chunks, quit, name) in [
        ([255u8, 255, 255], 1u8, "whole"),
        ([0, 2, 6], 1, "bytewise"),
        ([9, 0, 1], 0, "eof"),
    ] {
        let head = [&chunks[..], &[quit]].concat();
        let data = [head, list(&ops, pair_op), maildrop.clone()].concat();
        write("pair", name, &data);
    }
}
