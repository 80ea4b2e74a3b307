//! SASL mechanism names (RFC 5034, RFC 4422 section 3.1) as the SASL capability lists them
//! and the AUTH command names them.

/// A SASL mechanism. Names compare case-insensitively; unknown names are kept as sent.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Mechanism<'a> {
    /// `PLAIN` (RFC 4616).
    Plain,
    /// `LOGIN` (the widely deployed draft mechanism).
    Login,
    /// `CRAM-MD5` (RFC 2195).
    CramMd5,
    /// `XOAUTH2` (Google and Microsoft).
    XOAuth2,
    /// `OAUTHBEARER` (RFC 7628).
    OAuthBearer,
    /// `SCRAM-SHA-1` (RFC 5802).
    ScramSha1,
    /// `SCRAM-SHA-256` (RFC 7677).
    ScramSha256,
    /// `EXTERNAL` (RFC 4422 appendix A).
    External,
    /// `ANONYMOUS` (RFC 4505).
    Anonymous,
    /// Any other name, as sent.
    Other(&'a [u8]),
}

const KNOWN: [(&[u8], Mechanism<'static>); 9] = [
    (b"PLAIN", Mechanism::Plain),
    (b"LOGIN", Mechanism::Login),
    (b"CRAM-MD5", Mechanism::CramMd5),
    (b"XOAUTH2", Mechanism::XOAuth2),
    (b"OAUTHBEARER", Mechanism::OAuthBearer),
    (b"SCRAM-SHA-1", Mechanism::ScramSha1),
    (b"SCRAM-SHA-256", Mechanism::ScramSha256),
    (b"EXTERNAL", Mechanism::External),
    (b"ANONYMOUS", Mechanism::Anonymous),
];

impl<'a> Mechanism<'a> {
    /// Reads a mechanism name, case-insensitively.
    pub fn from_name(name: &'a [u8]) -> Self {
        KNOWN
            .iter()
            .find(|(known, _)| known.eq_ignore_ascii_case(name))
            .map_or(Mechanism::Other(name), |&(_, m)| m)
    }

    /// The name to send.
    pub fn name(&self) -> &'a [u8] {
        match self {
            Mechanism::Other(name) => name,
            known => KNOWN
                .iter()
                .find(|(_, m)| m == known)
                .map_or(&[][..], |(n, _)| n),
        }
    }
}

/// The mechanisms of a `SASL` capability line, in the order the server lists them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Mechanisms<'a> {
    raw: &'a [u8],
}

impl<'a> Mechanisms<'a> {
    /// The space-separated names `raw`.
    pub const fn new(raw: &'a [u8]) -> Self {
        Mechanisms { raw }
    }

    /// The names as sent.
    pub const fn raw(&self) -> &'a [u8] {
        self.raw
    }

    /// Iterates over the mechanisms.
    pub fn iter(&self) -> impl Iterator<Item = Mechanism<'a>> + 'a {
        self.raw
            .split(|&b| b == b' ')
            .filter(|n| !n.is_empty())
            .map(Mechanism::from_name)
    }

    /// True when `mechanism` is listed.
    pub fn contains(&self, mechanism: Mechanism<'_>) -> bool {
        let name = mechanism.name();
        self.iter().any(|m| m.name().eq_ignore_ascii_case(name))
    }
}
