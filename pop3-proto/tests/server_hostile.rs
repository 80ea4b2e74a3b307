//! The server against hostile and broken clients: each case is answered as documented,
//! nothing reaches the application that should not, and the session never desyncs.

mod common;

use common::server::{Maildrop, rfc_config, run_server};
use pop3_proto::server::{self};

fn maildrop() -> Maildrop {
    Maildrop::new(&[(b"u1", b"Subject: x\r\n\r\nbody\r\n")])
}

fn lines(out: &[u8]) -> Vec<String> {
    String::from_utf8_lossy(out)
        .split("\r\n")
        .map(str::to_string)
        .collect()
}

#[test]
fn overlong_commands_are_refused_and_the_next_one_is_read() {
    let mut client = b"NOOP ".to_vec();
    client.extend(std::iter::repeat_n(b'x', 5000));
    client.extend_from_slice(b"\r\nCAPA\r\n");
    let (server, out) = run_server(rfc_config(), &mut maildrop(), &client, 100);
    let l = lines(&out);
    assert_eq!(l[1], "-ERR Input line too long");
    assert_eq!(
        l[2], "+OK Capability list follows",
        "in step after the long line"
    );
    assert_eq!(server.state(), server::State::Authorization);
}

#[test]
fn nul_bytes_and_bad_syntax_get_err_with_a_reason() {
    let client = b"USER a\0b\r\nRETR\r\nXYZZY\r\n";
    let config = rfc_config()
        .with_cleartext_passwords(true)
        .with_bad_command_limits(10, 20);
    let (_, out) = run_server(config, &mut maildrop(), client, usize::MAX);
    let l = lines(&out);
    assert_eq!(l[1], "-ERR argument contains a forbidden byte");
    assert_eq!(
        l[2], "-ERR missing argument",
        "syntax is checked before the state"
    );
    assert_eq!(l[3], "-ERR Unknown command");
}

#[test]
fn wrong_state_commands_never_reach_the_application() {
    let client = b"STAT\r\nRETR 1\r\nDELE 1\r\nLIST\r\n";
    let mut drop = maildrop();
    let config = rfc_config().with_bad_command_limits(10, 20);
    let (_, out) = run_server(config, &mut drop, client, usize::MAX);
    assert!(drop.log.is_empty(), "{:?}", drop.log);
    assert_eq!(
        lines(&out)[1..5],
        ["-ERR Command not valid in this state"; 4]
    );
}

#[test]
fn ten_thousand_bad_commands_end_the_session_at_the_limit() {
    let client = b"BOGUS\r\n".repeat(10_000);
    let mut drop = maildrop();
    let (server, out) = run_server(rfc_config(), &mut drop, &client, 512);
    let l = lines(&out);
    // Before login the limit is 3: four bad commands, then the session closes.
    assert_eq!(l[1..5], ["-ERR Unknown command"; 4]);
    assert_eq!(l[5], "-ERR Too many bad commands");
    assert_eq!(l.len(), 7, "nothing after closing: {l:?}");
    assert_eq!(server.state(), server::State::Closed);
    assert_eq!(drop.closed, Some(false));
}

#[test]
fn commands_pipelined_after_stls_are_discarded() {
    // The EAST probe: STLS and CAPA in one segment; CAPA must not be answered inside TLS.
    let config = rfc_config().with_stls(true);
    let (server, out) = run_server(
        config,
        &mut maildrop(),
        b"STLS\r\nCAPA\r\nUSER evil\r\n",
        usize::MAX,
    );
    let text = String::from_utf8_lossy(&out);
    assert!(
        text.ends_with("+OK Begin TLS negotiation now\r\n<TLS>"),
        "{text}"
    );
    assert_eq!(server.state(), server::State::Authorization);
    // Session fixation: USER/PASS pipelined after STLS never authenticates.
    let mut drop = maildrop();
    let config = rfc_config().with_stls(true).with_cleartext_passwords(true);
    let (_, out) = run_server(
        config,
        &mut drop,
        b"STLS\r\nUSER mrose\r\nPASS tanstaaf\r\nSTAT\r\n",
        usize::MAX,
    );
    assert!(
        drop.log.iter().all(|l| !l.starts_with("Auth")),
        "{:?}",
        drop.log
    );
    assert!(String::from_utf8_lossy(&out).ends_with("<TLS>"));
}

#[test]
fn after_stls_nothing_from_before_is_kept() {
    let config = rfc_config().with_stls(true);
    let mut drop = maildrop();
    // USER before STLS is refused without TLS; after TLS the session starts over.
    let client_before = b"USER mrose\r\nSTLS\r\n";
    let (mut server, mut out) = run_server(config, &mut drop, client_before, usize::MAX);
    let now = pop3_proto::Instant::from_millis(5);
    server.handle_input(now, b"PASS tanstaaf\r\nCAPA\r\n");
    common::server::serve(&mut server, &mut drop, &mut out);
    let l = lines(&out);
    assert_eq!(
        l[1],
        "-ERR [AUTH] Plaintext authentication disallowed without TLS"
    );
    assert_eq!(l[2], "+OK Begin TLS negotiation now");
    assert_eq!(
        l[3], "<TLS>-ERR USER first",
        "PASS inside TLS knows no USER from before"
    );
    assert!(
        !String::from_utf8_lossy(&out).contains("STLS\r\n."),
        "STLS is not offered again"
    );
}

#[test]
fn auth_with_invalid_base64_or_malformed_data_is_refused() {
    let config = rfc_config()
        .with_cleartext_passwords(true)
        .with_oauth(true)
        .with_bad_command_limits(10, 10);
    let client = b"AUTH PLAIN !!!!\r\nAUTH PLAIN\r\nnot base64\r\nAUTH PLAIN bm9udWxz\r\n\
AUTH XOAUTH2 dXNlcj14\r\nAUTH CRAM-MD5\r\nAUTH GSSAPI\r\nAUTH PLAIN\r\n*\r\n";
    let mut drop = maildrop();
    let (_, out) = run_server(config, &mut drop, client, usize::MAX);
    let l = lines(&out);
    assert_eq!(l[1], "-ERR [AUTH] Invalid base64 data");
    assert_eq!(l[2], "+ ");
    assert_eq!(l[3], "-ERR [AUTH] Invalid base64 data");
    assert_eq!(
        l[4], "-ERR [AUTH] Malformed authentication data",
        "PLAIN without NULs"
    );
    assert_eq!(
        l[5], "-ERR [AUTH] Malformed authentication data",
        "XOAUTH2 without a token"
    );
    assert!(
        l[6].starts_with("+ PDE4OTYuNjk3MTcwOTUy"),
        "CRAM-MD5 challenge is the timestamp: {}",
        l[6]
    );
    // The client's next line ("AUTH GSSAPI") is read as its CRAM-MD5 answer: not base64.
    assert_eq!(l[7], "-ERR [AUTH] Invalid base64 data");
    assert_eq!(l[8], "+ ");
    assert_eq!(l[9], "-ERR Authentication cancelled");
    assert!(
        drop.log.is_empty(),
        "nothing reached the application: {:?}",
        drop.log
    );
}

#[test]
fn large_oauth_tokens_are_accepted_on_a_continuation_line() {
    use base64::Engine;
    let token = vec![b'T'; 600];
    let mut raw = b"user=mrose\x01auth=Bearer ".to_vec();
    raw.extend_from_slice(&token);
    raw.extend_from_slice(b"\x01\x01");
    let line = base64::engine::general_purpose::STANDARD.encode(&raw);
    assert!(line.len() > 255);
    let mut drop = maildrop();
    drop.token = token;
    let client = format!("AUTH XOAUTH2\r\n{line}\r\nSTAT\r\n");
    let config = rfc_config().with_oauth(true);
    let (server, out) = run_server(config, &mut drop, client.as_bytes(), 50);
    assert_eq!(
        server.state(),
        server::State::Transaction,
        "{}",
        String::from_utf8_lossy(&out)
    );
    assert!(String::from_utf8_lossy(&out).ends_with("+OK 1 20\r\n"));
}

#[test]
fn cleartext_mechanisms_need_tls_unless_allowed() {
    let (_, out) = run_server(
        rfc_config(),
        &mut maildrop(),
        b"AUTH PLAIN\r\nAUTH LOGIN\r\n",
        usize::MAX,
    );
    let l = lines(&out);
    assert_eq!(
        l[1],
        "-ERR [AUTH] Plaintext authentication disallowed without TLS"
    );
    assert_eq!(
        l[2],
        "-ERR [AUTH] Plaintext authentication disallowed without TLS"
    );
    let implicit_tls: pop3_proto::server::Server<'static, 1024, 2048, 4> =
        pop3_proto::server::Server::new(
            server::Config::default(),
            b"1.2",
            pop3_proto::Transport::Tls,
            pop3_proto::Instant::from_millis(0),
        );
    assert_eq!(implicit_tls.state(), server::State::Authorization);
}

#[test]
fn utf8_only_in_authorization_and_stls_not_after_it() {
    let config = rfc_config().with_utf8(true).with_stls(true);
    let (_, out) = run_server(
        config,
        &mut maildrop(),
        b"UTF8\r\nSTLS\r\nLANG\r\n",
        usize::MAX,
    );
    let l = lines(&out);
    assert_eq!(l[1], "+OK UTF8 enabled");
    assert_eq!(l[2], "-ERR STLS is not allowed after UTF8");
    assert_eq!(l[3], "-ERR LANG not supported");
}

#[test]
fn a_maildrop_larger_than_the_marks_is_served_in_part() {
    // The test server has W = 4 words of marks: 128 messages.
    let big: Vec<(Vec<u8>, Vec<u8>)> = (0..200)
        .map(|i| (format!("u{i}").into_bytes(), b"x\r\n".to_vec()))
        .collect();
    let refs: Vec<(&[u8], &[u8])> = big
        .iter()
        .map(|(u, b)| (u.as_slice(), b.as_slice()))
        .collect();
    let mut drop = Maildrop::new(&refs);
    let config = rfc_config().with_cleartext_passwords(true);
    let (server, out) = run_server(
        config,
        &mut drop,
        b"USER mrose\r\nPASS tanstaaf\r\nRETR 129\r\nDELE 128\r\n",
        usize::MAX,
    );
    assert_eq!(server.message_count(), 128);
    let l = lines(&out);
    assert_eq!(l[2], "+OK Maildrop has 128 messages");
    assert_eq!(l[3], "-ERR There's no message 129");
    assert_eq!(l[4], "+OK Message 128 marked to be deleted");
}

#[test]
fn server_state_is_small() {
    // The default server: 1 KiB of input (and as much for decoded SASL data), 2 KiB of
    // output, marks for 4096 messages; the rest stays under 1 KiB.
    let size = std::mem::size_of::<pop3_proto::server::Server<'static>>();
    assert!(size < 4 * 1024 + 512 + 1024, "{size} octets");
}
