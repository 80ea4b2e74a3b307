//! The server on the RFC example sessions: the bytes it sends, byte for byte, and the same
//! session fed at every split point and one byte at a time.

mod common;

use common::server::{Maildrop, rfc_config, run_server};
use pop3_proto::server;

const MSG1: &[u8] = b"From: a\r\nSubject: one\r\n\r\n.leading dot\r\n";
const MSG2: &[u8] = b"From: b\n\n.\nx";

fn maildrop() -> Maildrop {
    Maildrop::new(&[
        (b"whqtswO00WBw418f9t5JxYwZ", MSG1),
        (b"QhdPYR:00WBw1Ph7x7", MSG2),
    ])
}

const RFC1939_CLIENT: &[u8] = b"APOP mrose c4c9334bac560ecc979e58001b3e22fb\r\n\
STAT\r\nLIST\r\nRETR 1\r\nDELE 1\r\nRETR 2\r\nDELE 2\r\nQUIT\r\n";

const RFC1939_SERVER: &[u8] = b"+OK POP3 server ready <1896.697170952@dbc.mtview.ca.us>\r\n\
+OK Maildrop has 2 messages\r\n\
+OK 2 56\r\n\
+OK Scan listing follows\r\n\
1 39\r\n\
2 17\r\n\
.\r\n\
+OK Message follows\r\n\
From: a\r\nSubject: one\r\n\r\n..leading dot\r\n\
.\r\n\
+OK Message 1 marked to be deleted\r\n\
+OK Message follows\r\n\
From: b\r\n\r\n..\r\nx\r\n\
.\r\n\
+OK Message 2 marked to be deleted\r\n\
+OK Logging out, 2 messages deleted\r\n";

#[test]
fn rfc1939_section_10_session_byte_exact() {
    let mut drop = maildrop();
    let (server, out) = run_server(rfc_config(), &mut drop, RFC1939_CLIENT, usize::MAX);
    assert_eq!(
        String::from_utf8_lossy(&out),
        String::from_utf8_lossy(RFC1939_SERVER)
    );
    assert_eq!(drop.removed, Some(vec![1, 2]));
    assert_eq!(drop.closed, Some(true));
    assert_eq!(server.state(), server::State::Closed);
}

#[test]
fn rfc1939_session_at_every_split_point_and_body_chunk_size() {
    for chunk in 1..=RFC1939_CLIENT.len() {
        let mut drop = maildrop();
        drop.chunk = chunk;
        let (_, out) = run_server(rfc_config(), &mut drop, RFC1939_CLIENT, chunk);
        assert!(
            out == RFC1939_SERVER,
            "client bytes and body chunks of {chunk}"
        );
    }
}

#[test]
fn rfc1939_uidl_top_user_pass_examples() {
    let mut drop = maildrop();
    drop.messages[0].1 = b"A: 1\r\nB: 2\r\n\r\nl1\r\n.l2\r\nl3\r\n".to_vec();
    let client =
        b"USER frated\r\nPASS x\r\nUSER mrose\r\nPASS tanstaaf\r\nUIDL\r\nUIDL 2\r\nUIDL 3\r\n\
TOP 1 0\r\nTOP 1 2\r\nTOP 1 99\r\nLIST 2\r\nNOOP\r\nRSET\r\n";
    let (_, out) = run_server(
        rfc_config().with_cleartext_passwords(true),
        &mut drop,
        client,
        usize::MAX,
    );
    let expected = "+OK POP3 server ready <1896.697170952@dbc.mtview.ca.us>\r\n\
+OK Send PASS\r\n\
-ERR [AUTH] Authentication failed\r\n\
+OK Send PASS\r\n\
+OK Maildrop has 2 messages\r\n\
+OK Unique-id listing follows\r\n1 whqtswO00WBw418f9t5JxYwZ\r\n2 QhdPYR:00WBw1Ph7x7\r\n.\r\n\
+OK 2 QhdPYR:00WBw1Ph7x7\r\n\
-ERR There's no message 3\r\n\
+OK Message follows\r\nA: 1\r\nB: 2\r\n\r\n.\r\n\
+OK Message follows\r\nA: 1\r\nB: 2\r\n\r\nl1\r\n..l2\r\n.\r\n\
+OK Message follows\r\nA: 1\r\nB: 2\r\n\r\nl1\r\n..l2\r\nl3\r\n.\r\n\
+OK 2 17\r\n\
+OK\r\n\
+OK Maildrop has 2 messages\r\n";
    assert_eq!(String::from_utf8_lossy(&out), expected);
}

#[test]
fn rfc2449_capa_follows_the_configuration() {
    let client = b"CAPA\r\n";
    let (_, out) = run_server(rfc_config(), &mut maildrop(), client, usize::MAX);
    let text = String::from_utf8_lossy(&out);
    // Without TLS and without cleartext passwords: no USER, no PLAIN, no LOGIN.
    assert!(text.contains("\r\nSASL CRAM-MD5\r\n"), "{text}");
    assert!(!text.contains("USER"), "{text}");
    assert!(!text.contains("STLS"), "{text}");
    let (_, out) = run_server(
        rfc_config()
            .with_stls(true)
            .with_cleartext_passwords(true)
            .with_oauth(true)
            .with_implementation(b"pop3-rs"),
        &mut maildrop(),
        client,
        usize::MAX,
    );
    let text = String::from_utf8_lossy(&out);
    assert!(text.ends_with(
        "+OK Capability list follows\r\nTOP\r\nUIDL\r\nRESP-CODES\r\nAUTH-RESP-CODE\r\nPIPELINING\r\nUSER\r\n\
SASL PLAIN LOGIN CRAM-MD5 XOAUTH2 OAUTHBEARER\r\nSTLS\r\nLANG\r\nIMPLEMENTATION pop3-rs\r\n.\r\n"
    ), "{text}");
}

#[test]
fn rfc2449_in_use_and_rfc3206_codes() {
    let mut drop = maildrop();
    drop.locked = true;
    let client = b"APOP mrose c4c9334bac560ecc979e58001b3e22fb\r\n";
    let (_, out) = run_server(rfc_config(), &mut drop, client, usize::MAX);
    assert!(out.ends_with(b"-ERR [IN-USE] Maildrop is locked by another session\r\n"));
}

#[test]
fn greeting_with_a_response_code_and_a_fresh_timestamp() {
    use pop3_proto::Instant;
    use pop3_proto::codec::RespCode;
    use pop3_proto::server::Server;
    let config = rfc_config().with_greeting_code(RespCode::SYS_TEMP);
    let a: common::server::TestServer = Server::new(
        config,
        b"100.1",
        pop3_proto::Transport::Plain,
        Instant::from_millis(0),
    );
    let b: common::server::TestServer = Server::new(
        config,
        b"100.2",
        pop3_proto::Transport::Plain,
        Instant::from_millis(0),
    );
    assert_eq!(
        a.poll_transmit(),
        b"+OK [SYS/TEMP] POP3 server ready <100.1@dbc.mtview.ca.us>\r\n"
    );
    assert_ne!(
        a.timestamp(),
        b.timestamp(),
        "a different timestamp for every greeting"
    );
    // A token that would not make a msg-id gives no APOP timestamp at all.
    let c: common::server::TestServer = Server::new(
        config,
        b"bad token",
        pop3_proto::Transport::Plain,
        Instant::from_millis(0),
    );
    assert_eq!(c.timestamp(), None);
}

/// A client that half-closes after QUIT (`nc` scripts do): the commands buffered before
/// the EOF are still answered in order, so QUIT runs UPDATE and message 1 is removed (RFC
/// 1939 section 6). Fed in one call with the EOF, and split at every point.
#[test]
fn commands_before_eof_are_answered_and_quit_still_updates() {
    let client: &[u8] = b"APOP mrose c4c9334bac560ecc979e58001b3e22fb\r\nDELE 1\r\nQUIT\r\n";
    for split in 0..=client.len() {
        let mut drop = maildrop();
        let mut server: common::server::TestServer = pop3_proto::server::Server::new(
            rfc_config(),
            b"1896.697170952",
            pop3_proto::Transport::Plain,
            pop3_proto::Instant::from_millis(0),
        );
        let mut out = Vec::new();
        let (a, b) = client.split_at(split);
        let now = pop3_proto::Instant::from_millis(1);
        assert_eq!(server.handle_input(now, a), a.len());
        if split % 2 == 0 {
            common::server::serve(&mut server, &mut drop, &mut out);
        }
        assert_eq!(server.handle_input(now, b), b.len());
        server.handle_eof(now);
        common::server::serve(&mut server, &mut drop, &mut out);
        assert_eq!(drop.removed, Some(vec![1]), "split at {split}");
        assert_eq!(drop.closed, Some(true), "split at {split}");
        assert!(
            out.ends_with(b"+OK Logging out, 1 messages deleted\r\n"),
            "split at {split}: {}",
            String::from_utf8_lossy(&out)
        );
    }
}

/// EOF in the middle of a command line: the partial line is not a command, and the
/// session ends without UPDATE.
#[test]
fn eof_inside_a_command_line_ends_without_update() {
    let mut drop = maildrop();
    let client: &[u8] = b"APOP mrose c4c9334bac560ecc979e58001b3e22fb\r\nDELE 1\r\nQU";
    let mut out = Vec::new();
    let mut server: common::server::TestServer = pop3_proto::server::Server::new(
        rfc_config(),
        b"1896.697170952",
        pop3_proto::Transport::Plain,
        pop3_proto::Instant::from_millis(0),
    );
    let now = pop3_proto::Instant::from_millis(1);
    assert_eq!(server.handle_input(now, client), client.len());
    server.handle_eof(now);
    common::server::serve(&mut server, &mut drop, &mut out);
    assert_eq!(drop.removed, None);
    assert_eq!(drop.closed, Some(false));
}

/// STAT counts only the messages not marked, the core summing the sizes it asks for (RFC
/// 1939 section 5): the application is never asked for a total.
#[test]
fn stat_leaves_out_marked_messages() {
    let mut drop = maildrop();
    let client: &[u8] =
        b"APOP mrose c4c9334bac560ecc979e58001b3e22fb\r\nSTAT\r\nDELE 1\r\nSTAT\r\n";
    let (_, out) = run_server(rfc_config(), &mut drop, client, usize::MAX);
    let text = String::from_utf8_lossy(&out);
    assert!(text.contains("+OK 2 56\r\n"), "{text}");
    assert!(text.ends_with("+OK 1 17\r\n"), "{text}");
    assert_eq!(
        drop.log.iter().filter(|l| l.as_str() == "Size(1)").count(),
        1
    );
}
