//! Where fetched mail goes on this machine: a Maildir or an mbox, each message durable
//! (written and fsynced) before the caller may delete it on the server; and the record of
//! unique-ids already fetched, for `--keep`.

use std::collections::BTreeSet;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

/// A local mail store that takes one message at a time.
pub trait LocalStore {
    /// Starts a message; returns what undoes it if it is abandoned before [`commit`]
    /// (for a signal handler: [`LocalStore::abort`] is the way in normal flow).
    ///
    /// [`commit`]: LocalStore::commit
    fn begin(&mut self) -> io::Result<Undo>;
    /// Adds octets of the message being written (CRLF line ends as served).
    fn write(&mut self, data: &[u8]) -> io::Result<()>;
    /// Makes the message durable; only then may it be deleted on the server.
    fn commit(&mut self) -> io::Result<PathBuf>;
    /// Abandons the message being written: nothing of it stays. Nothing to do when none is.
    fn abort(&mut self) -> io::Result<()>;
}

/// How to leave no trace of a message that was not written whole.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Undo {
    /// Remove this file (a message not delivered yet).
    Remove(PathBuf),
    /// Cut this file back to this length (an mbox with a message half appended).
    Truncate(PathBuf, u64),
    /// Nothing to undo (an "mbox" that is a device, such as `/dev/null`).
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

/// A file written under a temporary name in its directory, renamed to its name only when
/// whole ([`PartialFile::finish`]); removed when dropped unfinished.
pub struct PartialFile {
    file: Option<File>,
    tmp: PathBuf,
    target: PathBuf,
}

impl PartialFile {
    /// Creates the temporary file beside `target`.
    pub fn create(target: &Path) -> io::Result<Self> {
        let name = target.file_name().ok_or_else(|| {
            io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("{}: not a file name", target.display()),
            )
        })?;
        let mut tmp_name = std::ffi::OsString::from(".");
        tmp_name.push(name);
        tmp_name.push(format!(".partial-{}", std::process::id()));
        let tmp = target.with_file_name(tmp_name);
        let file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&tmp)
            .map_err(|e| io::Error::new(e.kind(), format!("{}: {e}", tmp.display())))?;
        Ok(PartialFile {
            file: Some(file),
            tmp,
            target: target.to_owned(),
        })
    }

    /// What removes it, for a signal handler.
    pub fn undo(&self) -> Undo {
        Undo::Remove(self.tmp.clone())
    }

    /// Fsyncs it and renames it to its name.
    pub fn finish(mut self) -> io::Result<()> {
        if let Some(file) = self.file.take() {
            file.sync_all()?;
        }
        fs::rename(&self.tmp, &self.target)
    }
}

impl Write for PartialFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match &mut self.file {
            Some(f) => f.write(buf),
            None => Err(io::Error::other("file already finished")),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        self.file.as_mut().map_or(Ok(()), Write::flush)
    }
}

impl Drop for PartialFile {
    fn drop(&mut self) {
        if self.file.is_some() {
            let _ = fs::remove_file(&self.tmp);
        }
    }
}

/// A Maildir (`new/`, `cur/`, `tmp/`): each message written to `tmp/`, fsynced, renamed
/// into `new/`, and the directory fsynced (the Maildir delivery protocol).
pub struct MaildirWriter {
    root: PathBuf,
    current: Option<(File, PathBuf, String)>,
    counter: u64,
}

impl MaildirWriter {
    /// Opens (creating) the Maildir at `root`.
    pub fn open(root: &Path) -> io::Result<Self> {
        for sub in ["new", "cur", "tmp"] {
            fs::create_dir_all(root.join(sub)).map_err(|e| {
                io::Error::new(e.kind(), format!("{}: {e}", root.join(sub).display()))
            })?;
        }
        Ok(MaildirWriter {
            root: root.to_owned(),
            current: None,
            counter: 0,
        })
    }

    fn unique_name(&mut self) -> String {
        self.counter += 1;
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default();
        let host = fs::read_to_string("/etc/hostname").unwrap_or_else(|_| "localhost".into());
        let host: String = host
            .trim()
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
            .collect();
        format!(
            "{}.M{}P{}Q{}.{host}",
            now.as_secs(),
            now.subsec_micros(),
            std::process::id(),
            self.counter
        )
    }
}

impl LocalStore for MaildirWriter {
    fn begin(&mut self) -> io::Result<Undo> {
        self.abort()?;
        let name = self.unique_name();
        let path = self.root.join("tmp").join(&name);
        let file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)?;
        self.current = Some((file, path.clone(), name));
        Ok(Undo::Remove(path))
    }

    fn abort(&mut self) -> io::Result<()> {
        match self.current.take() {
            Some((file, tmp, _)) => {
                drop(file);
                Undo::Remove(tmp).run()
            }
            None => Ok(()),
        }
    }

    fn write(&mut self, data: &[u8]) -> io::Result<()> {
        let (file, _, _) = self
            .current
            .as_mut()
            .ok_or_else(|| io::Error::other("no message begun"))?;
        file.write_all(data)
    }

    fn commit(&mut self) -> io::Result<PathBuf> {
        let (file, tmp, name) = self
            .current
            .take()
            .ok_or_else(|| io::Error::other("no message begun"))?;
        file.sync_all()?;
        drop(file);
        let target = self.root.join("new").join(name);
        fs::rename(&tmp, &target)?;
        File::open(self.root.join("new"))?.sync_all()?;
        Ok(target)
    }
}

/// An mbox file (mboxrd: `From ` lines quoted with `>`, LF line ends), fsynced after each
/// message. Output is gathered and written in large pieces, not line by line.
pub struct MboxWriter {
    path: PathBuf,
    file: File,
    /// A regular file (not a device such as `/dev/null`, which has no length to cut back
    /// to and cannot be fsynced).
    regular: bool,
    line: Vec<u8>,
    /// Octets of the message not yet written to the file.
    out: Vec<u8>,
    /// The file's length before the message being written, while one is.
    started_at: Option<u64>,
}

/// Output gathered before a write.
const MBOX_WRITE: usize = 256 * 1024;

impl MboxWriter {
    /// Opens (creating) the mbox at `path` for appending.
    pub fn open(path: &Path) -> io::Result<Self> {
        let file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .map_err(|e| io::Error::new(e.kind(), format!("{}: {e}", path.display())))?;
        let regular = file.metadata()?.is_file();
        Ok(MboxWriter {
            path: path.to_owned(),
            file,
            regular,
            line: Vec::new(),
            out: Vec::with_capacity(MBOX_WRITE),
            started_at: None,
        })
    }

    fn put(&mut self, data: &[u8]) -> io::Result<()> {
        self.out.extend_from_slice(data);
        if self.out.len() >= MBOX_WRITE {
            self.file.write_all(&self.out)?;
            self.out.clear();
        }
        Ok(())
    }

    fn flush_line(&mut self) -> io::Result<()> {
        let line = core::mem::take(&mut self.line);
        let body = line
            .strip_suffix(b"\r\n")
            .or_else(|| line.strip_suffix(b"\n"));
        let ended = body.is_some();
        let body = body.unwrap_or(&line);
        let quoted = body
            .iter()
            .position(|&b| b != b'>')
            .is_some_and(|i| body[i..].starts_with(b"From "));
        if quoted {
            self.put(b">")?;
        }
        self.put(body)?;
        if ended {
            self.put(b"\n")?;
        }
        // The line's buffer is kept for the next one.
        self.line = line;
        self.line.clear();
        Ok(())
    }
}

impl LocalStore for MboxWriter {
    fn begin(&mut self) -> io::Result<Undo> {
        self.abort()?;
        let len = self.file.metadata()?.len();
        self.started_at = Some(len);
        self.out.clear();
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default()
            .as_secs();
        // RFC 4155: the separator carries an asctime date, which readers such as mutt need.
        let separator = format!("From MAILER-DAEMON {}\n", asctime(now));
        self.put(separator.as_bytes())?;
        Ok(if self.regular {
            Undo::Truncate(self.path.clone(), len)
        } else {
            Undo::Nothing
        })
    }

    fn abort(&mut self) -> io::Result<()> {
        self.line.clear();
        self.out.clear();
        match self.started_at.take() {
            Some(len) if self.regular => Undo::Truncate(self.path.clone(), len).run(),
            _ => Ok(()),
        }
    }

    fn write(&mut self, data: &[u8]) -> io::Result<()> {
        for piece in data.split_inclusive(|&b| b == b'\n') {
            self.line.extend_from_slice(piece);
            if piece.ends_with(b"\n") {
                self.flush_line()?;
            }
        }
        Ok(())
    }

    fn commit(&mut self) -> io::Result<PathBuf> {
        if !self.line.is_empty() {
            self.line.push(b'\n');
            self.flush_line()?;
        }
        // A blank line separates messages.
        self.put(b"\n")?;
        self.file.write_all(&self.out)?;
        self.out.clear();
        if self.regular {
            self.file.sync_all()?;
        }
        self.started_at = None;
        Ok(self.path.clone())
    }
}

/// The unique-ids fetched before from one account, kept in a file (one per line).
pub struct SeenUids {
    path: PathBuf,
    uids: BTreeSet<String>,
}

impl SeenUids {
    /// Loads the record (empty when the file does not exist yet).
    pub fn load(path: &Path) -> io::Result<Self> {
        let uids = match fs::read_to_string(path) {
            Ok(text) => text
                .lines()
                .filter(|l| !l.is_empty())
                .map(str::to_owned)
                .collect(),
            Err(e) if e.kind() == io::ErrorKind::NotFound => BTreeSet::new(),
            Err(e) => return Err(io::Error::new(e.kind(), format!("{}: {e}", path.display()))),
        };
        Ok(SeenUids {
            path: path.to_owned(),
            uids,
        })
    }

    /// True when `uid` was fetched before.
    pub fn contains(&self, uid: &str) -> bool {
        self.uids.contains(uid)
    }

    /// Records `uid` and saves the record durably.
    pub fn add(&mut self, uid: &str) -> io::Result<()> {
        self.uids.insert(uid.to_owned());
        self.save()
    }

    /// Forgets unique-ids the server no longer has, so the record does not grow for ever.
    pub fn retain(&mut self, present: &BTreeSet<String>) -> io::Result<()> {
        self.uids.retain(|u| present.contains(u));
        self.save()
    }

    /// How many unique-ids are recorded.
    pub fn len(&self) -> usize {
        self.uids.len()
    }

    /// True when none is.
    pub fn is_empty(&self) -> bool {
        self.uids.is_empty()
    }

    /// Writes the record: a new file, fsynced, renamed over the old one.
    fn save(&self) -> io::Result<()> {
        let tmp = self.path.with_extension("tmp");
        let mut f = File::create(&tmp)?;
        for u in &self.uids {
            writeln!(f, "{u}")?;
        }
        f.sync_all()?;
        fs::rename(&tmp, &self.path)
    }
}

/// `secs` since the epoch as C's `asctime` writes it, in UTC: `Wed Dec  2 16:43:13 2026`.
fn asctime(secs: u64) -> String {
    const DAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let (days, rest) = (secs / 86_400, secs % 86_400);
    // The civil date of a day count (proleptic Gregorian), in eras of 400 years.
    let z = days + 719_468;
    let era = z / 146_097;
    let doe = z % 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + u64::from(month <= 2);
    format!(
        "{} {} {day:>2} {:02}:{:02}:{:02} {year}",
        DAYS[(days % 7) as usize],
        MONTHS[(month - 1) as usize],
        rest / 3600,
        rest / 60 % 60,
        rest % 60
    )
}

#[cfg(test)]
mod tests {
    use super::asctime;

    #[test]
    fn mbox_separator_dates_are_asctime_in_utc() {
        assert_eq!(asctime(0), "Thu Jan  1 00:00:00 1970");
        assert_eq!(asctime(1_796_229_793), "Wed Dec  2 16:43:13 2026");
        assert_eq!(asctime(951_782_400), "Tue Feb 29 00:00:00 2000");
        assert_eq!(asctime(4_102_444_799), "Thu Dec 31 23:59:59 2099");
    }
}
