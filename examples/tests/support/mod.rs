//! Helpers shared by the CLI's test files.

#![allow(dead_code, unused_imports)]

pub(crate) mod scripted;

#[path = "../../../pop3-std/tests/support/require.rs"]
mod require_peer;
pub(crate) use require_peer::{installed, require};

use std::ffi::OsStr;
use std::ops::Deref;
use std::path::{Path, PathBuf};
use std::process::Output;

/// A test's own directory; removed when dropped, at the end of the test.
pub(crate) struct Scratch(PathBuf);

/// A fresh directory for one test, removed with everything in it when the test ends.
pub(crate) fn scratch(name: &str) -> Scratch {
    let dir = std::env::temp_dir().join(format!("pop3-cli-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create a scratch directory");
    Scratch(dir)
}

impl Deref for Scratch {
    type Target = Path;
    fn deref(&self) -> &Path {
        &self.0
    }
}

impl AsRef<Path> for Scratch {
    fn as_ref(&self) -> &Path {
        &self.0
    }
}

impl AsRef<OsStr> for Scratch {
    fn as_ref(&self) -> &OsStr {
        self.0.as_os_str()
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The contents of every file in `dir`, sorted (none when it does not exist).
pub(crate) fn files_in(dir: &Path) -> Vec<Vec<u8>> {
    let mut files: Vec<Vec<u8>> = std::fs::read_dir(dir)
        .map(|d| {
            d.flatten()
                .map(|e| std::fs::read(e.path()).expect("read a file"))
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    files
}

/// What a program printed, standard output then standard error.
pub(crate) fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// How many messages mutt finds in the mbox `file` (it pipes each one to a command that
/// counts it), run in a pseudo-terminal as mutt wants one; `None` when it found none or
/// did not finish within 30 s.
pub(crate) fn mutt_count(file: &Path, scratch: &Path) -> Option<usize> {
    let seen = scratch.join("mutt-seen");
    let push = format!(
        "push \"<tag-pattern>~A<enter><tag-prefix><pipe-message>cat >/dev/null; echo m >> {}<enter><quit>\"",
        seen.display()
    );
    let mutt = format!(
        "mutt -n -F /dev/null -z -f {} -e 'set pipe_split=yes' -e '{push}'",
        file.display()
    );
    let status = std::process::Command::new("timeout")
        .args(["30", "script", "-qec", &mutt, "/dev/null"])
        .env("TERM", "vt100")
        .stdout(std::process::Stdio::null())
        .status()
        .ok()?;
    let count = std::fs::read_to_string(&seen).ok()?.lines().count();
    (status.success() && count > 0).then_some(count)
}
