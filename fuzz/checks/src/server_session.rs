//! The server fed arbitrary client octets, answering its requests in arbitrary ways: no
//! panic, no endless loop, output within its buffer, and nothing removed without QUIT.

use arbitrary::{Arbitrary, Unstructured};
use std::convert::Infallible;

use pop3_proto::Instant;
use pop3_proto::io::{self, Ended, blocking};
use pop3_proto::server::{self, AuthRequest, Failure, Marked, Server};

use crate::reference::split;

#[derive(Debug, Arbitrary)]
struct Input<'a> {
    config: u8,
    tls: bool,
    answers: [u8; 8],
    cuts: u64,
    client: &'a [u8],
}

type S = Server<'static, 512, 1024, 2>;

pub fn check(data: &[u8]) {
    let Ok(input) = Input::arbitrary_take_rest(Unstructured::new(data)) else {
        return;
    };
    let c = input.config;
    let config = server::Config::named(b"ready", b"fuzz.example")
        .with_stls(c & 1 != 0)
        .with_cleartext_passwords(c & 2 != 0)
        .with_shared_secrets(c & 4 != 0)
        .with_oauth(c & 8 != 0)
        .with_utf8(c & 16 != 0);
    let mut server: S = Server::new(
        config,
        b"1.1",
        if input.tls {
            pop3_proto::Transport::Tls
        } else {
            pop3_proto::Transport::Plain
        },
        Instant::from_millis(0),
    );
    let mut answers = input.answers.iter().copied().cycle();
    let mut quit_seen = false;
    let mut now = 0;
    for read in split(input.client, input.cuts) {
        now += 1;
        let mut rest = read;
        let mut rounds = 0;
        while !rest.is_empty() {
            let n = server.handle_input(Instant::from_millis(now), rest);
            rest = &rest[n..];
            serve(&mut server, &mut answers, &mut quit_seen);
            rounds += 1;
            assert!(rounds < 10_000, "input never taken");
        }
        serve(&mut server, &mut answers, &mut quit_seen);
    }
    server.handle_eof(Instant::from_millis(now + 1));
    serve(&mut server, &mut answers, &mut quit_seen);
}

/// A maildrop whose every answer is taken from the fuzz input: good and bad logins,
/// vanished messages, unique-ids that cannot be sent, bodies of every shape, failed UPDATEs.
struct Fuzzed<'i, I: Iterator<Item = u8>> {
    answers: &'i mut I,
    quit_seen: &'i mut bool,
}

impl<I: Iterator<Item = u8>> Fuzzed<'_, I> {
    fn next(&mut self) -> u8 {
        self.answers.next().unwrap_or(0)
    }
}

impl<I: Iterator<Item = u8>> io::Maildrop for Fuzzed<'_, I> {
    type Body = &'static [u8];

    fn login(&mut self, auth: &AuthRequest<'_>) -> Result<u32, Failure> {
        let a = self.next();
        if auth.matches_secret(b"secret") || a & 1 == 0 {
            Ok(u32::from(a))
        } else {
            Err(Failure::Auth)
        }
    }
    fn size(&mut self, _: u32) -> Result<u64, Failure> {
        match self.next() {
            7 => Err(Failure::SysTemp),
            a => Ok(u64::from(a)),
        }
    }
    fn uid(&mut self, msg: u32) -> Result<&[u8], Failure> {
        Ok(match self.next() {
            7 => b"bad uid",
            _ if msg.is_multiple_of(2) => b"even",
            _ => b"odd",
        })
    }
    fn open(&mut self, _: u32) -> Result<&'static [u8], Failure> {
        Ok(match self.next() % 5 {
            0 => b"",
            1 => b".\r\n..\n.\rx",
            2 => b"Subject: a\n\nline\n.\nline\n",
            3 => return Err(Failure::SysTemp),
            _ => b"no newline",
        })
    }
    fn update(&mut self, _: Marked<'_>) -> Result<(), Failure> {
        *self.quit_seen = true;
        if self.next() & 1 == 0 {
            Ok(())
        } else {
            Err(Failure::SysTemp)
        }
    }
}

/// Where the server's output goes: nowhere, checked to stay within the output buffer.
struct Sink;

impl embedded_io::ErrorType for Sink {
    type Error = Infallible;
}

impl embedded_io::Write for Sink {
    fn write(&mut self, buf: &[u8]) -> Result<usize, Infallible> {
        assert!(buf.len() <= 1024, "output beyond the server's buffer");
        Ok(buf.len())
    }
    fn flush(&mut self) -> Result<(), Infallible> {
        Ok(())
    }
}

/// Answers through the core's own server loop.
fn serve(server: &mut S, answers: &mut impl Iterator<Item = u8>, quit_seen: &mut bool) {
    let mut drop = Fuzzed { answers, quit_seen };
    let mut buf = [0u8; 7];
    match blocking::answer(server, &mut Sink, &mut drop, |_| Ok(()), &mut buf) {
        Ok(Some(Ended::Closed { update })) => {
            assert!(!update || *drop.quit_seen, "UPDATE without QUIT")
        }
        Ok(_) => {}
        // Input after the +OK to STLS, before the handshake the loop runs at once, cannot
        // happen here; everything else the core answers itself.
        Err(e) => panic!("the server loop failed: {e}"),
    }
}
