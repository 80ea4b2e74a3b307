//! Whether a test may go on without a real peer it needs, and whether a program is there.

use std::io::Write;

/// True when `present`. Otherwise: under the test command (`.ci/test-all` sets
/// `POP3_REQUIRE_PEERS=1`) or `CI=true` a missing peer fails the test; elsewhere the test
/// says so on the terminal (past the test harness's capture, so that a skip is never
/// mistaken for a pass) and checks nothing.
pub(crate) fn require(what: &str, present: bool) -> bool {
    if present {
        return true;
    }
    let strict = std::env::var("CI").as_deref() == Ok("true")
        || std::env::var("POP3_REQUIRE_PEERS").as_deref() == Ok("1");
    assert!(
        !strict,
        "{what} is missing, and the test command requires every real peer (run .ci/setup)"
    );
    let _ = writeln!(
        std::io::stderr(),
        "SKIPPED: {what} is missing (run .ci/setup); nothing was checked"
    );
    false
}

/// True when `program` is on the PATH.
pub(crate) fn installed(program: &str) -> bool {
    std::process::Command::new("sh")
        .args(["-c", &format!("command -v {program}")])
        .output()
        .is_ok_and(|o| o.status.success())
}

/// True when the tests run as root.
pub(crate) fn is_root() -> bool {
    std::process::Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| o.stdout.trim_ascii() == b"0")
}
