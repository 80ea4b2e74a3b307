//! SCRAM-SHA-256 through the client (RFC 5802, RFC 7677 section 3): the exchange of the RFC
//! byte for byte, and every way a server can fail to prove itself.

mod common;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use common::client::{Ev, Run, TestClient, capa_session, cleartext};
use pop3_proto::client::{CommandKind, Error, LineError, LoginMethod, State, Transport};
use pop3_proto::codec::Mechanism;
use pop3_proto::sasl::Credentials;

use common::rfc7677::{
    CLIENT_FINAL, CLIENT_FIRST, CLIENT_NONCE as NONCE, SERVER_FINAL, SERVER_FIRST,
};

fn b64(raw: &[u8]) -> String {
    STANDARD.encode(raw)
}

fn creds() -> Credentials<'static> {
    Credentials::password(b"user", b"pencil").with_nonce(NONCE)
}

/// The server's lines: the greeting, then `+ base64` for each challenge, then `last`.
fn server(challenges: &[&[u8]], last: &str) -> Vec<u8> {
    let mut s = b"+OK ready\r\n".to_vec();
    for c in challenges {
        s.extend_from_slice(format!("+ {}\r\n", b64(c)).as_bytes());
    }
    s.extend_from_slice(last.as_bytes());
    s
}

fn session(initial_response: bool, server: &[u8], chunk: usize) -> Run<'static> {
    let mut run = Run::new(
        cleartext().with_sasl_initial_response(initial_response),
        Transport::Plain,
        Box::new(|c: &mut TestClient, e: &Ev| match e {
            Ev::Greeting { .. } => {
                c.auth(Mechanism::ScramSha256, &creds()).unwrap();
            }
            Ev::Challenge { .. } => c.sasl_continue(&creds()).unwrap(),
            _ => {}
        }),
    );
    run.feed(server, chunk);
    run
}

fn fatal(run: &Run<'_>) -> Option<Error> {
    run.events.iter().find_map(|e| match e {
        Ev::Fatal(e) => Some(*e),
        _ => None,
    })
}

#[test]
fn rfc7677_section_3_exchange_with_an_initial_response() {
    let wire = server(&[SERVER_FIRST, SERVER_FINAL], "+OK maildrop ready\r\n");
    for chunk in [1, 7, usize::MAX] {
        let run = session(true, &wire, chunk);
        assert_eq!(
            run.sent_lines(),
            [
                format!("AUTH SCRAM-SHA-256 {}", b64(CLIENT_FIRST)),
                b64(CLIENT_FINAL),
                String::new(),
            ],
            "chunk {chunk}"
        );
        assert_eq!(run.client.state(), State::Transaction);
        assert_eq!(fatal(&run), None);
    }
}

#[test]
fn without_an_initial_response_the_client_first_message_follows_the_empty_challenge() {
    let wire = server(&[b"", SERVER_FIRST, SERVER_FINAL], "+OK\r\n");
    let run = session(false, &wire, usize::MAX);
    assert_eq!(
        run.sent_lines(),
        [
            "AUTH SCRAM-SHA-256".to_string(),
            b64(CLIENT_FIRST),
            b64(CLIENT_FINAL),
            String::new(),
        ]
    );
    assert_eq!(run.client.state(), State::Transaction);
}

#[test]
fn a_wrong_server_signature_ends_the_session_before_anything_else_is_sent() {
    let forged = b"v=AAAATRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=";
    let run = session(
        true,
        &server(&[SERVER_FIRST, forged], "+OK\r\n"),
        usize::MAX,
    );
    assert_eq!(fatal(&run), Some(Error::ServerUnverified));
    assert_eq!(run.sent_lines().len(), 2, "no answer to the forged message");
    assert_ne!(run.client.state(), State::Transaction);
}

#[test]
fn an_ok_without_the_server_final_message_is_not_believed() {
    // RFC 5802 section 5.1: the client MUST verify the server signature.
    let run = session(
        true,
        &server(&[SERVER_FIRST], "+OK welcome\r\n"),
        usize::MAX,
    );
    assert_eq!(fatal(&run), Some(Error::ServerUnverified));
    assert_ne!(run.client.state(), State::Transaction);
}

#[test]
fn a_server_nonce_that_does_not_extend_ours_is_cancelled() {
    let foreign = b"r=somebodyElsesNonce123,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096";
    let run = session(true, &server(&[foreign], "-ERR cancelled\r\n"), usize::MAX);
    assert_eq!(run.sent_lines()[1], "*");
    assert!(run.events.iter().any(|e| matches!(
        e,
        Ev::BadLine {
            error: LineError::BadChallenge,
            ..
        }
    )));
    assert!(run.events.iter().any(|e| matches!(
        e,
        Ev::Reply {
            command: CommandKind::Auth,
            ok: false,
            ..
        }
    )));
    assert_eq!(run.client.state(), State::Authorization);
}

#[test]
fn a_huge_iteration_count_is_refused_rather_than_computed() {
    let slow = b"r=rOprNGfwEbeRWgbNEkqOx,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4000000000";
    let run = session(true, &server(&[slow], "-ERR cancelled\r\n"), usize::MAX);
    assert_eq!(run.sent_lines()[1], "*");
    assert_eq!(run.client.state(), State::Authorization);
}

#[test]
fn a_server_error_message_is_cancelled_and_the_err_reported() {
    let run = session(
        true,
        &server(
            &[SERVER_FIRST, b"e=invalid-proof"],
            "-ERR [AUTH] failed\r\n",
        ),
        usize::MAX,
    );
    assert_eq!(run.sent_lines()[2], "*");
    assert_eq!(fatal(&run), None);
    assert_eq!(run.client.state(), State::Authorization);
}

#[test]
fn scram_is_preferred_only_with_a_nonce() {
    let capa = b"+OK ready\r\n+OK\r\nSASL PLAIN SCRAM-SHA-256 CRAM-MD5\r\n.\r\n";
    let run = capa_session(capa);
    assert_eq!(
        run.client.preferred_login(&creds()),
        Some(LoginMethod::Sasl(Mechanism::ScramSha256))
    );
    let no_nonce = Credentials::password(b"user", b"pencil");
    assert_eq!(
        run.client.preferred_login(&no_nonce),
        Some(LoginMethod::Sasl(Mechanism::CramMd5))
    );
    let bad_nonce = no_nonce.with_nonce(b"has,comma");
    assert_eq!(
        run.client.preferred_login(&bad_nonce),
        Some(LoginMethod::Sasl(Mechanism::CramMd5))
    );
}

#[test]
fn another_salt_and_server_nonce_verify_too() {
    // Computed independently for "user" / "secret", client nonce "clientnonce", salt
    // "saltsalt", 4096 iterations (the fuzz seeds use the same exchange).
    let wire = b"+OK ready\r\n\
+ cj1jbGllbnRub25jZTNyZmNOSFlKWTFaVnZXVnM3aixzPWMyRnNkSE5oYkhRPSxpPTQwOTY=\r\n\
+ dj1EOUY2dlpFYkZEQXdKWGFlWmJUOVhOVmU0NHg5SVdGV0hTQTdYNUpDU0ZjPQ==\r\n\
+OK Logged in.\r\n";
    let creds = Credentials::password(b"user", b"secret").with_nonce(b"clientnonce");
    let mut run = Run::new(
        cleartext(),
        Transport::Plain,
        Box::new(move |c: &mut TestClient, e: &Ev| match e {
            Ev::Greeting { .. } => {
                c.auth(Mechanism::ScramSha256, &creds).unwrap();
            }
            Ev::Challenge { .. } => c.sasl_continue(&creds).unwrap(),
            _ => {}
        }),
    );
    run.feed(wire, usize::MAX);
    assert_eq!(fatal(&run), None);
    assert_eq!(run.client.state(), State::Transaction);
    assert_eq!(
        run.sent_lines()[0],
        format!("AUTH SCRAM-SHA-256 {}", b64(b"n,,n=user,r=clientnonce"))
    );
}
