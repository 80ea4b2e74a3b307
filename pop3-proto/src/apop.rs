//! The APOP digest (RFC 1939 section 7): MD5 over the greeting's timestamp followed by the
//! shared secret, sent as 32 lower-case hex digits.

use md5::{Digest, Md5};

use crate::codec::Timestamp;
use crate::secret::Secret;

/// A computed APOP digest: 32 lower-case hex digits.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct ApopDigest([u8; 32]);

impl ApopDigest {
    /// Computes the digest of `timestamp` (angle brackets included) and `secret`. Only a
    /// msg-id shaped [`Timestamp`] is accepted, see its documentation.
    pub fn compute(timestamp: Timestamp<'_>, secret: &[u8]) -> Self {
        let mut md5 = Md5::new();
        md5.update(timestamp.as_bytes());
        md5.update(secret);
        let mut hex = [0u8; 32];
        hex_lower(&md5.finalize(), &mut hex);
        ApopDigest(hex)
    }

    /// The digest as it goes on the wire, wrapped so that it does not reach logs.
    pub fn as_secret(&self) -> Secret<&[u8]> {
        Secret::new(&self.0)
    }

    /// Compares with a digest a client sent, ignoring hex case, in time independent of
    /// where they differ.
    pub fn matches(&self, sent: &[u8]) -> bool {
        hex_digest_matches(&self.0, sent)
    }
}

/// True when `sent` is the 32 hex digits of `expected` (lower case), in either case, in
/// time independent of where they differ: APOP and CRAM-MD5 digests.
pub(crate) fn hex_digest_matches(expected: &[u8; 32], sent: &[u8]) -> bool {
    let mut lower = [0u8; 32];
    if sent.len() != lower.len() {
        return false;
    }
    for (l, s) in lower.iter_mut().zip(sent) {
        *l = s.to_ascii_lowercase();
    }
    crate::secret::constant_time_eq(expected, &lower)
}

/// Writes a 16-octet digest as 32 lower-case hex digits.
pub(crate) fn hex_lower(digest: &[u8], hex: &mut [u8; 32]) {
    const HEX: [u8; 16] = *b"0123456789abcdef";
    let digit = |nibble: u8| HEX.get(usize::from(nibble)).copied().unwrap_or(b'0');
    for (pair, byte) in hex.chunks_exact_mut(2).zip(digest) {
        if let [hi, lo] = pair {
            *hi = digit(byte >> 4);
            *lo = digit(byte & 0x0f);
        }
    }
}

impl core::fmt::Debug for ApopDigest {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("ApopDigest(..)")
    }
}

#[cfg(feature = "defmt")]
impl defmt::Format for ApopDigest {
    fn format(&self, f: defmt::Formatter<'_>) {
        defmt::write!(f, "ApopDigest(..)")
    }
}
