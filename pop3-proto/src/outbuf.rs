//! The output buffer of both state machines: lines are encoded into it, released when the
//! protocol lets them go (the client holds commands back for pipelining; the server
//! releases at once), and dropped when the driver acknowledges sending them.

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

    /// Octets that can still be appended (after compaction).
    pub(crate) fn room(&self) -> usize {
        N - (self.end - self.start)
    }

    /// Appends and releases at once.
    pub(crate) fn push(
        &mut self,
        encode: impl FnMut(&mut [u8]) -> Result<usize, EncodeError>,
    ) -> Result<usize, EncodeError> {
        let n = self.append(encode)?;
        self.release(n);
        Ok(n)
    }

    /// Appends `bytes` as they are and releases them.
    pub(crate) fn push_bytes(&mut self, bytes: &[u8]) -> Result<usize, EncodeError> {
        self.push(|b| {
            let dst = b
                .get_mut(..bytes.len())
                .ok_or(EncodeError::BufferTooSmall {
                    needed: bytes.len(),
                })?;
            dst.copy_from_slice(bytes);
            Ok(bytes.len())
        })
    }

    /// The free space for a streaming encoder, compacted first; follow with
    /// [`Tx::push_written`].
    pub(crate) fn free(&mut self) -> &mut [u8] {
        if self.start > 0 {
            self.compact();
        }
        self.buf.get_mut(self.end..).unwrap_or_default()
    }

    /// `n` octets were written into [`Tx::free`]; they may go.
    pub(crate) fn push_written(&mut self, n: usize) {
        self.end = (self.end + n).min(N);
        self.released = self.end;
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

    /// Octets appended and not yet acknowledged as sent, released or not.
    pub(crate) fn unsent(&self) -> usize {
        self.end - self.start
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
