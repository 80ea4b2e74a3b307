//! What the client learned from CAPA (RFC 2449 section 5), kept compactly: flags and
//! numbers, no text, so nothing borrows from the input.

use crate::codec::{Capability, Expire, Mechanism};

/// The server's capabilities as of its last `+OK` reply to CAPA. Empty until then, and
/// emptied when TLS starts (RFC 2595 section 4).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Capabilities {
    known: bool,
    flags: u16,
    sasl: u8,
    login_delay: Option<u32>,
    expire: Option<Expire>,
}

const TOP: u16 = 1;
const USER: u16 = 1 << 1;
const RESP_CODES: u16 = 1 << 2;
const PIPELINING: u16 = 1 << 3;
const UIDL: u16 = 1 << 4;
const STLS: u16 = 1 << 5;
const UTF8: u16 = 1 << 6;
const UTF8_USER: u16 = 1 << 7;
const LANG: u16 = 1 << 8;
const AUTH_RESP_CODE: u16 = 1 << 9;
const SASL: u16 = 1 << 10;

const MECHANISMS: [Mechanism<'static>; 7] = [
    Mechanism::Plain,
    Mechanism::Login,
    Mechanism::CramMd5,
    Mechanism::XOAuth2,
    Mechanism::OAuthBearer,
    Mechanism::ScramSha1,
    Mechanism::ScramSha256,
];

impl Capabilities {
    pub(crate) fn clear(&mut self) {
        *self = Capabilities::default();
    }

    /// Starts a new CAPA listing.
    pub(crate) fn begin(&mut self) {
        *self = Capabilities {
            known: true,
            ..Capabilities::default()
        };
    }

    pub(crate) fn add(&mut self, capability: &Capability<'_>) {
        let flag = match *capability {
            Capability::Top => TOP,
            Capability::User => USER,
            Capability::RespCodes => RESP_CODES,
            Capability::Pipelining => PIPELINING,
            Capability::Uidl => UIDL,
            Capability::Stls => STLS,
            Capability::Utf8 { user } => UTF8 | if user { UTF8_USER } else { 0 },
            Capability::Lang => LANG,
            Capability::AuthRespCode => AUTH_RESP_CODE,
            Capability::Sasl(mechanisms) => {
                for m in mechanisms.iter() {
                    if let Some(bit) = MECHANISMS.iter().position(|&k| k == m) {
                        self.sasl |= 1 << bit;
                    }
                }
                SASL
            }
            Capability::LoginDelay { seconds, .. } => {
                self.login_delay = Some(seconds);
                0
            }
            Capability::Expire { policy, .. } => {
                self.expire = Some(policy);
                0
            }
            Capability::Implementation(_) | Capability::Other { .. } => 0,
        };
        self.flags |= flag;
    }

    fn has(&self, flag: u16) -> bool {
        self.flags & flag != 0
    }

    /// True once a CAPA reply was read (since the session or TLS began).
    pub fn known(&self) -> bool {
        self.known
    }
    /// `TOP`
    pub fn top(&self) -> bool {
        self.has(TOP)
    }
    /// `USER`
    pub fn user(&self) -> bool {
        self.has(USER)
    }
    /// `RESP-CODES`
    pub fn resp_codes(&self) -> bool {
        self.has(RESP_CODES)
    }
    /// `PIPELINING`
    pub fn pipelining(&self) -> bool {
        self.has(PIPELINING)
    }
    /// `UIDL`
    pub fn uidl(&self) -> bool {
        self.has(UIDL)
    }
    /// `STLS`
    pub fn stls(&self) -> bool {
        self.has(STLS)
    }
    /// `UTF8`
    pub fn utf8(&self) -> bool {
        self.has(UTF8)
    }
    /// `UTF8 USER`: UTF-8 credentials are accepted.
    pub fn utf8_user(&self) -> bool {
        self.has(UTF8_USER)
    }
    /// `LANG`
    pub fn lang(&self) -> bool {
        self.has(LANG)
    }
    /// `AUTH-RESP-CODE`
    pub fn auth_resp_code(&self) -> bool {
        self.has(AUTH_RESP_CODE)
    }
    /// A `SASL` line was present.
    pub fn sasl(&self) -> bool {
        self.has(SASL)
    }
    /// The SASL line lists `mechanism` (for the mechanisms this crate knows by name).
    pub fn sasl_mechanism(&self, mechanism: Mechanism<'_>) -> bool {
        MECHANISMS
            .iter()
            .position(|&k| k == mechanism)
            .is_some_and(|bit| self.sasl & (1 << bit) != 0)
    }
    /// `LOGIN-DELAY n`: seconds.
    pub fn login_delay(&self) -> Option<u32> {
        self.login_delay
    }
    /// `EXPIRE`.
    pub fn expire(&self) -> Option<Expire> {
        self.expire
    }
}
