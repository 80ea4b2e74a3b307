//! The client against the server, in memory, on simulated time: every login mechanism,
//! every command pipelined and not, UPDATE semantics, autologout, EOF.

mod common;

use common::client::{Ev, React, Run, TestClient};
use common::normalize;
use common::server::{Maildrop, TestServer, serve};
use pop3_proto::Instant;
use pop3_proto::client::{self, CommandKind, Security, State, Transport};
use pop3_proto::codec::Mechanism;
use pop3_proto::sasl::Credentials;
use pop3_proto::server::{self, Server};

const MESSAGES: [(&[u8], &[u8]); 3] = [
    (
        b"uid-1",
        b"From: a\r\nSubject: one\r\n\r\n.dot line\r\n..\r\nend\r\n",
    ),
    (b"uid-2", b"From: b\n\nbare LF body\n.\n"),
    (b"uid-3", b"From: c\r\n\r\nno final newline"),
];

struct Pair<'r> {
    client: Run<'r>,
    server: TestServer,
    drop: Maildrop,
    delivered: usize,
    chunk: usize,
}

fn server_config() -> server::Config<'static> {
    server::Config::named(b"ready", b"pop.example.net")
        .with_cleartext_passwords(true)
        .with_shared_secrets(true)
        .with_oauth(true)
        .with_scram(true)
        .with_stls(true)
}

impl<'r> Pair<'r> {
    fn new(config: client::Config, react: React<'r>, chunk: usize) -> Self {
        let mut drop = Maildrop::new(&MESSAGES);
        drop.tls_marker = false;
        drop.chunk = chunk;
        let server = Server::new(
            server_config(),
            b"4711.1",
            pop3_proto::Transport::Plain,
            Instant::from_millis(0),
        );
        Pair {
            client: Run::new(config, Transport::Plain, react),
            server,
            drop,
            delivered: 0,
            chunk,
        }
    }

    /// Moves bytes both ways until neither side has anything to say.
    fn converse(&mut self) {
        let mut s2c = Vec::new();
        serve(&mut self.server, &mut self.drop, &mut s2c);
        loop {
            self.client.feed(&s2c, self.chunk);
            s2c.clear();
            let c2s = self.client.sent[self.delivered..].to_vec();
            self.delivered = self.client.sent.len();
            for piece in c2s.chunks(self.chunk) {
                let mut rest = piece;
                while !rest.is_empty() {
                    let now = Instant::from_millis(self.client.now);
                    let n = self.server.handle_input(now, rest);
                    rest = &rest[n..];
                    serve(&mut self.server, &mut self.drop, &mut s2c);
                }
            }
            if c2s.is_empty() && s2c.is_empty() {
                return;
            }
        }
    }
}

fn cleartext() -> client::Config {
    client::Config::default().with_security(Security::AllowCleartext)
}

type Login = fn(&mut TestClient, &Credentials<'static>);

/// Logs in with `login` once greeted (answering challenges with `creds`), then runs `then`
/// once in TRANSACTION.
fn session(
    login: Login,
    creds: Credentials<'static>,
    then: fn(&mut TestClient),
    config: client::Config,
    chunk: usize,
) -> Pair<'static> {
    let mut pair = Pair::new(
        config,
        Box::new(move |c: &mut TestClient, e: &Ev| match e {
            Ev::Greeting { .. } => login(c, &creds),
            Ev::Reply {
                command: CommandKind::User,
                ok: true,
                ..
            } => {
                c.pass(b"tanstaaf").unwrap();
            }
            Ev::Challenge { .. } => c.sasl_continue(&creds).unwrap(),
            Ev::Reply {
                command: CommandKind::Pass | CommandKind::Apop | CommandKind::Auth,
                ok: true,
                ..
            } => then(c),
            _ => {}
        }),
        chunk,
    );
    pair.converse();
    pair
}

fn password() -> Credentials<'static> {
    Credentials::password(b"mrose", b"tanstaaf")
}

fn bearer() -> Credentials<'static> {
    Credentials::bearer(b"mrose", b"ya29.good-token")
}

fn user_pass(c: &mut TestClient, _: &Credentials<'static>) {
    c.user(b"mrose").unwrap();
}

#[test]
fn login_by_every_mechanism() {
    let logins: [(&str, Login, Credentials<'static>); 8] = [
        ("USER/PASS", user_pass, password()),
        (
            "APOP",
            |c, _| {
                c.apop(b"mrose", b"tanstaaf").unwrap();
            },
            password(),
        ),
        (
            "PLAIN",
            |c, creds| {
                c.auth(Mechanism::Plain, creds).unwrap();
            },
            password(),
        ),
        (
            "LOGIN",
            |c, creds| {
                c.auth(Mechanism::Login, creds).unwrap();
            },
            password(),
        ),
        (
            "CRAM-MD5",
            |c, creds| {
                c.auth(Mechanism::CramMd5, creds).unwrap();
            },
            password(),
        ),
        (
            "XOAUTH2",
            |c, creds| {
                c.auth(Mechanism::XOAuth2, creds).unwrap();
            },
            bearer(),
        ),
        (
            "OAUTHBEARER",
            |c, creds| {
                c.auth(Mechanism::OAuthBearer, creds).unwrap();
            },
            bearer(),
        ),
        (
            "SCRAM-SHA-256",
            |c, creds| {
                c.auth(Mechanism::ScramSha256, creds).unwrap();
            },
            password().with_nonce(b"fyko+d2lbbFgONRv9qkxdawL"),
        ),
    ];
    for (name, login, creds) in logins {
        for chunk in [1, 5, 4096] {
            let pair = session(
                login,
                creds,
                |c| {
                    c.quit().unwrap();
                },
                cleartext(),
                chunk,
            );
            assert_eq!(
                pair.client.client.state(),
                State::Closed,
                "{name}, chunks of {chunk}: {:?}",
                pair.client.events
            );
            assert_eq!(pair.drop.closed, Some(true), "{name}");
            assert!(
                pair.drop
                    .log
                    .iter()
                    .any(|l| l.starts_with("Auth { ok: true")),
                "{name}: {:?}",
                pair.drop.log
            );
        }
    }
}

#[test]
fn two_step_sasl_without_initial_responses() {
    let config = cleartext().with_sasl_initial_response(false);
    for (mechanism, creds) in [
        (Mechanism::Plain, password()),
        (
            Mechanism::ScramSha256,
            password().with_nonce(b"fyko+d2lbbFgONRv9qkxdawL"),
        ),
        (Mechanism::XOAuth2, bearer()),
        (Mechanism::OAuthBearer, bearer()),
    ] {
        let mut pair = Pair::new(
            config,
            Box::new(move |c: &mut TestClient, e: &Ev| match e {
                Ev::Greeting { .. } => {
                    c.auth(mechanism, &creds).unwrap();
                }
                Ev::Challenge { .. } => c.sasl_continue(&creds).unwrap(),
                _ => {}
            }),
            3,
        );
        pair.converse();
        assert_eq!(
            pair.client.client.state(),
            State::Transaction,
            "{mechanism:?}: {:?}",
            pair.client.events
        );
        assert!(
            pair.client
                .events
                .iter()
                .any(|e| matches!(e, Ev::Challenge { .. })),
            "{mechanism:?}"
        );
    }
}

#[test]
fn wrong_credentials_and_a_locked_maildrop_carry_their_codes() {
    let mut pair = session(
        |c, _| {
            c.apop(b"mrose", b"wrong").unwrap();
        },
        password(),
        |_| {},
        cleartext(),
        4096,
    );
    assert!(matches!(
        pair.client.events.last(),
        Some(Ev::Reply { command: CommandKind::Apop, ok: false, code: Some(code), .. }) if code == b"AUTH"
    ));
    assert_eq!(pair.client.client.state(), State::Authorization);
    pair.drop.locked = true;
    pair.client.client.apop(b"mrose", b"tanstaaf").unwrap();
    pair.converse();
    assert!(matches!(
        pair.client.events.last(),
        Some(Ev::Reply { ok: false, code: Some(code), .. }) if code == b"IN-USE"
    ));
}

fn every_command(c: &mut TestClient) {
    c.stat().unwrap();
    c.list(None).unwrap();
    c.list(Some(2)).unwrap();
    c.uidl(None).unwrap();
    c.uidl(Some(3)).unwrap();
    c.top(1, 0).unwrap();
    c.top(1, 1).unwrap();
    c.retr(1).unwrap();
    c.retr(2).unwrap();
    c.retr(3).unwrap();
    c.dele(1).unwrap();
    c.dele(1).unwrap();
    c.rset().unwrap();
    c.dele(2).unwrap();
    c.stat().unwrap();
    c.list(Some(2)).unwrap();
    c.noop().unwrap();
    c.quit().unwrap();
}

/// The session with every command; with `capa` the client learns PIPELINING first.
fn every_command_session(capa: bool, chunk: usize) -> Pair<'static> {
    let mut pair = Pair::new(
        cleartext(),
        Box::new(move |c: &mut TestClient, e: &Ev| match e {
            Ev::Greeting { .. } if capa => {
                c.capa().unwrap();
            }
            Ev::Greeting { .. } | Ev::End { id: 0 } => {
                c.user(b"mrose").unwrap();
            }
            Ev::Reply {
                command: CommandKind::User,
                ..
            } => {
                c.pass(b"tanstaaf").unwrap();
            }
            Ev::Reply {
                command: CommandKind::Pass,
                ..
            } => every_command(c),
            _ => {}
        }),
        chunk,
    );
    pair.converse();
    pair
}

/// Events from the login on, without command ids (which differ by the CAPA).
fn after_login(events: &[Ev]) -> Vec<Ev> {
    let start = events
        .iter()
        .position(|e| {
            matches!(
                e,
                Ev::Reply {
                    command: CommandKind::Pass,
                    ..
                }
            )
        })
        .expect("logged in");
    events[start..].iter().map(Ev::without_id).collect()
}

#[test]
fn every_command_pipelined_and_not_gives_the_same_events() {
    let piped = every_command_session(true, 4096);
    assert!(
        piped.client.client.capabilities().pipelining(),
        "the server offers PIPELINING"
    );
    let plain = every_command_session(false, 4096);
    assert!(
        !plain.client.client.capabilities().pipelining(),
        "no CAPA, no pipelining"
    );
    assert_eq!(
        after_login(&piped.client.events),
        after_login(&plain.client.events)
    );
    for chunk in [1, 2, 7] {
        assert_eq!(
            every_command_session(true, chunk).client.events,
            piped.client.events,
            "chunks of {chunk}"
        );
    }
    let bodies: Vec<&Vec<u8>> = piped
        .client
        .events
        .iter()
        .filter_map(|e| match e {
            Ev::Body { data, .. } => Some(data),
            _ => None,
        })
        .collect();
    assert_eq!(
        bodies[0], b"From: a\r\nSubject: one\r\n\r\n",
        "TOP 1 0: header and blank line"
    );
    assert_eq!(
        bodies[1], b"From: a\r\nSubject: one\r\n\r\n.dot line\r\n",
        "TOP 1 1"
    );
    for (i, body) in bodies[2..].iter().enumerate() {
        assert_eq!(**body, normalize(MESSAGES[i].1), "RETR {}", i + 1);
    }
    let errors: Vec<&Ev> = piped
        .client
        .events
        .iter()
        .filter(|e| matches!(e, Ev::Reply { ok: false, .. }))
        .collect();
    assert_eq!(
        errors.len(),
        2,
        "DELE of a deleted message and LIST of a deleted one: {errors:?}"
    );
    let live = normalize(MESSAGES[0].1).len() + normalize(MESSAGES[2].1).len();
    assert!(
        piped.client.events.contains(&Ev::Stat {
            id: 17,
            count: 2,
            size: live as u64
        }),
        "STAT leaves out marked messages"
    );
    assert_eq!(
        piped.drop.removed,
        Some(vec![2]),
        "UPDATE removes exactly the marked messages"
    );
    assert_eq!(plain.drop.removed, Some(vec![2]));
    assert_eq!(
        piped.client.events.last(),
        Some(&Ev::Closed { update: true })
    );
}

#[test]
fn eof_without_quit_deletes_nothing() {
    let mut pair = session(
        user_pass,
        password(),
        |c| {
            c.dele(1).unwrap();
            c.dele(2).unwrap();
        },
        cleartext(),
        4096,
    );
    pair.server.handle_eof(Instant::from_millis(99));
    let mut out = Vec::new();
    serve(&mut pair.server, &mut pair.drop, &mut out);
    assert_eq!(pair.drop.removed, None);
    assert_eq!(pair.drop.closed, Some(false));
    assert!(out.is_empty());
}

#[test]
fn autologout_after_ten_idle_minutes_removes_nothing_and_says_nothing() {
    let mut pair = session(
        user_pass,
        password(),
        |c| {
            c.dele(1).unwrap();
        },
        cleartext(),
        4096,
    );
    let deadline = pair
        .server
        .poll_timeout()
        .expect("an autologout timer runs");
    assert!(
        deadline.as_millis() >= 10 * 60 * 1000,
        "RFC 1939: at least 10 minutes"
    );
    pair.server
        .handle_timeout(Instant::from_millis(deadline.as_millis() - 1));
    assert_eq!(pair.server.state(), server::State::Transaction);
    pair.server.handle_timeout(deadline);
    let mut out = Vec::new();
    serve(&mut pair.server, &mut pair.drop, &mut out);
    assert!(out.is_empty(), "no response on autologout");
    assert_eq!(pair.drop.closed, Some(false));
    assert_eq!(pair.drop.removed, None);
    // The client sees the connection close while idle.
    pair.client.eof();
    assert_eq!(
        pair.client.events.last(),
        Some(&Ev::Closed { update: false })
    );
}

#[test]
fn stls_between_our_client_and_our_server() {
    let mut pair = Pair::new(
        client::Config::default(),
        Box::new(|c: &mut TestClient, e: &Ev| match e {
            Ev::Greeting { .. } => {
                c.capa().unwrap();
            }
            Ev::End { .. } if !c.is_tls() => {
                c.stls().unwrap();
            }
            Ev::TlsReady { .. } => {
                c.tls_established().unwrap();
            }
            Ev::End { .. } if c.state() == State::Authorization => {
                c.auth(
                    Mechanism::Plain,
                    &Credentials::password(b"mrose", b"tanstaaf"),
                )
                .unwrap();
            }
            _ => {}
        }),
        4096,
    );
    pair.drop.tls_marker = false;
    pair.converse();
    assert_eq!(
        pair.client.client.state(),
        State::Transaction,
        "{:?}",
        pair.client.events
    );
    assert!(pair.client.client.is_tls());
    assert!(
        !pair.client.client.capabilities().stls(),
        "not offered again inside TLS"
    );
}
