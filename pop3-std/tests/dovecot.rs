//! The blocking client against a real Dovecot (Debian's dovecot-pop3d), started privately on
//! loopback ports: plain, STLS and implicit TLS; every login method; every command; every
//! message compared byte for byte with what was stored, as POP3 serves it.

mod support;

use pop3_proto::client::LoginMethod;
use pop3_proto::codec::{Mechanism, RespCodeKind};
use pop3_proto::sasl::Credentials;
use pop3_std::client::{Client, Connect, Error, Fetched, Tls};
use pop3_std::tls::Trust;
use support::check_all;
use support::dovecot::{Dovecot, PASSWORD, USER};
use support::mail::{self, Mail, served};

fn connect(d: &Dovecot, tls: Tls) -> Client {
    support::connect(d.port, d.tls_port, &d.ca, tls)
}

fn logged_in(d: &Dovecot, tls: Tls) -> Client {
    let mut c = connect(d, tls);
    c.login(USER, PASSWORD)
        .unwrap_or_else(|e| panic!("login: {e}\n{}", d.log()));
    c
}

#[test]
fn every_message_byte_for_byte_over_plain_stls_and_implicit_tls() {
    let mail = mail::mailbox(50 * 1024 * 1024);
    let Some(d) = Dovecot::start("bytes", &mail) else {
        return;
    };
    for tls in [Tls::None, Tls::StartTls, Tls::Implicit] {
        let mut c = logged_in(&d, tls);
        assert_eq!(c.is_tls(), tls != Tls::None, "{tls:?}");
        let (count, octets) = c.stat().unwrap();
        assert_eq!(count as usize, mail.len());
        let total: usize = mail.iter().map(|m| served(&m.stored).len()).sum();
        assert_eq!(octets, total as u64, "STAT octets over {tls:?}");
        check_all(&mut c, &mail);
        assert!(c.quit().unwrap(), "QUIT after login enters UPDATE");
    }
    assert_eq!(d.stored(), mail.len(), "nothing was deleted");
}

#[test]
fn every_login_method() {
    let mail = mail::mailbox(0);
    let Some(d) = Dovecot::start("login", &mail) else {
        return;
    };
    let creds = Credentials::password(USER.as_bytes(), PASSWORD.as_bytes());
    let methods = [
        LoginMethod::UserPass,
        LoginMethod::Apop,
        LoginMethod::Sasl(Mechanism::Plain),
        LoginMethod::Sasl(Mechanism::Login),
        LoginMethod::Sasl(Mechanism::CramMd5),
        LoginMethod::Sasl(Mechanism::ScramSha256),
    ];
    for method in methods {
        for tls in [Tls::None, Tls::StartTls] {
            let mut c = connect(&d, tls);
            c.login_by(method, &creds)
                .unwrap_or_else(|e| panic!("{method:?} over {tls:?}: {e}\n{}", d.log()));
            assert_eq!(c.stat().unwrap().0 as usize, mail.len());
            c.quit().unwrap();
        }
    }
}

#[test]
fn a_wrong_password_is_an_auth_error_with_its_code() {
    let Some(d) = Dovecot::start("badpass", &mail::mailbox(0)) else {
        return;
    };
    for method in [
        LoginMethod::UserPass,
        LoginMethod::Sasl(Mechanism::Plain),
        LoginMethod::Apop,
        LoginMethod::Sasl(Mechanism::ScramSha256),
    ] {
        let mut c = connect(&d, Tls::StartTls);
        let creds = Credentials::password(USER.as_bytes(), b"wrong");
        match c.login_by(method, &creds) {
            Err(Error::Auth(r)) => {
                assert_eq!(r.len(), 1, "one method asked for, one tried: {r:?}");
                assert_eq!(r[0].kind, Some(RespCodeKind::Auth), "{method:?}: {}", r[0]);
            }
            other => panic!("{method:?}: expected an auth error, got {other:?}"),
        }
    }
}

#[test]
fn every_command() {
    let mail = mail::mailbox(0);
    let Some(d) = Dovecot::start("commands", &mail) else {
        return;
    };
    let mut c = logged_in(&d, Tls::StartTls);
    let caps = c.capabilities();
    assert!(caps.top() && caps.uidl() && caps.pipelining() && caps.resp_codes());
    c.noop().unwrap();
    let uids = c.uidl().unwrap();
    assert_eq!(uids.len(), mail.len());
    let mut distinct: Vec<_> = uids.iter().map(|(_, u)| u.clone()).collect();
    distinct.sort();
    distinct.dedup();
    assert_eq!(distinct.len(), mail.len(), "unique-ids are unique");
    assert_eq!(c.uidl_one(2).unwrap(), uids[1].1);
    let third = served(&mail[2].stored);
    assert_eq!(c.list_one(3).unwrap(), third.len() as u64);
    // TOP n 0: the header and the blank line after it (RFC 1939 section 7).
    let head_end = third.windows(4).position(|w| w == b"\r\n\r\n").unwrap() + 4;
    assert_eq!(c.top(3, 0).unwrap(), &third[..head_end]);
    let first = served(&mail[0].stored);
    let two_lines = first[head_end..]
        .split_inclusive(|&b| b == b'\n')
        .take(2)
        .count();
    assert_eq!(two_lines, 2);
    let top2 = c.top(1, 2).unwrap();
    assert_eq!(top2, &first[..top2.len()]);
    assert!(
        top2.ends_with(b"..two dots\r\n"),
        "two body lines, unstuffed"
    );
    match c.list_one(99) {
        Err(Error::Refused(r)) => assert!(!r.text.is_empty()),
        other => panic!("LIST 99: {other:?}"),
    }
    c.dele(1).unwrap();
    match c.retr(1, &mut Vec::new()) {
        Err(Error::Refused(_)) => {}
        other => panic!("RETR of a deleted message: {other:?}"),
    }
    assert_eq!(c.stat().unwrap().0 as usize, mail.len() - 1);
    c.rset().unwrap();
    assert_eq!(c.stat().unwrap().0 as usize, mail.len());
    assert!(c.quit().unwrap());
    assert_eq!(d.stored(), mail.len(), "RSET undid the DELE");
}

#[test]
fn deletion_only_after_quit() {
    let mail = mail::mailbox(0);
    let Some(d) = Dovecot::start("delete", &mail) else {
        return;
    };
    // DELE then a dropped connection: nothing is removed.
    let mut c = logged_in(&d, Tls::StartTls);
    c.dele(1).unwrap();
    c.dele(2).unwrap();
    drop(c);
    let mut c = logged_in(&d, Tls::StartTls);
    assert_eq!(c.stat().unwrap().0 as usize, mail.len());
    // DELE then QUIT: exactly the marked messages go.
    c.dele(2).unwrap();
    c.dele(4).unwrap();
    assert!(c.quit().unwrap());
    let mut c = logged_in(&d, Tls::StartTls);
    let kept: Vec<Mail> = mail
        .into_iter()
        .enumerate()
        .filter(|(i, _)| *i != 1 && *i != 3)
        .map(|(_, m)| m)
        .collect();
    check_all(&mut c, &kept);
    c.quit().unwrap();
}

#[test]
fn pipelined_fetch_of_the_whole_mailbox() {
    let mut mail = mail::mailbox(0);
    mail.extend(mail::bulk(100, 10 * 1024));
    let Some(d) = Dovecot::start("pipeline", &mail) else {
        return;
    };
    let mut c = logged_in(&d, Tls::Implicit);
    assert!(c.capabilities().pipelining());
    let msgs: Vec<u32> = (1..=mail.len() as u32).collect();
    let mut got: Vec<Vec<u8>> = vec![Vec::new(); mail.len()];
    let mut ended = Vec::new();
    c.fetch(&msgs, |piece| {
        match piece {
            Fetched::Data { msg, data } => got[msg as usize - 1].extend_from_slice(data),
            Fetched::End { msg } => ended.push(msg),
            Fetched::Refused { msg, refusal } => panic!("message {msg} refused: {refusal}"),
        }
        Ok(())
    })
    .unwrap();
    assert_eq!(ended, msgs, "every message ended, in order");
    for (g, m) in got.iter().zip(&mail) {
        assert!(*g == served(&m.stored), "{} differs", m.name);
    }
    c.quit().unwrap();
}

#[test]
fn tls_is_refused_without_trust_and_cleartext_login_without_consent() {
    let Some(d) = Dovecot::start("trust", &mail::mailbox(0)) else {
        return;
    };
    let untrusted = Connect::new("localhost")
        .tls(Tls::Implicit)
        .port(d.tls_port)
        .connect();
    assert!(
        matches!(untrusted, Err(Error::Untrusted(_))),
        "{:?}",
        untrusted.err()
    );
    let wrong_name = Connect::new("127.0.0.2")
        .tls(Tls::Implicit)
        .port(d.tls_port)
        .trust(Trust::CaFile(d.ca.clone()))
        .connect();
    assert!(
        wrong_name.is_err(),
        "the certificate does not name 127.0.0.2"
    );
    let mut plain = Connect::new("localhost")
        .tls(Tls::None)
        .port(d.port)
        .trust(Trust::CaFile(d.ca.clone()))
        .connect()
        .unwrap();
    assert!(matches!(plain.login(USER, PASSWORD), Err(Error::Usage(_))));
}
