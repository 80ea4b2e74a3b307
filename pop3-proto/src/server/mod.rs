//! The sans-IO POP3 server: the protocol of RFC 1939, 2449, 2595, 3206, 5034 and 6856, with
//! the maildrop left to the application.
//!
//! The server parses and checks every command, answers everything the protocol decides by
//! itself (wrong state, unknown or malformed commands, message numbers out of range or
//! already marked, DELE, RSET, NOOP, CAPA, STLS, SASL exchanges), and asks the application,
//! through [`Request`]s from [`Server::poll_event`], only for what it owns: checking
//! credentials, sizes, unique-ids, message contents, and removing messages at UPDATE.
//! The application answers with typed methods ([`Server::accept_login`], [`Server::size`],
//! [`Server::send_body`], ...); the server formats every reply.
//!
//! Commands that arrive together (PIPELINING) are answered one after the other, in order;
//! the next command is not read until the application has answered the current request
//! and the output buffer has room.
//!
//! The drive loop is the client's. Until both are quiet: take [`Server::poll_event`] until
//! `None`, answering each request (reading commands queues replies, so requests come
//! first); send [`Server::poll_transmit`] and acknowledge with [`Server::transmitted`].
//! Then wait for input or [`Server::poll_timeout`]. After [`Request::Closed`], send what
//! is left and close the connection.

mod answer;
mod capa;
mod config;
mod dispatch;
mod error;
mod event;
mod marks;
mod sasl;
#[cfg(feature = "scram")]
mod scram;
mod top;

pub use answer::{Failure, UsageError};
pub use config::{Config, MIN_AUTOLOGOUT};
pub use error::Error;
pub use event::{AuthRequest, Marked, Request};

use heapless::Vec;

use crate::Transport;
use crate::codec::{COMMAND_LINE_LIMIT, Framer, Mechanism, Stuffer, Timestamp};
use crate::outbuf::Tx;
use crate::secret::Secret;
use crate::time::Instant;
use marks::Marks;
use sasl::SaslState;
use top::TopCut;

/// Where the session stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum State {
    /// AUTHORIZATION: waiting for credentials.
    Authorization,
    /// The `+OK` to STLS is out; the driver runs the TLS handshake.
    TlsHandshake,
    /// TRANSACTION: the maildrop is open.
    Transaction,
    /// The session is over.
    Closed,
}

/// Where a piece of a request's data lives.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Src {
    /// A range of the receive buffer (the command line).
    Rx(usize, usize),
    /// A range of the decoded SASL data.
    Decoded(usize, usize),
    /// The name given with USER (or LOGIN's first answer).
    User,
    /// Nothing.
    Empty,
}

/// A request, with its data as positions: turned into a borrowed [`Request`] at the last
/// moment, after the state machine has finished changing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Ask {
    Password {
        user: Src,
        password: Src,
        authzid: Src,
    },
    Apop {
        user: Src,
        digest: Src,
    },
    CramMd5 {
        user: Src,
        digest: Src,
    },
    Bearer {
        mechanism: Mechanism<'static>,
        user: Src,
        token: Src,
    },
    /// SCRAM: the user's stored keys (the user is `Src::User`).
    #[cfg(feature = "scram")]
    ScramKeys,
    /// SCRAM: the proof was right; the user is `Src::User`.
    #[cfg(feature = "scram")]
    Verified {
        authzid: Src,
    },
    /// SCRAM: the proof was wrong; the user is `Src::User`.
    #[cfg(feature = "scram")]
    Refuted,
    Size(u32),
    Uid(u32),
    Retrieve {
        msg: u32,
        lines: Option<u32>,
    },
    StartTls,
    Update,
    Closed {
        update: bool,
    },
}

/// What the application owes the server.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Awaiting {
    /// Nothing: the next command may be read.
    Nothing,
    Login,
    /// SCRAM: the user's stored keys.
    #[cfg(feature = "scram")]
    ScramKeys,
    /// STAT: the size of `msg`, with the totals of the messages before it that are not
    /// marked (RFC 1939 section 5: marked messages are not counted).
    Stat {
        msg: u32,
        count: u32,
        octets: u64,
    },
    /// A size; `listing` when it is a line of LIST rather than the reply to `LIST n`.
    Size {
        msg: u32,
        listing: bool,
    },
    Uid {
        msg: u32,
        listing: bool,
    },
    /// A message body; `started` once `+OK` is out.
    Body {
        stuffer: Stuffer,
        top: Option<TopCut>,
        started: bool,
    },
    Update,
    TlsHandshake,
    /// A LIST or UIDL listing continues from message `next` (the server drives it).
    Listing {
        next: u32,
        uid: bool,
    },
}

/// The POP3 server. See the module documentation.
///
/// `RX` octets hold commands and SASL lines (and bound the largest SASL answer, such as an
/// OAuth token); `TX` octets of replies wait for the transport; `W` words of marks serve
/// maildrops of up to `32 * W` messages (a larger maildrop is served in part, as some
/// servers do).
pub struct Server<'c, const RX: usize = 1024, const TX: usize = 2048, const W: usize = 128> {
    rx: [u8; RX],
    rx_start: usize,
    rx_end: usize,
    core: Core<'c, RX, TX, W>,
}

struct Core<'c, const RX: usize, const TX: usize, const W: usize> {
    config: Config<'c>,
    tls: bool,
    state: State,
    framer: Framer,
    tx: Tx<TX>,
    timestamp: Vec<u8, 128>,
    user: Vec<u8, COMMAND_LINE_LIMIT>,
    sasl: SaslState,
    #[cfg(feature = "scram")]
    scram: scram::ScramServer,
    decoded: [u8; RX],
    awaiting: Awaiting,
    marks: Marks<W>,
    messages: u32,
    bad_commands: u16,
    utf8: bool,
    rx_consumed: usize,
    now: Instant,
    last_activity: Instant,
    /// When the connection opened: the login timeout counts from here.
    started: Instant,
    owed: Option<Ask>,
    closed_reported: bool,
    discard_input: bool,
    /// The client's side has ended; commands already buffered are still answered.
    eof: bool,
    poisoned: Option<Error>,
}

impl<'c, const RX: usize, const TX: usize, const W: usize> Server<'c, RX, TX, W> {
    /// A session on a connection accepted at `now`, greeting queued. `token` makes the
    /// APOP timestamp `<token@hostname>` unique: it must differ for every greeting (RFC
    /// 1939 section 7), e.g. process id, a counter and the clock. `transport` is
    /// [`Transport::Tls`] on an implicit-TLS port (RFC 8314).
    pub fn new(config: Config<'c>, token: &[u8], transport: Transport, now: Instant) -> Self {
        const {
            assert!(RX >= COMMAND_LINE_LIMIT, "RX must hold a 255-octet command");
            assert!(TX >= 1024, "TX must hold a CAPA reply");
        };
        let mut core = Core {
            config,
            tls: transport == Transport::Tls,
            state: State::Authorization,
            framer: Framer::new(COMMAND_LINE_LIMIT, config.strictness),
            tx: Tx::new(),
            timestamp: Vec::new(),
            user: Vec::new(),
            sasl: SaslState::None,
            #[cfg(feature = "scram")]
            scram: Default::default(),
            decoded: [0; RX],
            awaiting: Awaiting::Nothing,
            marks: Marks::new(),
            messages: 0,
            bad_commands: 0,
            utf8: false,
            rx_consumed: 0,
            now,
            last_activity: now,
            started: now,
            owed: None,
            closed_reported: false,
            discard_input: false,
            eof: false,
            poisoned: None,
        };
        core.make_timestamp(token);
        core.greet();
        Server {
            rx: [0; RX],
            rx_start: 0,
            rx_end: 0,
            core,
        }
    }

    /// The session state.
    pub fn state(&self) -> State {
        self.core.state
    }

    /// The APOP timestamp of the greeting: there only when APOP is offered.
    pub fn timestamp(&self) -> Option<Timestamp<'_>> {
        Timestamp::new(&self.core.timestamp).filter(|_| self.core.config.apop)
    }

    /// Messages in the maildrop as served (after login).
    pub fn message_count(&self) -> u32 {
        self.core.messages
    }

    /// True when `msg` is marked with DELE: STAT totals leave it out.
    pub fn is_marked(&self, msg: u32) -> bool {
        self.core.marks.is_marked(msg)
    }

    fn drop_consumed(&mut self) {
        self.rx_start = (self.rx_start + self.core.rx_consumed).min(self.rx_end);
        self.core.rx_consumed = 0;
        if self.rx_start == self.rx_end {
            self.rx_start = 0;
            self.rx_end = 0;
        }
    }

    /// Free space to read into directly; follow with [`Server::received`].
    pub fn recv_buffer(&mut self) -> &mut [u8] {
        self.drop_consumed();
        if self.rx_end == RX && self.rx_start > 0 {
            self.rx.copy_within(self.rx_start..self.rx_end, 0);
            self.rx_end -= self.rx_start;
            self.rx_start = 0;
        }
        self.rx.get_mut(self.rx_end..).unwrap_or_default()
    }

    /// `n` octets were read into [`Server::recv_buffer`] at `now`.
    pub fn received(&mut self, now: Instant, n: usize) {
        self.core.now = now;
        if n == 0 || self.core.state == State::Closed {
            return;
        }
        if self.core.state == State::TlsHandshake {
            // Plaintext after the +OK to STLS: never to be run as a command inside TLS
            // (command injection, CVE-2011-0411 class).
            self.core.poison(Error::CommandInjection);
            return;
        }
        // Octets alone do not reset the idle timer: a complete command does (RFC 1939
        // section 3), so a client that drips octets is still logged out.
        self.rx_end = (self.rx_end + n).min(RX);
    }

    /// Hands over octets from the client at `now`. Returns how many were taken: fewer than
    /// offered when the receive buffer is full (poll events, then offer the rest); never
    /// loses any. Input after the session closed is discarded; input during the TLS
    /// handshake ends the session with [`Error::CommandInjection`].
    pub fn handle_input(&mut self, now: Instant, data: &[u8]) -> usize {
        if self.core.state == State::Closed {
            self.core.now = now;
            return data.len();
        }
        let space = self.recv_buffer();
        let n = space.len().min(data.len());
        if let (Some(dst), Some(src)) = (space.get_mut(..n), data.get(..n)) {
            dst.copy_from_slice(src);
        }
        self.received(now, n);
        if self.core.poisoned.is_some() {
            return data.len();
        }
        n
    }

    /// The client's side of the connection ended at `now`. Complete commands already
    /// received are still answered, in order (`DELE 1`, `QUIT`, then EOF removes message
    /// 1); then the session ends, without UPDATE unless a QUIT ran it.
    pub fn handle_eof(&mut self, now: Instant) {
        self.core.now = now;
        self.core.eof = true;
    }

    /// Time passed; call at or after [`Server::poll_timeout`]. At the autologout deadline
    /// the session closes without UPDATE and without a reply (RFC 1939 section 3).
    pub fn handle_timeout(&mut self, now: Instant) {
        self.core.now = now;
        if self.core.deadline().is_some_and(|d| now >= d) {
            self.core.close(false);
        }
    }

    /// When [`Server::handle_timeout`] should be called next: the autologout deadline, and
    /// before login the login timeout.
    #[must_use]
    pub fn poll_timeout(&self) -> Option<Instant> {
        self.core.deadline()
    }

    /// Octets to send now; write them, then acknowledge with [`Server::transmitted`]. Call
    /// after every input, request and answer, until it is empty.
    #[must_use]
    pub fn poll_transmit(&self) -> &[u8] {
        self.core.tx.pending()
    }

    /// `n` octets of [`Server::poll_transmit`] were written.
    pub fn transmitted(&mut self, n: usize) {
        self.core.tx.transmitted(n);
    }

    /// True while the session waits for octets from the client: the driver should read.
    /// False once it is over, during the TLS handshake, and after the client's EOF.
    pub fn wants_input(&self) -> bool {
        matches!(self.core.state, State::Authorization | State::Transaction)
            && !self.core.eof
            && self.core.poisoned.is_none()
    }

    /// True once the session is over (closed or failed).
    pub fn is_closed(&self) -> bool {
        self.core.state == State::Closed
    }

    /// The fatal error that ended the session, if one did.
    pub fn error(&self) -> Option<Error> {
        self.core.poisoned
    }

    /// The next request for the application. `Ok(None)` when the server waits for input,
    /// for room in the output buffer, or for the application's answer to the last request.
    /// Call after every input and every answer, until it returns `Ok(None)`. An `Err` is
    /// fatal: the session is over and every later call returns the same error.
    #[must_use = "requests must be answered, and Closed ends the session"]
    pub fn poll_event(&mut self) -> Result<Option<Request<'_>>, Error> {
        if let Some(e) = self.core.poisoned {
            return Err(e);
        }
        self.drop_consumed();
        let Some(ask) = self.next_ask() else {
            return Ok(None);
        };
        let core = &self.core;
        let rx = self.rx.get(..self.rx_end).unwrap_or_default();
        Ok(Some(core.materialize(ask, rx)))
    }

    fn next_ask(&mut self) -> Option<Ask> {
        if let Some(ask) = self.core.owed.take() {
            return Some(ask);
        }
        // Octets of the unconsumed input used by this call; positions handed out in the
        // request stay valid until the next call drops them.
        let mut offset = 0;
        loop {
            match self.core.awaiting {
                Awaiting::Listing { next, uid } => {
                    if self.core.tx.room() < 128 {
                        return None;
                    }
                    if let Some(ask) = self.core.next_listing(next, uid) {
                        return Some(ask);
                    }
                }
                Awaiting::Nothing if self.core.state != State::Closed => {
                    if self.core.tx.room() < 1024 {
                        return None;
                    }
                    let input = self.rx.get(self.rx_start..self.rx_end).unwrap_or_default();
                    let decoded = self
                        .core
                        .framer
                        .decode(input.get(offset..).unwrap_or_default());
                    let line_at = self.rx_start + offset;
                    offset += decoded.consumed;
                    self.core.rx_consumed = offset;
                    let Some(frame) = decoded.frame else {
                        if self.core.framer.discarding() {
                            // A line past the limit (255 octets for a command, RFC 2449
                            // section 4; more for SASL lines) is never a command, and its
                            // end is the client's to withhold: answer and close now rather
                            // than hold the slot while it goes on.
                            self.core.overlong();
                            return self.core.owed.take();
                        }
                        if self.core.eof {
                            // Every complete command was answered: now the EOF counts.
                            self.core.close(false);
                            return self.core.owed.take();
                        }
                        return None;
                    };
                    let ask = self.core.on_frame(frame, line_at);
                    if self.core.discard_input {
                        // STLS: whatever the client sent after it was sent in plaintext and
                        // must never run inside TLS (CVE-2011-0411 class).
                        self.core.discard_input = false;
                        self.core.rx_consumed = input.len();
                    }
                    if ask.is_some() {
                        return ask;
                    }
                }
                _ => return None,
            }
        }
    }
}

impl<'c, const RX: usize, const TX: usize, const W: usize> crate::Endpoint
    for Server<'c, RX, TX, W>
{
    type Event<'a>
        = Request<'a>
    where
        Self: 'a;
    type Error = Error;

    fn handle_input(&mut self, now: Instant, data: &[u8]) -> usize {
        Server::handle_input(self, now, data)
    }
    fn recv_buffer(&mut self) -> &mut [u8] {
        Server::recv_buffer(self)
    }
    fn received(&mut self, now: Instant, n: usize) {
        Server::received(self, now, n)
    }
    fn handle_eof(&mut self, now: Instant) {
        Server::handle_eof(self, now)
    }
    fn handle_timeout(&mut self, now: Instant) {
        Server::handle_timeout(self, now)
    }
    fn poll_event(&mut self) -> Result<Option<Request<'_>>, Error> {
        Server::poll_event(self)
    }
    fn poll_transmit(&self) -> &[u8] {
        Server::poll_transmit(self)
    }
    fn transmitted(&mut self, n: usize) {
        Server::transmitted(self, n)
    }
    fn poll_timeout(&self) -> Option<Instant> {
        Server::poll_timeout(self)
    }
    fn wants_input(&self) -> bool {
        Server::wants_input(self)
    }
    fn is_closed(&self) -> bool {
        Server::is_closed(self)
    }
    fn error(&self) -> Option<Error> {
        Server::error(self)
    }
}

impl<const RX: usize, const TX: usize, const W: usize> Core<'_, RX, TX, W> {
    fn poison(&mut self, e: Error) {
        if self.poisoned.is_none() {
            self.poisoned = Some(e);
        }
        self.state = State::Closed;
        self.awaiting = Awaiting::Nothing;
        self.owed = None;
        self.tx.clear();
    }

    fn deadline(&self) -> Option<Instant> {
        if self.poisoned.is_some() {
            return None;
        }
        let idle = self
            .last_activity
            .saturating_add(self.config.autologout.max(config::MIN_AUTOLOGOUT));
        match self.state {
            State::Closed => None,
            State::Transaction => Some(idle),
            // Before login, whatever the client sends, the session has a fixed time.
            State::Authorization | State::TlsHandshake => {
                Some(idle.min(self.started.saturating_add(self.config.login_timeout)))
            }
        }
    }

    /// Ends the session; `update` only after a QUIT whose UPDATE was done.
    fn close(&mut self, update: bool) {
        if self.state == State::Closed {
            return;
        }
        self.state = State::Closed;
        self.awaiting = Awaiting::Nothing;
        if !self.closed_reported {
            self.closed_reported = true;
            self.owed = Some(Ask::Closed { update });
        }
    }

    fn make_timestamp(&mut self, token: &[u8]) {
        for part in [&b"<"[..], token, b"@", self.config.hostname, b">"] {
            if self.timestamp.extend_from_slice(part).is_err() {
                self.timestamp.clear();
                return;
            }
        }
        if Timestamp::new(&self.timestamp).is_none() {
            self.timestamp.clear();
        }
    }

    fn greet(&mut self) {
        // RFC 1939 section 7: a timestamp in the greeting says APOP is offered, so it is
        // there only when it is (the CRAM-MD5 challenge uses it all the same).
        let timestamp = Timestamp::new(&self.timestamp).filter(|_| self.config.apop);
        let mut greeting = crate::codec::Greeting::ok(self.config.greeting, timestamp);
        if let Some(code) = self.config.greeting_code {
            greeting = greeting.with_code(code);
        }
        if self.tx.push(|b| greeting.encode(b)).is_err() {
            let _ = self
                .tx
                .push(|b| crate::codec::StatusLine::ok(b"POP3 server ready").encode(b));
        }
    }

    fn src<'a>(&'a self, src: Src, rx: &'a [u8]) -> &'a [u8] {
        match src {
            Src::Rx(a, b) => rx.get(a..b).unwrap_or_default(),
            Src::Decoded(a, b) => self.decoded.get(a..b).unwrap_or_default(),
            Src::User => &self.user,
            Src::Empty => &[],
        }
    }

    fn materialize<'a>(&'a self, ask: Ask, rx: &'a [u8]) -> Request<'a> {
        let s = |src| self.src(src, rx);
        match ask {
            Ask::Password {
                user,
                password,
                authzid,
            } => Request::Auth(AuthRequest::Password {
                user: s(user),
                password: Secret::new(s(password)),
                authzid: s(authzid),
            }),
            Ask::Apop { user, digest } => match Timestamp::new(&self.timestamp) {
                Some(timestamp) => Request::Auth(AuthRequest::Apop {
                    user: s(user),
                    digest: s(digest),
                    timestamp,
                }),
                // dispatch() refuses APOP without a timestamp; keep the types honest anyway.
                None => Request::Closed { update: false },
            },
            Ask::CramMd5 { user, digest } => Request::Auth(AuthRequest::CramMd5 {
                user: s(user),
                digest: s(digest),
                challenge: &self.timestamp,
            }),
            Ask::Bearer {
                mechanism,
                user,
                token,
            } => Request::Auth(AuthRequest::Bearer {
                mechanism,
                user: s(user),
                token: Secret::new(s(token)),
            }),
            #[cfg(feature = "scram")]
            Ask::ScramKeys => Request::ScramKeys { user: &self.user },
            #[cfg(feature = "scram")]
            Ask::Verified { authzid } => Request::Auth(AuthRequest::Verified {
                mechanism: Mechanism::ScramSha256,
                user: &self.user,
                authzid: s(authzid),
            }),
            #[cfg(feature = "scram")]
            Ask::Refuted => Request::Auth(AuthRequest::Refuted {
                mechanism: Mechanism::ScramSha256,
                user: &self.user,
            }),
            Ask::Size(msg) => Request::Size { msg },
            Ask::Uid(msg) => Request::Uid { msg },
            Ask::Retrieve { msg, lines } => Request::Retrieve { msg, lines },
            Ask::StartTls => Request::StartTls,
            Ask::Update => Request::Update {
                marked: self.marks.marked(),
            },
            Ask::Closed { update } => Request::Closed { update },
        }
    }
}
