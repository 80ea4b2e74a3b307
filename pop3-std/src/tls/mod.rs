//! rustls configuration: which certificates a client trusts, and a server's certificate.

mod pin;

use std::fs;
use std::io;
use std::path::Path;
use std::sync::Arc;

use rustls::client::WebPkiServerVerifier;
use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;
use rustls::{ClientConfig, RootCertStore};

pub use pin::{BadFingerprint, Fingerprint, Untrusted};

/// What a client trusts a server's certificate by. Host names and validity dates are
/// checked in every case except a pinned fingerprint, which names one certificate.
#[derive(Clone, Debug, Default)]
pub enum Trust {
    /// The Mozilla root programme's CAs, bundled (no OpenSSL, no system store needed).
    #[default]
    WebRoots,
    /// Only the certificates in this PEM file: CAs (a private CA), or the server's own
    /// certificate, accepted when the server presents exactly it (a self-signed one made
    /// with `openssl req -x509`, which path validation alone refuses as a CA used as an
    /// end entity). The host name must match it either way.
    CaFile(std::path::PathBuf),
    /// Only the certificate with this SHA-256 fingerprint, whatever its issuer, names or
    /// dates (as mpop's `tls_fingerprint` and fetchmail's `sslfingerprint`). A certificate
    /// that is not trusted is reported with its fingerprint ([`Untrusted`]), to pin it on a
    /// first contact.
    Fingerprint(Fingerprint),
}

impl Trust {
    /// A rustls client configuration trusting these certificates, with the ring provider.
    pub fn client_config(&self) -> io::Result<Arc<ClientConfig>> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut roots = RootCertStore::empty();
        let mut pinned_certs = Vec::new();
        let mut fingerprint = None;
        match self {
            Trust::WebRoots => roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned()),
            Trust::CaFile(path) => {
                pinned_certs = read_certificates(path)?;
                // Certificates that cannot anchor a path (a version 1 certificate, say)
                // may still be the server's own: they stay pinned.
                roots.add_parsable_certificates(pinned_certs.iter().cloned());
            }
            Trust::Fingerprint(f) => fingerprint = Some(*f),
        }
        let chain = if roots.is_empty() {
            None
        } else {
            Some(
                WebPkiServerVerifier::builder_with_provider(Arc::new(roots), Arc::clone(&provider))
                    .build()
                    .map_err(io::Error::other)?,
            )
        };
        let verifier = pin::Verifier {
            chain,
            pinned_certs,
            fingerprint,
            algorithms: provider.signature_verification_algorithms,
        };
        let config = ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(io::Error::other)?
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(verifier))
            .with_no_client_auth();
        Ok(Arc::new(config))
    }
}

/// Every certificate in a PEM file; an error names the file when there is none.
pub fn read_certificates(path: &Path) -> io::Result<Vec<CertificateDer<'static>>> {
    let pem =
        fs::read(path).map_err(|e| io::Error::new(e.kind(), format!("{}: {e}", path.display())))?;
    let certs: Vec<_> = CertificateDer::pem_slice_iter(&pem)
        .collect::<Result<_, _>>()
        .map_err(|e| {
            io::Error::new(
                io::ErrorKind::InvalidData,
                format!("{}: {e}", path.display()),
            )
        })?;
    if certs.is_empty() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!("{}: no PEM certificate in the file", path.display()),
        ));
    }
    Ok(certs)
}

/// A rustls server configuration from a PEM certificate chain and a PEM private key.
pub fn server_config(cert: &Path, key: &Path) -> io::Result<Arc<rustls::ServerConfig>> {
    use rustls::pki_types::PrivateKeyDer;
    let chain = read_certificates(cert)?;
    let key = PrivateKeyDer::from_pem_file(key).map_err(|e| {
        io::Error::new(
            io::ErrorKind::InvalidData,
            format!("{}: {e}", key.display()),
        )
    })?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(io::Error::other)?
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .map_err(|e| {
            io::Error::new(
                io::ErrorKind::InvalidData,
                format!("certificate and key: {e}"),
            )
        })?;
    Ok(Arc::new(config))
}
