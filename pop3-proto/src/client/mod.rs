//! The sans-IO POP3 client: a state machine that any I/O loop can drive.
//!
//! Inputs are `handle_*` calls, commands are plain methods that return a [`CommandId`],
//! outputs are `poll_*` calls. The client owns two fixed buffers (`RX` octets for replies,
//! `TX` for commands) and a queue of `Q` commands in flight; it never allocates, never
//! reads a clock and never blocks.
//!
//! # The drive loop
//!
//! After every input and every command, until both are quiet:
//!
//! 1. call [`Client::poll_event`] until it returns `Ok(None)`, reacting to each event
//!    (reading replies releases queued commands, so events come first);
//! 2. send what [`Client::poll_transmit`] returns, then acknowledge it with
//!    [`Client::transmitted`] (peek, write, acknowledge: a write that is cancelled or
//!    fails loses nothing);
//!
//! then wait for input or until [`Client::poll_timeout`], and hand what happened to
//! [`Client::handle_input`], [`Client::handle_eof`] or [`Client::handle_timeout`].
//!
//! Acknowledge each write before handing over what is read after it: a reply counts only
//! if it arrived after its command went out whole, so octets that a server sends ahead of
//! a command (forged, or left over after a reply) are refused with
//! [`Error::ReplyBeforeCommand`] instead of being read as its reply.
//!
//! Output never exceeds `TX` octets, and commands are released to it only as the
//! pipelining rules allow, so a driver that writes everything before reading cannot
//! deadlock against a server that is writing too, as long as `TX` is smaller than the
//! transport's send window (RFC 2449 section 6.6); the default 1 KiB is.
//!
//! A complete loop against a scripted server is in the crate documentation.

mod capabilities;
mod commands;
mod config;
mod error;
mod event;
mod login;
mod queue;
mod refusal;
mod reply;
#[cfg(feature = "scram")]
mod scram;
mod state;

pub use capabilities::Capabilities;
pub use config::{Config, Security, Transport};
pub use error::{Error, UsageError};
pub use event::{CommandId, CommandKind, Event, LineError};
pub use login::LoginMethod;
pub use refusal::Refusal;
pub use state::State;

use heapless::{Deque, Vec};

use crate::codec::{Framer, RESPONSE_LINE_LIMIT};
use crate::outbuf::Tx;
use crate::time::Instant;
use queue::{Mark, Pending};

/// The longest APOP timestamp kept from the greeting.
const MAX_TIMESTAMP: usize = 128;
/// The longest decoded SASL challenge kept for the answer (CRAM-MD5 needs it).
const MAX_CHALLENGE: usize = 256;

/// An event the client owes the application after the one it just returned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
enum Owed {
    Closed { update: bool },
}

/// The POP3 client. See the module documentation for the drive loop.
pub struct Client<const RX: usize = 1024, const TX: usize = 1024, const Q: usize = 32> {
    rx: [u8; RX],
    rx_start: usize,
    rx_end: usize,
    core: Session<TX, Q>,
}

/// The client's state machine without its receive buffer: the session state, the commands
/// in flight and the output. Every command method lives here. A [`Client`] dereferences to
/// its session, so `client.retr(1)` works; and because events borrow only the receive
/// buffer, [`Client::poll_event_split`] hands out an event together with the session, so
/// that commands can be issued in reaction to the event while it is still borrowed (the
/// drive loops in `pop3_proto::io` do this).
pub struct Session<const TX: usize = 1024, const Q: usize = 32> {
    config: Config,
    tls: bool,
    state: State,
    framer: Framer,
    queue: Deque<Pending, Q>,
    tx: Tx<TX>,
    caps: Capabilities,
    next_id: u32,
    timestamp: Vec<u8, MAX_TIMESTAMP>,
    challenge: Vec<u8, MAX_CHALLENGE>,
    awaiting_challenge: bool,
    #[cfg(feature = "scram")]
    scram: scram::ScramState,
    user_accepted: bool,
    utf8: bool,
    /// Octets received since the connection opened (modulo 2^32): the clock against which
    /// each reply is checked to have arrived after its command went out.
    received: u32,
    /// Octets of the receive buffer consumed by the event last returned.
    rx_consumed: usize,
    now: Instant,
    last_activity: Instant,
    /// When the reply being read (or the greeting, or the TLS handshake) became due.
    due_since: Instant,
    eof: bool,
    owed: Option<Owed>,
    closed_reported: bool,
    poisoned: Option<Error>,
}

impl<const RX: usize, const TX: usize, const Q: usize> Client<RX, TX, Q> {
    /// A client for a connection just opened at `now`, waiting for the greeting.
    ///
    /// `RX` must hold a whole response line (512 octets, RFC 2449 section 4); a smaller
    /// buffer does not compile.
    pub fn new(config: Config, transport: Transport, now: Instant) -> Self {
        const {
            assert!(
                RX >= RESPONSE_LINE_LIMIT,
                "RX must hold a 512-octet response line"
            )
        };
        Client {
            rx: [0; RX],
            rx_start: 0,
            rx_end: 0,
            core: Session {
                config,
                tls: transport == Transport::Tls,
                state: State::Greeting,
                framer: Framer::for_responses(config.strictness),
                queue: Deque::new(),
                tx: Tx::new(),
                caps: Capabilities::default(),
                next_id: 0,
                timestamp: Vec::new(),
                challenge: Vec::new(),
                awaiting_challenge: false,
                #[cfg(feature = "scram")]
                scram: scram::ScramState::default(),
                user_accepted: false,
                utf8: false,
                received: 0,
                rx_consumed: 0,
                now,
                last_activity: now,
                due_since: now,
                eof: false,
                owed: None,
                closed_reported: false,
                poisoned: None,
            },
        }
    }

    fn drop_consumed(&mut self) {
        self.rx_start = (self.rx_start + self.core.rx_consumed).min(self.rx_end);
        self.core.rx_consumed = 0;
        if self.rx_start == self.rx_end {
            self.rx_start = 0;
            self.rx_end = 0;
        }
    }

    /// Free space to read into directly (no copy); follow with [`Client::received`].
    pub fn recv_buffer(&mut self) -> &mut [u8] {
        self.drop_consumed();
        if self.rx_end == RX && self.rx_start > 0 {
            self.rx.copy_within(self.rx_start..self.rx_end, 0);
            self.rx_end -= self.rx_start;
            self.rx_start = 0;
        }
        self.rx.get_mut(self.rx_end..).unwrap_or_default()
    }

    /// `n` octets were read into [`Client::recv_buffer`] at `now`.
    pub fn received(&mut self, now: Instant, n: usize) {
        self.core.now = now;
        if n == 0 || self.core.poisoned.is_some() {
            return;
        }
        if self.core.state == State::TlsHandshake {
            // Plaintext after the +OK to STLS: never to be read as a reply.
            self.core.poison(Error::ResponseInjection);
            return;
        }
        let n = n.min(RX - self.rx_end);
        self.rx_end += n;
        let before = self.core.received;
        // RX is far below 2^32: the cast keeps every octet counted.
        self.core.received = before.wrapping_add(n as u32);
        if Mark::crossed(before, self.core.received) {
            self.core.age_marks();
        }
        self.core.last_activity = now;
    }

    /// Hands over octets read from the server at `now`. Returns how many were taken: fewer
    /// than offered when the receive buffer is full (poll events, then offer the rest);
    /// never loses any.
    pub fn handle_input(&mut self, now: Instant, data: &[u8]) -> usize {
        if self.core.poisoned.is_some() {
            return data.len();
        }
        let space = self.recv_buffer();
        let n = space.len().min(data.len());
        if let (Some(dst), Some(src)) = (space.get_mut(..n), data.get(..n)) {
            dst.copy_from_slice(src);
        }
        self.received(now, n);
        n
    }

    /// The server closed the connection (or the read side ended) at `now`.
    pub fn handle_eof(&mut self, now: Instant) {
        self.core.now = now;
        self.core.eof = true;
    }

    /// Time passed; call at or after [`Client::poll_timeout`].
    pub fn handle_timeout(&mut self, now: Instant) {
        self.core.now = now;
        if self.core.deadline().is_some_and(|d| now >= d) {
            let whole = self
                .core
                .due_since
                .saturating_add(self.core.config.reply_deadline);
            self.core.poison(if now >= whole {
                Error::DeadlinePassed
            } else {
                Error::Timeout
            });
        }
    }

    /// When [`Client::handle_timeout`] should be called next, if a reply is due: the
    /// earlier of the idle timeout and the reply's deadline.
    #[must_use]
    pub fn poll_timeout(&self) -> Option<Instant> {
        self.core.deadline()
    }

    /// Octets to send now: write them, then acknowledge what was written with
    /// [`Client::transmitted`]. Call after every input, event and command, until it is
    /// empty.
    #[must_use]
    pub fn poll_transmit(&self) -> &[u8] {
        if self.core.poisoned.is_some() {
            return &[];
        }
        self.core.tx.pending()
    }

    /// `n` octets of [`Client::poll_transmit`] were written.
    pub fn transmitted(&mut self, n: usize) {
        self.core.tx.transmitted(n);
        self.core.mark_sent();
    }

    /// The next event, `Ok(None)` when more input is needed. Call after every input and
    /// every command until it returns `Ok(None)`. An `Err` is fatal: the session is over
    /// and every later call returns the same error.
    #[must_use = "events carry the replies; Closed ends the session"]
    pub fn poll_event(&mut self) -> Result<Option<Event<'_>>, Error> {
        Ok(self.poll_event_split()?.map(|(event, _)| event))
    }

    /// [`Client::poll_event`], with the [`Session`] beside the event: commands may be
    /// issued while the event is still in hand.
    #[must_use = "events carry the replies; Closed ends the session"]
    pub fn poll_event_split(&mut self) -> Result<Option<(Event<'_>, &mut Session<TX, Q>)>, Error> {
        if let Some(e) = self.core.poisoned {
            return Err(e);
        }
        self.drop_consumed();
        if let Some(owed) = self.core.owed.take() {
            let event = self.core.pay(owed);
            return Ok(Some((event, &mut self.core)));
        }
        let input = self.rx.get(self.rx_start..self.rx_end).unwrap_or_default();
        let core = &mut self.core;
        // Where the input starts, counted since the connection opened.
        let base = core.received.wrapping_sub(input.len() as u32);
        let mut offset = 0;
        loop {
            let rest = input.get(offset..).unwrap_or_default();
            let at = base.wrapping_add(offset as u32);
            let decoded = core.framer.decode(rest);
            offset += decoded.consumed;
            core.rx_consumed = offset;
            let Some(frame) = decoded.frame else {
                break;
            };
            let after = input.get(offset..).unwrap_or_default();
            match core.on_frame(frame, at, after) {
                Ok(Some(event)) => return Ok(Some((event, core))),
                Ok(None) => {}
                Err(e) => {
                    core.poison(e);
                    return Err(e);
                }
            }
        }
        let leftover = (offset < input.len()).then(|| base.wrapping_add(offset as u32));
        if let Err(e) = core.check_leftover(leftover) {
            core.poison(e);
            return Err(e);
        }
        if core.eof {
            let partial = offset < input.len();
            return match core.on_eof(partial) {
                Ok(Some(event)) => Ok(Some((event, core))),
                Ok(None) => Ok(None),
                Err(e) => {
                    core.poison(e);
                    Err(e)
                }
            };
        }
        Ok(None)
    }
}

impl<const RX: usize, const TX: usize, const Q: usize> core::ops::Deref for Client<RX, TX, Q> {
    type Target = Session<TX, Q>;

    fn deref(&self) -> &Session<TX, Q> {
        &self.core
    }
}

impl<const RX: usize, const TX: usize, const Q: usize> core::ops::DerefMut for Client<RX, TX, Q> {
    fn deref_mut(&mut self) -> &mut Session<TX, Q> {
        &mut self.core
    }
}

impl<const TX: usize, const Q: usize> Session<TX, Q> {
    /// The session state.
    pub fn state(&self) -> State {
        self.state
    }

    /// What the server advertised in its last CAPA reply.
    pub fn capabilities(&self) -> &Capabilities {
        &self.caps
    }

    /// True when the transport is TLS (implicit, or after STLS).
    pub fn is_tls(&self) -> bool {
        self.tls
    }

    /// Commands sent or waiting to be sent whose reply has not ended.
    pub fn in_flight(&self) -> usize {
        self.queue.len()
    }

    /// The fatal error that ended the session, if one did.
    pub fn error(&self) -> Option<Error> {
        self.poisoned
    }

    /// True while the session waits for octets from the server: a reply or the greeting
    /// is due. The driver reads only then (a POP3 server speaks only when spoken to).
    pub fn wants_input(&self) -> bool {
        self.poisoned.is_none()
            && !self.eof
            && match self.state {
                State::Greeting => true,
                State::Authorization | State::Transaction => !self.queue.is_empty(),
                State::TlsHandshake | State::Closed => false,
            }
    }

    /// True when the security policy calls for STLS now: in AUTHORIZATION over plain TCP,
    /// always with [`Security::RequireTls`], and with [`Security::Opportunistic`] when the
    /// last CAPA advertised STLS. Issue CAPA first.
    pub fn wants_stls(&self) -> bool {
        !self.tls
            && !self.utf8
            && self.state == State::Authorization
            && match self.config.security {
                Security::RequireTls => true,
                Security::Opportunistic => self.caps.stls(),
                Security::AllowCleartext => false,
            }
    }

    /// True once the session is over (QUIT answered, connection closed, or a fatal error).
    pub fn is_closed(&self) -> bool {
        self.state == State::Closed
    }

    fn poison(&mut self, e: Error) {
        if self.poisoned.is_none() {
            self.poisoned = Some(e);
        }
        self.state = State::Closed;
        self.queue.clear();
        self.tx.clear();
    }

    fn deadline(&self) -> Option<Instant> {
        if self.poisoned.is_some() {
            return None;
        }
        let due = match self.state {
            State::Greeting | State::TlsHandshake => true,
            State::Closed => false,
            State::Authorization | State::Transaction => self.queue.iter().any(|p| p.released),
        };
        due.then(|| {
            let idle = self.last_activity.saturating_add(self.config.reply_timeout);
            let whole = self.due_since.saturating_add(self.config.reply_deadline);
            idle.min(whole)
        })
    }

    /// A reply (or the TLS handshake) is due from now: both timers start.
    fn due_now(&mut self) {
        self.last_activity = self.now;
        self.due_since = self.now;
    }

    fn pay<'s>(&mut self, owed: Owed) -> Event<'s> {
        match owed {
            Owed::Closed { update } => {
                self.closed_reported = true;
                Event::Closed { update }
            }
        }
    }

    fn on_eof<'s>(&mut self, partial: bool) -> Result<Option<Event<'s>>, Error> {
        if self.closed_reported {
            return Ok(None);
        }
        let idle =
            self.queue.is_empty() && !partial && self.framer.mode() == crate::codec::Mode::Line;
        match self.state {
            State::Closed => Ok(Some(self.pay(Owed::Closed { update: false }))),
            // The server hung up between commands (autologout): nothing was deleted.
            State::Authorization | State::Transaction if idle => {
                self.state = State::Closed;
                Ok(Some(self.pay(Owed::Closed { update: false })))
            }
            _ => Err(Error::UnexpectedEof),
        }
    }
}

impl<const RX: usize, const TX: usize, const Q: usize> crate::Endpoint for Client<RX, TX, Q> {
    type Event<'a> = Event<'a>;
    type Error = Error;

    fn handle_input(&mut self, now: Instant, data: &[u8]) -> usize {
        Client::handle_input(self, now, data)
    }
    fn recv_buffer(&mut self) -> &mut [u8] {
        Client::recv_buffer(self)
    }
    fn received(&mut self, now: Instant, n: usize) {
        Client::received(self, now, n)
    }
    fn handle_eof(&mut self, now: Instant) {
        Client::handle_eof(self, now)
    }
    fn handle_timeout(&mut self, now: Instant) {
        Client::handle_timeout(self, now)
    }
    fn poll_event(&mut self) -> Result<Option<Event<'_>>, Error> {
        Client::poll_event(self)
    }
    fn poll_transmit(&self) -> &[u8] {
        Client::poll_transmit(self)
    }
    fn transmitted(&mut self, n: usize) {
        Client::transmitted(self, n)
    }
    fn poll_timeout(&self) -> Option<Instant> {
        Client::poll_timeout(self)
    }
    fn wants_input(&self) -> bool {
        self.core.wants_input()
    }
    fn is_closed(&self) -> bool {
        self.core.is_closed()
    }
    fn error(&self) -> Option<Error> {
        self.core.error()
    }
}
