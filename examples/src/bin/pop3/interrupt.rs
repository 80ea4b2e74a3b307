//! Ctrl-C and SIGTERM. While a message is being written, the half-written message is
//! removed (or cut from the mbox), and the messages stored whole before it are made
//! durable and recorded, before the process ends (exit 130): no partial file is left
//! under any name, and nothing stored is fetched again. Nothing was deleted on the server:
//! that happens only at a QUIT, which was not sent. A daemon waiting between rounds ends
//! at once, cleanly (exit 0).

use std::io;
use std::sync::{Condvar, Mutex};
use std::time::{Duration, Instant};

use pop3_examples::local::Undo;

/// What to undo if the process is stopped now.
static PENDING: Mutex<Option<Undo>> = Mutex::new(None);

/// What makes the messages stored so far durable and recorded.
type Hook = Box<dyn Fn() -> io::Result<()> + Send>;
static ON_STOP: Mutex<Option<Hook>> = Mutex::new(None);

/// Whether a daemon is waiting between rounds (and then, whether a stop came).
static IDLE: Mutex<Idle> = Mutex::new(Idle {
    waiting: false,
    stopped: false,
});
static WAKE: Condvar = Condvar::new();

struct Idle {
    waiting: bool,
    stopped: bool,
}

/// The exit code of a process stopped by a signal it handled (128 + SIGINT).
const INTERRUPTED: i32 = 130;

/// Installs the handler; without one, a signal still stops the process, and the next run
/// cleans nothing (a Maildir's `tmp/` keeps the file).
pub(crate) fn install() {
    let _ = ctrlc::set_handler(|| {
        if let Ok(mut idle) = IDLE.lock()
            && idle.waiting
        {
            idle.stopped = true;
            WAKE.notify_all();
            return;
        }
        let pending = PENDING.lock().map(|mut p| p.take());
        if let Ok(Some(undo)) = pending {
            let _ = undo.run();
        }
        if let Ok(hook) = ON_STOP.lock()
            && let Some(hook) = hook.as_ref()
            && let Err(e) = hook()
        {
            eprintln!("pop3: stopped, and the messages stored could not be recorded: {e}");
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

/// Until the returned guard is dropped, a stop runs `hook` (after undoing the message
/// being written) before the process ends.
pub(crate) fn on_stop(hook: impl Fn() -> io::Result<()> + Send + 'static) -> OnStop {
    if let Ok(mut h) = ON_STOP.lock() {
        *h = Some(Box::new(hook));
    }
    OnStop
}

/// Removes the hook [`on_stop`] set when dropped.
pub(crate) struct OnStop;

impl Drop for OnStop {
    fn drop(&mut self) {
        if let Ok(mut h) = ON_STOP.lock() {
            *h = None;
        }
    }
}

/// Waits `time`, or until a stop; true when stopped.
pub(crate) fn idle(time: Duration) -> bool {
    let until = Instant::now() + time;
    let mut idle = IDLE.lock().unwrap_or_else(|e| e.into_inner());
    idle.waiting = true;
    while !idle.stopped {
        let left = until.saturating_duration_since(Instant::now());
        if left.is_zero() {
            break;
        }
        idle = WAKE
            .wait_timeout(idle, left)
            .unwrap_or_else(|e| e.into_inner())
            .0;
    }
    idle.waiting = false;
    idle.stopped
}
