//! Pipelining (RFC 2449 section 6.6): USER and PASS as one batch where the server offers
//! PIPELINING, lock-step without it or when the configuration turns it off, and the
//! replies to a batch matched in order, a refused USER included.

use pop3_proto::Instant;
use pop3_proto::client::{
    self, Client, CommandKind, Event, LoginMethod, Security, State, Transport, UsageError,
};
use pop3_proto::sasl::Credentials;

type C = Client<1024, 512, 8>;

/// A session after the greeting and a CAPA answered with `caps`.
fn session(config: client::Config, caps: &str) -> C {
    let now = Instant::from_millis(0);
    let mut c: C = Client::new(config, Transport::Plain, now);
    c.handle_input(now, b"+OK ready\r\n");
    while c.poll_event().unwrap().is_some() {}
    c.capa().unwrap();
    sent(&mut c);
    c.handle_input(now, format!("+OK\r\n{caps}.\r\n").as_bytes());
    while c.poll_event().unwrap().is_some() {}
    c
}

fn cleartext() -> client::Config {
    client::Config::default().with_security(Security::AllowCleartext)
}

/// What is on the wire now, acknowledged as sent.
fn sent(c: &mut C) -> String {
    let out = String::from_utf8_lossy(c.poll_transmit()).into_owned();
    let n = c.poll_transmit().len();
    c.transmitted(n);
    out
}

/// Feeds `input` and lets the login react to every event, as the drive loops do; the
/// commands and statuses of the replies seen.
fn answer(c: &mut C, input: &str, creds: &Credentials<'_>) -> Vec<(CommandKind, bool)> {
    c.handle_input(Instant::from_millis(1), input.as_bytes());
    let mut seen = Vec::new();
    while let Some((event, session)) = c.poll_event_split().unwrap() {
        if let Event::Reply { command, line, .. } = &event {
            seen.push((*command, line.is_ok()));
        }
        LoginMethod::UserPass
            .on_event(&event, session, creds)
            .unwrap();
    }
    seen
}

#[test]
fn user_and_pass_go_as_one_batch_where_the_server_pipelines() {
    let creds = Credentials::password(b"alice", b"pencil");
    let mut c = session(cleartext(), "PIPELINING\r\nUSER\r\n");
    LoginMethod::UserPass.start(&mut c, &creds).unwrap();
    assert_eq!(
        sent(&mut c),
        "USER alice\r\nPASS pencil\r\n",
        "one round trip"
    );
    let seen = answer(&mut c, "+OK\r\n+OK logged in\r\n", &creds);
    assert_eq!(seen, [(CommandKind::User, true), (CommandKind::Pass, true)]);
    assert_eq!(sent(&mut c), "", "no second PASS after the USER's +OK");
    assert_eq!(c.state(), State::Transaction);
}

#[test]
fn without_pipelining_pass_waits_for_the_users_reply() {
    let creds = Credentials::password(b"alice", b"pencil");
    for (config, caps) in [
        (cleartext(), "USER\r\n"),
        // Offered, but turned off: lock-step all the same.
        (cleartext().with_pipelining(false), "PIPELINING\r\nUSER\r\n"),
    ] {
        let mut c = session(config, caps);
        LoginMethod::UserPass.start(&mut c, &creds).unwrap();
        assert_eq!(sent(&mut c), "USER alice\r\n");
        assert_eq!(
            answer(&mut c, "+OK\r\n", &creds),
            [(CommandKind::User, true)]
        );
        assert_eq!(sent(&mut c), "PASS pencil\r\n");
        answer(&mut c, "+OK\r\n", &creds);
        assert_eq!(c.state(), State::Transaction);
        c.retr(1).unwrap();
        c.retr(2).unwrap();
        assert_eq!(
            sent(&mut c),
            "RETR 1\r\n",
            "{caps:?}: one command at a time"
        );
    }
}

#[test]
fn a_refused_user_ends_the_batch_and_both_replies_are_matched_in_order() {
    let creds = Credentials::password(b"nobody", b"pencil");
    let mut c = session(cleartext(), "PIPELINING\r\nUSER\r\n");
    LoginMethod::UserPass.start(&mut c, &creds).unwrap();
    assert_eq!(sent(&mut c), "USER nobody\r\nPASS pencil\r\n");
    let seen = answer(
        &mut c,
        "-ERR no such user\r\n-ERR [AUTH] no USER\r\n",
        &creds,
    );
    assert_eq!(
        seen,
        [(CommandKind::User, false), (CommandKind::Pass, false)]
    );
    assert_eq!(c.state(), State::Authorization);
    assert_eq!(c.in_flight(), 0, "both replies consumed");
    // The session is usable for another try, and a reply in advance is not taken for it.
    LoginMethod::UserPass
        .start(&mut c, &Credentials::password(b"alice", b"pencil"))
        .unwrap();
    assert_eq!(sent(&mut c), "USER alice\r\nPASS pencil\r\n");
}

#[test]
fn pass_rides_only_behind_a_user() {
    let mut c = session(cleartext(), "PIPELINING\r\nUSER\r\n");
    assert_eq!(c.pass(b"pencil").unwrap_err(), UsageError::PassWithoutUser);
    c.capa().unwrap();
    assert_eq!(c.pass(b"pencil").unwrap_err(), UsageError::PassWithoutUser);
    // Behind CAPA, a USER and its PASS; behind the PASS nothing more until its reply.
    c.user(b"alice").unwrap();
    c.pass(b"pencil").unwrap();
    for refused in [c.pass(b"again").unwrap_err(), c.capa().unwrap_err()] {
        assert_eq!(
            refused,
            UsageError::AwaitingReply {
                command: CommandKind::Pass
            }
        );
    }
    assert_eq!(sent(&mut c), "CAPA\r\nUSER alice\r\nPASS pencil\r\n");
}
