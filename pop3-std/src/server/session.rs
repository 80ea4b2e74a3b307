//! One connection: moves bytes between the socket (plain, or TLS from the start or after
//! STLS) and the server core, and answers the core's requests from the store and the
//! authenticator. Every protocol decision is the core's.

use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant as StdInstant};

use log::{info, warn};
use pop3_proto::Instant;
use pop3_proto::server::{self, Failure, Request, Server};
use rustls::{ServerConnection, StreamOwned};

use super::Shared;
use super::store::{Maildrop, OpenError};

/// The core's buffers: a command line and a CAPA reply fit; 16 KiB of output per write.
/// 1024 mark words allow 32768 messages per maildrop.
type Core<'c> = Server<'c, 1024, 16384, 1024>;

/// How long a read may block before the session looks at the shutdown flag again.
const POLL: Duration = Duration::from_millis(250);

enum Stream {
    Plain(TcpStream),
    Tls(Box<StreamOwned<ServerConnection, TcpStream>>),
}

impl Stream {
    fn tcp(&self) -> &TcpStream {
        match self {
            Stream::Plain(s) => s,
            Stream::Tls(s) => s.get_ref(),
        }
    }

    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Stream::Plain(s) => s.read(buf),
            Stream::Tls(s) => s.read(buf),
        }
    }

    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        match self {
            Stream::Plain(s) => s.write_all(buf),
            Stream::Tls(s) => s.write_all(buf).and_then(|()| s.flush()),
        }
    }
}

/// What a request needs, copied out of the core so that the core can be answered.
enum Ask {
    Login { user: String, verified: bool },
    Stat,
    Size(u32),
    Uid(u32),
    Retrieve(u32),
    StartTls,
    Update(Vec<usize>),
    Closed(bool),
}

struct Session<'s> {
    shared: &'s Shared,
    stream: Stream,
    peer: SocketAddr,
    epoch: StdInstant,
    user: Option<String>,
    drop: Option<Box<dyn Maildrop>>,
}

/// Serves one accepted connection to its end. `implicit_tls`: the port speaks TLS first.
pub(crate) fn serve(
    shared: Arc<Shared>,
    tcp: TcpStream,
    peer: SocketAddr,
    implicit_tls: bool,
    id: u64,
) {
    let outcome = run(&shared, tcp, peer, implicit_tls, id);
    match outcome {
        Ok(()) => info!(target: "pop3d", "event=disconnect peer={peer}"),
        Err(e) => warn!(target: "pop3d", "event=disconnect peer={peer} error={e:?}"),
    }
}

fn run(
    shared: &Shared,
    tcp: TcpStream,
    peer: SocketAddr,
    implicit_tls: bool,
    id: u64,
) -> io::Result<()> {
    tcp.set_nodelay(true)?;
    tcp.set_write_timeout(Some(shared.settings.write_timeout))?;
    let stream = if implicit_tls {
        Stream::Tls(Box::new(handshake(shared, tcp)?))
    } else {
        Stream::Plain(tcp)
    };
    info!(target: "pop3d", "event=connect peer={peer} tls={implicit_tls}");
    let s = &shared.settings;
    let config = server::Config::named(s.greeting.as_bytes(), s.hostname.as_bytes())
        .with_stls(shared.tls.is_some())
        .with_cleartext_passwords(s.allow_cleartext)
        .with_shared_secrets(shared.auth.has_shared_secrets())
        .with_implementation(b"pop3-std")
        .with_autologout(s.autologout);
    let epoch = StdInstant::now();
    let token = format!("{}.{id}.{}", std::process::id(), unix_millis());
    let mut core: Box<Core<'_>> = Box::new(Server::new(
        config,
        token.as_bytes(),
        implicit_tls,
        Instant::from_millis(0),
    ));
    let mut session = Session {
        shared,
        stream,
        peer,
        epoch,
        user: None,
        drop: None,
    };
    session.drive(&mut core)
}

fn unix_millis() -> u128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis())
}

fn handshake(
    shared: &Shared,
    tcp: TcpStream,
) -> io::Result<StreamOwned<ServerConnection, TcpStream>> {
    let config = shared
        .tls
        .clone()
        .ok_or_else(|| io::Error::other("no TLS certificate configured"))?;
    tcp.set_read_timeout(Some(shared.settings.write_timeout))?;
    let conn = ServerConnection::new(config).map_err(io::Error::other)?;
    let mut tls = StreamOwned::new(conn, tcp);
    while tls.conn.is_handshaking() {
        tls.conn.complete_io(&mut tls.sock)?;
    }
    Ok(tls)
}

impl Session<'_> {
    fn now(&self) -> Instant {
        Instant::from_millis(u64::try_from(self.epoch.elapsed().as_millis()).unwrap_or(u64::MAX))
    }

    fn flush(&mut self, core: &mut Core<'_>) -> io::Result<()> {
        let out = core.poll_transmit();
        if !out.is_empty() {
            self.stream.write_all(out)?;
            let n = out.len();
            core.transmitted(n);
        }
        Ok(())
    }

    fn drive(&mut self, core: &mut Core<'_>) -> io::Result<()> {
        loop {
            while let Some(ask) = self.next_ask(core) {
                if let Ask::Closed(update) = ask {
                    self.flush(core)?;
                    info!(target: "pop3d", "event=close peer={} user={} update={update}", self.peer, self.user.as_deref().unwrap_or("-"));
                    return Ok(());
                }
                self.answer(core, ask)?;
                self.flush(core)?;
            }
            self.flush(core)?;
            if self.shared.shutdown.load(Ordering::SeqCst) {
                // Between commands: nothing half done, nothing removed without QUIT.
                info!(target: "pop3d", "event=shutdown peer={} update=false", self.peer);
                return Ok(());
            }
            let wait = core
                .poll_timeout()
                .map_or(POLL, |at| {
                    Duration::from_millis(
                        at.as_millis().saturating_sub(self.now().as_millis()).max(1),
                    )
                })
                .min(POLL);
            self.stream.tcp().set_read_timeout(Some(wait))?;
            let read = self.stream.read(core.recv_buffer());
            let now = self.now();
            match read {
                Ok(0) => core.handle_eof(now),
                Ok(n) => core.received(now, n),
                Err(e)
                    if matches!(
                        e.kind(),
                        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                    ) =>
                {
                    core.handle_timeout(now)
                }
                Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => core.handle_eof(now),
                Err(e) => return Err(e),
            }
        }
    }

    fn next_ask(&self, core: &mut Core<'_>) -> Option<Ask> {
        let req = core.poll_event()?;
        Some(match req {
            Request::Auth(auth) => Ask::Login {
                user: String::from_utf8_lossy(auth.user()).into_owned(),
                verified: self.shared.auth.verify(&auth),
            },
            Request::Stat => Ask::Stat,
            Request::Size { msg } => Ask::Size(msg),
            Request::Uid { msg } => Ask::Uid(msg),
            Request::Retrieve { msg, .. } => Ask::Retrieve(msg),
            Request::StartTls => Ask::StartTls,
            Request::Update { marked } => {
                Ask::Update(marked.iter().map(|m| m as usize - 1).collect())
            }
            Request::Closed { update } => Ask::Closed(update),
        })
    }

    fn info(&self, msg: u32) -> Option<&super::store::MessageInfo> {
        self.drop.as_ref()?.messages().get(msg as usize - 1)
    }

    fn answer(&mut self, core: &mut Core<'_>, ask: Ask) -> io::Result<()> {
        let usage = |e| io::Error::other(format!("server core refused an answer: {e}"));
        match ask {
            Ask::Login {
                user,
                verified: false,
            } => {
                warn!(target: "pop3d", "event=login-failed peer={} user={user:?}", self.peer);
                // A failed login costs time: guessing passwords becomes slow.
                std::thread::sleep(self.shared.settings.login_failure_delay);
                core.reject_login(Failure::Auth, b"Authentication failed")
                    .map_err(usage)
            }
            Ask::Login {
                user,
                verified: true,
            } => match self.shared.store.open(&user) {
                Ok(drop) => {
                    let count = u32::try_from(drop.messages().len()).unwrap_or(u32::MAX);
                    info!(target: "pop3d", "event=login peer={} user={user:?} messages={count}", self.peer);
                    self.drop = Some(drop);
                    self.user = Some(user);
                    core.accept_login(count).map_err(usage)
                }
                Err(OpenError::InUse) => {
                    info!(target: "pop3d", "event=login-in-use peer={} user={user:?}", self.peer);
                    core.reject_login(Failure::InUse, b"Maildrop is locked by another session")
                        .map_err(usage)
                }
                Err(e) => {
                    warn!(target: "pop3d", "event=login-store-error peer={} user={user:?} error={e}", self.peer);
                    core.reject_login(Failure::SysTemp, b"Maildrop cannot be opened")
                        .map_err(usage)
                }
            },
            Ask::Stat => {
                let (mut count, mut octets) = (0u32, 0u64);
                for msg in 1..=core.message_count() {
                    if !core.is_marked(msg) {
                        count += 1;
                        octets += self.info(msg).map_or(0, |i| i.size);
                    }
                }
                core.stat(count, octets).map_err(usage)
            }
            Ask::Size(msg) => {
                let size = self.info(msg).map_or(0, |i| i.size);
                core.size(size).map_err(usage)
            }
            Ask::Uid(msg) => {
                let uid = self.info(msg).map(|i| i.uid.clone()).unwrap_or_default();
                core.uid(uid.as_bytes()).map_err(usage)
            }
            Ask::Retrieve(msg) => self.send_message(core, msg),
            Ask::StartTls => {
                self.flush(core)?;
                let Stream::Plain(tcp) = &self.stream else {
                    return Err(io::Error::other("STLS on a TLS stream"));
                };
                let tcp = tcp.try_clone()?;
                let tls = handshake(self.shared, tcp)?;
                self.stream = Stream::Tls(Box::new(tls));
                info!(target: "pop3d", "event=stls peer={}", self.peer);
                core.tls_established().map_err(usage)
            }
            Ask::Update(indexes) => {
                let user = self.user.clone().unwrap_or_default();
                let result = match self.drop.as_mut() {
                    Some(drop) => drop.remove(&indexes),
                    None => Ok(()),
                };
                match &result {
                    Ok(()) => {
                        info!(target: "pop3d", "event=update peer={} user={user:?} deleted={}", self.peer, indexes.len())
                    }
                    Err(e) => {
                        warn!(target: "pop3d", "event=update-failed peer={} user={user:?} error={e}", self.peer)
                    }
                }
                core.update_done(result.map_err(|_| Failure::SysTemp))
                    .map_err(usage)
            }
            Ask::Closed(_) => Ok(()),
        }
    }

    fn send_message(&mut self, core: &mut Core<'_>, msg: u32) -> io::Result<()> {
        let usage = |e| io::Error::other(format!("server core refused an answer: {e}"));
        let reader = self.drop.as_ref().map(|d| d.open(msg as usize - 1));
        let mut reader = match reader {
            Some(Ok(r)) => r,
            _ => {
                return core
                    .fail(Failure::SysTemp, b"Message cannot be read")
                    .map_err(usage);
            }
        };
        let mut buf = vec![0u8; 16 * 1024];
        'file: while core.body_wanted() {
            let n = match reader.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                // Too late for -ERR: the +OK may be out. The connection is cut short, which
                // the client sees as a reply without its end, never as a whole message.
                Err(e) => return Err(e),
            };
            let mut rest = &buf[..n];
            while !rest.is_empty() {
                let taken = core.send_body(rest).map_err(usage)?;
                rest = &rest[taken..];
                if !core.body_wanted() {
                    break 'file;
                }
                if taken == 0 || !rest.is_empty() {
                    self.flush(core)?;
                }
            }
        }
        loop {
            match core.end_body() {
                Ok(()) => return Ok(()),
                Err(pop3_proto::server::UsageError::OutputFull) => self.flush(core)?,
                Err(e) => return Err(usage(e)),
            }
        }
    }
}
