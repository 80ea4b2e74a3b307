//! `mail-checker`: polls a mailbox every N seconds and reports new mail (sender and
//! subject, from `TOP n 0`), never deleting anything. The checking is
//! [`pop3_checker::blocking::check`], heap-free code over the core's generic drive loop:
//! the same logic the firmware runs (its async twin), here over a std socket.

use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use clap::Parser;
use pop3_checker::blocking::check;
use pop3_checker::{CheckError, Seen};
use pop3_examples::exit::Failure;
use pop3_proto::client::{Client, Security};
use pop3_proto::sasl::Credentials;
use pop3_std::client::{Connect, Opened, Tls};
use pop3_std::tls::Trust;

/// mail-checker: reports new mail on a POP3 server (sender and subject), every N seconds,
/// never deleting anything; the same heap-free logic as the firmware's.
#[derive(Parser, Debug)]
#[command(
    name = "mail-checker",
    version,
    after_help = "\
Example:
  POP3_PASSWORD=... mail-checker --host mail.example.com --user alice \\
      --password-env POP3_PASSWORD --every 60"
)]
struct Args {
    /// Server host.
    #[arg(long)]
    host: String,
    /// Server port (default: 995, or 110 with --starttls).
    #[arg(long)]
    port: Option<u16>,
    /// User name.
    #[arg(long)]
    user: String,
    /// Environment variable holding the password.
    #[arg(long, value_name = "VAR")]
    password_env: String,
    /// Use STLS on a plain port instead of TLS from the start.
    #[arg(long)]
    starttls: bool,
    /// Trust this CA certificate (PEM).
    #[arg(long)]
    ca_file: Option<std::path::PathBuf>,
    /// Seconds between checks.
    #[arg(long, default_value_t = 60)]
    every: u64,
    /// Stop after this many checks (0: never).
    #[arg(long, default_value_t = 0)]
    checks: u64,
}

/// Unique-ids remembered between checks (at most this many).
const REMEMBERED: usize = 1024;

fn once(
    connect: &Connect,
    creds: &Credentials<'_>,
    seen: &mut Seen<REMEMBERED>,
) -> Result<usize, Failure> {
    let Opened {
        mut socket,
        tls_config,
        config,
        transport,
    } = connect.open()?;
    // Where cleartext is allowed at all, STLS is still used whenever the server offers it.
    let config = match config.security {
        Security::AllowCleartext => config.with_security(Security::Opportunistic),
        _ => config,
    };
    let mut client: Box<Client<4096, 1024, 8>> = Box::new(Client::new(
        config,
        transport,
        pop3_proto::Instant::from_millis(0),
    ));
    // A fresh nonce for every session, so that SCRAM-SHA-256 can be chosen when offered.
    let nonce = pop3_std::client::scram_nonce();
    let creds = &nonce.as_ref().map_or(*creds, |n| creds.with_nonce(n));
    let host = connect.host().to_owned();
    let handshake =
        move |s: &mut pop3_std::client::Socket| s.start_tls(Arc::clone(&tls_config), &host);
    check(&mut client, &mut socket, creds, handshake, seen, |mail| {
        println!(
            "new mail #{} ({}): from {} | subject {}",
            mail.msg,
            String::from_utf8_lossy(mail.uid),
            String::from_utf8_lossy(mail.from),
            String::from_utf8_lossy(mail.subject)
        );
    })
    .map_err(|e| match e {
        CheckError::LoginRefused(r) => Failure::Auth(format!("the server refused the login: {r}")),
        CheckError::Unavailable => {
            Failure::Protocol("the server refused service in its greeting".to_owned())
        }
        CheckError::NoLoginMethod => {
            Failure::Auth("no login method fits these credentials".to_owned())
        }
        CheckError::Step(e) => Failure::from(pop3_std::client::Error::from(e)),
    })
}

fn main() -> ExitCode {
    let args = Args::parse();
    let Ok(password) = std::env::var(&args.password_env) else {
        eprintln!(
            "mail-checker: environment variable {} is not set",
            args.password_env
        );
        return Failure::Usage(String::new()).code();
    };
    let mut connect = Connect::new(args.host.clone())
        .tls(if args.starttls {
            Tls::StartTls
        } else {
            Tls::Implicit
        })
        .timeout(Duration::from_secs(30));
    if let Some(p) = args.port {
        connect = connect.port(p);
    }
    if let Some(ca) = &args.ca_file {
        connect = connect.trust(Trust::CaFile(ca.clone()));
    }
    let creds = Credentials::password(args.user.as_bytes(), password.as_bytes());
    let mut seen = Seen::new();
    let mut done = 0;
    loop {
        // The first check reports everything there; later ones only what arrived since.
        let failed = match once(&connect, &creds, &mut seen) {
            Ok(0) => {
                println!("no new mail ({} known)", seen.len());
                None
            }
            Ok(n) => {
                println!("{n} new message(s)");
                None
            }
            Err(e) => {
                eprintln!("mail-checker: check failed: {e}");
                Some(e.code())
            }
        };
        done += 1;
        if args.checks != 0 && done >= args.checks {
            // The last check's outcome, with the exit codes of the pop3 CLI.
            return failed.unwrap_or(ExitCode::SUCCESS);
        }
        std::thread::sleep(Duration::from_secs(args.every));
    }
}
