//! SCRAM-SHA-256 through the server (RFC 5802 section 5, RFC 7677 section 3): the RFC's
//! exchange byte for byte at every split point, and every client message that must fail.

mod common;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use common::server::{Maildrop, TestServer, rfc_config, run_server_greeting};
use pop3_proto::sasl::scram::StoredKeys;
use pop3_proto::server::{self, AuthRequest, Failure, Request, Server, UsageError};
use pop3_proto::{Instant, Transport};

use common::rfc7677::{CLIENT_FINAL, CLIENT_FIRST, SERVER_FINAL, SERVER_FIRST, SERVER_NONCE};

fn b64(raw: &[u8]) -> String {
    STANDARD.encode(raw)
}

fn maildrop() -> Maildrop {
    let mut drop = Maildrop::new(&[(b"uid-1", b"Subject: one\r\n\r\nbody\r\n")]);
    drop.user = b"user".to_vec();
    drop.password = b"pencil".to_vec();
    drop
}

fn config() -> server::Config<'static> {
    rfc_config().with_scram(true)
}

/// The client's lines: each raw message base64'd on its own line.
fn lines(first: &str, rest: &[&[u8]]) -> Vec<u8> {
    let mut c = first.as_bytes().to_vec();
    for raw in rest {
        c.extend_from_slice(format!("{}\r\n", b64(raw)).as_bytes());
    }
    c
}

fn run(client: &[u8], chunk: usize) -> (Maildrop, String) {
    let mut drop = maildrop();
    let (_, out) = run_server_greeting(config(), SERVER_NONCE, &mut drop, client, chunk);
    (drop, String::from_utf8(out).unwrap())
}

/// The replies after the greeting.
fn replies(out: &str) -> Vec<&str> {
    out.split_inclusive("\r\n").skip(1).collect()
}

#[test]
fn rfc7677_section_3_exchange_byte_exact_at_every_split_point() {
    let client = lines("AUTH SCRAM-SHA-256\r\n", &[CLIENT_FIRST, CLIENT_FINAL, b""]);
    let client = [client, b"QUIT\r\n".to_vec()].concat();
    let expected = [
        "+ \r\n".to_owned(),
        format!("+ {}\r\n", b64(SERVER_FIRST)),
        format!("+ {}\r\n", b64(SERVER_FINAL)),
        "+OK Maildrop has 1 messages\r\n".to_owned(),
        "+OK Logging out, 0 messages deleted\r\n".to_owned(),
    ];
    for chunk in 1..=client.len() {
        let (drop, out) = run(&client, chunk);
        assert_eq!(replies(&out), expected, "chunks of {chunk}");
        // Asked once for the keys, once to open the maildrop.
        assert_eq!(
            drop.log[..2],
            [
                "ScramKeys(\"user\")".to_owned(),
                "Auth { ok: true, user: \"user\" }".to_owned()
            ],
            "chunks of {chunk}"
        );
    }
}

#[test]
fn the_client_first_message_as_an_initial_response() {
    let client = format!(
        "AUTH SCRAM-SHA-256 {}\r\n{}\r\n\r\n",
        b64(CLIENT_FIRST),
        b64(CLIENT_FINAL)
    );
    let (_, out) = run(client.as_bytes(), usize::MAX);
    assert_eq!(
        replies(&out),
        [
            format!("+ {}\r\n", b64(SERVER_FIRST)),
            format!("+ {}\r\n", b64(SERVER_FINAL)),
            "+OK Maildrop has 1 messages\r\n".to_owned(),
        ]
    );
}

#[test]
fn scram_is_offered_only_when_configured_and_the_token_can_be_a_nonce() {
    let capa = |config: server::Config<'static>, token: &[u8]| {
        let mut drop = maildrop();
        let (_, out) = run_server_greeting(config, token, &mut drop, b"CAPA\r\n", 64);
        String::from_utf8(out).unwrap()
    };
    assert!(capa(config(), SERVER_NONCE).contains("SASL SCRAM-SHA-256 CRAM-MD5\r\n"));
    assert!(!capa(rfc_config(), SERVER_NONCE).contains("SCRAM"));
    // RFC 5802 section 7: a nonce is printable and has no comma.
    assert!(!capa(config(), b"a,b").contains("SCRAM"));
    let mut drop = maildrop();
    let (_, out) = run_server_greeting(
        rfc_config(),
        SERVER_NONCE,
        &mut drop,
        b"AUTH SCRAM-SHA-256\r\n",
        64,
    );
    assert!(out.ends_with(b"-ERR Unsupported authentication mechanism\r\n"));
}

#[test]
fn a_wrong_proof_is_a_refuted_login_that_cannot_be_accepted() {
    // The RFC's proof with its last octet changed.
    let forged = b"c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,\
p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVU=";
    let client = lines("AUTH SCRAM-SHA-256\r\n", &[CLIENT_FIRST, forged]);
    let (drop, out) = run(&client, usize::MAX);
    assert!(
        out.ends_with("-ERR [AUTH] Authentication failed\r\n"),
        "{out}"
    );
    assert_eq!(drop.log, ["ScramKeys(\"user\")", REFUTED]);

    // The application hears of the failure (to log it and slow it down) but cannot turn
    // it into a login.
    let mut server: TestServer = Server::new(
        config(),
        SERVER_NONCE,
        Transport::Plain,
        Instant::from_millis(0),
    );
    let _ = server.handle_input(Instant::from_millis(1), &client);
    assert!(matches!(
        server.poll_event(),
        Ok(Some(Request::ScramKeys { user: b"user" }))
    ));
    let salt = STANDARD.decode("W22ZaJ0SNY7soEsUEjb6gQ==").unwrap();
    let keys = StoredKeys::derive(b"pencil", &salt, 4096);
    server.scram_keys(keys).unwrap();
    assert!(matches!(
        server.poll_event(),
        Ok(Some(Request::Auth(AuthRequest::Refuted {
            user: b"user",
            ..
        })))
    ));
    assert_eq!(server.accept_login(1), Err(UsageError::NotExpected));
    server.reject_login(Failure::Auth, b"no").unwrap();
    assert_eq!(server.state(), server::State::Authorization);
}

const REFUTED: &str = "Auth { ok: false, user: \"user\" }";

#[test]
fn the_client_final_message_must_repeat_the_nonce_and_the_gs2_header() {
    // Right proof octets, but the nonce or the channel binding changed: RFC 5802
    // section 5.1 makes the server check both.
    for changed in [
        &b"c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k1,\
p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ="[..],
        b"c=eSws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,\
p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=",
        b"c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0",
        b"c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=AAAA",
    ] {
        let client = lines("AUTH SCRAM-SHA-256\r\n", &[CLIENT_FIRST, changed]);
        let (drop, out) = run(&client, usize::MAX);
        assert!(
            out.ends_with("-ERR [AUTH] Authentication failed\r\n"),
            "{}: {out}",
            String::from_utf8_lossy(changed)
        );
        assert_eq!(drop.log, ["ScramKeys(\"user\")", REFUTED]);
    }
}

#[test]
fn client_first_messages_the_server_cannot_honour_are_refused_before_any_lookup() {
    for first in [
        // Channel binding, never offered (no -PLUS mechanism).
        &b"p=tls-unique,,n=user,r=rOprNGfwEbeRWgbNEkqO"[..],
        // A mandatory extension.
        b"n,,m=ext,n=user,r=rOprNGfwEbeRWgbNEkqO",
        // An escape other than =2C and =3D, an empty name, no nonce, a bad nonce.
        b"n,,n=us=41er,r=rOprNGfwEbeRWgbNEkqO",
        b"n,,n=,r=rOprNGfwEbeRWgbNEkqO",
        b"n,,n=user",
        b"n,,n=user,r=",
        b"n,,n=user,r=with space",
        b"x,,n=user,r=rOprNGfwEbeRWgbNEkqO",
        b"n,b=authzid,n=user,r=rOprNGfwEbeRWgbNEkqO",
        b"",
    ] {
        let client = lines("AUTH SCRAM-SHA-256\r\n", &[first]);
        let (drop, out) = run(&client, usize::MAX);
        assert!(
            out.ends_with("-ERR [AUTH] Malformed SCRAM client-first message\r\n"),
            "{}: {out}",
            String::from_utf8_lossy(first)
        );
        assert!(drop.log.is_empty(), "{:?}", drop.log);
    }
    let long_nonce = format!("n,,n=user,r={}", "x".repeat(129));
    let client = lines("AUTH SCRAM-SHA-256\r\n", &[long_nonce.as_bytes()]);
    assert!(
        run(&client, usize::MAX)
            .1
            .ends_with("client-first message\r\n")
    );
}

#[test]
fn the_answer_to_the_signature_must_be_empty_and_any_step_may_be_cancelled() {
    let client = lines(
        "AUTH SCRAM-SHA-256\r\n",
        &[CLIENT_FIRST, CLIENT_FINAL, b"extra"],
    );
    let (drop, out) = run(&client, usize::MAX);
    assert!(out.ends_with("-ERR [AUTH] Unexpected data after the server signature\r\n"));
    assert_eq!(drop.log, ["ScramKeys(\"user\")"]);
    for steps in 0..3 {
        let mut client = lines(
            "AUTH SCRAM-SHA-256\r\n",
            &[CLIENT_FIRST, CLIENT_FINAL][..steps],
        );
        client.extend_from_slice(b"*\r\nNOOP\r\n");
        let (drop, out) = run(&client, usize::MAX);
        // The session goes on in AUTHORIZATION.
        assert!(
            out.ends_with(
                "-ERR Authentication cancelled\r\n-ERR Command not valid in this state\r\n"
            ),
            "after {steps} messages: {out}"
        );
        assert!(!drop.log.iter().any(|l| l.starts_with("Auth")), "{steps}");
    }
}

#[test]
fn an_unknown_user_gets_a_stable_made_up_salt_and_fails_at_the_proof() {
    let first = b"n,,n=nobody,r=rOprNGfwEbeRWgbNEkqO";
    let server_first = |token: &[u8]| {
        let client = lines("AUTH SCRAM-SHA-256\r\n", &[first, CLIENT_FINAL]);
        let mut drop = maildrop();
        let (_, out) = run_server_greeting(config(), token, &mut drop, &client, usize::MAX);
        let out = String::from_utf8(out).unwrap();
        assert!(
            out.ends_with("-ERR [AUTH] Authentication failed\r\n"),
            "{out}"
        );
        assert_eq!(
            drop.log,
            [
                "ScramKeys(\"nobody\")",
                "Auth { ok: false, user: \"nobody\" }"
            ]
        );
        let line = replies(&out)[1]
            .trim_end()
            .strip_prefix("+ ")
            .unwrap()
            .to_owned();
        String::from_utf8(STANDARD.decode(line).unwrap()).unwrap()
    };
    let (a, b) = (server_first(b"first.token"), server_first(b"second.token"));
    assert!(a.starts_with("r=rOprNGfwEbeRWgbNEkqOfirst.token,s="), "{a}");
    let salt = |m: &str| m.split(',').nth(1).unwrap().to_owned();
    assert_eq!(
        salt(&a),
        salt(&b),
        "the salt does not betray the made-up keys"
    );
    assert!(a.ends_with(",i=4096"));
}

#[test]
fn stored_keys_match_rfc7677_and_refuse_unusable_values() {
    let salt = STANDARD.decode("W22ZaJ0SNY7soEsUEjb6gQ==").unwrap();
    let keys = StoredKeys::derive(b"pencil", &salt, 4096).unwrap();
    assert_eq!(keys.iterations(), 4096);
    assert_eq!(keys.salt(), salt.as_slice());
    // Keys printed by Debug would be a secret in a log.
    assert!(!format!("{keys:?}").contains("stored_key"));
    assert!(StoredKeys::new(b"", 4096, [0; 32], [0; 32]).is_none());
    assert!(StoredKeys::new(b"salt", 0, [0; 32], [0; 32]).is_none());
    assert!(StoredKeys::new(&[0; 65], 1, [0; 32], [0; 32]).is_none());
}
