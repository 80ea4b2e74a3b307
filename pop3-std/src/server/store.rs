//! Where mail lives, as the server sees it: a store opens a user's maildrop, locked for the
//! session; the maildrop lists its messages, streams them, and removes them at UPDATE.

use std::fmt;
use std::io::{self, Read};

/// A message as listed: its size as served (CRLF line ends) and its unique-id.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MessageInfo {
    /// Octets as served by RETR (RFC 1939 section 11).
    pub size: u64,
    /// The unique-id for UIDL: 1 to 70 octets in 0x21-0x7E, the same in every session.
    pub uid: String,
}

/// Why a maildrop could not be opened.
#[derive(Debug)]
pub enum OpenError {
    /// Another session holds the maildrop (`-ERR [IN-USE]`, RFC 2449 section 8.1.2).
    InUse,
    /// The user name cannot name a maildrop (it would leave the store's root).
    BadName(String),
    /// The storage failed.
    Io(io::Error),
}

impl fmt::Display for OpenError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            OpenError::InUse => f.write_str("maildrop in use by another session"),
            OpenError::BadName(n) => write!(f, "{n:?} cannot name a maildrop"),
            OpenError::Io(e) => write!(f, "maildrop storage failed: {e}"),
        }
    }
}

impl std::error::Error for OpenError {}

/// Opens maildrops. Shared by every session of a server.
pub trait Store: Send + Sync {
    /// Opens and locks `user`'s maildrop for one session; the lock goes with the value.
    fn open(&self, user: &str) -> Result<Box<dyn Maildrop>, OpenError>;
}

/// One session's view of a maildrop: fixed at login (RFC 1939 numbers messages from 1 for
/// the whole session), released when dropped.
pub trait Maildrop: Send {
    /// The messages, message 1 first.
    fn messages(&self) -> &[MessageInfo];

    /// The octets of message `index` (from 0) as stored; the server core turns them into
    /// what is served.
    fn open(&self, index: usize) -> io::Result<Box<dyn Read + Send>>;

    /// Removes these messages (indexes from 0), at UPDATE. Each message is either removed
    /// or left whole, whatever happens in the middle (a crash, a full disk).
    fn remove(&mut self, indexes: &[usize]) -> io::Result<()>;
}
