//! Encoders refuse what would break the stream: injected line ends, NUL, overlong lines,
//! message number 0; and say how much room a line needs (RFC 1939 section 3, RFC 2449
//! section 4).

use pop3_proto::Secret;
use pop3_proto::codec::{
    Capability, Command, EncodeError, Field, Greeting, Mechanism, RespCode, SaslResponse,
    ScanListing, StatusLine, Timestamp, UidListing,
};

fn encode(cmd: Command<'_>) -> Result<Vec<u8>, EncodeError> {
    let mut buf = [0u8; 1024];
    cmd.encode(&mut buf).map(|n| buf[..n].to_vec())
}

#[test]
fn rfc1939_commands_encode_byte_exact() {
    let cases: [(Command<'_>, &[u8]); 8] = [
        (
            Command::Apop {
                name: b"mrose",
                digest: Secret::new(b"c4c9334bac560ecc979e58001b3e22fb"),
            },
            b"APOP mrose c4c9334bac560ecc979e58001b3e22fb\r\n",
        ),
        (
            Command::Pass(Secret::new(b"with space")),
            b"PASS with space\r\n",
        ),
        (Command::Top { msg: 1, lines: 0 }, b"TOP 1 0\r\n"),
        (Command::List(None), b"LIST\r\n"),
        (Command::Uidl(Some(2)), b"UIDL 2\r\n"),
        (
            Command::Auth {
                mechanism: Mechanism::Plain,
                initial_response: Some(Secret::new(b"")),
            },
            b"AUTH PLAIN =\r\n",
        ),
        (
            Command::Auth {
                mechanism: Mechanism::XOAuth2,
                initial_response: None,
            },
            b"AUTH XOAUTH2\r\n",
        ),
        (Command::Lang(Some(b"*")), b"LANG *\r\n"),
    ];
    for (cmd, wire) in cases {
        assert_eq!(encode(cmd).as_deref(), Ok(wire), "{cmd:?}");
    }
}

#[test]
fn line_ends_and_nul_in_arguments_are_refused() {
    // CRLF injection: `RETR 1` turned into a deletion (curl CVE-2012-0036 class).
    for bad in [&b"bob\r\nDELE 1"[..], b"bob\nDELE 1", b"bob\rx", b"bob\0"] {
        let byte = *bad
            .iter()
            .find(|&&b| matches!(b, b'\r' | b'\n' | 0))
            .unwrap();
        let expected = Err(EncodeError::ForbiddenByte {
            byte,
            field: Field::Argument,
        });
        assert_eq!(encode(Command::User(bad)), expected);
        assert_eq!(encode(Command::Pass(Secret::new(bad))), expected);
        assert_eq!(
            encode(Command::Apop {
                name: bad,
                digest: Secret::new(b"00")
            }),
            expected
        );
        assert_eq!(encode(Command::Lang(Some(bad))), expected);
    }
    // A single-token argument may not hold a space either: it would become two.
    assert_eq!(
        encode(Command::Apop {
            name: b"a b",
            digest: Secret::new(b"00")
        }),
        Err(EncodeError::ForbiddenByte {
            byte: b' ',
            field: Field::Argument
        })
    );
}

#[test]
fn empty_arguments_and_message_zero_are_refused() {
    assert_eq!(
        encode(Command::User(b"")),
        Err(EncodeError::Empty {
            field: Field::Argument
        })
    );
    assert_eq!(
        encode(Command::Retr(0)),
        Err(EncodeError::ZeroMessageNumber)
    );
    assert_eq!(
        encode(Command::Top { msg: 0, lines: 1 }),
        Err(EncodeError::ZeroMessageNumber)
    );
    assert_eq!(
        encode(Command::List(Some(0))),
        Err(EncodeError::ZeroMessageNumber)
    );
}

#[test]
fn an_apop_digest_that_would_not_read_back_is_refused() {
    // RFC 1939 section 7: the digest is 32 hex digits; a server parser rejects anything
    // else, so the encoder does too (found by the roundtrip fuzz target).
    for bad in [
        &b"2U2U+"[..],
        &[b'a'; 31],
        &[b'a'; 33],
        b"c4c9334bac560ecc979e58001b3e22fG",
    ] {
        let cmd = Command::Apop {
            name: b"mrose",
            digest: Secret::new(bad),
        };
        assert_eq!(encode(cmd), Err(EncodeError::BadDigest), "{bad:?}");
    }
    let good = Command::Apop {
        name: b"mrose",
        digest: Secret::new(b"c4c9334bac560ecc979e58001b3e22fb"),
    };
    assert!(encode(good).is_ok());
}

#[test]
fn command_limit_is_255_octets_with_crlf() {
    let name = [b'u'; 248];
    // "USER " + 248 + CRLF = 255.
    assert_eq!(encode(Command::User(&name)).map(|v| v.len()), Ok(255));
    let name = [b'u'; 249];
    assert_eq!(
        encode(Command::User(&name)),
        Err(EncodeError::LineTooLong {
            length: 256,
            limit: 255
        })
    );
    // A stricter server: RFC 1939's 40-octet arguments, 47-octet lines.
    let mut buf = [0u8; 64];
    assert_eq!(
        Command::User(&[b'u'; 41]).encode_within(&mut buf, 47),
        Err(EncodeError::LineTooLong {
            length: 48,
            limit: 47
        })
    );
}

#[test]
fn large_sasl_answers_are_not_held_to_the_command_limit() {
    let token = vec![b'A'; 4000];
    let mut buf = vec![0u8; 4002];
    assert_eq!(
        SaslResponse::Data(Secret::new(&token)).encode(&mut buf),
        Ok(4002)
    );
    assert_eq!(
        SaslResponse::Data(Secret::new(&token)).encode(&mut buf[..100]),
        Err(EncodeError::BufferTooSmall { needed: 4002 })
    );
}

#[test]
fn a_small_buffer_reports_the_size_needed() {
    let mut buf = [0u8; 4];
    assert_eq!(
        Command::Stat.encode(&mut buf),
        Err(EncodeError::BufferTooSmall { needed: 6 })
    );
    let mut buf = [0u8; 6];
    assert_eq!(Command::Stat.encode(&mut buf), Ok(6));
    assert_eq!(&buf, b"STAT\r\n");
    let mut buf = [0u8; 3];
    assert_eq!(
        StatusLine::ok(b"fine").encode(&mut buf),
        Err(EncodeError::BufferTooSmall { needed: 10 })
    );
}

#[test]
fn responses_encode_byte_exact() {
    let mut buf = [0u8; 600];
    let mut out = |f: &dyn Fn(&mut [u8]) -> Result<usize, EncodeError>| {
        f(&mut buf).map(|n| String::from_utf8_lossy(&buf[..n]).into_owned())
    };
    assert_eq!(
        out(
            &|b| StatusLine::err(b"Do you have another POP session running?")
                .with_code(RespCode::IN_USE)
                .encode(b)
        ),
        Ok("-ERR [IN-USE] Do you have another POP session running?\r\n".into())
    );
    assert_eq!(
        out(&|b| StatusLine::ok(b"").encode(b)),
        Ok("+OK\r\n".into())
    );
    let ts = Timestamp::new(b"<1896.697170952@dbc.mtview.ca.us>").unwrap();
    assert_eq!(
        out(&|b| Greeting::ok(b"POP3 server ready", Some(ts)).encode(b)),
        Ok("+OK POP3 server ready <1896.697170952@dbc.mtview.ca.us>\r\n".into())
    );
    assert_eq!(
        out(&|b| ScanListing { msg: 1, size: 120 }.encode(b)),
        Ok("1 120\r\n".into())
    );
    assert_eq!(
        out(&|b| UidListing {
            msg: 2,
            uid: b"QhdPYR:00WBw1Ph7x7"
        }
        .encode_reply(b)),
        Ok("+OK 2 QhdPYR:00WBw1Ph7x7\r\n".into())
    );
    assert_eq!(
        out(&|b| Capability::LoginDelay {
            seconds: 900,
            per_user: true
        }
        .encode(b)),
        Ok("LOGIN-DELAY 900 USER\r\n".into())
    );
}

#[test]
fn responses_refuse_what_would_break_the_stream() {
    let mut buf = [0u8; 600];
    assert_eq!(
        StatusLine::ok(b"two\r\nlines").encode(&mut buf),
        Err(EncodeError::ForbiddenByte {
            byte: b'\r',
            field: Field::Text
        })
    );
    assert_eq!(
        StatusLine::ok(b"[AUTH] looks like a code").encode(&mut buf),
        Err(EncodeError::ForbiddenByte {
            byte: b'[',
            field: Field::Text
        })
    );
    assert_eq!(
        StatusLine::ok(&[b'x'; 508]).encode(&mut buf),
        Err(EncodeError::LineTooLong {
            length: 514,
            limit: 512
        })
    );
    assert_eq!(
        UidListing {
            msg: 1,
            uid: b"has space"
        }
        .encode(&mut buf),
        Err(EncodeError::ForbiddenByte {
            byte: b' ',
            field: Field::UniqueId
        })
    );
    assert_eq!(
        UidListing {
            msg: 1,
            uid: &[b'u'; 71]
        }
        .encode(&mut buf),
        Err(EncodeError::LineTooLong {
            length: 71,
            limit: 70
        })
    );
    assert_eq!(
        Capability::Other {
            tag: b".TOP",
            params: b""
        }
        .encode(&mut buf),
        Err(EncodeError::ForbiddenByte {
            byte: b'.',
            field: Field::Capability
        })
    );
    assert_eq!(
        ScanListing { msg: 0, size: 1 }.encode(&mut buf),
        Err(EncodeError::ZeroMessageNumber)
    );
}
