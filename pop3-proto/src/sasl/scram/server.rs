//! SCRAM-SHA-256 for the server (RFC 5802 sections 5 and 7, RFC 7677): the client's two
//! messages read and checked, the proof verified against keys the server stores instead of
//! the password, and the signature that proves the server knows them.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{KeyInit, Mac};
use sha2::{Digest, Sha256};

use super::{HmacSha256, MAX_AUTHZID, hmac, printable};
use crate::secret::constant_time_eq;

/// The longest client nonce a server accepts (RFC 5802 sets no bound; clients send 24 to
/// 48 characters).
pub(crate) const MAX_CLIENT_NONCE: usize = 128;

/// The longest salt, in octets (Dovecot and the RFC examples use 16).
pub const MAX_SALT: usize = 64;

/// A user's SCRAM-SHA-256 secret as a server keeps it (RFC 5802 section 3): a salt, an
/// iteration count, `StoredKey = H(ClientKey)` and `ServerKey`. They let the server check a
/// client's proof and prove itself, but do not let anyone who reads them log in.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct StoredKeys<'a> {
    salt: &'a [u8],
    iterations: u32,
    stored_key: [u8; 32],
    server_key: [u8; 32],
}

impl<'a> StoredKeys<'a> {
    /// Keys as stored (Dovecot's passwd-file `{SCRAM-SHA-256}` scheme keeps these four).
    /// `None` when the salt is empty or longer than [`MAX_SALT`], or `iterations` is zero.
    pub fn new(
        salt: &'a [u8],
        iterations: u32,
        stored_key: [u8; 32],
        server_key: [u8; 32],
    ) -> Option<Self> {
        ((1..=MAX_SALT).contains(&salt.len()) && iterations > 0).then_some(StoredKeys {
            salt,
            iterations,
            stored_key,
            server_key,
        })
    }

    /// Derives the keys from a password (already prepared by SASLprep when it is not
    /// printable ASCII): PBKDF2-HMAC-SHA-256 over `salt`, `iterations` times.
    pub fn derive(password: &[u8], salt: &'a [u8], iterations: u32) -> Option<Self> {
        StoredKeys::new(salt, iterations, [0; 32], [0; 32])?;
        let salted = pbkdf2::pbkdf2_hmac_array::<Sha256, 32>(password, salt, iterations);
        let client_key = hmac(&salted, &[b"Client Key"]);
        StoredKeys::new(
            salt,
            iterations,
            Sha256::digest(client_key).into(),
            hmac(&salted, &[b"Server Key"]),
        )
    }

    /// The salt, raw octets.
    pub fn salt(&self) -> &'a [u8] {
        self.salt
    }

    /// The PBKDF2 iteration count.
    pub fn iterations(&self) -> u32 {
        self.iterations
    }

    /// `StoredKey`: SHA-256 of the client key.
    pub fn stored_key(&self) -> &[u8; 32] {
        &self.stored_key
    }

    /// `ServerKey`: HMAC of the salted password with `"Server Key"`.
    pub fn server_key(&self) -> &[u8; 32] {
        &self.server_key
    }
}

impl core::fmt::Debug for StoredKeys<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("StoredKeys")
            .field("salt_len", &self.salt.len())
            .field("iterations", &self.iterations)
            .finish_non_exhaustive()
    }
}

#[cfg(feature = "defmt")]
impl defmt::Format for StoredKeys<'_> {
    fn format(&self, f: defmt::Formatter<'_>) {
        defmt::write!(f, "StoredKeys(iterations {=u32})", self.iterations)
    }
}

/// What a client-first message says, every part a slice of it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct ClientFirst<'a> {
    /// The gs2 header with its final comma: what `c=` must repeat.
    pub(crate) gs2: &'a [u8],
    /// The authorization identity, still escaped (empty: act as the user).
    pub(crate) authzid: &'a [u8],
    /// The user name, still escaped.
    pub(crate) user: &'a [u8],
    pub(crate) nonce: &'a [u8],
    /// client-first-message-bare, which the AuthMessage covers.
    pub(crate) bare: &'a [u8],
}

/// Reads `gs2-header client-first-message-bare`. `None` for anything this server cannot
/// honour: channel binding (`p=`, never offered), a mandatory extension (`m=`), a bad
/// escape, an empty user name, a nonce that is not 1 to 128 printable characters.
pub(crate) fn parse_client_first(msg: &[u8]) -> Option<ClientFirst<'_>> {
    let mut commas = msg.iter().enumerate().filter(|(_, b)| **b == b',');
    let (first, _) = commas.next()?;
    let (second, _) = commas.next()?;
    let flag = msg.get(..first)?;
    if flag != b"n" && flag != b"y" {
        return None;
    }
    let authzid = match msg.get(first + 1..second)? {
        b"" => &[][..],
        field => field.strip_prefix(b"a=")?,
    };
    let bare = msg.get(second + 1..)?;
    let mut fields = bare.split(|&b| b == b',');
    let user = fields.next()?.strip_prefix(b"n=")?;
    let nonce = fields.next()?.strip_prefix(b"r=")?;
    let saslname_ok = |name: &[u8]| unescape(name, &mut |_| {});
    let nonce_ok = (1..=MAX_CLIENT_NONCE).contains(&nonce.len()) && printable(nonce);
    let authzid_ok = saslname_ok(authzid) && unescaped_len(authzid) <= MAX_AUTHZID;
    (!user.is_empty() && saslname_ok(user) && authzid_ok && nonce_ok).then_some(ClientFirst {
        gs2: msg.get(..=second)?,
        authzid,
        user,
        nonce,
        bare,
    })
}

/// Writes a saslname with `=2C` and `=3D` undone; false when another `=` escape appears.
pub(crate) fn unescape(name: &[u8], sink: &mut dyn FnMut(&[u8])) -> bool {
    let mut rest = name;
    while let Some(at) = rest.iter().position(|&b| b == b'=') {
        let (head, tail) = rest.split_at(at);
        sink(head);
        match tail.get(..3) {
            Some(b"=2C") => sink(b","),
            Some(b"=3D") => sink(b"="),
            _ => return false,
        }
        rest = tail.get(3..).unwrap_or_default();
    }
    sink(rest);
    true
}

fn unescaped_len(name: &[u8]) -> usize {
    let mut len = 0;
    unescape(name, &mut |part| len += part.len());
    len
}

/// server-first-message: `r=<client nonce><server nonce>,s=<salt, base64>,i=<count>`.
pub(crate) fn write_server_first(
    client_nonce: &[u8],
    server_nonce: &[u8],
    keys: &StoredKeys<'_>,
    sink: &mut dyn FnMut(&[u8]),
) {
    let mut salt = [0u8; MAX_SALT.div_ceil(3) * 4];
    let salt_len = STANDARD.encode_slice(keys.salt, &mut salt).unwrap_or(0);
    let mut digits = [0u8; 10];
    let mut at = digits.len();
    let mut n = keys.iterations;
    while n > 0 || at == digits.len() {
        at -= 1;
        if let Some(d) = digits.get_mut(at) {
            *d = b'0' + (n % 10) as u8;
        }
        n /= 10;
    }
    for part in [
        &b"r="[..],
        client_nonce,
        server_nonce,
        b",s=",
        salt.get(..salt_len).unwrap_or_default(),
        b",i=",
        digits.get(at..).unwrap_or_default(),
    ] {
        sink(part);
    }
}

/// Checks the client-final message of one exchange.
#[derive(Clone)]
pub(crate) struct Verifier {
    /// HMAC(StoredKey, ...) and HMAC(ServerKey, ...) fed with the AuthMessage up to the
    /// client-final part.
    client_mac: HmacSha256,
    server_mac: HmacSha256,
    stored_key: [u8; 32],
    /// SHA-256 of the client-final message without its proof, as it must be.
    expected: [u8; 32],
}

impl Verifier {
    /// Starts the AuthMessage: client-first-bare, the server-first message, and what the
    /// client must repeat (its gs2 header as `c=`, the whole nonce as `r=`).
    pub(crate) fn new(
        keys: &StoredKeys<'_>,
        first: &ClientFirst<'_>,
        server_nonce: &[u8],
    ) -> Option<Verifier> {
        let mut client_mac = HmacSha256::new_from_slice(&keys.stored_key).ok()?;
        let mut server_mac = HmacSha256::new_from_slice(&keys.server_key).ok()?;
        let mut feed = |part: &[u8]| {
            client_mac.update(part);
            server_mac.update(part);
        };
        feed(first.bare);
        feed(b",");
        write_server_first(first.nonce, server_nonce, keys, &mut feed);
        feed(b",");
        let mut cbind = [0u8; 4 * (super::MAX_GS2.div_ceil(3))];
        let cbind_len = STANDARD.encode_slice(first.gs2, &mut cbind).ok()?;
        let mut expected = Sha256::new();
        for part in [
            &b"c="[..],
            cbind.get(..cbind_len)?,
            b",r=",
            first.nonce,
            server_nonce,
        ] {
            expected.update(part);
        }
        Some(Verifier {
            client_mac,
            server_mac,
            stored_key: keys.stored_key,
            expected: expected.finalize().into(),
        })
    }

    /// The server signature when `client_final` (`c=...,r=...,p=proof`) repeats what it
    /// must and its proof is right; checked in time independent of where a difference lies.
    pub(crate) fn verify(self, client_final: &[u8]) -> Option<[u8; 32]> {
        let at = client_final.windows(3).rposition(|w| w == b",p=")?;
        let (without_proof, proof) = client_final.split_at(at);
        let mut raw = [0u8; 33];
        STANDARD
            .decode_slice(proof.get(3..)?, &mut raw)
            .ok()
            .filter(|&n| n == 32)?;
        let repeated: [u8; 32] = Sha256::digest(without_proof).into();
        let Verifier {
            mut client_mac,
            mut server_mac,
            stored_key,
            expected,
        } = self;
        client_mac.update(without_proof);
        server_mac.update(without_proof);
        let signature: [u8; 32] = client_mac.finalize().into_bytes().into();
        let mut client_key = [0u8; 32];
        for ((k, p), s) in client_key.iter_mut().zip(raw).zip(signature) {
            *k = p ^ s;
        }
        let derived: [u8; 32] = Sha256::digest(client_key).into();
        (constant_time_eq(&derived, &stored_key) && repeated == expected)
            .then(|| server_mac.finalize().into_bytes().into())
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::collect;
    use super::super::{Exchange, parse_server_first, write_client_first};
    use super::*;

    #[test]
    fn the_authorization_identity_is_read_and_unescaped() {
        let msg = b"n,a=a=3Db,n=u=2C1,r=abc";
        let first = parse_client_first(msg).unwrap();
        assert_eq!(first.gs2, b"n,a=a=3Db,");
        assert_eq!(first.bare, b"n=u=2C1,r=abc");
        assert_eq!(collect(|s| assert!(unescape(first.user, s))), b"u,1");
        assert_eq!(collect(|s| assert!(unescape(first.authzid, s))), b"a=b");
        let long = [&b"n,a="[..], &[b'x'; MAX_AUTHZID + 1], b",n=u,r=abc"].concat();
        assert_eq!(parse_client_first(&long), None);
    }

    /// Our client's messages, with and without an authorization identity, verify; a
    /// client-final message made for another gs2 header does not.
    #[test]
    fn our_client_proves_itself_to_the_verifier() {
        let salt = b"0123456789abcdef";
        let keys = StoredKeys::derive(b"pencil", salt, 64).unwrap();
        for (authzid, claimed) in [(&b""[..], &b""[..]), (b"boss", b"boss"), (b"boss", b"")] {
            let first_msg = collect(|s| write_client_first(b"user", authzid, b"cnonce", s));
            let first = parse_client_first(&first_msg).unwrap();
            let server_first = collect(|s| write_server_first(b"cnonce", b"snonce", &keys, s));
            let parsed = parse_server_first(&server_first, b"cnonce").unwrap();
            let exchange = Exchange {
                user: b"user",
                password: b"pencil",
                authzid: claimed,
                client_nonce: b"cnonce",
                server_first_raw: &server_first,
                server_first: parsed,
            };
            let proof = exchange.prove().unwrap();
            let final_msg = collect(|s| exchange.write_client_final(&proof, s));
            let verifier = Verifier::new(&keys, &first, b"snonce").unwrap();
            let verified = verifier.verify(&final_msg);
            if authzid == claimed {
                assert_eq!(verified, Some(proof.server_signature));
            } else {
                assert_eq!(verified, None, "c= must repeat the gs2 header");
            }
        }
    }
}
