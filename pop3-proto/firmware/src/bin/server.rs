//! A firmware that runs a whole server session (greeting, USER/PASS, STAT, LIST, UIDL, RETR,
//! TOP, DELE, QUIT with UPDATE) through the core's blocking server loop for a scripted
//! client, with no global allocator.
#![no_std]
#![no_main]

#[path = "../script.rs"]
mod script;

use core::hint::black_box;

use cortex_m as _;
use panic_halt as _;
use pop3_proto::io::{Maildrop, blocking};
use pop3_proto::server::{self, AuthRequest, Failure, Marked, Server};
use pop3_proto::{Instant, Transport};

const CLIENT: &[u8] =
    b"CAPA\r\nUSER user\r\nPASS pw\r\nSTAT\r\nLIST\r\nUIDL 1\r\nRETR 1\r\nTOP 1 0\r\n\
DELE 1\r\nQUIT\r\n";
const MESSAGE: &[u8] = b"Subject: hi\r\n\r\n.dotted\r\n";

/// One message in flash.
struct OneMessage;

impl Maildrop for OneMessage {
    type Body = &'static [u8];

    fn login(&mut self, auth: &AuthRequest<'_>) -> Result<u32, Failure> {
        if auth.matches_secret(black_box(b"pw")) {
            Ok(1)
        } else {
            Err(Failure::Auth)
        }
    }
    fn size(&mut self, _: u32) -> Result<u64, Failure> {
        Ok(MESSAGE.len() as u64)
    }
    fn uid(&mut self, _: u32) -> Result<&[u8], Failure> {
        Ok(b"uid-1")
    }
    fn open(&mut self, _: u32) -> Result<&'static [u8], Failure> {
        Ok(black_box(MESSAGE))
    }
    fn update(&mut self, marked: Marked<'_>) -> Result<(), Failure> {
        black_box(marked.count());
        Ok(())
    }
}

#[cortex_m_rt::entry]
fn main() -> ! {
    loop {
        let config = server::Config::named(b"ready", b"device.local");
        let mut server: Server<'_, 512, 1024, 2> = Server::new(
            config.with_cleartext_passwords(true),
            b"1.2",
            Transport::Plain,
            Instant::from_millis(0),
        );
        let mut io = script::Script::new(CLIENT);
        let mut body = [0u8; 64];
        let ended = blocking::serve(
            &mut server,
            &mut io,
            &mut OneMessage,
            |_| Ok(()),
            || false,
            &mut body,
        );
        black_box((ended.is_ok(), io.sent));
    }
}
