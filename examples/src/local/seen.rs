use std::collections::BTreeSet;
use std::fs::{self, File, OpenOptions};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use super::at;

/// The unique-ids fetched before from one account: a journal file, one unique-id per line,
/// appended to and fsynced once per batch ([`SeenUids::record`]), and rewritten whole only
/// to drop unique-ids the server no longer has ([`SeenUids::retain`]). A last line cut
/// short (the process stopped while appending) is not taken as a record: that message is
/// fetched again, never taken for fetched.
pub struct SeenUids {
    path: PathBuf,
    uids: BTreeSet<String>,
    /// Lines in the file, duplicates and unique-ids since dropped included.
    lines: usize,
    /// Noted, not yet in the file.
    pending: Vec<String>,
}

impl SeenUids {
    /// Loads the record (empty when the file does not exist yet).
    pub fn load(path: &Path) -> io::Result<Self> {
        let text = match fs::read(path) {
            Ok(text) => text,
            Err(e) if e.kind() == io::ErrorKind::NotFound => Vec::new(),
            Err(e) => return Err(at(path, e)),
        };
        let mut uids = BTreeSet::new();
        let mut lines = 0;
        // Only lines with their end: a torn append is not a record.
        for line in text.split_inclusive(|&b| b == b'\n') {
            if let Some(uid) = line.strip_suffix(b"\n") {
                lines += 1;
                if !uid.is_empty() {
                    uids.insert(String::from_utf8_lossy(uid).into_owned());
                }
            }
        }
        let mut seen = SeenUids {
            path: path.to_owned(),
            uids,
            lines,
            pending: Vec::new(),
        };
        if text.last().is_some_and(|&b| b != b'\n') {
            // Appending after a torn line would glue the next unique-id to it.
            seen.rewrite()?;
        }
        Ok(seen)
    }

    /// True when `uid` was fetched before (or noted in this run).
    pub fn contains(&self, uid: &str) -> bool {
        self.uids.contains(uid)
    }

    /// Notes `uid` as fetched; it reaches the file at the next [`SeenUids::record`], which
    /// must come only after the message is durable.
    pub fn note(&mut self, uid: &str) {
        if self.uids.insert(uid.to_owned()) {
            self.pending.push(uid.to_owned());
        }
    }

    /// Appends what was noted since the last call, and fsyncs it (and, the first time, the
    /// directory that holds the new file).
    pub fn record(&mut self) -> io::Result<()> {
        if self.pending.is_empty() {
            return Ok(());
        }
        let created = !self.path.exists();
        let file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.path)
            .map_err(|e| at(&self.path, e))?;
        let mut out = BufWriter::new(file);
        for uid in &self.pending {
            writeln!(out, "{uid}").map_err(|e| at(&self.path, e))?;
        }
        let file = out
            .into_inner()
            .map_err(|e| at(&self.path, e.into_error()))?;
        file.sync_all().map_err(|e| at(&self.path, e))?;
        if created {
            self.sync_dir()?;
        }
        self.lines += self.pending.len();
        self.pending.clear();
        Ok(())
    }

    /// Forgets unique-ids the server no longer has, so the record does not grow for ever;
    /// records what was noted first.
    pub fn retain(&mut self, present: &BTreeSet<String>) -> io::Result<()> {
        self.record()?;
        self.uids.retain(|u| present.contains(u));
        if self.uids.len() < self.lines {
            self.rewrite()?;
        }
        Ok(())
    }

    /// How many unique-ids are recorded.
    pub fn len(&self) -> usize {
        self.uids.len()
    }

    /// True when none is.
    pub fn is_empty(&self) -> bool {
        self.uids.is_empty()
    }

    /// Writes the record whole: a new file, fsynced, renamed over the old one. What is
    /// noted but not recorded stays out of it.
    fn rewrite(&mut self) -> io::Result<()> {
        let tmp = self.path.with_extension("tmp");
        let mut out = BufWriter::new(File::create(&tmp).map_err(|e| at(&tmp, e))?);
        let pending: BTreeSet<&String> = self.pending.iter().collect();
        let mut lines = 0;
        for u in self.uids.iter().filter(|u| !pending.contains(u)) {
            writeln!(out, "{u}").map_err(|e| at(&tmp, e))?;
            lines += 1;
        }
        let file = out.into_inner().map_err(|e| at(&tmp, e.into_error()))?;
        file.sync_all().map_err(|e| at(&tmp, e))?;
        fs::rename(&tmp, &self.path).map_err(|e| at(&self.path, e))?;
        self.sync_dir()?;
        self.lines = lines;
        Ok(())
    }

    fn sync_dir(&self) -> io::Result<()> {
        let dir = match self.path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d,
            _ => Path::new("."),
        };
        File::open(dir)
            .and_then(|d| d.sync_all())
            .map_err(|e| at(dir, e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("pop3-seen-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn noted_ids_reach_the_file_only_when_recorded() {
        let dir = scratch("record");
        let path = dir.join("uidl");
        let mut seen = SeenUids::load(&path).unwrap();
        seen.note("a");
        seen.note("b");
        seen.note("a");
        assert!(seen.contains("a"));
        assert!(!path.exists(), "nothing written before record");
        seen.record().unwrap();
        seen.note("c");
        seen.record().unwrap();
        assert_eq!(fs::read_to_string(&path).unwrap(), "a\nb\nc\n");
        let again = SeenUids::load(&path).unwrap();
        assert_eq!(again.len(), 3);
        fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn a_torn_last_line_is_not_a_record() {
        let dir = scratch("torn");
        let path = dir.join("uidl");
        fs::write(&path, "a\nb\nhalf-writ").unwrap();
        let mut seen = SeenUids::load(&path).unwrap();
        assert!(seen.contains("a") && seen.contains("b"));
        assert!(
            !seen.contains("half-writ"),
            "a torn line counts as not fetched"
        );
        assert_eq!(
            fs::read_to_string(&path).unwrap(),
            "a\nb\n",
            "the torn tail is cut"
        );
        seen.note("c");
        seen.record().unwrap();
        assert_eq!(fs::read_to_string(&path).unwrap(), "a\nb\nc\n");
        fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn retain_compacts_the_journal() {
        let dir = scratch("retain");
        let path = dir.join("uidl");
        fs::write(&path, "a\nb\nb\nc\n").unwrap();
        let mut seen = SeenUids::load(&path).unwrap();
        seen.note("d");
        let present = ["b", "d"].into_iter().map(String::from).collect();
        seen.retain(&present).unwrap();
        assert_eq!(fs::read_to_string(&path).unwrap(), "b\nd\n");
        assert_eq!(seen.len(), 2);
        fs::remove_dir_all(dir).unwrap();
    }
}
