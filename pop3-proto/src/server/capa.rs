//! The CAPA reply, made from the configuration and the session (RFC 2449 section 5): a
//! capability is listed only when the server will honour it now.

use super::config::Config;
use crate::codec::{Capability, EncodeError, Mechanisms};
use crate::outbuf::Tx;

/// The session facts CAPA depends on.
pub(crate) struct CapaState {
    pub(crate) tls: bool,
    pub(crate) authorization: bool,
    pub(crate) utf8_active: bool,
    /// SCRAM-SHA-256 can run (configured, built in, and the session has a server nonce).
    pub(crate) scram: bool,
}

/// Writes the SASL mechanism names offered now into `buf`; returns the length.
fn mechanisms(config: &Config<'_>, s: &CapaState, buf: &mut [u8; 64]) -> usize {
    let cleartext = s.tls || config.allow_cleartext_passwords;
    let names: [(bool, &[u8]); 6] = [
        (s.scram, b"SCRAM-SHA-256"),
        (cleartext, b"PLAIN"),
        (cleartext, b"LOGIN"),
        (config.cram_md5, b"CRAM-MD5"),
        (config.oauth, b"XOAUTH2"),
        (config.oauth, b"OAUTHBEARER"),
    ];
    let mut len = 0;
    for (_, name) in names.iter().filter(|(on, _)| *on) {
        let sep = usize::from(len > 0);
        if let Some(dst) = buf.get_mut(len..len + sep + name.len()) {
            let (space, rest) = dst.split_at_mut(sep);
            space.fill(b' ');
            rest.copy_from_slice(name);
            len += sep + name.len();
        }
    }
    len
}

/// Writes `+OK`, the capability lines and the terminator.
pub(crate) fn write<const N: usize>(
    tx: &mut Tx<N>,
    config: &Config<'_>,
    s: &CapaState,
) -> Result<(), EncodeError> {
    tx.push(|b| crate::codec::StatusLine::ok(b"Capability list follows").encode(b))?;
    let mut names = [0u8; 64];
    let n = mechanisms(config, s, &mut names);
    let names = names.get(..n).unwrap_or_default();
    let cleartext = s.tls || config.allow_cleartext_passwords;
    let caps = [
        (true, Capability::Top),
        (true, Capability::Uidl),
        (true, Capability::RespCodes),
        (true, Capability::AuthRespCode),
        (true, Capability::Pipelining),
        (cleartext, Capability::User),
        (!names.is_empty(), Capability::Sasl(Mechanisms::new(names))),
        (
            config.stls && !s.tls && s.authorization && !s.utf8_active,
            Capability::Stls,
        ),
        (
            config.utf8 && s.authorization,
            Capability::Utf8 { user: false },
        ),
        (config.lang, Capability::Lang),
        (
            !config.implementation.is_empty(),
            Capability::Implementation(config.implementation),
        ),
    ];
    for (_, cap) in caps.iter().filter(|(on, _)| *on) {
        tx.push(|b| cap.encode(b))?;
    }
    tx.push_bytes(crate::codec::END_OF_MULTILINE)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn capa_fits() {
        let mut tx: Tx<2048> = Tx::new();
        let config = Config::default();
        let s = CapaState {
            tls: false,
            authorization: true,
            utf8_active: false,
            scram: true,
        };
        assert_eq!(write(&mut tx, &config, &s), Ok(()));
        assert!(
            tx.pending().ends_with(b".\r\n"),
            "{:?}",
            core::str::from_utf8(tx.pending())
        );
    }
}
