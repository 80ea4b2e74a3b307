//! Exit codes that tell failures apart, and messages that say what to do next: the same
//! for `pop3` and `mail-checker`.

use std::fmt;
use std::process::ExitCode;

use pop3_std::client::Error;

/// Why the program failed, by what a script would do about it.
#[derive(Debug)]
pub enum Failure {
    /// Bad arguments or a missing password source (exit 2).
    Usage(String),
    /// The server could not be reached or the connection broke (exit 3).
    Network(String),
    /// TLS failed: certificate, host name, handshake (exit 4).
    Tls(String),
    /// TLS was asked for and the port speaks plaintext (exit 4).
    Plaintext(String),
    /// The server's certificate is not trusted; the fingerprint to pin it by (exit 4).
    Untrusted(String, String),
    /// The server refused the login (exit 5).
    Auth(String),
    /// The server broke the protocol or refused a command (exit 6).
    Protocol(String),
    /// Writing mail or state on this machine failed (exit 7).
    Local(String),
}

impl Failure {
    /// The process exit code.
    pub fn code(&self) -> ExitCode {
        ExitCode::from(self.code_number())
    }

    /// The process exit code, as a number.
    pub fn code_number(&self) -> u8 {
        match self {
            Failure::Usage(_) => 2,
            Failure::Network(_) => 3,
            Failure::Tls(_) | Failure::Plaintext(_) | Failure::Untrusted(..) => 4,
            Failure::Auth(_) => 5,
            Failure::Protocol(_) => 6,
            Failure::Local(_) => 7,
        }
    }

    /// The same failure, its message prefixed with `who` (an account's name, say).
    pub fn within(self, who: &str) -> Failure {
        let at = |m: String| format!("{who}: {m}");
        match self {
            Failure::Usage(m) => Failure::Usage(at(m)),
            Failure::Network(m) => Failure::Network(at(m)),
            Failure::Tls(m) => Failure::Tls(at(m)),
            Failure::Plaintext(m) => Failure::Plaintext(at(m)),
            Failure::Untrusted(m, f) => Failure::Untrusted(at(m), f),
            Failure::Auth(m) => Failure::Auth(at(m)),
            Failure::Protocol(m) => Failure::Protocol(at(m)),
            Failure::Local(m) => Failure::Local(at(m)),
        }
    }

    /// A short name for JSON output.
    pub fn kind(&self) -> &'static str {
        match self {
            Failure::Usage(_) => "usage",
            Failure::Network(_) => "network",
            Failure::Tls(_) | Failure::Plaintext(_) | Failure::Untrusted(..) => "tls",
            Failure::Auth(_) => "auth",
            Failure::Protocol(_) => "protocol",
            Failure::Local(_) => "local",
        }
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Failure::Usage(m) => write!(f, "{m}"),
            Failure::Network(m) => write!(
                f,
                "{m}\nCheck the host name and port, and that the server is running."
            ),
            Failure::Tls(m) => write!(
                f,
                "{m}\nIf the server uses a private CA, pass it with --ca-file; if it has no TLS at all, \
                 --insecure-plaintext allows a cleartext login."
            ),
            Failure::Untrusted(m, fingerprint) => write!(
                f,
                "{m}\nIf the server uses a private CA, pass it with --ca-file. If this is the server's own \
                 certificate (a self-signed one, say), pass the certificate with --ca-file, or, once you \
                 have checked the fingerprint with the server's administrator, pin it with\n  \
                 --fingerprint {fingerprint}"
            ),
            Failure::Plaintext(m) => write!(
                f,
                "{m}\nFor a port that upgrades with STLS (usually 110), use pop3://user@host or --starttls."
            ),
            Failure::Auth(m) => write!(f, "{m}\nCheck the user name and password (or token)."),
            Failure::Protocol(m) => write!(f, "{m}"),
            Failure::Local(m) => write!(f, "{m}"),
        }
    }
}

impl From<Error> for Failure {
    fn from(e: Error) -> Self {
        let text = e.to_string();
        match e {
            Error::Connection(_) => Failure::Network(text),
            Error::Tls(_) => Failure::Tls(text),
            Error::NotTls => Failure::Plaintext(text),
            Error::Untrusted(u) => Failure::Untrusted(text, u.fingerprint.to_string()),
            Error::Auth(_) | Error::NoLoginMethod | Error::NotOffered(_) => Failure::Auth(text),
            Error::Sink(_) => Failure::Local(text),
            // Not a protocol fault: the server has no TLS to offer on this port.
            Error::Protocol(e @ pop3_proto::client::Error::TlsUnavailable) => {
                Failure::Tls(e.to_string())
            }
            Error::Usage(pop3_proto::client::UsageError::TlsRequired) => {
                Failure::Tls(format!("{text}: the server offers no TLS for the login"))
            }
            // An argument the protocol cannot carry: message 0, a user name with a line
            // break. The user's to change.
            Error::Usage(pop3_proto::client::UsageError::BadArgument(_)) => Failure::Usage(text),
            _ => Failure::Protocol(text),
        }
    }
}
