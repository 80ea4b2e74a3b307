//! What a server application provides to the server loops: credentials checked, sizes,
//! unique-ids, message contents, and removal at UPDATE. Every protocol decision (state,
//! marks, STAT totals, listings, stuffing, TOP's cut, replies) stays in the core.

use super::ServerError;
use crate::server::{AuthRequest, Failure, Marked, Request, Server, UsageError};

/// A user's maildrop, as the server loops ([`blocking::serve`](super::blocking::serve),
/// [`asynch::serve`](super::asynch::serve)) ask for it.
///
/// Message numbers are 1-based and refer to the maildrop as it was at login; the core has
/// already checked that a message exists and is not marked for deletion.
pub trait Maildrop {
    /// A message's octets, read from the start: an `embedded_io::Read` for the blocking
    /// loop, an `embedded_io_async::Read` for the async one. Line ends may be CRLF or bare
    /// LF; the core sends CRLF and dot-stuffs.
    type Body;

    /// Checks `auth` and, when it is good, opens the maildrop: the number of messages.
    /// Refuse with [`Failure::Auth`] for bad credentials, [`Failure::InUse`] for a locked
    /// maildrop, [`Failure::SysTemp`] when it cannot be opened now. A failed login may wait
    /// before it returns, to slow down guessing.
    fn login(&mut self, auth: &AuthRequest<'_>) -> Result<u32, Failure>;

    /// The stored SCRAM-SHA-256 keys of `user` (feature `scram`), asked for when the
    /// server configuration offers SCRAM; `None` for a user without them, whose exchange
    /// then fails at the proof. A right proof comes to [`Maildrop::login`] as
    /// [`AuthRequest::Verified`]. By default no user has keys.
    #[cfg(feature = "scram")]
    fn scram_keys(&mut self, user: &[u8]) -> Option<crate::sasl::scram::StoredKeys<'_>> {
        let _ = user;
        None
    }

    /// The size of message `msg` as served: CRLF line ends, no stuffing (RFC 1939 section
    /// 11). Also asked for every message not marked when a client sends STAT.
    fn size(&mut self, msg: u32) -> Result<u64, Failure>;

    /// The unique-id of message `msg`: 1 to 70 octets in 0x21-0x7E, the same in every
    /// session (RFC 1939 section 7).
    fn uid(&mut self, msg: u32) -> Result<&[u8], Failure>;

    /// Opens message `msg` for RETR or TOP.
    fn open(&mut self, msg: u32) -> Result<Self::Body, Failure>;

    /// UPDATE after QUIT: remove the marked messages. On `Err` the client hears that some
    /// were not removed (RFC 1939 section 6).
    fn update(&mut self, marked: Marked<'_>) -> Result<(), Failure>;
}

/// How a server loop ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Ended {
    /// The session is over. `update` is true when a QUIT ran UPDATE successfully.
    Closed {
        /// The marked messages were removed.
        update: bool,
    },
    /// The shutdown signal came between commands: nothing was half done and nothing was
    /// removed.
    Shutdown,
}

/// What the loop must do after a request was answered from the maildrop.
pub(crate) enum Next {
    /// Nothing more: poll the next request.
    Continue,
    /// Stream message `msg` (RETR or TOP).
    Retrieve(u32),
    /// Send the `+OK`, run the TLS handshake, then `tls_established`.
    StartTls,
    /// The session is over.
    Closed(bool),
}

/// Takes the next request, if any, and answers it from `maildrop` where no I/O is needed.
/// Written once for both loops.
pub(crate) fn answer_next<M: Maildrop, const RX: usize, const TX: usize, const W: usize>(
    server: &mut Server<'_, RX, TX, W>,
    maildrop: &mut M,
) -> Result<Option<Next>, ServerError<core::convert::Infallible>> {
    enum Taken<'k> {
        Login(Result<u32, Failure>),
        #[cfg(feature = "scram")]
        Keys(Option<crate::sasl::scram::StoredKeys<'k>>),
        #[cfg(not(feature = "scram"))]
        Keys(core::marker::PhantomData<&'k ()>),
        Size(Result<u64, Failure>),
        Uid(u32),
        Update(Result<(), Failure>),
        Next(Next),
    }
    // The request borrows the server: take what it needs from the maildrop first.
    let taken = match server.poll_event()? {
        None => return Ok(None),
        Some(Request::Auth(auth)) => Taken::Login(maildrop.login(&auth)),
        #[cfg(feature = "scram")]
        Some(Request::ScramKeys { user }) => Taken::Keys(maildrop.scram_keys(user)),
        // Never asked for without the feature.
        #[cfg(not(feature = "scram"))]
        Some(Request::ScramKeys { .. }) => Taken::Keys(core::marker::PhantomData),
        Some(Request::Size { msg }) => Taken::Size(maildrop.size(msg)),
        Some(Request::Uid { msg }) => Taken::Uid(msg),
        Some(Request::Retrieve { msg, .. }) => Taken::Next(Next::Retrieve(msg)),
        Some(Request::StartTls) => Taken::Next(Next::StartTls),
        Some(Request::Update { marked }) => Taken::Update(maildrop.update(marked)),
        Some(Request::Closed { update }) => Taken::Next(Next::Closed(update)),
    };
    match taken {
        Taken::Login(Ok(messages)) => server.accept_login(messages)?,
        Taken::Login(Err(failure)) => server.reject_login(failure, failure.text())?,
        #[cfg(feature = "scram")]
        Taken::Keys(keys) => server.scram_keys(keys)?,
        #[cfg(not(feature = "scram"))]
        Taken::Keys(_) => {}
        Taken::Size(Ok(octets)) => server.size(octets)?,
        Taken::Size(Err(failure)) => server.fail(failure, failure.text())?,
        Taken::Uid(msg) => match maildrop.uid(msg) {
            Ok(uid) => match server.uid(uid) {
                // The maildrop's unique-id cannot be sent: the message is left out, never
                // sent with an id another session would read differently.
                Err(UsageError::BadValue(_)) => server.fail(Failure::SysPerm, b"Bad unique-id")?,
                other => other?,
            },
            Err(failure) => server.fail(failure, failure.text())?,
        },
        Taken::Update(result) => server.update_done(result)?,
        Taken::Next(next) => return Ok(Some(next)),
    }
    Ok(Some(Next::Continue))
}

impl ServerError<core::convert::Infallible> {
    /// The same error, for a transport with error type `E`.
    pub(crate) fn widen<E>(self) -> ServerError<E> {
        match self {
            ServerError::Session(e) => ServerError::Session(e),
            ServerError::Usage(e) => ServerError::Usage(e),
            ServerError::Body(k) => ServerError::Body(k),
            ServerError::Io(never) | ServerError::Handshake(never) => match never {},
        }
    }
}
