//! Ctrl-C and SIGTERM while a message is being written: the half-written message is
//! removed (or cut from the mbox) before the process ends, so no partial file is left
//! under any name. Nothing was deleted on the server yet: that happens only after QUIT.

use std::sync::Mutex;

use pop3_examples::local::Undo;

/// What to undo if the process is stopped now.
static PENDING: Mutex<Option<Undo>> = Mutex::new(None);

/// The exit code of a process stopped by a signal it handled (128 + SIGINT).
const INTERRUPTED: i32 = 130;

/// Installs the handler; without one, a signal still stops the process, and the next run
/// cleans nothing (a Maildir's `tmp/` keeps the file).
pub(crate) fn install() {
    let _ = ctrlc::set_handler(|| {
        let pending = PENDING.lock().map(|mut p| p.take());
        if let Ok(Some(undo)) = pending {
            let _ = undo.run();
        }
        std::process::exit(INTERRUPTED);
    });
}

/// From now until [`settle`], a stop undoes `undo`.
pub(crate) fn guard(undo: Undo) {
    if let Ok(mut p) = PENDING.lock() {
        *p = Some(undo);
    }
}

/// Runs `finish` (a commit or an abort) with no stop in between, then forgets the guard:
/// a stop waits until the message is either whole or gone.
pub(crate) fn settle<T>(finish: impl FnOnce() -> T) -> T {
    let mut pending = PENDING.lock().unwrap_or_else(|e| e.into_inner());
    let out = finish();
    *pending = None;
    out
}
