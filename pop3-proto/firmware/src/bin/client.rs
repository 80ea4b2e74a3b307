//! A firmware that runs a whole client session (greeting, login, STAT, UIDL, RETR, DELE,
//! QUIT) against a scripted byte stream, with no global allocator. Features choose the
//! login: USER/PASS by default, `apop` for APOP, `sasl` for AUTH PLAIN / CRAM-MD5, `scram`
//! for those and SCRAM-SHA-256.
#![no_std]
#![no_main]

use core::hint::black_box;

use cortex_m as _;
use panic_halt as _;
use pop3_proto::Instant;
use pop3_proto::client::{self, Client, CommandKind, Event, Security, Transport};

const SERVER: &[u8] = b"+OK ready <1.2@host>\r\n+OK\r\n+OK\r\n+OK 1 10\r\n+OK\r\n1 abc\r\n.\r\n\
+OK\r\nhi\r\n..x\r\n.\r\n+OK\r\n+OK bye\r\n";

fn credentials() -> pop3_proto::sasl::Credentials<'static> {
    pop3_proto::sasl::Credentials::password(black_box(b"user"), black_box(b"pw"))
        .with_nonce(black_box(b"fyko+d2lbbFgONRv9qkxdawL"))
}

fn login(client: &mut Client<512, 256, 8>) -> bool {
    if cfg!(feature = "apop") {
        client
            .apop(black_box(b"user"), black_box(b"secret"))
            .is_ok()
    } else if cfg!(feature = "sasl") {
        let mech = match black_box(0u8) {
            0 => pop3_proto::codec::Mechanism::Plain,
            1 if cfg!(feature = "scram") => pop3_proto::codec::Mechanism::ScramSha256,
            _ => pop3_proto::codec::Mechanism::CramMd5,
        };
        client.auth(mech, &credentials()).is_ok()
    } else {
        client.user(black_box(b"user")).is_ok()
    }
}

#[cortex_m_rt::entry]
fn main() -> ! {
    loop {
        let config = client::Config::default().with_security(Security::AllowCleartext);
        let mut client: Client<512, 256, 8> =
            Client::new(config, Transport::Plain, Instant::from_millis(0));
        let mut input: &[u8] = black_box(SERVER);
        let mut octets = 0usize;
        let mut now = 0;
        while !input.is_empty() {
            now += 1;
            let n = client.handle_input(Instant::from_millis(now), input);
            input = input.get(n..).unwrap_or_default();
            loop {
                let sent = client.poll_transmit().len();
                client.transmitted(sent);
                let mut next = None;
                match client.poll_event() {
                    Ok(Some(Event::Greeting(_))) => next = Some(0),
                    Ok(Some(Event::Reply {
                        command: CommandKind::User,
                        ..
                    })) => next = Some(1),
                    Ok(Some(Event::Reply {
                        command: CommandKind::Pass | CommandKind::Apop | CommandKind::Auth,
                        ..
                    })) => next = Some(2),
                    Ok(Some(Event::SaslChallenge { .. })) => next = Some(3),
                    Ok(Some(Event::Body { data, .. })) => octets += data.len(),
                    Ok(Some(_)) => {}
                    Ok(None) | Err(_) => break,
                }
                let _ = match next {
                    Some(0) => login(&mut client),
                    Some(1) => client.pass(black_box(b"pw")).is_ok(),
                    Some(2) => {
                        let _ = client.stat();
                        let _ = client.uidl(None);
                        let _ = client.retr(1);
                        let _ = client.dele(1);
                        client.quit().is_ok()
                    }
                    Some(3) if cfg!(feature = "sasl") => {
                        client.sasl_continue(&credentials()).is_ok()
                    }
                    _ => false,
                };
            }
        }
        black_box(octets);
    }
}
