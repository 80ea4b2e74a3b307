//! The server fed arbitrary client octets, answering its requests in arbitrary ways: no
//! panic, no endless loop, output within its buffer, and nothing removed without QUIT.

use arbitrary::{Arbitrary, Unstructured};
use pop3_proto::Instant;
use pop3_proto::server::{self, Failure, Request, Server};

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

fn serve(server: &mut S, answers: &mut impl Iterator<Item = u8>, quit_seen: &mut bool) {
    for _ in 0..100_000 {
        let out = server.poll_transmit().len();
        assert!(out <= 1024);
        server.transmitted(out);
        let req = match server.poll_event() {
            Ok(Some(req)) => req,
            Ok(None) | Err(_) => {
                if server.poll_transmit().is_empty() {
                    return;
                }
                continue;
            }
        };
        let a = answers.next().unwrap_or(0);
        let answered = match req {
            Request::Auth(auth) => {
                let good = auth.matches_secret(b"secret");
                if good || a & 1 == 0 {
                    server.accept_login(u32::from(a))
                } else {
                    server.reject_login(Failure::Auth, b"no")
                }
            }
            Request::Size { .. } if a == 7 => server.fail(Failure::SysTemp, b"gone"),
            Request::Size { .. } => server.size(u64::from(a)),
            Request::Uid { .. } if a == 7 => server.uid(b"bad uid"),
            Request::Uid { msg } => server.uid(if msg % 2 == 0 { b"even" } else { b"odd" }),
            Request::Retrieve { .. } => {
                let body: &[u8] = match a % 4 {
                    0 => b"",
                    1 => b".\r\n..\n.\rx",
                    2 => b"Subject: a\n\nline\n.\nline\n",
                    _ => b"no newline",
                };
                let mut rest = body;
                for _ in 0..1000 {
                    if rest.is_empty() || !server.body_wanted() {
                        break;
                    }
                    let n = server.send_body(rest).expect("a body request is open");
                    rest = &rest[n..];
                    let out = server.poll_transmit().len();
                    server.transmitted(out);
                }
                loop {
                    match server.end_body() {
                        Err(server::UsageError::OutputFull { .. }) => {
                            let out = server.poll_transmit().len();
                            server.transmitted(out);
                        }
                        other => break other,
                    }
                }
            }
            Request::StartTls => server.tls_established(),
            Request::Update { .. } => {
                *quit_seen = true;
                server.update_done(if a & 1 == 0 {
                    Ok(())
                } else {
                    Err(Failure::SysTemp)
                })
            }
            Request::Closed { update } => {
                assert!(!update || *quit_seen, "UPDATE without QUIT");
                Ok(())
            }
        };
        match answered {
            Ok(()) => {}
            // An answer the core cannot send leaves the request open (nothing was sent):
            // the application must answer again, here with a failure.
            Err(server::UsageError::BadValue(_)) => server
                .fail(Failure::SysTemp, b"bad value")
                .expect("fail answers any open request"),
            Err(e) => panic!("an answer to the request just reported failed: {e}"),
        }
    }
    panic!("poll_event never settled");
}
