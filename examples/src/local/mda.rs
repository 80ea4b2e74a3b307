use std::fs::{File, OpenOptions};
use std::io::{self, BufWriter, Seek, Write};
use std::os::fd::AsFd;
use std::path::PathBuf;
use std::process::{Command, Stdio};

use super::{Delivered, LocalStore, SyncStep, Undo, at};

/// Octets gathered before a write to the spool file.
const WRITE_SIZE: usize = 256 * 1024;

/// Delivery to a command (an MDA such as `procmail` or `maildrop`), run by `sh -c` with the
/// message on standard input, LF line ends. The message is spooled first to a file that
/// has no name (created and unlinked at once), so the command runs only for a message
/// received whole and nothing is left behind however the run ends; the command's exit
/// status 0 means delivered (the command, like any MDA, made it durable), any other
/// declined, and the message stays on the server.
pub struct MdaWriter {
    command: String,
    spool_dir: PathBuf,
    current: Option<Spool>,
    counter: u64,
}

/// A message being spooled.
struct Spool {
    file: BufWriter<File>,
    /// A CR that ended the last read: dropped when a LF begins the next.
    cr: bool,
}

impl MdaWriter {
    /// Delivers with `command`, spooling in the system's temporary directory.
    pub fn new(command: &str) -> Self {
        MdaWriter {
            command: command.to_owned(),
            spool_dir: std::env::temp_dir(),
            current: None,
            counter: 0,
        }
    }

    fn spool(&mut self) -> io::Result<File> {
        self.counter += 1;
        let path =
            self.spool_dir
                .join(format!(".pop3-mda-{}-{}", std::process::id(), self.counter));
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create_new(true)
            .open(&path)
            .map_err(|e| at(&path, e))?;
        // Open, it stays readable; unlinked, no stop of this process can leave it behind.
        std::fs::remove_file(&path).map_err(|e| at(&path, e))?;
        Ok(file)
    }
}

impl Spool {
    /// Writes `data` with its CRLF line ends as LF.
    fn write(&mut self, data: &[u8]) -> io::Result<()> {
        let mut data = data;
        if core::mem::take(&mut self.cr) {
            match data.first() {
                Some(b'\n') => {}
                Some(_) => self.file.write_all(b"\r")?,
                None => {
                    self.cr = true;
                    return Ok(());
                }
            }
        }
        if let Some(rest) = data.strip_suffix(b"\r") {
            self.cr = true;
            data = rest;
        }
        for piece in data.split_inclusive(|&b| b == b'\n') {
            match piece.strip_suffix(b"\r\n") {
                Some(line) => {
                    self.file.write_all(line)?;
                    self.file.write_all(b"\n")?;
                }
                None => self.file.write_all(piece)?,
            }
        }
        Ok(())
    }
}

impl LocalStore for MdaWriter {
    fn begin(&mut self) -> io::Result<Undo> {
        self.abort()?;
        let file = self.spool()?;
        self.current = Some(Spool {
            file: BufWriter::with_capacity(WRITE_SIZE, file),
            cr: false,
        });
        Ok(Undo::Nothing)
    }

    fn write(&mut self, data: &[u8]) -> io::Result<()> {
        self.current
            .as_mut()
            .ok_or_else(|| io::Error::other("no message begun"))?
            .write(data)
    }

    fn commit(&mut self) -> io::Result<Delivered> {
        let mut spool = self
            .current
            .take()
            .ok_or_else(|| io::Error::other("no message begun"))?;
        if spool.cr {
            spool.file.write_all(b"\r")?;
        }
        let mut file = spool.file.into_inner().map_err(|e| e.into_error())?;
        file.rewind()?;
        // The command's own output goes to standard error, so that it never mixes with
        // what this program prints on standard output (JSON, say).
        let stdout = io::stderr().as_fd().try_clone_to_owned()?;
        let status = Command::new("sh")
            .arg("-c")
            .arg(&self.command)
            .stdin(Stdio::from(file))
            .stdout(Stdio::from(stdout))
            .status()
            .map_err(|e| io::Error::new(e.kind(), format!("--mda {:?}: {e}", self.command)))?;
        Ok(if status.success() {
            Delivered::Stored
        } else {
            Delivered::Declined(format!("the MDA {:?} {status}", self.command))
        })
    }

    fn abort(&mut self) -> io::Result<()> {
        // The spool has no name: closing it is removing it.
        self.current = None;
        Ok(())
    }

    fn sync_step(&self) -> SyncStep {
        SyncStep::Nothing
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    /// The spooled octets for `reads`, split as they came.
    fn spooled(reads: &[&[u8]]) -> Vec<u8> {
        let mut spool = Spool {
            file: BufWriter::new(tempfile()),
            cr: false,
        };
        for r in reads {
            spool.write(r).unwrap();
        }
        if spool.cr {
            spool.file.write_all(b"\r").unwrap();
        }
        let mut f = spool.file.into_inner().unwrap();
        f.rewind().unwrap();
        let mut out = Vec::new();
        f.read_to_end(&mut out).unwrap();
        out
    }

    fn tempfile() -> File {
        let mut w = MdaWriter::new("true");
        w.spool().unwrap()
    }

    #[test]
    fn crlf_becomes_lf_at_any_split() {
        let whole: &[u8] = b"Subject: x\r\n\r\nbody\r\nbare\rcr\r\nlast";
        let want: &[u8] = b"Subject: x\n\nbody\nbare\rcr\nlast";
        assert_eq!(spooled(&[whole]), want);
        for i in 0..=whole.len() {
            assert_eq!(spooled(&[&whole[..i], &whole[i..]]), want, "split at {i}");
            assert_eq!(
                spooled(&[&whole[..i], b"", &whole[i..]]),
                want,
                "split at {i} with an empty read"
            );
        }
        assert_eq!(spooled(&[b"ends in cr\r"]), b"ends in cr\r");
    }
}
