//! A scripted peer for the firmware images: reads hand out the script, writes go nowhere,
//! and the clock ticks once per read. Shared by the client and server images.

use core::convert::Infallible;
use core::hint::black_box;

use pop3_proto::Instant;
use pop3_proto::io::blocking::Clock;

/// The other end of the connection, as bytes.
pub struct Script {
    input: &'static [u8],
    now: u64,
    /// Octets written to the peer.
    pub sent: usize,
}

impl Script {
    /// A peer that says `input`, then closes.
    pub fn new(input: &'static [u8]) -> Self {
        Script {
            input: black_box(input),
            now: 0,
            sent: 0,
        }
    }
}

impl embedded_io::ErrorType for Script {
    type Error = Infallible;
}

impl embedded_io::Read for Script {
    fn read(&mut self, buf: &mut [u8]) -> Result<usize, Infallible> {
        // Seven octets at a time, so that lines arrive split.
        let n = buf.len().min(self.input.len()).min(7);
        if let (Some(dst), Some(src)) = (buf.get_mut(..n), self.input.get(..n)) {
            dst.copy_from_slice(src);
        }
        self.input = self.input.get(n..).unwrap_or_default();
        self.now += 1;
        Ok(n)
    }
}

impl embedded_io::Write for Script {
    fn write(&mut self, buf: &[u8]) -> Result<usize, Infallible> {
        self.sent += black_box(buf.len());
        Ok(buf.len())
    }

    fn flush(&mut self) -> Result<(), Infallible> {
        Ok(())
    }
}

impl Clock for Script {
    fn now(&mut self) -> Instant {
        Instant::from_millis(self.now)
    }

    fn set_deadline(&mut self, _: Option<Instant>) -> Result<(), Infallible> {
        Ok(())
    }
}
