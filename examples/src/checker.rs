//! The mail checker's logic, written once over the core's generic drive loop and with no
//! heap (fixed-capacity `heapless` storage), so that the same code runs on a host and on a
//! microcontroller: greeting, CAPA and STLS as the client's security policy asks (with
//! `Security::Opportunistic`: whenever offered), log in, UIDL, and for each unique-id not
//! seen before, `TOP n 0` for its From and Subject. It never deletes.

use embedded_io::{Read, Write};
use heapless::Vec;
use pop3_proto::client::{Client, Event, Refusal, State};
use pop3_proto::io::ClientError;
use pop3_proto::io::blocking::{Clock, drive, establish, login_auto};
use pop3_proto::sasl::Credentials;

/// The longest unique-id (RFC 1939 section 7).
const UID_MAX: usize = 70;
/// How much of a From or Subject header is kept.
const FIELD_MAX: usize = 128;

type Uid = Vec<u8, UID_MAX>;

/// Unique-ids seen before, at most `N`: the oldest is forgotten first.
#[derive(Default)]
pub struct Seen<const N: usize> {
    uids: Vec<Uid, N>,
}

impl<const N: usize> Seen<N> {
    /// Nothing seen.
    pub const fn new() -> Self {
        Seen { uids: Vec::new() }
    }

    fn contains(&self, uid: &[u8]) -> bool {
        self.uids.iter().any(|u| u.as_slice() == uid)
    }

    fn add(&mut self, uid: &[u8]) {
        let Ok(uid) = Uid::from_slice(uid) else {
            return;
        };
        if self.uids.is_full() && !self.uids.is_empty() {
            self.uids.remove(0);
        }
        let _ = self.uids.push(uid);
    }

    /// How many are remembered.
    pub fn len(&self) -> usize {
        self.uids.len()
    }

    /// True when none is.
    pub fn is_empty(&self) -> bool {
        self.uids.is_empty()
    }
}

/// A message that was not there at the last check.
#[derive(Debug)]
pub struct NewMail<'a> {
    /// Its number in this session.
    pub msg: u32,
    /// Its unique-id.
    pub uid: &'a [u8],
    /// The From header's value (cut at 128 octets).
    pub from: &'a [u8],
    /// The Subject header's value (cut at 128 octets).
    pub subject: &'a [u8],
}

/// Why a check failed.
#[derive(Debug)]
pub enum CheckError<E> {
    /// The transport, the session or a step failed.
    Step(ClientError<E>),
    /// The server refused service in its greeting.
    Unavailable,
    /// The server refused the login (the command and its response code).
    LoginRefused(Refusal),
    /// The server offers no way to log in with these credentials.
    NoLoginMethod,
}

impl<E> From<ClientError<E>> for CheckError<E> {
    fn from(e: ClientError<E>) -> Self {
        match e {
            ClientError::Refused(r) if r.is_login() => CheckError::LoginRefused(r),
            ClientError::Usage(pop3_proto::client::UsageError::NoLoginMethod) => {
                CheckError::NoLoginMethod
            }
            other => CheckError::Step(other),
        }
    }
}

impl<E> From<pop3_proto::client::UsageError> for CheckError<E> {
    fn from(e: pop3_proto::client::UsageError) -> Self {
        CheckError::Step(ClientError::Usage(e))
    }
}

/// The header lines of one message, read from TOP's body chunks (a line may be split
/// across chunks, and may be longer than what is kept).
struct Headers {
    line: Vec<u8, FIELD_MAX>,
    overlong: bool,
    done: bool,
    from: Vec<u8, FIELD_MAX>,
    subject: Vec<u8, FIELD_MAX>,
}

impl Headers {
    const fn new() -> Self {
        Headers {
            line: Vec::new(),
            overlong: false,
            done: false,
            from: Vec::new(),
            subject: Vec::new(),
        }
    }

    fn feed(&mut self, data: &[u8]) {
        for &b in data {
            if self.done {
                return;
            }
            if b == b'\n' {
                self.end_line();
            } else if self.line.push(b).is_err() {
                self.overlong = true;
            }
        }
    }

    fn end_line(&mut self) {
        let line = self.line.strip_suffix(b"\r").unwrap_or(&self.line);
        if line.is_empty() {
            self.done = true;
        }
        for (name, field) in [
            (&b"from:"[..], &mut self.from),
            (b"subject:", &mut self.subject),
        ] {
            if line.len() >= name.len()
                && line[..name.len()].eq_ignore_ascii_case(name)
                && field.is_empty()
            {
                let value = line[name.len()..].trim_ascii();
                let _ = field.extend_from_slice(&value[..value.len().min(FIELD_MAX)]);
            }
        }
        self.line.clear();
        self.overlong = false;
    }
}

/// Runs one check over `io`: the client must be fresh on this connection. `handshake`
/// upgrades the transport when STLS is used. Each new message goes to `report`, then is
/// remembered in `seen`. Returns how many were new. The session ends with QUIT, and no
/// message was marked, so nothing is removed.
pub fn check<T, const RX: usize, const TX: usize, const Q: usize, const N: usize>(
    client: &mut Client<RX, TX, Q>,
    io: &mut T,
    creds: &Credentials<'_>,
    handshake: impl FnOnce(&mut T) -> Result<(), T::Error>,
    seen: &mut Seen<N>,
    mut report: impl FnMut(&NewMail<'_>),
) -> Result<usize, CheckError<T::Error>>
where
    T: Read + Write + Clock,
{
    let go_on = |_: Event<'_>, _: &mut _| core::ops::ControlFlow::Continue(());
    if !establish(client, io, handshake, |_| {})? {
        return Err(CheckError::Unavailable);
    }
    login_auto(client, io, creds, |_| {})?;

    // The unique-ids not seen before, at most N per check.
    let mut fresh: Vec<(u32, Uid), N> = Vec::new();
    client.uidl(None)?;
    drive(client, io, |event, _| {
        if let Event::UidListing { listing, .. } = event
            && !seen.contains(listing.uid)
            && let Ok(uid) = Uid::from_slice(listing.uid)
        {
            let _ = fresh.push((listing.msg, uid));
        }
        core::ops::ControlFlow::Continue(())
    })?;

    for (msg, uid) in &fresh {
        let mut headers = Headers::new();
        client.top(*msg, 0)?;
        drive(client, io, |event, _| {
            if let Event::Body { data, .. } = event {
                headers.feed(data);
            }
            core::ops::ControlFlow::Continue(())
        })?;
        report(&NewMail {
            msg: *msg,
            uid,
            from: &headers.from,
            subject: &headers.subject,
        });
        seen.add(uid);
    }
    client.quit()?;
    drive(client, io, go_on)?;
    debug_assert_eq!(client.state(), State::Closed);
    Ok(fresh.len())
}
