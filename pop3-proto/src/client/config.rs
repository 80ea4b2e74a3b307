//! How a client session is set up.

use core::time::Duration;

use crate::codec::Strictness;

/// Whether credentials may travel without TLS.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Security {
    /// No credential is sent before TLS is active (implicit TLS, or STLS). Over a plain
    /// connection, STLS that is not advertised (after CAPA), refused, or a CAPA that fails,
    /// ends the session: no silent fallback (curl CVE-2021-22946, fetchmail CVE-2006-5867).
    #[default]
    RequireTls,
    /// Opportunistic TLS: STLS whenever the server advertises it, and credentials in
    /// cleartext only when it does not. If STLS is advertised, credentials never travel
    /// without TLS (a refused STLS stops the login), but a peer that hides STLS from CAPA
    /// gets them in cleartext: use [`Security::RequireTls`] where that matters.
    Opportunistic,
    /// Credentials may be sent in cleartext. For test servers and trusted links only.
    AllowCleartext,
}

pub use crate::Transport;

/// Client settings.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub struct Config {
    /// The credential policy.
    pub security: Security,
    /// How replies are read; lenient by default, as servers in the field need.
    pub strictness: Strictness,
    /// Send a SASL initial response with AUTH when it fits the 255-octet command limit.
    /// Turn off for servers that want it on a line of its own (Office 365 with XOAUTH2).
    pub sasl_initial_response: bool,
    /// How long the server may stay silent while a reply (or the TLS handshake) is due.
    pub reply_timeout: Duration,
    /// How long a whole reply (or the greeting, or the TLS handshake) may take from when it
    /// is due, however steadily octets arrive: a server that drips an octet before each
    /// idle timeout cannot hold the session longer. Ten minutes by default; a large
    /// message on a slow link needs more (100 MB at 1 Mbit/s takes 14 minutes).
    pub reply_deadline: Duration,
    /// Send commands ahead of their predecessors' replies where the server offers
    /// PIPELINING (RFC 2449 section 6.6); off, every command waits for the reply before
    /// it: lock-step, for servers that announce PIPELINING and break it.
    pub pipelining: bool,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            security: Security::RequireTls,
            strictness: Strictness::Lenient,
            sasl_initial_response: true,
            reply_timeout: Duration::from_secs(60),
            reply_deadline: Duration::from_secs(600),
            pipelining: true,
        }
    }
}

impl Config {
    /// The defaults with another credential policy.
    pub fn with_security(self, security: Security) -> Self {
        Config { security, ..self }
    }

    /// The defaults with another reading of input.
    pub fn with_strictness(self, strictness: Strictness) -> Self {
        Config { strictness, ..self }
    }

    /// With or without SASL initial responses.
    pub fn with_sasl_initial_response(self, on: bool) -> Self {
        Config {
            sasl_initial_response: on,
            ..self
        }
    }

    /// With another reply timeout.
    pub fn with_reply_timeout(self, reply_timeout: Duration) -> Self {
        Config {
            reply_timeout,
            ..self
        }
    }

    /// With or without pipelining where the server offers it.
    pub fn with_pipelining(self, pipelining: bool) -> Self {
        Config { pipelining, ..self }
    }

    /// With another deadline for a whole reply.
    pub fn with_reply_deadline(self, reply_deadline: Duration) -> Self {
        Config {
            reply_deadline,
            ..self
        }
    }
}
