//! A bounds-checked cursor over a caller's output buffer, shared by every encoder.
//!
//! It keeps counting after the buffer is full, so that a failed encode can say how many
//! octets the line needs.

use super::error::{EncodeError, Field};
use super::lex::decimal;

pub(crate) struct Out<'b> {
    buf: &'b mut [u8],
    len: usize,
}

impl<'b> Out<'b> {
    pub(crate) fn new(buf: &'b mut [u8]) -> Self {
        Out { buf, len: 0 }
    }

    pub(crate) fn put(&mut self, bytes: &[u8]) {
        let end = self.len.saturating_add(bytes.len());
        if let Some(dst) = self.buf.get_mut(self.len..end) {
            dst.copy_from_slice(bytes);
        }
        self.len = end;
    }

    pub(crate) fn number(&mut self, value: u64) {
        let mut digits = [0; 20];
        self.put(decimal(value, &mut digits));
    }

    /// Puts `bytes` after checking each with `allowed`.
    pub(crate) fn checked(
        &mut self,
        bytes: &[u8],
        field: Field,
        allowed: fn(u8) -> bool,
    ) -> Result<(), EncodeError> {
        if let Some(&byte) = bytes.iter().find(|&&b| !allowed(b)) {
            return Err(EncodeError::ForbiddenByte { byte, field });
        }
        self.put(bytes);
        Ok(())
    }

    /// Puts a field that must be non-empty and made of `allowed` bytes.
    pub(crate) fn non_empty(
        &mut self,
        bytes: &[u8],
        field: Field,
        allowed: fn(u8) -> bool,
    ) -> Result<(), EncodeError> {
        if bytes.is_empty() {
            return Err(EncodeError::Empty { field });
        }
        self.checked(bytes, field, allowed)
    }

    /// Ends the line with CRLF and checks it against `limit` and the buffer size.
    pub(crate) fn finish_line(mut self, limit: usize) -> Result<usize, EncodeError> {
        self.put(b"\r\n");
        if self.len > limit {
            return Err(EncodeError::LineTooLong {
                length: self.len,
                limit,
            });
        }
        self.finish()
    }

    /// Checks what was written against the buffer size.
    pub(crate) fn finish(self) -> Result<usize, EncodeError> {
        if self.len > self.buf.len() {
            return Err(EncodeError::BufferTooSmall { needed: self.len });
        }
        Ok(self.len)
    }
}
