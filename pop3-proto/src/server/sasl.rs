//! The server side of SASL (RFC 5034): PLAIN (RFC 4616), LOGIN, CRAM-MD5 (RFC 2195),
//! XOAUTH2 and OAUTHBEARER (RFC 7628). The core runs the exchange and hands the decoded
//! credentials to the application.

use super::{Ask, Awaiting, Core, Src};
use crate::codec::{COMMAND_LINE_LIMIT, Continuation, Mechanism, RespCode, SaslResponse};
use crate::sasl::b64;

/// Where a SASL exchange stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum SaslState {
    None,
    Plain,
    LoginUser,
    LoginPassword,
    CramMd5,
    XOAuth2,
    OAuthBearer,
    /// SCRAM-SHA-256: waiting for the client-first message, for the application's keys,
    /// for the client-final message, for the empty answer to the server's signature.
    #[cfg(feature = "scram")]
    ScramFirst,
    #[cfg(feature = "scram")]
    ScramKeys,
    #[cfg(feature = "scram")]
    ScramFinal,
    #[cfg(feature = "scram")]
    ScramDone,
}

impl SaslState {
    pub(crate) fn active(self) -> bool {
        self != SaslState::None
    }
}

/// LOGIN's prompts, base64 of `Username:` and `Password:`.
const USERNAME: &[u8] = b"VXNlcm5hbWU6";
const PASSWORD: &[u8] = b"UGFzc3dvcmQ6";

impl<const RX: usize, const TX: usize, const W: usize> Core<'_, RX, TX, W> {
    /// Without the `scram` feature SCRAM is never offered.
    #[cfg(not(feature = "scram"))]
    pub(super) fn scram_offered(&self) -> bool {
        false
    }

    /// The login asked for is a refuted SCRAM proof.
    pub(super) fn refuted(&self) -> bool {
        #[cfg(feature = "scram")]
        return self.scram.refuted;
        #[cfg(not(feature = "scram"))]
        false
    }

    pub(super) fn sasl_reset(&mut self) {
        self.sasl = SaslState::None;
        self.framer.set_line_limit(COMMAND_LINE_LIMIT);
    }

    pub(super) fn challenge(&mut self, data: &[u8], next: SaslState) -> Option<Ask> {
        let _ = self.tx.push(|b| Continuation { data }.encode(b));
        self.sasl = next;
        // SASL answers (OAuth tokens) may be far longer than a command.
        self.framer.set_line_limit(RX);
        None
    }

    pub(super) fn auth_failed(&mut self, text: &[u8]) -> Option<Ask> {
        self.sasl_reset();
        self.err(Some(RespCode::AUTH), text);
        None
    }

    pub(super) fn start_sasl(
        &mut self,
        mechanism: Mechanism<'_>,
        initial: Option<&[u8]>,
    ) -> Option<Ask> {
        let cleartext_ok = self.tls || self.config.allow_cleartext_passwords;
        let state = match mechanism {
            Mechanism::Plain if cleartext_ok => SaslState::Plain,
            Mechanism::Login if cleartext_ok => SaslState::LoginUser,
            Mechanism::CramMd5 if self.config.cram_md5 && !self.timestamp.is_empty() => {
                SaslState::CramMd5
            }
            Mechanism::XOAuth2 if self.config.oauth => SaslState::XOAuth2,
            Mechanism::OAuthBearer if self.config.oauth => SaslState::OAuthBearer,
            #[cfg(feature = "scram")]
            Mechanism::ScramSha256 if self.scram_offered() => SaslState::ScramFirst,
            Mechanism::Plain | Mechanism::Login => {
                self.err(
                    Some(RespCode::AUTH),
                    b"Plaintext authentication disallowed without TLS",
                );
                return None;
            }
            _ => {
                self.err(None, b"Unsupported authentication mechanism");
                return None;
            }
        };
        match (state, initial) {
            (SaslState::CramMd5, Some(_)) => {
                self.auth_failed(b"CRAM-MD5 takes no initial response")
            }
            (SaslState::CramMd5, None) => {
                let mut encoded = [0u8; 176];
                let n = base64_encode(&self.timestamp, &mut encoded);
                self.challenge(encoded.get(..n).unwrap_or_default(), SaslState::CramMd5)
            }
            (SaslState::LoginUser, None) => self.challenge(USERNAME, SaslState::LoginUser),
            (_, None) => self.challenge(b"", state),
            (_, Some(data)) => {
                self.sasl = state;
                self.sasl_data(data)
            }
        }
    }

    pub(super) fn on_sasl_line(&mut self, line: &[u8]) -> Option<Ask> {
        match SaslResponse::parse(line) {
            Ok(SaslResponse::Cancel) => {
                self.sasl_reset();
                self.err(None, b"Authentication cancelled");
                None
            }
            Ok(SaslResponse::Data(data)) => self.sasl_data(data.expose()),
            Err(_) => self.auth_failed(b"Invalid base64 data"),
        }
    }

    /// One client message of the exchange, base64 as sent.
    fn sasl_data(&mut self, data: &[u8]) -> Option<Ask> {
        let Some(n) = b64::decode(data, &mut self.decoded).map(<[u8]>::len) else {
            return self.auth_failed(b"Invalid base64 data");
        };
        #[cfg(feature = "scram")]
        match self.sasl {
            SaslState::ScramFirst => return self.scram_first(n),
            SaslState::ScramFinal => return self.scram_final(n),
            SaslState::ScramDone => return self.scram_done(n),
            _ => {}
        }
        let raw = self.decoded.get(..n).unwrap_or_default();
        let ask = match self.sasl {
            SaslState::Plain => plain(raw),
            SaslState::LoginUser => {
                self.user.clear();
                let _ = self.user.extend_from_slice(raw);
                return self.challenge(PASSWORD, SaslState::LoginPassword);
            }
            SaslState::LoginPassword => Some(Ask::Password {
                user: Src::User,
                password: Src::Decoded(0, n),
                authzid: Src::Empty,
            }),
            SaslState::CramMd5 => cram_md5(raw),
            SaslState::XOAuth2 => xoauth2(raw),
            SaslState::OAuthBearer => oauthbearer(raw),
            _ => None,
        };
        match ask {
            Some(ask) => {
                self.sasl_reset();
                self.awaiting = Awaiting::Login;
                Some(ask)
            }
            None => self.auth_failed(b"Malformed authentication data"),
        }
    }
}

pub(super) fn base64_encode(raw: &[u8], out: &mut [u8]) -> usize {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD
        .encode_slice(raw, out)
        .unwrap_or(0)
}

/// The range of `part` (a slice of `raw`) in the decoded buffer.
fn range(raw: &[u8], part: &[u8]) -> Src {
    let start = (part.as_ptr() as usize).saturating_sub(raw.as_ptr() as usize);
    Src::Decoded(start, start + part.len())
}

/// RFC 4616 section 2: `[authzid] NUL authcid NUL passwd`.
fn plain(raw: &[u8]) -> Option<Ask> {
    let mut parts = raw.splitn(3, |&b| b == 0);
    let (authzid, user, password) = (parts.next()?, parts.next()?, parts.next()?);
    if user.is_empty() {
        return None;
    }
    Some(Ask::Password {
        user: range(raw, user),
        password: range(raw, password),
        authzid: range(raw, authzid),
    })
}

/// RFC 2195 section 2: `user SP digest`, the digest 32 hex digits.
fn cram_md5(raw: &[u8]) -> Option<Ask> {
    let sp = raw.iter().rposition(|&b| b == b' ')?;
    let (user, digest) = (raw.get(..sp)?, raw.get(sp + 1..)?);
    (!user.is_empty() && digest.len() == 32).then(|| Ask::CramMd5 {
        user: range(raw, user),
        digest: range(raw, digest),
    })
}

/// The `auth=Bearer token` pair among `%x01`-separated pairs.
fn bearer_token(pairs: &[u8]) -> Option<&[u8]> {
    pairs.split(|&b| b == 1).find_map(|kv| {
        let v = kv.strip_prefix(b"auth=")?;
        let scheme = v.get(..7)?;
        scheme
            .eq_ignore_ascii_case(b"Bearer ")
            .then(|| v.get(7..))
            .flatten()
    })
}

/// `user=U ^A auth=Bearer T ^A ^A`.
fn xoauth2(raw: &[u8]) -> Option<Ask> {
    let user = raw
        .split(|&b| b == 1)
        .find_map(|kv| kv.strip_prefix(b"user="))?;
    let token = bearer_token(raw)?;
    Some(Ask::Bearer {
        mechanism: Mechanism::XOAuth2,
        user: range(raw, user),
        token: range(raw, token),
    })
}

/// RFC 7628 section 3.1: `gs2-header ^A auth=Bearer T ^A ^A`, the user in `a=`.
fn oauthbearer(raw: &[u8]) -> Option<Ask> {
    let header_end = raw.iter().position(|&b| b == 1)?;
    let header = raw.get(..header_end)?;
    // gs2-header = gs2-cbind-flag "," [ "a=" saslname ] ","
    let mut fields = header.split(|&b| b == b',');
    let _flag = fields.next()?;
    let user = fields
        .next()
        .and_then(|f| f.strip_prefix(b"a="))
        .unwrap_or_default();
    let token = bearer_token(raw.get(header_end..)?)?;
    Some(Ask::Bearer {
        mechanism: Mechanism::OAuthBearer,
        user: range(raw, user),
        token: range(raw, token),
    })
}
