//! A test application for the server core: an in-memory maildrop answering every request,
//! and a driver that runs a server alone (scripted client bytes) or paired with the client.

use pop3_proto::io::{self, Ended, blocking};
use std::sync::Mutex;

use pop3_proto::sasl::scram::StoredKeys;
use pop3_proto::server::{self, AuthRequest, Failure, Marked, Server};
use pop3_proto::{Instant, Transport};

use super::normalize;

pub type TestServer = Server<'static, 1024, 2048, 4>;

/// StoredKey and ServerKey.
type KeyPair = ([u8; 32], [u8; 32]);

/// Keys derived so far: password, salt, keys.
type Derived = Vec<(Vec<u8>, Vec<u8>, KeyPair)>;

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
    /// The user's SCRAM-SHA-256 keys, derived from the password over this salt.
    pub scram_salt: Vec<u8>,
    /// Keys handed out with `scram_keys`, kept so that they can be borrowed.
    scram_keys: Option<(Vec<u8>, KeyPair)>,
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
            // RFC 7677 section 3's salt.
            scram_salt: b"\x5b\x6d\x99\x68\x9d\x12\x35\x8e\xec\xa0\x4b\x14\x12\x36\xfa\x81"
                .to_vec(),
            scram_keys: None,
        }
    }

    fn size(&self, msg: u32) -> u64 {
        normalize(&self.messages[msg as usize - 1].1).len() as u64
    }
}

/// A message body read `chunk` octets at a time.
pub struct Body {
    data: Vec<u8>,
    at: usize,
    chunk: usize,
}

impl embedded_io::ErrorType for Body {
    type Error = std::convert::Infallible;
}

impl embedded_io::Read for Body {
    fn read(&mut self, buf: &mut [u8]) -> Result<usize, Self::Error> {
        let n = buf.len().min(self.chunk).min(self.data.len() - self.at);
        buf[..n].copy_from_slice(&self.data[self.at..self.at + n]);
        self.at += n;
        Ok(n)
    }
}

impl embedded_io_async::Read for Body {
    async fn read(&mut self, buf: &mut [u8]) -> Result<usize, Self::Error> {
        embedded_io::Read::read(self, buf)
    }
}

impl io::Maildrop for Maildrop {
    type Body = Body;

    fn login(&mut self, auth: &AuthRequest<'_>) -> Result<u32, Failure> {
        let ok = auth.user() == self.user.as_slice()
            && match auth {
                AuthRequest::Bearer { token, .. } => *token.expose() == self.token.as_slice(),
                // The core checked the proof against this user's keys.
                AuthRequest::Verified { .. } => true,
                AuthRequest::Refuted { .. } => false,
                other => other.matches_secret(&self.password),
            };
        self.log.push(format!(
            "Auth {{ ok: {ok}, user: {:?} }}",
            String::from_utf8_lossy(auth.user())
        ));
        match (ok, self.locked) {
            (true, false) => Ok(self.messages.len() as u32),
            (true, true) => Err(Failure::InUse),
            (false, _) => Err(Failure::Auth),
        }
    }

    fn scram_keys(&mut self, user: &[u8]) -> Option<StoredKeys<'_>> {
        self.log
            .push(format!("ScramKeys({:?})", String::from_utf8_lossy(user)));
        if user != self.user.as_slice() {
            return None;
        }
        // PBKDF2 is slow unoptimized: derive once per password and salt.
        static DERIVED: Mutex<Derived> = Mutex::new(Vec::new());
        let mut derived = DERIVED.lock().unwrap();
        let known = derived
            .iter()
            .find(|(p, s, _)| *p == self.password && *s == self.scram_salt)
            .map(|(.., pair)| *pair);
        let pair = match known {
            Some(pair) => pair,
            None => {
                let keys = StoredKeys::derive(&self.password, &self.scram_salt, 4096)?;
                let pair = (*keys.stored_key(), *keys.server_key());
                derived.push((self.password.clone(), self.scram_salt.clone(), pair));
                pair
            }
        };
        let kept = self.scram_keys.insert((self.scram_salt.clone(), pair));
        StoredKeys::new(&kept.0, 4096, kept.1.0, kept.1.1)
    }

    fn size(&mut self, msg: u32) -> Result<u64, Failure> {
        self.log.push(format!("Size({msg})"));
        Ok(Maildrop::size(self, msg))
    }

    fn uid(&mut self, msg: u32) -> Result<&[u8], Failure> {
        self.log.push(format!("Uid({msg})"));
        Ok(&self.messages[msg as usize - 1].0)
    }

    fn open(&mut self, msg: u32) -> Result<Body, Failure> {
        self.log.push(format!("Retrieve({msg})"));
        Ok(Body {
            data: self.messages[msg as usize - 1].1.clone(),
            at: 0,
            chunk: self.chunk,
        })
    }

    fn update(&mut self, marked: Marked<'_>) -> Result<(), Failure> {
        self.log.push(format!("Update({:?})", marked));
        self.removed = Some(marked.iter().collect());
        Ok(())
    }
}

/// Takes the server's output into `out`, and answers every request from `drop`, through
/// the core's own server loop.
pub fn serve(server: &mut TestServer, drop: &mut Maildrop, out: &mut Vec<u8>) {
    let marker = drop.tls_marker;
    let upgrade = |out: &mut Vec<u8>| {
        // The handshake would run here, after the +OK is sent.
        if marker {
            out.extend_from_slice(b"<TLS>");
        }
        Ok(())
    };
    let mut body = [0u8; 64];
    match blocking::answer(server, out, drop, upgrade, &mut body) {
        Ok(Some(Ended::Closed { update })) => drop.closed = Some(update),
        Ok(_) => {}
        Err(e) => panic!("the server loop failed: {e}"),
    }
}

/// A server session fed `client` bytes `chunk` octets at a time; returns its output.
pub fn run_server(
    config: server::Config<'static>,
    drop: &mut Maildrop,
    client: &[u8],
    chunk: usize,
) -> (TestServer, Vec<u8>) {
    run_server_greeting(config, b"1896.697170952", drop, client, chunk)
}

/// The same with the greeting token `token`.
pub fn run_server_greeting(
    config: server::Config<'static>,
    token: &[u8],
    drop: &mut Maildrop,
    client: &[u8],
    chunk: usize,
) -> (TestServer, Vec<u8>) {
    let mut server: TestServer =
        Server::new(config, token, Transport::Plain, Instant::from_millis(0));
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
