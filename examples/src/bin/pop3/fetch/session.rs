use std::collections::BTreeSet;
use std::io;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use indicatif::{ProgressBar, ProgressStyle};
use pop3_examples::exit::Failure;
use pop3_examples::local::{Delivered, SeenUids};
use pop3_std::client::{Client, Fetched};

use super::{Destination, Fetch, FetchArgs, Listed};
use crate::interrupt;

/// Octets a body may exceed its LIST size by before it is taken for endless: servers that
/// count bare LF ends serve up to twice what they list.
const LIST_SLACK: u64 = 64 * 1024;

/// Messages committed between two syncs (each a directory fsync and, with --keep, one
/// append to the record): what a crash, not a signal, may make the next run fetch again.
const SYNC_EVERY: usize = 64;

fn local(e: io::Error) -> Failure {
    Failure::Local(e.to_string())
}

/// Downloads every message (or, with --keep, every new one) into `dest`; each is deleted
/// on the server only after it is durable here.
pub(crate) fn fetch(
    mut c: Client,
    args: &FetchArgs,
    dest: Destination,
    show_progress: bool,
) -> Result<Fetch, Failure> {
    let Destination { mut store, state } = dest;
    // LIST and UIDL pipelined. A server without UIDL refuses it; a UIDL listing that
    // cannot be read whole is an error, never taken for "no unique-ids".
    let (list, uids) = c.listing()?;
    let uid_of = |msg: u32| {
        uids.iter()
            .flatten()
            .find(|(m, _)| *m == msg)
            .map(|(_, u)| u.clone())
    };
    let seen = match &state {
        Some(path) => {
            if uids.is_none() {
                return Err(Failure::Protocol(
                    "--keep needs UIDL, which this server does not offer".into(),
                ));
            }
            Some(Arc::new(Mutex::new(SeenUids::load(path).map_err(local)?)))
        }
        None => None,
    };
    let was_seen = |uid: &str| {
        seen.as_ref()
            .is_some_and(|s| s.lock().is_ok_and(|s| s.contains(uid)))
    };
    let new: Vec<Listed> = list
        .iter()
        .copied()
        .filter(|(m, _)| uid_of(*m).is_none_or(|uid| !was_seen(&uid)))
        .collect();
    let max_size = args.max_size();
    let (too_large, wanted): (Vec<Listed>, Vec<Listed>) =
        new.iter().partition(|(_, size)| *size > max_size);
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
        max_size.min(listed.saturating_mul(2).saturating_add(LIST_SLACK))
    };

    // Committed messages become durable, and are recorded, in this order and no other;
    // a signal in the middle of the run does it too before the process ends.
    let sync_step = store.sync_step();
    let settle_committed = {
        let seen = seen.clone();
        move || -> io::Result<()> {
            sync_step.run()?;
            match &seen {
                Some(seen) => seen
                    .lock()
                    .map_err(|_| io::Error::other("record lock poisoned"))?
                    .record(),
                None => Ok(()),
            }
        }
    };
    let _on_stop = interrupt::on_stop(settle_committed.clone());

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
    let mut declined: Vec<(u32, String)> = Vec::new();
    // The message being written, and its octets so far.
    let mut current: Option<(u32, u64)> = None;
    let mut overgrown: Option<(u32, u64)> = None;
    let mut octets = 0u64;
    let mut unsynced = 0usize;
    let sink = |piece: Fetched<'_>| {
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
                current = None;
                match interrupt::settle(|| store.commit())? {
                    Delivered::Stored => {}
                    Delivered::Declined(why) => {
                        declined.push((msg, why));
                        return Ok(());
                    }
                }
                stored.push(msg);
                if let (Some(seen), Some(uid)) = (&seen, uid_of(msg)) {
                    seen.lock()
                        .map_err(|_| io::Error::other("record lock poisoned"))?
                        .note(&uid);
                }
                unsynced += 1;
                if unsynced >= SYNC_EVERY {
                    settle_committed()?;
                    unsynced = 0;
                }
                bar.set_message(format!("{}/{} msgs", stored.len(), msgs.len()));
            }
            Fetched::Refused { msg, refusal } => refused.push((msg, refusal.to_string())),
        }
        Ok(())
    };
    // Deleting nothing, the QUIT goes right behind the last RETR; deleting, it goes
    // behind the DELEs, which wait until what they delete is durable here.
    let keep = seen.is_some();
    let (result, c) = if keep {
        (c.fetch_then_quit(&msgs, sink).map(Some), None)
    } else {
        let result = c.fetch(&msgs, sink).map(|()| None);
        (result, Some(c))
    };
    bar.finish_and_clear();
    if result.is_err() {
        // Nothing of a message not received whole stays; nothing was deleted yet.
        interrupt::settle(|| store.abort()).map_err(local)?;
    }
    // What was stored whole stays stored, and recorded, however the run ended.
    settle_committed().map_err(local)?;
    if let Some((msg, limit)) = overgrown {
        return Err(Failure::Protocol(format!(
            "message {msg} grew past {limit} octets (--max-size, or twice its listed size): \
             stopped; nothing was deleted on the server, and nothing of it kept here"
        )));
    }
    let keep_update = result?;
    let mut deleted = 0;
    let mut undeleted = Vec::new();
    if let Some(seen) = &seen {
        let present: BTreeSet<String> = uids.iter().flatten().map(|(_, u)| u.clone()).collect();
        seen.lock()
            .map_err(|_| Failure::Local("record lock poisoned".into()))?
            .retain(&present)
            .map_err(local)?;
    }
    let update = match c {
        None => keep_update.unwrap_or(false),
        Some(c) => {
            // Only what is durable here is deleted there; the server removes it at QUIT.
            let (update, refused) = c.dele_all_then_quit(&stored)?;
            deleted = stored.len() - refused.len();
            undeleted = refused
                .into_iter()
                .map(|(msg, r)| (msg, r.to_string()))
                .collect();
            update
        }
    };
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
        declined,
        undeleted,
        too_large,
        no_uid,
    })
}
