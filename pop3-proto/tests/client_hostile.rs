//! The client against servers that break the protocol, and against attackers on the path:
//! each case ends in the documented error or event, never a panic, never a desync.

mod common;

use common::client::{Ev, Run, TestClient, cleartext};
use pop3_proto::Instant;
use pop3_proto::client::{self, CommandKind, Error, LineError, Transport};
use pop3_proto::codec::{FrameError, ParseErrorKind};

/// Logs in with USER/PASS and then runs `then`.
fn logged_in(then: fn(&mut TestClient)) -> Run<'static> {
    let mut run = Run::new(
        cleartext(),
        Transport::Plain,
        Box::new(move |c: &mut TestClient, e: &Ev| match e {
            Ev::Greeting { .. } => {
                c.user(b"u").unwrap();
            }
            Ev::Reply {
                command: CommandKind::User,
                ..
            } => {
                c.pass(b"p").unwrap();
            }
            Ev::Reply {
                command: CommandKind::Pass,
                ..
            } => then(c),
            _ => {}
        }),
    );
    run.feed(b"+OK hi\r\n+OK\r\n+OK\r\n", usize::MAX);
    run
}

fn fatal(run: &Run<'_>) -> Option<Error> {
    match run.events.last() {
        Some(Ev::Fatal(e)) => Some(*e),
        _ => None,
    }
}

#[test]
fn unsolicited_line_is_fatal() {
    let mut run = logged_in(|_| {});
    run.feed(b"+OK nobody asked\r\n", usize::MAX);
    assert_eq!(fatal(&run), Some(Error::UnsolicitedLine));
    // The session stays poisoned and says why.
    assert_eq!(run.client.poll_event().unwrap_err(), Error::UnsolicitedLine);
    assert_eq!(
        run.client.noop().unwrap_err(),
        pop3_proto::client::UsageError::Closed
    );
}

#[test]
fn unsolicited_multiline_listing_after_the_greeting_is_fatal() {
    // The EAST "unsolicited scan listing" case.
    let mut run = Run::new(
        cleartext(),
        Transport::Plain,
        Box::new(|_: &mut TestClient, _: &Ev| {}),
    );
    run.feed(b"+OK ready\r\n1 120\r\n2 200\r\n.\r\n", usize::MAX);
    assert_eq!(fatal(&run), Some(Error::UnsolicitedLine));
}

#[test]
fn garbage_status_line_is_fatal_with_the_reason() {
    let mut run = logged_in(|c| {
        c.stat().unwrap();
    });
    run.feed(b"* OK imap server\r\n", usize::MAX);
    assert!(
        matches!(fatal(&run), Some(Error::BadStatusLine(e)) if e.kind == ParseErrorKind::NotStatus)
    );
}

#[test]
fn overlong_status_line_is_fatal_but_overlong_listing_line_is_skipped() {
    let mut run = logged_in(|c| {
        c.noop().unwrap();
    });
    let mut long = b"+OK ".to_vec();
    long.extend(std::iter::repeat_n(b'x', 600));
    long.extend_from_slice(b"\r\n");
    run.feed(&long, 100);
    assert!(matches!(
        fatal(&run),
        Some(Error::BadFraming(FrameError::LineTooLong {
            limit: 512,
            ..
        }))
    ));

    let mut run = logged_in(|c| {
        c.uidl(None).unwrap();
        c.noop().unwrap();
    });
    let mut reply = b"+OK\r\n1 a\r\n2 ".to_vec();
    reply.extend(std::iter::repeat_n(b'u', 600));
    reply.extend_from_slice(b"\r\n3 c\r\n.\r\n+OK noop\r\n");
    run.feed(&reply, 64);
    let tail = &run.events[run.events.len() - 5..];
    assert_eq!(
        tail[0],
        Ev::Uid {
            id: 2,
            msg: 1,
            uid: b"a".to_vec()
        }
    );
    assert!(matches!(
        tail[1],
        Ev::BadLine {
            id: 2,
            error: LineError::Frame(FrameError::LineTooLong { .. }),
            ..
        }
    ));
    assert_eq!(
        tail[2],
        Ev::Uid {
            id: 2,
            msg: 3,
            uid: b"c".to_vec()
        }
    );
    assert_eq!(tail[3], Ev::End { id: 2 });
    assert!(
        matches!(
            tail[4],
            Ev::Reply {
                id: 3,
                command: CommandKind::Noop,
                ok: true,
                ..
            }
        ),
        "still in step"
    );
}

#[test]
fn malformed_listing_lines_are_reported_and_the_session_goes_on() {
    let mut run = logged_in(|c| {
        c.list(None).unwrap();
        c.stat().unwrap();
    });
    run.feed(
        b"+OK\r\n1 100\r\nbogus\r\n3 300 extra text\r\n.\r\n+OK 2 400\r\n",
        usize::MAX,
    );
    let tail = &run.events[run.events.len() - 5..];
    assert!(
        matches!(&tail[1], Ev::BadLine { id: 2, line, error: LineError::Parse(_) } if line == b"bogus")
    );
    assert_eq!(
        tail[2],
        Ev::Scan {
            id: 2,
            msg: 3,
            size: 300
        }
    );
    assert_eq!(
        tail[4],
        Ev::Stat {
            id: 3,
            count: 2,
            size: 400
        }
    );
}

#[test]
fn malformed_single_line_data_is_a_bad_line_not_a_crash() {
    // Twisted once sent `UIDL n` replies without the number.
    let mut run = logged_in(|c| {
        c.uidl(Some(1)).unwrap();
        c.stat().unwrap();
    });
    run.feed(b"+OK abc\r\n+OK two 3\r\n", usize::MAX);
    assert!(matches!(
        run.events[3],
        Ev::BadLine {
            id: 2,
            error: LineError::Parse(_),
            ..
        }
    ));
    assert!(matches!(
        run.events[4],
        Ev::BadLine {
            id: 3,
            error: LineError::Parse(_),
            ..
        }
    ));
    assert_eq!(run.client.error(), None);
}

#[test]
fn binary_bodies_pass_untouched() {
    let mut run = logged_in(|c| {
        c.retr(1).unwrap();
    });
    let body: Vec<u8> = (0u8..=255).filter(|&b| b != b'\n').collect();
    let mut reply = b"+OK\r\n".to_vec();
    reply.extend_from_slice(&body);
    reply.extend_from_slice(b"\r\n.\r\n");
    run.feed(&reply, 17);
    let mut expected = body.clone();
    expected.extend_from_slice(b"\r\n");
    assert_eq!(
        run.events[4],
        Ev::Body {
            id: 2,
            data: expected
        }
    );
}

#[test]
fn response_injection_after_stls_is_refused_in_every_form() {
    // A whole forged reply, a fragment without CRLF, and bytes arriving separately before
    // the handshake (the EAST B_1 / nodemailer cases).
    let forged: [&[&[u8]]; 3] = [
        &[b"+OK Begin TLS\r\n+OK\r\nPLAIN\r\n.\r\n"],
        &[b"+OK Begin TLS\r\n+O"],
        &[b"+OK Begin TLS\r\n", b"-ERR forged\r\n"],
    ];
    for reads in forged {
        let mut run = Run::new(
            client::Config::default(),
            Transport::Plain,
            Box::new(|c: &mut TestClient, e: &Ev| match e {
                Ev::Greeting { .. } => {
                    c.capa().unwrap();
                }
                Ev::End { .. } => {
                    c.stls().unwrap();
                }
                _ => {}
            }),
        );
        run.feed(b"+OK\r\n+OK\r\nSTLS\r\n.\r\n", usize::MAX);
        for read in reads {
            run.feed(read, usize::MAX);
        }
        assert_eq!(fatal(&run), Some(Error::ResponseInjection), "{reads:?}");
        assert!(
            !run.events
                .iter()
                .any(|e| matches!(e, Ev::Capability { tag, .. } if tag == b"PLAIN"))
        );
        assert!(run.client.tls_established().is_err());
    }
}

fn require_tls_session(server: &[u8]) -> Run<'static> {
    let mut run = Run::new(
        client::Config::default(),
        Transport::Plain,
        Box::new(|c: &mut TestClient, e: &Ev| match e {
            Ev::Greeting { .. } => {
                c.capa().unwrap();
            }
            Ev::End { id: 0 } => {
                c.stls().unwrap();
            }
            _ => {}
        }),
    );
    run.feed(server, usize::MAX);
    run
}

#[test]
fn stls_stripping_fails_closed() {
    // EAST O_1: STLS missing from CAPA. O_2: advertised, refused. O_3: CAPA hidden.
    for server in [
        &b"+OK\r\n+OK\r\nUSER\r\n.\r\n"[..],
        b"+OK\r\n+OK\r\nSTLS\r\n.\r\n-ERR STARTTLS not supported.\r\n",
        b"+OK\r\n-ERR unknown command\r\n",
    ] {
        let run = require_tls_session(server);
        assert_eq!(
            fatal(&run),
            Some(Error::TlsUnavailable),
            "{}",
            server.escape_ascii()
        );
        assert!(!run.sent.windows(4).any(|w| w == b"USER" || w == b"PASS"));
    }
}

#[test]
fn credentials_never_go_out_in_cleartext_under_require_tls() {
    let mut run = Run::new(
        client::Config::default(),
        Transport::Plain,
        Box::new(|_: &mut TestClient, _: &Ev| {}),
    );
    run.feed(b"+OK <1.2@h>\r\n", usize::MAX);
    use pop3_proto::client::UsageError::TlsRequired;
    assert_eq!(run.client.user(b"u").unwrap_err(), TlsRequired);
    assert_eq!(run.client.apop(b"u", b"s").unwrap_err(), TlsRequired);
    let creds = pop3_proto::sasl::Credentials::password(b"u", b"p");
    assert_eq!(
        run.client
            .auth(pop3_proto::codec::Mechanism::Plain, &creds)
            .unwrap_err(),
        TlsRequired
    );
    run.pump();
    assert!(run.sent.is_empty());
    // Over implicit TLS the same calls go through.
    let mut run = Run::new(
        client::Config::default(),
        Transport::Tls,
        Box::new(|_: &mut TestClient, _: &Ev| {}),
    );
    run.feed(b"+OK <1.2@h>\r\n", usize::MAX);
    assert!(run.client.user(b"u").is_ok());
}

#[test]
fn eof_in_the_middle_of_a_reply_is_an_error_and_between_replies_a_close() {
    let mut run = logged_in(|c| {
        c.retr(1).unwrap();
    });
    run.feed(b"+OK\r\npartial body\r\n", usize::MAX);
    run.eof();
    assert_eq!(fatal(&run), Some(Error::UnexpectedEof));

    let mut run = logged_in(|c| {
        c.stat().unwrap();
    });
    run.feed(b"+OK 1", usize::MAX);
    run.eof();
    assert_eq!(
        fatal(&run),
        Some(Error::UnexpectedEof),
        "EOF inside a status line"
    );

    // The server hangs up while nothing is pending (autologout): nothing was deleted.
    let mut run = logged_in(|_| {});
    run.eof();
    assert_eq!(run.events.last(), Some(&Ev::Closed { update: false }));

    // EOF before the greeting.
    let mut run = Run::new(
        cleartext(),
        Transport::Plain,
        Box::new(|_: &mut TestClient, _: &Ev| {}),
    );
    run.feed(b"+OK hel", usize::MAX);
    run.eof();
    assert_eq!(fatal(&run), Some(Error::UnexpectedEof));
}

#[test]
fn eof_anywhere_in_a_session_never_panics() {
    // The replies after login.
    let server = b"+OK 2 30\r\n+OK\r\n1 10\r\n.\r\n+OK\r\nab\r\n..c\r\n.\r\n+OK bye\r\n";
    for cut in 0..=server.len() {
        let mut run = logged_in(|c| {
            c.stat().unwrap();
            c.list(None).unwrap();
            c.retr(1).unwrap();
            c.quit().unwrap();
        });
        run.events.clear();
        run.feed(&server[..cut], 3);
        run.eof();
        let last = run.events.last().cloned();
        let complete = cut == server.len();
        match last {
            Some(Ev::Closed { update: true }) => assert!(complete, "cut {cut}"),
            Some(Ev::Closed { update: false }) => {}
            Some(Ev::Fatal(Error::UnexpectedEof)) => assert!(!complete, "cut {cut}"),
            other => panic!("cut {cut}: {other:?}"),
        }
    }
}

#[test]
fn silence_past_the_deadline_is_a_timeout() {
    let mut run = logged_in(|c| {
        c.stat().unwrap();
    });
    let deadline = run.client.poll_timeout().expect("a reply is due");
    run.client
        .handle_timeout(Instant::from_millis(deadline.as_millis() - 1));
    assert_eq!(run.client.error(), None);
    run.client.handle_timeout(deadline);
    assert_eq!(run.client.error(), Some(Error::Timeout));
    assert_eq!(run.client.poll_timeout(), None);

    // Nothing due, no deadline.
    let run = logged_in(|_| {});
    assert_eq!(run.client.poll_timeout(), None);
}

#[test]
fn stls_handshake_has_a_deadline_too() {
    // fetchmail CVE-2011-1947: a server that goes silent during the TLS handshake.
    let mut run = require_tls_session(b"+OK\r\n+OK\r\nSTLS\r\n.\r\n+OK go\r\n");
    assert!(matches!(run.events.last(), Some(Ev::TlsReady { .. })));
    let deadline = run.client.poll_timeout().expect("the handshake is due");
    run.client.handle_timeout(deadline);
    assert_eq!(run.client.error(), Some(Error::Timeout));
}

#[test]
fn bad_sasl_challenge_is_cancelled_with_a_star() {
    let mut run = Run::new(
        cleartext(),
        Transport::Plain,
        Box::new(|c: &mut TestClient, e: &Ev| {
            if let Ev::Greeting { .. } = e {
                let creds = pop3_proto::sasl::Credentials::password(b"u", b"p");
                c.auth(pop3_proto::codec::Mechanism::CramMd5, &creds)
                    .unwrap();
            }
        }),
    );
    run.feed(b"+OK\r\n+ not*base64!\r\n-ERR cancelled\r\n", usize::MAX);
    assert_eq!(run.sent_lines(), ["AUTH CRAM-MD5", "*"]);
    assert!(matches!(
        run.events[1],
        Ev::BadLine {
            error: LineError::BadChallenge,
            ..
        }
    ));
    assert!(matches!(
        run.events[2],
        Ev::Reply {
            command: CommandKind::Auth,
            ok: false,
            ..
        }
    ));
}

#[test]
fn err_greeting_closes_the_session() {
    let mut run = Run::new(
        cleartext(),
        Transport::Plain,
        Box::new(|_: &mut TestClient, _: &Ev| {}),
    );
    run.feed(b"-ERR [SYS/TEMP] too busy\r\n", usize::MAX);
    assert_eq!(
        run.events,
        [
            Ev::Greeting {
                ok: false,
                timestamp: None
            },
            Ev::Closed { update: false }
        ]
    );
    assert!(run.client.capa().is_err());
}

#[test]
fn random_server_bytes_never_panic() {
    // A cheap stand-in for the fuzz target: deterministic pseudo-random replies.
    let mut seed = 0x2545_f491_4f6c_dd1du64;
    let mut next = || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let alphabet = b"+OK-ERR \r\n.[]0123456789ABC<>@";
    for _ in 0..300 {
        let mut run = logged_in(|c| {
            let _ = c.capa();
            let _ = c.list(None);
            let _ = c.retr(1);
            let _ = c.uidl(Some(1));
            let _ = c.quit();
        });
        let len = (next() % 400) as usize;
        let bytes: Vec<u8> = (0..len)
            .map(|_| alphabet[(next() % alphabet.len() as u64) as usize])
            .collect();
        run.feed(&bytes, 1 + (next() % 13) as usize);
        run.eof();
    }
}

/// Issue: with lenient reading, a body holding `\n.\n` (or `\n.\r\n`) ended message 1 there
/// and the rest became the reply to RETR 2: a forged message. RFC 1939 section 3: only
/// CRLF `.` CRLF ends a multi-line response. Both RETRs are in flight (pipelined), so the
/// forged octets would have had a command to answer.
fn lenient_fetch_of_two() -> Run<'static> {
    Run::new(
        client::Config::default()
            .with_security(client::Security::AllowCleartext)
            .with_strictness(pop3_proto::codec::Strictness::Lenient),
        Transport::Plain,
        Box::new(|c: &mut TestClient, e: &Ev| match e {
            Ev::Greeting { .. } => {
                c.capa().unwrap();
                c.user(b"u").unwrap();
            }
            Ev::Reply {
                command: CommandKind::User,
                ..
            } => {
                c.pass(b"p").unwrap();
            }
            Ev::Reply {
                command: CommandKind::Pass,
                ..
            } => {
                c.retr(1).unwrap();
                c.retr(2).unwrap();
            }
            _ => {}
        }),
    )
}

#[test]
fn a_bare_lf_dot_line_in_a_body_never_ends_it_even_when_lenient() {
    for forged_end in [&b"\n.\n"[..], b"\n.\r\n", b"\r\n.\n"] {
        let mut server =
            b"+OK hi\r\n+OK\r\nPIPELINING\r\n.\r\n+OK\r\n+OK\r\n+OK\r\nSubject: 1\r\n\r\nbody"
                .to_vec();
        server.extend_from_slice(forged_end);
        server.extend_from_slice(b"+OK forged\r\nSubject: forged\r\n.\r\n");
        for chunk in [1, 3, usize::MAX] {
            let mut run = lenient_fetch_of_two();
            run.feed(&server, chunk);
            let bodies: Vec<&Ev> = run
                .events
                .iter()
                .filter(|e| matches!(e, Ev::Body { .. }))
                .collect();
            assert_eq!(
                bodies.len(),
                1,
                "{forged_end:?} chunk {chunk}: {:?}",
                run.events
            );
            let Ev::Body { data, .. } = bodies[0] else {
                unreachable!()
            };
            assert!(
                data.ends_with(b"+OK forged\r\nSubject: forged\r\n"),
                "{forged_end:?} chunk {chunk}: the forged reply is part of message 1: {:?}",
                String::from_utf8_lossy(data)
            );
            assert_eq!(
                run.client.in_flight(),
                1,
                "RETR 2 still waits for its reply"
            );
        }
    }
}

/// Logs in, fetches message 1, and asks for message 2 as soon as message 1 ends, as a
/// fetch loop does; `capa` is the server's CAPA reply (read before logging in).
fn fetching_one_then_two(capa: &'static [u8]) -> Run<'static> {
    let mut run = Run::new(
        cleartext(),
        Transport::Plain,
        Box::new(|c: &mut TestClient, e: &Ev| match e {
            Ev::Greeting { .. } => {
                c.capa().unwrap();
            }
            Ev::End { id: 0 } => {
                c.user(b"u").unwrap();
            }
            Ev::Reply {
                command: CommandKind::User,
                ..
            } => {
                c.pass(b"p").unwrap();
            }
            Ev::Reply {
                command: CommandKind::Pass,
                ..
            } => {
                c.retr(1).unwrap();
            }
            Ev::End { id: 3 } => {
                c.retr(2).unwrap();
            }
            _ => {}
        }),
    );
    run.feed(b"+OK hi\r\n", usize::MAX);
    run.feed(capa, usize::MAX);
    run.feed(b"+OK\r\n", usize::MAX);
    run.feed(b"+OK\r\n", usize::MAX);
    assert_eq!(run.sent_lines().last().map(String::as_str), Some("RETR 1"));
    run
}

fn bodies(run: &Run<'_>) -> Vec<Vec<u8>> {
    run.events
        .iter()
        .filter_map(|e| match e {
            Ev::Body { data, .. } => Some(data.clone()),
            _ => None,
        })
        .collect()
}

/// RFC 1939 section 3 and RFC 2449 section 6.6: a server answers a command once it has
/// received it. Octets that follow a complete reply, arriving before the next command was
/// sent, are forged (or left over) and are never read as the next reply: this is how a
/// server (or a message it passes through) planted a "message 2" in the mail drop.
#[test]
fn octets_after_a_reply_never_answer_a_command_sent_later() {
    for capa in [
        &b"+OK\r\nUSER\r\n.\r\n"[..],
        &b"+OK\r\nUSER\r\nPIPELINING\r\n.\r\n"[..],
    ] {
        let mut run = fetching_one_then_two(capa);
        run.arrive(b"+OK 6 octets\r\nreal\r\n.\r\n+OK 8 octets\r\nforged\r\n.\r\n");
        assert_eq!(fatal(&run), Some(Error::ReplyBeforeCommand));
        assert_eq!(
            bodies(&run),
            [b"real\r\n".to_vec()],
            "nothing of the forged reply"
        );
    }
}

#[test]
fn the_start_of_a_forged_reply_is_refused_before_it_is_complete() {
    let mut run = fetching_one_then_two(b"+OK\r\nUSER\r\n.\r\n");
    // The tail is not a whole line yet; if it were kept, the rest would complete it as
    // soon as RETR 2 went out.
    run.arrive(b"+OK 6 octets\r\nreal\r\n.\r\n+OK 8 oc");
    assert_eq!(fatal(&run), Some(Error::ReplyBeforeCommand));
}

#[test]
fn octets_after_the_greeting_never_answer_the_first_command() {
    let mut run = Run::new(
        cleartext(),
        Transport::Plain,
        Box::new(|c: &mut TestClient, e: &Ev| {
            if let Ev::Greeting { .. } = e {
                c.user(b"u").unwrap();
            }
        }),
    );
    run.arrive(b"+OK hi\r\n+OK welcome in\r\n");
    assert_eq!(fatal(&run), Some(Error::ReplyBeforeCommand));
    assert!(!run.events.iter().any(|e| matches!(e, Ev::Reply { .. })));
}

#[test]
fn a_reply_to_a_command_only_partly_sent_is_refused() {
    use pop3_proto::client::Event;
    let mut c: TestClient =
        client::Client::new(cleartext(), Transport::Plain, Instant::from_millis(0));
    c.handle_input(Instant::from_millis(1), b"+OK hi\r\n");
    assert!(matches!(c.poll_event(), Ok(Some(Event::Greeting(_)))));
    assert_eq!(c.poll_event(), Ok(None));
    c.noop().unwrap_err(); // not in AUTHORIZATION: nothing queued
    c.user(b"someone").unwrap();
    c.transmitted(4); // "USER" is out, " someone\r\n" not yet
    c.handle_input(Instant::from_millis(2), b"+OK\r\n");
    assert_eq!(c.poll_event(), Err(Error::ReplyBeforeCommand));
}

#[test]
fn pipelined_replies_in_one_read_are_all_read_once_their_commands_are_out() {
    let mut run = Run::new(
        cleartext(),
        Transport::Plain,
        Box::new(|_: &mut TestClient, _: &Ev| {}),
    );
    run.feed(b"+OK hi\r\n", usize::MAX);
    run.client.capa().unwrap();
    run.feed(b"+OK\r\nUSER\r\nPIPELINING\r\n.\r\n", usize::MAX);
    run.client.user(b"u").unwrap();
    run.feed(b"+OK\r\n", usize::MAX);
    run.client.pass(b"p").unwrap();
    run.feed(b"+OK\r\n", usize::MAX);
    run.client.stat().unwrap();
    run.client.list(None).unwrap();
    run.client.noop().unwrap();
    run.pump();
    assert_eq!(run.sent_lines()[3..], ["STAT", "LIST", "NOOP"]);
    run.arrive(b"+OK 1 5\r\n+OK\r\n1 5\r\n.\r\n+OK\r\n");
    assert_eq!(fatal(&run), None, "{:?}", run.events);
    assert!(run.events.contains(&Ev::Stat {
        id: 3,
        count: 1,
        size: 5
    }));
    assert_eq!(run.client.in_flight(), 0);
}

/// Drips `octets` one at a time, each just before the idle timeout, timing out as a
/// driver would; returns when the session ends, with the time it ended and how many
/// octets were taken.
fn drip(c: &mut TestClient, mut now: u64, octets: &[u8]) -> (u64, usize) {
    for (taken, b) in octets.iter().enumerate() {
        let Some(due) = c.poll_timeout() else {
            return (now, taken);
        };
        let at = (now + 59_000).min(due.as_millis());
        now = at;
        if at == due.as_millis() {
            c.handle_timeout(Instant::from_millis(at));
            return (now, taken);
        }
        c.handle_input(Instant::from_millis(at), std::slice::from_ref(b));
        while let Ok(Some(_)) = c.poll_event() {}
    }
    (now, octets.len())
}

/// Issue: a server that sends one octet just before each idle timeout held the CLI for
/// ever, in the greeting and in a body. The idle timeout stays; the reply deadline (ten
/// minutes by default, from when the reply became due) cannot be extended.
#[test]
fn a_dripping_server_cannot_extend_the_reply_deadline() {
    let config = cleartext();
    assert_eq!(config.reply_deadline, std::time::Duration::from_secs(600));
    // The greeting, dripped.
    let mut c: TestClient = client::Client::new(config, Transport::Plain, Instant::from_millis(0));
    let greeting = [b'+', b'O', b'K', b' ']
        .into_iter()
        .chain(std::iter::repeat_n(b'x', 500));
    let (ended, taken) = drip(&mut c, 0, &greeting.collect::<Vec<u8>>());
    assert_eq!(c.error(), Some(Error::DeadlinePassed));
    assert_eq!(ended, 600_000, "at the deadline exactly");
    assert!(taken > 3 && taken < 20, "{taken} octets before it");

    // A body, dripped after a prompt status line.
    let mut run = logged_in(|c| {
        c.retr(1).unwrap();
    });
    run.feed(b"+OK 1000 octets\r\n", usize::MAX);
    let start = run.now;
    let body = vec![b'a'; 1000];
    let (ended, _) = drip(&mut run.client, start, &body);
    assert_eq!(run.client.error(), Some(Error::DeadlinePassed));
    assert!(ended <= start + 600_000, "{ended}");

    // A server that is merely slow to start, then quick, is fine: silence below the idle
    // timeout, a reply well within the deadline.
    let mut run = logged_in(|c| {
        c.stat().unwrap();
    });
    let later = run.now + 59_000;
    run.client.handle_timeout(Instant::from_millis(later));
    run.client
        .handle_input(Instant::from_millis(later), b"+OK 1 5\r\n");
    assert!(matches!(
        run.client.poll_event(),
        Ok(Some(client::Event::Stat { .. }))
    ));
    assert_eq!(run.client.error(), None);
}
