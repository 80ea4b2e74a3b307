//! The POP3 server on std: listeners for plain (with STLS) and implicit-TLS ports, a thread
//! per connection up to a limit, Maildir storage and passwd-file users behind traits.
//!
//! Per connection the memory is bounded and known: the core (about 70 KiB: 1 KiB of
//! command input twice, 64 KiB of output, 4 KiB of DELE marks for up to 32768 messages), a
//! 64 KiB file buffer, rustls's buffers when TLS runs, and the thread's stack. The output
//! goes out in writes of up to 64 KiB: on loopback, 16 KiB writes cost half as much again of
//! the server's time per message (BENCHMARKS.md).
//!
//! ```no_run
//! use std::sync::{Arc, Mutex};
//! use pop3_std::server::{Listener, MaildirStore, PasswdFile, Settings};
//!
//! let users = PasswdFile::load("passwd".as_ref())?;
//! let settings = Settings::new("mail.example.net");
//! let server = Listener::bind(settings, Arc::new(MaildirStore::new("/var/mail")), Arc::new(users))
//!     .plain("0.0.0.0:110")?;
//! server.run()?;
//! # Ok::<(), std::io::Error>(())
//! ```

mod admission;
mod limits;
mod maildir;
mod passwd;
mod scram;
mod session;
mod store;

use std::io::{self, Write};
use std::net::{SocketAddr, TcpListener, TcpStream, ToSocketAddrs};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

use log::{info, warn};

use admission::{Admission, Refused};
pub use limits::{FILES_BESIDES_SESSIONS, FILES_PER_SESSION, raise_open_files};
pub use maildir::MaildirStore;
pub use passwd::{Authenticator, PasswdFile};
pub use scram::{ITERATIONS as SCRAM_ITERATIONS, ScramSecret};
pub use store::{Maildrop, MessageInfo, OpenError, Store};

/// How the server behaves.
#[derive(Clone, Debug)]
pub struct Settings {
    /// The host name in APOP timestamps.
    pub hostname: String,
    /// The greeting's text.
    pub greeting: String,
    /// Allow USER/PASS, PLAIN and LOGIN without TLS (off: RFC 2595 section 2.3).
    pub allow_cleartext: bool,
    /// Sessions served at once, capped at what the open-file limit allows (said once at
    /// start); by default as many as that. When full, the oldest session that has not
    /// logged in makes room; when every slot holds a logged-in session, a connection is
    /// refused with `-ERR [SYS/TEMP]`.
    pub max_connections: usize,
    /// Unauthenticated sessions one address may hold at once; more are refused.
    pub max_unauthenticated_per_address: usize,
    /// How long a failed login waits before its `-ERR`.
    pub login_failure_delay: Duration,
    /// Idle time before a session closes without UPDATE (at least 10 minutes); only
    /// complete commands reset it.
    pub autologout: Duration,
    /// How long a session may stay unauthenticated, whatever it sends.
    pub login_timeout: Duration,
    /// The longest a write (or a TLS handshake) may block.
    pub write_timeout: Duration,
}

impl Settings {
    /// Defaults: cleartext passwords only over TLS, as many connections as the open-file
    /// limit allows and 16 unauthenticated ones per address, 2 s after a failed login, 10
    /// minutes' autologout, 3 minutes to log in.
    pub fn new(hostname: impl Into<String>) -> Self {
        Settings {
            hostname: hostname.into(),
            greeting: "POP3 server ready".to_owned(),
            allow_cleartext: false,
            max_connections: usize::MAX,
            max_unauthenticated_per_address: 16,
            login_failure_delay: Duration::from_secs(2),
            autologout: Duration::from_secs(600),
            login_timeout: Duration::from_secs(180),
            write_timeout: Duration::from_secs(60),
        }
    }
}

/// What every session shares.
pub(crate) struct Shared {
    settings: Settings,
    store: Arc<dyn Store>,
    auth: Arc<dyn Authenticator>,
    tls: Option<Arc<rustls::ServerConfig>>,
    shutdown: AtomicBool,
    served: AtomicU64,
    admission: Admission,
    /// The connection limit in force: the configured one, capped at what fits.
    limit: AtomicUsize,
}

/// Stops a running [`Listener`]: no new connections, and each session ends at its next
/// pause between commands. A UPDATE under way completes; nothing else is removed.
#[derive(Clone)]
pub struct Shutdown(Arc<Shared>);

impl Shutdown {
    /// Asks the server to stop.
    pub fn stop(&self) {
        self.0.shutdown.store(true, Ordering::SeqCst);
    }

    /// Sessions running now.
    pub fn active(&self) -> usize {
        self.0.admission.len()
    }
}

/// A server's listening sockets; [`Listener::run`] serves them.
pub struct Listener {
    shared: Arc<Shared>,
    sockets: Vec<(TcpListener, bool)>,
}

impl Listener {
    /// A server with these settings, store and users; add ports with [`Listener::plain`]
    /// and [`Listener::implicit_tls`].
    pub fn bind(settings: Settings, store: Arc<dyn Store>, auth: Arc<dyn Authenticator>) -> Self {
        let shared = Shared {
            settings,
            store,
            auth,
            tls: None,
            shutdown: AtomicBool::new(false),
            served: AtomicU64::new(0),
            admission: Admission::default(),
            limit: AtomicUsize::new(0),
        };
        Listener {
            shared: Arc::new(shared),
            sockets: Vec::new(),
        }
    }

    fn shared_mut(&mut self) -> io::Result<&mut Shared> {
        Arc::get_mut(&mut self.shared)
            .ok_or_else(|| io::Error::other("the server is already running"))
    }

    /// A certificate chain and key (PEM): STLS is offered on plain ports, and implicit-TLS
    /// ports become possible.
    pub fn with_tls(mut self, config: Arc<rustls::ServerConfig>) -> io::Result<Self> {
        self.shared_mut()?.tls = Some(config);
        Ok(self)
    }

    /// Listens for plain POP3 (STLS offered when TLS is configured).
    pub fn plain(mut self, addr: impl ToSocketAddrs) -> io::Result<Self> {
        self.sockets.push((TcpListener::bind(addr)?, false));
        Ok(self)
    }

    /// Listens for POP3 over TLS from the first octet (RFC 8314, port 995).
    pub fn implicit_tls(mut self, addr: impl ToSocketAddrs) -> io::Result<Self> {
        if self.shared.tls.is_none() {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "implicit TLS needs a certificate: call with_tls first",
            ));
        }
        self.sockets.push((TcpListener::bind(addr)?, true));
        Ok(self)
    }

    /// The addresses listened on, in the order added (useful with port 0).
    pub fn local_addrs(&self) -> Vec<SocketAddr> {
        self.sockets
            .iter()
            .filter_map(|(l, _)| l.local_addr().ok())
            .collect()
    }

    /// A handle that stops the server.
    pub fn shutdown_handle(&self) -> Shutdown {
        Shutdown(Arc::clone(&self.shared))
    }

    /// Serves until [`Shutdown::stop`], then waits for the sessions to end.
    pub fn run(self) -> io::Result<()> {
        for (l, _) in &self.sockets {
            l.set_nonblocking(true)?;
            info!(target: "pop3d", "event=listen addr={}", l.local_addr()?);
        }
        let shared = self.shared;
        let limit = effective_limit(shared.settings.max_connections);
        shared.limit.store(limit, Ordering::SeqCst);
        while !shared.shutdown.load(Ordering::SeqCst) {
            let mut idle = true;
            for (l, tls) in &self.sockets {
                match l.accept() {
                    Ok((tcp, peer)) => {
                        idle = false;
                        admit(&shared, tcp, peer, *tls);
                    }
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                    Err(e) => warn!(target: "pop3d", "event=accept-failed error={e}"),
                }
            }
            if idle {
                thread::sleep(Duration::from_millis(10));
            }
        }
        while shared.admission.len() > 0 {
            thread::sleep(Duration::from_millis(20));
        }
        info!(target: "pop3d", "event=stopped sessions={}", shared.served.load(Ordering::SeqCst));
        Ok(())
    }
}

/// The connection limit in force: `max_connections`, capped at the sessions whose files
/// fit under the open-file limit (raised toward what they need first). Said once, so that
/// a limit the machine cannot honour is never promised (sessions past it would fail to
/// open their maildrops).
fn effective_limit(max_connections: usize) -> usize {
    let wanted = u64::try_from(max_connections).unwrap_or(u64::MAX);
    let needed = wanted
        .saturating_mul(FILES_PER_SESSION)
        .saturating_add(FILES_BESIDES_SESSIONS);
    let fit = match raise_open_files(needed) {
        Ok(Some(limit)) => limit.saturating_sub(FILES_BESIDES_SESSIONS) / FILES_PER_SESSION,
        Ok(None) => u64::MAX,
        Err(e) => {
            warn!(target: "pop3d", "event=open-file-limit needed={needed} error={e}");
            wanted
        }
    };
    let limit = usize::try_from(wanted.min(fit)).unwrap_or(usize::MAX);
    if limit < max_connections && max_connections != usize::MAX {
        warn!(
            target: "pop3d",
            "event=connection-limit configured={max_connections} effective={limit} reason=open-file-limit"
        );
    } else {
        info!(target: "pop3d", "event=connection-limit effective={limit}");
    }
    limit
}

fn admit(shared: &Arc<Shared>, tcp: TcpStream, peer: SocketAddr, tls: bool) {
    let _ = tcp.set_nonblocking(false);
    let id = shared.served.fetch_add(1, Ordering::SeqCst);
    let limit = shared.limit.load(Ordering::SeqCst);
    let per_address = shared.settings.max_unauthenticated_per_address;
    let entry = match shared.admission.admit(id, peer.ip(), limit, per_address) {
        Ok(admitted) => {
            if let Some(old) = admitted.evicted {
                info!(target: "pop3d", "event=evict session={} peer={} reason=full", old.id, old.ip);
            }
            admitted.entry
        }
        Err(why) => {
            let reason = match why {
                Refused::Full => "connection-limit",
                Refused::PerAddress => "per-address-limit",
            };
            warn!(target: "pop3d", "event=refused peer={peer} reason={reason}");
            refuse(tcp, tls);
            return;
        }
    };
    let session_shared = Arc::clone(shared);
    // The socket goes through a slot so that it can still be refused if no thread starts.
    let slot = Arc::new(Mutex::new(Some(tcp)));
    let session_slot = Arc::clone(&slot);
    let session_entry = Arc::clone(&entry);
    let spawned = thread::Builder::new()
        .name(format!("pop3-{id}"))
        // Reserved, not resident: only the pages a session touches count. An unoptimized
        // build moves the 70 KiB core through several stack frames before it is boxed.
        .stack_size(1024 * 1024)
        .spawn(move || {
            let tcp = session_slot.lock().ok().and_then(|mut s| s.take());
            if let Some(tcp) = tcp {
                session::serve(Arc::clone(&session_shared), &session_entry, tcp, peer, tls);
            }
            session_shared.admission.leave(id);
        });
    if let Err(e) = spawned {
        shared.admission.leave(id);
        warn!(target: "pop3d", "event=refused peer={peer} reason=spawn-failed error={e}");
        if let Some(tcp) = slot.lock().ok().and_then(|mut s| s.take()) {
            refuse(tcp, tls);
        }
    }
}

/// Tells a client that could not be served to come back later (on a plain port: over
/// implicit TLS no handshake has run, so the connection just closes).
fn refuse(mut tcp: TcpStream, tls: bool) {
    if !tls {
        let mut line = [0u8; 128];
        let text = b"Too many connections, try again later";
        if let Ok(n) = pop3_proto::server::Failure::SysTemp.encode_refusal(text, &mut line) {
            let _ = tcp.write_all(&line[..n]);
        }
    }
}
