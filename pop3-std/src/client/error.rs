//! What went wrong, by cause, with what the server said where it said something.

use std::fmt;
use std::io;

use pop3_proto::client::{self, CommandKind, UsageError};
use pop3_proto::codec::{RespCodeKind, StatusLine};
use pop3_proto::io::ClientError;

/// A `-ERR` reply, owned: the response code (RFC 2449, RFC 3206) and the text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Refusal {
    /// The command refused.
    pub command: CommandKind,
    /// The response code, without brackets (`IN-USE`, `SYS/TEMP`, ...), if any.
    pub code: Option<String>,
    /// What the code means, when this crate knows it.
    pub kind: Option<RespCodeKind>,
    /// The server's text.
    pub text: String,
}

impl Refusal {
    pub(crate) fn new(command: CommandKind, line: &StatusLine<'_>) -> Self {
        Refusal {
            command,
            code: line
                .code
                .map(|c| String::from_utf8_lossy(c.raw()).into_owned()),
            kind: line.code.map(|c| c.kind()),
            text: String::from_utf8_lossy(line.text).into_owned(),
        }
    }
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?} refused: -ERR", self.command)?;
        if let Some(code) = &self.code {
            write!(f, " [{code}]")?;
        }
        write!(f, " {}", self.text)
    }
}

/// Why a client call failed.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// The TCP connection could not be made, or broke.
    Connection(io::Error),
    /// The TLS handshake or a TLS record failed (certificate, host name, protocol).
    Tls(io::Error),
    /// The server refused the login: see the response code (`AUTH`, `IN-USE`,
    /// `LOGIN-DELAY`, `SYS/TEMP`, `SYS/PERM`).
    Auth(Refusal),
    /// The server answered a command with `-ERR`.
    Refused(Refusal),
    /// The server broke the protocol, closed early, or did not answer in time.
    Protocol(client::Error),
    /// The call is not possible now (wrong state, cleartext credentials without TLS, ...).
    Usage(UsageError),
    /// The server refused service in its greeting (`-ERR`); its text.
    Unavailable(String),
    /// No login method fits: the server offers no mechanism for these credentials.
    NoLoginMethod,
    /// Writing a message to the caller's sink failed.
    Sink(io::Error),
    /// A line of a reply could not be used (a LIST or UIDL line that does not parse, an
    /// overlong line): the reply was read to its end, but it is not whole, and nothing that
    /// depends on it should go on.
    Malformed {
        /// The command whose reply held the line.
        command: CommandKind,
        /// The line as sent (cut at 80 octets; empty when it was too long to keep).
        line: String,
        /// What was wrong.
        error: client::LineError,
    },
}

impl Error {
    /// True when the error came from a timeout, at the socket or in the session.
    pub fn is_timeout(&self) -> bool {
        match self {
            Error::Protocol(client::Error::Timeout) => true,
            Error::Connection(e) => e.kind() == io::ErrorKind::TimedOut,
            _ => false,
        }
    }

    pub(crate) fn from_io(e: io::Error) -> Self {
        let tls = e.get_ref().is_some_and(|inner| inner.is::<rustls::Error>());
        if tls {
            Error::Tls(e)
        } else {
            Error::Connection(e)
        }
    }
}

impl From<ClientError<io::Error>> for Error {
    fn from(e: ClientError<io::Error>) -> Self {
        match e {
            ClientError::Io(e) | ClientError::Handshake(e) => Error::from_io(e),
            ClientError::Session(e) => Error::Protocol(e),
            ClientError::Usage(e) => Error::Usage(e),
            ClientError::Refused(r) => {
                let refusal = Refusal {
                    command: r.command,
                    code: None,
                    kind: r.code,
                    text: String::new(),
                };
                if r.is_login() {
                    Error::Auth(refusal)
                } else {
                    Error::Refused(refusal)
                }
            }
        }
    }
}

impl From<UsageError> for Error {
    fn from(e: UsageError) -> Self {
        Error::Usage(e)
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Connection(e) => write!(f, "connection failed: {e}"),
            Error::Tls(e) => write!(f, "TLS failed: {e}"),
            Error::Auth(r) => write!(f, "login failed: {r}"),
            Error::Refused(r) => write!(f, "{r}"),
            Error::Protocol(e) => write!(f, "protocol error: {e}"),
            Error::Usage(e) => write!(f, "not possible now: {e}"),
            Error::Unavailable(text) => write!(f, "the server refused service: {text}"),
            Error::NoLoginMethod => {
                f.write_str("the server offers no login method for these credentials")
            }
            Error::Sink(e) => write!(f, "writing the message failed: {e}"),
            Error::Malformed {
                command,
                line,
                error,
            } => write!(
                f,
                "the reply to {command:?} has a line that cannot be used ({error:?}): {line:?}"
            ),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Connection(e) | Error::Tls(e) | Error::Sink(e) => Some(e),
            Error::Protocol(e) => Some(e),
            Error::Usage(e) => Some(e),
            _ => None,
        }
    }
}
