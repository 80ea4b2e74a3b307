//! The server's fatal error. Everything else a client does wrong is answered with `-ERR`
//! and counted (RFC 1939 section 3); this is what cannot be answered.

use core::fmt;

/// A fatal error: the session is over and reports it from every later call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum Error {
    /// Octets arrived after the `+OK` to STLS and before the TLS handshake: commands
    /// injected in plaintext (CVE-2011-0411 class). They are never run.
    CommandInjection,
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::CommandInjection => {
                f.write_str("data after the +OK to STLS, before TLS: possible command injection")
            }
        }
    }
}

impl core::error::Error for Error {}
