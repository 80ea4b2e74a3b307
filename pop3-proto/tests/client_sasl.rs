//! SASL through the client (RFC 5034): every mechanism, initial responses within the
//! 255-octet limit, the two-step form, error challenges, cancellation.

mod common;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use common::client::{Ev, Run, TestClient, cleartext};
use pop3_proto::client::{CommandKind, State, Transport};
use pop3_proto::codec::Mechanism;
use pop3_proto::sasl::Credentials;

fn b64(raw: &[u8]) -> String {
    STANDARD.encode(raw)
}

/// Authenticates with `mechanism`, answering every challenge, against `server`.
fn auth_session(
    mechanism: Mechanism<'static>,
    creds: Credentials<'static>,
    initial_response: bool,
    server: &[u8],
) -> Run<'static> {
    let config = cleartext().with_sasl_initial_response(initial_response);
    let mut run = Run::new(
        config,
        Transport::Plain,
        Box::new(move |c: &mut TestClient, e: &Ev| match e {
            Ev::Greeting { .. } => {
                c.auth(mechanism, &creds).unwrap();
            }
            Ev::Challenge { .. } => c.sasl_continue(&creds).unwrap(),
            _ => {}
        }),
    );
    run.feed(server, usize::MAX);
    run
}

#[test]
fn login_answers_user_then_password() {
    let run = auth_session(
        Mechanism::Login,
        Credentials::password(b"tim", b"tanstaaf"),
        true,
        b"+OK\r\n+ VXNlcm5hbWU6\r\n+ UGFzc3dvcmQ6\r\n+OK welcome\r\n",
    );
    assert_eq!(
        run.sent_lines(),
        ["AUTH LOGIN".to_string(), b64(b"tim"), b64(b"tanstaaf")]
    );
    assert_eq!(run.client.state(), State::Transaction);
}

#[test]
fn rfc2195_cram_md5_example() {
    let run = auth_session(
        Mechanism::CramMd5,
        Credentials::password(b"tim", b"tanstaaftanstaaf"),
        true,
        b"+OK\r\n+ PDE4OTYuNjk3MTcwOTUyQHBvc3RvZmZpY2UucmVzdG9uLm1jaS5uZXQ+\r\n+OK\r\n",
    );
    assert_eq!(
        run.sent_lines(),
        [
            "AUTH CRAM-MD5",
            "dGltIGI5MTNhNjAyYzdlZGE3YTQ5NWI0ZTZlNzMzNGQzODkw"
        ]
    );
    assert_eq!(run.client.state(), State::Transaction);
}

#[test]
fn plain_initial_response_only_when_the_line_fits_255_octets() {
    // "AUTH PLAIN " (11) + base64 + CRLF (2) <= 255: base64 (a multiple of 4) of at most 240
    // octets, which encodes 180 raw octets. Raw = NUL user NUL password.
    let user = vec![b'u'; 10];
    let fits = vec![b'p'; 180 - 12];
    let creds = Credentials::password(
        Box::leak(user.clone().into_boxed_slice()),
        Box::leak(fits.into_boxed_slice()),
    );
    let run = auth_session(Mechanism::Plain, creds, true, b"+OK\r\n+OK\r\n");
    assert_eq!(run.sent_lines().len(), 1);
    assert_eq!(
        run.sent.len(),
        253,
        "the longest AUTH PLAIN line within the limit"
    );

    let over = vec![b'p'; 180 - 11];
    let creds = Credentials::password(
        Box::leak(user.into_boxed_slice()),
        Box::leak(over.clone().into_boxed_slice()),
    );
    let run = auth_session(Mechanism::Plain, creds, true, b"+OK\r\n+ \r\n+OK\r\n");
    let mut raw = b"\0uuuuuuuuuu\0".to_vec();
    raw.extend_from_slice(&over);
    assert_eq!(run.sent_lines(), ["AUTH PLAIN".to_string(), b64(&raw)]);
}

#[test]
fn xoauth2_with_initial_response_and_the_two_step_form() {
    let creds = Credentials::bearer(b"someuser@example.com", b"ya29.token");
    let payload = b64(b"user=someuser@example.com\x01auth=Bearer ya29.token\x01\x01");
    let run = auth_session(Mechanism::XOAuth2, creds, true, b"+OK\r\n+OK\r\n");
    assert_eq!(run.sent_lines(), [format!("AUTH XOAUTH2 {payload}")]);
    // Office 365 wants the token on its own line.
    let run = auth_session(Mechanism::XOAuth2, creds, false, b"+OK\r\n+ \r\n+OK\r\n");
    assert_eq!(run.sent_lines(), ["AUTH XOAUTH2".to_string(), payload]);
    assert_eq!(run.client.state(), State::Transaction);
}

#[test]
fn large_tokens_go_on_a_continuation_line() {
    let token: &'static [u8] = Box::leak(vec![b'T'; 700].into_boxed_slice());
    let creds = Credentials::bearer(b"user@example.com", token);
    let run = auth_session(Mechanism::XOAuth2, creds, true, b"+OK\r\n+\r\n+OK\r\n");
    let lines = run.sent_lines();
    assert_eq!(lines[0], "AUTH XOAUTH2");
    assert!(
        lines[1].len() > 900,
        "the token line is not held to the command limit"
    );
}

#[test]
fn a_token_larger_than_the_output_buffer_is_refused_with_the_size_needed() {
    let token = vec![b'T'; 2000];
    let creds = Credentials::bearer(b"user@example.com", &token);
    let mut run = Run::new(
        cleartext(),
        Transport::Plain,
        Box::new(|_: &mut TestClient, _: &Ev| {}),
    );
    run.feed(b"+OK\r\n", usize::MAX);
    run.client.auth(Mechanism::XOAuth2, &creds).unwrap();
    run.feed(b"+ \r\n", usize::MAX);
    assert_eq!(
        run.client.sasl_continue(&creds).unwrap_err(),
        pop3_proto::client::UsageError::OutputFull { needed: 2718 }
    );
    // Nothing was half-sent; the exchange can still be cancelled.
    run.client.sasl_cancel().unwrap();
    run.pump();
    assert_eq!(run.sent_lines(), ["AUTH XOAUTH2", "*"]);
}

#[test]
fn xoauth2_error_challenge_is_answered_with_an_empty_line() {
    let creds = Credentials::bearer(b"u@example.com", b"expired");
    let error = b64(br#"{"status":"401","schemes":"bearer","scope":"https://mail.google.com/"}"#);
    let server = format!("+OK\r\n+ {error}\r\n-ERR [AUTH] invalid credentials\r\n");
    let run = auth_session(Mechanism::XOAuth2, creds, true, server.as_bytes());
    assert_eq!(run.sent_lines()[1], "");
    assert!(matches!(
        run.events.last(),
        Some(Ev::Reply { command: CommandKind::Auth, ok: false, code: Some(code), .. }) if code == b"AUTH"
    ));
    assert_eq!(run.client.state(), State::Authorization);
}

#[test]
fn rfc7628_oauthbearer_error_challenge_is_answered_with_0x01() {
    let creds = Credentials::bearer(
        b"user@example.com",
        b"vF9dft4qmTc2Nvb3RlckBhbHRhdmlzdGEuY29tCg==",
    );
    let error = b64(br#"{"status":"invalid_token","scope":"example_scope"}"#);
    let server = format!("+OK\r\n+ {error}\r\n-ERR authentication failed\r\n");
    let run = auth_session(Mechanism::OAuthBearer, creds, true, server.as_bytes());
    let lines = run.sent_lines();
    assert_eq!(
        lines[0],
        format!(
            "AUTH OAUTHBEARER {}",
            b64(b"n,a=user@example.com,\x01auth=Bearer vF9dft4qmTc2Nvb3RlckBhbHRhdmlzdGEuY29tCg==\x01\x01")
        )
    );
    assert_eq!(lines[1], "AQ==");
}

#[test]
fn a_mechanism_with_nothing_more_to_say_cancels() {
    // PLAIN has one message; a second challenge gets `*`.
    let run = auth_session(
        Mechanism::Plain,
        Credentials::password(b"u", b"p"),
        true,
        b"+OK\r\n+ bW9yZT8=\r\n-ERR cancelled\r\n",
    );
    assert_eq!(run.sent_lines()[1], "*");
}

#[test]
fn the_application_may_cancel() {
    let config = cleartext();
    let mut run = Run::new(
        config,
        Transport::Plain,
        Box::new(|c: &mut TestClient, e: &Ev| match e {
            Ev::Greeting { .. } => {
                c.auth(Mechanism::Login, &Credentials::password(b"u", b"p"))
                    .unwrap();
            }
            Ev::Challenge { .. } => c.sasl_cancel().unwrap(),
            _ => {}
        }),
    );
    run.feed(
        b"+OK\r\n+ VXNlcm5hbWU6\r\n-ERR AUTH cancelled\r\n",
        usize::MAX,
    );
    assert_eq!(run.sent_lines(), ["AUTH LOGIN", "*"]);
    assert_eq!(run.client.state(), State::Authorization);
    // A new exchange may start.
    assert!(
        run.client
            .auth(Mechanism::Plain, &Credentials::password(b"u", b"p"))
            .is_ok()
    );
}

/// Feeds `server` to a fresh plain-text client that allows cleartext, and returns it.
fn greeted_with(server: &[u8]) -> pop3_proto::client::Client {
    use pop3_proto::Instant;
    use pop3_proto::client::{self, Client, Security};
    let config = client::Config::default().with_security(Security::AllowCleartext);
    let mut c: Client = Client::new(config, Transport::Plain, Instant::from_millis(0));
    c.handle_input(Instant::from_millis(1), server);
    while let Ok(Some(_)) = c.poll_event() {}
    c
}

/// Acknowledges everything queued as sent: replies are read only after their command went out.
fn sent(c: &mut pop3_proto::client::Client) {
    let n = c.poll_transmit().len();
    c.transmitted(n);
}

#[test]
fn preferred_login_is_the_strongest_offered() {
    use pop3_proto::client::LoginMethod;
    let password = Credentials::password(b"mrose", b"tanstaaf");
    let token = Credentials::bearer(b"mrose", b"ya29");
    let apop_greeting = b"+OK ready <1896.697170952@dbc.mtview.ca.us>\r\n";

    // Before CAPA only the greeting speaks: APOP with a valid timestamp, else USER/PASS.
    let c = greeted_with(apop_greeting);
    assert_eq!(c.preferred_login(&password), Some(LoginMethod::Apop));
    let c = greeted_with(b"+OK ready\r\n");
    assert_eq!(c.preferred_login(&password), Some(LoginMethod::UserPass));
    assert_eq!(
        c.preferred_login(&token),
        None,
        "no bearer mechanism offered"
    );

    let mut c = greeted_with(apop_greeting);
    c.capa().unwrap();
    sent(&mut c);
    let capa = b"+OK\r\nSASL LOGIN PLAIN CRAM-MD5 XOAUTH2 OAUTHBEARER\r\nUSER\r\n.\r\n";
    c.handle_input(pop3_proto::Instant::from_millis(2), capa);
    while let Ok(Some(_)) = c.poll_event() {}
    let sasl = |m| Some(LoginMethod::Sasl(m));
    assert_eq!(c.preferred_login(&password), sasl(Mechanism::CramMd5));
    assert_eq!(c.preferred_login(&token), sasl(Mechanism::OAuthBearer));

    let mut c = greeted_with(apop_greeting);
    c.capa().unwrap();
    sent(&mut c);
    let capa = b"+OK\r\nSASL LOGIN PLAIN XOAUTH2\r\n.\r\n";
    c.handle_input(pop3_proto::Instant::from_millis(2), capa);
    while let Ok(Some(_)) = c.poll_event() {}
    assert_eq!(c.preferred_login(&password), sasl(Mechanism::Plain));
    assert_eq!(c.preferred_login(&token), sasl(Mechanism::XOAuth2));
}
