//! The commands that read a mailbox: list, uidl, top, retr, fetch.

use std::collections::BTreeSet;
use std::fs::File;
use std::io::{self, IsTerminal, Write};
use std::path::PathBuf;
use std::time::Instant;

use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};
use pop3_examples::local::{LocalStore, MaildirWriter, MboxWriter, SeenUids};
use pop3_std::client::{Client, Fetched};
use serde_json::json;

use crate::exit::Failure;
use crate::show;

fn local(e: io::Error) -> Failure {
    Failure::Local(e.to_string())
}

/// Prints a line of text or a JSON value.
pub(crate) fn emit(
    json: bool,
    text: impl FnOnce() -> String,
    value: impl FnOnce() -> serde_json::Value,
) {
    if json {
        println!("{}", show::json(&value()));
    } else {
        println!("{}", text());
    }
}

/// LIST.
pub(crate) fn list(c: &mut Client, json: bool) -> Result<(), Failure> {
    let list = c.list()?;
    let total: u64 = list.iter().map(|(_, s)| s).sum();
    emit(
        json,
        || {
            let mut out: String = list
                .iter()
                .map(|(m, s)| format!("{m:>6} {s:>10}\n"))
                .collect();
            out.push_str(&format!("{} messages, {total} octets", list.len()));
            out
        },
        || json!({ "messages": list.iter().map(|(m, s)| json!({"msg": m, "size": s})).collect::<Vec<_>>(), "octets": total }),
    );
    Ok(())
}

/// UIDL.
pub(crate) fn uidl(c: &mut Client, json: bool) -> Result<(), Failure> {
    let uids = c.uidl()?;
    emit(
        json,
        || {
            uids.iter()
                .map(|(m, u)| format!("{m:>6} {u}"))
                .collect::<Vec<_>>()
                .join("\n")
        },
        || json!({ "messages": uids.iter().map(|(m, u)| json!({"msg": m, "uid": u})).collect::<Vec<_>>() }),
    );
    Ok(())
}

/// TOP: the header and the first lines of the body, to standard output.
pub(crate) fn top(c: &mut Client, msg: u32, lines: u32, json: bool) -> Result<(), Failure> {
    let head = c.top(msg, lines)?;
    if json {
        println!(
            "{}",
            show::json(
                &json!({"msg": msg, "lines": lines, "text": String::from_utf8_lossy(&head)})
            )
        );
    } else {
        to_stdout(&head)?;
    }
    Ok(())
}

/// A message to standard output: escaped for a terminal, as served for a pipe or a file.
fn to_stdout(data: &[u8]) -> Result<(), Failure> {
    let mut out = io::stdout().lock();
    if out.is_terminal() {
        show::message(&mut out, data).map_err(local)
    } else {
        out.write_all(data).map_err(local)
    }
}

/// RETR into a file or to standard output, streamed.
pub(crate) fn retr(
    c: &mut Client,
    msg: u32,
    output: Option<&PathBuf>,
    json: bool,
) -> Result<(), Failure> {
    let written = match output {
        Some(path) => {
            let mut file = io::BufWriter::new(
                File::create(path)
                    .map_err(|e| Failure::Local(format!("{}: {e}", path.display())))?,
            );
            let n = c.retr(msg, &mut file)?;
            file.into_inner()
                .map_err(|e| local(e.into_error()))?
                .sync_all()
                .map_err(local)?;
            n
        }
        None if json => {
            let mut buf = Vec::new();
            c.retr(msg, &mut buf)?;
            println!(
                "{}",
                show::json(
                    &json!({"msg": msg, "octets": buf.len(), "text": String::from_utf8_lossy(&buf)})
                )
            );
            return Ok(());
        }
        None if io::stdout().is_terminal() => {
            let mut buf = Vec::new();
            let n = c.retr(msg, &mut buf)?;
            to_stdout(&buf)?;
            n
        }
        None => c.retr(msg, &mut io::stdout().lock())?,
    };
    if let Some(path) = output {
        emit(
            json,
            || format!("message {msg}: {written} octets to {}", path.display()),
            || json!({"msg": msg, "octets": written, "file": path}),
        );
    }
    Ok(())
}

/// Options of `fetch`.
#[derive(Args, Debug)]
pub(crate) struct FetchArgs {
    /// Deliver into this Maildir (created if missing).
    #[arg(long, conflicts_with = "mbox")]
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
}

/// What a fetch did.
pub(crate) struct Fetch {
    pub(crate) fetched: usize,
    pub(crate) octets: u64,
    pub(crate) deleted: usize,
    pub(crate) skipped: usize,
    pub(crate) seconds: f64,
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
    let uids: Vec<(u32, String)> = c.uidl().unwrap_or_default();
    let uid_of = |msg: u32| uids.iter().find(|(m, _)| *m == msg).map(|(_, u)| u.clone());
    let mut seen = if args.keep {
        let path = args.state.clone().unwrap_or(default_state);
        if uids.is_empty() {
            return Err(Failure::Protocol(
                "--keep needs UIDL, which this server does not offer".into(),
            ));
        }
        Some(SeenUids::load(&path).map_err(local)?)
    } else {
        None
    };
    let wanted: Vec<(u32, u64)> = list
        .iter()
        .copied()
        .filter(|(m, _)| match (&seen, uid_of(*m)) {
            (Some(seen), Some(uid)) => !seen.contains(&uid),
            _ => true,
        })
        .collect();
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
    let mut current: Option<u32> = None;
    let mut octets = 0u64;
    let mut fail: Option<io::Error> = None;
    let result = c.fetch(&msgs, |piece| {
        let msg = match piece {
            Fetched::Data { msg, .. } | Fetched::End { msg } => msg,
        };
        if current != Some(msg) {
            store.begin()?;
            current = Some(msg);
        }
        match piece {
            Fetched::Data { data, .. } => {
                store.write(data)?;
                octets += data.len() as u64;
                bar.inc(data.len() as u64);
            }
            Fetched::End { msg } => {
                store.commit()?;
                current = None;
                stored.push(msg);
                if let (Some(seen), Some(uid)) = (seen.as_mut(), uid_of(msg))
                    && let Err(e) = seen.add(&uid)
                {
                    fail.get_or_insert(e);
                }
                bar.set_message(format!("{}/{} msgs", stored.len(), msgs.len()));
            }
        }
        Ok(())
    });
    bar.finish_and_clear();
    if let Some(e) = fail {
        return Err(local(e));
    }
    result?;
    let mut deleted = 0;
    if let Some(seen) = seen.as_mut() {
        let present: BTreeSet<String> = uids.iter().map(|(_, u)| u.clone()).collect();
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
        skipped: list.len() - wanted.len(),
        seconds: started.elapsed().as_secs_f64(),
    })
}
