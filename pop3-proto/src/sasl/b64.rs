//! Base64 (RFC 4648 section 4) written in pieces straight into an output line, so that a
//! SASL response never needs a scratch copy of its raw form (an OAuth token can be kilobytes).

use base64::Engine;
use base64::engine::general_purpose::STANDARD;

use crate::codec::out::Out;

/// Raw octets per encoded block: a multiple of 3, so blocks need no padding.
const BLOCK: usize = 48;

/// Encodes what it is given in order, carrying up to two octets between pieces.
pub(crate) struct Base64Writer<'o, 'b> {
    out: &'o mut Out<'b>,
    carry: [u8; 3],
    carried: usize,
}

impl<'o, 'b> Base64Writer<'o, 'b> {
    pub(crate) fn new(out: &'o mut Out<'b>) -> Self {
        Base64Writer {
            out,
            carry: [0; 3],
            carried: 0,
        }
    }

    pub(crate) fn put(&mut self, mut data: &[u8]) {
        while self.carried > 0 && self.carried < 3 {
            let Some((&b, rest)) = data.split_first() else {
                return;
            };
            if let Some(slot) = self.carry.get_mut(self.carried) {
                *slot = b;
            }
            self.carried += 1;
            data = rest;
        }
        if self.carried == 3 {
            let carry = self.carry;
            self.emit(&carry);
            self.carried = 0;
        }
        let whole = data.len() / 3 * 3;
        let (blocks, tail) = data.split_at(whole);
        for block in blocks.chunks(BLOCK) {
            self.emit(block);
        }
        for (slot, &b) in self.carry.iter_mut().zip(tail) {
            *slot = b;
        }
        self.carried = tail.len();
    }

    /// Writes the last octets with padding.
    pub(crate) fn finish(mut self) {
        let carry = self.carry;
        if let Some(tail) = carry.get(..self.carried).filter(|t| !t.is_empty()) {
            self.emit(tail);
        }
    }

    fn emit(&mut self, raw: &[u8]) {
        let mut encoded = [0u8; BLOCK / 3 * 4];
        let n = STANDARD.encode_slice(raw, &mut encoded).unwrap_or(0);
        self.out.put(encoded.get(..n).unwrap_or_default());
    }
}

/// Length of the base64 form of `raw_len` octets, padding included.
pub(crate) const fn encoded_len(raw_len: usize) -> usize {
    raw_len.div_ceil(3) * 4
}

/// Decodes base64 `data` into `out`; `None` if it is not base64 or does not fit.
pub(crate) fn decode<'o>(data: &[u8], out: &'o mut [u8]) -> Option<&'o [u8]> {
    let n = STANDARD.decode_slice(data, out).ok()?;
    out.get(..n)
}
