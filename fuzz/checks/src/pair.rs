//! Our client against our server, in memory, with arbitrary messages, an arbitrary sequence
//! of user operations and arbitrary chunking both ways: every RETR gives the message back as
//! served, every TOP a prefix of it, and the messages removed at UPDATE are exactly those
//! marked with DELE and not reset.

use std::collections::BTreeSet;

use arbitrary::{Arbitrary, Unstructured};
use pop3_proto::Instant;
use pop3_proto::client::{self, Client, CommandId, Event, Security, Transport};
use pop3_proto::codec::Status;
use pop3_proto::server::{self, Request, Server};

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

struct Pair<'m> {
    client: C,
    server: S,
    messages: Vec<&'m [u8]>,
    heard: Heard,
    removed: Option<BTreeSet<u32>>,
    now: u64,
    c2s_chunk: usize,
    s2c_chunk: usize,
    body_chunk: usize,
}

impl Pair<'_> {
    fn at(&self) -> Instant {
        Instant::from_millis(self.now)
    }

    /// Moves octets both ways until neither side has anything left to say.
    fn converse(&mut self) {
        for _ in 0..100_000 {
            self.now += 1;
            self.serve();
            let c2s = self.client.poll_transmit().to_vec();
            self.client.transmitted(c2s.len());
            for piece in c2s.chunks(self.c2s_chunk) {
                let mut rest = piece;
                while !rest.is_empty() {
                    let n = self.server.handle_input(self.at(), rest);
                    rest = &rest[n..];
                    self.serve();
                }
            }
            let s2c = self.server.poll_transmit().to_vec();
            self.server.transmitted(s2c.len());
            self.deliver(&s2c);
            if c2s.is_empty() && s2c.is_empty() {
                return;
            }
        }
        panic!("the pair never went quiet");
    }

    fn deliver(&mut self, s2c: &[u8]) {
        for piece in s2c.chunks(self.s2c_chunk) {
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

    /// Answers the server's requests from the message list; the server writes into its
    /// output buffer, which `converse` drains.
    fn serve(&mut self) {
        for _ in 0..100_000 {
            let req = match self.server.poll_event() {
                Ok(Some(req)) => req,
                Ok(None) => return,
                Err(e) => panic!("our server failed against our client: {e}"),
            };
            let served = |m: u32| normalize(self.messages[m as usize - 1]);
            match req {
                Request::Auth(auth) => {
                    assert!(auth.matches_secret(b"secret"));
                    let count = self.messages.len() as u32;
                    self.server.accept_login(count).expect("login request open");
                }
                Request::Size { msg } => {
                    let size = served(msg).len() as u64;
                    self.server.size(size).expect("size request open");
                }
                Request::Uid { msg } => {
                    let uid = format!("uid-{msg}");
                    self.server.uid(uid.as_bytes()).expect("uid request open");
                }
                Request::Retrieve { msg, .. } => {
                    let body = self.messages[msg as usize - 1];
                    let mut rest = body;
                    while !rest.is_empty() && self.server.body_wanted() {
                        let piece = &rest[..rest.len().min(self.body_chunk)];
                        let n = self.server.send_body(piece).expect("body request open");
                        rest = &rest[n..];
                        // Back-pressure: the output goes to the client before more is sent.
                        let out = self.server.poll_transmit().to_vec();
                        self.server.transmitted(out.len());
                        self.deliver(&out);
                    }
                    self.server.end_body().expect("body request open");
                }
                Request::Update { marked } => {
                    self.removed = Some(marked.iter().collect());
                    self.server.update_done(Ok(())).expect("update open");
                }
                Request::Closed { update } => {
                    assert_eq!(
                        update,
                        self.removed.is_some(),
                        "Closed disagrees with UPDATE"
                    );
                }
                Request::StartTls => panic!("nobody asked for STLS"),
            }
        }
        panic!("the server never stopped asking");
    }

    /// Runs one command to its end; returns whether it was accepted.
    fn run(&mut self, issue: impl FnOnce(&mut C) -> CommandId) -> bool {
        self.heard.last_ok = None;
        self.heard.body.clear();
        self.heard.ended = false;
        let id = issue(&mut self.client);
        self.converse();
        assert_eq!(self.client.in_flight(), 0, "a reply went missing");
        let (answered, ok) = self.heard.last_ok.expect("every command is answered");
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
    let mut pair = Pair {
        client: Client::new(cfg, Transport::Plain, Instant::from_millis(0)),
        server: Server::new(
            config,
            b"1.1",
            pop3_proto::Transport::Plain,
            Instant::from_millis(0),
        ),
        messages: maildrop,
        heard: Heard::default(),
        removed: None,
        now: 0,
        c2s_chunk: 1 + usize::from(input.c2s_chunk),
        s2c_chunk: 1 + usize::from(input.s2c_chunk),
        body_chunk: 1 + usize::from(input.body_chunk),
    };
    pair.converse();
    assert!(pair.heard.greeted);
    assert!(pair.run(|c| c.user(b"user").expect("USER in AUTHORIZATION")));
    assert!(pair.run(|c| c.pass(b"secret").expect("PASS after USER")));

    let count = pair.messages.len() as u32;
    let mut marked = BTreeSet::new();
    for op in input.ops {
        let exists = |m: u8| (1..=count).contains(&u32::from(m));
        if let Op::Retr(0) | Op::Top(0, _) | Op::Dele(0) = op {
            // Message numbers start at 1: the client refuses 0 at the call, sending nothing.
            let c = &mut pair.client;
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
                    assert!(pair.heard.ended);
                    assert_eq!(
                        pair.heard.body,
                        normalize(pair.messages[usize::from(m) - 1])
                    );
                }
            }
            Op::Top(m, lines) => {
                let ok = pair.run(|c| c.top(u32::from(m), u32::from(lines)).expect("TOP"));
                let live = exists(m) && !marked.contains(&u32::from(m));
                assert_eq!(ok, live, "TOP {m}");
                if live {
                    let whole = normalize(pair.messages[usize::from(m) - 1]);
                    assert!(whole.starts_with(&pair.heard.body), "TOP is a prefix");
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
        assert_eq!(pair.heard.closed, Some(true));
        assert_eq!(pair.removed.as_ref(), Some(&marked));
    } else {
        let at = pair.at();
        pair.server.handle_eof(at);
        pair.serve();
        assert_eq!(pair.removed, None, "a session without QUIT removed mail");
    }
}
