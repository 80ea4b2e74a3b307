//! SCRAM-SHA-256 on the server (RFC 5802 section 5, RFC 7677): the exchange the core runs
//! between the client's first message and its empty answer to the server's signature. The
//! application is asked once, for the user's stored keys ([`Request::ScramKeys`]), and
//! again, as for every login, to open the maildrop ([`AuthRequest::Verified`]).
//!
//! [`Request::ScramKeys`]: super::Request::ScramKeys
//! [`AuthRequest::Verified`]: super::AuthRequest::Verified

use heapless::Vec;
use sha2::{Digest, Sha256};

use super::sasl::{SaslState, base64_encode};
use super::{Ask, Awaiting, Core, Server, Src, UsageError};
use crate::sasl::scram::{
    self, MAX_CLIENT_NONCE, MAX_NONCE, MAX_SALT, StoredKeys, Verifier, parse_client_first,
};

/// The longest server-first message: both nonces, the salt in base64, ten digits.
const SERVER_FIRST: usize =
    2 + MAX_CLIENT_NONCE + MAX_NONCE + 3 + MAX_SALT.div_ceil(3) * 4 + 3 + 10;

/// What the core keeps between the messages of one exchange.
#[derive(Clone, Default)]
pub(crate) struct ScramServer {
    /// The client-first message's length at the start of the decoded buffer, while the
    /// application looks up the keys.
    first_len: usize,
    verifier: Option<Verifier>,
    /// The authorization identity, unescaped, until the login is asked for.
    authzid: Vec<u8, { scram::MAX_AUTHZID }>,
    /// The login asked for is a refuted proof: only a rejection may answer it.
    pub(super) refuted: bool,
}

impl<const RX: usize, const TX: usize, const W: usize> Core<'_, RX, TX, W> {
    /// The server's part of the nonce: the greeting token (`<token@host>`), which the
    /// driver makes unpredictable. `None` when it cannot serve as a nonce: SCRAM is then
    /// not offered.
    pub(super) fn server_nonce(&self) -> Option<&[u8]> {
        let inner = self.timestamp.strip_prefix(b"<")?;
        let token = inner.get(..inner.iter().position(|&b| b == b'@')?)?;
        scram::nonce_ok(token).then_some(token)
    }

    /// SCRAM-SHA-256 is configured and this session has a nonce for it.
    pub(super) fn scram_offered(&self) -> bool {
        self.config.scram && self.server_nonce().is_some()
    }

    /// The client-first message, `n` octets in the decoded buffer.
    pub(super) fn scram_first(&mut self, n: usize) -> Option<Ask> {
        let raw = self.decoded.get(..n).unwrap_or_default();
        let Some(first) = parse_client_first(raw) else {
            return self.auth_failed(b"Malformed SCRAM client-first message");
        };
        self.user.clear();
        self.scram.authzid.clear();
        let (user, authzid) = (&mut self.user, &mut self.scram.authzid);
        let mut fits = true;
        scram::unescape(first.user, &mut |part| {
            fits &= user.extend_from_slice(part).is_ok();
        });
        scram::unescape(first.authzid, &mut |part| {
            fits &= authzid.extend_from_slice(part).is_ok();
        });
        if !fits {
            return self.auth_failed(b"SCRAM user name too long");
        }
        self.scram.first_len = n;
        self.sasl = SaslState::ScramKeys;
        self.awaiting = Awaiting::ScramKeys;
        Some(Ask::ScramKeys)
    }

    /// The client-final message: the proof. Right: the server's signature goes out as the
    /// last challenge. Wrong, or keys made up for an unknown user: the application hears of
    /// it as a refuted login, which it can only reject (and slow down like any other).
    pub(super) fn scram_final(&mut self, n: usize) -> Option<Ask> {
        let raw = self.decoded.get(..n).unwrap_or_default();
        let signature = self.scram.verifier.take().and_then(|v| v.verify(raw));
        let Some(signature) = signature else {
            self.sasl_reset();
            self.scram.refuted = true;
            self.awaiting = Awaiting::Login;
            return Some(Ask::Refuted);
        };
        // server-final-message: `v=` and the signature, both in base64 once more.
        let mut v = [0u8; 46];
        v[..2].copy_from_slice(b"v=");
        let v_len = 2 + base64_encode(&signature, &mut v[2..]);
        let mut encoded = [0u8; 64];
        let len = base64_encode(v.get(..v_len).unwrap_or_default(), &mut encoded);
        self.challenge(encoded.get(..len).unwrap_or_default(), SaslState::ScramDone)
    }

    /// The client's answer to the signature, which must be empty.
    pub(super) fn scram_done(&mut self, n: usize) -> Option<Ask> {
        if n != 0 {
            return self.auth_failed(b"Unexpected data after the server signature");
        }
        let k = self.scram.authzid.len();
        if let Some(dst) = self.decoded.get_mut(..k) {
            dst.copy_from_slice(&self.scram.authzid);
        }
        self.sasl_reset();
        self.awaiting = Awaiting::Login;
        Some(Ask::Verified {
            authzid: Src::Decoded(0, k),
        })
    }

    /// Keys for an unknown user, so that the exchange looks the same until the proof fails
    /// (RFC 5802 section 5.1): a salt derived from the user and host names, which stays the
    /// same from one session to the next.
    fn made_up_salt(&self, salt: &mut [u8; 16]) {
        let digest: [u8; 32] = Sha256::new()
            .chain_update(b"pop3-proto made-up SCRAM salt")
            .chain_update(self.config.hostname)
            .chain_update(&self.user)
            .finalize()
            .into();
        salt.copy_from_slice(&digest[..16]);
    }
}

impl<const RX: usize, const TX: usize, const W: usize> Server<'_, RX, TX, W> {
    /// The answer to [`Request::ScramKeys`](super::Request::ScramKeys): the user's stored
    /// keys, or `None` for a user without them (unknown, or no SCRAM secret). With `None`
    /// the exchange goes on with made-up keys and fails at the proof, so that a client
    /// cannot tell at once which users exist; the made-up salt follows a fixed rule, so an
    /// application that must hide its users completely answers for unknown users with keys
    /// of its own making instead.
    pub fn scram_keys(&mut self, keys: Option<StoredKeys<'_>>) -> Result<(), UsageError> {
        let core = &mut self.core;
        if core.awaiting != Awaiting::ScramKeys {
            return Err(UsageError::NotExpected);
        }
        let mut salt = [0u8; 16];
        core.made_up_salt(&mut salt);
        let genuine = keys.is_some();
        let made_up = StoredKeys::new(&salt, 4096, [0; 32], [0; 32]);
        let keys = keys.or(made_up).ok_or(UsageError::NotExpected)?;
        let needed = 2 + SERVER_FIRST.div_ceil(3) * 4 + 2;
        if core.tx.room() < needed {
            return Err(UsageError::OutputFull { needed });
        }
        let raw = core.decoded.get(..core.scram.first_len).unwrap_or_default();
        let (Some(first), Some(server_nonce)) = (parse_client_first(raw), core.server_nonce())
        else {
            return Err(UsageError::NotExpected);
        };
        let mut message = Vec::<u8, SERVER_FIRST>::new();
        scram::write_server_first(first.nonce, server_nonce, &keys, &mut |part| {
            let _ = message.extend_from_slice(part);
        });
        let verifier = Verifier::new(&keys, &first, server_nonce);
        let mut encoded = [0u8; SERVER_FIRST.div_ceil(3) * 4];
        let len = base64_encode(&message, &mut encoded);
        core.scram.verifier = verifier.filter(|_| genuine);
        core.awaiting = Awaiting::Nothing;
        core.challenge(
            encoded.get(..len).unwrap_or_default(),
            SaslState::ScramFinal,
        );
        Ok(())
    }
}
