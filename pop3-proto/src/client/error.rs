//! The client's errors, split by cause: the server broke the protocol (fatal), the session
//! could not go on (fatal), or the application asked for something it may not (returned at
//! the call, nothing changed).

use core::fmt;

use super::event::CommandKind;
use super::state::State;
use crate::codec::{EncodeError, FrameError, ParseError};

/// A fatal error: the session is poisoned and reports it from every later call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum Error {
    /// The server sent a line no command was waiting for.
    UnsolicitedLine,
    /// Octets of a reply arrived before the command it would answer had gone out in full
    /// (acknowledged with `transmitted`): a server cannot answer what it has not received,
    /// so these are forged or left over from an earlier reply (RFC 1939 section 3, RFC 2449
    /// section 6.6). They are never read as a reply.
    ReplyBeforeCommand,
    /// A status line (or greeting) did not parse.
    BadStatusLine(ParseError),
    /// A status line broke the framing rules.
    BadFraming(FrameError),
    /// Octets arrived after the `+OK` to STLS and before the TLS handshake: forged replies
    /// (response injection, CVE-2020-14954 class). They are never delivered.
    ResponseInjection,
    /// TLS is required, and the server does not offer STLS, refused it, or hid CAPA.
    TlsUnavailable,
    /// The connection ended in the middle of a reply, or before a reply that was due.
    UnexpectedEof,
    /// The server stayed silent for the reply timeout while a reply (or the TLS handshake)
    /// was due.
    Timeout,
    /// A reply (or the greeting, or the TLS handshake) did not end within the reply
    /// deadline, although octets kept coming: too slow, or dripped to hold the session.
    DeadlinePassed,
    /// The output buffer could not take a line the protocol requires now (the `*` that
    /// cancels a SASL exchange); build the client with a larger `TX`.
    OutputFull,
    /// SCRAM: the server accepted the login without proving that it knows the password
    /// (its final message was missing or carried the wrong signature). It may be an
    /// impostor; nothing more is sent to it.
    ServerUnverified,
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::UnsolicitedLine => f.write_str("server sent a line no command was waiting for"),
            Error::ReplyBeforeCommand => f.write_str(
                "the server sent a reply before the command it would answer was sent: \
                 forged or left-over data",
            ),
            Error::BadStatusLine(e) => write!(f, "malformed status line from the server: {e}"),
            Error::BadFraming(e) => write!(f, "malformed line from the server: {e}"),
            Error::ResponseInjection => {
                f.write_str("data after the server's +OK to STLS, before TLS: possible injection")
            }
            Error::TlsUnavailable => {
                f.write_str("TLS is required but the server does not offer or accept STLS")
            }
            Error::UnexpectedEof => f.write_str("connection closed in the middle of a reply"),
            Error::Timeout => f.write_str("the server did not answer in time"),
            Error::DeadlinePassed => {
                f.write_str("the server's reply did not end within the reply deadline")
            }
            Error::OutputFull => f.write_str("output buffer full while the protocol needed a line"),
            Error::ServerUnverified => f.write_str(
                "the server did not prove that it knows the password (SCRAM server signature)",
            ),
        }
    }
}

impl core::error::Error for Error {}

/// A command the application may not issue now. Nothing was sent and nothing changed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum UsageError {
    /// The command is not valid in this state (RFC 1939 sections 3-6).
    WrongState {
        /// The command.
        command: CommandKind,
        /// The session state.
        state: State,
    },
    /// PASS must follow a USER the server accepted.
    PassWithoutUser,
    /// A command that changes the session state is waiting for its reply; nothing may be
    /// sent after it until then (RFC 2449 section 6.6, RFC 2595 section 4).
    AwaitingReply {
        /// The command being waited for.
        command: CommandKind,
    },
    /// No SASL exchange is waiting for an answer.
    NoChallenge,
    /// Credentials would go over a connection without TLS, which [`Security::RequireTls`]
    /// forbids: issue STLS first.
    ///
    /// [`Security::RequireTls`]: super::Security::RequireTls
    TlsRequired,
    /// The greeting carried no msg-id shaped timestamp, so APOP is not possible.
    NoApopTimestamp,
    /// This client does not implement the mechanism, or not with these credentials.
    UnsupportedMechanism,
    /// The server offers no login method these credentials can use (no bearer mechanism
    /// for a token, say).
    NoLoginMethod,
    /// The server did not advertise the capability this command needs (UTF8, LANG).
    NotAdvertised {
        /// The command.
        command: CommandKind,
    },
    /// TLS is already active (RFC 2595 section 4), or STLS is not allowed after UTF8
    /// (RFC 6856 section 2).
    StlsNotAllowed,
    /// The in-flight queue is full; wait for replies.
    QueueFull,
    /// The output buffer cannot take the command now; `needed` octets are required
    /// (send what is pending, or build the client with a larger buffer).
    OutputFull {
        /// Octets the command needs.
        needed: usize,
    },
    /// An argument cannot be encoded (CR, LF or NUL in it, too long, empty, message 0).
    BadArgument(EncodeError),
    /// The session is over.
    Closed,
}

impl fmt::Display for UsageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            UsageError::WrongState { command, state } => {
                write!(f, "{command} is not allowed in the {state:?} state")
            }
            UsageError::PassWithoutUser => f.write_str("PASS must follow an accepted USER"),
            UsageError::AwaitingReply { command } => {
                write!(
                    f,
                    "waiting for the reply to {command} before sending anything else"
                )
            }
            UsageError::NoChallenge => f.write_str("no SASL challenge is waiting for an answer"),
            UsageError::TlsRequired => {
                f.write_str("refusing to send credentials without TLS: issue STLS first")
            }
            UsageError::NoApopTimestamp => f.write_str("the greeting has no valid APOP timestamp"),
            UsageError::NoLoginMethod => {
                f.write_str("the server offers no login method for these credentials")
            }
            UsageError::UnsupportedMechanism => {
                f.write_str("SASL mechanism not implemented for these credentials")
            }
            UsageError::NotAdvertised { command } => {
                write!(f, "the server did not advertise {command}")
            }
            UsageError::StlsNotAllowed => f.write_str("STLS is not allowed now"),
            UsageError::QueueFull => f.write_str("too many commands in flight"),
            UsageError::OutputFull { needed } => {
                write!(f, "output buffer full: the command needs {needed} octets")
            }
            UsageError::BadArgument(e) => write!(f, "bad argument: {e}"),
            UsageError::Closed => f.write_str("the session is over"),
        }
    }
}

impl core::error::Error for UsageError {}

impl From<EncodeError> for UsageError {
    fn from(e: EncodeError) -> Self {
        match e {
            EncodeError::BufferTooSmall { needed } => UsageError::OutputFull { needed },
            other => UsageError::BadArgument(other),
        }
    }
}
