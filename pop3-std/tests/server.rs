//! Our client against our server (pop3-std both ends, over real sockets): every transport,
//! every login method, every command, UPDATE semantics, the maildrop lock, limits, and a
//! shutdown that removes nothing.

mod support;

use std::net::TcpStream;
use std::time::Duration;

use pop3_proto::client::LoginMethod;
use pop3_proto::codec::{Mechanism, RespCodeKind};
use pop3_proto::sasl::Credentials;
use pop3_std::client::{Client, Error, Tls};
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
        LoginMethod::Sasl(Mechanism::ScramSha256),
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

/// RFC 7677 over plain TCP: with the secret stored as SCRAM keys (as Dovecot stores them)
/// nothing else can log in without TLS, and the automatic choice finds SCRAM-SHA-256.
#[test]
fn scram_keys_stored_as_dovecot_stores_them_log_in_without_tls() {
    let mail = mail::mailbox(0);
    let s = Ours::start_scram("scram", &mail, |_| {});
    let mut c = connect(&s, Tls::None);
    let caps = c.capabilities();
    assert!(caps.sasl_mechanism(Mechanism::ScramSha256));
    for other in [Mechanism::Plain, Mechanism::Login, Mechanism::CramMd5] {
        assert!(!caps.sasl_mechanism(other), "{other:?} cannot work here");
    }
    assert!(
        !c.greeting().contains('<'),
        "no APOP without the plaintext secret"
    );
    let creds = Credentials::password(USER.as_bytes(), PASSWORD.as_bytes());
    assert_eq!(
        c.login_with(&creds).unwrap(),
        LoginMethod::Sasl(Mechanism::ScramSha256)
    );
    assert_eq!(c.stat().unwrap().0 as usize, mail.len());
    c.quit().unwrap();
    let mut c = connect(&s, Tls::None);
    match c.login(USER, "wrong") {
        Err(Error::Auth(r)) => {
            assert_eq!(
                r.last().map(|r| r.kind),
                Some(Some(RespCodeKind::Auth)),
                "{r:?}"
            )
        }
        other => panic!("{other:?}"),
    }
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
fn when_every_slot_holds_a_logged_in_session_a_connection_is_refused() {
    let mail = mail::bulk(20, 2000);
    let s = Ours::start_with_users("limit", &mail, 50, |st| {
        st.max_connections = 50;
        st.allow_cleartext = true;
    });
    // 50 users logged in at once.
    let mut held = Vec::new();
    for i in 0..50 {
        let mut c = connect(&s, Tls::None);
        c.login(&format!("user{i}"), &format!("pw{i}"))
            .unwrap_or_else(|e| panic!("user{i}: {e}"));
        held.push(c);
    }
    assert_eq!(s.active(), 50);
    // A logged-in session is never evicted: the 51st connection is refused.
    let mut tcp = TcpStream::connect(("127.0.0.1", s.port)).unwrap();
    assert_eq!(
        first_line(&mut tcp),
        "-ERR [SYS/TEMP] Too many connections, try again later"
    );
    for c in &mut held {
        c.stat().unwrap();
    }
    drop(held);
}

/// A connection from `ip` (any 127.x address is this machine) to `port`.
fn connect_from(ip: [u8; 4], port: u16) -> TcpStream {
    use socket2::{Domain, Socket, Type};
    let socket = Socket::new(Domain::IPV4, Type::STREAM, None).unwrap();
    socket
        .bind(&std::net::SocketAddr::from((ip, 0)).into())
        .unwrap();
    socket
        .connect(&std::net::SocketAddr::from(([127, 0, 0, 1], port)).into())
        .unwrap();
    socket.into()
}

fn first_line(tcp: &mut TcpStream) -> String {
    tcp.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let mut line = String::new();
    std::io::BufRead::read_line(&mut std::io::BufReader::new(tcp), &mut line).unwrap();
    line.trim_end().to_owned()
}

/// Issue: 100 held connections (the default limit then) locked every user out, and with
/// dripped octets resetting the timers they held it for ever. When full, the oldest
/// session that has not logged in makes room, and one address may hold only so many.
#[test]
fn a_flood_of_connections_that_never_log_in_does_not_keep_a_user_out() {
    let mail = mail::mailbox(0);
    let s = Ours::start("flood", &mail, |st| {
        st.max_connections = 40;
        st.max_unauthenticated_per_address = 4;
    });
    // 40 dripping clients, 4 per address, hold every slot.
    let mut flood = Vec::new();
    for i in 0..40u8 {
        let mut tcp = connect_from([127, 0, 1, 1 + i / 4], s.port);
        assert!(
            first_line(&mut tcp).starts_with("+OK"),
            "attacker {i} greeted"
        );
        std::io::Write::write_all(&mut tcp, b"U").unwrap();
        flood.push(tcp);
    }
    let started = std::time::Instant::now();
    while s.active() < 40 {
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "{} sessions",
            s.active()
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    // A fifth from one of those addresses is refused outright.
    let mut fifth = connect_from([127, 0, 1, 1], s.port);
    assert_eq!(
        first_line(&mut fifth),
        "-ERR [SYS/TEMP] Too many connections, try again later"
    );
    // A real user still gets in, promptly, and the oldest attacker is told why it goes.
    let started = std::time::Instant::now();
    let mut user = connect(&s, Tls::StartTls);
    user.login(USER, PASSWORD).unwrap();
    assert_eq!(user.stat().unwrap().0, mail.len() as u32);
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(
        first_line(&mut flood[0]),
        "-ERR [SYS/TEMP] Disconnected: the server is full"
    );
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
