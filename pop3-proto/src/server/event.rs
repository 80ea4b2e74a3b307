//! What the server core asks of the application, and the credentials it hands over.

use hmac::{KeyInit, Mac};

use crate::apop::{ApopDigest, hex_digest_matches, hex_lower};
use crate::codec::{Mechanism, Timestamp};
use crate::secret::{Secret, constant_time_eq};

/// Credentials to check. Answer with `accept_login` or `reject_login`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum AuthRequest<'a> {
    /// USER and PASS, or SASL PLAIN or LOGIN.
    Password {
        /// The user name.
        user: &'a [u8],
        /// The password the client sent.
        password: Secret<&'a [u8]>,
        /// PLAIN's authorization identity (empty: act as `user`).
        authzid: &'a [u8],
    },
    /// APOP: check with [`AuthRequest::matches_secret`].
    Apop {
        /// The user name.
        user: &'a [u8],
        /// The digest the client sent (hex).
        digest: &'a [u8],
        /// This session's greeting timestamp.
        timestamp: Timestamp<'a>,
    },
    /// SASL CRAM-MD5 (RFC 2195): check with [`AuthRequest::matches_secret`].
    CramMd5 {
        /// The user name.
        user: &'a [u8],
        /// The HMAC-MD5 the client sent (hex).
        digest: &'a [u8],
        /// The challenge the server sent.
        challenge: &'a [u8],
    },
    /// SASL XOAUTH2 or OAUTHBEARER: an OAuth 2.0 access token to validate.
    Bearer {
        /// The mechanism used.
        mechanism: Mechanism<'a>,
        /// The user name.
        user: &'a [u8],
        /// The access token.
        token: Secret<&'a [u8]>,
    },
    /// SASL SCRAM-SHA-256 (feature `scram`): the core has checked the client's proof
    /// against the keys the application gave for `user` ([`Server::scram_keys`]) and sent
    /// the server's signature. Accept unless the maildrop cannot be opened or `authzid`
    /// may not be acted as; [`AuthRequest::matches_secret`] is false, there being no
    /// secret left to check.
    ///
    /// [`Server::scram_keys`]: super::Server::scram_keys
    Verified {
        /// The mechanism that verified the user.
        mechanism: Mechanism<'a>,
        /// The user name.
        user: &'a [u8],
        /// The authorization identity (empty: act as `user`).
        authzid: &'a [u8],
    },
    /// SASL SCRAM-SHA-256 (feature `scram`): the client's proof for `user` was wrong (or
    /// the user has no keys). Only `reject_login` is accepted: the application logs the
    /// failure and makes it as slow as any other.
    Refuted {
        /// The mechanism whose proof failed.
        mechanism: Mechanism<'a>,
        /// The user name.
        user: &'a [u8],
    },
}

impl AuthRequest<'_> {
    /// The user name.
    pub fn user(&self) -> &[u8] {
        match self {
            AuthRequest::Password { user, .. }
            | AuthRequest::Apop { user, .. }
            | AuthRequest::CramMd5 { user, .. }
            | AuthRequest::Bearer { user, .. }
            | AuthRequest::Verified { user, .. }
            | AuthRequest::Refuted { user, .. } => user,
        }
    }

    /// True when the client proved knowledge of `secret` (the user's plaintext password or
    /// shared secret), in time independent of where a difference lies. Always false for
    /// bearer tokens, which the application validates itself.
    pub fn matches_secret(&self, secret: &[u8]) -> bool {
        match *self {
            AuthRequest::Password { password, .. } => constant_time_eq(password.expose(), secret),
            AuthRequest::Apop {
                digest, timestamp, ..
            } => ApopDigest::compute(timestamp, secret).matches(digest),
            AuthRequest::CramMd5 {
                digest, challenge, ..
            } => {
                let Ok(mut mac) = hmac::Hmac::<md5::Md5>::new_from_slice(secret) else {
                    return false;
                };
                mac.update(challenge);
                let mut hex = [0u8; 32];
                hex_lower(&mac.finalize().into_bytes(), &mut hex);
                hex_digest_matches(&hex, digest)
            }
            AuthRequest::Bearer { .. }
            | AuthRequest::Verified { .. }
            | AuthRequest::Refuted { .. } => false,
        }
    }
}

/// The messages marked for deletion, handed over at UPDATE.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Marked<'a> {
    pub(crate) bits: &'a [u32],
}

impl<'a> Marked<'a> {
    /// How many messages are marked.
    pub fn count(&self) -> u32 {
        self.bits.iter().map(|w| w.count_ones()).sum()
    }

    /// The marked message numbers, in order.
    pub fn iter(&self) -> impl Iterator<Item = u32> + 'a {
        self.bits.iter().zip(0u32..).flat_map(|(&word, w)| {
            (0..32u32)
                .filter(move |b| word & (1 << b) != 0)
                .map(move |b| w * 32 + b + 1)
        })
    }
}

impl core::fmt::Debug for Marked<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

#[cfg(feature = "defmt")]
impl defmt::Format for Marked<'_> {
    fn format(&self, f: defmt::Formatter<'_>) {
        defmt::write!(f, "Marked({=u32})", self.count())
    }
}

/// What the application must do next.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Request<'a> {
    /// Check credentials: `accept_login(messages)` or `reject_login(...)`. A
    /// maildrop that is locked by another session is rejected with `[IN-USE]`.
    Auth(AuthRequest<'a>),
    /// SASL SCRAM-SHA-256 (feature `scram`, [`Config::scram`]): the stored keys of `user`,
    /// answered with `scram_keys(Some(keys))`, or `scram_keys(None)` when there are none.
    /// The core then runs the exchange; a right proof comes back as
    /// [`AuthRequest::Verified`].
    ///
    /// [`Config::scram`]: super::Config::scram
    ScramKeys {
        /// The user name, unescaped.
        user: &'a [u8],
    },
    /// The size of message `msg`, as served (CRLF line ends, no stuffing), for LIST and
    /// STAT: answer `size(octets)`. For STAT the core asks for every message not marked and
    /// sends the totals itself (RFC 1939 section 5).
    Size {
        /// The message (exists, not marked).
        msg: u32,
    },
    /// The unique-id of message `msg`, for UIDL: answer `uid(id)`.
    Uid {
        /// The message (exists, not marked).
        msg: u32,
    },
    /// RETR (`lines` is `None`) or TOP: stream the message with `send_body`, then
    /// `end_body`. For TOP the core stops after the header and `lines` body lines.
    Retrieve {
        /// The message (exists, not marked).
        msg: u32,
        /// TOP's line count.
        lines: Option<u32>,
    },
    /// The `+OK` to STLS is queued: send it, run the TLS handshake, then call
    /// `tls_established`. Every octet the client sent after STLS has been discarded.
    StartTls,
    /// QUIT in TRANSACTION: remove the marked messages, then `update_done`.
    Update {
        /// The messages to remove.
        marked: Marked<'a>,
    },
    /// The session is over. `update` is true only after a QUIT in TRANSACTION whose UPDATE
    /// the application performed; in every other case (EOF, autologout, too many bad
    /// commands, QUIT before login) nothing is to be removed.
    Closed {
        /// Messages were removed.
        update: bool,
    },
}
