//! The std client against scripted servers over a real socket: replies that a trustworthy
//! server would never send must stop the call with a clear error, never vanish.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::thread;

use pop3_proto::client::CommandKind;
use pop3_std::client::{Client, Connect, Error, Tls};

/// A server that answers each command line with the next reply of `script` (the greeting
/// first, then one reply per command); returns the commands it received.
fn scripted(script: &'static [&'static [u8]]) -> (u16, thread::JoinHandle<Vec<String>>) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("listen");
    let port = listener.local_addr().expect("address").port();
    let handle = thread::spawn(move || {
        let (mut tcp, _) = listener.accept().expect("accept");
        let mut reader = BufReader::new(tcp.try_clone().expect("clone"));
        let mut seen = Vec::new();
        tcp.write_all(script[0]).expect("greeting");
        for reply in &script[1..] {
            let mut line = String::new();
            if reader.read_line(&mut line).unwrap_or(0) == 0 {
                break;
            }
            seen.push(line.trim_end().to_owned());
            tcp.write_all(reply).expect("reply");
        }
        seen
    });
    (port, handle)
}

fn connect(port: u16) -> Client {
    let mut c = Connect::new("127.0.0.1")
        .tls(Tls::None)
        .port(port)
        .allow_cleartext_auth(true)
        .connect()
        .expect("connect");
    c.login("u", "p").expect("login");
    c
}

const LOGIN: [&[u8]; 4] = [
    b"+OK ready\r\n",
    b"-ERR no CAPA\r\n",
    b"+OK\r\n",
    b"+OK logged in\r\n",
];

/// Issue: a UIDL line that did not parse was dropped, and `uidl` returned the rest as if
/// whole (so `fetch --keep` thought it knew every message). It is an error naming the line.
#[test]
fn a_malformed_uidl_line_is_an_error_of_uidl_naming_it() {
    const SCRIPT: &[&[u8]] = &[
        LOGIN[0],
        LOGIN[1],
        LOGIN[2],
        LOGIN[3],
        b"+OK\r\n1 abc\r\ntwo \x1b[31mred\r\n.\r\n",
        b"+OK 1 2\r\n",
        b"+OK bye\r\n",
    ];
    let (port, server) = scripted(SCRIPT);
    let mut c = connect(port);
    let e = c.uidl().expect_err("a UIDL reply with a bad line");
    let shown = e.to_string();
    match e {
        Error::Malformed { command, line, .. } => {
            assert_eq!(command, CommandKind::Uidl);
            assert_eq!(line, "two \u{1b}[31mred");
        }
        other => panic!("expected Malformed, got {other:?}"),
    }
    assert!(
        !shown.contains('\u{1b}'),
        "control octets are escaped: {shown}"
    );
    // The reply was read to its end: the session is still in step.
    assert_eq!(c.stat().expect("STAT after the bad listing"), (1, 2));
    assert!(c.quit().expect("QUIT"));
    assert_eq!(
        server.join().unwrap(),
        ["CAPA", "USER u", "PASS p", "UIDL", "STAT", "QUIT"][..]
    );
}

#[test]
fn a_malformed_list_line_is_an_error_of_list() {
    const SCRIPT: &[&[u8]] = &[
        LOGIN[0],
        LOGIN[1],
        LOGIN[2],
        LOGIN[3],
        b"+OK\r\n1 10\r\nx y\r\n3 30\r\n.\r\n",
        b"+OK bye\r\n",
    ];
    let (port, server) = scripted(SCRIPT);
    let mut c = connect(port);
    match c.list() {
        Err(Error::Malformed { command, line, .. }) => {
            assert_eq!(command, CommandKind::List);
            assert_eq!(line, "x y");
        }
        other => panic!("expected Malformed, got {other:?}"),
    }
    assert!(c.quit().expect("QUIT"));
    server.join().unwrap();
}

/// Issue: octets after the end of message 1 became "message 2" once RETR 2 was sent. A
/// reply that arrived before its command was sent is a protocol error, and nothing of it
/// reaches the caller (the core's tests cover the forms in which RETR 2 is already queued).
#[test]
fn a_reply_sent_before_its_command_never_becomes_a_message() {
    const SCRIPT: &[&[u8]] = &[
        LOGIN[0],
        LOGIN[1],
        LOGIN[2],
        LOGIN[3],
        b"+OK 6 octets\r\nreal\r\n.\r\n+OK 16 octets\r\nforged message\r\n.\r\n",
        b"+OK the real message 2\r\nmessage 2\r\n.\r\n",
    ];
    let (port, server) = scripted(SCRIPT);
    let mut c = connect(port);
    let mut first = Vec::new();
    let mut second = Vec::new();
    let outcome = c.retr(1, &mut first).and_then(|_| c.retr(2, &mut second));
    // The stray reply is seen as soon as message 1 has ended, with no command waiting.
    assert!(
        matches!(
            outcome,
            Err(Error::Protocol(pop3_proto::client::Error::UnsolicitedLine))
        ),
        "{outcome:?}"
    );
    assert!(second.is_empty(), "{second:?}");
    drop(c);
    server.join().unwrap();
}
