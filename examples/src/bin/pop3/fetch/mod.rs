//! `fetch`: every message (or, with `--keep`, every new one) into a Maildir, an mbox or an
//! MDA command. A message is deleted on the server only once it is durable here; a message
//! the server refuses, one over the size limit, or one the MDA declines is left there and
//! reported, and the others go on; a message not received whole leaves nothing behind.

mod report;
mod session;

use std::path::PathBuf;

use clap::Args;
use pop3_examples::exit::Failure;
use pop3_examples::local::{LocalStore, MaildirWriter, MboxWriter, MdaWriter};
use serde::Deserialize;

pub(crate) use report::Fetch;
pub(crate) use session::fetch;

/// A message number and its size, as LIST gives them.
pub(crate) type Listed = (u32, u64);

/// The largest message fetched when nothing says otherwise.
const DEFAULT_MAX_SIZE: u64 = 256 << 20;

/// Options of `fetch` (and of each account in a config file, under the same names).
#[derive(Args, Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "kebab-case", default)]
pub(crate) struct FetchArgs {
    /// Deliver into this Maildir (created if missing). One of --maildir, --mbox and --mda
    /// is needed (here or in the config file), and is checked before any connection.
    #[arg(long, conflicts_with_all = ["mbox", "mda"])]
    pub(crate) maildir: Option<PathBuf>,
    /// Append to this mbox file instead.
    #[arg(long, conflicts_with = "mda")]
    pub(crate) mbox: Option<PathBuf>,
    /// Deliver each message to this command instead (run by sh -c; the message on its
    /// standard input with LF line ends, e.g. "procmail" or "maildrop"). The message is
    /// deleted on the server (or recorded, with --keep) only after the command exited 0;
    /// any other exit leaves it on the server, reported.
    #[arg(long, value_name = "COMMAND")]
    pub(crate) mda: Option<String>,
    /// Leave mail on the server, and fetch only messages not fetched before (by UIDL).
    #[arg(long)]
    pub(crate) keep: bool,
    /// Where --keep records what was fetched (default: .pop3-uidl in the Maildir, or
    /// MBOX.uidl beside the mbox; needed with --mda).
    #[arg(long)]
    pub(crate) state: Option<PathBuf>,
    /// The largest message to fetch, in octets (suffixes K, M, G: powers of 1024; default
    /// 256M). Larger ones stay on the server and are reported; a body that outgrows it, or
    /// twice its listed size, stops the run.
    #[arg(long, value_parser = parse_size, value_name = "SIZE")]
    #[serde(deserialize_with = "size")]
    pub(crate) max_size: Option<u64>,
}

impl FetchArgs {
    /// These options, with `file`'s where these give none (a destination given here
    /// replaces the file's).
    pub(crate) fn or(self, file: FetchArgs) -> FetchArgs {
        let here = self.maildir.is_some() || self.mbox.is_some() || self.mda.is_some();
        let (maildir, mbox, mda) = if here {
            (self.maildir, self.mbox, self.mda)
        } else {
            (file.maildir, file.mbox, file.mda)
        };
        FetchArgs {
            maildir,
            mbox,
            mda,
            keep: self.keep || file.keep,
            state: self.state.or(file.state),
            max_size: self.max_size.or(file.max_size),
        }
    }

    /// The largest message to fetch.
    pub(crate) fn max_size(&self) -> u64 {
        self.max_size.unwrap_or(DEFAULT_MAX_SIZE)
    }

    /// Checks the options and opens the destination (before any connection); returns it
    /// with the file --keep records in.
    pub(crate) fn open(&self) -> Result<Destination, Failure> {
        let local = |e: std::io::Error| Failure::Local(e.to_string());
        let (store, default_state): (Box<dyn LocalStore>, Option<PathBuf>) =
            match (&self.maildir, &self.mbox, &self.mda) {
                (Some(dir), None, None) => (
                    Box::new(MaildirWriter::open(dir).map_err(local)?),
                    Some(dir.join(".pop3-uidl")),
                ),
                (None, Some(mbox), None) => {
                    let writer = MboxWriter::open(mbox).map_err(local)?;
                    // Beside a device such as /dev/null there is no place for a record.
                    let beside = writer.is_file().then(|| mbox.with_extension("uidl"));
                    (Box::new(writer), beside)
                }
                (None, None, Some(command)) => (Box::new(MdaWriter::new(command)), None),
                (None, None, None) => {
                    return Err(Failure::Usage(
                        "fetch needs a destination: --maildir DIR, --mbox FILE or --mda COMMAND"
                            .into(),
                    ));
                }
                _ => {
                    return Err(Failure::Usage(
                        "give one destination: --maildir, --mbox or --mda".into(),
                    ));
                }
            };
        let state = match (self.keep, self.state.clone().or(default_state)) {
            (false, _) => None,
            (true, Some(path)) => Some(path),
            (true, None) => {
                return Err(Failure::Usage(
                    "--keep with --mda, or with an mbox that is not a file, needs --state FILE \
                     to record what was fetched"
                        .into(),
                ));
            }
        };
        Ok(Destination { store, state })
    }
}

/// An opened destination.
pub(crate) struct Destination {
    pub(crate) store: Box<dyn LocalStore>,
    /// With --keep: where the unique-ids fetched are recorded.
    pub(crate) state: Option<PathBuf>,
}

/// `1048576`, `512K`, `256M`, `2G`.
pub(crate) fn parse_size(s: &str) -> Result<u64, String> {
    let (digits, unit) = number_and_unit(s);
    let shift = match unit.map(|u| u.to_ascii_uppercase()) {
        None => 0,
        Some('K') => 10,
        Some('M') => 20,
        Some('G') => 30,
        Some(other) => return Err(format!("unknown unit {other:?}: use K, M or G")),
    };
    let n: u64 = digits.parse().map_err(|e| format!("{s:?}: {e}"))?;
    n.checked_mul(1 << shift)
        .ok_or_else(|| format!("{s:?}: too large"))
}

/// `"512K"` as `("512", Some('K'))`, `"90"` as `("90", None)`: a number and its unit letter.
pub(crate) fn number_and_unit(s: &str) -> (&str, Option<char>) {
    let s = s.trim();
    match s.char_indices().last() {
        Some((i, c)) if c.is_ascii_alphabetic() => (s[..i].trim_end(), Some(c)),
        _ => (s, None),
    }
}

/// `max-size` in a config file: `"256M"` or a number of octets.
fn size<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Size {
        Octets(u64),
        Text(String),
    }
    match Size::deserialize(d)? {
        Size::Octets(n) => Ok(Some(n)),
        Size::Text(s) => parse_size(&s).map(Some).map_err(serde::de::Error::custom),
    }
}

#[cfg(test)]
mod tests {
    use super::parse_size;

    #[test]
    fn sizes_read_with_binary_suffixes() {
        assert_eq!(parse_size("1048576"), Ok(1 << 20));
        assert_eq!(parse_size("512K"), Ok(512 << 10));
        assert_eq!(parse_size("256m"), Ok(256 << 20));
        assert_eq!(parse_size("2G"), Ok(2 << 30));
        assert!(parse_size("12X").is_err());
        assert!(parse_size("M").is_err());
        assert!(parse_size("99999999999G").is_err());
    }
}
