//! Users and passwords: the [`Authenticator`] trait, and a passwd-file in Dovecot's format
//! (`user:{SCHEME}password:...`, one user per line, the fields after the second ignored).
//!
//! Schemes: `{PLAIN}` or `{CLEARTEXT}` (or none: plaintext), which every mechanism can use;
//! `{SHA256}`, `{SHA512}`, `{SSHA256}`, `{SSHA512}` (base64 of the digest, salted ones with
//! the salt after it), which only mechanisms that send the password can use (USER/PASS,
//! PLAIN, LOGIN): APOP and CRAM-MD5 need the plaintext on the server;
//! `{SCRAM-SHA-256}` (Dovecot's `iterations,salt,StoredKey,ServerKey`, what
//! `doveadm pw -s SCRAM-SHA-256` prints), which SCRAM-SHA-256 and the mechanisms that send
//! the password can use. SCRAM keys are derived from plaintext entries too.

use std::collections::HashMap;
use std::fs;
use std::io;
use std::path::Path;
use std::sync::Arc;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use pop3_proto::server::AuthRequest;
use sha2::{Digest, Sha256, Sha512};

use super::scram::{Derived, ScramSecret};

/// Checks credentials for the server.
pub trait Authenticator: Send + Sync {
    /// True when the request proves it is the user it names.
    fn verify(&self, request: &AuthRequest<'_>) -> bool;

    /// True when APOP and CRAM-MD5 can be checked (the plaintext secrets are known), so
    /// the server may offer them.
    fn has_shared_secrets(&self) -> bool;

    /// The SCRAM-SHA-256 keys of `user`, for the server core to check a proof with. A user
    /// without keys should get made-up ones (which no password matches) rather than
    /// `None`, so that the exchange does not tell which users exist. By default none.
    fn scram_secret(&self, user: &[u8]) -> Option<ScramSecret> {
        let _ = user;
        None
    }

    /// True when some user can log in with SCRAM-SHA-256, so the server may offer it.
    fn offers_scram(&self) -> bool {
        false
    }
}

#[derive(Clone, Debug)]
enum Secret {
    Plain(Vec<u8>),
    Sha256 { digest: Vec<u8>, salted: bool },
    Sha512 { digest: Vec<u8>, salted: bool },
    Scram(ScramSecret),
}

/// A passwd-file, read once.
#[derive(Clone, Debug)]
pub struct PasswdFile {
    users: HashMap<String, Secret>,
    /// SCRAM keys of plaintext entries, and of users who have none.
    derived: Arc<Derived>,
}

impl Default for PasswdFile {
    fn default() -> Self {
        PasswdFile {
            users: HashMap::new(),
            derived: Arc::new(Derived::new()),
        }
    }
}

impl PasswdFile {
    /// Reads and checks the file; an error names the line that is wrong.
    pub fn load(path: &Path) -> io::Result<PasswdFile> {
        let text = fs::read_to_string(path)
            .map_err(|e| io::Error::new(e.kind(), format!("{}: {e}", path.display())))?;
        PasswdFile::parse(&text).map_err(|e| {
            io::Error::new(
                io::ErrorKind::InvalidData,
                format!("{}: {e}", path.display()),
            )
        })
    }

    /// Parses the file's contents.
    pub fn parse(text: &str) -> Result<PasswdFile, String> {
        let mut users = HashMap::new();
        for (n, line) in text.lines().enumerate() {
            let line = line.trim_end_matches('\r');
            if line.trim().is_empty() || line.starts_with('#') {
                continue;
            }
            let mut fields = line.splitn(3, ':');
            let user = fields.next().unwrap_or_default();
            let Some(password) = fields.next() else {
                return Err(format!("line {}: expected user:password", n + 1));
            };
            if user.is_empty() {
                return Err(format!("line {}: empty user name", n + 1));
            }
            let secret = parse_secret(password).map_err(|e| format!("line {}: {e}", n + 1))?;
            users.insert(user.to_owned(), secret);
        }
        Ok(PasswdFile {
            users,
            ..PasswdFile::default()
        })
    }

    /// How many users the file holds.
    pub fn len(&self) -> usize {
        self.users.len()
    }

    /// True when the file holds no user.
    pub fn is_empty(&self) -> bool {
        self.users.is_empty()
    }
}

fn parse_secret(field: &str) -> Result<Secret, String> {
    let (scheme, value) = match field.strip_prefix('{').and_then(|f| f.split_once('}')) {
        Some((scheme, value)) => (scheme.to_ascii_uppercase(), value),
        None => ("PLAIN".to_owned(), field),
    };
    let decode = || {
        STANDARD
            .decode(value)
            .map_err(|e| format!("{{{scheme}}}: bad base64: {e}"))
    };
    match scheme.as_str() {
        "PLAIN" | "CLEARTEXT" => Ok(Secret::Plain(value.as_bytes().to_vec())),
        "SHA256" | "SSHA256" => {
            let digest = decode()?;
            let salted = scheme == "SSHA256";
            if digest.len() < 32 || (!salted && digest.len() != 32) {
                return Err(format!("{{{scheme}}}: wrong digest length"));
            }
            Ok(Secret::Sha256 { digest, salted })
        }
        "SHA512" | "SSHA512" => {
            let digest = decode()?;
            let salted = scheme == "SSHA512";
            if digest.len() < 64 || (!salted && digest.len() != 64) {
                return Err(format!("{{{scheme}}}: wrong digest length"));
            }
            Ok(Secret::Sha512 { digest, salted })
        }
        "SCRAM-SHA-256" => ScramSecret::parse(value).map(Secret::Scram),
        other => Err(format!("password scheme {{{other}}} is not supported")),
    }
}

fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// `digest` is H(password || salt) || salt when salted, H(password) otherwise.
fn matches_hash<D: Digest>(digest: &[u8], salted: bool, password: &[u8]) -> bool {
    let len = <D as Digest>::output_size();
    let (expected, salt) = if salted {
        digest.split_at(len)
    } else {
        (digest, &[][..])
    };
    let mut h = D::new();
    h.update(password);
    h.update(salt);
    same(&h.finalize(), expected)
}

impl Authenticator for PasswdFile {
    fn verify(&self, request: &AuthRequest<'_>) -> bool {
        if let AuthRequest::Password { user, authzid, .. }
        | AuthRequest::Verified { user, authzid, .. } = request
            && !authzid.is_empty()
            && authzid != user
        {
            // Acting as another user (PLAIN's authorization identity) is not offered.
            return false;
        }
        let Ok(user) = std::str::from_utf8(request.user()) else {
            return false;
        };
        let Some(secret) = self.users.get(user) else {
            return false;
        };
        match (secret, request) {
            // The core checked the proof against this user's keys.
            (_, AuthRequest::Verified { .. }) => true,
            (Secret::Plain(plain), _) => request.matches_secret(plain),
            (Secret::Scram(stored), AuthRequest::Password { password, .. }) => {
                let salt = stored.keys().map(|k| (k.salt().to_vec(), k.iterations()));
                salt.and_then(|(salt, n)| ScramSecret::derive(password.expose(), &salt, n))
                    .is_some_and(|derived| &derived == stored)
            }
            (Secret::Sha256 { digest, salted }, AuthRequest::Password { password, .. }) => {
                matches_hash::<Sha256>(digest, *salted, password.expose())
            }
            (Secret::Sha512 { digest, salted }, AuthRequest::Password { password, .. }) => {
                matches_hash::<Sha512>(digest, *salted, password.expose())
            }
            _ => false,
        }
    }

    fn has_shared_secrets(&self) -> bool {
        !self.users.is_empty() && self.users.values().all(|s| matches!(s, Secret::Plain(_)))
    }

    fn scram_secret(&self, user: &[u8]) -> Option<ScramSecret> {
        let user = String::from_utf8_lossy(user);
        Some(match self.users.get(user.as_ref()) {
            Some(Secret::Scram(stored)) => stored.clone(),
            Some(Secret::Plain(plain)) => self.derived.of_plain(&user, plain)?,
            _ => self.derived.made_up(&user),
        })
    }

    fn offers_scram(&self) -> bool {
        self.users
            .values()
            .any(|s| matches!(s, Secret::Plain(_) | Secret::Scram(_)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use pop3_proto::Secret;

    fn password<'a>(user: &'a [u8], pw: &'a [u8]) -> AuthRequest<'a> {
        AuthRequest::Password {
            user,
            password: Secret::new(pw),
            authzid: b"",
        }
    }

    const FILE: &str = "# users\n\
        plain:{PLAIN}tanstaaf::::::\n\
        bare:tanstaaf\n\
        sha:{SHA256}2OZJiX4f3IEocTIetqYiu1a2GovhuIBYRxZR+uXBLKo=\n\
        salted:{SSHA512}jqGozEp4n+HZES+UdACCimfeGrTXRsYlEQs7y6kSCBlXKS0VRFLKF7Gqqc03BTu/mV9PnecmCsP0LTSfc1+EbE5hQ2w=\n";

    #[test]
    fn plaintext_and_hashed_entries_check_passwords() {
        let f = PasswdFile::parse(FILE).unwrap();
        assert_eq!(f.len(), 4);
        for user in [&b"plain"[..], b"bare", b"sha", b"salted"] {
            assert!(f.verify(&password(user, b"tanstaaf")), "{user:?}");
            assert!(!f.verify(&password(user, b"tanstaaF")), "{user:?}");
        }
        assert!(!f.verify(&password(b"nobody", b"tanstaaf")));
        // Hashed entries cannot check APOP or CRAM-MD5, so those are not offered.
        assert!(!f.has_shared_secrets());
        let plain_only = PasswdFile::parse("a:{PLAIN}x\n").unwrap();
        assert!(plain_only.has_shared_secrets());
    }

    /// Printed by `doveadm pw -s SCRAM-SHA-256 -p tanstaaf` (Dovecot 2.3).
    const SCRAM: &str = "scram:{SCRAM-SHA-256}4096,2ukNhLDOtvinDsiaRERXZw==,\
        dCcSIg+JIz9joQRoMQD4Avqfbd/XIkMWmcYNu5dll4M=,\
        Em3V0sIyVA7r2Y3/dsWmIRcfN5ZtkqIGV42YKqpaF6Q=\n";

    #[test]
    fn scram_entries_serve_scram_and_passwords_and_everyone_gets_keys() {
        let f = PasswdFile::parse(&format!("{FILE}{SCRAM}")).unwrap();
        assert!(f.offers_scram());
        assert!(f.verify(&password(b"scram", b"tanstaaf")));
        assert!(!f.verify(&password(b"scram", b"tanstaaF")));
        let stored = f.scram_secret(b"scram").unwrap();
        assert_eq!(stored.to_passwd_value(), SCRAM["scram:".len()..].trim_end());
        // Derived from a plaintext entry: the same keys every time.
        let derived = f.scram_secret(b"plain").unwrap();
        assert_eq!(f.scram_secret(b"plain"), Some(derived.clone()));
        let salt = derived.keys().unwrap().salt().to_vec();
        assert_eq!(
            Some(derived),
            ScramSecret::derive(b"tanstaaf", &salt, super::super::scram::ITERATIONS)
        );
        // Unknown users and hashed entries get keys too, which no password matches.
        let made_up = f.scram_secret(b"nobody").unwrap();
        assert_eq!(f.scram_secret(b"nobody"), Some(made_up.clone()));
        let salt = made_up.keys().unwrap().salt().to_vec();
        assert_ne!(Some(made_up), ScramSecret::derive(b"tanstaaf", &salt, 4096));
        assert!(f.scram_secret(b"sha").is_some());
        // Hashed entries alone offer no SCRAM.
        assert!(
            !PasswdFile::parse("a:{SHA256}2OZJiX4f3IEocTIetqYiu1a2GovhuIBYRxZR+uXBLKo=\n")
                .unwrap()
                .offers_scram()
        );
    }

    #[test]
    fn a_verified_login_is_accepted_only_as_the_user_itself() {
        let f = PasswdFile::parse(&format!("{FILE}{SCRAM}")).unwrap();
        let verified = |user, authzid| AuthRequest::Verified {
            mechanism: pop3_proto::codec::Mechanism::ScramSha256,
            user,
            authzid,
        };
        assert!(f.verify(&verified(b"scram", b"")));
        assert!(f.verify(&verified(b"scram", b"scram")));
        assert!(!f.verify(&verified(b"scram", b"plain")));
        assert!(!f.verify(&verified(b"nobody", b"")));
        let refuted = AuthRequest::Refuted {
            mechanism: pop3_proto::codec::Mechanism::ScramSha256,
            user: b"plain",
        };
        assert!(!f.verify(&refuted));
    }

    #[test]
    fn acting_as_another_user_is_refused() {
        let f = PasswdFile::parse(FILE).unwrap();
        let req = AuthRequest::Password {
            user: b"plain",
            password: Secret::new(b"tanstaaf"),
            authzid: b"sha",
        };
        assert!(!f.verify(&req));
    }

    #[test]
    fn errors_name_the_line() {
        let e = PasswdFile::parse("ok:x\nno-password\n").unwrap_err();
        assert!(e.contains("line 2"), "{e}");
        let e = PasswdFile::parse("a:{SHA512-CRYPT}$6$x\n").unwrap_err();
        assert!(e.contains("line 1") && e.contains("SHA512-CRYPT"), "{e}");
        let e = PasswdFile::parse("a:{SHA256}!!!\n").unwrap_err();
        assert!(e.contains("base64"), "{e}");
    }
}
