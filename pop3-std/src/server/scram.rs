//! SCRAM-SHA-256 secrets for the server: read from Dovecot's passwd-file scheme
//! (`{SCRAM-SHA-256}iterations,salt,StoredKey,ServerKey`, the last three in base64), derived
//! once from a plaintext password, and made up for users who have none, so that the exchange
//! does not tell a client which users exist.

use std::collections::HashMap;
use std::sync::Mutex;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{KeyInit, Mac};
use pop3_proto::sasl::scram::{MAX_SALT, StoredKeys};
use sha2::Sha256;

/// The iteration count of derived keys (Dovecot's default; RFC 7677 asks for at least 4096).
pub const ITERATIONS: u32 = 4096;

/// A user's SCRAM-SHA-256 keys, owned.
#[derive(Clone, PartialEq, Eq)]
pub struct ScramSecret {
    salt: Vec<u8>,
    iterations: u32,
    stored_key: [u8; 32],
    server_key: [u8; 32],
}

impl std::fmt::Debug for ScramSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ScramSecret")
            .field("iterations", &self.iterations)
            .finish_non_exhaustive()
    }
}

impl ScramSecret {
    /// Reads the value of a `{SCRAM-SHA-256}` passwd-file entry; the error says which part
    /// is wrong.
    pub fn parse(value: &str) -> Result<ScramSecret, String> {
        let parts: Vec<&str> = value.split(',').collect();
        let [iterations, salt, stored, server] = parts[..] else {
            return Err("{SCRAM-SHA-256}: expected iterations,salt,StoredKey,ServerKey".into());
        };
        let iterations: u32 = iterations
            .parse()
            .ok()
            .filter(|&n| n > 0)
            .ok_or_else(|| format!("{{SCRAM-SHA-256}}: bad iteration count {iterations:?}"))?;
        let decode = |what: &str, b64: &str| {
            STANDARD
                .decode(b64)
                .map_err(|e| format!("{{SCRAM-SHA-256}}: {what}: bad base64: {e}"))
        };
        let key = |what: &str, b64: &str| -> Result<[u8; 32], String> {
            decode(what, b64)?
                .try_into()
                .map_err(|_| format!("{{SCRAM-SHA-256}}: {what}: not 32 octets"))
        };
        let salt = decode("salt", salt)?;
        if !(1..=MAX_SALT).contains(&salt.len()) {
            return Err(format!(
                "{{SCRAM-SHA-256}}: the salt has {} octets (1 to {MAX_SALT} can be used)",
                salt.len()
            ));
        }
        Ok(ScramSecret {
            salt,
            iterations,
            stored_key: key("StoredKey", stored)?,
            server_key: key("ServerKey", server)?,
        })
    }

    /// Derives the keys of `password` over `salt` (1 to 64 octets).
    pub fn derive(password: &[u8], salt: &[u8], iterations: u32) -> Option<ScramSecret> {
        let keys = StoredKeys::derive(password, salt, iterations)?;
        Some(ScramSecret {
            salt: salt.to_vec(),
            iterations,
            stored_key: *keys.stored_key(),
            server_key: *keys.server_key(),
        })
    }

    /// Keys for `password` over a fresh random salt of 16 octets, [`ITERATIONS`] times:
    /// what a passwd-file entry is made from. `None` without system randomness.
    pub fn generate(password: &[u8]) -> Option<ScramSecret> {
        let mut salt = [0u8; 16];
        rustls::crypto::ring::default_provider()
            .secure_random
            .fill(&mut salt)
            .ok()?;
        ScramSecret::derive(password, &salt, ITERATIONS)
    }

    /// The entry as Dovecot's passwd-file stores it (what `doveadm pw -s SCRAM-SHA-256`
    /// prints).
    pub fn to_passwd_value(&self) -> String {
        format!(
            "{{SCRAM-SHA-256}}{},{},{},{}",
            self.iterations,
            STANDARD.encode(&self.salt),
            STANDARD.encode(self.stored_key),
            STANDARD.encode(self.server_key)
        )
    }

    /// The keys, borrowed, as the server core takes them.
    pub fn keys(&self) -> Option<StoredKeys<'_>> {
        StoredKeys::new(
            &self.salt,
            self.iterations,
            self.stored_key,
            self.server_key,
        )
    }
}

/// Keys derived from plaintext passwords, and keys made up for users without any, all
/// from one random key per process: the same user gets the same salt in every session.
pub(crate) struct Derived {
    key: [u8; 32],
    cache: Mutex<HashMap<String, ScramSecret>>,
}

impl std::fmt::Debug for Derived {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Derived")
    }
}

impl Derived {
    pub(crate) fn new() -> Derived {
        let mut key = [0u8; 32];
        // Without randomness the made-up keys are predictable, but still never match.
        let _ = rustls::crypto::ring::default_provider()
            .secure_random
            .fill(&mut key);
        Derived {
            key,
            cache: Mutex::new(HashMap::new()),
        }
    }

    fn mac(&self, label: &[u8], user: &str) -> [u8; 32] {
        let Ok(mut mac) = hmac::Hmac::<Sha256>::new_from_slice(&self.key) else {
            return [0; 32];
        };
        mac.update(label);
        mac.update(user.as_bytes());
        mac.finalize().into_bytes().into()
    }

    fn salt(&self, user: &str) -> [u8; 16] {
        let mut salt = [0u8; 16];
        salt.copy_from_slice(&self.mac(b"salt", user)[..16]);
        salt
    }

    /// The keys of a plaintext password, derived on first use (PBKDF2 once per user, not
    /// once per login).
    pub(crate) fn of_plain(&self, user: &str, password: &[u8]) -> Option<ScramSecret> {
        let mut cache = self.cache.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(secret) = cache.get(user) {
            return Some(secret.clone());
        }
        let secret = ScramSecret::derive(password, &self.salt(user), ITERATIONS)?;
        cache.insert(user.to_owned(), secret.clone());
        Some(secret)
    }

    /// Keys that no password matches, looking like real ones.
    pub(crate) fn made_up(&self, user: &str) -> ScramSecret {
        ScramSecret {
            salt: self.salt(user).to_vec(),
            iterations: ITERATIONS,
            stored_key: self.mac(b"stored", user),
            server_key: self.mac(b"server", user),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Printed by `doveadm pw -s SCRAM-SHA-256 -p pencil` (Dovecot 2.3).
    const DOVECOT: &str = "4096,Gr2R+7cIULXqta51KK8l4A==,\
        pQmrLBDMN5h549a7fmkPDFSRW2NXnQPqGEhAmBH4Ib8=,\
        ocI4yNSLsasnVlCmPpMPE7I6PLqDDymK31Pyy+yGRgo=";

    #[test]
    fn dovecot_entries_are_read_and_match_the_derivation() {
        let read = ScramSecret::parse(DOVECOT).unwrap();
        let salt = STANDARD.decode("Gr2R+7cIULXqta51KK8l4A==").unwrap();
        let derived = ScramSecret::derive(b"pencil", &salt, 4096).unwrap();
        assert_eq!(read, derived);
        assert_eq!(
            read.to_passwd_value(),
            format!("{{SCRAM-SHA-256}}{DOVECOT}")
        );
        assert_eq!(read.keys().unwrap().iterations(), 4096);
    }

    #[test]
    fn generated_entries_read_back_with_a_fresh_salt_each() {
        let a = ScramSecret::generate(b"pencil").unwrap();
        let b = ScramSecret::generate(b"pencil").unwrap();
        assert_ne!(a.salt, b.salt);
        let value = a.to_passwd_value();
        let read = ScramSecret::parse(value.strip_prefix("{SCRAM-SHA-256}").unwrap()).unwrap();
        assert_eq!(read, a);
        assert_eq!(ScramSecret::derive(b"pencil", &a.salt, ITERATIONS), Some(a));
    }

    #[test]
    fn bad_entries_say_what_is_wrong() {
        let e = |v: &str| ScramSecret::parse(v).unwrap_err();
        assert!(e("4096,abc").contains("expected iterations"));
        assert!(e("0,Gr2R,AAAA,AAAA").contains("iteration count"));
        assert!(e("4096,!!,AAAA,AAAA").contains("salt: bad base64"));
        assert!(e("4096,Gr2R,AAAA,AAAA").contains("StoredKey: not 32 octets"));
        assert!(e("4096,,AAAA,AAAA").contains("the salt has 0 octets"));
    }

    #[test]
    fn made_up_keys_are_stable_per_user_and_differ_between_users() {
        let d = Derived::new();
        assert_eq!(d.made_up("nobody"), d.made_up("nobody"));
        assert_ne!(d.made_up("nobody").salt, d.made_up("other").salt);
        let real = d.of_plain("user", b"pencil").unwrap();
        assert_eq!(
            real.salt,
            d.made_up("user").salt,
            "one salt per user either way"
        );
        assert_eq!(d.of_plain("user", b"ignored now").unwrap(), real);
    }
}
