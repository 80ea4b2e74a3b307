//! A firmware that runs a whole client session (greeting, login, STAT, UIDL, RETR, DELE,
//! QUIT) through the core's blocking loop against a scripted server, with no global
//! allocator. Features choose the login: USER/PASS by default, `apop` for APOP, `sasl` for
//! AUTH PLAIN / CRAM-MD5, `scram` for those and SCRAM-SHA-256.
#![no_std]
#![no_main]

#[path = "../script.rs"]
mod script;

use core::hint::black_box;
use core::ops::ControlFlow;

use cortex_m as _;
use panic_halt as _;
use pop3_proto::Instant;
use pop3_proto::client::{self, Client, Event, LoginMethod, Security, Transport};
use pop3_proto::codec::Mechanism;
use pop3_proto::io::blocking::drive;

const SERVER: &[u8] = b"+OK ready <1.2@host>\r\n+OK\r\n+OK\r\n+OK 1 10\r\n+OK\r\n1 abc\r\n.\r\n\
+OK\r\nhi\r\n..x\r\n.\r\n+OK\r\n+OK bye\r\n";

fn credentials() -> pop3_proto::sasl::Credentials<'static> {
    pop3_proto::sasl::Credentials::password(black_box(b"user"), black_box(b"pw"))
        .with_nonce(black_box(b"fyko+d2lbbFgONRv9qkxdawL"))
}

fn method() -> LoginMethod {
    if cfg!(feature = "apop") {
        LoginMethod::Apop
    } else if cfg!(feature = "sasl") {
        LoginMethod::Sasl(match black_box(0u8) {
            0 => Mechanism::Plain,
            1 if cfg!(feature = "scram") => Mechanism::ScramSha256,
            _ => Mechanism::CramMd5,
        })
    } else {
        LoginMethod::UserPass
    }
}

#[cortex_m_rt::entry]
fn main() -> ! {
    loop {
        let config = client::Config::default().with_security(Security::AllowCleartext);
        let mut client: Client<512, 256, 8> =
            Client::new(config, Transport::Plain, Instant::from_millis(0));
        let mut io = script::Script::new(SERVER);
        let creds = credentials();
        let method = method();
        let mut octets = 0usize;
        let _ = drive(&mut client, &mut io, |event, session| {
            match &event {
                Event::Greeting(_) => {
                    let _ = method.start(session, &creds);
                }
                Event::Body { data, .. } => octets += data.len(),
                Event::Reply { command, .. }
                    if command.is_login() && session.state() == client::State::Transaction =>
                {
                    let _ = session.stat();
                    let _ = session.uidl(None);
                    let _ = session.retr(1);
                    let _ = session.dele(1);
                    let _ = session.quit();
                }
                _ => {}
            }
            let _ = method.on_event(&event, session, &creds);
            ControlFlow::Continue(())
        });
        black_box((octets, io.sent));
    }
}
