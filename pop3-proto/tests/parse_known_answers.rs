//! The line parsers on the lines of the RFC examples, and on what real servers send.

use pop3_proto::Secret;
use pop3_proto::codec::{
    Capability, Command, Continuation, Expire, Greeting, Mechanism, ParseError, ParseErrorKind,
    RespCodeKind, SaslResponse, ScanListing, Stat, Status, StatusLine, Strictness, UidListing,
};

const STRICT: Strictness = Strictness::Strict;

fn status(line: &[u8]) -> StatusLine<'_> {
    StatusLine::parse(line, STRICT).unwrap()
}

fn err(kind: ParseErrorKind, offset: usize) -> ParseError {
    ParseError { kind, offset }
}

#[test]
fn rfc1939_section_10_greeting_has_the_apop_timestamp() {
    let g = Greeting::parse(
        b"+OK POP3 server ready <1896.697170952@dbc.mtview.ca.us>",
        STRICT,
    )
    .unwrap();
    assert!(g.is_ok());
    assert_eq!(
        g.timestamp.unwrap().as_bytes(),
        b"<1896.697170952@dbc.mtview.ca.us>"
    );
    assert_eq!(
        g.line.text,
        b"POP3 server ready <1896.697170952@dbc.mtview.ca.us>"
    );
}

#[test]
fn greeting_timestamp_without_msg_id_shape_is_not_offered() {
    // CVE-2007-1558: APOP over an arbitrary challenge leaks the password.
    for line in [
        &b"+OK ready <no-at-sign>"[..],
        b"+OK ready <@host>",
        b"+OK ready <user@>",
        b"+OK ready <a@b@c>",
        b"+OK ready <a b@c>",
        b"+OK ready <unterminated@x",
        b"+OK ready",
    ] {
        let g = Greeting::parse(line, STRICT).unwrap();
        assert_eq!(g.timestamp, None, "{}", line.escape_ascii());
    }
}

#[test]
fn greeting_with_a_response_code_and_an_err_greeting() {
    let g = Greeting::parse(b"+OK [XCLIENT] hi <1.2@h>", STRICT).unwrap();
    assert_eq!(g.line.code.unwrap().raw(), b"XCLIENT");
    assert_eq!(g.line.code.unwrap().kind(), RespCodeKind::Unknown);
    assert!(g.timestamp.is_some());
    let g = Greeting::parse(b"-ERR [SYS/TEMP] try later", STRICT).unwrap();
    assert!(!g.is_ok());
    assert_eq!(g.line.code.unwrap().kind(), RespCodeKind::SysTemp);
}

#[test]
fn rfc1939_status_lines() {
    let s = status(b"+OK dewey POP3 server signing off (maildrop empty)");
    assert_eq!(
        (s.status, s.code, s.text),
        (
            Status::Ok,
            None,
            &b"dewey POP3 server signing off (maildrop empty)"[..]
        )
    );
    let s = status(b"-ERR message 2 already deleted");
    assert_eq!(s.status, Status::Err);
    assert_eq!(s.text, b"message 2 already deleted");
    // Section 5, NOOP: a bare +OK.
    let s = status(b"+OK");
    assert_eq!((s.status, s.text), (Status::Ok, &b""[..]));
}

#[test]
fn rfc2449_section_8_response_codes() {
    let s = status(b"-ERR [IN-USE] Do you have another POP session running?");
    assert_eq!(s.code.unwrap().kind(), RespCodeKind::InUse);
    assert_eq!(s.text, b"Do you have another POP session running?");
    let cases: [(&[u8], RespCodeKind); 9] = [
        (b"-ERR [LOGIN-DELAY] wait", RespCodeKind::LoginDelay),
        (b"-ERR [SYS/TEMP] x", RespCodeKind::SysTemp),
        (b"-ERR [SYS/PERM] x", RespCodeKind::SysPerm),
        (b"-ERR [sys/perm] x", RespCodeKind::SysPerm),
        (b"-ERR [SYS/FUTURE] x", RespCodeKind::Sys),
        (b"-ERR [AUTH] bad password", RespCodeKind::Auth),
        (b"-ERR [UTF8] needs UTF8", RespCodeKind::Utf8),
        // Unknown hierarchical detail is ignored (RFC 2449 section 8).
        (b"-ERR [IN-USE/SOMETHING] x", RespCodeKind::InUse),
        (b"-ERR [X-VENDOR] x", RespCodeKind::Unknown),
    ];
    for (line, kind) in cases {
        assert_eq!(
            status(line).code.unwrap().kind(),
            kind,
            "{}",
            line.escape_ascii()
        );
    }
}

#[test]
fn bracketed_text_that_is_not_a_code_stays_text() {
    for line in [
        &b"-ERR [not closed"[..],
        b"-ERR [] empty",
        b"-ERR [A//B] empty level",
    ] {
        let s = status(line);
        assert_eq!(s.code, None);
        assert_eq!(s.text, &line[5..]);
    }
}

#[test]
fn status_text_may_be_any_octets() {
    let s = status(b"+OK caf\xc3\xa9 \xff\x01");
    assert_eq!(s.text, b"caf\xc3\xa9 \xff\x01");
}

#[test]
fn status_case_is_strict_unless_lenient() {
    assert_eq!(
        StatusLine::parse(b"+ok fine", STRICT),
        Err(err(ParseErrorKind::NotStatus, 0))
    );
    let s = StatusLine::parse(b"+ok fine", Strictness::Lenient).unwrap();
    assert_eq!((s.status, s.text), (Status::Ok, &b"fine"[..]));
    assert_eq!(
        StatusLine::parse(b"", STRICT),
        Err(err(ParseErrorKind::Empty, 0))
    );
    assert_eq!(
        StatusLine::parse(b"+OKAY", STRICT),
        Err(err(ParseErrorKind::ExpectedSpace, 3))
    );
    assert_eq!(
        StatusLine::parse(b"* OK imap", STRICT),
        Err(err(ParseErrorKind::NotStatus, 0))
    );
}

#[test]
fn rfc1939_section_5_stat_and_scan_listings() {
    assert_eq!(
        Stat::parse(status(b"+OK 2 320").text),
        Ok(Stat {
            count: 2,
            size: 320
        })
    );
    assert_eq!(
        ScanListing::parse(b"1 120"),
        Ok(ScanListing { msg: 1, size: 120 })
    );
    assert_eq!(
        ScanListing::parse(b"2 200"),
        Ok(ScanListing { msg: 2, size: 200 })
    );
    // `LIST 2` reply: the text of the status line.
    assert_eq!(
        ScanListing::parse(status(b"+OK 2 200").text),
        Ok(ScanListing { msg: 2, size: 200 })
    );
}

#[test]
fn scan_listing_tolerates_trailing_text_and_names_bad_fields() {
    assert_eq!(
        ScanListing::parse(b"3 1500 extra info"),
        Ok(ScanListing { msg: 3, size: 1500 })
    );
    assert_eq!(
        Stat::parse(b"20437 987654321 messages"),
        Ok(Stat {
            count: 20437,
            size: 987654321
        })
    );
    assert_eq!(
        ScanListing::parse(b"x 1"),
        Err(err(ParseErrorKind::ExpectedNumber, 0))
    );
    assert_eq!(
        ScanListing::parse(b"0 1"),
        Err(err(ParseErrorKind::ZeroMessageNumber, 0))
    );
    assert_eq!(
        ScanListing::parse(b"1"),
        Err(err(ParseErrorKind::ExpectedSpace, 1))
    );
    assert_eq!(
        ScanListing::parse(b"1 12x"),
        Err(err(ParseErrorKind::TrailingData, 4))
    );
    assert_eq!(
        ScanListing::parse(b"99999999999 1"),
        Err(err(ParseErrorKind::NumberTooLarge, 0))
    );
    // Sizes above 4 GiB are legal.
    assert_eq!(
        ScanListing::parse(b"1 5000000000"),
        Ok(ScanListing {
            msg: 1,
            size: 5_000_000_000
        })
    );
}

#[test]
fn rfc1939_section_7_unique_id_listings() {
    assert_eq!(
        UidListing::parse(b"1 whqtswO00WBw418f9t5JxYwZ"),
        Ok(UidListing {
            msg: 1,
            uid: b"whqtswO00WBw418f9t5JxYwZ"
        })
    );
    assert_eq!(
        UidListing::parse(status(b"+OK 2 QhdPYR:00WBw1Ph7x7").text),
        Ok(UidListing {
            msg: 2,
            uid: b"QhdPYR:00WBw1Ph7x7"
        })
    );
}

#[test]
fn unique_id_limits_and_repeated_spaces() {
    // Three spaces between number and uid, as some servers send.
    assert_eq!(
        UidListing::parse(b"7   abc  "),
        Ok(UidListing {
            msg: 7,
            uid: b"abc"
        })
    );
    let seventy = [b'~'; 70];
    let line = [b"1 ".as_slice(), &seventy].concat();
    assert_eq!(UidListing::parse(&line).unwrap().uid, &seventy);
    let line = [b"1 ".as_slice(), &[b'~'; 71]].concat();
    assert_eq!(
        UidListing::parse(&line),
        Err(err(ParseErrorKind::BadUniqueId, 2))
    );
    // An empty uid (the mutt CVE-2018-14356 shape).
    assert_eq!(
        UidListing::parse(b"1 "),
        Err(err(ParseErrorKind::BadUniqueId, 2))
    );
    assert_eq!(
        UidListing::parse(b"1 a\x01b"),
        Err(err(ParseErrorKind::BadUniqueId, 2))
    );
    assert_eq!(
        UidListing::parse(b"1 abc def"),
        Err(err(ParseErrorKind::TrailingData, 6))
    );
    // A `UIDL n` reply that forgot the number.
    assert_eq!(
        UidListing::parse(b"abc"),
        Err(err(ParseErrorKind::ExpectedNumber, 0))
    );
}

#[test]
fn rfc2449_section_6_capa_example() {
    let lines: [&[u8]; 9] = [
        b"TOP",
        b"USER",
        b"SASL CRAM-MD5 KERBEROS_V4",
        b"RESP-CODES",
        b"LOGIN-DELAY 900",
        b"PIPELINING",
        b"EXPIRE 60",
        b"UIDL",
        b"IMPLEMENTATION Shlemazle-Plotz-v302",
    ];
    let caps: Vec<Capability<'_>> = lines
        .iter()
        .map(|l| Capability::parse(l).unwrap())
        .collect();
    assert_eq!(caps[0], Capability::Top);
    assert_eq!(caps[1], Capability::User);
    let Capability::Sasl(mechs) = caps[2] else {
        panic!("{:?}", caps[2])
    };
    assert_eq!(
        mechs.iter().collect::<Vec<_>>(),
        [Mechanism::CramMd5, Mechanism::Other(b"KERBEROS_V4")]
    );
    assert!(mechs.contains(Mechanism::CramMd5));
    assert!(!mechs.contains(Mechanism::Plain));
    assert_eq!(caps[3], Capability::RespCodes);
    assert_eq!(
        caps[4],
        Capability::LoginDelay {
            seconds: 900,
            per_user: false
        }
    );
    assert_eq!(caps[5], Capability::Pipelining);
    assert_eq!(
        caps[6],
        Capability::Expire {
            policy: Expire::Days(60),
            per_user: false
        }
    );
    assert_eq!(caps[7], Capability::Uidl);
    assert_eq!(caps[8], Capability::Implementation(b"Shlemazle-Plotz-v302"));
}

#[test]
fn capabilities_of_rfc2595_rfc3206_rfc6856_and_real_servers() {
    let cases: [(&[u8], Capability<'_>); 12] = [
        (b"STLS", Capability::Stls),
        (b"stls", Capability::Stls),
        (b"AUTH-RESP-CODE", Capability::AuthRespCode),
        (b"UTF8", Capability::Utf8 { user: false }),
        (b"UTF8 USER", Capability::Utf8 { user: true }),
        (b"LANG", Capability::Lang),
        (
            b"EXPIRE NEVER",
            Capability::Expire {
                policy: Expire::Never,
                per_user: false,
            },
        ),
        // Gmail and Comcast.
        (
            b"EXPIRE 0",
            Capability::Expire {
                policy: Expire::Days(0),
                per_user: false,
            },
        ),
        (
            b"EXPIRE 31 USER",
            Capability::Expire {
                policy: Expire::Days(31),
                per_user: true,
            },
        ),
        (
            b"LOGIN-DELAY 300",
            Capability::LoginDelay {
                seconds: 300,
                per_user: false,
            },
        ),
        (
            b"X-GOOGLE-RICO",
            Capability::Other {
                tag: b"X-GOOGLE-RICO",
                params: b"",
            },
        ),
        (
            b"XTND XLST a b",
            Capability::Other {
                tag: b"XTND",
                params: b"XLST a b",
            },
        ),
    ];
    for (line, cap) in cases {
        assert_eq!(Capability::parse(line), Ok(cap), "{}", line.escape_ascii());
    }
    // Trailing spaces are tolerated.
    assert_eq!(Capability::parse(b"TOP  "), Ok(Capability::Top));
}

#[test]
fn malformed_capabilities_are_named() {
    assert_eq!(
        Capability::parse(b"LOGIN-DELAY soon"),
        Err(err(ParseErrorKind::BadCapabilityParameter, 12))
    );
    assert_eq!(
        Capability::parse(b"EXPIRE"),
        Err(err(ParseErrorKind::BadCapabilityParameter, 6))
    );
    assert_eq!(
        Capability::parse(b""),
        Err(err(ParseErrorKind::BadCapabilityTag, 0))
    );
    assert_eq!(
        Capability::parse(b".TOP"),
        Err(err(ParseErrorKind::BadCapabilityTag, 0))
    );
    assert_eq!(
        Capability::parse(b"TOP extra"),
        Err(err(ParseErrorKind::TrailingData, 4))
    );
}

#[test]
fn rfc5034_continuations_in_every_shape_servers_send() {
    assert_eq!(Continuation::parse(b"+"), Ok(Continuation { data: b"" }));
    assert_eq!(Continuation::parse(b"+ "), Ok(Continuation { data: b"" }));
    assert_eq!(
        Continuation::parse(b"+ PDE4OTYuNjk3MTcwOTUyQHBvc3RvZmZpY2UucmVzdG9uLm1jaS5uZXQ+"),
        Ok(Continuation {
            data: b"PDE4OTYuNjk3MTcwOTUyQHBvc3RvZmZpY2UucmVzdG9uLm1jaS5uZXQ+"
        })
    );
    assert_eq!(
        Continuation::parse(b"+OK done"),
        Err(err(ParseErrorKind::NotContinuation, 0))
    );
    assert_eq!(
        Continuation::parse(b"+ abc!"),
        Err(err(ParseErrorKind::Syntax, 5))
    );
    assert_eq!(
        Continuation::parse(b"-ERR no"),
        Err(err(ParseErrorKind::NotContinuation, 0))
    );
}

#[test]
fn rfc5034_client_sasl_lines() {
    assert_eq!(
        SaslResponse::parse(b"dGVzdAB0ZXN0AHRlc3Q="),
        Ok(SaslResponse::Data(Secret::new(b"dGVzdAB0ZXN0AHRlc3Q=")))
    );
    assert_eq!(SaslResponse::parse(b"*"), Ok(SaslResponse::Cancel));
    assert_eq!(
        SaslResponse::parse(b""),
        Ok(SaslResponse::Data(Secret::new(b"")))
    );
    assert_eq!(
        SaslResponse::parse(b"not base64!"),
        Err(err(ParseErrorKind::Syntax, 3))
    );
}

#[test]
fn every_command_of_the_rfc_examples() {
    let cases: [(&[u8], Command<'_>); 20] = [
        (
            b"APOP mrose c4c9334bac560ecc979e58001b3e22fb",
            Command::Apop {
                name: b"mrose",
                digest: Secret::new(b"c4c9334bac560ecc979e58001b3e22fb"),
            },
        ),
        (b"USER mrose", Command::User(b"mrose")),
        (b"PASS secret", Command::Pass(Secret::new(b"secret"))),
        (b"STAT", Command::Stat),
        (b"LIST", Command::List(None)),
        (b"LIST 2", Command::List(Some(2))),
        (b"RETR 1", Command::Retr(1)),
        (b"DELE 1", Command::Dele(1)),
        (b"NOOP", Command::Noop),
        (b"RSET", Command::Rset),
        (b"QUIT", Command::Quit),
        (b"TOP 1 10", Command::Top { msg: 1, lines: 10 }),
        (b"UIDL", Command::Uidl(None)),
        (b"UIDL 2", Command::Uidl(Some(2))),
        (b"CAPA", Command::Capa),
        (b"STLS", Command::Stls),
        (
            b"AUTH PLAIN dGVzdAB0ZXN0AHRlc3Q=",
            Command::Auth {
                mechanism: Mechanism::Plain,
                initial_response: Some(Secret::new(b"dGVzdAB0ZXN0AHRlc3Q=")),
            },
        ),
        (b"UTF8", Command::Utf8),
        (b"LANG", Command::Lang(None)),
        (b"LANG MUL", Command::Lang(Some(b"MUL"))),
    ];
    for (line, cmd) in cases {
        assert_eq!(Command::parse(line), Ok(cmd), "{}", line.escape_ascii());
    }
}

/// Keywords in any case (RFC 1939 section 3); trailing spaces tolerated; but fields are
/// separated by a single space: `RETR  1` (two) is refused, as a line that two readers
/// could split differently.
#[test]
fn command_keywords_are_case_insensitive_and_fields_take_one_space() {
    assert_eq!(Command::parse(b"retr 7"), Ok(Command::Retr(7)));
    assert_eq!(
        Command::parse(b"Top 1 0 "),
        Ok(Command::Top { msg: 1, lines: 0 })
    );
    for line in [
        &b"RETR  1"[..],
        b"TOP 1  0",
        b"APOP  mrose c4c9334bac560ecc979e58001b3e22fb",
        b"LIST  2",
        b"AUTH  PLAIN",
    ] {
        assert_eq!(
            Command::parse(line).map_err(|e| e.kind),
            Err(ParseErrorKind::ExtraSpace),
            "{}",
            line.escape_ascii()
        );
    }
    assert_eq!(Command::parse(b"stat "), Ok(Command::Stat));
    assert_eq!(Command::parse(b"LANG *"), Ok(Command::Lang(Some(b"*"))));
    assert_eq!(
        Command::parse(b"auth xoauth2"),
        Ok(Command::Auth {
            mechanism: Mechanism::XOAuth2,
            initial_response: None
        })
    );
    assert_eq!(
        Command::parse(b"AUTH PLAIN ="),
        Ok(Command::Auth {
            mechanism: Mechanism::Plain,
            initial_response: Some(Secret::new(b""))
        })
    );
}

#[test]
fn pass_keeps_spaces_as_part_of_the_password() {
    // RFC 1939 section 7: PASS has exactly one argument, which may contain spaces.
    assert_eq!(
        Command::parse(b"PASS  two  spaces "),
        Ok(Command::Pass(Secret::new(b" two  spaces ")))
    );
}

#[test]
fn bad_commands_are_reported_with_the_reason() {
    let cases: [(&[u8], ParseErrorKind, usize); 16] = [
        (b"", ParseErrorKind::UnknownCommand, 0),
        (b"XYZZY", ParseErrorKind::UnknownCommand, 0),
        (b"RETRX 1", ParseErrorKind::UnknownCommand, 0),
        (b"RETR", ParseErrorKind::MissingArgument, 4),
        (b"RETR ", ParseErrorKind::MissingArgument, 4),
        (b"RETR one", ParseErrorKind::ExpectedNumber, 5),
        (b"RETR 0", ParseErrorKind::ZeroMessageNumber, 5),
        (b"RETR 4294967296", ParseErrorKind::NumberTooLarge, 5),
        (b"RETR 1 2", ParseErrorKind::ExtraArgument, 7),
        (b"TOP 1", ParseErrorKind::MissingArgument, 5),
        (b"STAT now", ParseErrorKind::ExtraArgument, 5),
        (b"USER", ParseErrorKind::MissingArgument, 4),
        (b"PASS", ParseErrorKind::MissingArgument, 4),
        (b"PASS a\0b", ParseErrorKind::BadArgumentByte, 5),
        (b"APOP mrose 1234", ParseErrorKind::BadDigest, 11),
        (b"AUTH PLAIN a\x01", ParseErrorKind::BadArgumentByte, 11),
    ];
    for (line, kind, offset) in cases {
        assert_eq!(
            Command::parse(line),
            Err(err(kind, offset)),
            "{}",
            line.escape_ascii()
        );
    }
}

#[test]
fn multiline_replies_are_known_per_command() {
    let multi = [
        Command::List(None),
        Command::Uidl(None),
        Command::Retr(1),
        Command::Capa,
    ];
    assert!(multi.iter().all(Command::has_multiline_reply));
    assert!(Command::Top { msg: 1, lines: 0 }.has_multiline_reply());
    assert!(Command::Lang(None).has_multiline_reply());
    let single = [
        Command::List(Some(1)),
        Command::Uidl(Some(1)),
        Command::Stat,
        Command::Stls,
    ];
    assert!(!single.iter().any(Command::has_multiline_reply));
    assert!(!Command::Lang(Some(b"en")).has_multiline_reply());
}

#[test]
fn secrets_do_not_reach_debug_output() {
    let cmd = Command::parse(b"PASS hunter2").unwrap();
    let shown = format!("{cmd:?}");
    assert!(!shown.contains("hunter2"), "{shown}");
    let cmd = Command::parse(b"AUTH PLAIN dGVzdAB0ZXN0AHRlc3Q=").unwrap();
    assert!(!format!("{cmd:?}").contains("dGVzdAB0"));
}
