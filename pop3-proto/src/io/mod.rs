//! The drive loop, written once for every blocking transport (feature `io`): anything that
//! implements the `embedded-io` traits plus [`Clock`], from a std `TcpStream` or rustls
//! stream to a UART; and the multi-step exchanges (STLS, login) on top of it. Still no I/O
//! of its own: the transport does it.

mod blocking;
mod steps;

pub use blocking::{Clock, Drive, DriveError, drive};
pub use steps::{StepError, login, start_tls};
