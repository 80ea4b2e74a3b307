//! The client on the example sessions of the RFCs: the bytes it sends are the RFC's `C:`
//! lines exactly, the events are the `S:` lines read; and the same session fed at every
//! split point, one byte at a time, pipelined or not, gives the same events.

mod common;

use common::client::{Ev, React, Run, TestClient, capa_session, cleartext};
use pop3_proto::Secret;
use pop3_proto::client::{self, CommandKind, Transport};
use pop3_proto::codec::Mechanism;
use pop3_proto::sasl::Credentials;

const MSG1: &[u8] = b"From: a\r\nSubject: one\r\n\r\n.leading dot\r\n";
const MSG2: &[u8] = b"From: b\r\n\r\n..\r\nx\r\n";

/// RFC 1939 section 10, with the two messages spelled out (stuffed on the wire).
const RFC1939_SERVER: &[u8] = b"+OK POP3 server ready <1896.697170952@dbc.mtview.ca.us>\r\n\
+OK mrose's maildrop has 2 messages (320 octets)\r\n\
+OK 2 320\r\n\
+OK 2 messages (320 octets)\r\n\
1 120\r\n\
2 200\r\n\
.\r\n\
+OK 120 octets\r\n\
From: a\r\nSubject: one\r\n\r\n..leading dot\r\n\
.\r\n\
+OK message 1 deleted\r\n\
+OK 200 octets\r\n\
From: b\r\n\r\n...\r\nx\r\n\
.\r\n\
+OK message 2 deleted\r\n\
+OK dewey POP3 server signing off (maildrop empty)\r\n";

const RFC1939_CLIENT: [&str; 8] = [
    "APOP mrose c4c9334bac560ecc979e58001b3e22fb",
    "STAT",
    "LIST",
    "RETR 1",
    "DELE 1",
    "RETR 2",
    "DELE 2",
    "QUIT",
];

fn rfc1939_react() -> React<'static> {
    Box::new(|c: &mut TestClient, e: &Ev| match e {
        Ev::Greeting { .. } => {
            c.apop(b"mrose", b"tanstaaf").unwrap();
        }
        Ev::Reply {
            command: CommandKind::Apop,
            ok: true,
            ..
        } => {
            c.stat().unwrap();
            c.list(None).unwrap();
            c.retr(1).unwrap();
            c.dele(1).unwrap();
            c.retr(2).unwrap();
            c.dele(2).unwrap();
            c.quit().unwrap();
        }
        _ => {}
    })
}

fn rfc1939_session(chunk: usize) -> Run<'static> {
    let mut run = Run::new(cleartext(), Transport::Plain, rfc1939_react());
    run.feed(RFC1939_SERVER, chunk);
    run
}

fn rfc1939_events() -> Vec<Ev> {
    let reply = |id, command, text: &[u8]| Ev::Reply {
        id,
        command,
        ok: true,
        code: None,
        text: text.to_vec(),
    };
    vec![
        Ev::Greeting {
            ok: true,
            timestamp: Some(b"<1896.697170952@dbc.mtview.ca.us>".to_vec()),
        },
        reply(
            0,
            CommandKind::Apop,
            b"mrose's maildrop has 2 messages (320 octets)",
        ),
        Ev::Stat {
            id: 1,
            count: 2,
            size: 320,
        },
        reply(2, CommandKind::List, b"2 messages (320 octets)"),
        Ev::Scan {
            id: 2,
            msg: 1,
            size: 120,
        },
        Ev::Scan {
            id: 2,
            msg: 2,
            size: 200,
        },
        Ev::End { id: 2 },
        reply(3, CommandKind::Retr, b"120 octets"),
        Ev::Body {
            id: 3,
            data: MSG1.to_vec(),
        },
        Ev::End { id: 3 },
        reply(4, CommandKind::Dele, b"message 1 deleted"),
        reply(5, CommandKind::Retr, b"200 octets"),
        Ev::Body {
            id: 5,
            data: MSG2.to_vec(),
        },
        Ev::End { id: 5 },
        reply(6, CommandKind::Dele, b"message 2 deleted"),
        reply(
            7,
            CommandKind::Quit,
            b"dewey POP3 server signing off (maildrop empty)",
        ),
        Ev::Closed { update: true },
    ]
}

#[test]
fn rfc1939_section_10_session_byte_exact() {
    let run = rfc1939_session(usize::MAX);
    assert_eq!(run.sent_lines(), RFC1939_CLIENT);
    assert!(run.sent.ends_with(b"QUIT\r\n"));
    assert_eq!(run.events, rfc1939_events());
}

#[test]
fn rfc1939_session_at_every_split_point_and_byte_by_byte() {
    let expected = rfc1939_events();
    for chunk in 1..=RFC1939_SERVER.len() {
        let run = rfc1939_session(chunk);
        assert_eq!(run.events, expected, "server bytes in chunks of {chunk}");
        assert_eq!(run.sent_lines(), RFC1939_CLIENT, "chunks of {chunk}");
    }
    // Two reads split at every point.
    for cut in 0..=RFC1939_SERVER.len() {
        let mut run = Run::new(cleartext(), Transport::Plain, rfc1939_react());
        run.feed(&RFC1939_SERVER[..cut], usize::MAX);
        run.feed(&RFC1939_SERVER[cut..], usize::MAX);
        assert_eq!(run.events, expected, "split at {cut}");
    }
}

#[test]
fn without_pipelining_one_command_is_on_the_wire_at_a_time() {
    let mut run = Run::new(cleartext(), Transport::Plain, rfc1939_react());
    run.feed(
        b"+OK POP3 server ready <1896.697170952@dbc.mtview.ca.us>\r\n",
        usize::MAX,
    );
    run.feed(b"+OK logged in\r\n", usize::MAX);
    // Seven commands queued; only STAT may be sent until its reply comes.
    assert_eq!(
        run.sent_lines(),
        ["APOP mrose c4c9334bac560ecc979e58001b3e22fb", "STAT"]
    );
    assert_eq!(run.client.in_flight(), 7);
    run.feed(b"+OK 2 320\r\n", usize::MAX);
    assert_eq!(run.sent_lines().last().map(String::as_str), Some("LIST"));
}

/// A session on a server that pipelines: CAPA, login, then 20 RETRs and a QUIT queued at once.
fn pipelined_session(pipelining: bool, chunk: usize) -> Run<'static> {
    let mut run = Run::new(
        cleartext(),
        Transport::Plain,
        Box::new(|c: &mut TestClient, e: &Ev| match e {
            Ev::Greeting { .. } => {
                c.capa().unwrap();
            }
            Ev::End { id: 0 } => {
                c.user(b"joe").unwrap();
            }
            Ev::Reply {
                command: CommandKind::User,
                ok: true,
                ..
            } => {
                c.pass(b"pass word").unwrap();
            }
            Ev::Reply {
                command: CommandKind::Pass,
                ok: true,
                ..
            } => {
                for n in 1..=20 {
                    c.retr(n).unwrap();
                }
                c.quit().unwrap();
            }
            _ => {}
        }),
    );
    let mut server = b"+OK ready\r\n+OK caps\r\nUSER\r\n".to_vec();
    if pipelining {
        server.extend_from_slice(b"PIPELINING\r\n");
    }
    server.extend_from_slice(b".\r\n+OK\r\n+OK in\r\n");
    for n in 1..=20 {
        if n == 7 {
            server.extend_from_slice(b"-ERR [SYS/TEMP] message 7 is unreadable\r\n");
            continue;
        }
        server.extend_from_slice(format!("+OK\r\nmessage {n}\r\n.\r\n").as_bytes());
    }
    server.extend_from_slice(b"+OK bye\r\n");
    run.feed(&server, chunk);
    run
}

#[test]
fn pipelined_and_unpipelined_runs_give_the_same_events() {
    let plain = pipelined_session(false, usize::MAX);
    let piped = pipelined_session(true, usize::MAX);
    // The capability list differs by one line; everything after is the same.
    let strip = |evs: &[Ev]| -> Vec<Ev> {
        evs.iter()
            .filter(|e| !matches!(e, Ev::Capability { .. }))
            .cloned()
            .collect()
    };
    assert_eq!(strip(&plain.events), strip(&piped.events));
    assert_eq!(
        plain.sent, piped.sent,
        "the same commands, in the same order"
    );
    assert!(piped.client.capabilities().pipelining());
    let errors: Vec<&Ev> = piped
        .events
        .iter()
        .filter(|e| matches!(e, Ev::Reply { ok: false, .. }))
        .collect();
    assert_eq!(
        errors.len(),
        1,
        "-ERR in the middle of a pipeline fails that command only"
    );
    assert_eq!(piped.events.last(), Some(&Ev::Closed { update: true }));
    for chunk in [1, 2, 3, 7, 64] {
        assert_eq!(
            pipelined_session(true, chunk).events,
            piped.events,
            "chunks of {chunk}"
        );
    }
}

#[test]
fn with_pipelining_all_queued_commands_go_at_once_up_to_a_barrier() {
    let mut fresh = Run::new(
        cleartext(),
        Transport::Plain,
        Box::new(|c: &mut TestClient, e: &Ev| {
            if let Ev::Reply {
                command: CommandKind::Pass,
                ok: true,
                ..
            } = e
            {
                for n in 1..=20 {
                    c.retr(n).unwrap();
                }
                c.quit().unwrap();
            }
        }),
    );
    fresh.feed(b"+OK ready\r\n", usize::MAX);
    fresh.client.capa().unwrap();
    fresh.feed(b"+OK\r\nPIPELINING\r\n.\r\n", usize::MAX);
    fresh.client.user(b"joe").unwrap();
    // USER is a barrier: nothing may be queued behind it.
    assert!(fresh.client.noop().is_err());
    fresh.feed(b"+OK\r\n", usize::MAX);
    fresh.client.pass(b"x").unwrap();
    fresh.feed(b"+OK\r\n", usize::MAX);
    let lines = fresh.sent_lines();
    assert_eq!(
        lines.len(),
        3 + 21,
        "every RETR and the QUIT sent before any reply: {lines:?}"
    );
    assert_eq!(fresh.client.in_flight(), 21);
}

#[test]
fn rfc2449_capa_example() {
    let run = capa_session(
        b"+OK POP3 server ready\r\n+OK Capability list follows\r\nTOP\r\nUSER\r\n\
SASL CRAM-MD5 KERBEROS_V4\r\nRESP-CODES\r\nLOGIN-DELAY 900\r\nPIPELINING\r\nEXPIRE 60\r\nUIDL\r\n\
IMPLEMENTATION Shlemazle-Plotz-v302\r\n.\r\n",
    );
    assert_eq!(run.sent_lines(), ["CAPA"]);
    let tags: Vec<&[u8]> = run
        .events
        .iter()
        .filter_map(|e| match e {
            Ev::Capability { tag, .. } => Some(tag.as_slice()),
            _ => None,
        })
        .collect();
    assert_eq!(
        tags,
        [
            &b"TOP"[..],
            b"USER",
            b"SASL",
            b"RESP-CODES",
            b"LOGIN-DELAY",
            b"PIPELINING",
            b"EXPIRE",
            b"UIDL",
            b"IMPLEMENTATION"
        ]
    );
    assert_eq!(run.events.last(), Some(&Ev::End { id: 0 }));
    let caps = run.client.capabilities();
    assert!(caps.top() && caps.user() && caps.resp_codes() && caps.pipelining() && caps.uidl());
    assert!(caps.sasl_mechanism(Mechanism::CramMd5) && !caps.sasl_mechanism(Mechanism::Plain));
    assert_eq!(caps.login_delay(), Some(900));
    assert!(!caps.stls());
}

#[test]
fn rfc1939_user_pass_with_rfc2449_in_use_code() {
    let mut run = Run::new(
        cleartext(),
        Transport::Plain,
        Box::new(|c: &mut TestClient, e: &Ev| match e {
            Ev::Greeting { .. } => {
                c.user(b"mrose").unwrap();
            }
            Ev::Reply {
                command: CommandKind::User,
                ok: true,
                ..
            } => {
                c.pass(b"secret").unwrap();
            }
            _ => {}
        }),
    );
    run.feed(
        b"+OK POP3 server ready\r\n+OK mrose is a real hoopy frood\r\n\
-ERR [IN-USE] Do you have another POP session running?\r\n",
        usize::MAX,
    );
    assert_eq!(run.sent_lines(), ["USER mrose", "PASS secret"]);
    assert_eq!(
        run.events.last(),
        Some(&Ev::Reply {
            id: 1,
            command: CommandKind::Pass,
            ok: false,
            code: Some(b"IN-USE".to_vec()),
            text: b"Do you have another POP session running?".to_vec(),
        })
    );
    // Still in AUTHORIZATION; PASS needs a new USER first.
    assert_eq!(
        run.client.pass(b"again").unwrap_err(),
        pop3_proto::client::UsageError::PassWithoutUser
    );
}

#[test]
fn rfc1939_section_7_uidl_and_top_examples() {
    let mut run = Run::new(
        cleartext(),
        Transport::Plain,
        Box::new(|c: &mut TestClient, e: &Ev| match e {
            Ev::Greeting { .. } => {
                c.user(b"mrose").unwrap();
            }
            Ev::Reply {
                command: CommandKind::User,
                ..
            } => {
                c.pass(b"secret").unwrap();
            }
            Ev::Reply {
                command: CommandKind::Pass,
                ..
            } => {
                c.uidl(None).unwrap();
                c.uidl(Some(2)).unwrap();
                c.uidl(Some(3)).unwrap();
                c.top(1, 10).unwrap();
                c.list(Some(2)).unwrap();
            }
            _ => {}
        }),
    );
    run.feed(
        b"+OK\r\n+OK\r\n+OK\r\n+OK\r\n1 whqtswO00WBw418f9t5JxYwZ\r\n2 QhdPYR:00WBw1Ph7x7\r\n.\r\n\
+OK 2 QhdPYR:00WBw1Ph7x7\r\n-ERR no such message, only 2 messages in maildrop\r\n\
+OK\r\nSubject: x\r\n\r\nline\r\n.\r\n+OK 2 200\r\n",
        usize::MAX,
    );
    assert_eq!(
        run.sent_lines()[2..],
        ["UIDL", "UIDL 2", "UIDL 3", "TOP 1 10", "LIST 2"]
    );
    let tail = &run.events[3..];
    assert_eq!(
        tail[0],
        Ev::Reply {
            id: 2,
            command: CommandKind::Uidl,
            ok: true,
            code: None,
            text: vec![]
        }
    );
    assert_eq!(
        tail[1],
        Ev::Uid {
            id: 2,
            msg: 1,
            uid: b"whqtswO00WBw418f9t5JxYwZ".to_vec()
        }
    );
    assert_eq!(
        tail[2],
        Ev::Uid {
            id: 2,
            msg: 2,
            uid: b"QhdPYR:00WBw1Ph7x7".to_vec()
        }
    );
    assert_eq!(tail[3], Ev::End { id: 2 });
    assert_eq!(
        tail[4],
        Ev::Uid {
            id: 3,
            msg: 2,
            uid: b"QhdPYR:00WBw1Ph7x7".to_vec()
        }
    );
    assert!(matches!(
        tail[5],
        Ev::Reply {
            id: 4,
            ok: false,
            ..
        }
    ));
    assert_eq!(
        tail[7],
        Ev::Body {
            id: 5,
            data: b"Subject: x\r\n\r\nline\r\n".to_vec()
        }
    );
    assert_eq!(
        tail[9],
        Ev::Scan {
            id: 6,
            msg: 2,
            size: 200
        }
    );
}

#[test]
fn rfc6856_lang_listing() {
    let mut run = Run::new(
        cleartext(),
        Transport::Plain,
        Box::new(|c: &mut TestClient, e: &Ev| match e {
            Ev::Greeting { .. } => {
                c.capa().unwrap();
            }
            Ev::End { id: 0 } => {
                c.lang(None).unwrap();
            }
            _ => {}
        }),
    );
    run.feed(
        b"+OK\r\n+OK\r\nLANG\r\n.\r\n+OK Language listing follows:\r\nen English\r\n\
en-boont English Boontling dialect\r\n.\r\n",
        usize::MAX,
    );
    assert_eq!(run.sent_lines(), ["CAPA", "LANG"]);
    assert_eq!(
        run.events[run.events.len() - 3],
        Ev::Language {
            id: 1,
            tag: b"en".to_vec(),
            description: b"English".to_vec()
        }
    );
}

/// RFC 5034 section 5's example: CAPA, STLS, TLS, CAPA again, AUTH PLAIN with an initial
/// response; and the same without an initial response.
fn rfc5034_session(initial_response: bool) -> Run<'static> {
    let creds = Credentials::Password {
        user: b"test",
        password: Secret::new(b"test"),
        authzid: b"test",
        nonce: b"",
    };
    let config = client::Config::default().with_sasl_initial_response(initial_response);
    let mut run = Run::new(
        config,
        Transport::Plain,
        Box::new(move |c: &mut TestClient, e: &Ev| match e {
            Ev::Greeting { .. } => {
                c.capa().unwrap();
            }
            Ev::End { .. } if !c.is_tls() => {
                c.stls().unwrap();
            }
            Ev::TlsReady { .. } => {
                // The driver runs the handshake here.
                c.tls_established().unwrap();
            }
            Ev::End { .. } => {
                c.auth(Mechanism::Plain, &creds).unwrap();
            }
            Ev::Challenge { .. } => c.sasl_continue(&creds).unwrap(),
            _ => {}
        }),
    );
    run.feed(
        b"+OK pop.example.com BlurdyBlurp POP3 server ready\r\n+OK List of capabilities follows\r\n\
SASL DIGEST-MD5 GSSAPI ANONYMOUS\r\nSTLS\r\nIMPLEMENTATION BlurdyBlurp POP3 server\r\n.\r\n\
+OK Begin TLS negotiation now\r\n",
        usize::MAX,
    );
    run.feed(
        b"+OK List of capabilities follows\r\nSASL PLAIN DIGEST-MD5 GSSAPI ANONYMOUS\r\n\
IMPLEMENTATION BlurdyBlurp POP3 server\r\n.\r\n",
        usize::MAX,
    );
    if !initial_response {
        run.feed(b"+ \r\n", usize::MAX);
    }
    run.feed(b"+OK Maildrop locked and ready\r\n", usize::MAX);
    run
}

#[test]
fn rfc5034_auth_plain_with_and_without_initial_response() {
    let run = rfc5034_session(true);
    assert_eq!(
        run.sent_lines(),
        ["CAPA", "STLS", "CAPA", "AUTH PLAIN dGVzdAB0ZXN0AHRlc3Q="]
    );
    assert_eq!(run.client.state(), pop3_proto::client::State::Transaction);
    let run = rfc5034_session(false);
    assert_eq!(
        run.sent_lines(),
        ["CAPA", "STLS", "CAPA", "AUTH PLAIN", "dGVzdAB0ZXN0AHRlc3Q="]
    );
    assert!(run.events.contains(&Ev::Challenge {
        id: 3,
        data: vec![]
    }));
    assert_eq!(run.client.state(), pop3_proto::client::State::Transaction);
}
