//! Our server against real, independently written clients, each started by the test:
//! Python's poplib, curl, fetchmail and getmail6. Every message they retrieve is compared
//! byte for byte with what was stored.

mod support;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use support::dovecot::{PASSWORD, USER};
use support::mail::{self, Mail, served};
use support::ours::Ours;
use support::{installed, require};

fn run(cmd: &mut Command) -> Output {
    let out = cmd.output().unwrap_or_else(|e| panic!("{cmd:?}: {e}"));
    assert!(
        out.status.success(),
        "{cmd:?} failed: {}\n{}",
        String::from_utf8_lossy(&out.stderr),
        String::from_utf8_lossy(&out.stdout)
    );
    out
}

fn scratch(s: &Ours, name: &str) -> PathBuf {
    let dir = s.root.join(name);
    fs::create_dir_all(&dir).expect("scratch dir");
    dir
}

/// Every shape of the test mailbox, with a 2 MiB message, and a long line of 8000 octets:
/// eight times RFC 5322's limit, and just under fetchmail's buffer (8191), past which
/// fetchmail breaks lines in two.
fn mailbox() -> Vec<Mail> {
    mail::mailbox_with(2 * 1024 * 1024, 8000)
}

/// What the poplib script printed: one JSON line, searched for the values expected.
struct Answer(String);

impl Answer {
    fn has(&self, needle: &str) -> bool {
        self.0.contains(needle)
    }
}

fn poplib(s: &Ours, mode: &str, delete: bool) -> (Answer, PathBuf) {
    let out_dir = scratch(s, &format!("poplib-{mode}"));
    let port = if mode == "ssl" { s.tls_port } else { s.port };
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/clients/poplib_session.py");
    let out = run(Command::new("python3").arg(script).args([
        mode,
        "localhost",
        &port.to_string(),
        &s.ca.to_string_lossy(),
        USER,
        PASSWORD,
        &out_dir.to_string_lossy(),
        if delete { "yes" } else { "no" },
    ]));
    (
        Answer(String::from_utf8_lossy(&out.stdout).into_owned()),
        out_dir,
    )
}

fn compare_dir(dir: &Path, mail: &[Mail], expect: impl Fn(&Mail) -> Vec<u8>) {
    for (i, m) in mail.iter().enumerate() {
        let got =
            fs::read(dir.join((i + 1).to_string())).unwrap_or_else(|e| panic!("{}: {e}", m.name));
        assert!(got == expect(m), "{} differs from what was stored", m.name);
    }
}

#[test]
fn poplib_every_command_over_plain_stls_ssl_and_apop_then_delete() {
    if !require("python3", installed("python3")) {
        return;
    }
    let mail = mailbox();
    let s = Ours::start("poplib", &mail, |st| st.allow_cleartext = true);
    for mode in ["plain", "stls", "ssl", "apop"] {
        let (json, dir) = poplib(&s, mode, false);
        assert!(
            json.has(&format!("\"count\": {}", mail.len())),
            "{mode}: {}",
            json.0
        );
        assert!(json.has("\"PIPELINING\""), "{mode}: {}", json.0);
        assert!(
            json.has("Subject: dots"),
            "TOP 1 0 has the header: {}",
            json.0
        );
        compare_dir(&dir, &mail, |m| served(&m.stored));
    }
    assert_eq!(s.stored(), mail.len());
    let (_, dir) = poplib(&s, "stls", true);
    compare_dir(&dir, &mail, |m| served(&m.stored));
    assert_eq!(s.stored(), 0, "DELE + QUIT removed every message");
}

fn curl(s: &Ours, tls: bool, path: &str, extra: &[&str]) -> Vec<u8> {
    let (scheme, port) = if tls {
        ("pop3s", s.tls_port)
    } else {
        ("pop3", s.port)
    };
    let url = format!("{scheme}://localhost:{port}/{path}");
    let mut cmd = Command::new("curl");
    cmd.args([
        "-s",
        "--fail",
        "--user",
        &format!("{USER}:{PASSWORD}"),
        "--cacert",
    ])
    .arg(&s.ca)
    .args(extra)
    .arg(url);
    run(&mut cmd).stdout
}

#[test]
fn curl_list_retr_top_uidl_over_pop3_and_pop3s() {
    if !require("curl", installed("curl")) {
        return;
    }
    let mail = mailbox();
    let s = Ours::start("curl", &mail, |st| st.allow_cleartext = true);
    for tls in [false, true] {
        let list = String::from_utf8(curl(&s, tls, "", &[])).unwrap();
        let expected: String = mail
            .iter()
            .enumerate()
            .map(|(i, m)| format!("{} {}\r\n", i + 1, served(&m.stored).len()))
            .collect();
        assert_eq!(list, expected, "LIST over curl (tls: {tls})");
        for (i, m) in mail.iter().enumerate() {
            let got = curl(&s, tls, &(i + 1).to_string(), &[]);
            assert!(
                got == served(&m.stored),
                "curl RETR of {} (tls: {tls})",
                m.name
            );
        }
        let uidl = String::from_utf8(curl(&s, tls, "", &["-X", "UIDL"])).unwrap();
        assert_eq!(uidl.lines().count(), mail.len(), "{uidl}");
        let top = curl(&s, tls, "", &["-X", "TOP 3 0"]);
        let third = served(&mail[2].stored);
        let head_end = third.windows(4).position(|w| w == b"\r\n\r\n").unwrap() + 4;
        assert_eq!(top, &third[..head_end]);
    }
    // STLS by curl: --ssl-reqd on pop3://.
    let got = curl(&s, false, "1", &["--ssl-reqd"]);
    assert!(got == served(&mail[0].stored));
}

fn files_in(dir: &Path) -> Vec<Vec<u8>> {
    let mut names: Vec<PathBuf> = fs::read_dir(dir)
        .map(|d| d.filter_map(|e| e.ok()).map(|e| e.path()).collect())
        .unwrap_or_default();
    names.sort();
    names
        .into_iter()
        .map(|p| fs::read(p).expect("read delivered mail"))
        .collect()
}

/// The stored message with its line ends as the delivering client writes them (LF), and
/// with a final line end.
fn as_delivered(m: &Mail) -> Vec<u8> {
    let mut v = m.stored.clone();
    if !v.is_empty() && !v.ends_with(b"\n") {
        v.push(b'\n');
    }
    v
}

/// Checks that `delivered` holds exactly the stored messages, in any order, each after the
/// header lines the client adds in front of it.
fn check_delivered(client: &str, delivered: Vec<Vec<u8>>, mail: &[Mail]) {
    assert_eq!(
        delivered.len(),
        mail.len(),
        "{client} delivered every message"
    );
    for m in mail {
        let want = as_delivered(m);
        // The client may add trace header lines in front (Received:, Delivered-To:).
        let found = delivered.iter().any(|d| {
            let prefix = &d[..d.len().saturating_sub(want.len())];
            d.ends_with(&want) && (prefix.is_empty() || prefix.ends_with(b"\n"))
        });
        assert!(found, "{client}: {} not delivered intact", m.name);
    }
}

#[test]
fn fetchmail_retrieves_and_deletes_the_whole_mailbox() {
    if !require(
        "fetchmail (Debian package fetchmail)",
        installed("fetchmail"),
    ) {
        return;
    }
    let mail = mailbox();
    let s = Ours::start("fetchmail", &mail, |st| st.allow_cleartext = true);
    let home = scratch(&s, "fetchmail-home");
    let out = scratch(&s, "fetchmail-out");
    let mda = home.join("deliver.sh");
    fs::write(
        &mda,
        format!("#!/bin/sh\nexec cat > \"$(mktemp -p {})\"\n", out.display()),
    )
    .unwrap();
    run(Command::new("chmod").arg("+x").arg(&mda));
    let rc = home.join("fetchmailrc");
    fs::write(
        &rc,
        format!(
            "poll localhost service {} protocol pop3 uidl\n  user \"{USER}\" there with password \"{PASSWORD}\" is root here\n  sslproto 'tls1.2+' sslcertck sslcertfile \"{}\"\n  mda \"{}\"\n  fetchall\n",
            s.port,
            s.ca.display(),
            mda.display()
        ),
    )
    .unwrap();
    run(Command::new("chmod").arg("600").arg(&rc));
    run(Command::new("fetchmail")
        .env("HOME", &home)
        .args(["-f"])
        .arg(&rc)
        .args(["--nodetach", "--nosyslog", "--invisible", "--pidfile"])
        .arg(home.join("pid")));
    check_delivered("fetchmail", files_in(&out), &mail);
    assert_eq!(s.stored(), 0, "fetchmail deletes what it retrieved");
}

#[test]
fn getmail_retrieves_into_a_maildir_over_tls_and_deletes() {
    if !require("getmail6 (Debian package getmail6)", installed("getmail")) {
        return;
    }
    let mail = mailbox();
    let s = Ours::start("getmail", &mail, |_| {});
    let home = scratch(&s, "getmail-home");
    let maildir = home.join("Maildir");
    for sub in ["new", "cur", "tmp"] {
        fs::create_dir_all(maildir.join(sub)).unwrap();
    }
    // getmail refuses to deliver as root: it changes to an unprivileged user first.
    let as_root = Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| o.stdout.starts_with(b"0\n"));
    let user_line = if as_root {
        run(Command::new("chown")
            .args(["-R", "nobody:nogroup"])
            .arg(&maildir));
        "user = nobody\n"
    } else {
        ""
    };
    let rc = home.join("getmailrc");
    fs::write(
        &rc,
        format!(
            "[retriever]\ntype = SimplePOP3SSLRetriever\nserver = localhost\nport = {}\nusername = {USER}\npassword = {PASSWORD}\nca_certs = {}\n\n[destination]\ntype = Maildir\npath = {}/\n{user_line}\n[options]\ndelete = true\nread_all = true\nreceived = false\ndelivered_to = false\nmessage_log_verbose = false\n",
            s.tls_port,
            s.ca.display(),
            maildir.display()
        ),
    )
    .unwrap();
    run(Command::new("getmail")
        .arg(format!("--getmaildir={}", home.display()))
        .arg(format!("--rcfile={}", rc.display())));
    check_delivered("getmail", files_in(&maildir.join("new")), &mail);
    assert_eq!(s.stored(), 0, "getmail deletes what it retrieved");
}

/// Issue: with hashed secrets the greeting still carried an APOP timestamp, and curl (which
/// prefers APOP when it sees one) failed to log in. Without APOP there is no timestamp, and
/// curl logs in with USER/PASS; CRAM-MD5 is not advertised either.
#[test]
fn with_hashed_secrets_no_apop_is_offered_and_curl_logs_in() {
    if !require("curl", installed("curl")) {
        return;
    }
    let mail = mailbox();
    let s = Ours::start_hashed("hashed", &mail, |st| st.allow_cleartext = true);
    let mut tcp = std::net::TcpStream::connect(("127.0.0.1", s.port)).unwrap();
    let mut greeting = [0u8; 256];
    let n = std::io::Read::read(&mut tcp, &mut greeting).unwrap();
    let greeting = String::from_utf8_lossy(&greeting[..n]).into_owned();
    assert!(
        greeting.starts_with("+OK") && !greeting.contains('<'),
        "{greeting}"
    );
    drop(tcp);
    let list = String::from_utf8(curl(&s, false, "", &[])).unwrap();
    assert_eq!(list.lines().count(), mail.len(), "{list}");
    let first = curl(&s, true, "1", &[]);
    assert_eq!(first, served(&mail[0].stored));
}

/// mpop, whose SCRAM-SHA-256 comes from GNU SASL, over plain TCP: against keys stored as
/// Dovecot stores them (where nothing else works without TLS), and against keys the server
/// derives from a plaintext entry. RFC 7677; the automatic choice and the named method.
#[test]
fn mpop_logs_in_with_scram_sha_256_and_retrieves_every_message() {
    let has_scram = Command::new("mpop")
        .arg("--version")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).contains("scram-sha-256"));
    if !require("mpop with SCRAM-SHA-256 (Debian package mpop)", has_scram) {
        return;
    }
    let mail = mailbox();
    let stored = Ours::start_scram("mpop-stored", &mail, |_| {});
    let derived = Ours::start("mpop-derived", &mail, |_| {});
    for (s, auth) in [
        (&stored, None),
        (&stored, Some("scram-sha-256")),
        (&derived, Some("scram-sha-256")),
    ] {
        let (out, status) = mpop(s, auth, PASSWORD);
        assert!(
            status.status.success(),
            "mpop {auth:?}: {}",
            String::from_utf8_lossy(&status.stderr)
        );
        check_delivered("mpop", files_in(&out.join("new")), &mail);
    }
    let (out, status) = mpop(&stored, None, "wrong");
    let stderr = String::from_utf8_lossy(&status.stderr);
    assert!(
        !status.status.success() && stderr.contains("authentication failed (method SCRAM-SHA-256)"),
        "{stderr}"
    );
    assert!(files_in(&out.join("new")).is_empty());
}

/// One mpop run keeping the mail, into a fresh Maildir; the run's output.
fn mpop(s: &Ours, auth: Option<&str>, password: &str) -> (PathBuf, Output) {
    let dir = scratch(s, &format!("mpop-{}-{password}", auth.unwrap_or("auto")));
    let out = dir.join("maildir");
    for sub in ["new", "cur", "tmp"] {
        fs::create_dir_all(out.join(sub)).expect("maildir");
    }
    let mut cmd = Command::new("mpop");
    cmd.args([
        "-C",
        "/dev/null",
        "--host=127.0.0.1",
        "--tls=off",
        "--keep=on",
        "--only-new=off",
    ])
    .arg(format!("--port={}", s.port))
    .arg(format!("--user={USER}"))
    .arg(format!("--passwordeval=echo {password}"))
    .arg(format!("--delivery=maildir,{}", out.display()))
    .arg(format!("--uidls-file={}", dir.join("uidls").display()));
    if let Some(auth) = auth {
        cmd.arg(format!("--auth={auth}"));
    }
    let output = cmd.output().unwrap_or_else(|e| panic!("mpop: {e}"));
    (out, output)
}
