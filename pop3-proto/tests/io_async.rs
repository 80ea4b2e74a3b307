//! The async loops of both roles, client and server, joined in one task over an in-memory
//! connection that hands out a few octets at a time and is often not ready; and their
//! cancel safety: the client's future dropped at arbitrary awaits and started again loses
//! no octet and sends none twice.

mod common;

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::future::Future;
use std::ops::ControlFlow;
use std::pin::pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

use common::server::{Maildrop, TestServer};
use embedded_io_async::{ErrorType, Read, Write};
use pop3_proto::client::{self, Client, CommandKind, Event, Security};
use pop3_proto::io::asynch::{Timer, drive, serve};
use pop3_proto::io::{Drive, Ended};
use pop3_proto::server::{self, Server};
use pop3_proto::{Instant, Transport};

/// One direction of the connection.
#[derive(Default)]
struct Pipe {
    bytes: VecDeque<u8>,
    closed: bool,
}

/// One end: reads from `rx`, writes to `tx`, and is not ready every `every`-th poll.
struct End {
    rx: Rc<RefCell<Pipe>>,
    tx: Rc<RefCell<Pipe>>,
    chunk: usize,
    polls: Rc<Cell<u64>>,
    every: u64,
}

impl End {
    fn stalls(&self) -> bool {
        let n = self.polls.get() + 1;
        self.polls.set(n);
        !n.is_multiple_of(self.every)
    }
}

impl ErrorType for End {
    type Error = std::convert::Infallible;
}

impl Read for End {
    async fn read(&mut self, buf: &mut [u8]) -> Result<usize, Self::Error> {
        std::future::poll_fn(|_| {
            if self.stalls() {
                return Poll::Pending;
            }
            let mut pipe = self.rx.borrow_mut();
            if pipe.bytes.is_empty() {
                return if pipe.closed {
                    Poll::Ready(Ok(0))
                } else {
                    Poll::Pending
                };
            }
            let n = buf.len().min(self.chunk).min(pipe.bytes.len());
            for slot in &mut buf[..n] {
                *slot = pipe.bytes.pop_front().unwrap();
            }
            Poll::Ready(Ok(n))
        })
        .await
    }
}

impl Write for End {
    async fn write(&mut self, buf: &[u8]) -> Result<usize, Self::Error> {
        std::future::poll_fn(|_| {
            if self.stalls() {
                return Poll::Pending;
            }
            let n = buf.len().min(self.chunk);
            self.tx.borrow_mut().bytes.extend(&buf[..n]);
            Poll::Ready(Ok(n))
        })
        .await
    }

    async fn flush(&mut self) -> Result<(), Self::Error> {
        Ok(())
    }
}

/// A clock that moves one millisecond per poll of anything that waits on it.
struct Ticks(Rc<Cell<u64>>);

impl Timer for Ticks {
    fn now(&mut self) -> Instant {
        Instant::from_millis(self.0.get())
    }

    fn sleep_until(&mut self, at: Instant) -> impl Future<Output = ()> {
        let now = Rc::clone(&self.0);
        std::future::poll_fn(move |_| {
            now.set(now.get() + 1);
            if now.get() >= at.as_millis() {
                Poll::Ready(())
            } else {
                Poll::Pending
            }
        })
    }
}

fn pair(chunk: usize, every: u64) -> (End, End) {
    let a = Rc::new(RefCell::new(Pipe::default()));
    let b = Rc::new(RefCell::new(Pipe::default()));
    let polls = Rc::new(Cell::new(0));
    let client = End {
        rx: Rc::clone(&a),
        tx: Rc::clone(&b),
        chunk,
        polls,
        every,
    };
    let server = End {
        rx: b,
        tx: a,
        chunk,
        polls: Rc::new(Cell::new(0)),
        every: every + 1,
    };
    (client, server)
}

const MESSAGES: &[(&[u8], &[u8])] = &[
    (b"uid-1", b"Subject: one\r\n\r\n.dot\r\nline\r\n"),
    (b"uid-2", b"Subject: two\n\n..\n.\nend"),
];

/// The client's side of a session, kept outside the loop's future so that a dropped future
/// can be resumed: what it heard, and what it issued.
#[derive(Default)]
struct Heard {
    body: Vec<u8>,
    stage: u8,
    closed: Option<bool>,
}

fn react(
    heard: &mut Heard,
    event: Event<'_>,
    session: &mut client::Session<512, 8>,
) -> ControlFlow<()> {
    match event {
        Event::Greeting(_) => {
            session.user(b"mrose").unwrap();
        }
        Event::Reply {
            command: CommandKind::User,
            ..
        } => {
            session.pass(b"tanstaaf").unwrap();
        }
        Event::Reply {
            command: CommandKind::Pass,
            line,
            ..
        } => {
            assert!(line.is_ok());
            session.retr(1).unwrap();
            session.retr(2).unwrap();
            session.dele(1).unwrap();
            session.quit().unwrap();
        }
        Event::Body { data, .. } => heard.body.extend_from_slice(data),
        Event::End { .. } => heard.stage += 1,
        Event::Closed { update } => heard.closed = Some(update),
        _ => {}
    }
    ControlFlow::Continue(())
}

/// Polls `f` until it completes; `None` if it does not within `limit` polls.
fn run<F: Future>(f: F, limit: usize) -> Option<F::Output> {
    let mut f = pin!(f);
    let mut cx = Context::from_waker(Waker::noop());
    for _ in 0..limit {
        if let Poll::Ready(out) = f.as_mut().poll(&mut cx) {
            return Some(out);
        }
    }
    None
}

fn expected_body() -> Vec<u8> {
    let mut out = Vec::new();
    for (_, body) in MESSAGES {
        out.extend_from_slice(&common::normalize(body));
    }
    out
}

fn server_config() -> server::Config<'static> {
    server::Config::named(b"ready", b"test.example").with_cleartext_passwords(true)
}

fn new_client() -> Client<512, 512, 8> {
    let config = client::Config::default()
        .with_security(Security::AllowCleartext)
        .with_reply_timeout(std::time::Duration::from_secs(3600));
    Client::new(config, Transport::Plain, Instant::from_millis(0))
}

#[test]
fn async_client_and_async_server_in_one_task() {
    for (chunk, every) in [(4096, 1), (7, 5), (3, 3), (1, 2)] {
        let (mut c_io, mut s_io) = pair(chunk, every);
        // Each side has its own clock, moving one millisecond per poll of its sleep.
        let (mut c_timer, mut s_timer) = (Ticks(Rc::default()), Ticks(Rc::default()));
        let mut client = new_client();
        let mut server: TestServer = Server::new(
            server_config(),
            b"1.1",
            Transport::Plain,
            Instant::from_millis(0),
        );
        let mut drop = Maildrop::new(MESSAGES);
        let mut heard = Heard::default();
        let mut body_buf = [0u8; 16];
        let client_done = async {
            let r = drive(&mut client, &mut c_io, &mut c_timer, |e, s| {
                react(&mut heard, e, s)
            })
            .await;
            c_io.tx.borrow_mut().closed = true;
            r
        };
        let server_done = serve(
            &mut server,
            &mut s_io,
            &mut s_timer,
            &mut drop,
            async |_: &mut End| Ok(()),
            std::future::pending(),
            &mut body_buf,
        );
        let both = join(client_done, server_done);
        let Some((cr, sr)) = run(both, 1_000_000) else {
            panic!(
                "chunk {chunk}: unfinished; heard {} octets, client {:?}, server {:?} {:?}",
                heard.body.len(),
                client.state(),
                server.state(),
                server.error()
            );
        };
        assert_eq!(cr, Ok(Drive::Closed), "chunk {chunk}");
        assert_eq!(sr, Ok(Ended::Closed { update: true }), "chunk {chunk}");
        assert_eq!(heard.body, expected_body(), "chunk {chunk}");
        assert_eq!(heard.closed, Some(true));
        assert_eq!(drop.removed, Some(vec![1]));
    }
}

/// The client's loop future is dropped after a pseudo-random number of polls, again and
/// again, and a new one resumes; the server sees each command exactly once and the client
/// gets every octet exactly once.
#[test]
fn dropping_the_client_future_at_any_await_loses_and_repeats_nothing() {
    for seed in 1..=40u64 {
        let (mut c_io, s_io) = pair(1 + (seed % 5) as usize, 2 + seed % 3);
        let mut timer = Ticks(Rc::new(Cell::new(0)));
        let mut client = new_client();
        let mut server: TestServer = Server::new(
            server_config(),
            b"1.1",
            Transport::Plain,
            Instant::from_millis(0),
        );
        let mut drop = Maildrop::new(MESSAGES);
        let mut heard = Heard::default();
        let mut rng = seed;
        let mut finished = false;
        for _ in 0..100_000 {
            // The server side runs between the client's attempts, synchronously.
            let mut out = Vec::new();
            let input: Vec<u8> = s_io.rx.borrow_mut().bytes.drain(..).collect();
            let mut rest = &input[..];
            while !rest.is_empty() {
                let n = server.handle_input(Instant::from_millis(1), rest);
                rest = &rest[n..];
                common::server::serve(&mut server, &mut drop, &mut out);
            }
            common::server::serve(&mut server, &mut drop, &mut out);
            s_io.tx.borrow_mut().bytes.extend(out);
            rng = rng
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let polls = 1 + (rng >> 33) as usize % 7;
            let attempt = drive(&mut client, &mut c_io, &mut timer, |e, s| {
                react(&mut heard, e, s)
            });
            if let Some(r) = run(attempt, polls)
                && r.unwrap() == Drive::Closed
            {
                finished = true;
                break;
            }
        }
        assert!(finished, "seed {seed}: the session finished");
        assert_eq!(heard.body, expected_body(), "seed {seed}");
        assert_eq!(heard.stage, 2, "seed {seed}");
        assert_eq!(heard.closed, Some(true), "seed {seed}");
        assert_eq!(
            drop.removed,
            Some(vec![1]),
            "seed {seed}: DELE once, QUIT once"
        );
        let log = drop.log.join(" ");
        assert_eq!(log.matches("Retrieve(1)").count(), 1, "seed {seed}: {log}");
        assert_eq!(log.matches("Retrieve(2)").count(), 1, "seed {seed}: {log}");
    }
}

/// The async loops' futures hold only the loop's own locals: the session, the buffers and
/// the transport are the caller's. Bounded here so that a change that bloats them shows.
#[test]
fn the_loop_futures_are_small() {
    let (mut c_io, mut s_io) = pair(1, 1);
    let (mut c_timer, mut s_timer) = (Ticks(Rc::default()), Ticks(Rc::default()));
    let mut client = new_client();
    let mut server: TestServer = Server::new(
        server_config(),
        b"1.1",
        Transport::Plain,
        Instant::from_millis(0),
    );
    let mut drop = Maildrop::new(MESSAGES);
    let mut body_buf = [0u8; 16];
    let creds = pop3_proto::sasl::Credentials::password(b"u", b"p");
    let drive_size = std::mem::size_of_val(&drive(&mut client, &mut c_io, &mut c_timer, |_, _| {
        ControlFlow::Continue(())
    }));
    let login_size = std::mem::size_of_val(&pop3_proto::io::asynch::login(
        &mut client,
        &mut c_io,
        &mut c_timer,
        client::LoginMethod::UserPass,
        &creds,
        |_| {},
    ));
    let serve_size = std::mem::size_of_val(&serve(
        &mut server,
        &mut s_io,
        &mut s_timer,
        &mut drop,
        async |_: &mut End| Ok(()),
        std::future::pending(),
        &mut body_buf,
    ));
    println!("future sizes: drive {drive_size} B, login {login_size} B, serve {serve_size} B");
    assert!(drive_size <= 512, "drive: {drive_size}");
    assert!(login_size <= 768, "login: {login_size}");
    assert!(serve_size <= 1024, "serve: {serve_size}");
}

/// Polls both futures in one task until both are done.
async fn join<A: Future, B: Future>(a: A, b: B) -> (A::Output, B::Output) {
    let mut a = pin!(a);
    let mut b = pin!(b);
    let (mut ar, mut br) = (None, None);
    std::future::poll_fn(|cx| {
        if ar.is_none()
            && let Poll::Ready(r) = a.as_mut().poll(cx)
        {
            ar = Some(r);
        }
        if br.is_none()
            && let Poll::Ready(r) = b.as_mut().poll(cx)
        {
            br = Some(r);
        }
        if ar.is_some() && br.is_some() {
            Poll::Ready((ar.take().unwrap(), br.take().unwrap()))
        } else {
            Poll::Pending
        }
    })
    .await
}

/// A sink that takes `room` octets, three at a time and not always at once, then fails.
struct Sink {
    got: Vec<u8>,
    room: usize,
    polls: u32,
}

#[derive(Debug)]
struct Full;

impl std::fmt::Display for Full {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("the sink is full")
    }
}

impl std::error::Error for Full {}

impl embedded_io_async::Error for Full {
    fn kind(&self) -> embedded_io_async::ErrorKind {
        embedded_io_async::ErrorKind::OutOfMemory
    }
}

impl ErrorType for Sink {
    type Error = Full;
}

impl Write for Sink {
    async fn write(&mut self, buf: &[u8]) -> Result<usize, Full> {
        // Not ready on every other call: the step must await it, not spin past it.
        std::future::poll_fn(|cx| {
            self.polls += 1;
            if self.polls % 2 == 1 {
                cx.waker().wake_by_ref();
                Poll::Pending
            } else {
                Poll::Ready(())
            }
        })
        .await;
        if self.got.len() >= self.room {
            return Err(Full);
        }
        let n = buf.len().min(3).min(self.room - self.got.len());
        self.got.extend_from_slice(&buf[..n]);
        Ok(n)
    }

    async fn flush(&mut self) -> Result<(), Full> {
        Ok(())
    }
}

/// The streamed RETR step, async: each chunk written and awaited before the next is read;
/// a refused message and a sink that fails are errors that say which.
#[test]
fn the_async_retr_step_streams_a_message_into_its_sink() {
    use pop3_proto::client::LoginMethod;
    use pop3_proto::io::ClientError;
    use pop3_proto::io::asynch::{establish, login, retr};
    use pop3_proto::sasl::Credentials;
    for (msg, room) in [
        (1u32, usize::MAX),
        (2, usize::MAX),
        (9, usize::MAX),
        (1, 10),
    ] {
        let (mut c_io, mut s_io) = pair(5, 3);
        let (mut c_timer, mut s_timer) = (Ticks(Rc::default()), Ticks(Rc::default()));
        let mut client = new_client();
        let mut server: TestServer = Server::new(
            server_config(),
            b"1.1",
            Transport::Plain,
            Instant::from_millis(0),
        );
        let mut drop = Maildrop::new(MESSAGES);
        let mut body_buf = [0u8; 16];
        let mut sink = Sink {
            got: Vec::new(),
            room,
            polls: 0,
        };
        let creds = Credentials::password(b"mrose", b"tanstaaf");
        let client_done = async {
            establish(
                &mut client,
                &mut c_io,
                &mut c_timer,
                async |_| Ok(()),
                |_| {},
            )
            .await
            .unwrap();
            login(
                &mut client,
                &mut c_io,
                &mut c_timer,
                LoginMethod::UserPass,
                &creds,
                |_| {},
            )
            .await
            .unwrap();
            let r = retr(&mut client, &mut c_io, &mut c_timer, msg, &mut sink).await;
            c_io.tx.borrow_mut().closed = true;
            r
        };
        let server_done = serve(
            &mut server,
            &mut s_io,
            &mut s_timer,
            &mut drop,
            async |_: &mut End| Ok(()),
            std::future::pending(),
            &mut body_buf,
        );
        let (got, _) = run(join(client_done, server_done), 1_000_000).expect("finished");
        let whole = common::normalize(MESSAGES.get(msg as usize - 1).map_or(&b""[..], |m| m.1));
        match (msg, room) {
            (9, _) => match got {
                Err(ClientError::Refused(r)) => assert_eq!(r.command, CommandKind::Retr),
                other => panic!("{other:?}"),
            },
            (_, 10) => {
                assert_eq!(
                    got,
                    Err(ClientError::Sink(embedded_io_async::ErrorKind::OutOfMemory))
                );
                assert_eq!(sink.got, whole[..10]);
            }
            _ => {
                assert_eq!(got, Ok(whole.len() as u64), "message {msg}");
                assert_eq!(sink.got, whole, "message {msg}");
            }
        }
    }
}
