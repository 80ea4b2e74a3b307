//! Users and passwords: the [`Authenticator`] trait, and a passwd-file in Dovecot's format
//! (`user:{SCHEME}password:...`, one user per line, the fields after the second ignored).
//!
//! Schemes: `{PLAIN}` or `{CLEARTEXT}` (or none: plaintext), which every mechanism can use;
//! `{SHA256}`, `{SHA512}`, `{SSHA256}`, `{SSHA512}` (base64 of the digest, salted ones with
//! the salt after it), which only mechanisms that send the password can use (USER/PASS,
//! PLAIN, LOGIN): APOP and CRAM-MD5 need the plaintext on the server.

use std::collections::HashMap;
use std::fs;
use std::io;
use std::path::Path;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use pop3_proto::server::AuthRequest;
use sha2::{Digest, Sha256, Sha512};

/// Checks credentials for the server.
pub trait Authenticator: Send + Sync {
    /// True when the request proves it is the user it names.
    fn verify(&self, request: &AuthRequest<'_>) -> bool;

    /// True when APOP and CRAM-MD5 can be checked (the plaintext secrets are known), so
    /// the server may offer them.
    fn has_shared_secrets(&self) -> bool;
}

#[derive(Clone, Debug)]
enum Secret {
    Plain(Vec<u8>),
    Sha256 { digest: Vec<u8>, salted: bool },
    Sha512 { digest: Vec<u8>, salted: bool },
}

/// A passwd-file, read once.
#[derive(Clone, Debug, Default)]
pub struct PasswdFile {
    users: HashMap<String, Secret>,
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
        Ok(PasswdFile { users })
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
        if let AuthRequest::Password { user, authzid, .. } = request
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
            (Secret::Plain(plain), _) => request.matches_secret(plain),
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
