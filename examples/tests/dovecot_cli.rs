//! The `pop3` CLI and the mail checker against a real Dovecot (started privately, as in
//! pop3-std's tests): fetch over TLS with a private CA, keep then fetch nothing, delete
//! mode, bad password; the checker logging in with SCRAM-SHA-256 and deleting nothing.

#[path = "../../pop3-std/tests/support/mod.rs"]
mod support;

use std::process::Command;

use support::dovecot::{Dovecot, PASSWORD, USER};
use support::mail::{self, served};

fn pop3(d: &Dovecot) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_pop3"));
    c.args([
        "--server",
        &format!("pop3s://{USER}@localhost:{}", d.tls_port),
    ])
    .arg("--ca-file")
    .arg(&d.ca)
    .args(["--password-env", "P", "--json"])
    .env("P", PASSWORD);
    c
}

#[test]
fn fetch_keep_delete_and_refusals_against_dovecot() {
    let mail = mail::mailbox(1024 * 1024);
    let Some(d) = Dovecot::start("cli", &mail) else {
        return;
    };
    let local = std::env::temp_dir().join(format!("pop3-cli-dovecot-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&local);

    let out = pop3(&d)
        .args(["fetch", "--keep", "--maildir"])
        .arg(&local)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["fetched"], mail.len());
    let mut got: Vec<Vec<u8>> = std::fs::read_dir(local.join("new"))
        .unwrap()
        .map(|e| std::fs::read(e.unwrap().path()).unwrap())
        .collect();
    let mut want: Vec<Vec<u8>> = mail.iter().map(|m| served(&m.stored)).collect();
    got.sort();
    want.sort();
    assert!(got == want, "every message from Dovecot, byte for byte");
    let log = d.log();
    assert!(
        log.contains("method=SCRAM-SHA-256"),
        "the CLI logs in with the strongest mechanism Dovecot offers:\n{log}"
    );

    let again = pop3(&d)
        .args(["fetch", "--keep", "--maildir"])
        .arg(&local)
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&again.stdout).unwrap();
    assert_eq!(v["fetched"], 0, "{v}");
    assert_eq!(d.stored(), mail.len());

    let bad = pop3(&d).env("P", "wrong").arg("list").output().unwrap();
    assert_eq!(bad.status.code(), Some(5));

    let out = pop3(&d)
        .args(["fetch", "--mbox"])
        .arg(local.join("all.mbox"))
        .output()
        .unwrap();
    assert!(out.status.success());
    assert_eq!(d.stored(), 0, "delete mode empties the maildrop");
    let _ = std::fs::remove_dir_all(&local);
}

#[test]
fn mail_checker_logs_in_with_scram_and_never_deletes() {
    let mail = mail::bulk(3, 2000);
    let Some(d) = Dovecot::start("checker", &mail) else {
        return;
    };
    let out = Command::new(env!("CARGO_BIN_EXE_mail-checker"))
        .args(["--host", "localhost", "--port", &d.tls_port.to_string()])
        .args(["--user", USER, "--password-env", "P"])
        .args(["--every", "0", "--checks", "2"])
        .arg("--ca-file")
        .arg(&d.ca)
        .env("P", PASSWORD)
        .output()
        .unwrap();
    let t = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "{t}");
    assert_eq!(t.matches("new mail #").count(), mail.len(), "{t}");
    assert!(t.contains("no new mail (3 known)"), "{t}");
    // Dovecot names the mechanism of each login: the strongest one it offers.
    let log = d.log();
    assert_eq!(
        log.matches("method=SCRAM-SHA-256").count(),
        2,
        "both checks used SCRAM-SHA-256:\n{log}"
    );
    assert_eq!(d.stored(), mail.len(), "nothing deleted");
}
