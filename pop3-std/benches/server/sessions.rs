//! Many POP3 sessions at once from one thread: each is a pop3-proto client over a
//! non-blocking socket, so the count measured is what the server holds, not how many
//! threads the load generator could start.
//!
//! Every session logs in (USER/PASS), LISTs, RETRs each message (checking its size against
//! the LIST), then holds its session open until every other session is in the same place.
//! Only then do all of them QUIT, and each must see the server enter UPDATE.

use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant as StdInstant};

use pop3_proto::Instant;
use pop3_proto::client::{self, Client, CommandId, CommandKind, Event, Security, Transport};
use pop3_proto::codec::StatusLine;

/// How long the whole run may take before the sessions still going count as failed.
const DEADLINE: Duration = Duration::from_secs(120);

/// Where a session stands.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Phase {
    Greeting,
    LoggingIn,
    Listing(CommandId),
    Fetching,
    Holding,
    Quitting,
    Done,
    Failed(String),
}

struct Session {
    user: String,
    /// None when the connection could not be made (the phase says why).
    tcp: Option<TcpStream>,
    client: Client,
    phase: Phase,
    /// (message, size from LIST, octets received so far) for each message.
    messages: Vec<(u32, u64, u64)>,
    /// Index into `messages` of the RETR each in-flight id answers.
    retrs: Vec<(CommandId, usize)>,
}

/// What the run found.
pub(crate) struct Outcome {
    /// Sessions that were all logged in and open at the same moment, then quit cleanly.
    pub(crate) held: usize,
    /// One line per session that failed, naming the user and what went wrong.
    pub(crate) failures: Vec<String>,
    /// From the first connection until every session was in.
    pub(crate) until_all_in: Duration,
    /// This process's resident memory (KiB) before the first connection and when every
    /// session was in (both ends of every session live in this process).
    pub(crate) rss_kib: (u64, u64),
}

/// This process's resident set size in KiB (Linux), 0 where unknown.
pub(crate) fn rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|n| n.parse().ok())
        })
        .unwrap_or(0)
}

/// The loopback source address of client `i`: ten per address, so that the server's limit
/// on unauthenticated sessions per address (16 by default) holds as it would for users
/// spread over many machines.
fn source(i: usize) -> [u8; 4] {
    let a = i / 10;
    [
        127,
        1 + (a / 250 / 250) as u8,
        (a / 250 % 250) as u8,
        1 + (a % 250) as u8,
    ]
}

/// Opens `users.len()` sessions to `port` and drives them all from this thread.
pub(crate) fn run(port: u16, users: &[(String, String)]) -> Outcome {
    let rss_before = rss_kib();
    let start = StdInstant::now();
    let now = || Instant::from_millis(start.elapsed().as_millis() as u64);
    let mut sessions: Vec<Session> = users
        .iter()
        .enumerate()
        .map(|(i, (user, _))| connect(port, user, source(i), now()))
        .collect();
    let mut until_all_in = Duration::ZERO;
    let mut rss_in = 0;
    let passwords: Vec<&str> = users.iter().map(|(_, p)| p.as_str()).collect();
    let mut quitting = false;
    loop {
        let mut progress = false;
        for (s, pw) in sessions.iter_mut().zip(&passwords) {
            progress |= pump(s, pw, now());
        }
        let all_in = sessions
            .iter()
            .all(|s| matches!(s.phase, Phase::Holding | Phase::Failed(_)));
        if all_in && !quitting {
            quitting = true;
            until_all_in = start.elapsed();
            rss_in = rss_kib();
            for s in sessions.iter_mut().filter(|s| s.phase == Phase::Holding) {
                match s.client.quit() {
                    Ok(_) => s.phase = Phase::Quitting,
                    Err(e) => s.phase = Phase::Failed(format!("QUIT refused: {e}")),
                }
            }
            continue;
        }
        if sessions
            .iter()
            .all(|s| matches!(s.phase, Phase::Done | Phase::Failed(_)))
        {
            break;
        }
        if start.elapsed() > DEADLINE {
            for s in sessions.iter_mut() {
                if !matches!(s.phase, Phase::Done | Phase::Failed(_)) {
                    s.phase = Phase::Failed(format!("still {:?} after {DEADLINE:?}", s.phase));
                }
            }
            break;
        }
        if !progress {
            std::thread::sleep(Duration::from_millis(1));
        }
    }
    let mut held = 0;
    let mut failures = Vec::new();
    for s in sessions {
        match s.phase {
            // A session that failed before the others were all in was not held.
            Phase::Done if quitting => held += 1,
            Phase::Failed(why) => failures.push(format!("{}: {why}", s.user)),
            other => failures.push(format!("{}: ended {other:?}", s.user)),
        }
    }
    Outcome {
        held,
        failures,
        until_all_in,
        rss_kib: (rss_before, rss_in),
    }
}

/// A connection from `from` to the server on loopback.
fn connect_from(from: [u8; 4], port: u16) -> io::Result<TcpStream> {
    use socket2::{Domain, Socket, Type};
    let socket = Socket::new(Domain::IPV4, Type::STREAM, None)?;
    socket.bind(&std::net::SocketAddr::from((from, 0)).into())?;
    socket.connect(&std::net::SocketAddr::from(([127, 0, 0, 1], port)).into())?;
    Ok(socket.into())
}

fn connect(port: u16, user: &str, from: [u8; 4], now: Instant) -> Session {
    let config = client::Config::default().with_security(Security::AllowCleartext);
    let client = Client::new(config, Transport::Plain, now);
    let (tcp, phase) = match connect_from(from, port) {
        Ok(tcp) => match tcp.set_nonblocking(true) {
            Ok(()) => (Some(tcp), Phase::Greeting),
            Err(e) => (None, Phase::Failed(format!("set_nonblocking: {e}"))),
        },
        Err(e) => (None, Phase::Failed(format!("connect: {e}"))),
    };
    Session {
        user: user.to_owned(),
        tcp,
        client,
        phase,
        messages: Vec::new(),
        retrs: Vec::new(),
    }
}

/// Moves one session as far as it can go without blocking. True when anything moved.
fn pump(s: &mut Session, password: &str, now: Instant) -> bool {
    if matches!(s.phase, Phase::Done | Phase::Failed(_)) {
        return false;
    }
    let Some(tcp) = s.tcp.take() else {
        return false;
    };
    let progress = pump_io(s, &tcp, password, now);
    s.tcp = Some(tcp);
    progress
}

fn pump_io(s: &mut Session, mut tcp: &TcpStream, password: &str, now: Instant) -> bool {
    let mut progress = false;
    loop {
        let buf = s.client.recv_buffer();
        if buf.is_empty() {
            break;
        }
        match tcp.read(buf) {
            Ok(0) => {
                s.client.handle_eof(now);
                progress = true;
                break;
            }
            Ok(n) => {
                s.client.received(now, n);
                progress = true;
                if let Err(why) = react(s, password) {
                    s.phase = Phase::Failed(why);
                    return true;
                }
            }
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
            Err(e) => {
                s.phase = Phase::Failed(format!("read: {e}"));
                return true;
            }
        }
    }
    if s.client.poll_timeout().is_some_and(|d| now >= d) {
        s.client.handle_timeout(now);
    }
    if let Err(why) = react(s, password) {
        s.phase = Phase::Failed(why);
        return true;
    }
    loop {
        let out = s.client.poll_transmit();
        if out.is_empty() {
            break;
        }
        match tcp.write(out) {
            Ok(n) => {
                s.client.transmitted(n);
                progress = true;
            }
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
            Err(e) => {
                s.phase = Phase::Failed(format!("write: {e}"));
                return true;
            }
        }
    }
    progress
}

/// Takes every event the client has and answers it as the script says.
fn react(s: &mut Session, password: &str) -> Result<(), String> {
    loop {
        let event = match s.client.poll_event() {
            Ok(Some(e)) => e,
            Ok(None) => return Ok(()),
            Err(e) => return Err(format!("{:?}: {e}", s.phase)),
        };
        match (&s.phase, event) {
            (Phase::Greeting, Event::Greeting(_)) => {
                s.client
                    .user(s.user.as_bytes())
                    .map_err(|e| e.to_string())?;
                s.phase = Phase::LoggingIn;
            }
            (Phase::LoggingIn, Event::Reply { command, line, .. }) => {
                if !line.is_ok() {
                    return Err(format!("{command:?} refused: {}", text_of(&line)));
                }
                if command == CommandKind::User {
                    s.client
                        .pass(password.as_bytes())
                        .map_err(|e| e.to_string())?;
                } else {
                    let id = s.client.list(None).map_err(|e| e.to_string())?;
                    s.phase = Phase::Listing(id);
                }
            }
            (Phase::Listing(_), Event::ScanListing { listing, .. }) => {
                s.messages.push((listing.msg, listing.size, 0));
            }
            (Phase::Listing(id), Event::End { id: end }) if *id == end => {
                for (i, (msg, _, _)) in s.messages.iter().enumerate() {
                    let id = s.client.retr(*msg).map_err(|e| e.to_string())?;
                    s.retrs.push((id, i));
                }
                s.phase = if s.retrs.is_empty() {
                    Phase::Holding
                } else {
                    Phase::Fetching
                };
            }
            (Phase::Fetching, Event::Body { id, data }) => {
                let i = retr_index(&s.retrs, id)?;
                s.messages[i].2 += data.len() as u64;
            }
            (Phase::Fetching, Event::End { id }) => {
                let i = retr_index(&s.retrs, id)?;
                let (msg, size, got) = s.messages[i];
                if got != size {
                    return Err(format!("RETR {msg}: {got} octets, LIST said {size}"));
                }
                s.retrs.retain(|(r, _)| *r != id);
                if s.retrs.is_empty() {
                    s.phase = Phase::Holding;
                }
            }
            // The +OK opening a multi-line reply (LIST, RETR), or answering QUIT.
            (Phase::Listing(_) | Phase::Fetching | Phase::Quitting, Event::Reply { line, .. })
                if line.is_ok() => {}
            (Phase::Quitting, Event::Closed { update: true }) => {
                s.phase = Phase::Done;
                return Ok(());
            }
            (phase, Event::Reply { command, line, .. }) => {
                return Err(format!("{command:?} in {phase:?}: {}", text_of(&line)));
            }
            (phase, event) => return Err(format!("unexpected in {phase:?}: {event:?}")),
        }
    }
}

/// A status line as a person reads it: `-ERR [CODE] text`.
fn text_of(line: &StatusLine<'_>) -> String {
    let status = if line.is_ok() { "+OK" } else { "-ERR" };
    let code = line
        .code
        .map(|c| format!(" [{}]", String::from_utf8_lossy(c.raw())))
        .unwrap_or_default();
    format!("{status}{code} {}", String::from_utf8_lossy(line.text))
}

fn retr_index(retrs: &[(CommandId, usize)], id: CommandId) -> Result<usize, String> {
    retrs
        .iter()
        .find(|(r, _)| *r == id)
        .map(|(_, i)| *i)
        .ok_or_else(|| format!("a reply to {id:?}, which is no RETR in flight"))
}
