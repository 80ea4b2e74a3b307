use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use super::{Delivered, LocalStore, SyncStep, Undo, at};

/// An mbox file (mboxrd: `From ` lines quoted with `>`, LF line ends), appended to at
/// each commit and fsynced at each [`LocalStore::sync`]. Output is gathered and written in
/// large pieces, not line by line.
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
            .map_err(|e| at(path, e))?;
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

    /// True when the mbox is a regular file (not a device such as `/dev/null`).
    pub fn is_file(&self) -> bool {
        self.regular
    }

    fn put(&mut self, data: &[u8]) -> io::Result<()> {
        self.out.extend_from_slice(data);
        if self.out.len() >= MBOX_WRITE {
            self.file.write_all(&self.out)?;
            self.out.clear();
        }
        Ok(())
    }

    /// Writes one line (its CRLF or LF end, if it has one, as LF), `>`-quoted when it is
    /// a `From ` line under any number of `>`.
    fn put_line(&mut self, line: &[u8]) -> io::Result<()> {
        let body = line
            .strip_suffix(b"\r\n")
            .or_else(|| line.strip_suffix(b"\n"));
        let ended = body.is_some();
        let body = body.unwrap_or(line);
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
        Ok(())
    }

    /// Writes the line gathered across reads, keeping its buffer for the next one.
    fn put_gathered(&mut self) -> io::Result<()> {
        let line = core::mem::take(&mut self.line);
        let done = self.put_line(&line);
        self.line = line;
        self.line.clear();
        done
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
            match (piece.ends_with(b"\n"), self.line.is_empty()) {
                // A whole line in this read: written without gathering.
                (true, true) => self.put_line(piece)?,
                (true, false) => {
                    self.line.extend_from_slice(piece);
                    self.put_gathered()?;
                }
                (false, _) => self.line.extend_from_slice(piece),
            }
        }
        Ok(())
    }

    fn commit(&mut self) -> io::Result<Delivered> {
        if !self.line.is_empty() {
            self.line.push(b'\n');
            self.put_gathered()?;
        }
        // A blank line separates messages.
        self.put(b"\n")?;
        self.file
            .write_all(&self.out)
            .map_err(|e| at(&self.path, e))?;
        self.out.clear();
        self.started_at = None;
        Ok(Delivered::Stored)
    }

    fn sync_step(&self) -> SyncStep {
        if self.regular {
            SyncStep::Fsync(self.path.clone())
        } else {
            SyncStep::Nothing
        }
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
