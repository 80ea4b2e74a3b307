//! A client may send many commands at once (RFC 2449 section 6.6, PIPELINING): the server
//! loops must answer every complete command they already hold before they read again.
//! The core holds a command back while its output buffer lacks room for a reply; once the
//! loop has written that output out, the command is answered, not left waiting for input
//! that a pipelining client, itself waiting for the replies, will never send.

mod common;

use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll, Waker};

use common::server::{Maildrop, TestServer};
use embedded_io::{ErrorKind, ErrorType};
use pop3_proto::io::blocking::Clock;
use pop3_proto::io::{Ended, ServerError, asynch, blocking};
use pop3_proto::server::{self, Server};
use pop3_proto::{Instant, Transport};

/// Messages of 1500 octets: two replies fill the test server's 2048-octet output buffer
/// past the room a command needs.
fn maildrop() -> Maildrop {
    let body: Vec<u8> = b"a line of a message body, forty-nine octets long\r\n"
        .iter()
        .copied()
        .cycle()
        .take(1500)
        .collect();
    let messages: Vec<(Vec<u8>, Vec<u8>)> = (1..=20)
        .map(|i| (format!("uid-{i}").into_bytes(), body.clone()))
        .collect();
    let refs: Vec<(&[u8], &[u8])> = messages
        .iter()
        .map(|(u, b)| (u.as_slice(), b.as_slice()))
        .collect();
    let mut drop = Maildrop::new(&refs);
    drop.chunk = 4096;
    drop
}

/// Everything the client sends, in one piece: the login, 20 RETRs, a DELE and QUIT.
fn pipelined() -> Vec<u8> {
    let mut input = b"USER mrose\r\nPASS tanstaaf\r\n".to_vec();
    for i in 1..=20 {
        input.extend_from_slice(format!("RETR {i}\r\n").as_bytes());
    }
    input.extend_from_slice(b"DELE 3\r\nQUIT\r\n");
    input
}

fn new_server() -> TestServer {
    let config = server::Config::named(b"ready", b"test.example").with_cleartext_passwords(true);
    Server::new(config, b"1.1", Transport::Plain, Instant::from_millis(0))
}

/// The server's whole answer to [`pipelined`]: every message, the deletion, the goodbye.
fn assert_all_answered(out: &[u8]) {
    let text = String::from_utf8_lossy(out);
    assert_eq!(
        text.matches("+OK Message follows\r\n").count(),
        20,
        "{text}"
    );
    assert_eq!(text.matches("\r\n.\r\n").count(), 20, "{text}");
    assert!(
        text.ends_with("+OK Logging out, 1 messages deleted\r\n"),
        "{text}"
    );
}

/// A connection whose client sent all its commands in the first read and now waits for
/// the replies: a second read could only wait for ever, so it is an error here.
struct WaitingClient {
    input: Vec<u8>,
    reads: usize,
    out: Vec<u8>,
}

#[derive(Debug)]
struct WouldWaitForEver;

impl std::fmt::Display for WouldWaitForEver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("read again while pipelined commands were unanswered")
    }
}

impl std::error::Error for WouldWaitForEver {}

impl embedded_io::Error for WouldWaitForEver {
    fn kind(&self) -> ErrorKind {
        ErrorKind::Other
    }
}

impl ErrorType for WaitingClient {
    type Error = WouldWaitForEver;
}

impl embedded_io::Read for WaitingClient {
    fn read(&mut self, buf: &mut [u8]) -> Result<usize, WouldWaitForEver> {
        self.reads += 1;
        if self.input.is_empty() {
            return Err(WouldWaitForEver);
        }
        let n = buf.len().min(self.input.len());
        buf[..n].copy_from_slice(&self.input[..n]);
        self.input.drain(..n);
        Ok(n)
    }
}

impl embedded_io::Write for WaitingClient {
    fn write(&mut self, buf: &[u8]) -> Result<usize, WouldWaitForEver> {
        self.out.extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> Result<(), WouldWaitForEver> {
        Ok(())
    }
}

impl Clock for WaitingClient {
    fn now(&mut self) -> Instant {
        Instant::from_millis(1)
    }
    fn set_deadline(&mut self, _: Option<Instant>) -> Result<(), WouldWaitForEver> {
        Ok(())
    }
}

/// The async face of the same connection: a read after the first never completes.
impl embedded_io_async::Read for WaitingClient {
    async fn read(&mut self, buf: &mut [u8]) -> Result<usize, WouldWaitForEver> {
        if self.input.is_empty() {
            self.reads += 1;
            return std::future::pending().await;
        }
        embedded_io::Read::read(self, buf)
    }
}

impl embedded_io_async::Write for WaitingClient {
    async fn write(&mut self, buf: &[u8]) -> Result<usize, WouldWaitForEver> {
        embedded_io::Write::write(self, buf)
    }
    async fn flush(&mut self) -> Result<(), WouldWaitForEver> {
        Ok(())
    }
}

/// A clock that never reaches a deadline: only the client's commands move the session.
struct Still;

impl asynch::Timer for Still {
    fn now(&mut self) -> Instant {
        Instant::from_millis(1)
    }
    fn sleep_until(&mut self, _: Instant) -> impl Future<Output = ()> {
        std::future::pending()
    }
}

fn waiting_client() -> WaitingClient {
    WaitingClient {
        input: pipelined(),
        reads: 0,
        out: Vec::new(),
    }
}

#[test]
fn the_answer_loop_answers_every_command_it_holds() {
    let mut server = new_server();
    let mut drop = maildrop();
    let mut out = Vec::new();
    let input = pipelined();
    assert_eq!(
        server.handle_input(Instant::from_millis(1), &input),
        input.len()
    );
    // One call, no more input: the loop must get through all of it.
    common::server::serve(&mut server, &mut drop, &mut out);
    assert_all_answered(&out);
    assert_eq!(drop.removed, Some(vec![3]));
    assert_eq!(drop.closed, Some(true));
}

#[test]
fn the_blocking_server_loop_reads_once_for_commands_sent_at_once() {
    let mut server = new_server();
    let mut drop = maildrop();
    let mut io = waiting_client();
    let mut body = [0u8; 512];
    let ended = blocking::serve(
        &mut server,
        &mut io,
        &mut drop,
        |_| Ok(()),
        || false,
        &mut body,
    );
    assert!(
        matches!(ended, Ok(Ended::Closed { update: true })),
        "{:?}",
        ended.map_err(|e| e.to_string())
    );
    assert_eq!(io.reads, 1);
    assert_all_answered(&io.out);
}

#[test]
fn the_async_server_loop_reads_once_for_commands_sent_at_once() {
    let mut server = new_server();
    let mut drop = maildrop();
    let mut io = waiting_client();
    let mut body = [0u8; 512];
    let mut timer = Still;
    let ended = {
        let serving = asynch::serve(
            &mut server,
            &mut io,
            &mut timer,
            &mut drop,
            async |_: &mut WaitingClient| Ok(()),
            std::future::pending(),
            &mut body,
        );
        let mut serving = pin!(serving);
        let mut cx = Context::from_waker(Waker::noop());
        (0..10_000).find_map(|_| match serving.as_mut().poll(&mut cx) {
            Poll::Ready(r) => Some(r),
            Poll::Pending => None,
        })
    };
    let ended: Option<Result<Ended, ServerError<WouldWaitForEver>>> = ended;
    assert!(
        matches!(ended, Some(Ok(Ended::Closed { update: true }))),
        "the loop waited for input with commands unanswered: {:?}",
        ended.map(|r| r.map_err(|e| e.to_string()))
    );
    assert_eq!(io.reads, 1);
    assert_all_answered(&io.out);
}
