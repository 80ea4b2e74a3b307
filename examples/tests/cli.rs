//! The programs end to end: the README's first command, the `pop3` CLI against the bundled
//! server (fetch, keep, delete, failures and their exit codes, JSON), `mail-checker`, and
//! `pop3d` (including a kill -9 in the middle of UPDATE).

use std::fs;
use std::path::Path;
use std::process::Command;

use pop3_examples::demo::{DEMO_USER, DemoServer, sample_message};

mod support;
use support::{files_in, installed, mutt_count, require, scratch, text};

// The std tests' reference for a message as served (CRLF, final line end): one copy.
#[allow(dead_code)]
#[path = "../../pop3-std/tests/support/mail.rs"]
mod mail;
use mail::served;

fn pop3() -> Command {
    Command::new(env!("CARGO_BIN_EXE_pop3"))
}

/// `pop3` pointed at the demo server over STLS, the password in an environment variable.
fn against(s: &DemoServer) -> Command {
    let mut c = pop3();
    c.args([
        "--server",
        &format!("pop3://{DEMO_USER}@localhost:{}", s.port),
    ])
    .arg("--ca-file")
    .arg(&s.ca_file)
    .args(["--password-env", "POP3_TEST_PASSWORD"])
    .env("POP3_TEST_PASSWORD", &s.password);
    c
}

fn maildir_files(dir: &Path) -> Vec<Vec<u8>> {
    files_in(&dir.join("new"))
}

#[test]
fn the_readme_first_command_runs_the_demo_to_a_correct_summary() {
    let readme = fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../README.md")).unwrap();
    let first = readme
        .lines()
        .find(|l| l.starts_with("cargo run"))
        .expect("a cargo run command in the README");
    assert_eq!(
        first, "cargo run --release -p pop3-examples --bin pop3",
        "the README's first command"
    );
    let out = pop3().output().unwrap();
    assert!(out.status.success(), "{}", text(&out));
    let t = text(&out);
    assert!(t.contains("Upgraded to TLS with STLS: true"), "{t}");
    assert!(t.contains("Fetched 60 messages"), "{t}");
    assert!(t.contains("all 60 still on the server"), "{t}");
    // The fetched Maildir is named, and gone unless kept.
    let removed = t
        .lines()
        .find_map(|l| l.strip_prefix("The fetched Maildir: removed "))
        .and_then(|rest| rest.split(' ').next())
        .expect("the demo names the Maildir it removed");
    assert!(!Path::new(removed).exists(), "{removed} is left behind");

    let out = pop3().args(["demo", "--keep-fetched"]).output().unwrap();
    let t = text(&out);
    let kept = t
        .lines()
        .find_map(|l| l.strip_prefix("The fetched Maildir: kept in "))
        .map(|p| p.trim_end_matches('.'))
        .expect("the demo names the Maildir it kept");
    assert_eq!(
        fs::read_dir(Path::new(kept).join("new")).unwrap().count(),
        60
    );
    fs::remove_dir_all(kept).unwrap();
}

#[test]
fn fetch_keep_then_again_fetches_nothing_and_delete_mode_removes_exactly_what_was_stored() {
    let s = DemoServer::start(12, 3000).unwrap();
    let local = scratch("fetch");
    let maildir = local.join("Maildir");
    let out = against(&s)
        .args(["--json", "fetch", "--keep", "--maildir"])
        .arg(&maildir)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["fetched"], 12);
    assert_eq!(v["deleted"], 0);
    assert_eq!(s.stored(), 12, "--keep leaves the mail");
    let expected: Vec<Vec<u8>> = {
        let mut e: Vec<Vec<u8>> = (1..=12).map(|n| served(&sample_message(n, 3000))).collect();
        e.sort();
        e
    };
    assert_eq!(
        maildir_files(&maildir),
        expected,
        "every message, byte for byte"
    );

    let again = against(&s)
        .args(["--json", "fetch", "--keep", "--maildir"])
        .arg(&maildir)
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&again.stdout).unwrap();
    assert_eq!(
        (v["fetched"].as_u64(), v["skipped"].as_u64()),
        (Some(0), Some(12)),
        "{v}"
    );

    let mbox = local.join("mail.mbox");
    let out = against(&s)
        .args(["fetch", "--mbox"])
        .arg(&mbox)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(
        s.stored(),
        0,
        "without --keep every stored message is deleted"
    );
    let mbox_text = fs::read(&mbox).unwrap();
    let starts = mbox_text
        .split(|&b| b == b'\n')
        .filter(|l| l.starts_with(b"From MAILER-DAEMON"))
        .count();
    assert_eq!(starts, 12, "twelve messages appended to the mbox");
    assert!(!mbox_text.contains(&b'\r'), "mbox lines end in LF");
    // RFC 4155: a real mbox reader sees every message (mutt needs the asctime date).
    if require(
        "mutt (Debian package mutt) and script (util-linux)",
        installed("mutt") && installed("script"),
    ) {
        assert_eq!(
            mutt_count(&mbox, &local),
            Some(12),
            "mutt reads every message"
        );
    }
}

#[test]
fn list_uidl_top_retr_in_text_and_json() {
    let s = DemoServer::start(3, 2000).unwrap();
    let out = against(&s).arg("list").output().unwrap();
    assert!(out.status.success(), "{}", text(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("3 messages"));
    let out = against(&s).args(["--json", "uidl"]).output().unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["messages"].as_array().map(Vec::len), Some(3));
    let out = against(&s).args(["top", "2", "0"]).output().unwrap();
    let head = served(&sample_message(2, 2000));
    let end = head.windows(4).position(|w| w == b"\r\n\r\n").unwrap() + 4;
    assert_eq!(out.stdout, &head[..end]);
    let dir = scratch("retr");
    let file = dir.join("3.eml");
    let out = against(&s)
        .args(["retr", "3", "-o"])
        .arg(&file)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(fs::read(&file).unwrap(), served(&sample_message(3, 2000)));
}

#[test]
fn failures_have_their_own_exit_codes_and_say_what_to_do() {
    let s = DemoServer::start(1, 500).unwrap();
    let bad = against(&s)
        .env("POP3_TEST_PASSWORD", "wrong")
        .arg("list")
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(5), "auth failure: {}", text(&bad));
    assert!(text(&bad).contains("Check the user name and password"));

    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let closed = pop3()
        .args([
            "--server",
            &format!("pop3s://{DEMO_USER}@127.0.0.1:{port}"),
            "--password-env",
            "X",
            "list",
        ])
        .env("X", "x")
        .output()
        .unwrap();
    assert_eq!(
        closed.status.code(),
        Some(3),
        "network failure: {}",
        text(&closed)
    );

    let untrusted = pop3()
        .args([
            "--server",
            &format!("pop3s://{DEMO_USER}@localhost:{}", s.tls_port),
            "--password-env",
            "X",
            "list",
        ])
        .env("X", &s.password)
        .output()
        .unwrap();
    assert_eq!(
        untrusted.status.code(),
        Some(4),
        "TLS failure: {}",
        text(&untrusted)
    );
    assert!(text(&untrusted).contains("--ca-file"));

    let no_password = pop3()
        .args([
            "--server",
            &format!("pop3s://{DEMO_USER}@localhost:{}", s.tls_port),
            "list",
        ])
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    assert_eq!(no_password.status.code(), Some(2), "{}", text(&no_password));

    let json = against(&s)
        .env("POP3_TEST_PASSWORD", "wrong")
        .args(["--json", "list"])
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(v["error"], "auth");
}

#[test]
fn mail_checker_reports_new_mail_once_and_never_deletes() {
    let s = DemoServer::start(4, 1000).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_mail-checker"))
        .args([
            "--host",
            "localhost",
            "--port",
            &s.port.to_string(),
            "--user",
            DEMO_USER,
            "--starttls",
        ])
        .arg("--ca-file")
        .arg(&s.ca_file)
        .args(["--password-env", "P", "--every", "0", "--checks", "2"])
        .env("P", &s.password)
        .output()
        .unwrap();
    let t = text(&out);
    assert!(out.status.success(), "{t}");
    assert_eq!(t.matches("new mail #").count(), 4, "{t}");
    assert!(t.contains("subject Quarterly report #1"), "{t}");
    assert!(
        t.contains("no new mail (4 known)"),
        "the second check finds nothing new: {t}"
    );
    assert_eq!(s.stored(), 4);

    // A failed check exits with the CLI's codes: 5 for a refused login, 4 for an
    // untrusted certificate, 3 for a server that cannot be reached.
    let check = |port: u16, password: &str, ca: bool| {
        let mut c = Command::new(env!("CARGO_BIN_EXE_mail-checker"));
        c.args([
            "--host",
            "localhost",
            "--port",
            &port.to_string(),
            "--user",
            DEMO_USER,
        ])
        .args(["--starttls", "--password-env", "P", "--checks", "1"])
        .env("P", password);
        if ca {
            c.arg("--ca-file").arg(&s.ca_file);
        }
        c.output().unwrap().status.code()
    };
    assert_eq!(check(s.port, "wrong", true), Some(5));
    assert_eq!(check(s.port, &s.password, false), Some(4));
    assert_eq!(check(1, &s.password, true), Some(3));
}

/// A first contact with a server whose certificate is not trusted shows the fingerprint
/// to pin; pinned with --fingerprint, the same server is trusted.
#[test]
fn an_untrusted_server_shows_its_fingerprint_and_can_be_pinned_by_it() {
    let s = DemoServer::start(2, 500).unwrap();
    let server = format!("pop3s://{DEMO_USER}@localhost:{}", s.tls_port);
    let first = pop3()
        .args(["--server", &server, "--password-env", "X", "list"])
        .env("X", &s.password)
        .output()
        .unwrap();
    assert_eq!(first.status.code(), Some(4), "{}", text(&first));
    let t = text(&first);
    let at = t
        .find("--fingerprint sha256:")
        .expect("the fingerprint to pin")
        + 14;
    let pin: String = t[at..].chars().take_while(|c| !c.is_whitespace()).collect();
    assert_eq!(pin.len(), "sha256:".len() + 32 * 3 - 1, "{pin}");
    let pinned = pop3()
        .args([
            "--server",
            &server,
            "--password-env",
            "X",
            "--fingerprint",
            &pin,
            "list",
        ])
        .env("X", &s.password)
        .output()
        .unwrap();
    assert!(pinned.status.success(), "{}", text(&pinned));
    assert!(text(&pinned).contains("2 messages"), "{}", text(&pinned));
}

/// An "mbox" that is a device takes the messages and is neither fsynced (which fails with
/// EINVAL there) nor cut back; the record of what was fetched goes where --state says.
#[test]
fn fetch_into_dev_null_succeeds() {
    let s = DemoServer::start(4, 3000).unwrap();
    let dir = scratch("dev-null");
    let out = against(&s)
        .args([
            "--json",
            "fetch",
            "--keep",
            "--mbox",
            "/dev/null",
            "--state",
        ])
        .arg(dir.join("uidl"))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["fetched"], 4, "{v}");
    assert_eq!(s.stored(), 4, "kept on the server");
    // Without --state, the record would go beside the device: refused before connecting,
    // and nothing is created in /dev.
    let out = against(&s)
        .args(["fetch", "--keep", "--mbox", "/dev/null"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(text(&out).contains("needs --state"), "{}", text(&out));
    assert!(!std::path::Path::new("/dev/null.uidl").exists());
}
