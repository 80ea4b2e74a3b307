//! Where fetched mail goes on this machine: a Maildir, an mbox or a delivery command
//! (MDA), each message durable before the caller may delete it on the server; and the
//! record of unique-ids already fetched, for `--keep`.
//!
//! Durability comes in two steps so that it costs one directory fsync per batch, not one
//! per message: [`LocalStore::commit`] ends a message (a Maildir file fsynced and renamed
//! into `new/`; mbox octets appended), [`LocalStore::sync`] makes every committed message
//! durable (the directory entry, the mbox's octets). Nothing may be recorded or deleted on
//! the server for a message before the sync after its commit.

mod maildir;
mod mbox;
mod mda;
mod partial;
mod seen;

use std::fs::{self, File, OpenOptions};
use std::io;
use std::path::PathBuf;

pub use maildir::MaildirWriter;
pub use mbox::MboxWriter;
pub use mda::MdaWriter;
pub use partial::PartialFile;
pub use seen::SeenUids;

/// A local mail store that takes one message at a time.
pub trait LocalStore {
    /// Starts a message; returns what undoes it if it is abandoned before [`commit`]
    /// (for a signal handler: [`LocalStore::abort`] is the way in normal flow).
    ///
    /// [`commit`]: LocalStore::commit
    fn begin(&mut self) -> io::Result<Undo>;
    /// Adds octets of the message being written (CRLF line ends as served).
    fn write(&mut self, data: &[u8]) -> io::Result<()>;
    /// Ends the message: whole here, durable at the next [`LocalStore::sync`]; or
    /// declined by the destination (nothing of it kept, so it stays on the server).
    fn commit(&mut self) -> io::Result<Delivered>;
    /// Abandons the message being written: nothing of it stays. Nothing to do when none is.
    fn abort(&mut self) -> io::Result<()>;
    /// Makes every committed message durable; only then may they be recorded or deleted
    /// on the server.
    fn sync(&mut self) -> io::Result<()> {
        self.sync_step().run()
    }
    /// What [`LocalStore::sync`] does, as data a signal handler can carry out.
    fn sync_step(&self) -> SyncStep;
}

/// How a committed message ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Delivered {
    /// Stored here (durable at the next sync).
    Stored,
    /// The destination refused it, saying why; nothing of it is kept here.
    Declined(String),
}

/// What makes committed messages durable.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SyncStep {
    /// Fsync this file or directory.
    Fsync(PathBuf),
    /// Nothing: each message was durable at its commit (or cannot be made so: a device).
    Nothing,
}

impl SyncStep {
    /// Carries it out.
    pub fn run(&self) -> io::Result<()> {
        match self {
            SyncStep::Fsync(path) => File::open(path)
                .and_then(|f| f.sync_all())
                .map_err(|e| io::Error::new(e.kind(), format!("{}: {e}", path.display()))),
            SyncStep::Nothing => Ok(()),
        }
    }
}

/// How to leave no trace of a message that was not written whole.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Undo {
    /// Remove this file (a message not delivered yet).
    Remove(PathBuf),
    /// Cut this file back to this length (an mbox with a message half appended).
    Truncate(PathBuf, u64),
    /// Nothing to undo (an "mbox" that is a device such as `/dev/null`, or a message
    /// spooled to a file that has no name).
    Nothing,
}

impl Undo {
    /// Carries it out; a file already gone is fine.
    pub fn run(&self) -> io::Result<()> {
        match self {
            Undo::Remove(path) => match fs::remove_file(path) {
                Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
                other => other,
            },
            Undo::Truncate(path, len) => {
                let f = OpenOptions::new().write(true).open(path)?;
                f.set_len(*len)?;
                f.sync_all()
            }
            Undo::Nothing => Ok(()),
        }
    }
}

/// `e` with the path it concerns.
fn at(path: &std::path::Path, e: io::Error) -> io::Error {
    io::Error::new(e.kind(), format!("{}: {e}", path.display()))
}
