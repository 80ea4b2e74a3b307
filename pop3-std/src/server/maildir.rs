//! Maildir storage (the layout Dovecot, getmail and fetchmail share): `root/<user>/` holds
//! `new/`, `cur/` and `tmp/`. At login new mail moves to `cur/` as Dovecot moves it, the
//! messages are listed by file name, and a lock file keeps a second session out.

use std::fs::{self, File, TryLockError};
use std::io::{self, Read};
use std::path::{Path, PathBuf};

use md5::{Digest, Md5};
use pop3_proto::codec::Stuffer;

use super::store::{Maildrop, MessageInfo, OpenError, Store};

/// Maildirs under one root, one per user.
#[derive(Clone, Debug)]
pub struct MaildirStore {
    root: PathBuf,
}

impl MaildirStore {
    /// Maildirs at `root/<user>`.
    pub fn new(root: impl Into<PathBuf>) -> Self {
        MaildirStore { root: root.into() }
    }

    /// The Maildir of `user`, or why the name cannot be one.
    pub fn path_of(&self, user: &str) -> Result<PathBuf, OpenError> {
        let fine = |c: char| c.is_ascii_alphanumeric() || "._@+-".contains(c);
        if user.is_empty() || user.starts_with('.') || !user.chars().all(fine) {
            return Err(OpenError::BadName(user.to_owned()));
        }
        Ok(self.root.join(user))
    }
}

impl Store for MaildirStore {
    fn open(&self, user: &str) -> Result<Box<dyn Maildrop>, OpenError> {
        let dir = self.path_of(user)?;
        for sub in ["new", "cur", "tmp"] {
            fs::create_dir_all(dir.join(sub)).map_err(OpenError::Io)?;
        }
        let lock = File::create(dir.join(".pop3.lock")).map_err(OpenError::Io)?;
        match lock.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => return Err(OpenError::InUse),
            Err(TryLockError::Error(e)) => return Err(OpenError::Io(e)),
        }
        deliver_new(&dir).map_err(OpenError::Io)?;
        let (paths, infos) = list_cur(&dir).map_err(OpenError::Io)?.into_iter().unzip();
        Ok(Box::new(MaildirDrop {
            _lock: lock,
            cur: dir.join("cur"),
            paths,
            infos,
        }))
    }
}

/// Moves every message of `new/` to `cur/` with an empty info part, as Dovecot does. A
/// rename is atomic: a message is in one place or the other, never both or neither.
fn deliver_new(dir: &Path) -> io::Result<()> {
    for entry in fs::read_dir(dir.join("new"))? {
        let entry = entry?;
        let name = entry.file_name();
        let Some(name) = name.to_str().filter(|n| !n.starts_with('.')) else {
            continue;
        };
        // The size as served goes into the name, as Dovecot records it, so that later
        // sessions list the message without reading it.
        let target = match (served_size_in_name(name), measure(&entry.path())) {
            (None, Ok(size)) if !name.contains(':') => {
                dir.join("cur").join(format!("{name},W={size}:2,"))
            }
            _ => dir.join("cur").join(format!("{name}:2,")),
        };
        match fs::rename(entry.path(), target) {
            // Another process delivered it first: it is in cur/ already.
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            other => other?,
        }
    }
    Ok(())
}

fn list_cur(dir: &Path) -> io::Result<Vec<(PathBuf, MessageInfo)>> {
    let mut names: Vec<String> = fs::read_dir(dir.join("cur"))?
        .filter_map(|e| e.ok())
        .filter_map(|e| e.file_name().into_string().ok())
        .filter(|n| !n.starts_with('.'))
        .collect();
    // Maildir names begin with the delivery time: name order is arrival order.
    names.sort();
    let mut out = Vec::with_capacity(names.len());
    for name in names {
        let path = dir.join("cur").join(&name);
        let size = match served_size_in_name(&name) {
            Some(size) => size,
            None => match measure(&path) {
                Ok(size) => size,
                // Removed by another process since the listing: not part of this session.
                Err(e) if e.kind() == io::ErrorKind::NotFound => continue,
                Err(e) => return Err(e),
            },
        };
        out.push((
            path,
            MessageInfo {
                size,
                uid: unique_id(&name),
            },
        ));
    }
    Ok(out)
}

/// Dovecot records the size as served (CRLF) in the name as `,W=<octets>`.
fn served_size_in_name(name: &str) -> Option<u64> {
    let base = name.split(':').next()?;
    base.split(',')
        .find_map(|field| field.strip_prefix("W=")?.parse().ok())
}

/// The size as served, by running the server's own encoder over the file.
fn measure(path: &Path) -> io::Result<u64> {
    let mut file = File::open(path)?;
    let mut stuffer = Stuffer::new();
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        match file.read(&mut buf)? {
            0 => return Ok(stuffer.served_octets()),
            n => stuffer.measure(&buf[..n]),
        }
    }
}

/// The Maildir unique name (the part before `:` and before any `,` field), which never
/// changes; one that UIDL cannot carry (RFC 1939: 1-70 octets in 0x21-0x7E) is replaced
/// by its MD5 in hex, just as stable.
fn unique_id(name: &str) -> String {
    let base = name.split(':').next().unwrap_or(name);
    let base = base.split(',').next().unwrap_or(base);
    let fits = (1..=70).contains(&base.len()) && base.bytes().all(|b| (0x21..=0x7e).contains(&b));
    if fits {
        return base.to_owned();
    }
    Md5::digest(base.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

struct MaildirDrop {
    /// Held for the session: the lock is released when the file closes.
    _lock: File,
    cur: PathBuf,
    paths: Vec<PathBuf>,
    infos: Vec<MessageInfo>,
}

impl Maildrop for MaildirDrop {
    fn messages(&self) -> &[MessageInfo] {
        &self.infos
    }

    fn open(&self, index: usize) -> io::Result<Box<dyn Read + Send>> {
        let path = self.paths.get(index).ok_or_else(|| {
            io::Error::new(io::ErrorKind::NotFound, format!("no message {}", index + 1))
        })?;
        Ok(Box::new(File::open(path)?))
    }

    fn remove(&mut self, indexes: &[usize]) -> io::Result<()> {
        if indexes.is_empty() {
            return Ok(());
        }
        let mut first_error = None;
        for &i in indexes {
            let Some(path) = self.paths.get(i) else {
                continue;
            };
            // unlink is atomic: the message is whole or gone. Already gone is fine.
            match fs::remove_file(path) {
                Err(e) if e.kind() != io::ErrorKind::NotFound => {
                    first_error.get_or_insert(e);
                }
                _ => {}
            }
        }
        // The removals are durable before the client hears +OK.
        File::open(&self.cur)?.sync_all()?;
        first_error.map_or(Ok(()), Err)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unique_ids_come_from_the_name_and_fit_uidl() {
        assert_eq!(
            unique_id("1700000000.M1P2.host:2,S"),
            "1700000000.M1P2.host"
        );
        assert_eq!(
            unique_id("1700000000.M1P2.host,S=120,W=124:2,"),
            "1700000000.M1P2.host"
        );
        let long = "x".repeat(80);
        let id = unique_id(&long);
        assert_eq!(id.len(), 32, "too long for UIDL: its MD5 instead");
        assert_eq!(id, unique_id(&long), "and stable");
        assert_eq!(unique_id("caf\u{e9}").len(), 32, "non-ASCII: its MD5");
    }

    #[test]
    fn dovecot_sizes_are_read_from_the_name() {
        assert_eq!(served_size_in_name("1.M1.host,S=120,W=124:2,S"), Some(124));
        assert_eq!(served_size_in_name("1.M1.host:2,S"), None);
    }

    #[test]
    fn delivery_records_the_served_size_and_keeps_the_unique_id() {
        let root = std::env::temp_dir().join(format!("pop3-maildir-unit-{}", std::process::id()));
        let _ = fs::remove_dir_all(&root);
        let new = root.join("u").join("new");
        fs::create_dir_all(&new).unwrap();
        fs::write(
            new.join("1700000000.M1P1.host"),
            b"Subject: x\n\n.dot\nno end",
        )
        .unwrap();
        let store = MaildirStore::new(&root);
        let first = store.open("u").unwrap();
        // "Subject: x" CRLF CRLF ".dot" CRLF "no end" CRLF: 12 + 2 + 6 + 8.
        assert_eq!(first.messages()[0].size, 28);
        let uid = first.messages()[0].uid.clone();
        assert_eq!(uid, "1700000000.M1P1.host");
        drop(first);
        let names: Vec<String> = fs::read_dir(root.join("u").join("cur"))
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        assert_eq!(names, ["1700000000.M1P1.host,W=28:2,"]);
        let again = store.open("u").unwrap();
        assert_eq!(
            (again.messages()[0].size, again.messages()[0].uid.as_str()),
            (28, uid.as_str())
        );
        drop(again);
        let _ = fs::remove_dir_all(&root);
    }

    #[test]
    fn user_names_cannot_leave_the_root() {
        let store = MaildirStore::new("/srv/mail");
        for bad in ["", "..", "../etc", "a/b", ".hidden", "a b", "a\0b"] {
            assert!(
                matches!(store.path_of(bad), Err(OpenError::BadName(_))),
                "{bad:?}"
            );
        }
        assert_eq!(
            store.path_of("alice@example.org").unwrap(),
            Path::new("/srv/mail/alice@example.org")
        );
    }
}
