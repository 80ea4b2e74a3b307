//! One connection: the socket (plain, or TLS from the start or after STLS) and the user's
//! maildrop plugged into the core's blocking server loop. Every protocol decision, and the
//! loop itself, is the core's; this file checks passwords, opens maildrops and logs.

use std::io;
use std::net::{SocketAddr, TcpStream};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use log::{info, warn};
use pop3_proto::io::{Ended, blocking};
use pop3_proto::sasl::scram::StoredKeys;
use pop3_proto::server::{self, AuthRequest, Failure, Marked, Server};
use pop3_proto::{Instant, Transport};
use rustls::ServerConnection;

use super::Shared;
use super::admission::Entry;
use super::scram::ScramSecret;
use super::store::{Maildrop, OpenError};
use crate::client::scram_nonce;

/// The core's buffers: a command line and a CAPA reply fit; 64 KiB of output per write
/// (fewer writes, and fewer wake-ups of the reader, than 16 KiB: a third less CPU per
/// message served).
/// 1024 mark words allow 32768 messages per maildrop.
type Core<'c> = Server<'c, 1024, 65536, 1024>;

/// The socket of a server session.
type Socket = crate::socket::Socket<ServerConnection>;

/// How long a read may block before the session looks at the shutdown flag again.
const POLL: Duration = Duration::from_millis(250);

/// The user's maildrop as the core's loop asks for it, with the checks and logs of this
/// server.
struct Session<'s> {
    shared: &'s Shared,
    entry: &'s Entry,
    peer: SocketAddr,
    user: Option<String>,
    drop: Option<Box<dyn Maildrop>>,
    /// The SCRAM keys handed to the core, kept for it to borrow.
    scram: Option<ScramSecret>,
}

/// A message file as the loop reads it.
struct Body(Box<dyn io::Read + Send>);

impl embedded_io::ErrorType for Body {
    type Error = io::Error;
}

impl embedded_io::Read for Body {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        loop {
            match self.0.read(buf) {
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                other => return other,
            }
        }
    }
}

/// Serves one accepted connection to its end. `implicit_tls`: the port speaks TLS first.
pub(crate) fn serve(
    shared: Arc<Shared>,
    entry: &Entry,
    tcp: TcpStream,
    peer: SocketAddr,
    implicit_tls: bool,
) {
    match run(&shared, entry, tcp, peer, implicit_tls) {
        Ok(ended) => info!(target: "pop3d", "event=disconnect peer={peer} ended={ended:?}"),
        Err(e) => warn!(target: "pop3d", "event=disconnect peer={peer} error={e}"),
    }
}

fn run(
    shared: &Shared,
    entry: &Entry,
    tcp: TcpStream,
    peer: SocketAddr,
    implicit_tls: bool,
) -> Result<Ended, Box<dyn std::error::Error>> {
    let id = entry.id;
    tcp.set_nodelay(true)?;
    tcp.set_write_timeout(Some(shared.settings.write_timeout))?;
    let mut socket = Socket::plain(tcp, POLL).with_handshake_timeout(shared.settings.write_timeout);
    let handshake = |socket: &mut Socket| -> io::Result<()> {
        let config = shared
            .tls
            .clone()
            .ok_or_else(|| io::Error::other("no TLS certificate configured"))?;
        let conn = ServerConnection::new(config).map_err(io::Error::other)?;
        socket.start_tls_with(conn)?;
        info!(target: "pop3d", "event=tls peer={peer}");
        Ok(())
    };
    let transport = if implicit_tls {
        handshake(&mut socket)?;
        Transport::Tls
    } else {
        Transport::Plain
    };
    info!(target: "pop3d", "event=connect peer={peer} tls={implicit_tls}");
    let s = &shared.settings;
    let config = server::Config::named(s.greeting.as_bytes(), s.hostname.as_bytes())
        .with_stls(shared.tls.is_some())
        .with_cleartext_passwords(s.allow_cleartext)
        .with_shared_secrets(shared.auth.has_shared_secrets())
        .with_scram(shared.auth.offers_scram())
        .with_implementation(b"pop3-std")
        .with_autologout(s.autologout)
        .with_login_timeout(s.login_timeout);
    // The greeting token is the server's part of the SCRAM nonce and makes the APOP
    // timestamp unique: random, with a counter where the system has no randomness.
    let token = match scram_nonce() {
        Some(random) => String::from_utf8_lossy(&random).into_owned(),
        None => format!("{}.{id}.{}", std::process::id(), unix_millis()),
    };
    let mut core: Box<Core<'_>> = Box::new(Server::new(
        config,
        token.as_bytes(),
        transport,
        Instant::from_millis(0),
    ));
    let mut session = Session {
        shared,
        entry,
        peer,
        user: None,
        drop: None,
        scram: None,
    };
    let mut body = vec![0u8; 64 * 1024];
    let ended = blocking::serve(
        &mut core,
        &mut socket,
        &mut session,
        handshake,
        || shared.shutdown.load(Ordering::SeqCst) || entry.is_evicted(),
        &mut body,
    )?;
    if entry.is_evicted() && ended == Ended::Shutdown {
        // Made room for a newer connection: say why, between commands, and go.
        let mut line = [0u8; 128];
        if let Ok(n) =
            Failure::SysTemp.encode_refusal(b"Disconnected: the server is full", &mut line)
        {
            let _ = embedded_io::Write::write_all(&mut socket, &line[..n]);
        }
    }
    let user = session.user.as_deref().unwrap_or("-");
    info!(target: "pop3d", "event=close peer={peer} user={user} ended={ended:?}");
    Ok(ended)
}

/// How the client logged in, for the log.
fn method(auth: &AuthRequest<'_>) -> String {
    let name = match auth {
        AuthRequest::Password { .. } => b"password",
        AuthRequest::Apop { .. } => &b"APOP"[..],
        AuthRequest::CramMd5 { .. } => b"CRAM-MD5",
        AuthRequest::Bearer { mechanism, .. }
        | AuthRequest::Verified { mechanism, .. }
        | AuthRequest::Refuted { mechanism, .. } => mechanism.name(),
    };
    String::from_utf8_lossy(name).into_owned()
}

fn unix_millis() -> u128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis())
}

impl Session<'_> {
    fn info(&self, msg: u32) -> Result<&super::store::MessageInfo, Failure> {
        let drop = self.drop.as_ref().ok_or(Failure::SysTemp)?;
        drop.messages()
            .get(msg as usize - 1)
            .ok_or(Failure::SysTemp)
    }
}

impl pop3_proto::io::Maildrop for Session<'_> {
    type Body = Body;

    fn login(&mut self, auth: &AuthRequest<'_>) -> Result<u32, Failure> {
        let user = String::from_utf8_lossy(auth.user()).into_owned();
        let peer = self.peer;
        let method = method(auth);
        if !self.shared.auth.verify(auth) {
            warn!(target: "pop3d", "event=login-failed peer={peer} user={user:?} method={method}");
            // A failed login costs time: guessing passwords becomes slow.
            std::thread::sleep(self.shared.settings.login_failure_delay);
            return Err(Failure::Auth);
        }
        match self.shared.store.open(&user) {
            Ok(drop) => {
                let count = u32::try_from(drop.messages().len()).unwrap_or(u32::MAX);
                info!(target: "pop3d", "event=login peer={peer} user={user:?} method={method} messages={count}");
                self.entry.logged_in();
                self.drop = Some(drop);
                self.user = Some(user);
                Ok(count)
            }
            Err(OpenError::InUse) => {
                info!(target: "pop3d", "event=login-in-use peer={peer} user={user:?}");
                Err(Failure::InUse)
            }
            Err(e) => {
                warn!(target: "pop3d", "event=login-store-error peer={peer} user={user:?} error={e}");
                Err(Failure::SysTemp)
            }
        }
    }

    fn scram_keys(&mut self, user: &[u8]) -> Option<StoredKeys<'_>> {
        self.scram = self.shared.auth.scram_secret(user);
        self.scram.as_ref()?.keys()
    }

    fn size(&mut self, msg: u32) -> Result<u64, Failure> {
        self.info(msg).map(|i| i.size)
    }

    fn uid(&mut self, msg: u32) -> Result<&[u8], Failure> {
        self.info(msg).map(|i| i.uid.as_bytes())
    }

    fn open(&mut self, msg: u32) -> Result<Body, Failure> {
        let drop = self.drop.as_ref().ok_or(Failure::SysTemp)?;
        drop.open(msg as usize - 1).map(Body).map_err(|e| {
            warn!(target: "pop3d", "event=read-failed peer={} msg={msg} error={e}", self.peer);
            Failure::SysTemp
        })
    }

    fn update(&mut self, marked: Marked<'_>) -> Result<(), Failure> {
        let indexes: Vec<usize> = marked.iter().map(|m| m as usize - 1).collect();
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
        result.map_err(|_| Failure::SysTemp)
    }
}
