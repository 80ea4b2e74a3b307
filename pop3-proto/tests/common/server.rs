//! A test application for the server core: an in-memory maildrop answering every request,
//! and a driver that runs a server alone (scripted client bytes) or paired with the client.

use pop3_proto::Instant;
use pop3_proto::server::{self, AuthRequest, Failure, Request, Server};

use super::normalize;

pub type TestServer = Server<'static, 1024, 2048, 4>;

/// A maildrop and its owner.
#[derive(Clone, Debug)]
pub struct Maildrop {
    pub user: Vec<u8>,
    pub password: Vec<u8>,
    pub token: Vec<u8>,
    pub messages: Vec<(Vec<u8>, Vec<u8>)>,
    pub locked: bool,
    /// What UPDATE removed, when it ran.
    pub removed: Option<Vec<u32>>,
    /// How the session ended, when it did.
    pub closed: Option<bool>,
    /// Requests seen, for tests to inspect.
    pub log: Vec<String>,
    /// Body octets offered per `send_body` call.
    pub chunk: usize,
    /// Write `<TLS>` into the output where the handshake would run (transcripts only).
    pub tls_marker: bool,
}

impl Maildrop {
    pub fn new(messages: &[(&[u8], &[u8])]) -> Self {
        Maildrop {
            user: b"mrose".to_vec(),
            password: b"tanstaaf".to_vec(),
            token: b"ya29.good-token".to_vec(),
            messages: messages
                .iter()
                .map(|(u, b)| (u.to_vec(), b.to_vec()))
                .collect(),
            locked: false,
            removed: None,
            closed: None,
            log: Vec::new(),
            chunk: 7,
            tls_marker: true,
        }
    }

    fn size(&self, msg: u32) -> u64 {
        normalize(&self.messages[msg as usize - 1].1).len() as u64
    }
}

/// An owned copy of a request, so the server can be answered while it is inspected.
#[derive(Debug)]
enum Owned {
    Auth { ok: bool, user: Vec<u8> },
    Stat,
    Size(u32),
    Uid(u32),
    Retrieve(u32),
    StartTls,
    Update(Vec<u32>),
    Closed(bool),
}

fn own(req: &Request<'_>, drop: &Maildrop) -> Owned {
    match req {
        Request::Auth(a) => {
            let ok = a.user() == drop.user.as_slice()
                && match a {
                    AuthRequest::Bearer { token, .. } => *token.expose() == drop.token.as_slice(),
                    other => other.matches_secret(&drop.password),
                };
            Owned::Auth {
                ok,
                user: a.user().to_vec(),
            }
        }
        Request::Stat => Owned::Stat,
        Request::Size { msg } => Owned::Size(*msg),
        Request::Uid { msg } => Owned::Uid(*msg),
        Request::Retrieve { msg, .. } => Owned::Retrieve(*msg),
        Request::StartTls => Owned::StartTls,
        Request::Update { marked } => Owned::Update(marked.iter().collect()),
        Request::Closed { update } => Owned::Closed(*update),
    }
}

/// Takes the server's output into `out`, and answers every request from `drop`.
pub fn serve(server: &mut TestServer, drop: &mut Maildrop, out: &mut Vec<u8>) {
    loop {
        let pending = server.poll_transmit().to_vec();
        server.transmitted(pending.len());
        out.extend_from_slice(&pending);
        let Some(req) = server.poll_event() else {
            // Answering a command may have queued output: loop until both are quiet.
            if pending.is_empty() && server.poll_transmit().is_empty() {
                return;
            }
            continue;
        };
        let owned = own(&req, drop);
        drop.log.push(format!("{owned:?}"));
        match owned {
            Owned::Auth { ok: true, .. } if drop.locked => server
                .reject_login(Failure::InUse, b"Mailbox is locked")
                .unwrap(),
            Owned::Auth { ok: true, .. } => {
                server.accept_login(drop.messages.len() as u32).unwrap()
            }
            Owned::Auth { ok: false, .. } => server
                .reject_login(Failure::Auth, b"Authentication failed")
                .unwrap(),
            Owned::Stat => {
                let live: Vec<u32> = (1..=server.message_count())
                    .filter(|&m| !server.is_marked(m))
                    .collect();
                let octets = live.iter().map(|&m| drop.size(m)).sum();
                server.stat(live.len() as u32, octets).unwrap();
            }
            Owned::Size(msg) => server.size(drop.size(msg)).unwrap(),
            Owned::Uid(msg) => server
                .uid(&drop.messages[msg as usize - 1].0.clone())
                .unwrap(),
            Owned::Retrieve(msg) => {
                let body = drop.messages[msg as usize - 1].1.clone();
                let mut rest = &body[..];
                while !rest.is_empty() && server.body_wanted() {
                    let piece = &rest[..rest.len().min(drop.chunk)];
                    let n = server.send_body(piece).unwrap();
                    rest = &rest[n..];
                    let pending = server.poll_transmit().to_vec();
                    server.transmitted(pending.len());
                    out.extend_from_slice(&pending);
                }
                server.end_body().unwrap();
            }
            Owned::StartTls => {
                // The handshake would run here, after the +OK is sent.
                let pending = server.poll_transmit().to_vec();
                server.transmitted(pending.len());
                out.extend_from_slice(&pending);
                if drop.tls_marker {
                    out.extend_from_slice(b"<TLS>");
                }
                server.tls_established().unwrap();
            }
            Owned::Update(marked) => {
                drop.removed = Some(marked);
                server.update_done(Ok(())).unwrap();
            }
            Owned::Closed(update) => drop.closed = Some(update),
        }
    }
}

/// A server session fed `client` bytes `chunk` octets at a time; returns its output.
pub fn run_server(
    config: server::Config<'static>,
    drop: &mut Maildrop,
    client: &[u8],
    chunk: usize,
) -> (TestServer, Vec<u8>) {
    let mut server: TestServer =
        Server::new(config, b"1896.697170952", false, Instant::from_millis(0));
    let mut out = Vec::new();
    serve(&mut server, drop, &mut out);
    let mut now = 0;
    for piece in client.chunks(chunk.max(1)) {
        let mut rest = piece;
        while !rest.is_empty() {
            now += 1;
            let n = server.handle_input(Instant::from_millis(now), rest);
            rest = &rest[n..];
            serve(&mut server, drop, &mut out);
        }
    }
    (server, out)
}

/// The RFC 1939 host of the examples.
pub fn rfc_config() -> server::Config<'static> {
    server::Config::named(b"POP3 server ready", b"dbc.mtview.ca.us").with_shared_secrets(true)
}
