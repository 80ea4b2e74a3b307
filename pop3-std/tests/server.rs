//! Our client against our server (pop3-std both ends, over real sockets): every transport,
//! every login method, every command, UPDATE semantics, the maildrop lock, limits, and a
//! shutdown that removes nothing.

mod support;

use std::time::Duration;

use pop3_proto::client::LoginMethod;
use pop3_proto::codec::{Mechanism, RespCodeKind};
use pop3_proto::sasl::Credentials;
use pop3_std::client::{Client, Connect, Error, Tls};
use support::check_all;
use support::dovecot::{PASSWORD, USER};
use support::mail::{self, served};
use support::ours::Ours;

fn connect(s: &Ours, tls: Tls) -> Client {
    support::connect(s.port, s.tls_port, &s.ca, tls)
}

fn logged_in(s: &Ours, tls: Tls) -> Client {
    let mut c = connect(s, tls);
    c.login(USER, PASSWORD).expect("login");
    c
}

#[test]
fn every_message_byte_for_byte_over_plain_stls_and_implicit_tls() {
    let mail = mail::mailbox(8 * 1024 * 1024);
    let s = Ours::start("bytes", &mail, |st| st.allow_cleartext = true);
    for tls in [Tls::None, Tls::StartTls, Tls::Implicit] {
        let mut c = logged_in(&s, tls);
        let (count, octets) = c.stat().unwrap();
        assert_eq!(count as usize, mail.len());
        let total: usize = mail.iter().map(|m| served(&m.stored).len()).sum();
        assert_eq!(octets, total as u64);
        check_all(&mut c, &mail);
        assert!(c.quit().unwrap());
    }
    assert_eq!(s.stored(), mail.len());
}

#[test]
fn every_login_method_and_the_automatic_choice() {
    let mail = mail::mailbox(0);
    let s = Ours::start("login", &mail, |_| {});
    let creds = Credentials::password(USER.as_bytes(), PASSWORD.as_bytes());
    for method in [
        LoginMethod::UserPass,
        LoginMethod::Apop,
        LoginMethod::Sasl(Mechanism::Plain),
        LoginMethod::Sasl(Mechanism::Login),
        LoginMethod::Sasl(Mechanism::CramMd5),
    ] {
        let mut c = connect(&s, Tls::StartTls);
        c.login_by(method, &creds)
            .unwrap_or_else(|e| panic!("{method:?}: {e}"));
        assert_eq!(c.stat().unwrap().0 as usize, mail.len());
        c.quit().unwrap();
    }
    let mut c = connect(&s, Tls::StartTls);
    assert!(c.capabilities().sasl_mechanism(Mechanism::CramMd5));
    c.login(USER, PASSWORD).unwrap();
    c.quit().unwrap();
}

#[test]
fn cleartext_passwords_are_not_taken_without_tls_unless_allowed() {
    let s = Ours::start("cleartext", &mail::mailbox(0), |_| {});
    let creds = Credentials::password(USER.as_bytes(), PASSWORD.as_bytes());
    let mut c = connect(&s, Tls::None);
    // Our client would send it (cleartext allowed on its side); the server refuses.
    assert!(
        !c.capabilities().user(),
        "USER is not advertised without TLS"
    );
    // Asked for by name, a method the server does not offer is refused at the call.
    match c.login_by(LoginMethod::UserPass, &creds) {
        Err(Error::NotOffered(LoginMethod::UserPass)) => {}
        other => panic!("USER/PASS without TLS: {other:?}"),
    }
    // Challenge-response methods never send the password: still offered.
    let mut c = connect(&s, Tls::None);
    c.login_by(LoginMethod::Apop, &creds).unwrap();
}

#[test]
fn wrong_password_and_a_locked_maildrop_carry_their_codes() {
    let s = Ours::start("codes", &mail::mailbox(0), |_| {});
    let mut c = connect(&s, Tls::StartTls);
    match c.login(USER, "wrong") {
        Err(Error::Auth(r)) => {
            let last = r.last().expect("a refusal");
            assert_eq!(last.kind, Some(RespCodeKind::Auth), "{last}");
        }
        other => panic!("{other:?}"),
    }
    let first = logged_in(&s, Tls::StartTls);
    let mut second = connect(&s, Tls::StartTls);
    match second.login(USER, PASSWORD) {
        Err(Error::Auth(r)) => {
            // A locked maildrop is no reason to try another method.
            assert_eq!(r.len(), 1, "{r:?}");
            assert_eq!(r[0].kind, Some(RespCodeKind::InUse), "{}", r[0]);
        }
        other => panic!("{other:?}"),
    }
    drop(first);
    // The lock goes with the session.
    std::thread::sleep(Duration::from_millis(300));
    let mut third = connect(&s, Tls::StartTls);
    third.login(USER, PASSWORD).unwrap();
}

#[test]
fn every_command_and_deletion_only_after_quit() {
    let mail = mail::mailbox(0);
    let s = Ours::start("commands", &mail, |_| {});
    let mut c = logged_in(&s, Tls::Implicit);
    let caps = c.capabilities();
    assert!(caps.top() && caps.uidl() && caps.pipelining() && caps.resp_codes());
    c.noop().unwrap();
    let uids = c.uidl().unwrap();
    assert_eq!(uids.len(), mail.len());
    assert_eq!(c.uidl_one(3).unwrap(), uids[2].1);
    let third = served(&mail[2].stored);
    assert_eq!(c.list_one(3).unwrap(), third.len() as u64);
    let head_end = third.windows(4).position(|w| w == b"\r\n\r\n").unwrap() + 4;
    assert_eq!(c.top(3, 0).unwrap(), &third[..head_end]);
    let first = served(&mail[0].stored);
    let top2 = c.top(1, 2).unwrap();
    assert_eq!(top2, &first[..top2.len()]);
    assert!(top2.ends_with(b"..two dots\r\n"));
    c.dele(1).unwrap();
    c.dele(2).unwrap();
    assert!(matches!(c.retr(1, &mut Vec::new()), Err(Error::Refused(_))));
    drop(c);
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(
        s.stored(),
        mail.len(),
        "a session without QUIT removes nothing"
    );

    let mut c = logged_in(&s, Tls::Implicit);
    let uids_again = c.uidl().unwrap();
    assert_eq!(uids_again, uids, "unique-ids are stable across sessions");
    c.dele(2).unwrap();
    c.dele(5).unwrap();
    c.rset().unwrap();
    c.dele(4).unwrap();
    assert!(c.quit().unwrap());
    assert_eq!(
        s.stored(),
        mail.len() - 1,
        "exactly the one marked after RSET"
    );
    let mut c = logged_in(&s, Tls::Implicit);
    let kept: Vec<_> = mail
        .into_iter()
        .enumerate()
        .filter(|(i, _)| *i != 3)
        .map(|(_, m)| m)
        .collect();
    check_all(&mut c, &kept);
}

#[test]
fn connections_over_the_limit_are_refused_and_many_sessions_run_at_once() {
    let mail = mail::bulk(20, 2000);
    let s = Ours::start("limit", &mail, |st| {
        st.max_connections = 50;
        st.allow_cleartext = true;
    });
    // 50 sessions at once, each reading the whole (shared, so read-only) listing.
    let mut held = Vec::new();
    for _ in 0..50 {
        held.push(connect(&s, Tls::None));
    }
    assert_eq!(s.active(), 50);
    let refused = Connect::new("127.0.0.1")
        .tls(Tls::None)
        .port(s.port)
        .connect();
    assert!(refused.is_err(), "the 51st connection is refused");
    for c in &mut held {
        c.capa().unwrap();
    }
    drop(held);
}

#[test]
fn shutdown_closes_sessions_without_update() {
    let mail = mail::mailbox(0);
    let mut s = Ours::start("shutdown", &mail, |_| {});
    let mut c = logged_in(&s, Tls::StartTls);
    c.dele(1).unwrap();
    s.shutdown();
    assert_eq!(s.active(), 0, "shutdown waits for the sessions");
    assert_eq!(s.stored(), mail.len(), "the DELE was not applied");
    assert!(c.noop().is_err(), "the session is gone");
}
