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

/// Issue: a line that never ends (`USER uuu...`, 8 MiB without CRLF; an endless SASL
/// continuation) was never answered, and held the connection. A line past the limit
/// (255 octets, RFC 2449 section 4) is never a command: it is answered and the session
/// closed as soon as the limit is passed, without waiting for an end the client withholds.
#[test]
fn a_line_past_the_limit_is_answered_and_closed_at_once() {
    let mut endless = b"USER ".to_vec();
    endless.extend(std::iter::repeat_n(b'u', 8 << 20));
    let mut sasl = b"AUTH PLAIN\r\n".to_vec();
    sasl.extend(std::iter::repeat_n(b'A', 1 << 20));
    for (name, client) in [("command", endless), ("SASL line", sasl)] {
        let config = rfc_config().with_cleartext_passwords(true);
        let mut drop = maildrop();
        let mut server: common::server::TestServer = server::Server::new(
            config,
            b"1896.697170952",
            pop3_proto::Transport::Plain,
            pop3_proto::Instant::from_millis(0),
        );
        let mut out = Vec::new();
        common::server::serve(&mut server, &mut drop, &mut out);
        let mut fed = 0;
        for piece in client.chunks(100) {
            if server.is_closed() {
                break;
            }
            fed += server.handle_input(pop3_proto::Instant::from_millis(1), piece);
            common::server::serve(&mut server, &mut drop, &mut out);
        }
        assert!(server.is_closed(), "{name}: still open after {fed} octets");
        assert!(fed < 100_000, "{name}: closed only after {fed} octets");
        assert_eq!(
            lines(&out)
                .iter()
                .filter(|l| *l == "-ERR Input line too long")
                .count(),
            1,
            "{name}"
        );
        assert!(drop.log.is_empty(), "{name}: {:?}", drop.log);
    }
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
    assert_eq!(l[3], "+OK Language listing follows");
}

/// RFC 6856 section 3: LANG in both states, a listing of the languages, a selection by a
/// basic language range (`*` is the server's choice), `-ERR` for one it does not speak.
#[test]
fn lang_lists_english_and_selects_it_by_range() {
    let client = b"CAPA\r\nLANG\r\nLANG en\r\nLANG *\r\nLANG MUL\r\nUSER mrose\r\nPASS tanstaaf\r\nLANG EN\r\n";
    let config = rfc_config().with_cleartext_passwords(true);
    let (_, out) = run_server(config, &mut maildrop(), client, usize::MAX);
    let text = String::from_utf8_lossy(&out).into_owned();
    assert!(text.contains("\r\nLANG\r\n"), "advertised: {text}");
    assert!(
        text.contains("+OK Language listing follows\r\nen English\r\n.\r\n"),
        "{text}"
    );
    assert_eq!(
        text.matches("+OK en Language is English\r\n").count(),
        3,
        "{text}"
    );
    assert!(text.contains("-ERR Unsupported language"), "{text}");

    let off = rfc_config().with_lang(false);
    let (_, out) = run_server(off, &mut maildrop(), b"CAPA\r\nLANG\r\n", usize::MAX);
    let text = String::from_utf8_lossy(&out).into_owned();
    assert!(
        !text.contains("\r\nLANG\r\n") && text.contains("-ERR LANG not supported"),
        "{text}"
    );
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
    // output, marks for 4096 messages; the rest stays under 1 KiB, and SCRAM's state (two
    // HMAC states, the stored key, the authorization identity) under 512 octets more.
    let size = std::mem::size_of::<pop3_proto::server::Server<'static>>();
    let scram = if cfg!(feature = "scram") { 512 } else { 0 };
    assert!(size < 4 * 1024 + 512 + 1024 + scram, "{size} octets");
}

/// Feeds `piece` every `every` ms of clock, timing out as a driver would, until the
/// session closes or `until` ms pass; returns when it closed.
fn drip(
    server: &mut common::server::TestServer,
    piece: &[u8],
    every: u64,
    until: u64,
) -> Option<u64> {
    let mut drop = maildrop();
    let mut out = Vec::new();
    let mut now = 0;
    while now < until {
        let next = now + every;
        if let Some(due) = server.poll_timeout()
            && due.as_millis() <= next
        {
            server.handle_timeout(due);
            common::server::serve(server, &mut drop, &mut out);
            if server.is_closed() {
                return Some(due.as_millis());
            }
        }
        now = next;
        server.handle_input(pop3_proto::Instant::from_millis(now), piece);
        common::server::serve(server, &mut drop, &mut out);
        if server.is_closed() {
            return Some(now);
        }
    }
    None
}

fn fresh(config: server::Config<'static>) -> common::server::TestServer {
    server::Server::new(
        config,
        b"1896.697170952",
        pop3_proto::Transport::Plain,
        pop3_proto::Instant::from_millis(0),
    )
}

/// Issue: any octet reset the idle timer, so a client sending one octet every 30 s stayed
/// past the 600 s autologout. RFC 1939 section 3: the receipt of a command resets it.
#[test]
fn octets_that_make_no_command_do_not_reset_the_autologout() {
    let config = rfc_config().with_cleartext_passwords(true);
    let mut server = fresh(config);
    let mut drop = maildrop();
    let mut out = Vec::new();
    common::server::serve(&mut server, &mut drop, &mut out);
    server.handle_input(
        pop3_proto::Instant::from_millis(0),
        b"USER mrose\r\nPASS tanstaaf\r\n",
    );
    common::server::serve(&mut server, &mut drop, &mut out);
    assert_eq!(
        server.state(),
        server::State::Transaction,
        "{}",
        String::from_utf8_lossy(&out)
    );
    let closed = drip(&mut server, b"N", 30_000, 700_000);
    assert_eq!(
        closed,
        Some(600_000),
        "closed at the autologout after the last command"
    );

    // A complete command does reset it.
    let mut server = fresh(rfc_config().with_cleartext_passwords(true));
    common::server::serve(&mut server, &mut drop, &mut out);
    server.handle_input(
        pop3_proto::Instant::from_millis(0),
        b"USER mrose\r\nPASS tanstaaf\r\n",
    );
    common::server::serve(&mut server, &mut drop, &mut out);
    assert_eq!(drip(&mut server, b"NOOP\r\n", 300_000, 1_500_000), None);
}

/// Before login, the session has a fixed time (three minutes by default), whatever the
/// client sends: commands, octets or nothing.
#[test]
fn an_unauthenticated_session_ends_at_the_login_timeout_whatever_it_sends() {
    for (piece, name) in [(&b"CAPA\r\n"[..], "commands"), (b"x", "octets")] {
        let mut server = fresh(rfc_config().with_bad_command_limits(1000, 1000));
        assert_eq!(
            drip(&mut server, piece, 20_000, 700_000),
            Some(180_000),
            "{name}"
        );
    }
    let mut server = fresh(rfc_config().with_login_timeout(std::time::Duration::from_secs(30)));
    assert_eq!(drip(&mut server, b"", 1_000, 700_000), Some(30_000));
}

/// Issue: `RETR  1` (two spaces) was served. RFC 1939 section 3: a single space separates
/// the keyword and its arguments; the line is refused with the reason, nothing is read.
#[test]
fn a_command_with_two_spaces_is_refused_with_the_reason() {
    let client = b"USER mrose\r\nPASS tanstaaf\r\nRETR  1\r\nTOP 1  0\r\nRETR 1\r\n";
    let mut drop = maildrop();
    let config = rfc_config().with_cleartext_passwords(true);
    let (_, out) = run_server(config, &mut drop, client, usize::MAX);
    let l = lines(&out);
    assert_eq!(l[3], "-ERR arguments are separated by a single space");
    assert_eq!(l[4], "-ERR arguments are separated by a single space");
    assert!(l[5].starts_with("+OK"), "{l:?}");
    // Only the well-formed RETR reached the maildrop.
    assert_eq!(
        drop.log
            .iter()
            .filter(|e| e.starts_with("Retrieve"))
            .count(),
        1,
        "{:?}",
        drop.log
    );
}

/// Issue: with hashed secrets (no APOP) the greeting still carried a timestamp, so poplib,
/// curl, fetchmail and getmail tried APOP and failed. RFC 1939 section 7: the timestamp is
/// the sign that APOP is offered; without APOP there is none.
#[test]
fn the_greeting_carries_a_timestamp_only_when_apop_is_offered() {
    for apop in [true, false] {
        let config = rfc_config().with_shared_secrets(apop);
        let (server, out) = run_server(config, &mut maildrop(), b"", 1);
        let greeting = lines(&out)[0].clone();
        assert_eq!(
            greeting.contains("<1896.697170952@dbc.mtview.ca.us>"),
            apop,
            "{greeting}"
        );
        assert_eq!(server.timestamp().is_some(), apop);
    }
}
