//! How a server session is set up.

use core::time::Duration;

use crate::codec::{RespCode, Strictness};

/// RFC 1939 section 3: an autologout timer, if any, is at least 10 minutes.
pub const MIN_AUTOLOGOUT: Duration = Duration::from_secs(10 * 60);

/// Server settings. What is advertised in CAPA follows from them, so that the server never
/// advertises what it does not do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub struct Config<'c> {
    /// Text of the greeting, before the APOP timestamp.
    pub greeting: &'c [u8],
    /// A response code for the greeting (RFC 2449 allows one), e.g. `[SYS/TEMP]` text
    /// for a server about to go down; `None` for none.
    pub greeting_code: Option<RespCode<'c>>,
    /// Host name for the APOP timestamp `<token@host>`.
    pub hostname: &'c [u8],
    /// `IMPLEMENTATION` text in CAPA; empty for none.
    pub implementation: &'c [u8],
    /// STLS can be offered (the driver has a certificate).
    pub stls: bool,
    /// USER/PASS, PLAIN and LOGIN are allowed without TLS. Off by default (RFC 2595
    /// section 2.3); CRAM-MD5 and APOP do not send the password and stay available.
    pub allow_cleartext_passwords: bool,
    /// Offer APOP (needs the plaintext secret on the server side).
    pub apop: bool,
    /// Offer SASL CRAM-MD5 (needs the plaintext secret too).
    pub cram_md5: bool,
    /// Offer SASL XOAUTH2 and OAUTHBEARER.
    pub oauth: bool,
    /// Offer SASL SCRAM-SHA-256 (feature `scram`; RFC 7677): the application answers
    /// [`Request::ScramKeys`](super::Request::ScramKeys) with the user's stored keys, and the
    /// driver's greeting token, the server's part of the nonce, is random. Needs no TLS:
    /// the password is never sent.
    pub scram: bool,
    /// Offer the UTF8 command (RFC 6856).
    pub utf8: bool,
    /// Offer LANG (RFC 6856 section 3), with English, the language of the server's texts.
    pub lang: bool,
    /// How input is read.
    pub strictness: Strictness,
    /// Bad commands tolerated before login, then the session closes.
    pub max_bad_commands_before_login: u16,
    /// Bad commands tolerated after login.
    pub max_bad_commands: u16,
    /// Idle time after which the session closes without UPDATE; never less than
    /// [`MIN_AUTOLOGOUT`]. Only complete commands reset it (RFC 1939 section 3).
    pub autologout: Duration,
    /// How long a connection may stay unauthenticated, whatever it sends (three minutes
    /// by default, as Dovecot): a client that never logs in does not hold a slot for the
    /// autologout time over and over.
    pub login_timeout: Duration,
}

impl Default for Config<'_> {
    fn default() -> Self {
        Config {
            greeting: b"POP3 server ready",
            greeting_code: None,
            hostname: b"localhost",
            implementation: b"",
            stls: false,
            allow_cleartext_passwords: false,
            apop: false,
            cram_md5: false,
            oauth: false,
            scram: false,
            utf8: false,
            lang: true,
            strictness: Strictness::Lenient,
            max_bad_commands_before_login: 3,
            max_bad_commands: 20,
            autologout: MIN_AUTOLOGOUT,
            login_timeout: Duration::from_secs(180),
        }
    }
}

impl<'c> Config<'c> {
    /// The defaults with another greeting text and host name.
    pub fn named(greeting: &'c [u8], hostname: &'c [u8]) -> Self {
        Config {
            greeting,
            hostname,
            ..Config::default()
        }
    }

    /// With a response code in the greeting.
    pub fn with_greeting_code(self, code: RespCode<'c>) -> Self {
        Config {
            greeting_code: Some(code),
            ..self
        }
    }

    /// With STLS offered or not.
    pub fn with_stls(self, stls: bool) -> Self {
        Config { stls, ..self }
    }

    /// With cleartext passwords allowed or not.
    pub fn with_cleartext_passwords(self, allow: bool) -> Self {
        Config {
            allow_cleartext_passwords: allow,
            ..self
        }
    }

    /// With APOP and CRAM-MD5 offered or not.
    pub fn with_shared_secrets(self, on: bool) -> Self {
        Config {
            apop: on,
            cram_md5: on,
            ..self
        }
    }

    /// With XOAUTH2 and OAUTHBEARER offered or not.
    pub fn with_oauth(self, on: bool) -> Self {
        Config { oauth: on, ..self }
    }

    /// With SCRAM-SHA-256 offered or not (see [`Config::scram`]).
    pub fn with_scram(self, on: bool) -> Self {
        Config { scram: on, ..self }
    }

    /// With the UTF8 command offered or not.
    pub fn with_utf8(self, on: bool) -> Self {
        Config { utf8: on, ..self }
    }

    /// With LANG offered or not.
    pub fn with_lang(self, on: bool) -> Self {
        Config { lang: on, ..self }
    }

    /// With an `IMPLEMENTATION` capability.
    pub fn with_implementation(self, text: &'c [u8]) -> Self {
        Config {
            implementation: text,
            ..self
        }
    }

    /// With another autologout time (raised to [`MIN_AUTOLOGOUT`] if lower).
    pub fn with_autologout(self, autologout: Duration) -> Self {
        Config {
            autologout: autologout.max(MIN_AUTOLOGOUT),
            ..self
        }
    }

    /// With another login timeout.
    pub fn with_login_timeout(self, login_timeout: Duration) -> Self {
        Config {
            login_timeout,
            ..self
        }
    }

    /// With other bad-command limits.
    pub fn with_bad_command_limits(self, before_login: u16, after_login: u16) -> Self {
        Config {
            max_bad_commands_before_login: before_login,
            max_bad_commands: after_login,
            ..self
        }
    }
}
