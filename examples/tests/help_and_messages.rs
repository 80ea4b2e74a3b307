//! What a newcomer reads: each program's own name, description and examples in --help and
//! --version, and usage mistakes refused with a message that says what was expected, with
//! exit code 2, before any connection is tried.

use std::process::{Command, Output};

fn run(program: &str, args: &[&str]) -> Output {
    Command::new(program)
        .args(args)
        .output()
        .expect("run the program")
}

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

#[test]
fn each_program_names_and_describes_itself() {
    for (program, name, says) in [
        (env!("CARGO_BIN_EXE_pop3"), "pop3", "a POP3 client"),
        (
            env!("CARGO_BIN_EXE_pop3d"),
            "pop3d",
            "a POP3 server over Maildirs",
        ),
        (
            env!("CARGO_BIN_EXE_mail-checker"),
            "mail-checker",
            "reports new mail",
        ),
    ] {
        let version = text(&run(program, &["--version"]));
        assert!(version.starts_with(&format!("{name} ")), "{version}");
        let help = text(&run(program, &["--help"]));
        assert!(
            help.starts_with(&format!("{name}: ")) && help.contains(says),
            "{help}"
        );
        assert!(
            !help.contains("self-contained demo, pop3d and a mail checker"),
            "{help}"
        );
        assert!(
            help.contains("Example"),
            "{name} --help gives examples:\n{help}"
        );
    }
    let pop3 = text(&run(env!("CARGO_BIN_EXE_pop3"), &["--help"]));
    assert!(pop3.contains("asked for on the terminal"), "{pop3}");
    let fetch = text(&run(env!("CARGO_BIN_EXE_pop3"), &["fetch", "--help"]));
    let (own, global) = fetch
        .split_once("Server and account (for every command):")
        .expect("the account options under their own heading");
    assert!(
        own.contains("--maildir") && !own.contains("--server"),
        "{fetch}"
    );
    assert!(
        global.contains("--server") && !global.contains("--maildir"),
        "{fetch}"
    );
    let pop3d = text(&run(env!("CARGO_BIN_EXE_pop3d"), &["--help"]));
    for scheme in [
        "{PLAIN}",
        "{SCRAM-SHA-256}",
        "{SHA256}",
        "{SSHA512}",
        "pop3d hash-password",
    ] {
        assert!(
            pop3d.contains(scheme),
            "pop3d --help names {scheme}:\n{pop3d}"
        );
    }
}

#[test]
fn usage_mistakes_say_what_was_expected_before_connecting() {
    let pop3 = env!("CARGO_BIN_EXE_pop3");
    // Port 1 refuses connections: an attempt would exit 3, not 2.
    for (args, says) in [
        (
            &["--server", "someone@127.0.0.1", "list"][..],
            "no scheme; expected pop3s://user@host[:port] (TLS) or pop3://user@host[:port] (STLS)",
        ),
        (
            &["--server", "pop3s://a:pw@127.0.0.1:1", "list"],
            "a password in the URL is refused",
        ),
        (
            &[
                "--server",
                "pop3s://a@127.0.0.1:1",
                "--host",
                "127.0.0.1",
                "list",
            ],
            "cannot be used with",
        ),
        (&["--server", "pop3s://a@127.0.0.1:1", "fetch"], "--maildir"),
    ] {
        let out = run(pop3, args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", text(&out));
        assert!(text(&out).contains(says), "{args:?}: {}", text(&out));
    }
    let out = run(
        env!("CARGO_BIN_EXE_pop3d"),
        &[
            "--maildir-root",
            "/nonexistent",
            "--passwd",
            "/nonexistent/passwd",
        ],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out).contains("the passwd file (--passwd) cannot be used: /nonexistent/passwd"),
        "{}",
        text(&out)
    );
}
