//! The output buffer: encoded commands wait here until the pipelining rules release them
//! and the driver acknowledges sending them.

use crate::codec::EncodeError;

/// `buf[start..released]` may be sent now; `buf[released..end]` waits for its turn.
pub(crate) struct Tx<const N: usize> {
    buf: [u8; N],
    start: usize,
    released: usize,
    end: usize,
}

impl<const N: usize> Tx<N> {
    pub(crate) const fn new() -> Self {
        Tx {
            buf: [0; N],
            start: 0,
            released: 0,
            end: 0,
        }
    }

    /// Appends what `encode` writes into the free space; returns its length. The buffer is
    /// compacted first if that makes room. On error nothing changes.
    pub(crate) fn append(
        &mut self,
        mut encode: impl FnMut(&mut [u8]) -> Result<usize, EncodeError>,
    ) -> Result<usize, EncodeError> {
        let free = self.buf.get_mut(self.end..).unwrap_or_default();
        let n = match encode(free) {
            Err(EncodeError::BufferTooSmall { needed })
                if needed <= N - (self.end - self.start) =>
            {
                self.compact();
                encode(self.buf.get_mut(self.end..).unwrap_or_default())?
            }
            other => other?,
        };
        self.end += n;
        Ok(n)
    }

    fn compact(&mut self) {
        self.buf.copy_within(self.start..self.end, 0);
        self.released -= self.start;
        self.end -= self.start;
        self.start = 0;
    }

    /// Lets the next `n` waiting octets go on the wire.
    pub(crate) fn release(&mut self, n: usize) {
        self.released = (self.released + n).min(self.end);
    }

    /// What the driver may send.
    pub(crate) fn pending(&self) -> &[u8] {
        self.buf.get(self.start..self.released).unwrap_or_default()
    }

    /// The driver sent `n` octets of [`Tx::pending`].
    pub(crate) fn transmitted(&mut self, n: usize) {
        self.start = (self.start + n).min(self.released);
        if self.start == self.end {
            self.start = 0;
            self.released = 0;
            self.end = 0;
        }
    }

    /// Forgets everything unsent (the session is over).
    pub(crate) fn clear(&mut self) {
        self.start = 0;
        self.released = 0;
        self.end = 0;
    }
}
