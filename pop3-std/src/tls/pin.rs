//! Trusting a server by its certificate rather than by a CA: the exact certificate given
//! in a CA file (a self-signed one made with `openssl req -x509`, which is marked as a CA
//! and so refused as a server's own by path validation), or its SHA-256 fingerprint. The
//! handshake's signatures are always checked: a pin names a key the server must prove it
//! holds.

use std::fmt;
use std::str::FromStr;
use std::sync::Arc;

use rustls::DigitallySignedStruct;
use rustls::SignatureScheme;
use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{WebPkiSupportedAlgorithms, verify_tls12_signature, verify_tls13_signature};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::server::ParsedCertificate;
use sha2::{Digest, Sha256};

/// The SHA-256 fingerprint of a certificate (of its DER encoding), as `openssl x509
/// -fingerprint -sha256` prints it. Written and read as `sha256:AB:CD:...`; reading also
/// takes the hex digits without colons or prefix.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Fingerprint([u8; 32]);

impl Fingerprint {
    /// The fingerprint of `cert`.
    pub fn of(cert: &CertificateDer<'_>) -> Self {
        Fingerprint(Sha256::digest(cert.as_ref()).into())
    }
}

impl fmt::Display for Fingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("sha256")?;
        for b in self.0 {
            write!(f, ":{b:02X}")?;
        }
        Ok(())
    }
}

impl fmt::Debug for Fingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{self}")
    }
}

/// Why a fingerprint did not read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BadFingerprint(String);

impl fmt::Display for BadFingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:?} is not a SHA-256 fingerprint (64 hex digits, colons allowed, as sha256:AB:CD:...)",
            self.0
        )
    }
}

impl std::error::Error for BadFingerprint {}

impl FromStr for Fingerprint {
    type Err = BadFingerprint;

    fn from_str(s: &str) -> Result<Self, BadFingerprint> {
        let bad = || BadFingerprint(s.to_owned());
        let digits = s
            .trim()
            .strip_prefix("sha256:")
            .or_else(|| s.trim().strip_prefix("SHA256:"))
            .unwrap_or(s.trim());
        let hex: Vec<u8> = digits.bytes().filter(|&b| b != b':').collect();
        if hex.len() != 64 {
            return Err(bad());
        }
        let mut out = [0u8; 32];
        for (o, pair) in out.iter_mut().zip(hex.chunks(2)) {
            let text = std::str::from_utf8(pair).map_err(|_| bad())?;
            *o = u8::from_str_radix(text, 16).map_err(|_| bad())?;
        }
        Ok(Fingerprint(out))
    }
}

/// The server's certificate is not trusted: why, and its fingerprint, to pin it if the
/// user knows it to be the server's own.
#[derive(Clone, Debug)]
pub struct Untrusted {
    /// What path validation (or the pin) said.
    pub reason: rustls::Error,
    /// The fingerprint of the certificate the server presented.
    pub fingerprint: Fingerprint,
}

impl fmt::Display for Untrusted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use rustls::CertificateError as E;
        f.write_str("the server's certificate is not trusted: ")?;
        match &self.reason {
            rustls::Error::InvalidCertificate(E::UnknownIssuer) => {
                f.write_str("no trusted CA issued it")?;
            }
            rustls::Error::InvalidCertificate(E::Expired | E::ExpiredContext { .. }) => {
                f.write_str("it has expired")?;
            }
            // Path validation's own errors come through as text.
            rustls::Error::InvalidCertificate(E::Other(other))
                if other.to_string().contains("CaUsedAsEndEntity") =>
            {
                f.write_str(
                    "it is a CA certificate presented as the server's own, as a self-signed \
                     one made with `openssl req -x509` is",
                )?;
            }
            other => write!(f, "{other}")?,
        }
        write!(f, "; its fingerprint is {}", self.fingerprint)
    }
}

impl std::error::Error for Untrusted {}

/// Checks a server's certificate: a pinned fingerprint, else a pinned certificate (with
/// its host name), else path validation to the roots.
#[derive(Debug)]
pub(crate) struct Verifier {
    pub(crate) chain: Option<Arc<WebPkiServerVerifier>>,
    pub(crate) pinned_certs: Vec<CertificateDer<'static>>,
    pub(crate) fingerprint: Option<Fingerprint>,
    pub(crate) algorithms: WebPkiSupportedAlgorithms,
}

impl Verifier {
    fn untrusted(reason: rustls::Error, cert: &CertificateDer<'_>) -> rustls::Error {
        rustls::Error::InvalidCertificate(rustls::CertificateError::Other(rustls::OtherError(
            Arc::new(Untrusted {
                reason,
                fingerprint: Fingerprint::of(cert),
            }),
        )))
    }
}

impl ServerCertVerifier for Verifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        if let Some(pin) = self.fingerprint {
            // The pin is the identity: no issuer, name or dates to check.
            return if Fingerprint::of(end_entity) == pin {
                Ok(ServerCertVerified::assertion())
            } else {
                Err(Self::untrusted(
                    rustls::Error::General(format!("it is not the pinned {pin}")),
                    end_entity,
                ))
            };
        }
        if self.pinned_certs.iter().any(|c| c == end_entity) {
            // The user's own copy of the server's certificate: it needs no issuer, but it
            // must still be for the host connected to.
            let parsed = ParsedCertificate::try_from(end_entity)?;
            rustls::client::verify_server_name(&parsed, server_name)?;
            return Ok(ServerCertVerified::assertion());
        }
        match &self.chain {
            Some(chain) => chain
                .verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now)
                .map_err(|e| Self::untrusted(e, end_entity)),
            None => Err(Self::untrusted(
                rustls::Error::General("no CA to check it against".into()),
                end_entity,
            )),
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls12_signature(message, cert, dss, &self.algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls13_signature(message, cert, dss, &self.algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.algorithms.supported_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::Fingerprint;

    #[test]
    fn fingerprints_read_as_openssl_prints_them_and_write_back() {
        let colons = "sha256:".to_owned()
            + &(0..32)
                .map(|i| format!("{i:02X}"))
                .collect::<Vec<_>>()
                .join(":");
        let f: Fingerprint = colons.parse().unwrap();
        assert_eq!(f.to_string(), colons);
        let bare: String = (0..32).map(|i| format!("{i:02x}")).collect();
        assert_eq!(bare.parse::<Fingerprint>().unwrap(), f);
        assert!("sha256:00:11".parse::<Fingerprint>().is_err());
        assert!("zz".repeat(32).parse::<Fingerprint>().is_err());
    }
}
