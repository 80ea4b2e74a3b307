//! The CLI with a config file: several accounts in one TOML file (`fetch` for all,
//! `--account` for one), delivery to an MDA command (deleted on the server only after it
//! exited 0), `daemon --every` with a clean stop, and the config's errors.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use pop3_examples::demo::{DEMO_USER, DemoServer, sample_message};

mod support;
use support::{Scratch, files_in, installed, require, scratch, text};

#[allow(dead_code)]
#[path = "../../pop3-std/tests/support/mail.rs"]
mod mail;
use mail::served;

/// `pop3` with no user config of its own: the default config file is looked for in `dir`.
fn pop3(dir: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_pop3"));
    c.env("XDG_CONFIG_HOME", dir.join("xdg"))
        .env("TMPDIR", dir.join("spool"))
        .stdin(Stdio::null());
    let _ = fs::create_dir_all(dir.join("spool"));
    c
}

/// A `[account.NAME]` table for the demo server `s`, its password in a file beside the
/// config (a relative path, read relative to the config file), plus `extra` lines.
fn account(dir: &Path, name: &str, s: &DemoServer, extra: &str) -> String {
    fs::write(dir.join(format!("{name}.password")), &s.password).unwrap();
    format!(
        "[account.{name}]\nserver = \"pop3://{DEMO_USER}@localhost:{}\"\nca-file = {:?}\n\
         password-file = \"{name}.password\"\n{extra}\n",
        s.port, s.ca_file
    )
}

fn write_config(dir: &Path, text: &str) -> PathBuf {
    let path = dir.join("pop3.toml");
    fs::write(&path, text).unwrap();
    path
}

fn json_lines(out: &std::process::Output) -> Vec<serde_json::Value> {
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{l:?}: {e}")))
        .collect()
}

#[test]
fn one_config_fetches_every_account_or_the_one_named() {
    let work = DemoServer::start(4, 1500).unwrap();
    let home = DemoServer::start(3, 900).unwrap();
    let dir = scratch("config-accounts");
    let config = write_config(
        &dir,
        &format!(
            "{}{}",
            account(&dir, "work", &work, "maildir = \"Mail/work\""),
            // The home password comes from a command, as from a password manager.
            account(&dir, "home", &home, "mbox = \"home.mbox\"\nkeep = true").replace(
                "password-file = \"home.password\"",
                &format!(
                    "password-command = \"cat {}\"",
                    dir.join("home.password").display()
                )
            )
        ),
    );

    // One account of two: a single-mailbox command needs it named.
    let list = pop3(&dir)
        .arg("--config")
        .arg(&config)
        .arg("list")
        .output()
        .unwrap();
    assert_eq!(list.status.code(), Some(2), "{}", text(&list));
    assert!(text(&list).contains("home, work"), "{}", text(&list));
    let list = pop3(&dir)
        .arg("--config")
        .arg(&config)
        .args(["--account", "home", "--json", "list"])
        .output()
        .unwrap();
    assert!(list.status.success(), "{}", text(&list));
    assert_eq!(
        json_lines(&list)[0]["messages"].as_array().map(Vec::len),
        Some(3),
        "{}",
        text(&list)
    );

    let out = pop3(&dir)
        .arg("--config")
        .arg(&config)
        .args(["--json", "fetch"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out));
    let lines = json_lines(&out);
    let by_name = |n: &str| {
        lines
            .iter()
            .find(|v| v["account"] == n)
            .unwrap_or_else(|| panic!("no line for {n}: {}", text(&out)))
            .clone()
    };
    assert_eq!(by_name("work")["fetched"], 4);
    assert_eq!(by_name("work")["deleted"], 4);
    assert_eq!(by_name("home")["fetched"], 3);
    assert_eq!(by_name("home")["deleted"], 0, "keep = true");
    assert_eq!((work.stored(), home.stored()), (0, 3));
    let mut want: Vec<Vec<u8>> = (1..=4).map(|n| served(&sample_message(n, 1500))).collect();
    want.sort();
    assert_eq!(
        files_in(&dir.join("Mail/work/new")),
        want,
        "relative to the config file"
    );
    let mbox = fs::read(dir.join("home.mbox")).unwrap();
    assert_eq!(
        mbox.split(|&b| b == b'\n')
            .filter(|l| l.starts_with(b"From MAILER-DAEMON"))
            .count(),
        3
    );

    // --account runs one; keep = true remembers what it fetched.
    let again = pop3(&dir)
        .arg("--config")
        .arg(&config)
        .args(["--account", "home", "--json", "fetch"])
        .output()
        .unwrap();
    assert!(again.status.success(), "{}", text(&again));
    let lines = json_lines(&again);
    assert_eq!(lines.len(), 1, "{}", text(&again));
    assert_eq!(
        (lines[0]["fetched"].as_u64(), lines[0]["skipped"].as_u64()),
        (Some(0), Some(3))
    );

    // The default config file is used when no server is given.
    let xdg = dir.join("xdg").join("pop3");
    fs::create_dir_all(&xdg).unwrap();
    fs::copy(&config, xdg.join("config.toml")).unwrap();
    fs::copy(dir.join("home.password"), xdg.join("home.password")).unwrap();
    fs::copy(dir.join("work.password"), xdg.join("work.password")).unwrap();
    let default = pop3(&dir)
        .args(["--account", "work", "--json", "uidl"])
        .output()
        .unwrap();
    assert!(default.status.success(), "{}", text(&default));
    assert_eq!(
        json_lines(&default)[0]["messages"].as_array().map(Vec::len),
        Some(0),
        "work was emptied"
    );
    // Command-line options override the file's: a destination given replaces it (and
    // with it the default record of what was fetched, which lives in the destination).
    let moved = dir.join("elsewhere");
    let over = pop3(&dir)
        .args(["--account", "home", "fetch", "--maildir"])
        .arg(&moved)
        .output()
        .unwrap();
    assert!(over.status.success(), "{}", text(&over));
    assert_eq!(files_in(&moved.join("new")).len(), 3);
    assert_eq!(
        home.stored(),
        3,
        "the file's keep still holds: only the destination was replaced"
    );
}

#[test]
fn a_failing_account_is_reported_by_name_and_the_others_go_on() {
    let good = DemoServer::start(2, 700).unwrap();
    let bad = DemoServer::start(2, 700).unwrap();
    let dir = scratch("config-failing");
    let config = write_config(
        &dir,
        &format!(
            "{}{}",
            account(&dir, "bad", &bad, "maildir = \"bad\""),
            account(&dir, "good", &good, "maildir = \"good\"")
        ),
    );
    fs::write(dir.join("bad.password"), "wrong").unwrap();
    let out = pop3(&dir)
        .arg("--config")
        .arg(&config)
        .arg("fetch")
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(5),
        "the first failure's code: {}",
        text(&out)
    );
    assert!(text(&out).contains("account bad:"), "{}", text(&out));
    assert_eq!((good.stored(), bad.stored()), (0, 2), "{}", text(&out));
    assert_eq!(files_in(&dir.join("good/new")).len(), 2);
}

#[test]
fn config_mistakes_are_named_before_any_connection() {
    let dir = scratch("config-errors");
    let run = |config: &str| {
        let path = write_config(&dir, config);
        let out = pop3(&dir)
            .arg("--config")
            .arg(&path)
            .arg("fetch")
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{config}: {}", text(&out));
        text(&out)
    };
    let server = "server = \"pop3s://a@127.0.0.1:9\"\n";
    assert!(
        run(&format!(
            "[account.a]\n{server}pasword-file = \"x\"\nmaildir = \"m\"\n"
        ))
        .contains("unknown key \"pasword-file\"")
    );
    assert!(
        run(&format!("[account.a]\n{server}password = \"hunter2\"\n"))
            .contains("a password in the config file is refused")
    );
    assert!(run("[account.a]\nmaildir = \"m\"\n").contains("no server"));
    assert!(run(&format!("[account.\"a\\u001b[31m\"]\n{server}")).contains("account name"));
    assert!(run(&format!("[acount.a]\n{server}")).contains("acount"));
    assert!(run(&format!("[account.a]\n{server}max-size = \"12X\"\n")).contains("unknown unit"));
    assert!(run(&format!("[account.a]\n{server}")).contains("needs a destination"));
    assert!(
        run(&format!(
            "[account.a]\n{server}mda = \"true\"\nkeep = true\n"
        ))
        .contains("needs --state")
    );
    let path = write_config(&dir, &format!("[account.a]\n{server}maildir = \"m\"\n"));
    let out = pop3(&dir)
        .arg("--config")
        .arg(&path)
        .args(["--account", "b", "list"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out).contains("--account \"b\": config file"),
        "{}",
        text(&out)
    );
    let none = pop3(&dir)
        .args(["--account", "a", "list"])
        .output()
        .unwrap();
    assert_eq!(none.status.code(), Some(2));
    assert!(
        text(&none).contains("--account needs a config file"),
        "{}",
        text(&none)
    );
}

/// An MDA script: each message into its own file in `out`; the message with `#2` in its
/// subject is declined with exit 75 (EX_TEMPFAIL), as a full disk would be.
fn mda_script(dir: &Path, out: &Path) -> String {
    fs::create_dir_all(out).unwrap();
    let script = dir.join("mda.sh");
    fs::write(
        &script,
        format!(
            "f=$(mktemp -p {out})\ncat > \"$f\"\nif grep -q '^Subject: .* #2$' \"$f\"; then rm \"$f\"; exit 75; fi\n",
            out = out.display()
        ),
    )
    .unwrap();
    format!("sh {}", script.display())
}

#[test]
fn an_mda_gets_each_message_with_lf_ends_and_a_declined_one_stays_on_the_server() {
    let s = DemoServer::start(4, 2500).unwrap();
    let dir = scratch("mda");
    let out_dir = dir.join("delivered");
    let mda = mda_script(&dir, &out_dir);
    let out = pop3(&dir)
        .args([
            "--server",
            &format!("pop3://{DEMO_USER}@localhost:{}", s.port),
        ])
        .arg("--ca-file")
        .arg(&s.ca_file)
        .args(["--password-env", "PW", "--json", "fetch", "--mda", &mda])
        .env("PW", &s.password)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(8), "partial: {}", text(&out));
    let v = &json_lines(&out)[0];
    assert_eq!(v["fetched"], 3, "{v}");
    assert_eq!(v["deleted"], 3, "{v}");
    assert_eq!(v["declined"][0]["msg"], 2, "{v}");
    assert!(
        v["declined"][0]["reason"].as_str().unwrap().contains("75"),
        "{v}"
    );
    assert_eq!(s.stored(), 1, "the declined message stays on the server");
    // LF line ends, as the server's Maildir holds them: the MDA's own format.
    let mut want: Vec<Vec<u8>> = [1, 3, 4].iter().map(|&n| sample_message(n, 2500)).collect();
    want.sort();
    assert_eq!(files_in(&out_dir), want);
    assert!(
        files_in(&dir.join("spool")).is_empty(),
        "the spool leaves nothing behind"
    );
}

#[test]
fn procmail_delivers_through_mda() {
    if !require("procmail (Debian package procmail)", installed("procmail")) {
        return;
    }
    let s = DemoServer::start(3, 1800).unwrap();
    let dir = scratch("procmail");
    let maildir = dir.join("Maildir");
    let config = write_config(
        &dir,
        &account(
            &dir,
            "pm",
            &s,
            &format!(
                "mda = \"procmail -m DEFAULT={}/ /dev/null\"",
                maildir.display()
            ),
        ),
    );
    let out = pop3(&dir)
        .arg("--config")
        .arg(&config)
        .arg("fetch")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out));
    let mut want: Vec<Vec<u8>> = (1..=3).map(|n| sample_message(n, 1800)).collect();
    want.sort();
    assert_eq!(
        files_in(&maildir.join("new")),
        want,
        "procmail stored each message"
    );
    assert_eq!(s.stored(), 0);
}

/// Waits until `ready` holds, for at most 30 s.
fn wait_for(what: &str, ready: impl Fn() -> bool) {
    let start = Instant::now();
    while !ready() {
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "timed out waiting for {what}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn daemon_fetches_new_mail_each_round_until(signal: &str, dir: &Scratch) {
    let s = DemoServer::start(2, 800).unwrap();
    let maildir = dir.join("Maildir");
    let config = write_config(dir, &account(dir, "d", &s, "maildir = \"Maildir\""));
    let mut child = pop3(dir)
        .arg("--config")
        .arg(&config)
        .args(["daemon", "--every", "1s"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    wait_for("the first round", || {
        files_in(&maildir.join("new")).len() == 2
    });
    // New mail on the server: the next round takes it.
    // Delivered as a Maildir delivers: whole in tmp/, then renamed into new/.
    let name = format!("1800000000.M1P1.late{signal}");
    fs::write(s.maildir.join("tmp").join(&name), sample_message(9, 600)).unwrap();
    fs::rename(
        s.maildir.join("tmp").join(&name),
        s.maildir.join("new").join(&name),
    )
    .unwrap();
    wait_for("a later round", || {
        files_in(&maildir.join("new")).len() == 3
    });
    // The deletions follow the local commit, at the round's QUIT.
    wait_for("the server to remove what was fetched", || s.stored() == 0);
    // A stop between rounds ends it at once, cleanly.
    std::thread::sleep(Duration::from_millis(1200));
    let stopped_at = Instant::now();
    let kill = Command::new("kill")
        .args([signal, &child.id().to_string()])
        .status()
        .unwrap();
    assert!(kill.success());
    let status = child.wait().unwrap();
    let mut err = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut err).unwrap();
    assert!(stopped_at.elapsed() < Duration::from_secs(5));
    // Stopped while waiting (exit 0), or, if the signal met a round, cleanly in it (130).
    match status.code() {
        Some(0) => assert!(err.contains("pop3 daemon: stopped"), "{err}"),
        Some(130) => {}
        other => panic!("{signal}: exit {other:?}: {err}"),
    }
    assert!(err.contains("every 1 s"), "{err}");
    assert!(
        files_in(&maildir.join("tmp")).is_empty(),
        "no half-written message"
    );
}

#[test]
fn daemon_runs_rounds_and_stops_cleanly_on_sigterm_and_sigint() {
    daemon_fetches_new_mail_each_round_until("-TERM", &scratch("daemon-term"));
    daemon_fetches_new_mail_each_round_until("-INT", &scratch("daemon-int"));
}
