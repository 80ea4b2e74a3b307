//! `pop3`: list, read and download mail from a POP3 server. With no arguments it runs a
//! demo against a bundled server, so it works on a fresh machine with nothing installed.

mod account;
mod accounts;
mod commands;
mod config;
mod demo;
mod fetch;
mod interrupt;
mod show;

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use account::Account;
use accounts::DaemonArgs;
use fetch::FetchArgs;
use pop3_examples::exit::Failure;

/// pop3: a POP3 client that lists, reads and downloads mail, TLS by default. With no
/// arguments it runs a demo against a bundled server.
#[derive(Parser, Debug)]
#[command(
    name = "pop3",
    version,
    after_help = "\
The password is asked for on the terminal unless --password-file or --password-env gives
it (never on the command line). The login takes the strongest method the server offers
(--auth names one). Exit codes: 0 done, 2 usage, 3 network, 4 TLS, 5 authentication,
6 protocol, 7 local storage, 8 partial (some messages left on the server, listed).
With several accounts, each failure is reported under its name and the code is the first's.

Accounts can live in a config file (TOML, default ~/.config/pop3/config.toml, used when no
server is given), one [account.NAME] table each, keyed by the options' long names:
  [account.work]
  server = \"pop3s://alice@mail.example.com\"
  password-command = \"pass show mail/work\"
  maildir = \"~/Mail/work\"

Examples:
  pop3                                        the demo, offline
  pop3 --server pop3s://alice@mail.example.com list
  pop3 -s pop3s://alice@mail.example.com fetch --maildir ~/Mail
  pop3 -s pop3://alice@mail.example.com fetch --keep --mbox ~/mail.mbox   (STLS)
  pop3 -s pop3s://alice@mail.example.com --password-env PW --json uidl
  pop3 fetch                                  every account of the config file
  pop3 --account work list                    one of them
  pop3 daemon --every 5m                      fetch them all every five minutes"
)]
struct Cli {
    /// Read the accounts from this config file (TOML) instead of the default
    /// ~/.config/pop3/config.toml.
    #[arg(long, short = 'c', global = true, value_name = "FILE", help_heading = ACCOUNT_HEADING)]
    config: Option<PathBuf>,
    /// Only this account of the config file.
    #[arg(
        long = "account",
        short = 'a',
        global = true,
        value_name = "NAME",
        help_heading = ACCOUNT_HEADING
    )]
    account_name: Option<String>,
    #[command(flatten)]
    account: Account,
    /// Print JSON instead of text (one object per command).
    #[arg(long, global = true)]
    json: bool,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Run against a bundled local server with sample mail (the default with no arguments).
    Demo {
        /// Keep the Maildir the demo fetches into (its path is printed); by default it is
        /// removed at the end.
        #[arg(long)]
        keep_fetched: bool,
    },
    /// List messages and sizes.
    List,
    /// List messages and their unique-ids.
    Uidl,
    /// Show the header and the first LINES body lines of message N.
    Top {
        /// The message number.
        #[arg(value_parser = clap::value_parser!(u32).range(1..))]
        msg: u32,
        /// Body lines after the header.
        #[arg(default_value_t = 0)]
        lines: u32,
    },
    /// Download message N (to standard output, or a file).
    Retr {
        /// The message number.
        #[arg(value_parser = clap::value_parser!(u32).range(1..))]
        msg: u32,
        /// Write it to this file (fsynced).
        #[arg(long, short = 'o')]
        output: Option<PathBuf>,
    },
    /// Download every message into a Maildir, an mbox or an MDA command; deletes each from
    /// the server once it is stored safely, unless --keep.
    Fetch(FetchArgs),
    /// Fetch for every account (or the one named), again and again with a pause between
    /// rounds, until Ctrl-C or SIGTERM; a failed round is reported and the next comes.
    Daemon(DaemonArgs),
}

/// Where the options that choose the server and account are listed.
const ACCOUNT_HEADING: &str = account::HEADING;

/// How a run that did not fail ended.
enum Outcome {
    /// Everything asked for was done.
    Done,
    /// Some messages were left on the server and reported (exit 8).
    Partial,
    /// Failures were reported on the way (several accounts); exit with this code.
    Reported(u8),
}

/// The exit code of a fetch that left some messages on the server.
const PARTIAL: u8 = 8;

fn run(cli: Cli) -> Result<Outcome, Failure> {
    let named = cli.config.is_some() || cli.account_name.is_some();
    let command = match (cli.command, cli.account.given() || named) {
        (None, false) => return demo::run(cli.json, false).map(|()| Outcome::Done),
        (Some(Command::Demo { keep_fetched }), _) => {
            return demo::run(cli.json, keep_fetched).map(|()| Outcome::Done);
        }
        (None, true) => Command::List,
        (Some(c), _) => c,
    };
    let json = cli.json;
    let targets = accounts::targets(cli.config, cli.account_name.as_deref(), cli.account)?;
    match command {
        Command::Fetch(args) => {
            let show = !json && std::io::stderr().is_terminal();
            return accounts::fetch_all(&targets, &args, json, show, false);
        }
        Command::Daemon(args) => return accounts::daemon(targets, &args, json),
        _ => {}
    }
    let mut client = accounts::one(targets)?.login()?;
    match command {
        Command::List => commands::list(&mut client, json)?,
        Command::Uidl => commands::uidl(&mut client, json)?,
        Command::Top { msg, lines } => commands::top(&mut client, msg, lines, json)?,
        Command::Retr { msg, output } => commands::retr(&mut client, msg, output.as_ref(), json)?,
        Command::Demo { .. } | Command::Fetch(_) | Command::Daemon(_) => {
            unreachable!("handled above")
        }
    }
    client.quit()?;
    Ok(Outcome::Done)
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let json = cli.json;
    interrupt::install();
    match run(cli) {
        Ok(Outcome::Done) => ExitCode::SUCCESS,
        Ok(Outcome::Partial) => ExitCode::from(PARTIAL),
        Ok(Outcome::Reported(code)) => ExitCode::from(code),
        Err(f) => {
            accounts::report_failure(&f, json, None);
            f.code()
        }
    }
}
