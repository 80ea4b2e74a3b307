//! What went wrong, by cause, with what the server said where it said something.

use std::fmt;
use std::io;

use pop3_proto::client::{self, CommandKind, LoginMethod, UsageError};
use pop3_proto::codec::{Escaped, RespCodeKind, StatusLine};
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
        write!(f, "{} refused: -ERR", self.command)?;
        if let Some(code) = &self.code {
            write!(f, " [{code}]")?;
        }
        // The server's words, shown with control codes escaped: never obeyed by a terminal.
        write!(f, " {}", Escaped(self.text.as_bytes()))
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
    /// The server refused the login: every refusal, in order, one per method tried (see
    /// the response code of the last: `AUTH`, `IN-USE`, `LOGIN-DELAY`, `SYS/TEMP`,
    /// `SYS/PERM`).
    Auth(Vec<Refusal>),
    /// The login method asked for is not one the server offers.
    NotOffered(LoginMethod),
    /// The server answered a command with `-ERR`.
    Refused(Refusal),
    /// The server broke the protocol, closed early, or did not answer in time.
    Protocol(client::Error),
    /// The call is not possible now (wrong state, cleartext credentials without TLS, ...).
    Usage(UsageError),
    /// The server refused service in its greeting (`-ERR`); its text.
    Unavailable(String),
    /// The server's certificate is not trusted; the error carries its fingerprint, to pin
    /// with [`crate::tls::Trust::Fingerprint`] if it is known to be the server's own.
    Untrusted(crate::tls::Untrusted),
    /// TLS was expected, and the server answered in plaintext: the port speaks plain POP3
    /// (use STLS on it), or it is not a POP3 port at all.
    NotTls,
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

    /// An error of the TLS handshake: a TLS error (or a handshake that timed out), a port
    /// that answers in plaintext, or a broken connection.
    pub(crate) fn from_handshake(e: io::Error) -> Self {
        let rustls = e
            .get_ref()
            .and_then(|inner| inner.downcast_ref::<rustls::Error>());
        match rustls {
            Some(rustls::Error::InvalidMessage(rustls::InvalidMessage::InvalidContentType)) => {
                Error::NotTls
            }
            Some(rustls::Error::InvalidCertificate(rustls::CertificateError::Other(other))) => {
                match other.0.downcast_ref::<crate::tls::Untrusted>() {
                    Some(untrusted) => Error::Untrusted(untrusted.clone()),
                    None => Error::Tls(e),
                }
            }
            _ if e.kind() == io::ErrorKind::TimedOut => Error::Tls(e),
            _ => Error::from_io(e),
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
            ClientError::Io(e) => Error::from_io(e),
            ClientError::Sink(kind) => Error::Sink(io::Error::other(format!("{kind:?}"))),
            ClientError::Handshake(e) => Error::from_handshake(e),
            ClientError::Session(e) => Error::Protocol(e),
            ClientError::Usage(UsageError::NoLoginMethod) => Error::NoLoginMethod,
            ClientError::Usage(e) => Error::Usage(e),
            ClientError::Refused(r) => {
                let refusal = Refusal {
                    command: r.command,
                    code: None,
                    kind: r.code,
                    text: String::new(),
                };
                if r.is_login() {
                    Error::Auth(vec![refusal])
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
            Error::Auth(refusals) => {
                f.write_str("login failed: ")?;
                for (i, r) in refusals.iter().enumerate() {
                    if i > 0 {
                        f.write_str("; then ")?;
                    }
                    write!(f, "{r}")?;
                }
                Ok(())
            }
            Error::NotOffered(method) => {
                write!(f, "the server does not offer the login method {method}")
            }
            Error::Refused(r) => write!(f, "{r}"),
            Error::Protocol(e) => write!(f, "protocol error: {e}"),
            Error::Usage(e) => write!(f, "not possible now: {e}"),
            Error::Unavailable(text) => write!(
                f,
                "the server refused service: {}",
                Escaped(text.as_bytes())
            ),
            Error::NoLoginMethod => {
                f.write_str("the server offers no login method for these credentials")
            }
            Error::Untrusted(u) => write!(f, "TLS failed: {u}"),
            Error::NotTls => f.write_str(
                "the server answered in plaintext where TLS was expected: this port speaks \
                 plain POP3 (upgrade with STLS instead) or is not a POP3 port",
            ),
            Error::Sink(e) => write!(f, "writing the message failed: {e}"),
            Error::Malformed {
                command,
                line,
                error,
            } => write!(
                f,
                "the reply to {command} has a line that cannot be used ({error:?}): \"{}\"",
                Escaped(line.as_bytes())
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
            Error::Untrusted(u) => Some(u),
            _ => None,
        }
    }
}
