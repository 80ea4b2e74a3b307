//! Trusting a self-signed server. Issue: a certificate made with the usual one-liner
//! (`openssl req -x509 ... -addext subjectAltName=...`, which marks it CA:TRUE) given as
//! the CA file failed with CaUsedAsEndEntity, although curl and poplib accept it. Here
//! Dovecot serves exactly such a certificate, and it is trusted both ways: as the CA file
//! (the exact certificate, its host name still checked) and by its SHA-256 fingerprint
//! (computed here by openssl, independently of the client).

mod support;

use std::path::Path;
use std::process::Command;

use pop3_std::client::{Client, Connect, Error, Tls};
use pop3_std::tls::{Fingerprint, Trust};
use support::dovecot::{Dovecot, PASSWORD, USER};
use support::mail;
use support::pki::Pki;

/// The fingerprint as `openssl x509 -fingerprint -sha256` prints it.
fn openssl_fingerprint(pem: &Path) -> Fingerprint {
    let out = Command::new("openssl")
        .args(["x509", "-noout", "-fingerprint", "-sha256", "-in"])
        .arg(pem)
        .output()
        .expect("run openssl");
    let text = String::from_utf8_lossy(&out.stdout);
    let hex = text.trim().rsplit('=').next().expect("a fingerprint");
    hex.parse().unwrap_or_else(|e| panic!("{text}: {e}"))
}

fn open(host: &str, port: u16, tls: Tls, trust: Trust) -> Result<Client, Error> {
    Connect::new(host)
        .port(port)
        .tls(tls)
        .trust(trust)
        .connect()
}

fn works(d: &Dovecot, c: Result<Client, Error>) {
    let mut c = c.unwrap_or_else(|e| panic!("{e}\n{}", d.log()));
    assert!(c.is_tls());
    c.login(USER, PASSWORD).unwrap();
    assert_eq!(c.stat().unwrap().0, 2);
    assert!(c.quit().unwrap());
}

#[test]
fn a_self_signed_certificate_given_as_the_ca_file_is_trusted_for_its_host_name() {
    let Some(d) = Dovecot::start_with("self-signed-ca", &mail::mailbox(0)[..2], Pki::self_signed)
    else {
        return;
    };
    let pinned = Trust::CaFile(d.ca.clone());
    works(&d, open("localhost", d.port, Tls::StartTls, pinned.clone()));
    works(
        &d,
        open("localhost", d.tls_port, Tls::Implicit, pinned.clone()),
    );
    // The certificate names localhost only: by address it is not the server's.
    match open("127.0.0.1", d.tls_port, Tls::Implicit, pinned) {
        Err(Error::Tls(e)) => assert!(e.to_string().contains("not valid for name"), "{e}"),
        Err(e) => panic!("{e}"),
        Ok(_) => panic!("a host name the certificate does not carry was accepted"),
    }
}

#[test]
fn a_fingerprint_pins_the_certificate_and_a_first_contact_shows_it() {
    let Some(d) = Dovecot::start_with("self-signed-pin", &mail::mailbox(0)[..2], Pki::self_signed)
    else {
        return;
    };
    let expected = openssl_fingerprint(&d.ca);
    // First contact with the web's CAs: refused, with the fingerprint to check and pin.
    match open("localhost", d.tls_port, Tls::Implicit, Trust::WebRoots) {
        Err(Error::Untrusted(u)) => {
            assert_eq!(u.fingerprint, expected);
            let shown = Error::Untrusted(u).to_string();
            assert!(shown.contains(&expected.to_string()), "{shown}");
        }
        Err(e) => panic!("{e}"),
        Ok(_) => panic!("a self-signed certificate was trusted without a pin"),
    }
    // Pinned by fingerprint: no issuer, name or date to check, so by address too.
    let pin = Trust::Fingerprint(expected);
    works(
        &d,
        open("127.0.0.1", d.tls_port, Tls::Implicit, pin.clone()),
    );
    works(&d, open("localhost", d.port, Tls::StartTls, pin));
    // Another certificate's fingerprint: refused, naming the one presented.
    let other: Fingerprint = format!("sha256:{}", "AB:".repeat(31) + "AB")
        .parse()
        .unwrap();
    match open(
        "localhost",
        d.tls_port,
        Tls::Implicit,
        Trust::Fingerprint(other),
    ) {
        Err(Error::Untrusted(u)) => assert_eq!(u.fingerprint, expected),
        Err(e) => panic!("{e}"),
        Ok(_) => panic!("a wrong fingerprint was accepted"),
    }
}
