//! A firmware that runs a whole server session (greeting, USER/PASS, STAT, LIST, UIDL, RETR,
//! TOP, DELE, QUIT with UPDATE) for a scripted client, with no global allocator.
#![no_std]
#![no_main]

use core::hint::black_box;

use cortex_m as _;
use panic_halt as _;
use pop3_proto::Instant;
use pop3_proto::server::{self, Failure, Request, Server};

const CLIENT: &[u8] =
    b"CAPA\r\nUSER user\r\nPASS pw\r\nSTAT\r\nLIST\r\nUIDL 1\r\nRETR 1\r\nTOP 1 0\r\n\
DELE 1\r\nQUIT\r\n";
const MESSAGE: &[u8] = b"Subject: hi\r\n\r\n.dotted\r\n";

#[cortex_m_rt::entry]
fn main() -> ! {
    loop {
        let config = server::Config::named(b"ready", b"device.local");
        let mut server: Server<'_, 512, 1024, 2> = Server::new(
            config.with_cleartext_passwords(true),
            b"1.2",
            pop3_proto::Transport::Plain,
            Instant::from_millis(0),
        );
        let mut input: &[u8] = black_box(CLIENT);
        let mut sent = 0usize;
        while !input.is_empty() {
            let n = server.handle_input(Instant::from_millis(1), input);
            input = input.get(n..).unwrap_or_default();
            loop {
                let out = server.poll_transmit().len();
                sent += out;
                server.transmitted(out);
                let Ok(Some(request)) = server.poll_event() else {
                    if server.poll_transmit().is_empty() {
                        break;
                    }
                    continue;
                };
                let _ = match request {
                    Request::Auth(auth) if auth.matches_secret(black_box(b"pw")) => {
                        server.accept_login(1)
                    }
                    Request::Auth(_) => server.reject_login(Failure::Auth, b"no"),
                    Request::Size { .. } => server.size(MESSAGE.len() as u64),
                    Request::Uid { .. } => server.uid(b"uid-1"),
                    Request::Retrieve { .. } => {
                        let _ = server.send_body(black_box(MESSAGE));
                        server.end_body()
                    }
                    Request::Update { marked } => {
                        black_box(marked.count());
                        server.update_done(Ok(()))
                    }
                    Request::StartTls => server.tls_established(),
                    Request::Closed { update } => {
                        black_box(update);
                        Ok(())
                    }
                };
            }
        }
        black_box(sent);
    }
}
