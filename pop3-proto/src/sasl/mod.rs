//! The client side of the SASL mechanisms POP3 servers offer (RFC 5034): PLAIN (RFC 4616),
//! LOGIN, CRAM-MD5 (RFC 2195), XOAUTH2 and OAUTHBEARER (RFC 7628), and with the `scram`
//! feature SCRAM-SHA-256 (RFC 7677).
//!
//! The core keeps no copy of a secret between calls: the caller hands the same
//! [`Credentials`] to `auth` and again to each `sasl_continue`, and each response is base64
//! encoded straight into the output buffer.

pub(crate) mod b64;
#[cfg(feature = "scram")]
pub mod scram;

use hmac::{KeyInit, Mac};

use crate::codec::Mechanism;
use crate::secret::Secret;
use b64::Base64Writer;

/// What the client authenticates with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Credentials<'a> {
    /// A user name and password: USER/PASS, APOP, PLAIN, LOGIN, CRAM-MD5, SCRAM-SHA-256.
    Password {
        /// The authentication identity (user name).
        user: &'a [u8],
        /// The password.
        password: Secret<&'a [u8]>,
        /// The authorization identity for PLAIN and SCRAM; empty to act as `user`.
        authzid: &'a [u8],
        /// A fresh random nonce for SCRAM-SHA-256 (feature `scram`): 1 to 64 printable
        /// ASCII characters other than `,`, new for every exchange. Empty: no SCRAM.
        nonce: &'a [u8],
    },
    /// A user name and an OAuth 2.0 access token: XOAUTH2, OAUTHBEARER.
    Bearer {
        /// The user name (mailbox).
        user: &'a [u8],
        /// The access token.
        token: Secret<&'a [u8]>,
    },
}

impl<'a> Credentials<'a> {
    /// User name and password.
    pub const fn password(user: &'a [u8], password: &'a [u8]) -> Self {
        Credentials::Password {
            user,
            password: Secret::new(password),
            authzid: b"",
            nonce: b"",
        }
    }

    /// The same credentials with a nonce for SCRAM-SHA-256 (see
    /// [`Credentials::Password::nonce`]); a token ignores it.
    pub const fn with_nonce(self, nonce: &'a [u8]) -> Self {
        match self {
            Credentials::Password {
                user,
                password,
                authzid,
                ..
            } => Credentials::Password {
                user,
                password,
                authzid,
                nonce,
            },
            bearer => bearer,
        }
    }

    /// User name and OAuth 2.0 access token.
    pub const fn bearer(user: &'a [u8], token: &'a [u8]) -> Self {
        Credentials::Bearer {
            user,
            token: Secret::new(token),
        }
    }

    /// The user name.
    pub const fn user(&self) -> &'a [u8] {
        match self {
            Credentials::Password { user, .. } | Credentials::Bearer { user, .. } => user,
        }
    }
}

/// A mechanism this client implements.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub(crate) enum Mech {
    Plain,
    Login,
    CramMd5,
    XOAuth2,
    OAuthBearer,
    #[cfg(feature = "scram")]
    ScramSha256,
}

impl Mech {
    /// The mechanism for `m` if implemented and usable with `creds`.
    pub(crate) fn for_credentials(m: Mechanism<'_>, creds: &Credentials<'_>) -> Option<Mech> {
        let password = matches!(creds, Credentials::Password { .. });
        match m {
            #[cfg(feature = "scram")]
            Mechanism::ScramSha256 => match creds {
                Credentials::Password { nonce, authzid, .. }
                    if scram::nonce_ok(nonce) && authzid.len() <= scram::MAX_AUTHZID =>
                {
                    Some(Mech::ScramSha256)
                }
                _ => None,
            },
            Mechanism::Plain if password => Some(Mech::Plain),
            Mechanism::Login if password => Some(Mech::Login),
            Mechanism::CramMd5 if password => Some(Mech::CramMd5),
            Mechanism::XOAuth2 if !password => Some(Mech::XOAuth2),
            Mechanism::OAuthBearer if !password => Some(Mech::OAuthBearer),
            _ => None,
        }
    }

    pub(crate) fn mechanism(self) -> Mechanism<'static> {
        match self {
            Mech::Plain => Mechanism::Plain,
            Mech::Login => Mechanism::Login,
            Mech::CramMd5 => Mechanism::CramMd5,
            Mech::XOAuth2 => Mechanism::XOAuth2,
            Mech::OAuthBearer => Mechanism::OAuthBearer,
            #[cfg(feature = "scram")]
            Mech::ScramSha256 => Mechanism::ScramSha256,
        }
    }

    /// True for mechanisms whose first message comes from the client, and so may ride on
    /// the AUTH command as an initial response.
    pub(crate) fn client_first(self) -> bool {
        match self {
            Mech::Plain | Mech::XOAuth2 | Mech::OAuthBearer => true,
            Mech::Login | Mech::CramMd5 => false,
            #[cfg(feature = "scram")]
            Mech::ScramSha256 => true,
        }
    }
}

/// What the mechanism answers at one step.
pub(crate) enum Answer {
    /// A response whose raw octets [`write_response`] produces.
    Respond,
    /// The mechanism has nothing more to say: cancel with `*`.
    Cancel,
}

/// Decides the answer at `step` (0 for the first client message).
pub(crate) fn answer(mech: Mech, step: u8) -> Answer {
    let last = match mech {
        Mech::Plain | Mech::CramMd5 => 0,
        Mech::Login | Mech::XOAuth2 | Mech::OAuthBearer => 1,
        // client-first, client-final, then an empty answer to the server-final message.
        #[cfg(feature = "scram")]
        Mech::ScramSha256 => 2,
    };
    if step <= last {
        Answer::Respond
    } else {
        Answer::Cancel
    }
}

/// Feeds the raw response of `mech` at `step` to `sink`, piece by piece. `challenge` is
/// the decoded server challenge (used by CRAM-MD5).
pub(crate) fn write_response(
    mech: Mech,
    step: u8,
    creds: &Credentials<'_>,
    challenge: &[u8],
    sink: &mut dyn FnMut(&[u8]),
) {
    match (*creds, mech, step) {
        (
            Credentials::Password {
                user,
                password,
                authzid,
                ..
            },
            Mech::Plain,
            _,
        ) => {
            // RFC 4616 section 2: [authzid] NUL authcid NUL passwd.
            for part in [authzid, b"\0", user, b"\0", password.expose()] {
                sink(part);
            }
        }
        (Credentials::Password { user, .. }, Mech::Login, 0) => sink(user),
        (Credentials::Password { password, .. }, Mech::Login, _) => sink(password.expose()),
        (Credentials::Password { user, password, .. }, Mech::CramMd5, _) => {
            // RFC 2195 section 2: user SP lower-case hex HMAC-MD5(password, challenge).
            let mut hex = [0u8; 32];
            cram_md5_hex(password.expose(), challenge, &mut hex);
            for part in [user, b" ", &hex[..]] {
                sink(part);
            }
        }
        (Credentials::Bearer { user, token }, Mech::XOAuth2, 0) => {
            for part in [
                b"user=",
                user,
                b"\x01auth=Bearer ",
                token.expose(),
                b"\x01\x01",
            ] {
                sink(part);
            }
        }
        // After an error challenge, XOAUTH2 answers with an empty response.
        (Credentials::Bearer { .. }, Mech::XOAuth2, _) => {}
        (Credentials::Bearer { user, token }, Mech::OAuthBearer, 0) => {
            // RFC 7628 section 3.1: gs2-header kvsep auth=Bearer token kvsep kvsep.
            sink(b"n,a=");
            write_saslname(user, sink);
            for part in [&b",\x01auth=Bearer "[..], token.expose(), b"\x01\x01"] {
                sink(part);
            }
        }
        // RFC 7628 section 3.2.3: after an error challenge the client sends a lone %x01.
        (Credentials::Bearer { .. }, Mech::OAuthBearer, _) => sink(b"\x01"),
        #[cfg(feature = "scram")]
        (
            Credentials::Password {
                user,
                authzid,
                nonce,
                ..
            },
            Mech::ScramSha256,
            0,
        ) => scram::write_client_first(user, authzid, nonce, sink),
        // The client-final message needs the exchange's state: see `Client::sasl_continue`.
        // The answer to the server-final message is empty.
        // Mech::for_credentials never pairs a mechanism with the other kind of credentials.
        _ => {}
    }
}

/// The length of the raw response, for deciding whether it fits as an initial response.
pub(crate) fn response_len(mech: Mech, step: u8, creds: &Credentials<'_>) -> usize {
    let mut len = 0usize;
    write_response(mech, step, creds, &[], &mut |p| {
        len = len.saturating_add(p.len())
    });
    len
}

/// Writes the base64 form of the response through `w`.
pub(crate) fn encode_response(
    mech: Mech,
    step: u8,
    creds: &Credentials<'_>,
    challenge: &[u8],
    w: &mut Base64Writer<'_, '_>,
) {
    write_response(mech, step, creds, challenge, &mut |p| w.put(p));
}

/// RFC 5801 saslname: `,` and `=` escaped as `=2C` and `=3D`.
pub(crate) fn write_saslname(name: &[u8], sink: &mut dyn FnMut(&[u8])) {
    for run in name.split_inclusive(|&b| b == b',' || b == b'=') {
        match run.split_last() {
            Some((b',', head)) => {
                sink(head);
                sink(b"=2C");
            }
            Some((b'=', head)) => {
                sink(head);
                sink(b"=3D");
            }
            _ => sink(run),
        }
    }
}

fn cram_md5_hex(key: &[u8], challenge: &[u8], hex: &mut [u8; 32]) {
    let Ok(mut mac) = hmac::Hmac::<md5::Md5>::new_from_slice(key) else {
        return;
    };
    mac.update(challenge);
    let digest = mac.finalize().into_bytes();
    crate::apop::hex_lower(&digest, hex);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(mech: Mech, step: u8, creds: &Credentials<'_>, challenge: &[u8]) -> std::vec::Vec<u8> {
        let mut v = std::vec::Vec::new();
        write_response(mech, step, creds, challenge, &mut |p| {
            v.extend_from_slice(p)
        });
        v
    }

    extern crate std;

    #[test]
    fn rfc2195_cram_md5_example() {
        let creds = Credentials::password(b"tim", b"tanstaaftanstaaf");
        let challenge = b"<1896.697170952@postoffice.reston.mci.net>";
        assert_eq!(
            raw(Mech::CramMd5, 0, &creds, challenge),
            b"tim b913a602c7eda7a495b4e6e7334d3890"
        );
    }

    #[test]
    fn rfc4616_plain_and_rfc7628_oauthbearer() {
        let creds = Credentials::Password {
            user: b"tim",
            password: Secret::new(b"tanstaaftanstaaf"),
            authzid: b"Ursel",
            nonce: b"",
        };
        assert_eq!(
            raw(Mech::Plain, 0, &creds, b""),
            b"Ursel\0tim\0tanstaaftanstaaf"
        );
        let bearer = Credentials::bearer(
            b"user@example.com",
            b"vF9dft4qmTc2Nvb3RlckBhbHRhdmlzdGEuY29tCg==",
        );
        assert_eq!(
            raw(Mech::OAuthBearer, 0, &bearer, b""),
            b"n,a=user@example.com,\x01auth=Bearer vF9dft4qmTc2Nvb3RlckBhbHRhdmlzdGEuY29tCg==\x01\x01"
        );
        assert_eq!(raw(Mech::OAuthBearer, 1, &bearer, b""), b"\x01");
        let odd = Credentials::bearer(b"a,b=c", b"t");
        assert!(raw(Mech::OAuthBearer, 0, &odd, b"").starts_with(b"n,a=a=2Cb=3Dc,\x01"));
    }

    #[test]
    fn xoauth2_payload() {
        let bearer = Credentials::bearer(
            b"someuser@example.com",
            b"ya29.vF9dft4qmTc2Nvb3RlckBhdHRhdmlzdGEuY29tCg",
        );
        assert_eq!(
            raw(Mech::XOAuth2, 0, &bearer, b""),
            b"user=someuser@example.com\x01auth=Bearer ya29.vF9dft4qmTc2Nvb3RlckBhdHRhdmlzdGEuY29tCg\x01\x01"
        );
        assert_eq!(raw(Mech::XOAuth2, 1, &bearer, b""), b"");
    }
}
