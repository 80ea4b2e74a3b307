//! The `pop3` CLI against scripted servers that misbehave, over real sockets: whatever a
//! server sends, the CLI never shows it raw to a terminal, never stores or deletes what it
//! did not get whole, and says what happened with an exit code a script can act on.

mod support;

use std::net::TcpListener;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use support::scripted::{Answer, Scripted, send};

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// `pop3` against `server` over plain TCP, user `u`, password `p`.
fn pop3(server: &Scripted) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_pop3"));
    c.args([
        "--server",
        &format!("pop3://u@127.0.0.1:{}", server.port),
        "--insecure-plaintext",
        "--password-env",
        "P",
    ])
    .env("P", "p");
    c
}

/// A well-behaved server for `messages` (as served: CRLF, no line starting with a dot),
/// where `tweak` may answer a line its own way first.
fn mailbox(
    messages: Vec<Vec<u8>>,
    tweak: impl Fn(&str) -> Option<Answer> + Send + Sync + 'static,
) -> Scripted {
    Scripted::start(send("+OK scripted\r\n"), move |line| {
        if let Some(a) = tweak(line) {
            return a;
        }
        let words: Vec<&str> = line.split(' ').collect();
        let nth = |i: usize| -> Option<&Vec<u8>> {
            words
                .get(i)?
                .parse::<usize>()
                .ok()?
                .checked_sub(1)
                .and_then(|n| messages.get(n))
        };
        match words[0] {
            "CAPA" => send("+OK\r\nUSER\r\nUIDL\r\nTOP\r\n.\r\n"),
            "USER" | "PASS" | "NOOP" | "RSET" => send("+OK\r\n"),
            "STAT" => {
                let total: usize = messages.iter().map(Vec::len).sum();
                send(format!("+OK {} {total}\r\n", messages.len()))
            }
            "LIST" => {
                let mut r = b"+OK\r\n".to_vec();
                for (i, m) in messages.iter().enumerate() {
                    r.extend(format!("{} {}\r\n", i + 1, m.len()).bytes());
                }
                r.extend(b".\r\n");
                Answer::Send(r)
            }
            "UIDL" => {
                let mut r = b"+OK\r\n".to_vec();
                for i in 1..=messages.len() {
                    r.extend(format!("{i} uid-{i}\r\n").bytes());
                }
                r.extend(b".\r\n");
                Answer::Send(r)
            }
            "RETR" => match nth(1) {
                Some(m) => {
                    let mut r = format!("+OK {} octets\r\n", m.len()).into_bytes();
                    r.extend(m);
                    r.extend(b".\r\n");
                    Answer::Send(r)
                }
                None => send("-ERR no such message\r\n"),
            },
            "DELE" if nth(1).is_some() => send("+OK deleted\r\n"),
            "QUIT" => send("+OK bye\r\n"),
            _ => send("-ERR unknown\r\n"),
        }
    })
}

/// Issue: `-ERR` texts reached the terminal raw (`\x1b[31m...`). They are escaped, in
/// text and in JSON (there as `\u001b`, the same string to a JSON reader); and a refused
/// login still ends with QUIT.
#[test]
fn server_text_never_reaches_the_terminal_raw() {
    let evil = b"-ERR [AUTH] \x1b[31mbad\x00 pass\xff \xc2\x9b2J\r\n";
    let server = mailbox(vec![], move |line| {
        line.starts_with("PASS")
            .then(|| Answer::Send(evil.to_vec()))
    });
    let out = pop3(&server).arg("list").output().unwrap();
    assert_eq!(out.status.code(), Some(5), "{}", text(&out));
    for stream in [&out.stdout, &out.stderr] {
        assert!(
            !stream.iter().any(|&b| b < 0x20 && b != b'\n'),
            "{}",
            text(&out)
        );
        assert!(
            !String::from_utf8_lossy(stream).contains('\u{9b}'),
            "{}",
            text(&out)
        );
    }
    assert!(
        text(&out).contains(r"\x1b[31mbad\x00 pass"),
        "{}",
        text(&out)
    );
    assert_eq!(server.lines().last().map(String::as_str), Some("QUIT"));

    let out = pop3(&server).args(["--json", "list"]).output().unwrap();
    assert_eq!(out.status.code(), Some(5), "{}", text(&out));
    assert!(
        !out.stdout.iter().any(|&b| b < 0x20 && b != b'\n'),
        "{}",
        text(&out)
    );
    assert!(!String::from_utf8_lossy(&out.stdout).contains('\u{9b}'));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["error"], "auth");
}

/// Issue: a server that drips an octet just before each idle timeout held the CLI for
/// ever. The reply deadline ends it, greeting or body, with an error that says so.
#[test]
fn a_dripping_server_is_cut_off_at_the_reply_deadline() {
    let pause = Duration::from_millis(300);
    let greeting = Scripted::start(
        Answer::Drip(b"+OK dripping very slowly\r\n".to_vec(), pause),
        |_| send("+OK\r\n"),
    );
    let body = mailbox(vec![], move |line| {
        line.starts_with("LIST")
            .then(|| Answer::Drip(b"+OK\r\n1 10\r\n2 20\r\n3 30\r\n.\r\n".to_vec(), pause))
    });
    for server in [&greeting, &body] {
        let started = Instant::now();
        let out = pop3(server)
            .args(["--timeout", "1", "--deadline", "2", "list"])
            .output()
            .unwrap();
        let took = started.elapsed();
        assert_eq!(out.status.code(), Some(6), "{}", text(&out));
        assert!(text(&out).contains("deadline"), "{}", text(&out));
        assert!(took < Duration::from_secs(5), "{took:?}");
    }
}

/// Issue: a TLS handshake that timed out was "connection failed: Resource temporarily
/// unavailable (os error 11)", exit 3. It is a TLS failure that says what happened.
#[test]
fn a_tls_handshake_that_never_ends_is_a_tls_timeout() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let _silent = std::thread::spawn(move || {
        let held: Vec<_> = listener.incoming().take(1).collect();
        std::thread::sleep(Duration::from_secs(10));
        drop(held);
    });
    let out = Command::new(env!("CARGO_BIN_EXE_pop3"))
        .args(["--server", &format!("pop3s://u@127.0.0.1:{port}")])
        .args(["--password-env", "P", "--timeout", "1", "list"])
        .env("P", "p")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(4), "{}", text(&out));
    assert!(
        text(&out).contains("TLS handshake did not complete in time"),
        "{}",
        text(&out)
    );
}

/// Issue: `pop3s://` at a plaintext port said "received corrupt message of type
/// InvalidContentType" with advice about --ca-file. It says the port speaks plaintext.
#[test]
fn implicit_tls_against_a_plaintext_port_says_so() {
    let server = mailbox(vec![], |_| None);
    let out = Command::new(env!("CARGO_BIN_EXE_pop3"))
        .args(["--server", &format!("pop3s://u@127.0.0.1:{}", server.port)])
        .args(["--password-env", "P", "--timeout", "5", "list"])
        .env("P", "p")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(4), "{}", text(&out));
    let t = text(&out);
    assert!(t.contains("answered in plaintext"), "{t}");
    assert!(t.contains("--starttls"), "{t}");
    assert!(!t.contains("--ca-file"), "{t}");
}
