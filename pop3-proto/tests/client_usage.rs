//! Misuse of the client API: every refused call says why and changes nothing.

mod common;

use common::client::{Ev, Run, TestClient, cleartext};
use pop3_proto::Instant;
use pop3_proto::client::{
    self, Client, CommandKind, Event, Security, Session, State, Transport, UsageError,
};
use pop3_proto::codec::{EncodeError, Field, Mechanism};
use pop3_proto::sasl::Credentials;

fn greeted(greeting: &[u8]) -> Run<'static> {
    let mut run = Run::new(
        cleartext(),
        Transport::Plain,
        Box::new(|_: &mut TestClient, _: &Ev| {}),
    );
    run.feed(greeting, usize::MAX);
    run
}

#[test]
fn commands_before_the_greeting_and_in_the_wrong_state_are_refused() {
    let mut client: TestClient =
        Client::new(cleartext(), Transport::Plain, Instant::from_millis(0));
    assert_eq!(
        client.capa().unwrap_err(),
        UsageError::WrongState {
            command: CommandKind::Capa,
            state: State::Greeting
        }
    );
    let mut run = greeted(b"+OK\r\n");
    for (call, command) in [
        (
            Session::stat as fn(&mut Session<1024, 64>) -> _,
            CommandKind::Stat,
        ),
        (Session::noop, CommandKind::Noop),
        (Session::rset, CommandKind::Rset),
    ] {
        assert_eq!(
            call(&mut run.client).unwrap_err(),
            UsageError::WrongState {
                command,
                state: State::Authorization
            }
        );
    }
    assert_eq!(
        run.client.retr(1).unwrap_err(),
        UsageError::WrongState {
            command: CommandKind::Retr,
            state: State::Authorization
        }
    );
    assert_eq!(
        run.client.pass(b"x").unwrap_err(),
        UsageError::PassWithoutUser
    );
    run.pump();
    assert!(run.sent.is_empty(), "nothing refused was sent");
    assert_eq!(run.client.in_flight(), 0);
}

#[test]
fn authorization_commands_are_refused_after_login() {
    let mut run = greeted(b"+OK\r\n");
    run.client.user(b"u").unwrap();
    run.feed(b"+OK\r\n", usize::MAX);
    run.client.pass(b"p").unwrap();
    run.feed(b"+OK\r\n", usize::MAX);
    assert_eq!(run.client.state(), State::Transaction);
    assert_eq!(
        run.client.user(b"u").unwrap_err(),
        UsageError::WrongState {
            command: CommandKind::User,
            state: State::Transaction
        }
    );
    assert_eq!(
        run.client.stls().unwrap_err(),
        UsageError::WrongState {
            command: CommandKind::Stls,
            state: State::Transaction
        }
    );
}

#[test]
fn arguments_that_would_inject_commands_are_refused() {
    let mut run = greeted(b"+OK\r\n");
    assert_eq!(
        run.client.user(b"bob\r\nDELE 1").unwrap_err(),
        UsageError::BadArgument(EncodeError::ForbiddenByte {
            byte: b'\r',
            field: Field::Argument
        })
    );
    assert_eq!(
        run.client.user(b"bob\0").unwrap_err(),
        UsageError::BadArgument(EncodeError::ForbiddenByte {
            byte: 0,
            field: Field::Argument
        })
    );
    run.client.user(b"bob").unwrap();
    run.feed(b"+OK\r\n", usize::MAX);
    assert!(matches!(
        run.client.pass(b"pw\nQUIT").unwrap_err(),
        UsageError::BadArgument(_)
    ));
    run.client.pass(b"pw").unwrap();
    run.feed(b"+OK\r\n", usize::MAX);
    assert_eq!(
        run.client.retr(0).unwrap_err(),
        UsageError::BadArgument(EncodeError::ZeroMessageNumber)
    );
    run.pump();
    assert_eq!(run.sent_lines(), ["USER bob", "PASS pw"]);
}

#[test]
fn nothing_may_follow_a_barrier_until_its_reply() {
    let mut run = greeted(b"+OK\r\n");
    run.client.user(b"u").unwrap();
    assert_eq!(
        run.client.capa().unwrap_err(),
        UsageError::AwaitingReply {
            command: CommandKind::User
        }
    );
    run.feed(b"+OK\r\n", usize::MAX);
    run.client.pass(b"p").unwrap();
    run.feed(b"+OK\r\n", usize::MAX);
    run.client.stat().unwrap();
    run.client.quit().unwrap();
    assert_eq!(
        run.client.stat().unwrap_err(),
        UsageError::AwaitingReply {
            command: CommandKind::Quit
        }
    );
}

#[test]
fn apop_needs_a_msg_id_timestamp() {
    let mut run = greeted(b"+OK ready <no-at-sign>\r\n");
    assert_eq!(
        run.client.apop(b"mrose", b"tanstaaf").unwrap_err(),
        UsageError::NoApopTimestamp
    );
    let mut run = greeted(b"+OK ready\r\n");
    assert_eq!(
        run.client.apop(b"mrose", b"tanstaaf").unwrap_err(),
        UsageError::NoApopTimestamp
    );
}

#[test]
fn utf8_and_lang_only_when_advertised_and_stls_not_twice() {
    let mut run = greeted(b"+OK\r\n");
    assert_eq!(
        run.client.utf8().unwrap_err(),
        UsageError::NotAdvertised {
            command: CommandKind::Utf8
        }
    );
    assert_eq!(
        run.client.lang(None).unwrap_err(),
        UsageError::NotAdvertised {
            command: CommandKind::Lang
        }
    );
    run.client.capa().unwrap();
    run.feed(b"+OK\r\nUTF8\r\nSTLS\r\n.\r\n", usize::MAX);
    run.client.utf8().unwrap();
    run.feed(b"+OK UTF8 enabled\r\n", usize::MAX);
    // RFC 6856 section 2: no STLS after UTF8.
    assert_eq!(run.client.stls().unwrap_err(), UsageError::StlsNotAllowed);

    let mut tls = Run::new(
        cleartext(),
        Transport::Tls,
        Box::new(|_: &mut TestClient, _: &Ev| {}),
    );
    tls.feed(b"+OK\r\n", usize::MAX);
    assert_eq!(
        tls.client.stls().unwrap_err(),
        UsageError::StlsNotAllowed,
        "TLS is already on"
    );
}

#[test]
fn sasl_misuse() {
    let mut run = greeted(b"+OK\r\n");
    let password = Credentials::password(b"u", b"p");
    let token = Credentials::bearer(b"u", b"t");
    assert_eq!(
        run.client.auth(Mechanism::XOAuth2, &password).unwrap_err(),
        UsageError::UnsupportedMechanism
    );
    assert_eq!(
        run.client.auth(Mechanism::Plain, &token).unwrap_err(),
        UsageError::UnsupportedMechanism
    );
    assert_eq!(
        run.client
            .auth(Mechanism::Other(b"GSSAPI"), &password)
            .unwrap_err(),
        UsageError::UnsupportedMechanism
    );
    assert_eq!(
        run.client.sasl_continue(&password).unwrap_err(),
        UsageError::NoChallenge
    );
    run.client.auth(Mechanism::Login, &password).unwrap();
    assert_eq!(
        run.client.sasl_continue(&password).unwrap_err(),
        UsageError::NoChallenge,
        "no challenge yet"
    );
}

#[test]
fn tiny_buffers_and_a_full_queue_are_reported() {
    let config = client::Config::default().with_security(Security::AllowCleartext);
    let mut client: Client<512, 16, 2> =
        Client::new(config, Transport::Plain, Instant::from_millis(0));
    assert_eq!(client.handle_input(Instant::from_millis(1), b"+OK\r\n"), 5);
    assert!(matches!(client.poll_event(), Ok(Some(Event::Greeting(_)))));
    assert_eq!(client.poll_event(), Ok(None));
    assert_eq!(
        client.user(b"a-very-long-user-name").unwrap_err(),
        UsageError::OutputFull { needed: 28 }
    );
    client.capa().unwrap();
    client.capa().unwrap();
    assert_eq!(client.capa().unwrap_err(), UsageError::QueueFull);
    assert_eq!(
        client.poll_transmit(),
        b"CAPA\r\n",
        "one at a time without PIPELINING"
    );
}

/// Acknowledges everything queued as sent: replies are read only after their command went out.
fn sent<const RX: usize, const TX: usize, const Q: usize>(c: &mut Client<RX, TX, Q>) {
    let n = c.poll_transmit().len();
    c.transmitted(n);
}

#[test]
fn input_beyond_the_receive_buffer_is_taken_in_turns_and_never_lost() {
    let config = client::Config::default().with_security(Security::AllowCleartext);
    let mut client: Client<512, 64, 4> =
        Client::new(config, Transport::Plain, Instant::from_millis(0));
    client.handle_input(Instant::from_millis(0), b"+OK\r\n");
    while client.poll_event().unwrap().is_some() {}
    client.user(b"u").unwrap();
    sent(&mut client);
    client.handle_input(Instant::from_millis(0), b"+OK\r\n");
    while client.poll_event().unwrap().is_some() {}
    client.pass(b"p").unwrap();
    sent(&mut client);
    client.handle_input(Instant::from_millis(0), b"+OK\r\n");
    while client.poll_event().unwrap().is_some() {}
    client.retr(1).unwrap();
    sent(&mut client);
    let body: Vec<u8> = (0..6000).map(|i| b"abcdefghij\r\n"[i % 12]).collect();
    let mut wire = b"+OK\r\n".to_vec();
    wire.extend_from_slice(&body);
    wire.extend_from_slice(b".\r\n");
    let mut rest = &wire[..];
    let mut got = Vec::new();
    while !rest.is_empty() {
        let n = client.handle_input(Instant::from_millis(0), rest);
        assert!(n > 0 || client.poll_event().is_ok());
        rest = &rest[n..];
        while let Some(e) = client.poll_event().unwrap() {
            if let Event::Body { data, .. } = e {
                got.extend_from_slice(data);
            }
        }
    }
    assert!(
        got == body,
        "{} octets received, {} sent",
        got.len(),
        body.len()
    );
}

#[test]
fn zero_copy_receive_path() {
    let config = client::Config::default().with_security(Security::AllowCleartext);
    let mut client: TestClient = Client::new(config, Transport::Plain, Instant::from_millis(0));
    let greeting = b"+OK ready <1.2@h>\r\n";
    let buf = client.recv_buffer();
    buf[..greeting.len()].copy_from_slice(greeting);
    client.received(Instant::from_millis(1), greeting.len());
    assert!(matches!(client.poll_event(), Ok(Some(Event::Greeting(g))) if g.timestamp.is_some()));
}

#[test]
fn client_state_is_small() {
    // The default client: 1 KiB in, 1 KiB out, 32 commands in flight; the rest (the queue
    // at 16 octets a command, APOP timestamp, SASL challenge, state) stays under 1.25 KiB. SCRAM keeps its nonce and
    // the server signature to expect: under 128 octets more.
    let scram = if cfg!(feature = "scram") { 128 } else { 0 };
    let size = std::mem::size_of::<Client>();
    assert!(size < 3 * 1024 + 256 + scram, "{size} octets");
    let small = std::mem::size_of::<Client<512, 256, 4>>();
    assert!(small < 1536 + scram, "{small} octets");
}
