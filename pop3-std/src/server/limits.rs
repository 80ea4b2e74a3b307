//! The open-file limit a server needs. Each session holds its socket and its maildrop's
//! lock, and opens a message file or a directory at a time; Linux starts processes with a
//! soft limit of 1024, which would cap a server at a few hundred sessions long before its
//! connection limit.

use std::io;

/// Files a session may hold open at once: socket, maildrop lock, a message or directory,
/// and one spare for a directory sync during UPDATE.
pub const FILES_PER_SESSION: u64 = 4;

/// Files the process needs besides its sessions (listeners, logs, the passwd file).
pub const FILES_BESIDES_SESSIONS: u64 = 64;

/// Raises the soft limit on open files toward `needed`, never above the hard limit and
/// never lowering it. Returns the soft limit now in force (`None`: unlimited).
#[cfg(unix)]
pub fn raise_open_files(needed: u64) -> io::Result<Option<u64>> {
    use rustix::process::{Resource, getrlimit, setrlimit};
    let limit = getrlimit(Resource::Nofile);
    let Some(current) = limit.current else {
        return Ok(None);
    };
    if current >= needed {
        return Ok(Some(current));
    }
    let target = limit.maximum.map_or(needed, |hard| hard.min(needed));
    if target <= current {
        return Ok(Some(current));
    }
    setrlimit(
        Resource::Nofile,
        rustix::process::Rlimit {
            current: Some(target),
            maximum: limit.maximum,
        },
    )?;
    Ok(Some(target))
}

/// Raises the soft limit on open files toward `needed`; this platform has none to raise.
#[cfg(not(unix))]
pub fn raise_open_files(_needed: u64) -> io::Result<Option<u64>> {
    Ok(None)
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    #[test]
    fn the_limit_only_goes_up() {
        let before = raise_open_files(0).unwrap();
        assert_eq!(
            raise_open_files(1).unwrap(),
            before,
            "already enough: unchanged"
        );
        let hard = rustix::process::getrlimit(rustix::process::Resource::Nofile).maximum;
        let want = before.map_or(0, |b| b + 1);
        let now = raise_open_files(want).unwrap();
        match (before, hard) {
            (None, _) => assert_eq!(now, None),
            (Some(b), Some(h)) if b >= h => assert_eq!(now, Some(b), "at the hard limit"),
            (Some(b), _) => assert_eq!(now, Some(b + 1)),
        }
    }
}
