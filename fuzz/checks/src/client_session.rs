//! The client fed arbitrary server octets interleaved with arbitrary API calls: no panic, no
//! endless loop, output within its buffer, and a fatal error stays reported.

use arbitrary::{Arbitrary, Unstructured};
use pop3_proto::Instant;
use pop3_proto::client::{self, Client, Security, Transport};
use pop3_proto::codec::{Mechanism, Strictness};
use pop3_proto::sasl::Credentials;

use crate::reference::split;

/// An API call, or the next step of the server's side. No call carries a byte string of its
/// own, so that a seed is a few fixed-size calls followed by a real server transcript.
#[derive(Clone, Debug, Arbitrary)]
pub enum Op {
    Feed(u16),
    Eof,
    Timeout(u32),
    Transmit(u16),
    User,
    Pass,
    Apop,
    Auth(u8, bool),
    SaslContinue(bool),
    SaslCancel,
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
    TlsEstablished,
    Utf8,
    Lang(bool),
}

#[derive(Debug, Arbitrary)]
struct Input<'a> {
    allow_cleartext: bool,
    lenient: bool,
    tls: bool,
    cuts: u64,
    ops: Vec<Op>,
    /// What the server says: fed as `Feed` asks, the rest at the end.
    server: &'a [u8],
}

const MECHANISMS: [Mechanism<'static>; 7] = [
    Mechanism::Plain,
    Mechanism::Login,
    Mechanism::CramMd5,
    Mechanism::XOAuth2,
    Mechanism::OAuthBearer,
    Mechanism::Other(b"GSSAPI"),
    Mechanism::ScramSha256,
];

pub fn check(data: &[u8]) {
    let Ok(input) = Input::arbitrary_take_rest(Unstructured::new(data)) else {
        return;
    };
    let security = if input.allow_cleartext {
        Security::AllowCleartext
    } else {
        Security::RequireTls
    };
    let strictness = if input.lenient {
        Strictness::Lenient
    } else {
        Strictness::Strict
    };
    let config = client::Config::default()
        .with_security(security)
        .with_strictness(strictness);
    let transport = if input.tls {
        Transport::Tls
    } else {
        Transport::Plain
    };
    let mut now = 0u64;
    let mut client: Client<512, 256, 8> = Client::new(config, transport, Instant::from_millis(now));
    // The SCRAM nonce is in the dictionary, so server-first messages that extend it appear.
    let password = Credentials::password(b"user", b"secret").with_nonce(b"clientnonce");
    let token = Credentials::bearer(b"user", b"token");
    let mut server = input.server;
    let ops = input.ops.into_iter().chain([Op::Feed(u16::MAX), Op::Eof]);
    for op in ops {
        now += 1;
        let at = Instant::from_millis(now);
        match op {
            Op::Feed(n) => {
                // A server answers what it received: the output goes out first, except
                // on every eighth length, which plays a server that speaks early (forged
                // or left-over octets, refused by the client).
                if n % 8 != 0 {
                    let pending = client.poll_transmit().len();
                    client.transmitted(pending);
                }
                let (now_due, later) = server.split_at(usize::from(n).min(server.len()));
                server = later;
                for piece in split(now_due, input.cuts) {
                    let mut rest = piece;
                    let mut rounds = 0;
                    while !rest.is_empty() {
                        let n = client.handle_input(at, rest);
                        rest = &rest[n..];
                        drain(&mut client);
                        rounds += 1;
                        assert!(rounds < 10_000, "input never taken");
                    }
                }
            }
            Op::Eof => client.handle_eof(at),
            Op::Timeout(ms) => {
                now += u64::from(ms);
                client.handle_timeout(Instant::from_millis(now));
            }
            Op::Transmit(n) => {
                let pending = client.poll_transmit().len();
                assert!(pending <= 256);
                client.transmitted(usize::from(n).min(pending));
            }
            Op::User => {
                let _ = client.user(b"user");
            }
            Op::Pass => {
                let _ = client.pass(b"secret");
            }
            Op::Apop => {
                let _ = client.apop(b"user", b"secret");
            }
            Op::Auth(m, bearer) => {
                let creds = if bearer { &token } else { &password };
                let _ = client.auth(MECHANISMS[usize::from(m) % MECHANISMS.len()], creds);
            }
            Op::SaslContinue(bearer) => {
                let _ = client.sasl_continue(if bearer { &token } else { &password });
            }
            Op::SaslCancel => {
                let _ = client.sasl_cancel();
            }
            Op::Stat => {
                let _ = client.stat();
            }
            Op::List(n) => {
                let _ = client.list(n);
            }
            Op::Retr(n) => {
                let _ = client.retr(n);
            }
            Op::Dele(n) => {
                let _ = client.dele(n);
            }
            Op::Noop => {
                let _ = client.noop();
            }
            Op::Rset => {
                let _ = client.rset();
            }
            Op::Quit => {
                let _ = client.quit();
            }
            Op::Top(m, l) => {
                let _ = client.top(m, l);
            }
            Op::Uidl(n) => {
                let _ = client.uidl(n);
            }
            Op::Capa => {
                let _ = client.capa();
            }
            Op::Stls => {
                let _ = client.stls();
            }
            Op::TlsEstablished => {
                let _ = client.tls_established();
            }
            Op::Utf8 => {
                let _ = client.utf8();
            }
            Op::Lang(list) => {
                let _ = client.lang(if list { None } else { Some(b"en") });
            }
        }
        drain(&mut client);
    }
}

fn drain(client: &mut Client<512, 256, 8>) {
    for _ in 0..100_000 {
        match client.poll_event() {
            Ok(Some(_)) => {}
            Ok(None) => return,
            Err(e) => {
                // A fatal error is reported again, unchanged, and nothing more goes out.
                assert_eq!(client.poll_event(), Err(e));
                assert!(client.poll_transmit().is_empty());
                return;
            }
        }
    }
    panic!("poll_event never returned None");
}
