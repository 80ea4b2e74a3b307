//! The embedded-tls example (`examples/embedded_tls.rs`) against our server, over tokio:
//! implicit TLS and STLS, the certificate checked against the test CA (ECDSA P-256), every
//! message byte for byte; a certificate from another CA ends the session before any
//! credential is sent.

#[path = "../examples/embedded_tls.rs"]
mod example;

#[path = "../../pop3-std/tests/support/mod.rs"]
mod support;

use embedded_io_adapters::tokio_1::FromTokio;
use example::{Mode, OsRandom, RECORD, fetch_all};
use pop3_proto::client::LoginMethod;
use pop3_proto::io::ClientError;
use pop3_proto::sasl::Credentials;
use support::dovecot::{PASSWORD, USER};
use support::mail::{self, served};
use support::ours::Ours;
use support::pki::Pki;

async fn session(port: u16, mode: Mode, ca: &[u8]) -> (Result<LoginMethod, String>, Vec<Vec<u8>>) {
    let tcp = tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .expect("connect");
    let (mut read, mut write) = (vec![0u8; RECORD], vec![0u8; 4096]);
    let creds = Credentials::password(USER.as_bytes(), PASSWORD.as_bytes())
        .with_nonce(b"embedded-tls-test-nonce");
    let mut got = Vec::new();
    let result = fetch_all(
        FromTokio::new(tcp),
        mode,
        "localhost",
        ca,
        OsRandom,
        &creds,
        (&mut read, &mut write),
        |_, body| got.push(body.to_vec()),
    )
    .await
    .map_err(|e: ClientError<_>| e.to_string());
    (result, got)
}

#[tokio::test(flavor = "current_thread")]
async fn implicit_tls_and_stls_with_embedded_tls_fetch_every_message() {
    let mail: Vec<_> = mail::mailbox(2000)
        .into_iter()
        .filter(|m| m.stored.len() < 3000)
        .collect();
    let s = Ours::start_with_pki("embedded-tls", &mail, Pki::create_ec, |_| {});
    let ca = std::fs::read(s.root.join("ca.der")).expect("the CA in DER");
    for (port, mode) in [(s.tls_port, Mode::Implicit), (s.port, Mode::StartTls)] {
        let (method, got) = session(port, mode, &ca).await;
        let method = method.unwrap_or_else(|e| panic!("{mode:?}: {e}"));
        assert_eq!(got.len(), mail.len(), "{mode:?}: every message");
        for (m, body) in mail.iter().zip(&got) {
            assert!(
                *body == served(&m.stored),
                "{mode:?}: {} byte for byte",
                m.name
            );
        }
        println!(
            "embedded-tls {mode:?}: logged in with {method:?}, {} messages",
            got.len()
        );
    }
}

#[tokio::test(flavor = "current_thread")]
async fn a_certificate_from_another_ca_ends_the_session_before_any_credential() {
    let s = Ours::start_with_pki(
        "embedded-tls-foreign",
        &mail::mailbox(0),
        Pki::create_ec,
        |_| {},
    );
    let other = std::env::temp_dir().join(format!("pop3-other-ca-{}", std::process::id()));
    std::fs::create_dir_all(&other).unwrap();
    Pki::create_ec(&other);
    let foreign = std::fs::read(other.join("ca.der")).unwrap();
    for (port, mode) in [(s.tls_port, Mode::Implicit), (s.port, Mode::StartTls)] {
        let (result, got) = session(port, mode, &foreign).await;
        assert!(
            got.is_empty()
                && result
                    .as_ref()
                    .is_err_and(|e| e.contains("InvalidCertificate")),
            "{mode:?}: {result:?}"
        );
        println!("{mode:?} with a foreign CA: {result:?}");
    }
    let _ = std::fs::remove_dir_all(&other);
}
