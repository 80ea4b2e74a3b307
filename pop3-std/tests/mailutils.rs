//! The std client against GNU Mailutils' pop3d, started privately on a loopback port: a
//! server that puts a timestamp in every greeting but refuses APOP with `[AUTH]` to users
//! without an APOP secret (RFC 1939 section 7: a timestamp says the server implements
//! APOP, not that this user can use it).

mod support;

use pop3_proto::client::{CommandKind, LoginMethod};
use pop3_proto::codec::RespCodeKind;
use pop3_proto::sasl::Credentials;
use pop3_std::client::{Connect, Error, Tls};
use pop3_std::tls::Trust;
use support::mailutils::{Mailutils, PASSWORD, USER};

const MBOX: &str = "From sender@example.org Thu Dec  3 08:00:00 2026\n\
Subject: from mailutils\n\
\n\
the body\n\
\n";

fn connect(s: &Mailutils, tls: Tls) -> pop3_std::client::Client {
    Connect::new("localhost")
        .port(s.port)
        .tls(tls)
        .trust(Trust::CaFile(s.ca.clone()))
        .allow_cleartext_auth(tls == Tls::None)
        .connect()
        .unwrap_or_else(|e| panic!("connect: {e}\n{}", s.log()))
}

/// Issue: with a timestamp in the greeting the client chose APOP, Mailutils refused it,
/// and the CLI gave up although USER/PASS over TLS would work. Now APOP is tried, refused,
/// and USER/PASS follows over STLS; the mailbox is then read for real.
#[test]
fn a_refused_apop_falls_back_to_user_pass_over_stls() {
    let Some(s) = Mailutils::start("fallback", MBOX) else {
        return;
    };
    let mut c = connect(&s, Tls::StartTls);
    assert!(c.is_tls());
    assert!(c.capabilities().user(), "{:?}", c.capabilities());
    let creds = Credentials::password(USER.as_bytes(), PASSWORD.as_bytes());
    let method = c
        .login_with(&creds)
        .unwrap_or_else(|e| panic!("{e}\n{}", s.log()));
    assert_eq!(method, LoginMethod::UserPass);
    let list = c.list().unwrap();
    assert_eq!(list.len(), 1, "{list:?}");
    let mut body = Vec::new();
    c.retr(1, &mut body).unwrap();
    let body = String::from_utf8_lossy(&body);
    assert!(
        body.contains("Subject: from mailutils") && body.contains("the body"),
        "{body}"
    );
    assert!(c.quit().unwrap());
    assert!(
        s.log().contains("APOP"),
        "the log shows the refused APOP:\n{}",
        s.log()
    );
}

/// Without TLS a refused APOP is the end: a forged refusal must not draw the password out
/// in cleartext. The error names the refusal.
#[test]
fn without_tls_a_refused_apop_is_not_followed_by_the_password() {
    let Some(s) = Mailutils::start("no-fallback", MBOX) else {
        return;
    };
    let mut c = connect(&s, Tls::None);
    match c.login(USER, PASSWORD) {
        Err(Error::Auth(refusals)) => {
            assert_eq!(refusals.len(), 1, "{refusals:?}");
            assert_eq!(refusals[0].command, CommandKind::Apop);
            assert_eq!(refusals[0].kind, Some(RespCodeKind::Auth));
        }
        other => panic!("{other:?}"),
    }
    // Asked for by name, USER/PASS works (the user's explicit choice).
    c.login_by(
        LoginMethod::UserPass,
        &Credentials::password(USER.as_bytes(), PASSWORD.as_bytes()),
    )
    .unwrap();
    assert_eq!(c.stat().unwrap().0, 1);
}
