//! What the tests against real peers share: generated mail, a private CA, free ports.

#![allow(dead_code, unused_imports)]

pub(crate) mod dovecot;
pub(crate) mod mail;
pub(crate) mod mailutils;
pub(crate) mod ours;
pub(crate) mod pki;

use std::net::TcpListener;

/// A loopback port that was free a moment ago.
pub(crate) fn free_port() -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").expect("bind an ephemeral port");
    l.local_addr().expect("local address").port()
}

/// The address the test servers listen on: loopback, or what `POP3_TEST_LISTEN` says (the
/// TAP test runs them inside a network namespace of its own, on every address there).
pub(crate) fn listen_address() -> String {
    std::env::var("POP3_TEST_LISTEN").unwrap_or_else(|_| "127.0.0.1".to_owned())
}

#[path = "require.rs"]
mod require_peer;
pub(crate) use require_peer::{installed, is_root, require};

/// LISTs the maildrop and RETRs every message, checking each size and every octet against
/// what was stored, as POP3 serves it.
pub(crate) fn check_all(c: &mut pop3_std::client::Client, mail: &[mail::Mail]) {
    let list = c.list().expect("LIST");
    assert_eq!(list.len(), mail.len());
    for ((msg, size), m) in list.iter().zip(mail) {
        let expected = mail::served(&m.stored);
        assert_eq!(*size, expected.len() as u64, "LIST size of {}", m.name);
        let mut got = Vec::new();
        let n = c.retr(*msg, &mut got).expect("RETR");
        assert_eq!(n, got.len() as u64);
        assert!(
            got == expected,
            "RETR {msg} ({}) differs from what was stored",
            m.name
        );
    }
}

/// curl downloads messages 1 to `count` over one plain session, into nothing.
pub(crate) fn curl_fetch_all(port: u16, count: usize) {
    let url = format!(
        "pop3://{}:{}@127.0.0.1:{port}/[1-{count}]",
        dovecot::USER,
        dovecot::PASSWORD
    );
    let status = std::process::Command::new("curl")
        .args(["-s", "--fail", &url])
        .stdout(std::process::Stdio::null())
        .status()
        .expect("run curl");
    assert!(status.success(), "curl failed against port {port}");
}

/// Connects our client to a test server on `localhost` (whose certificate `ca` signed):
/// implicit TLS on `tls_port`, otherwise `port`; cleartext logins allowed only without TLS.
pub(crate) fn connect(
    port: u16,
    tls_port: u16,
    ca: &std::path::Path,
    tls: pop3_std::client::Tls,
) -> pop3_std::client::Client {
    use pop3_std::client::{Connect, Tls};
    let port = if tls == Tls::Implicit { tls_port } else { port };
    Connect::new("localhost")
        .tls(tls)
        .port(port)
        .trust(pop3_std::tls::Trust::CaFile(ca.to_path_buf()))
        .allow_cleartext_auth(tls == Tls::None)
        .timeout(std::time::Duration::from_secs(30))
        .connect()
        .unwrap_or_else(|e| panic!("connect {tls:?} to port {port}: {e}"))
}
