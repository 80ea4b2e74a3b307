//! The blocking client: connect (plain, implicit TLS, STLS), log in, and every command, each
//! call driving the core's state machine through the generic loop until its reply is in.

mod batch;
mod error;
mod nonce;
mod stream;

use std::io::{self, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::ops::ControlFlow;
use std::sync::Arc;
use std::time::Duration;

use pop3_proto::Instant;
use pop3_proto::client::{
    self as core, CommandKind, Event, LoginMethod, Security, State, Transport,
};
use pop3_proto::codec::{Status, Strictness};
use pop3_proto::io::blocking::{drive, login, login_auto, start_tls};
use pop3_proto::sasl::Credentials;

use crate::tls::Trust;
pub use batch::Listing;
pub use error::{Error, Refusal};
pub use nonce::{NONCE_LEN, scram_nonce};
pub use stream::Socket;

/// The core with buffers sized for throughput on a host: a 64 KiB receive buffer means
/// one socket read per 64 KiB of message.
type Core = core::Client<65536, 4096, QUEUE>;

/// Commands the core keeps in flight at most.
const QUEUE: usize = 256;

/// The core's session half, which issues commands.
type Session = core::Session<4096, QUEUE>;

/// How the connection is protected.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tls {
    /// TLS from the first octet (RFC 8314; port 995).
    Implicit,
    /// Plain TCP upgraded with STLS before login (RFC 2595; port 110). Fails closed when the
    /// server does not offer STLS or refuses it.
    StartTls,
    /// No TLS at all. Logging in then needs [`Connect::allow_cleartext_auth`].
    None,
}

/// Where and how to connect; [`Connect::connect`] opens the session.
#[derive(Clone, Debug)]
pub struct Connect {
    host: String,
    port: Option<u16>,
    tls: Tls,
    trust: Trust,
    allow_cleartext: bool,
    timeout: Duration,
    deadline: Duration,
    strictness: Strictness,
    pipelining: bool,
}

impl Connect {
    /// A connection to `host` with implicit TLS on port 995, trusting the web's CAs.
    pub fn new(host: impl Into<String>) -> Self {
        Connect {
            host: host.into(),
            port: None,
            tls: Tls::Implicit,
            trust: Trust::WebRoots,
            allow_cleartext: false,
            timeout: Duration::from_secs(60),
            deadline: core::Config::default().reply_deadline,
            strictness: Strictness::Lenient,
            pipelining: true,
        }
    }

    /// The TLS mode (default: implicit).
    pub fn tls(mut self, tls: Tls) -> Self {
        self.tls = tls;
        self
    }

    /// The port (default: 995 with implicit TLS, 110 otherwise).
    pub fn port(mut self, port: u16) -> Self {
        self.port = Some(port);
        self
    }

    /// Which CAs to trust (default: the bundled web roots).
    pub fn trust(mut self, trust: Trust) -> Self {
        self.trust = trust;
        self
    }

    /// Allows passwords and SASL responses on a connection without TLS.
    pub fn allow_cleartext_auth(mut self, allow: bool) -> Self {
        self.allow_cleartext = allow;
        self
    }

    /// How long to wait for the connection, for each reply, and for each read (default 60 s).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// How long a whole reply may take, however steadily the server sends (default ten
    /// minutes): a server that drips octets cannot hold the session longer. Raise it to
    /// fetch very large messages over slow links.
    pub fn deadline(mut self, deadline: Duration) -> Self {
        self.deadline = deadline;
        self
    }

    /// Whether to accept the deviations real servers make (bare LF, `+ok`; default: yes).
    pub fn strictness(mut self, strictness: Strictness) -> Self {
        self.strictness = strictness;
        self
    }

    /// Whether to send commands ahead of earlier replies where the server offers
    /// PIPELINING (default: yes); off, every command waits for the reply before it.
    pub fn pipelining(mut self, on: bool) -> Self {
        self.pipelining = on;
        self
    }

    /// The port this connection will use.
    pub fn effective_port(&self) -> u16 {
        self.port
            .unwrap_or(if self.tls == Tls::Implicit { 995 } else { 110 })
    }

    /// The host name, as given.
    pub fn host(&self) -> &str {
        &self.host
    }

    /// The TLS mode.
    pub fn tls_mode(&self) -> Tls {
        self.tls
    }

    /// Opens the connection only (TLS already running for implicit TLS), for code that
    /// drives the core itself: the socket, the rustls configuration for a later STLS, and
    /// the client configuration and transport to create the core's client with.
    pub fn open(&self) -> Result<Opened, Error> {
        let tcp = self.open_tcp().map_err(Error::Connection)?;
        tcp.set_nodelay(true).map_err(Error::Connection)?;
        // Reads get the core's deadline before each one; writes get the flat timeout.
        tcp.set_write_timeout(Some(self.timeout))
            .map_err(Error::Connection)?;
        let tls_config = self.trust.client_config().map_err(Error::Tls)?;
        let mut socket = Socket::plain(tcp, self.timeout);
        let transport = if self.tls == Tls::Implicit {
            socket
                .start_tls(Arc::clone(&tls_config), &self.host)
                .map_err(Error::from_handshake)?;
            Transport::Tls
        } else {
            Transport::Plain
        };
        let security = if self.allow_cleartext {
            Security::AllowCleartext
        } else {
            Security::RequireTls
        };
        let config = core::Config::default()
            .with_security(security)
            .with_strictness(self.strictness)
            .with_reply_timeout(self.timeout)
            .with_reply_deadline(self.deadline)
            .with_pipelining(self.pipelining);
        Ok(Opened {
            socket,
            tls_config,
            config,
            transport,
        })
    }

    /// Connects, reads the greeting, asks for the capabilities, and runs STLS when asked to.
    pub fn connect(self) -> Result<Client, Error> {
        let Opened {
            socket,
            tls_config,
            config,
            transport,
        } = self.open()?;
        let now = Instant::from_millis(0);
        let mut client = Client {
            core: Box::new(Core::new(config, transport, now)),
            link: socket,
            host: self.host,
            tls_config,
            greeting: String::new(),
        };
        client.read_greeting()?;
        client.capa()?;
        if self.tls == Tls::StartTls {
            client.start_tls()?;
        }
        Ok(client)
    }

    fn open_tcp(&self) -> io::Result<TcpStream> {
        let mut last = None;
        for addr in (self.host.as_str(), self.effective_port()).to_socket_addrs()? {
            match TcpStream::connect_timeout(&addr, self.timeout) {
                Ok(tcp) => return Ok(tcp),
                Err(e) => last = Some(e),
            }
        }
        Err(last.unwrap_or_else(|| {
            io::Error::new(
                io::ErrorKind::NotFound,
                format!("{}: no address", self.host),
            )
        }))
    }
}

/// An open connection from [`Connect::open`].
pub struct Opened {
    /// The socket, TLS running for implicit TLS.
    pub socket: Socket,
    /// The TLS configuration, for [`Socket::start_tls`] after STLS.
    pub tls_config: Arc<rustls::ClientConfig>,
    /// The client configuration the connection settings imply.
    pub config: core::Config,
    /// What the connection is now: give it to the core's client.
    pub transport: Transport,
}

/// A piece of a message from [`Client::fetch`].
#[derive(Debug)]
pub enum Fetched<'a> {
    /// Octets of message `msg`, in order, as the server serves them (CRLF line ends).
    Data {
        /// The message number.
        msg: u32,
        /// The octets.
        data: &'a [u8],
    },
    /// Message `msg` is complete.
    End {
        /// The message number.
        msg: u32,
    },
    /// The server refused to send message `msg` (`-ERR`, with its response code: a
    /// `SYS/TEMP` may go away on the next attempt); the other messages go on.
    Refused {
        /// The message number.
        msg: u32,
        /// What the server said.
        refusal: Refusal,
    },
}

/// A logged-in or not yet logged-in POP3 session.
pub struct Client {
    core: Box<Core>,
    link: Socket,
    host: String,
    tls_config: Arc<rustls::ClientConfig>,
    greeting: String,
}

impl Client {
    /// The greeting's text.
    pub fn greeting(&self) -> &str {
        &self.greeting
    }

    /// True when the connection runs TLS.
    pub fn is_tls(&self) -> bool {
        self.core.is_tls()
    }

    /// What the server announced in its last CAPA reply.
    pub fn capabilities(&self) -> &core::Capabilities {
        self.core.capabilities()
    }

    /// The underlying state machine's state.
    pub fn state(&self) -> State {
        self.core.state()
    }

    /// Drives the session until nothing is in flight, giving each event to `on`. A
    /// `-ERR` to a command becomes [`Error::Refused`] (or [`Error::Auth`] for a login).
    fn run(&mut self, mut on: impl FnMut(Event<'_>) -> Result<(), Error>) -> Result<(), Error> {
        self.run_all(|event, _| match refusal(&event) {
            Some(r) if r.command.is_login() => Err(Error::Auth(vec![r])),
            Some(r) => Err(Error::Refused(r)),
            None => on(event),
        })
    }

    /// [`Client::run`] with `-ERR` replies given to `on` too, and the session, to issue
    /// more commands while earlier ones are in flight.
    fn run_all(
        &mut self,
        mut on: impl FnMut(Event<'_>, &mut Session) -> Result<(), Error>,
    ) -> Result<(), Error> {
        let mut failed = None;
        let r = drive(&mut *self.core, &mut self.link, |event, session| {
            let outcome = match event {
                // Capabilities and languages are advisory; a listing or a count that
                // cannot be read whole must stop whatever depends on it.
                Event::BadLine {
                    command,
                    line,
                    error,
                    ..
                } if !matches!(command, CommandKind::Capa | CommandKind::Lang) => {
                    Err(Error::Malformed {
                        command,
                        line: String::from_utf8_lossy(&line[..line.len().min(80)]).into_owned(),
                        error,
                    })
                }
                other => on(other, session),
            };
            match outcome {
                Ok(()) => ControlFlow::Continue(()),
                Err(e) => {
                    failed.get_or_insert(e);
                    // Keep reading: the rest of the replies in flight must be consumed
                    // for the session to stay usable. Only a sink failure stops at once.
                    if matches!(failed, Some(Error::Sink(_))) {
                        ControlFlow::Break(())
                    } else {
                        ControlFlow::Continue(())
                    }
                }
            }
        });
        let r = r.map_err(Error::from);
        match failed {
            Some(e) => Err(e),
            None => r.map(|_| ()),
        }
    }

    fn read_greeting(&mut self) -> Result<(), Error> {
        let mut text = String::new();
        let mut refused = false;
        self.run(|event| {
            if let Event::Greeting(g) = event {
                text = String::from_utf8_lossy(g.line.text).into_owned();
                refused = !g.is_ok();
            }
            Ok(())
        })?;
        self.greeting = text;
        if refused {
            return Err(Error::Unavailable(self.greeting.clone()));
        }
        Ok(())
    }

    /// Asks for the capabilities again (RFC 2449); see [`Client::capabilities`]. A server
    /// without CAPA answers `-ERR`, which is not an error here.
    pub fn capa(&mut self) -> Result<(), Error> {
        self.core.capa()?;
        match self.run(|_| Ok(())) {
            Err(Error::Refused(r)) if r.command == CommandKind::Capa => Ok(()),
            other => other,
        }
    }

    fn start_tls(&mut self) -> Result<(), Error> {
        let (config, host) = (Arc::clone(&self.tls_config), self.host.clone());
        let mut refusal = None;
        let started = start_tls(
            &mut *self.core,
            &mut self.link,
            |socket| socket.start_tls(config, &host),
            |event| {
                if let Some(r) = self::refusal(&event) {
                    refusal = Some(r);
                }
            },
        );
        match (started, refusal) {
            (Ok(()), _) => Ok(()),
            // The core closed the session (fail closed): STLS was refused.
            (Err(_), Some(_)) if self.core.error().is_some() => Err(Error::Protocol(
                self.core.error().unwrap_or(core::Error::TlsUnavailable),
            )),
            (Err(_), Some(r)) => Err(Error::Refused(r)),
            (Err(e), None) => Err(e.into()),
        }
    }

    /// Logs in with the strongest method the server offers for a password: SASL
    /// SCRAM-SHA-256, CRAM-MD5, PLAIN or LOGIN, then APOP, then USER/PASS.
    pub fn login(&mut self, user: &str, password: &str) -> Result<(), Error> {
        self.login_with(&Credentials::password(user.as_bytes(), password.as_bytes()))
            .map(|_| ())
    }

    /// Logs in with an OAuth 2.0 access token: OAUTHBEARER or XOAUTH2.
    pub fn login_oauth(&mut self, user: &str, token: &str) -> Result<(), Error> {
        self.login_with(&Credentials::bearer(user.as_bytes(), token.as_bytes()))
            .map(|_| ())
    }

    /// Logs in with `creds`, choosing the method as [`Client::login`] does: the strongest
    /// offered, then the one fallback the core allows when it is refused
    /// ([`core::Session::fallback_login`]). A password without a SCRAM nonce gets a fresh
    /// one. Returns the method that succeeded; [`Error::Auth`] lists every refusal.
    pub fn login_with(&mut self, creds: &Credentials<'_>) -> Result<LoginMethod, Error> {
        let nonce = nonce::scram_nonce();
        let creds = &nonce::attach(creds, nonce.as_ref().map_or(&[][..], |n| &n[..]));
        let mut refusals = Vec::new();
        let outcome = login_auto(&mut *self.core, &mut self.link, creds, |event| {
            refusals.extend(login_refusal(&event));
        });
        Self::login_result(outcome, refusals)
    }

    /// Logs in with exactly this method, with no fallback; a method the server does not
    /// offer is [`Error::NotOffered`]. A password without a SCRAM nonce gets a fresh one.
    pub fn login_by(&mut self, method: LoginMethod, creds: &Credentials<'_>) -> Result<(), Error> {
        if !self.core.offers(method) {
            return Err(Error::NotOffered(method));
        }
        let nonce = nonce::scram_nonce();
        let creds = &nonce::attach(creds, nonce.as_ref().map_or(&[][..], |n| &n[..]));
        let mut refusals = Vec::new();
        let outcome = login(&mut *self.core, &mut self.link, method, creds, |event| {
            refusals.extend(login_refusal(&event));
        });
        Self::login_result(outcome.map(|()| method), refusals).map(|_| ())
    }

    /// A login's result, with the server's words for every refusal the events carried.
    fn login_result(
        outcome: Result<LoginMethod, pop3_proto::io::ClientError<io::Error>>,
        refusals: Vec<Refusal>,
    ) -> Result<LoginMethod, Error> {
        match outcome {
            Ok(method) => Ok(method),
            Err(pop3_proto::io::ClientError::Refused(_)) if !refusals.is_empty() => {
                Err(Error::Auth(refusals))
            }
            Err(e) => Err(e.into()),
        }
    }

    /// STAT: messages in the maildrop and their total size.
    pub fn stat(&mut self) -> Result<(u32, u64), Error> {
        self.core.stat()?;
        let mut out = (0, 0);
        self.run(|event| {
            if let Event::Stat { stat, .. } = event {
                out = (stat.count, stat.size);
            }
            Ok(())
        })?;
        Ok(out)
    }

    /// LIST: every message number and its size.
    pub fn list(&mut self) -> Result<Vec<(u32, u64)>, Error> {
        self.core.list(None)?;
        let mut out = Vec::new();
        self.run(|event| {
            if let Event::ScanListing { listing, .. } = event {
                out.push((listing.msg, listing.size));
            }
            Ok(())
        })?;
        Ok(out)
    }

    /// `LIST n`: the size of one message.
    pub fn list_one(&mut self, msg: u32) -> Result<u64, Error> {
        self.core.list(Some(msg))?;
        let mut out = 0;
        self.run(|event| {
            if let Event::ScanListing { listing, .. } = event {
                out = listing.size;
            }
            Ok(())
        })?;
        Ok(out)
    }

    /// UIDL: every message number and its unique-id.
    pub fn uidl(&mut self) -> Result<Vec<(u32, String)>, Error> {
        self.core.uidl(None)?;
        let mut out = Vec::new();
        self.run(|event| {
            if let Event::UidListing { listing, .. } = event {
                out.push((
                    listing.msg,
                    String::from_utf8_lossy(listing.uid).into_owned(),
                ));
            }
            Ok(())
        })?;
        Ok(out)
    }

    /// `UIDL n`: the unique-id of one message.
    pub fn uidl_one(&mut self, msg: u32) -> Result<String, Error> {
        self.core.uidl(Some(msg))?;
        let mut out = String::new();
        self.run(|event| {
            if let Event::UidListing { listing, .. } = event {
                out = String::from_utf8_lossy(listing.uid).into_owned();
            }
            Ok(())
        })?;
        Ok(out)
    }

    /// TOP: the header and the first `lines` lines of the body.
    pub fn top(&mut self, msg: u32, lines: u32) -> Result<Vec<u8>, Error> {
        self.core.top(msg, lines)?;
        let mut out = Vec::new();
        self.run(|event| {
            if let Event::Body { data, .. } = event {
                out.extend_from_slice(data);
            }
            Ok(())
        })?;
        Ok(out)
    }

    /// RETR: streams message `msg` into `sink` as it arrives (never held whole); returns
    /// the octets written.
    pub fn retr(&mut self, msg: u32, sink: &mut impl Write) -> Result<u64, Error> {
        let mut written = 0u64;
        let mut refused = None;
        self.fetch(&[msg], |piece| {
            match piece {
                Fetched::Data { data, .. } => {
                    sink.write_all(data)?;
                    written += data.len() as u64;
                }
                Fetched::Refused { refusal, .. } => refused = Some(refusal),
                Fetched::End { .. } => {}
            }
            Ok(())
        })?;
        if let Some(refusal) = refused {
            return Err(Error::Refused(refusal));
        }
        sink.flush().map_err(Error::Sink)?;
        Ok(written)
    }

    /// DELE: marks a message; the server removes it only at QUIT.
    pub fn dele(&mut self, msg: u32) -> Result<(), Error> {
        self.core.dele(msg)?;
        self.run(|_| Ok(()))
    }

    /// RSET: unmarks every message marked with DELE.
    pub fn rset(&mut self) -> Result<(), Error> {
        self.core.rset()?;
        self.run(|_| Ok(()))
    }

    /// NOOP.
    pub fn noop(&mut self) -> Result<(), Error> {
        self.core.noop()?;
        self.run(|_| Ok(()))
    }

    /// QUIT: ends the session. Returns whether the server entered UPDATE (and so removed
    /// the messages marked with DELE); after a login this is true unless it failed.
    pub fn quit(mut self) -> Result<bool, Error> {
        self.core.quit()?;
        let mut update = false;
        self.run(|event| {
            if let Event::Closed { update: u } = event {
                update = u;
            }
            Ok(())
        })?;
        Ok(update)
    }
}

/// The refusal in `event` if it is a `-ERR` reply, with the server's text.
fn refusal(event: &Event<'_>) -> Option<Refusal> {
    match event {
        Event::Reply { command, line, .. } if line.status == Status::Err => {
            Some(Refusal::new(*command, line))
        }
        _ => None,
    }
}

/// The refusal in `event` if it is the `-ERR` to a login command.
fn login_refusal(event: &Event<'_>) -> Option<Refusal> {
    refusal(event).filter(|r| r.command.is_login())
}
