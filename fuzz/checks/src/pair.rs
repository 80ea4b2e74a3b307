//! Our client against our server, in memory, with arbitrary messages, an arbitrary sequence
//! of user operations and arbitrary chunking both ways: every RETR gives the message back as
//! served, every TOP a prefix of it, and the messages removed at UPDATE are exactly those
//! marked with DELE and not reset.

use std::collections::BTreeSet;

use arbitrary::{Arbitrary, Unstructured};
use std::convert::Infallible;

use pop3_proto::client::{self, Client, CommandId, Event, Security};
use pop3_proto::codec::Status;
use pop3_proto::io::{self, Ended, blocking};
use pop3_proto::server::{self, AuthRequest, Failure, Marked, Server};
use pop3_proto::{Instant, Transport};

use crate::reference::normalize;

#[derive(Clone, Debug, Arbitrary)]
pub enum Op {
    Retr(u8),
    Top(u8, u8),
    Dele(u8),
    Rset,
    List,
    Uidl,
    Stat,
    Noop,
}

#[derive(Debug, Arbitrary)]
struct Input<'a> {
    c2s_chunk: u8,
    s2c_chunk: u8,
    body_chunk: u8,
    quit: bool,
    ops: Vec<Op>,
    /// The maildrop: messages separated by [`SEPARATOR`].
    messages: &'a [u8],
}

/// Between two messages of the maildrop in a fuzz input.
pub const SEPARATOR: &[u8] = b"\0\x01MSG\x01\0";

fn messages(mut data: &[u8]) -> Vec<&[u8]> {
    let mut out = Vec::new();
    while let Some(at) = data.windows(SEPARATOR.len()).position(|w| w == SEPARATOR) {
        out.push(&data[..at]);
        data = &data[at + SEPARATOR.len()..];
    }
    out.push(data);
    out
}

type C = Client<512, 256, 8>;
type S = Server<'static, 512, 1024, 2>;

/// What the client heard, owned.
#[derive(Default)]
struct Heard {
    greeted: bool,
    last_ok: Option<(CommandId, bool)>,
    body: Vec<u8>,
    ended: bool,
    closed: Option<bool>,
}

/// The client's end: what the server writes goes straight to the client, `chunk` octets
/// at a time, and its events are taken at once (backpressure both ways).
struct ClientEnd {
    client: C,
    heard: Heard,
    now: u64,
    chunk: usize,
}

impl ClientEnd {
    fn at(&self) -> Instant {
        Instant::from_millis(self.now)
    }

    fn deliver(&mut self, s2c: &[u8]) {
        for piece in s2c.chunks(self.chunk) {
            let mut rest = piece;
            while !rest.is_empty() {
                let n = self.client.handle_input(self.at(), rest);
                rest = &rest[n..];
                self.listen();
            }
        }
        self.listen();
    }

    fn listen(&mut self) {
        loop {
            match self.client.poll_event() {
                Ok(None) => return,
                Ok(Some(event)) => match event {
                    Event::Greeting(_) => self.heard.greeted = true,
                    Event::Reply { id, line, .. } => {
                        self.heard.last_ok = Some((id, line.status == Status::Ok))
                    }
                    Event::Stat { id, .. }
                    | Event::ScanListing { id, .. }
                    | Event::UidListing { id, .. } => self.heard.last_ok = Some((id, true)),
                    Event::Body { id, data } => {
                        self.heard.last_ok = Some((id, true));
                        self.heard.body.extend_from_slice(data);
                    }
                    Event::End { id } => {
                        self.heard.last_ok = Some((id, true));
                        self.heard.ended = true;
                    }
                    Event::Closed { update } => self.heard.closed = Some(update),
                    other => panic!("unexpected event between our own peers: {other:?}"),
                },
                Err(e) => panic!("our client failed against our server: {e:?}"),
            }
        }
    }
}

impl embedded_io::ErrorType for ClientEnd {
    type Error = Infallible;
}

impl embedded_io::Write for ClientEnd {
    fn write(&mut self, buf: &[u8]) -> Result<usize, Infallible> {
        self.deliver(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> Result<(), Infallible> {
        Ok(())
    }
}

/// The maildrop behind the server: the fuzzed messages, read `chunk` octets at a time.
struct Messages<'m> {
    messages: Vec<&'m [u8]>,
    uids: Vec<String>,
    removed: Option<BTreeSet<u32>>,
    chunk: usize,
}

/// A message body read a few octets at a time.
struct Chunked<'m> {
    rest: &'m [u8],
    chunk: usize,
}

impl embedded_io::ErrorType for Chunked<'_> {
    type Error = Infallible;
}

impl embedded_io::Read for Chunked<'_> {
    fn read(&mut self, buf: &mut [u8]) -> Result<usize, Infallible> {
        let n = buf.len().min(self.chunk).min(self.rest.len());
        buf[..n].copy_from_slice(&self.rest[..n]);
        self.rest = &self.rest[n..];
        Ok(n)
    }
}

impl<'m> io::Maildrop for Messages<'m> {
    type Body = Chunked<'m>;

    fn login(&mut self, auth: &AuthRequest<'_>) -> Result<u32, Failure> {
        assert!(auth.matches_secret(b"secret"));
        Ok(self.messages.len() as u32)
    }
    fn size(&mut self, msg: u32) -> Result<u64, Failure> {
        Ok(normalize(self.messages[msg as usize - 1]).len() as u64)
    }
    fn uid(&mut self, msg: u32) -> Result<&[u8], Failure> {
        Ok(self.uids[msg as usize - 1].as_bytes())
    }
    fn open(&mut self, msg: u32) -> Result<Chunked<'m>, Failure> {
        Ok(Chunked {
            rest: self.messages[msg as usize - 1],
            chunk: self.chunk,
        })
    }
    fn update(&mut self, marked: Marked<'_>) -> Result<(), Failure> {
        self.removed = Some(marked.iter().collect());
        Ok(())
    }
}

struct Pair<'m> {
    end: ClientEnd,
    server: S,
    drop: Messages<'m>,
    c2s_chunk: usize,
}

impl Pair<'_> {
    fn at(&self) -> Instant {
        self.end.at()
    }

    /// Moves octets both ways until neither side has anything left to say.
    fn converse(&mut self) {
        for _ in 0..100_000 {
            self.end.now += 1;
            self.serve();
            let c2s = self.end.client.poll_transmit().to_vec();
            self.end.client.transmitted(c2s.len());
            for piece in c2s.chunks(self.c2s_chunk) {
                let mut rest = piece;
                while !rest.is_empty() {
                    let n = self.server.handle_input(self.at(), rest);
                    rest = &rest[n..];
                    self.serve();
                }
            }
            if c2s.is_empty() && self.server.poll_transmit().is_empty() {
                return;
            }
        }
        panic!("the pair never went quiet");
    }

    /// Answers the server's requests from the maildrop through the core's own server
    /// loop, its output going straight to the client.
    fn serve(&mut self) {
        let mut buf = [0u8; 64];
        let no_tls =
            |_: &mut ClientEnd| -> Result<(), Infallible> { panic!("nobody asked for STLS") };
        match blocking::answer(
            &mut self.server,
            &mut self.end,
            &mut self.drop,
            no_tls,
            &mut buf,
        ) {
            Ok(Some(Ended::Closed { update })) => assert_eq!(
                update,
                self.drop.removed.is_some(),
                "Closed disagrees with UPDATE"
            ),
            Ok(_) => {}
            Err(e) => panic!("the server loop failed between our own peers: {e}"),
        }
    }

    /// Runs one command to its end; returns whether it was accepted.
    fn run(&mut self, issue: impl FnOnce(&mut C) -> CommandId) -> bool {
        let heard = &mut self.end.heard;
        heard.last_ok = None;
        heard.body.clear();
        heard.ended = false;
        let id = issue(&mut self.end.client);
        self.converse();
        assert_eq!(self.end.client.in_flight(), 0, "a reply went missing");
        let (answered, ok) = self.end.heard.last_ok.expect("every command is answered");
        assert_eq!(answered, id, "a reply answered the wrong command");
        ok
    }
}

pub fn check(data: &[u8]) {
    let Ok(input) = Input::arbitrary_take_rest(Unstructured::new(data)) else {
        return;
    };
    let mut maildrop = messages(input.messages);
    maildrop.truncate(40);
    let config = server::Config::named(b"ready", b"pair.example").with_cleartext_passwords(true);
    let cfg = client::Config::default().with_security(Security::AllowCleartext);
    let uids = (1..=maildrop.len()).map(|m| format!("uid-{m}")).collect();
    let mut pair = Pair {
        end: ClientEnd {
            client: Client::new(cfg, Transport::Plain, Instant::from_millis(0)),
            heard: Heard::default(),
            now: 0,
            chunk: 1 + usize::from(input.s2c_chunk),
        },
        server: Server::new(config, b"1.1", Transport::Plain, Instant::from_millis(0)),
        drop: Messages {
            messages: maildrop,
            uids,
            removed: None,
            chunk: 1 + usize::from(input.body_chunk),
        },
        c2s_chunk: 1 + usize::from(input.c2s_chunk),
    };
    pair.converse();
    assert!(pair.end.heard.greeted);
    assert!(pair.run(|c| c.user(b"user").expect("USER in AUTHORIZATION")));
    assert!(pair.run(|c| c.pass(b"secret").expect("PASS after USER")));

    let count = pair.drop.messages.len() as u32;
    let mut marked = BTreeSet::new();
    for op in input.ops {
        let exists = |m: u8| (1..=count).contains(&u32::from(m));
        if let Op::Retr(0) | Op::Top(0, _) | Op::Dele(0) = op {
            // Message numbers start at 1: the client refuses 0 at the call, sending nothing.
            let c = &mut pair.end.client;
            assert!(c.retr(0).is_err() && c.top(0, 1).is_err() && c.dele(0).is_err());
            assert!(c.poll_transmit().is_empty());
            continue;
        }
        match op {
            Op::Retr(m) => {
                let ok = pair.run(|c| c.retr(u32::from(m)).expect("RETR in TRANSACTION"));
                let live = exists(m) && !marked.contains(&u32::from(m));
                assert_eq!(ok, live, "RETR {m}");
                if live {
                    assert!(pair.end.heard.ended);
                    assert_eq!(
                        pair.end.heard.body,
                        normalize(pair.drop.messages[usize::from(m) - 1])
                    );
                }
            }
            Op::Top(m, lines) => {
                let ok = pair.run(|c| c.top(u32::from(m), u32::from(lines)).expect("TOP"));
                let live = exists(m) && !marked.contains(&u32::from(m));
                assert_eq!(ok, live, "TOP {m}");
                if live {
                    let whole = normalize(pair.drop.messages[usize::from(m) - 1]);
                    assert!(whole.starts_with(&pair.end.heard.body), "TOP is a prefix");
                }
            }
            Op::Dele(m) => {
                let ok = pair.run(|c| c.dele(u32::from(m)).expect("DELE in TRANSACTION"));
                let fresh = exists(m) && !marked.contains(&u32::from(m));
                assert_eq!(ok, fresh, "DELE {m}");
                if fresh {
                    marked.insert(u32::from(m));
                }
            }
            Op::Rset => {
                assert!(pair.run(|c| c.rset().expect("RSET in TRANSACTION")));
                marked.clear();
            }
            Op::List => assert!(pair.run(|c| c.list(None).expect("LIST"))),
            Op::Uidl => assert!(pair.run(|c| c.uidl(None).expect("UIDL"))),
            Op::Stat => assert!(pair.run(|c| c.stat().expect("STAT"))),
            Op::Noop => assert!(pair.run(|c| c.noop().expect("NOOP"))),
        }
    }
    if input.quit {
        assert!(pair.run(|c| c.quit().expect("QUIT in TRANSACTION")));
        assert_eq!(pair.end.heard.closed, Some(true));
        assert_eq!(pair.drop.removed.as_ref(), Some(&marked));
    } else {
        let at = pair.at();
        pair.server.handle_eof(at);
        pair.serve();
        assert_eq!(
            pair.drop.removed, None,
            "a session without QUIT removed mail"
        );
    }
}
