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
