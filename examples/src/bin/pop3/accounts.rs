//! Which accounts a command runs for (the command line's, or the config file's), `fetch`
//! over several of them, and `daemon`, which repeats it.

use std::path::PathBuf;
use std::time::Duration;

use clap::Args;
use pop3_examples::exit::Failure;
use serde_json::json;

use crate::account::Account;
use crate::fetch::{self, FetchArgs};
use crate::{Outcome, config, interrupt, show};

/// An account to run for.
pub(crate) struct Target {
    /// Its name in the config file; none for the command line's.
    pub(crate) name: Option<String>,
    pub(crate) account: Account,
    /// Its `fetch` options from the config file.
    pub(crate) fetch: FetchArgs,
}

/// The accounts: from the config file when one is named (`--config`, or `--account` with
/// the default file), or when no server is given and the default file exists; the
/// command line's otherwise. The command line's options override the file's.
pub(crate) fn targets(
    config_file: Option<PathBuf>,
    name: Option<&str>,
    cli: Account,
) -> Result<Vec<Target>, Failure> {
    let default = config::default_path().filter(|p| p.exists());
    let path = match (config_file, name, cli.given()) {
        (Some(path), _, _) => path,
        (None, Some(_), _) => default.ok_or_else(|| {
            Failure::Usage(
                "--account needs a config file: --config FILE, or ~/.config/pop3/config.toml"
                    .into(),
            )
        })?,
        (None, None, false) if default.is_some() => default.unwrap_or_default(),
        (None, None, _) => {
            return Ok(vec![Target {
                name: None,
                account: cli,
                fetch: FetchArgs::default(),
            }]);
        }
    };
    let accounts = config::select(&path, config::load(&path)?, name)?;
    Ok(accounts
        .into_iter()
        .map(|a| Target {
            name: Some(a.name),
            account: cli.clone().or(a.account),
            fetch: a.fetch,
        })
        .collect())
}

/// The one account a command for a single mailbox (list, uidl, top, retr) runs for.
pub(crate) fn one(targets: Vec<Target>) -> Result<Account, Failure> {
    let names: Vec<String> = targets.iter().filter_map(|t| t.name.clone()).collect();
    let mut targets = targets;
    match targets.len() {
        1 => Ok(targets.remove(0).account),
        _ => Err(Failure::Usage(format!(
            "the config file has accounts {}: choose one with --account NAME",
            names.join(", ")
        ))),
    }
}

/// Fetches for every target in turn. The command line's account fails as a whole; of the
/// config file's, each failure is reported under the account's name and the others go on.
/// Every destination is checked before the first connection.
pub(crate) fn fetch_all(
    targets: &[Target],
    cli: &FetchArgs,
    json: bool,
    show_progress: bool,
    keep_going: bool,
) -> Result<Outcome, Failure> {
    let mut plans = Vec::with_capacity(targets.len());
    for t in targets {
        let args = cli.clone().or(t.fetch.clone());
        let dest = args.open().map_err(|f| named(f, t))?;
        plans.push((t, args, dest));
    }
    let mut first_failure: Option<u8> = None;
    let mut partial = false;
    for (t, args, dest) in plans {
        let done = t
            .account
            .login()
            .and_then(|client| fetch::fetch(client, &args, dest, show_progress));
        match done {
            Ok(done) => {
                done.report(json, t.name.as_deref());
                partial |= done.partial();
            }
            Err(f) if keep_going || t.name.is_some() => {
                first_failure.get_or_insert(f.code_number());
                report_failure(&named(f, t), json, t.name.as_deref());
            }
            Err(f) => return Err(f),
        }
    }
    Ok(match (first_failure, partial) {
        (Some(code), _) => Outcome::Reported(code),
        (None, true) => Outcome::Partial,
        (None, false) => Outcome::Done,
    })
}

fn named(f: Failure, t: &Target) -> Failure {
    match &t.name {
        Some(name) => f.within(&format!("account {name}")),
        None => f,
    }
}

/// Prints a failure as the program's last words would be.
pub(crate) fn report_failure(f: &Failure, json: bool, account: Option<&str>) {
    if json {
        let mut v = json!({"error": f.kind(), "message": f.to_string()});
        if let Some(a) = account {
            v["account"] = json!(a);
        }
        println!("{}", show::json(&v));
    } else {
        eprintln!("pop3: {f}");
    }
}

/// Options of `daemon`.
#[derive(Args, Debug)]
pub(crate) struct DaemonArgs {
    /// How long to wait between rounds: 90 (seconds), 30s, 5m, 1h.
    #[arg(long, value_parser = parse_interval, value_name = "INTERVAL")]
    pub(crate) every: Duration,
    #[command(flatten)]
    pub(crate) fetch: FetchArgs,
}

/// `90`, `30s`, `5m`, `1h`: at least a second.
fn parse_interval(s: &str) -> Result<Duration, String> {
    let (digits, unit) = fetch::number_and_unit(s);
    let scale = match unit.map(|u| u.to_ascii_lowercase()) {
        None | Some('s') => 1,
        Some('m') => 60,
        Some('h') => 3600,
        Some(other) => return Err(format!("unknown unit {other:?}: use s, m or h")),
    };
    let n: u64 = digits.parse().map_err(|e| format!("{s:?}: {e}"))?;
    match n.checked_mul(scale) {
        Some(0) => Err("the interval must be at least 1s".into()),
        Some(secs) => Ok(Duration::from_secs(secs)),
        None => Err(format!("{s:?}: too long")),
    }
}

/// Fetches for every target, then waits, until Ctrl-C or SIGTERM. A failed round is
/// reported and the next one comes as planned; only what makes every round fail (a
/// destination that cannot be used, a password to ask for without a terminal) ends it.
pub(crate) fn daemon(
    mut targets: Vec<Target>,
    args: &DaemonArgs,
    json: bool,
) -> Result<Outcome, Failure> {
    for t in &mut targets {
        t.account.prompt_once().map_err(|f| named(f, t))?;
        args.fetch
            .clone()
            .or(t.fetch.clone())
            .open()
            .map_err(|f| named(f, t))?;
    }
    if !json {
        eprintln!(
            "pop3 daemon: fetching for {} account(s) every {} s; Ctrl-C or SIGTERM stops it",
            targets.len(),
            args.every.as_secs()
        );
    }
    loop {
        if let Err(f) = fetch_all(&targets, &args.fetch, json, false, true) {
            report_failure(&f, json, None);
        }
        if interrupt::idle(args.every) {
            if !json {
                eprintln!("pop3 daemon: stopped");
            }
            return Ok(Outcome::Done);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::parse_interval;
    use std::time::Duration;

    #[test]
    fn intervals_read_in_seconds_minutes_and_hours() {
        assert_eq!(parse_interval("90"), Ok(Duration::from_secs(90)));
        assert_eq!(parse_interval("30s"), Ok(Duration::from_secs(30)));
        assert_eq!(parse_interval("5m"), Ok(Duration::from_secs(300)));
        assert_eq!(parse_interval("2H"), Ok(Duration::from_secs(7200)));
        assert!(parse_interval("0s").is_err());
        assert!(parse_interval("5d").is_err());
        assert!(parse_interval("m").is_err());
    }
}
