use std::fs::{self, File, OpenOptions};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use super::{Delivered, LocalStore, SyncStep, Undo, at};

/// Octets gathered before a write to the message file.
const WRITE_SIZE: usize = 256 * 1024;

/// A Maildir (`new/`, `cur/`, `tmp/`), by the Maildir delivery protocol: each message
/// written to `tmp/`, fsynced, and renamed into `new/` (so a reader never sees part of
/// one); `new/` fsynced at each [`LocalStore::sync`], once for a whole batch.
pub struct MaildirWriter {
    root: PathBuf,
    host: String,
    current: Option<(BufWriter<File>, PathBuf, String)>,
    counter: u64,
}

impl MaildirWriter {
    /// Opens (creating) the Maildir at `root`.
    pub fn open(root: &Path) -> io::Result<Self> {
        for sub in ["new", "cur", "tmp"] {
            let dir = root.join(sub);
            fs::create_dir_all(&dir).map_err(|e| at(&dir, e))?;
        }
        let host = fs::read_to_string("/etc/hostname").unwrap_or_else(|_| "localhost".into());
        let host = host
            .trim()
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
            .collect();
        Ok(MaildirWriter {
            root: root.to_owned(),
            host,
            current: None,
            counter: 0,
        })
    }

    fn unique_name(&mut self) -> String {
        self.counter += 1;
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default();
        format!(
            "{}.M{}P{}Q{}.{}",
            now.as_secs(),
            now.subsec_micros(),
            std::process::id(),
            self.counter,
            self.host
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
            .open(&path)
            .map_err(|e| at(&path, e))?;
        self.current = Some((
            BufWriter::with_capacity(WRITE_SIZE, file),
            path.clone(),
            name,
        ));
        Ok(Undo::Remove(path))
    }

    fn abort(&mut self) -> io::Result<()> {
        match self.current.take() {
            Some((file, tmp, _)) => {
                // What is still buffered goes nowhere; the file goes.
                drop(file.into_parts());
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

    fn commit(&mut self) -> io::Result<Delivered> {
        let (file, tmp, name) = self
            .current
            .take()
            .ok_or_else(|| io::Error::other("no message begun"))?;
        let file = file.into_inner().map_err(|e| at(&tmp, e.into_error()))?;
        file.sync_all().map_err(|e| at(&tmp, e))?;
        drop(file);
        let target = self.root.join("new").join(name);
        fs::rename(&tmp, &target).map_err(|e| at(&target, e))?;
        Ok(Delivered::Stored)
    }

    fn sync_step(&self) -> SyncStep {
        SyncStep::Fsync(self.root.join("new"))
    }
}
