//! `fetch`: every message (or, with `--keep`, every new one) into a Maildir or an mbox.
//! A message is deleted on the server only once it is durable here; a message the server
//! refuses, or one over the size limit, is left there and reported, and the others go on;
//! a message not received whole leaves nothing behind.

use std::collections::BTreeSet;
use std::io;
use std::path::PathBuf;
use std::time::Instant;

use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};
use pop3_examples::local::{LocalStore, MaildirWriter, MboxWriter, SeenUids};
use pop3_std::client::{Client, Error, Fetched};
use serde_json::json;

use crate::commands::emit;
use crate::interrupt;
use pop3_examples::exit::Failure;

/// Octets a body may exceed its LIST size by before it is taken for endless: servers that
/// count bare LF ends serve up to twice what they list.
const LIST_SLACK: u64 = 64 * 1024;

/// A message number and its size, as LIST gives them.
type Listed = (u32, u64);

/// Options of `fetch`.
#[derive(Args, Debug)]
pub(crate) struct FetchArgs {
    /// Deliver into this Maildir (created if missing); this or --mbox is needed, and is
    /// checked before any connection.
    #[arg(long, conflicts_with = "mbox", required_unless_present = "mbox")]
    pub(crate) maildir: Option<PathBuf>,
    /// Append to this mbox file instead.
    #[arg(long)]
    pub(crate) mbox: Option<PathBuf>,
    /// Leave mail on the server, and fetch only messages not fetched before (by UIDL).
    #[arg(long)]
    pub(crate) keep: bool,
    /// Where --keep records what was fetched (default: .pop3-uidl in the Maildir, or
    /// MBOX.uidl beside the mbox).
    #[arg(long)]
    pub(crate) state: Option<PathBuf>,
    /// The largest message to fetch, in octets (suffixes K, M, G: powers of 1024). Larger
    /// ones stay on the server and are reported; a body that outgrows it, or twice its
    /// listed size, stops the run.
    #[arg(long, default_value = "256M", value_parser = parse_size)]
    pub(crate) max_size: u64,
}

/// `1048576`, `512K`, `256M`, `2G`.
fn parse_size(s: &str) -> Result<u64, String> {
    let (digits, unit) = match s.trim().char_indices().last() {
        Some((i, c)) if c.is_ascii_alphabetic() => (&s[..i], c.to_ascii_uppercase()),
        _ => (s, 'B'),
    };
    let shift = match unit {
        'B' => 0,
        'K' => 10,
        'M' => 20,
        'G' => 30,
        other => return Err(format!("unknown unit {other:?}: use K, M or G")),
    };
    let n: u64 = digits.trim().parse().map_err(|e| format!("{s:?}: {e}"))?;
    n.checked_mul(1 << shift)
        .ok_or_else(|| format!("{s:?}: too large"))
}

/// What a fetch did.
pub(crate) struct Fetch {
    pub(crate) fetched: usize,
    pub(crate) octets: u64,
    pub(crate) deleted: usize,
    pub(crate) skipped: usize,
    pub(crate) seconds: f64,
    /// Messages the server refused to send, with what it said.
    pub(crate) refused: Vec<(u32, String)>,
    /// Messages left on the server for their size, with it.
    pub(crate) too_large: Vec<Listed>,
    /// With --keep: messages fetched that have no unique-id, so the next run fetches them
    /// again.
    pub(crate) no_uid: Vec<u32>,
}

impl Fetch {
    /// True when some messages were left on the server unfetched.
    pub(crate) fn partial(&self) -> bool {
        !self.refused.is_empty() || !self.too_large.is_empty()
    }

    /// Prints the summary, and what was left out, as text or JSON.
    pub(crate) fn report(&self, json: bool) {
        for (msg, why) in &self.refused {
            if !json {
                eprintln!("pop3: message {msg} not fetched: {why}");
            }
        }
        for (msg, size) in &self.too_large {
            if !json {
                eprintln!("pop3: message {msg} not fetched: {size} octets is over --max-size");
            }
        }
        if !self.no_uid.is_empty() && !json {
            eprintln!(
                "pop3: messages {:?} have no unique-id: fetched, but --keep cannot remember them, so the next run fetches them again",
                self.no_uid
            );
        }
        emit(
            json,
            || {
                let mut line = format!(
                    "fetched {} messages ({} octets) in {:.2} s; {} deleted on the server; {} skipped as fetched before",
                    self.fetched, self.octets, self.seconds, self.deleted, self.skipped
                );
                if self.partial() {
                    line.push_str(&format!(
                        "; {} left on the server (see above)",
                        self.refused.len() + self.too_large.len()
                    ));
                }
                line
            },
            || {
                json!({"fetched": self.fetched, "octets": self.octets, "deleted": self.deleted,
                       "skipped": self.skipped, "seconds": self.seconds, "partial": self.partial(),
                       "refused": self.refused.iter().map(|(m, why)| json!({"msg": m, "reason": why})).collect::<Vec<_>>(),
                       "too_large": self.too_large.iter().map(|(m, s)| json!({"msg": m, "size": s})).collect::<Vec<_>>(),
                       "no_uid": self.no_uid})
            },
        );
    }
}

fn local(e: io::Error) -> Failure {
    Failure::Local(e.to_string())
}

/// Downloads every message (or, with --keep, every new one) into the local store; each is
/// deleted on the server only after it is durable here.
pub(crate) fn fetch(
    mut c: Client,
    args: &FetchArgs,
    show_progress: bool,
) -> Result<Fetch, Failure> {
    let (mut store, default_state): (Box<dyn LocalStore>, PathBuf) =
        match (&args.maildir, &args.mbox) {
            (Some(dir), _) => (
                Box::new(MaildirWriter::open(dir).map_err(local)?),
                dir.join(".pop3-uidl"),
            ),
            (None, Some(mbox)) => (
                Box::new(MboxWriter::open(mbox).map_err(local)?),
                mbox.with_extension("uidl"),
            ),
            (None, None) => {
                return Err(Failure::Usage(
                    "fetch needs --maildir DIR or --mbox FILE".into(),
                ));
            }
        };
    let list = c.list()?;
    // A server without UIDL refuses it; a UIDL listing that cannot be read whole is an
    // error, never taken for "no unique-ids".
    let uids: Option<Vec<(u32, String)>> = match c.uidl() {
        Ok(uids) => Some(uids),
        Err(Error::Refused(_)) => None,
        Err(e) => return Err(e.into()),
    };
    let uid_of = |msg: u32| {
        uids.iter()
            .flatten()
            .find(|(m, _)| *m == msg)
            .map(|(_, u)| u.clone())
    };
    let mut seen = if args.keep {
        if uids.is_none() {
            return Err(Failure::Protocol(
                "--keep needs UIDL, which this server does not offer".into(),
            ));
        }
        let path = args.state.clone().unwrap_or(default_state);
        Some(SeenUids::load(&path).map_err(local)?)
    } else {
        None
    };
    let new: Vec<Listed> = list
        .iter()
        .copied()
        .filter(|(m, _)| match (&seen, uid_of(*m)) {
            (Some(seen), Some(uid)) => !seen.contains(&uid),
            _ => true,
        })
        .collect();
    let (too_large, wanted): (Vec<Listed>, Vec<Listed>) =
        new.iter().partition(|(_, size)| *size > args.max_size);
    let no_uid: Vec<u32> = if seen.is_some() {
        wanted
            .iter()
            .map(|(m, _)| *m)
            .filter(|m| uid_of(*m).is_none())
            .collect()
    } else {
        Vec::new()
    };
    let limit_of = |msg: u32| {
        let listed = wanted
            .iter()
            .find(|(m, _)| *m == msg)
            .map_or(0, |(_, s)| *s);
        args.max_size
            .min(listed.saturating_mul(2).saturating_add(LIST_SLACK))
    };

    let total: u64 = wanted.iter().map(|(_, s)| s).sum();
    let bar = if show_progress {
        ProgressBar::new(total)
    } else {
        ProgressBar::hidden()
    };
    bar.set_style(
        ProgressStyle::with_template(
            "{msg:>14} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec} eta {eta}",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> "),
    );
    let started = Instant::now();
    let msgs: Vec<u32> = wanted.iter().map(|(m, _)| *m).collect();
    let mut stored: Vec<u32> = Vec::new();
    let mut refused: Vec<(u32, String)> = Vec::new();
    // The message being written, and its octets so far.
    let mut current: Option<(u32, u64)> = None;
    let mut overgrown: Option<(u32, u64)> = None;
    let mut octets = 0u64;
    let mut fail: Option<io::Error> = None;
    let result = c.fetch(&msgs, |piece| {
        match piece {
            Fetched::Data { msg, data } => {
                if current.is_none_or(|(m, _)| m != msg) {
                    interrupt::guard(store.begin()?);
                    current = Some((msg, 0));
                }
                if let Some((_, written)) = current.as_mut() {
                    *written += data.len() as u64;
                    if *written > limit_of(msg) {
                        overgrown = Some((msg, limit_of(msg)));
                        return Err(io::Error::other("message over its size limit"));
                    }
                }
                store.write(data)?;
                octets += data.len() as u64;
                bar.inc(data.len() as u64);
            }
            Fetched::End { msg } => {
                if current.is_none_or(|(m, _)| m != msg) {
                    // An empty message: nothing came before its end.
                    interrupt::guard(store.begin()?);
                }
                interrupt::settle(|| store.commit())?;
                current = None;
                stored.push(msg);
                if let (Some(seen), Some(uid)) = (seen.as_mut(), uid_of(msg))
                    && let Err(e) = seen.add(&uid)
                {
                    fail.get_or_insert(e);
                }
                bar.set_message(format!("{}/{} msgs", stored.len(), msgs.len()));
            }
            Fetched::Refused { msg, refusal } => refused.push((msg, refusal.to_string())),
        }
        Ok(())
    });
    bar.finish_and_clear();
    if result.is_err() || fail.is_some() {
        // Nothing of a message not received whole stays; nothing was deleted yet.
        interrupt::settle(|| store.abort()).map_err(local)?;
    }
    if let Some(e) = fail {
        return Err(local(e));
    }
    if let Some((msg, limit)) = overgrown {
        return Err(Failure::Protocol(format!(
            "message {msg} grew past {limit} octets (--max-size, or twice its listed size): \
             stopped; nothing was deleted on the server, and nothing of it kept here"
        )));
    }
    result?;
    let mut deleted = 0;
    if let Some(seen) = seen.as_mut() {
        let present: BTreeSet<String> = uids.iter().flatten().map(|(_, u)| u.clone()).collect();
        seen.retain(&present).map_err(local)?;
    } else {
        // Only what is durable here is deleted there; the server removes it at QUIT.
        for &msg in &stored {
            c.dele(msg)?;
            deleted += 1;
        }
    }
    let update = c.quit()?;
    if deleted > 0 && !update {
        return Err(Failure::Protocol(
            "the server did not confirm the deletions at QUIT".into(),
        ));
    }
    Ok(Fetch {
        fetched: stored.len(),
        octets,
        deleted,
        skipped: list.len() - new.len(),
        seconds: started.elapsed().as_secs_f64(),
        // The server's words, already escaped by the refusal's Display.
        refused,
        too_large,
        no_uid,
    })
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
