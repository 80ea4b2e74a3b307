//! Fresh SCRAM client nonces from the system's random source (through the TLS library, so
//! no second source of randomness is linked).

use base64::Engine;
use base64::engine::general_purpose::STANDARD_NO_PAD;
use pop3_proto::sasl::Credentials;

/// Random octets per nonce: 192 bits, far beyond guessing.
const RANDOM: usize = 24;
/// Their base64 form (no commas, as RFC 5802 requires).
pub const NONCE_LEN: usize = RANDOM / 3 * 4;

/// A new SCRAM client nonce (32 printable characters), for credentials driven through
/// `pop3_proto::io` rather than this client, or `None` if the system has no randomness to
/// give (SCRAM is then not offered and another mechanism is chosen). Use each one once.
pub fn scram_nonce() -> Option<[u8; NONCE_LEN]> {
    let mut random = [0u8; RANDOM];
    rustls::crypto::ring::default_provider()
        .secure_random
        .fill(&mut random)
        .ok()?;
    let mut nonce = [0u8; NONCE_LEN];
    STANDARD_NO_PAD.encode_slice(random, &mut nonce).ok()?;
    Some(nonce)
}

/// `creds` with `nonce` when they are a password without a nonce of their own.
pub(super) fn attach<'a>(creds: &Credentials<'a>, nonce: &'a [u8]) -> Credentials<'a> {
    match *creds {
        Credentials::Password { nonce: b"", .. } => creds.with_nonce(nonce),
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nonces_are_fresh_and_printable_without_commas() {
        let (a, b) = (scram_nonce().unwrap(), scram_nonce().unwrap());
        assert_ne!(a, b);
        assert!(a.iter().all(|&c| c.is_ascii_graphic() && c != b','));
    }

    #[test]
    fn a_nonce_given_by_the_caller_is_kept() {
        let own = Credentials::password(b"u", b"p").with_nonce(b"mine");
        assert_eq!(attach(&own, b"other"), own);
        let none = Credentials::password(b"u", b"p");
        assert_eq!(attach(&none, b"other"), none.with_nonce(b"other"));
    }
}
