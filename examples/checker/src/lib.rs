//! The mail checker's logic, with no heap (fixed-capacity `heapless` storage), so that the
//! same code runs on a host and on a microcontroller: greeting, CAPA and STLS as the
//! client's security policy asks (with `Security::Opportunistic`: whenever offered), log in,
//! UIDL, and for each unique-id not seen before, `TOP n 0` for its From and Subject. It
//! never deletes. The check is written once per flavour of the core's loops:
//! [`blocking::check`] (feature `blocking`, on by default) and `asynch::check` (feature
//! `async`), sharing everything here.
#![no_std]

#[cfg(feature = "async")]
pub mod asynch;
#[cfg(feature = "blocking")]
pub mod blocking;

use heapless::Vec;
use pop3_proto::client::{Event, Refusal};
use pop3_proto::io::ClientError;

/// The longest unique-id (RFC 1939 section 7).
const UID_MAX: usize = 70;
/// How much of a From or Subject header is kept.
const FIELD_MAX: usize = 128;

type Uid = Vec<u8, UID_MAX>;

/// The messages of one check whose unique-ids were not seen before, at most `N`.
type Fresh<const N: usize> = Vec<(u32, Uid), N>;

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
pub(crate) struct Headers {
    line: Vec<u8, FIELD_MAX>,
    overlong: bool,
    done: bool,
    from: Vec<u8, FIELD_MAX>,
    subject: Vec<u8, FIELD_MAX>,
}

impl Headers {
    pub(crate) const fn new() -> Self {
        Headers {
            line: Vec::new(),
            overlong: false,
            done: false,
            from: Vec::new(),
            subject: Vec::new(),
        }
    }

    /// Takes the body chunks of TOP's reply.
    pub(crate) fn on_event(&mut self, event: Event<'_>) {
        if let Event::Body { data, .. } = event {
            self.feed(data);
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

impl<const N: usize> Seen<N> {
    /// Takes a line of the UIDL listing: a unique-id not seen before joins `fresh`.
    pub(crate) fn on_listing(&self, event: Event<'_>, fresh: &mut Fresh<N>) {
        if let Event::UidListing { listing, .. } = event
            && !self.contains(listing.uid)
            && let Ok(uid) = Uid::from_slice(listing.uid)
        {
            let _ = fresh.push((listing.msg, uid));
        }
    }

    /// Reports a new message and remembers it.
    pub(crate) fn report(
        &mut self,
        msg: u32,
        uid: &[u8],
        headers: &Headers,
        report: &mut impl FnMut(&NewMail<'_>),
    ) {
        report(&NewMail {
            msg,
            uid,
            from: &headers.from,
            subject: &headers.subject,
        });
        self.add(uid);
    }
}
