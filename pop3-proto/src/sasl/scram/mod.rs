//! SCRAM-SHA-256 (RFC 5802, RFC 7677), without channel binding: the client's messages here,
//! the server's in `server`.
//!
//! Three client messages: client-first (`n,,n=user,r=nonce`), client-final
//! (`c=biws,r=nonce,p=proof`) and an empty answer to the server-final message, which the
//! client checks first: a server that cannot prove it knows the password is an impostor.
//!
//! The password is used as given: SASLprep (RFC 4013) leaves printable ASCII unchanged;
//! other passwords must be prepared by the caller. The client nonce comes from the caller,
//! since the core has no source of randomness.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{KeyInit, Mac};
use sha2::{Digest, Sha256};

use super::write_saslname;

mod server;
pub(crate) use server::{
    MAX_CLIENT_NONCE, Verifier, parse_client_first, unescape, write_server_first,
};
pub use server::{MAX_SALT, StoredKeys};

pub(crate) type HmacSha256 = hmac::Hmac<Sha256>;

/// The most PBKDF2 iterations accepted from a server: each costs two SHA-256 blocks, so a
/// hostile server could otherwise make a small device compute for hours.
pub const MAX_ITERATIONS: u32 = 100_000;

/// The longest client nonce; RFC 5802 asks only for printable characters without `,`.
pub const MAX_NONCE: usize = 64;

/// The longest authorization identity SCRAM carries (its escaped form is kept on the
/// stack for the channel-binding attribute).
pub(crate) const MAX_AUTHZID: usize = 64;

/// The gs2 header escaped at most three octets per octet, plus `n,a=` and `,`.
pub(crate) const MAX_GS2: usize = MAX_AUTHZID * 3 + 5;

/// A usable client nonce: 1 to 64 printable ASCII characters other than `,`.
pub(crate) fn nonce_ok(nonce: &[u8]) -> bool {
    (1..=MAX_NONCE).contains(&nonce.len()) && printable(nonce)
}

/// RFC 5802 `printable`: %x21-2B / %x2D-7E.
pub(crate) fn printable(s: &[u8]) -> bool {
    s.iter().all(|&b| (0x21..=0x7e).contains(&b) && b != b',')
}

/// The gs2 header: `n,,` or `n,a=authzid,` (no channel binding).
fn gs2_header(authzid: &[u8], buf: &mut [u8; MAX_GS2]) -> usize {
    let mut len = 0;
    let mut push = |part: &[u8]| {
        if let Some(dst) = buf.get_mut(len..len + part.len()) {
            dst.copy_from_slice(part);
            len += part.len();
        }
    };
    push(b"n,");
    if !authzid.is_empty() {
        push(b"a=");
        write_saslname(authzid, &mut push);
    }
    push(b",");
    len
}

/// client-first-message-bare: `n=user,r=nonce`.
fn write_first_bare(user: &[u8], nonce: &[u8], sink: &mut dyn FnMut(&[u8])) {
    sink(b"n=");
    write_saslname(user, sink);
    sink(b",r=");
    sink(nonce);
}

/// client-first-message: the gs2 header, then the bare message.
pub(crate) fn write_client_first(
    user: &[u8],
    authzid: &[u8],
    nonce: &[u8],
    sink: &mut dyn FnMut(&[u8]),
) {
    let mut gs2 = [0u8; MAX_GS2];
    let n = gs2_header(authzid, &mut gs2);
    sink(gs2.get(..n).unwrap_or_default());
    write_first_bare(user, nonce, sink);
}

/// What the server-first message says.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct ServerFirst<'a> {
    /// The whole nonce: the client's, then the server's part.
    pub(crate) nonce: &'a [u8],
    /// The salt, base64 as sent.
    pub(crate) salt: &'a [u8],
    pub(crate) iterations: u32,
}

/// Why a server-first message is refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Refusal {
    /// Not `r=...,s=...,i=...`, or a mandatory extension (`m=`).
    Malformed,
    /// The nonce does not extend the client's, or adds nothing to it.
    ForeignNonce,
    /// Zero iterations, or more than [`MAX_ITERATIONS`].
    Iterations,
}

/// Parses and checks the server-first message against the client's nonce.
pub(crate) fn parse_server_first<'a>(
    msg: &'a [u8],
    client_nonce: &[u8],
) -> Result<ServerFirst<'a>, Refusal> {
    let mut fields = msg.split(|&b| b == b',');
    let mut next = |key: u8| {
        fields
            .next()
            .and_then(|f| f.strip_prefix(&[key, b'='][..]))
            .ok_or(Refusal::Malformed)
    };
    let nonce = next(b'r')?;
    let salt = next(b's')?;
    let iterations = next(b'i')?;
    if nonce.len() <= client_nonce.len() || !nonce.starts_with(client_nonce) {
        return Err(Refusal::ForeignNonce);
    }
    if !printable(nonce) {
        return Err(Refusal::Malformed);
    }
    let mut scratch = [0u8; 128];
    if salt.is_empty() || STANDARD.decode_slice(salt, &mut scratch).is_err() {
        return Err(Refusal::Malformed);
    }
    let iterations = parse_count(iterations).ok_or(Refusal::Malformed)?;
    if !(1..=MAX_ITERATIONS).contains(&iterations) {
        return Err(Refusal::Iterations);
    }
    Ok(ServerFirst {
        nonce,
        salt,
        iterations,
    })
}

fn parse_count(digits: &[u8]) -> Option<u32> {
    if digits.is_empty() || digits.len() > 10 {
        return None;
    }
    digits.iter().try_fold(0u32, |n, &d| {
        d.is_ascii_digit()
            .then(|| n.checked_mul(10)?.checked_add(u32::from(d - b'0')))
            .flatten()
    })
}

/// The client's proof, and the signature the server must answer with.
#[derive(Clone, Copy)]
pub(crate) struct Proof {
    pub(crate) client_proof: [u8; 32],
    pub(crate) server_signature: [u8; 32],
}

/// The inputs of the proof (RFC 5802 section 3).
pub(crate) struct Exchange<'a> {
    pub(crate) user: &'a [u8],
    pub(crate) password: &'a [u8],
    pub(crate) authzid: &'a [u8],
    pub(crate) client_nonce: &'a [u8],
    /// The server-first message as received (decoded), already checked.
    pub(crate) server_first_raw: &'a [u8],
    pub(crate) server_first: ServerFirst<'a>,
}

impl Exchange<'_> {
    /// Computes the proof: the salted password by PBKDF2, then the keys and signatures
    /// over the AuthMessage.
    pub(crate) fn prove(&self) -> Option<Proof> {
        let mut salt = [0u8; 128];
        let n = STANDARD
            .decode_slice(self.server_first.salt, &mut salt)
            .ok()?;
        let salted = pbkdf2::pbkdf2_hmac_array::<Sha256, 32>(
            self.password,
            salt.get(..n)?,
            self.server_first.iterations,
        );
        let client_key = hmac(&salted, &[b"Client Key"]);
        let stored_key: [u8; 32] = Sha256::digest(client_key).into();
        let server_key = hmac(&salted, &[b"Server Key"]);

        // AuthMessage = client-first-bare "," server-first "," client-final-without-proof
        let mut gs2 = [0u8; MAX_GS2];
        let gs2_len = gs2_header(self.authzid, &mut gs2);
        let mut cbind = [0u8; MAX_GS2.div_ceil(3) * 4];
        let cbind_len = STANDARD
            .encode_slice(gs2.get(..gs2_len)?, &mut cbind)
            .ok()?;
        let mut client_mac = HmacSha256::new_from_slice(&stored_key).ok()?;
        let mut server_mac = HmacSha256::new_from_slice(&server_key).ok()?;
        let mut feed = |part: &[u8]| {
            client_mac.update(part);
            server_mac.update(part);
        };
        write_first_bare(self.user, self.client_nonce, &mut feed);
        for part in [
            &b","[..],
            self.server_first_raw,
            b",c=",
            cbind.get(..cbind_len)?,
            b",r=",
            self.server_first.nonce,
        ] {
            feed(part);
        }
        let client_signature: [u8; 32] = client_mac.finalize().into_bytes().into();
        let server_signature: [u8; 32] = server_mac.finalize().into_bytes().into();
        let mut client_proof = client_key;
        for (p, s) in client_proof.iter_mut().zip(client_signature) {
            *p ^= s;
        }
        Some(Proof {
            client_proof,
            server_signature,
        })
    }

    /// client-final-message: `c=<gs2 header, base64>,r=<nonce>,p=<proof, base64>`.
    pub(crate) fn write_client_final(&self, proof: &Proof, sink: &mut dyn FnMut(&[u8])) {
        let mut gs2 = [0u8; MAX_GS2];
        let gs2_len = gs2_header(self.authzid, &mut gs2);
        let mut cbind = [0u8; MAX_GS2.div_ceil(3) * 4];
        let cbind_len = STANDARD
            .encode_slice(gs2.get(..gs2_len).unwrap_or_default(), &mut cbind)
            .unwrap_or(0);
        let mut p = [0u8; 44];
        let p_len = STANDARD
            .encode_slice(proof.client_proof, &mut p)
            .unwrap_or(0);
        for part in [
            &b"c="[..],
            cbind.get(..cbind_len).unwrap_or_default(),
            b",r=",
            self.server_first.nonce,
            b",p=",
            p.get(..p_len).unwrap_or_default(),
        ] {
            sink(part);
        }
    }
}

/// What the server-final message says.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ServerFinal {
    /// `v=` with the expected signature: the server knows the password.
    Verified,
    /// `e=...`: the server refuses (wrong password, unknown user, ...).
    Refused,
    /// Anything else, including a wrong signature.
    Forged,
}

/// Checks the server-final message against the expected signature, in constant time.
pub(crate) fn check_server_final(msg: &[u8], expected: &[u8; 32]) -> ServerFinal {
    let first = msg.split(|&b| b == b',').next().unwrap_or_default();
    if first.starts_with(b"e=") {
        return ServerFinal::Refused;
    }
    let Some(v) = first.strip_prefix(b"v=") else {
        return ServerFinal::Forged;
    };
    let mut got = [0u8; 33];
    match STANDARD.decode_slice(v, &mut got) {
        Ok(32) => {}
        _ => return ServerFinal::Forged,
    }
    if crate::secret::constant_time_eq(got.get(..32).unwrap_or_default(), expected) {
        ServerFinal::Verified
    } else {
        ServerFinal::Forged
    }
}

pub(crate) fn hmac(key: &[u8], parts: &[&[u8]]) -> [u8; 32] {
    let Ok(mut mac) = HmacSha256::new_from_slice(key) else {
        return [0; 32];
    };
    for part in parts {
        mac.update(part);
    }
    mac.finalize().into_bytes().into()
}

#[cfg(test)]
mod tests {
    use super::*;

    extern crate std;
    use std::vec::Vec;

    /// What a writer of message parts writes, in one piece.
    pub(super) fn collect(write: impl FnOnce(&mut dyn FnMut(&[u8]))) -> Vec<u8> {
        let mut v = Vec::new();
        write(&mut |p: &[u8]| v.extend_from_slice(p));
        v
    }

    // RFC 7677 section 3: user "user", password "pencil".
    const NONCE: &[u8] = b"rOprNGfwEbeRWgbNEkqO";
    const SERVER_FIRST: &[u8] =
        b"r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096";

    #[test]
    fn rfc7677_section_3_example() {
        assert_eq!(
            collect(|s| write_client_first(b"user", b"", NONCE, s)),
            b"n,,n=user,r=rOprNGfwEbeRWgbNEkqO"
        );
        let server_first = parse_server_first(SERVER_FIRST, NONCE).unwrap();
        assert_eq!(server_first.iterations, 4096);
        let exchange = Exchange {
            user: b"user",
            password: b"pencil",
            authzid: b"",
            client_nonce: NONCE,
            server_first_raw: SERVER_FIRST,
            server_first,
        };
        let proof = exchange.prove().unwrap();
        assert_eq!(
            collect(|s| exchange.write_client_final(&proof, s)),
            &b"c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,\
               p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ="[..]
        );
        let v = b"v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=";
        assert_eq!(
            check_server_final(v, &proof.server_signature),
            ServerFinal::Verified
        );
        let forged = b"v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G5=";
        assert_eq!(
            check_server_final(forged, &proof.server_signature),
            ServerFinal::Forged
        );
        assert_eq!(
            check_server_final(b"e=invalid-proof", &proof.server_signature),
            ServerFinal::Refused
        );
        assert_eq!(
            check_server_final(b"", &proof.server_signature),
            ServerFinal::Forged
        );
    }

    #[test]
    fn the_authorization_identity_is_escaped_and_bound() {
        assert_eq!(
            collect(|s| write_client_first(b"u,1", b"a=b", b"abc", s)),
            b"n,a=a=3Db,n=u=2C1,r=abc"
        );
    }

    #[test]
    fn hostile_server_first_messages_are_refused() {
        let refused = |msg: &[u8]| parse_server_first(msg, NONCE).unwrap_err();
        // RFC 5802 section 5.1: the server's nonce extends the client's.
        assert_eq!(
            refused(b"r=someoneElse123,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096"),
            Refusal::ForeignNonce
        );
        assert_eq!(
            refused(b"r=rOprNGfwEbeRWgbNEkqO,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096"),
            Refusal::ForeignNonce
        );
        // A mandatory extension this client does not know.
        assert_eq!(
            refused(b"m=x,r=rOprNGfwEbeRWgbNEkqOx,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096"),
            Refusal::Malformed
        );
        assert_eq!(
            refused(b"r=rOprNGfwEbeRWgbNEkqOx,s=!!,i=4096"),
            Refusal::Malformed
        );
        assert_eq!(
            refused(b"r=rOprNGfwEbeRWgbNEkqOx,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=0"),
            Refusal::Iterations
        );
        // Hours of PBKDF2 on a microcontroller.
        assert_eq!(
            refused(b"r=rOprNGfwEbeRWgbNEkqOx,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4294967295"),
            Refusal::Iterations
        );
        assert_eq!(
            refused(b"r=rOprNGfwEbeRWgbNEkqOx,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=99999999999"),
            Refusal::Malformed
        );
        assert_eq!(refused(b"e=other-error"), Refusal::Malformed);
    }

    #[test]
    fn nonces_are_printable_without_commas() {
        assert!(nonce_ok(b"rOprNGfwEbeRWgbNEkqO"));
        assert!(!nonce_ok(b""));
        assert!(!nonce_ok(b"a,b"));
        assert!(!nonce_ok(b"a b"));
        assert!(!nonce_ok(&[b'x'; MAX_NONCE + 1]));
    }
}
