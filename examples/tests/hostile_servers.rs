//! The `pop3` CLI against scripted servers that misbehave, over real sockets: whatever a
//! server sends, the CLI never shows it raw to a terminal, never stores or deletes what it
//! did not get whole, and says what happened with an exit code a script can act on.

mod support;

use std::net::TcpListener;
use std::process::Command;
use std::time::{Duration, Instant};

use support::scripted::{Answer, Scripted, send};
use support::{files_in, scratch, text};

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
    mailbox_greeting("+OK scripted\r\n", messages, tweak)
}

/// [`mailbox`] with another greeting.
fn mailbox_greeting(
    greeting: &str,
    messages: Vec<Vec<u8>>,
    tweak: impl Fn(&str) -> Option<Answer> + Send + Sync + 'static,
) -> Scripted {
    Scripted::start(send(greeting), move |line| {
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
    let out = list_at(&format!("pop3s://u@127.0.0.1:{}", server.port));
    assert_eq!(out.status.code(), Some(4), "{}", text(&out));
    let t = text(&out);
    assert!(t.contains("answered in plaintext"), "{t}");
    assert!(t.contains("--starttls"), "{t}");
    assert!(!t.contains("--ca-file"), "{t}");
}

/// `pop3 list` against `url`, the password from the environment.
fn list_at(url: &str) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_pop3"))
        .args([
            "--server",
            url,
            "--password-env",
            "P",
            "--timeout",
            "5",
            "list",
        ])
        .env("P", "p")
        .output()
        .unwrap()
}

/// Issue: a server without STLS was called a "protocol error" (exit 4 all the same). It
/// is a TLS failure, said as such, and no credential was sent.
#[test]
fn a_server_without_stls_is_a_tls_failure_not_a_protocol_error() {
    let server = mailbox(vec![], |_| None);
    let out = list_at(&format!("pop3://u@127.0.0.1:{}", server.port));
    assert_eq!(out.status.code(), Some(4), "{}", text(&out));
    let t = text(&out);
    assert!(t.contains("does not offer or accept STLS"), "{t}");
    assert!(!t.contains("protocol error"), "{t}");
    let lines = server.lines();
    assert!(
        !lines
            .iter()
            .any(|l| l.starts_with("USER") || l.starts_with("AUTH")),
        "{lines:?}"
    );
}

/// Message `n` of about `size` octets, as served: CRLF line ends, no line starting with a
/// dot.
fn message(n: usize, size: usize) -> Vec<u8> {
    let mut m = format!("Subject: message {n}\r\n\r\n").into_bytes();
    while m.len() < size {
        m.extend(format!("line {} of message {n}\r\n", m.len()).bytes());
    }
    m
}

fn sorted(mut v: Vec<Vec<u8>>) -> Vec<Vec<u8>> {
    v.sort();
    v
}

/// Issue: one `-ERR [SYS/TEMP]` to a RETR aborted the whole fetch, so the next run
/// duplicated what had been stored. The others are fetched and deleted, the refused one
/// stays on the server and is reported, and the exit code (8) says the run was partial.
#[test]
fn a_refused_retr_leaves_that_message_and_fetches_the_rest() {
    let mail: Vec<Vec<u8>> = (1..=3).map(|n| message(n, 300)).collect();
    let server = mailbox(mail.clone(), |line| {
        (line == "RETR 2").then(|| send("-ERR [SYS/TEMP] \x1b[1mtry later\r\n"))
    });
    let dir = scratch("refused");
    let out = pop3(&server)
        .args(["fetch", "--maildir"])
        .arg(&dir)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(8), "{}", text(&out));
    let t = text(&out);
    assert!(
        t.contains("message 2 not fetched") && t.contains("SYS/TEMP"),
        "{t}"
    );
    assert!(!t.contains('\x1b'), "{t}");
    assert_eq!(
        files_in(&dir.join("new")),
        sorted(vec![mail[0].clone(), mail[2].clone()])
    );
    let lines = server.lines();
    assert!(
        lines.contains(&"DELE 1".into()) && lines.contains(&"DELE 3".into()),
        "{lines:?}"
    );
    assert!(!lines.contains(&"DELE 2".into()), "{lines:?}");
    assert_eq!(lines.last().map(String::as_str), Some("QUIT"));

    // Bound, so that the directory lives (and is removed) after the run, not at `arg`.
    let json_dir = scratch("refused-json");
    let out = pop3(&server)
        .args(["--json", "fetch", "--maildir"])
        .arg(&json_dir)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(8), "{}", text(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        (v["fetched"].as_u64(), v["partial"].as_bool()),
        (Some(2), Some(true))
    );
    assert_eq!(v["refused"][0]["msg"], 2);
}

/// Issue: an interrupted or failed download left a partial file, under the final name
/// (`retr -o`) or in the Maildir's `tmp/` for ever. A message not received whole leaves
/// nothing, in a Maildir, an mbox or a file; and nothing is deleted on the server.
#[test]
fn a_connection_lost_mid_message_leaves_no_partial_file_anywhere() {
    let mail: Vec<Vec<u8>> = (1..=3).map(|n| message(n, 2000)).collect();
    let hangup = |line: &str| {
        (line == "RETR 2")
            .then(|| Answer::Hangup(b"+OK 2000 octets\r\nSubject: half\r\nand the res".to_vec()))
    };
    let server = mailbox(mail.clone(), hangup);
    let dir = scratch("hangup");
    let out = pop3(&server)
        .args(["fetch", "--maildir"])
        .arg(&dir)
        .output()
        .unwrap();
    assert_ne!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(
        files_in(&dir.join("new")),
        vec![mail[0].clone()],
        "message 1 was whole"
    );
    assert!(
        files_in(&dir.join("tmp")).is_empty(),
        "nothing of message 2"
    );
    assert!(
        !server.lines().iter().any(|l| l.starts_with("DELE")),
        "{:?}",
        server.lines()
    );

    let mbox = dir.join("mail.mbox");
    std::fs::write(&mbox, b"From old\n\nkept\n\n").unwrap();
    let out = pop3(&server)
        .args(["fetch", "--mbox"])
        .arg(&mbox)
        .output()
        .unwrap();
    assert_ne!(out.status.code(), Some(0), "{}", text(&out));
    let kept = std::fs::read(&mbox).unwrap();
    assert!(
        kept.starts_with(b"From old\n\nkept\n\n"),
        "the old mail stays"
    );
    assert!(
        !String::from_utf8_lossy(&kept).contains("half"),
        "message 2 cut off again"
    );
    assert!(String::from_utf8_lossy(&kept).contains("Subject: message 1"));

    let target = dir.join("2.eml");
    let out = pop3(&server)
        .args(["retr", "2", "-o"])
        .arg(&target)
        .output()
        .unwrap();
    assert_ne!(out.status.code(), Some(0), "{}", text(&out));
    let left: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains("2.eml"))
        .collect();
    assert!(left.is_empty(), "no file, partial or final: {left:?}");

    let out = pop3(&server)
        .args(["retr", "1", "-o"])
        .arg(&target)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(std::fs::read(&target).unwrap(), mail[0]);
}

/// Issue: an endless body grew a 135 MB file. A body longer than --max-size, or than
/// twice what LIST said, stops the run with nothing kept; a message LIST shows over
/// --max-size is left on the server and reported.
#[test]
fn oversized_messages_are_left_and_endless_bodies_cut_off() {
    let mail: Vec<Vec<u8>> = vec![message(1, 500), message(2, 5000), message(3, 500)];
    let server = mailbox(mail.clone(), |_| None);
    let dir = scratch("large");
    let out = pop3(&server)
        .args(["fetch", "--max-size", "1K", "--maildir"])
        .arg(&dir)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(8), "{}", text(&out));
    assert!(
        text(&out).contains("message 2 not fetched"),
        "{}",
        text(&out)
    );
    assert_eq!(
        files_in(&dir.join("new")),
        sorted(vec![mail[0].clone(), mail[2].clone()])
    );
    assert!(!server.lines().contains(&"RETR 2".into()));
    assert!(!server.lines().contains(&"DELE 2".into()));

    let endless = mailbox(vec![message(1, 100)], |line| {
        (line == "RETR 1").then(|| {
            let mut r = b"+OK 100 octets\r\n".to_vec();
            r.extend(std::iter::repeat_n(b"all work and no play\r\n".as_slice(), 50_000).flatten());
            Answer::Send(r)
        })
    });
    let dir = scratch("endless");
    let out = pop3(&endless)
        .args(["fetch", "--maildir"])
        .arg(&dir)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(6), "{}", text(&out));
    assert!(text(&out).contains("grew past"), "{}", text(&out));
    assert!(files_in(&dir.join("new")).is_empty() && files_in(&dir.join("tmp")).is_empty());
    assert!(!endless.lines().iter().any(|l| l.starts_with("DELE")));
}

/// Issue (with the core's and pop3-std's tests of the listing itself): `fetch --keep` took
/// a UIDL listing it could not read for "no UIDL", and a message without a unique-id was
/// fetched again on every run without a word. A bad listing stops the run before anything
/// is fetched; a message without a unique-id is fetched and reported.
#[test]
fn keep_never_proceeds_on_a_listing_it_could_not_read_and_reports_missing_ids() {
    let mail: Vec<Vec<u8>> = (1..=2).map(|n| message(n, 200)).collect();
    let garbled = mailbox(mail.clone(), |line| {
        (line == "UIDL").then(|| send("+OK\r\n1 uid-1\r\n2 \x01bad\r\n.\r\n"))
    });
    let dir = scratch("keep-garbled");
    let out = pop3(&garbled)
        .args(["fetch", "--keep", "--maildir"])
        .arg(&dir)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(6), "{}", text(&out));
    assert!(
        text(&out).contains("UIDL") && text(&out).contains(r"\x01bad"),
        "{}",
        text(&out)
    );
    assert!(files_in(&dir.join("new")).is_empty());
    assert!(!garbled.lines().iter().any(|l| l.starts_with("RETR")));

    let partial = mailbox(mail.clone(), |line| {
        (line == "UIDL").then(|| send("+OK\r\n1 uid-1\r\n.\r\n"))
    });
    let dir = scratch("keep-no-uid");
    for run in 1..=2 {
        let out = pop3(&partial)
            .args(["--json", "fetch", "--keep", "--maildir"])
            .arg(&dir)
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", text(&out));
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(v["no_uid"], serde_json::json!([2]), "run {run}: {v}");
        assert_eq!(v["fetched"], if run == 1 { 2 } else { 1 }, "run {run}: {v}");
    }
}

/// Issue: `fetch` retrieved and deleted the one parseable message of a garbled LIST and
/// exited 0. A listing with a bad line stops the run before anything is fetched.
#[test]
fn a_garbled_list_stops_fetch_before_anything_is_fetched_or_deleted() {
    let server = mailbox(vec![message(1, 100), message(2, 100)], |line| {
        (line == "LIST").then(|| send("+OK\r\n1 100\r\ntwo hundred\r\n.\r\n"))
    });
    let dir = scratch("garbled-list");
    let out = pop3(&server)
        .args(["fetch", "--maildir"])
        .arg(&dir)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(6), "{}", text(&out));
    assert!(
        text(&out).contains("LIST") && text(&out).contains("two hundred"),
        "{}",
        text(&out)
    );
    assert!(files_in(&dir.join("new")).is_empty());
    let lines = server.lines();
    assert!(
        !lines
            .iter()
            .any(|l| l.starts_with("RETR") || l.starts_with("DELE")),
        "{lines:?}"
    );
}

/// Issue: `retr 0` exited 6, as if the server had failed. It is a usage error (2).
#[test]
fn message_zero_is_a_usage_error() {
    let server = mailbox(vec![message(1, 100)], |_| None);
    for command in [["retr", "0"], ["top", "0"]] {
        let out = pop3(&server).args(command).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    }
}

/// A DELE the server refuses leaves that message there (stored here all the same, and
/// reported: exit 8); the others, durable here, are deleted at the QUIT that went right
/// behind the DELEs, and no control code of the refusal reaches the terminal.
#[test]
fn a_refused_dele_leaves_that_message_and_deletes_the_others() {
    let mail: Vec<Vec<u8>> = (1..=3).map(|n| message(n, 400)).collect();
    let server = mailbox(mail.clone(), |line| {
        (line == "DELE 2").then(|| send("-ERR [IN-USE] \x1b[2Jlocked\r\n"))
    });
    let dir = scratch("dele-refused");
    let out = pop3(&server)
        .args(["--json", "fetch", "--maildir"])
        .arg(&dir)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(8), "{}", text(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        (v["fetched"].as_u64(), v["deleted"].as_u64()),
        (Some(3), Some(2)),
        "{v}"
    );
    assert_eq!(v["undeleted"][0]["msg"], 2, "{v}");
    assert!(!text(&out).contains('\x1b'), "{}", text(&out));
    assert_eq!(files_in(&dir.join("new")), sorted(mail));
    let lines = server.lines();
    let tail: Vec<&str> = lines
        .iter()
        .rev()
        .take(4)
        .rev()
        .map(String::as_str)
        .collect();
    assert_eq!(tail, ["DELE 1", "DELE 2", "DELE 3", "QUIT"], "{lines:?}");
}

/// Sends SIGINT to `child` once a message is being written into the Maildir `dir`;
/// returns its exit code.
fn interrupt_while_writing(child: &mut std::process::Child, dir: &std::path::Path) -> Option<i32> {
    let started = Instant::now();
    while std::fs::read_dir(dir.join("tmp")).map_or(0, |d| d.count()) == 0 {
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "the message never began"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    let killed = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    child.wait().unwrap().code()
}

/// Issue: an interrupted fetch left a partial file in the Maildir's `tmp/` for ever. Ctrl-C
/// (SIGINT) removes the message being written before the process ends.
#[test]
fn an_interrupted_fetch_leaves_nothing_in_tmp() {
    let server = mailbox(vec![message(1, 3000)], |line| {
        (line == "RETR 1").then(|| {
            let mut r = b"+OK 3000 octets\r\n".to_vec();
            r.extend(message(1, 3000));
            r.extend(b".\r\n");
            Answer::Drip(r, Duration::from_millis(20))
        })
    });
    let dir = scratch("interrupt");
    let mut child = pop3(&server)
        .args(["fetch", "--maildir"])
        .arg(&dir)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    assert_eq!(interrupt_while_writing(&mut child, &dir), Some(130));
    assert!(
        files_in(&dir.join("tmp")).is_empty(),
        "the partial message is gone"
    );
    assert!(files_in(&dir.join("new")).is_empty());
    assert!(!server.lines().iter().any(|l| l.starts_with("DELE")));
}

/// An interrupted `--keep` fetch: the messages stored whole before the stop are recorded
/// before the process ends (the record is written in batches, not per message), so the
/// next run fetches only the rest: none lost, none fetched twice.
#[test]
fn an_interrupted_keep_fetch_records_what_it_stored() {
    let slow = |line: &str| {
        (line == "RETR 3").then(|| {
            let mut r = b"+OK 3000 octets\r\n".to_vec();
            r.extend(message(3, 3000));
            r.extend(b".\r\n");
            Answer::Drip(r, Duration::from_millis(20))
        })
    };
    let messages = || (1..=4).map(|n| message(n, 3000)).collect::<Vec<_>>();
    let server = mailbox(messages(), slow);
    let dir = scratch("interrupt-keep");
    let mut child = pop3(&server)
        .args(["fetch", "--keep", "--maildir"])
        .arg(&dir)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    assert_eq!(interrupt_while_writing(&mut child, &dir), Some(130));
    assert_eq!(files_in(&dir.join("new")).len(), 2);
    assert_eq!(
        std::fs::read_to_string(dir.join(".pop3-uidl")).unwrap(),
        "uid-1\nuid-2\n",
        "what was stored is recorded"
    );
    let again = mailbox(messages(), |_| None);
    let out = pop3(&again)
        .args(["--json", "fetch", "--keep", "--maildir"])
        .arg(&dir)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        (v["fetched"].as_u64(), v["skipped"].as_u64()),
        (Some(2), Some(2)),
        "{v}"
    );
    let retrs: Vec<String> = again
        .lines()
        .into_iter()
        .filter(|l| l.starts_with("RETR"))
        .collect();
    assert_eq!(retrs, ["RETR 3", "RETR 4"]);
    assert_eq!(files_in(&dir.join("new")).len(), 4);
}

const APOP_GREETING: &str = "+OK ready <1896.697170952@dbc.mtview.ca.us>\r\n";

/// Issue: there was no way to choose the login method. `--auth` names one; it is used
/// exactly, and one the server does not offer is an error with nothing sent.
#[test]
fn auth_names_the_login_method_and_an_unoffered_one_is_refused_before_sending() {
    let server = mailbox_greeting(APOP_GREETING, vec![message(1, 100)], |_| None);
    let out = pop3(&server)
        .args(["--auth", "USER", "list"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out));
    let lines = server.lines();
    assert!(lines.contains(&"USER u".into()), "{lines:?}");
    assert!(!lines.iter().any(|l| l.starts_with("APOP")), "{lines:?}");

    let out = pop3(&server)
        .args(["--auth", "cram-md5", "list"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(5), "{}", text(&out));
    assert!(
        text(&out).contains("does not offer the login method AUTH CRAM-MD5"),
        "{}",
        text(&out)
    );
    assert!(!server.lines().iter().any(|l| l.starts_with("AUTH")));

    let out = pop3(&server)
        .args(["--auth", "KERBEROS", "list"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
}

/// With `--auth auto` over plain TCP, a refused APOP is not followed by the password in
/// cleartext (over TLS it is: see pop3-std's Mailutils test); the error says what was
/// refused.
#[test]
fn a_refused_apop_without_tls_ends_the_login_and_says_so() {
    let server = mailbox_greeting(APOP_GREETING, vec![], |line| {
        line.starts_with("APOP")
            .then(|| send("-ERR [AUTH] no APOP secret\r\n"))
    });
    let out = pop3(&server).arg("list").output().unwrap();
    assert_eq!(out.status.code(), Some(5), "{}", text(&out));
    assert!(
        text(&out).contains("APOP refused: -ERR [AUTH] no APOP secret"),
        "{}",
        text(&out)
    );
    assert!(
        !server.lines().iter().any(|l| l.starts_with("PASS")),
        "{:?}",
        server.lines()
    );
}
