//! The config file: several accounts in one TOML file, for `pop3 --config FILE fetch` (all
//! of them), `--account NAME` (one) and `pop3 daemon`. Each `[account.NAME]` table takes the
//! command-line options' long names as keys, for the server and account and for `fetch`;
//! options given on the command line override the file's for every account run.
//!
//! ```toml
//! [account.work]
//! server = "pop3s://alice@mail.example.com"
//! password-command = "pass show mail/work"
//! maildir = "~/Mail/work"
//!
//! [account.home]
//! server = "pop3://bob@pop.example.net"   # STLS
//! password-file = "~/.config/pop3/home.password"
//! mda = "procmail"
//! keep = true
//! state = "~/.local/state/pop3/home.uidl"
//! ```

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use pop3_examples::exit::Failure;
use serde::Deserialize;

use crate::account::Account;
use crate::fetch::FetchArgs;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default)]
    account: BTreeMap<String, toml::Table>,
}

/// Reads `T` from `table`; returns it with the keys it did not take.
fn part<T: serde::de::DeserializeOwned>(
    table: &toml::Table,
) -> Result<(T, BTreeSet<String>), toml::de::Error> {
    let mut ignored = BTreeSet::new();
    let value = serde_ignored::deserialize(table.clone(), |key| {
        ignored.insert(key.to_string());
    })?;
    Ok((value, ignored))
}

/// A named account of the file.
pub(crate) struct Named {
    pub(crate) name: String,
    pub(crate) account: Account,
    pub(crate) fetch: FetchArgs,
}

/// `$XDG_CONFIG_HOME/pop3/config.toml`, or `~/.config/pop3/config.toml`.
pub(crate) fn default_path() -> Option<PathBuf> {
    let base = std::env::var_os("XDG_CONFIG_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".config")))?;
    Some(base.join("pop3").join("config.toml"))
}

/// `p` from the file: `~/` is the home folder, a relative path is relative to the file's
/// folder (so that a daemon started anywhere finds the same files).
pub(crate) fn resolve(base: &Path, p: &Path) -> PathBuf {
    if let Ok(rest) = p.strip_prefix("~")
        && let Some(home) = std::env::var_os("HOME")
    {
        return PathBuf::from(home).join(rest);
    }
    base.join(p)
}

/// Reads the file's accounts, in name order.
pub(crate) fn load(path: &Path) -> Result<Vec<Named>, Failure> {
    let bad = |why: String| Failure::Usage(format!("config file {}: {why}", path.display()));
    let text = std::fs::read_to_string(path).map_err(|e| bad(e.to_string()))?;
    let file: File = toml::from_str(&text).map_err(|e| bad(e.to_string()))?;
    if file.account.is_empty() {
        return Err(bad("no [account.NAME] table".into()));
    }
    let base = path.parent().unwrap_or(Path::new("."));
    file.account
        .into_iter()
        .map(|(name, table)| {
            if name.is_empty()
                || !name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
            {
                return Err(bad(format!(
                    "account name {name:?}: use letters, digits, '-', '_' and '.'"
                )));
            }
            let within = |e: toml::de::Error| bad(format!("account {name}: {e}"));
            // Each key belongs to the account's connection or to its fetch options.
            let (mut account, for_account): (Account, _) = part(&table).map_err(within)?;
            let (mut fetch, for_fetch): (FetchArgs, _) = part(&table).map_err(within)?;
            if let Some(key) = for_account.intersection(&for_fetch).next() {
                return Err(bad(if key == "password" {
                    format!(
                        "account {name}: a password in the config file is refused; use \
                         password-command, password-file or password-env"
                    )
                } else {
                    format!("account {name}: unknown key {key:?}")
                }));
            }
            if !account.given() {
                return Err(bad(format!("account {name}: no server or host")));
            }
            account.resolve_paths(base);
            for p in [&mut fetch.maildir, &mut fetch.mbox, &mut fetch.state]
                .into_iter()
                .flatten()
            {
                *p = resolve(base, p);
            }
            Ok(Named {
                name,
                account,
                fetch,
            })
        })
        .collect()
}

/// The account named `name`, or all.
pub(crate) fn select(
    path: &Path,
    accounts: Vec<Named>,
    name: Option<&str>,
) -> Result<Vec<Named>, Failure> {
    let Some(name) = name else {
        return Ok(accounts);
    };
    let names: Vec<String> = accounts.iter().map(|a| a.name.clone()).collect();
    let one: Vec<Named> = accounts.into_iter().filter(|a| a.name == name).collect();
    if one.is_empty() {
        return Err(Failure::Usage(format!(
            "--account {name:?}: config file {} has {}",
            path.display(),
            names.join(", ")
        )));
    }
    Ok(one)
}
