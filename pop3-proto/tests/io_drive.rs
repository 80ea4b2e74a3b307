//! The generic blocking drive loop over a scripted `embedded-io` transport: it delivers
//! events in order, stops when asked or idle, turns read timeouts into the client's
//! timeout, and reports a connection that ends mid-reply.

use core::ops::ControlFlow;
use core::time::Duration;

use embedded_io::{ErrorKind, ErrorType, Read, Write};
use pop3_proto::Instant;
use pop3_proto::client::{self, Client, Error, Event, Security, Transport};
use pop3_proto::io::blocking::{Clock, drive};
use pop3_proto::io::{ClientError, Drive};

/// A server that answers each command line with the next reply of its script (the
/// greeting first), handing out `chunk` octets per read; once the script is spent it goes
/// silent (reads time out, 10 s of clock each) or closes.
struct Scripted {
    replies: std::collections::VecDeque<Vec<u8>>,
    available: Vec<u8>,
    chunk: usize,
    closes: bool,
    now: u64,
    written: Vec<u8>,
    deadlines: Vec<Option<Instant>>,
}

#[derive(Debug, PartialEq)]
struct Failure(ErrorKind);

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:?}", self.0)
    }
}

impl std::error::Error for Failure {}

impl embedded_io::Error for Failure {
    fn kind(&self) -> ErrorKind {
        self.0
    }
}

impl ErrorType for Scripted {
    type Error = Failure;
}

impl Read for Scripted {
    fn read(&mut self, buf: &mut [u8]) -> Result<usize, Failure> {
        if self.available.is_empty() {
            if self.closes {
                return Ok(0);
            }
            self.now += 10_000;
            return Err(Failure(ErrorKind::TimedOut));
        }
        let n = self.available.len().min(self.chunk).min(buf.len());
        buf[..n].copy_from_slice(&self.available[..n]);
        self.available.drain(..n);
        self.now += 1;
        Ok(n)
    }
}

impl Write for Scripted {
    fn write(&mut self, buf: &[u8]) -> Result<usize, Failure> {
        // Short writes: the loop must finish them.
        let n = buf.len().min(3);
        for &b in &buf[..n] {
            self.written.push(b);
            if b == b'\n' {
                let reply = self.replies.pop_front().unwrap_or_default();
                self.available.extend(reply);
            }
        }
        Ok(n)
    }
    fn flush(&mut self) -> Result<(), Failure> {
        Ok(())
    }
}

impl Clock for Scripted {
    fn now(&mut self) -> Instant {
        Instant::from_millis(self.now)
    }
    fn set_deadline(&mut self, deadline: Option<Instant>) -> Result<(), Failure> {
        self.deadlines.push(deadline);
        Ok(())
    }
}

fn scripted(script: &[&[u8]], chunk: usize, closes: bool) -> Scripted {
    let mut replies: std::collections::VecDeque<Vec<u8>> =
        script.iter().map(|r| r.to_vec()).collect();
    Scripted {
        available: replies.pop_front().unwrap_or_default(),
        replies,
        chunk,
        closes,
        now: 0,
        written: Vec::new(),
        deadlines: Vec::new(),
    }
}

fn client() -> Client {
    let config = client::Config::default()
        .with_security(Security::AllowCleartext)
        .with_reply_timeout(Duration::from_secs(30));
    Client::new(config, Transport::Plain, Instant::from_millis(0))
}

const SESSION: &[&[u8]] = &[
    b"+OK ready\r\n",
    b"+OK\r\n",
    b"+OK\r\n",
    b"+OK 2 320\r\n",
    b"+OK 120 octets\r\nbody\r\n..dot\r\n.\r\n",
];

#[test]
fn delivers_events_in_order_and_returns_when_idle() {
    for chunk in [1, 2, 7, 4096] {
        let mut io = scripted(SESSION, chunk, false);
        let mut c = client();
        let mut seen = Vec::new();
        let r = drive(&mut c, &mut io, |e, _| {
            seen.push(format!("{e:?}"));
            ControlFlow::Continue(())
        });
        assert_eq!(r, Ok(Drive::Idle), "greeting read, nothing in flight");
        assert_eq!(seen.len(), 1);
        c.user(b"mrose").unwrap();
        let mut body = Vec::new();
        drive(&mut c, &mut io, |_, _| ControlFlow::Continue(())).unwrap();
        c.pass(b"secret").unwrap();
        drive(&mut c, &mut io, |_, _| ControlFlow::Continue(())).unwrap();
        c.stat().unwrap();
        c.retr(1).unwrap();
        let r = drive(&mut c, &mut io, |e, _| {
            if let Event::Body { data, .. } = e {
                body.extend_from_slice(data);
            }
            ControlFlow::Continue(())
        });
        assert_eq!(r, Ok(Drive::Idle));
        assert_eq!(body, b"body\r\n.dot\r\n");
        assert_eq!(
            io.written, b"USER mrose\r\nPASS secret\r\nSTAT\r\nRETR 1\r\n",
            "short writes completed"
        );
    }
}

#[test]
fn stops_when_the_handler_asks() {
    let mut io = scripted(SESSION, 4096, false);
    let mut c = client();
    let r = drive(&mut c, &mut io, |_, _| ControlFlow::Break(()));
    assert_eq!(r, Ok(Drive::Stopped));
}

#[test]
fn read_timeouts_reach_the_client_which_fails_at_its_deadline() {
    let mut io = scripted(&[b"+OK ready\r\n"], 4096, false);
    let mut c = client();
    drive(&mut c, &mut io, |_, _| ControlFlow::Continue(())).unwrap();
    c.user(b"mrose").unwrap();
    let r = drive(&mut c, &mut io, |_, _| ControlFlow::Continue(()));
    assert_eq!(r, Err(ClientError::Session(Error::Timeout)));
    // Two silent reads of 10 s passed the 30 s deadline only on the third.
    assert_eq!(io.now, 1 + 30_000);
    assert!(
        io.deadlines.iter().any(|d| d.is_some()),
        "the transport was told the deadline"
    );
}

#[test]
fn a_connection_that_ends_mid_reply_is_an_error() {
    let script: &[&[u8]] = &[
        b"+OK ready\r\n",
        b"+OK\r\n",
        b"+OK\r\n",
        b"+OK 120 octets\r\npartial",
    ];
    let mut io = scripted(script, 4096, true);
    let mut c = client();
    drive(&mut c, &mut io, |_, _| ControlFlow::Continue(())).unwrap();
    c.user(b"x").unwrap();
    drive(&mut c, &mut io, |_, _| ControlFlow::Continue(())).unwrap();
    c.pass(b"y").unwrap();
    drive(&mut c, &mut io, |_, _| ControlFlow::Continue(())).unwrap();
    c.retr(1).unwrap();
    let r = drive(&mut c, &mut io, |_, _| ControlFlow::Continue(()));
    assert_eq!(r, Err(ClientError::Session(Error::UnexpectedEof)));
}

#[test]
fn commands_issued_from_the_handler_go_out_in_the_same_call() {
    for chunk in [1, 5, 4096] {
        let mut io = scripted(SESSION, chunk, false);
        let mut c = client();
        let mut body = Vec::new();
        // The whole session in one call: each reply's handler issues the next command.
        let r = drive(&mut c, &mut io, |e, session| {
            match e {
                Event::Greeting(_) => {
                    session.user(b"mrose").unwrap();
                }
                Event::Reply {
                    command: client::CommandKind::User,
                    ..
                } => {
                    session.pass(b"secret").unwrap();
                }
                Event::Reply {
                    command: client::CommandKind::Pass,
                    ..
                } => {
                    session.stat().unwrap();
                    session.retr(1).unwrap();
                }
                Event::Body { data, .. } => body.extend_from_slice(data),
                _ => {}
            }
            ControlFlow::Continue(())
        });
        assert_eq!(r, Ok(Drive::Idle));
        assert_eq!(body, b"body\r\n.dot\r\n");
        assert_eq!(
            io.written,
            b"USER mrose\r\nPASS secret\r\nSTAT\r\nRETR 1\r\n"
        );
    }
}

/// A client over (pretend) TLS: the fallback rules depend on it.
fn tls_client() -> Client {
    Client::new(
        client::Config::default(),
        Transport::Tls,
        Instant::from_millis(0),
    )
}

/// Reads the greeting and the capabilities.
fn greeted(c: &mut Client, io: &mut Scripted) {
    drive(c, io, |_, _| ControlFlow::Continue(())).unwrap();
    c.capa().unwrap();
    drive(c, io, |_, _| ControlFlow::Continue(())).unwrap();
}

fn written_lines(io: &Scripted) -> Vec<String> {
    String::from_utf8_lossy(&io.written)
        .lines()
        .map(str::to_owned)
        .collect()
}

const APOP_GREETING: &[u8] = b"+OK ready <1896.697170952@dbc.mtview.ca.us>\r\n";

/// RFC 1939 section 7: a timestamp says the server implements APOP, not that this user has
/// an APOP secret (GNU Mailutils refuses such users with [AUTH]). Over TLS the login falls
/// back, once, to a method that sends the password; the refusals are all seen.
#[test]
fn a_refused_apop_falls_back_to_user_pass_over_tls() {
    use pop3_proto::client::{LoginMethod, Refusal};
    use pop3_proto::codec::RespCodeKind;
    use pop3_proto::io::blocking::login_auto;
    use pop3_proto::sasl::Credentials;
    let creds = Credentials::password(b"mrose", b"tanstaaf");
    let mut io = scripted(
        &[
            APOP_GREETING,
            b"+OK\r\nUSER\r\nRESP-CODES\r\n.\r\n",
            b"-ERR [AUTH] no APOP secret for this user\r\n",
            b"+OK\r\n",
            b"+OK maildrop ready\r\n",
        ],
        usize::MAX,
        false,
    );
    let mut c = tls_client();
    greeted(&mut c, &mut io);
    let mut refusals: Vec<Refusal> = Vec::new();
    let method = login_auto(&mut c, &mut io, &creds, |e| refusals.extend(e.refusal())).unwrap();
    assert_eq!(method, LoginMethod::UserPass);
    assert_eq!(
        refusals,
        [Refusal {
            command: client::CommandKind::Apop,
            code: Some(RespCodeKind::Auth)
        }]
    );
    let lines = written_lines(&io);
    assert!(lines[1].starts_with("APOP mrose "), "{lines:?}");
    assert_eq!(lines[2..], ["USER mrose", "PASS tanstaaf"]);
}

#[test]
fn no_fallback_without_tls_for_a_locked_maildrop_or_after_the_password_was_sent() {
    use pop3_proto::client::CommandKind;
    use pop3_proto::io::blocking::login_auto;
    use pop3_proto::sasl::Credentials;
    let creds = Credentials::password(b"mrose", b"tanstaaf");
    let cases: [(&str, Client, &[&[u8]], CommandKind); 3] = [
        (
            // A forged refusal must not draw the password out in cleartext.
            "cleartext",
            client(),
            &[
                APOP_GREETING,
                b"+OK\r\nUSER\r\n.\r\n",
                b"-ERR [AUTH] no\r\n",
            ],
            CommandKind::Apop,
        ),
        (
            "in use",
            tls_client(),
            &[
                APOP_GREETING,
                b"+OK\r\nUSER\r\n.\r\n",
                b"-ERR [IN-USE] locked\r\n",
            ],
            CommandKind::Apop,
        ),
        (
            "password sent",
            tls_client(),
            &[
                b"+OK ready\r\n",
                b"+OK\r\nSASL PLAIN\r\nUSER\r\n.\r\n",
                b"-ERR [AUTH] wrong\r\n",
            ],
            CommandKind::Auth,
        ),
    ];
    for (name, mut c, script, refused) in cases {
        let mut io = scripted(script, usize::MAX, false);
        greeted(&mut c, &mut io);
        match login_auto(&mut c, &mut io, &creds, |_| {}) {
            Err(ClientError::Refused(r)) => assert_eq!(r.command, refused, "{name}"),
            other => panic!("{name}: {other:?}"),
        }
        assert_eq!(written_lines(&io).len(), 2, "{name}: one attempt only");
    }
}

#[test]
fn a_refused_cram_md5_falls_back_to_plain_and_a_token_finds_no_method_without_bearer() {
    use pop3_proto::client::{LoginMethod, UsageError};
    use pop3_proto::codec::Mechanism;
    use pop3_proto::io::blocking::login_auto;
    use pop3_proto::sasl::Credentials;
    let creds = Credentials::password(b"mrose", b"tanstaaf");
    let mut io = scripted(
        &[
            b"+OK ready\r\n",
            b"+OK\r\nSASL CRAM-MD5 PLAIN\r\nUSER\r\n.\r\n",
            b"+ PDE4OTYuNjk3MTcwOTUyQHBvc3RvZmZpY2UuZXhhbXBsZS5uZXQ+\r\n",
            b"-ERR password stored hashed\r\n",
            b"+OK\r\n",
        ],
        usize::MAX,
        false,
    );
    let mut c = tls_client();
    greeted(&mut c, &mut io);
    let method = login_auto(&mut c, &mut io, &creds, |_| {}).unwrap();
    assert_eq!(method, LoginMethod::Sasl(Mechanism::Plain));
    let lines = written_lines(&io);
    assert_eq!(lines[1], "AUTH CRAM-MD5");
    assert!(lines[3].starts_with("AUTH PLAIN "), "{lines:?}");

    let token = Credentials::bearer(b"mrose", b"ya29");
    let mut io = scripted(
        &[b"+OK ready\r\n", b"+OK\r\nUSER\r\n.\r\n"],
        usize::MAX,
        false,
    );
    let mut c = tls_client();
    greeted(&mut c, &mut io);
    match login_auto(&mut c, &mut io, &token, |_| {}) {
        Err(ClientError::Usage(UsageError::NoLoginMethod)) => {}
        other => panic!("{other:?}"),
    }
}

/// The streamed RETR step, blocking: the message into the sink, unstuffed; a refusal and a
/// sink that fails say which.
#[test]
fn the_retr_step_streams_a_message_and_reports_refusals_and_sink_failures() {
    use pop3_proto::io::blocking::retr;
    let logged_in = |script: &[&[u8]]| {
        let mut io = scripted(script, 5, false);
        let mut c = client();
        drive(&mut c, &mut io, |_, _| ControlFlow::Continue(())).unwrap();
        c.user(b"u").unwrap();
        drive(&mut c, &mut io, |_, _| ControlFlow::Continue(())).unwrap();
        c.pass(b"p").unwrap();
        drive(&mut c, &mut io, |_, _| ControlFlow::Continue(())).unwrap();
        (c, io)
    };
    let login: [&[u8]; 3] = [b"+OK ready\r\n", b"+OK\r\n", b"+OK\r\n"];
    let (mut c, mut io) = logged_in(&[
        login[0],
        login[1],
        login[2],
        b"+OK\r\nbody\r\n..dot\r\n.\r\n",
    ]);
    let mut sink: Vec<u8> = Vec::new();
    assert_eq!(retr(&mut c, &mut io, 1, &mut sink), Ok(12));
    assert_eq!(sink, b"body\r\n.dot\r\n");

    let (mut c, mut io) = logged_in(&[login[0], login[1], login[2], b"-ERR [SYS/TEMP] later\r\n"]);
    match retr(&mut c, &mut io, 1, &mut Vec::new()) {
        Err(ClientError::Refused(r)) => assert_eq!(r.command, client::CommandKind::Retr),
        other => panic!("{other:?}"),
    }

    let (mut c, mut io) = logged_in(&[login[0], login[1], login[2], b"+OK\r\nbody\r\n.\r\n"]);
    let mut small = [0u8; 2];
    assert_eq!(
        retr(&mut c, &mut io, 1, &mut &mut small[..]),
        Err(ClientError::Sink(ErrorKind::WriteZero))
    );
}
