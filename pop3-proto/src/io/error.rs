//! What ends a drive loop early, for each role: the transport, the session, or a step
//! that was not possible. Each keeps its source.

use core::fmt;

use embedded_io::ErrorKind;

use crate::client::{self, Refusal};
use crate::server;

/// What stopped a client loop or step.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum ClientError<E> {
    /// The transport failed.
    Io(E),
    /// The session failed: the server broke the protocol, timed out or closed early.
    Session(client::Error),
    /// A step was not possible (wrong state, cleartext credentials without TLS, ...).
    Usage(client::UsageError),
    /// The server refused a command the step needed (a login, STLS).
    Refused(Refusal),
    /// The server accepted STLS but the TLS handshake failed.
    Handshake(E),
    /// Writing a retrieved message to its sink failed (the reply was left unread: end the
    /// session, nothing was deleted).
    Sink(ErrorKind),
}

impl<E> From<client::Error> for ClientError<E> {
    fn from(e: client::Error) -> Self {
        ClientError::Session(e)
    }
}

impl<E> From<client::UsageError> for ClientError<E> {
    fn from(e: client::UsageError) -> Self {
        ClientError::Usage(e)
    }
}

impl<E: fmt::Debug> fmt::Display for ClientError<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ClientError::Io(e) => write!(f, "transport error: {e:?}"),
            ClientError::Session(e) => write!(f, "session failed: {e}"),
            ClientError::Usage(e) => write!(f, "step not possible: {e}"),
            ClientError::Refused(r) => write!(f, "{r}"),
            ClientError::Handshake(e) => write!(f, "TLS handshake failed: {e:?}"),
            ClientError::Sink(kind) => write!(f, "writing the message failed: {kind:?}"),
        }
    }
}

impl<E: core::error::Error + 'static> core::error::Error for ClientError<E> {
    fn source(&self) -> Option<&(dyn core::error::Error + 'static)> {
        match self {
            ClientError::Io(e) | ClientError::Handshake(e) => Some(e),
            ClientError::Session(e) => Some(e),
            ClientError::Usage(e) => Some(e),
            ClientError::Refused(_) | ClientError::Sink(_) => None,
        }
    }
}

/// What stopped a server loop.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum ServerError<E> {
    /// The transport failed.
    Io(E),
    /// The session failed (the client injected commands before TLS).
    Session(server::Error),
    /// The core refused an answer the maildrop gave (a unique-id that cannot be sent).
    Usage(server::UsageError),
    /// The TLS handshake after STLS failed.
    Handshake(E),
    /// Reading a message failed after its `+OK` went out: the reply was cut short, which a
    /// client sees as a reply without its end, never as a whole message.
    Body(ErrorKind),
}

impl<E> From<server::Error> for ServerError<E> {
    fn from(e: server::Error) -> Self {
        ServerError::Session(e)
    }
}

impl<E> From<server::UsageError> for ServerError<E> {
    fn from(e: server::UsageError) -> Self {
        ServerError::Usage(e)
    }
}

impl<E: fmt::Debug> fmt::Display for ServerError<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ServerError::Io(e) => write!(f, "transport error: {e:?}"),
            ServerError::Session(e) => write!(f, "session failed: {e}"),
            ServerError::Usage(e) => write!(f, "answer refused by the core: {e}"),
            ServerError::Handshake(e) => write!(f, "TLS handshake failed: {e:?}"),
            ServerError::Body(kind) => write!(f, "reading the message failed: {kind:?}"),
        }
    }
}

impl<E: core::error::Error + 'static> core::error::Error for ServerError<E> {
    fn source(&self) -> Option<&(dyn core::error::Error + 'static)> {
        match self {
            ServerError::Io(e) | ServerError::Handshake(e) => Some(e),
            ServerError::Session(e) => Some(e),
            ServerError::Usage(e) => Some(e),
            ServerError::Body(_) => None,
        }
    }
}
