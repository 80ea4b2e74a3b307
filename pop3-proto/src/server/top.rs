//! TOP's cut (RFC 1939 section 7): the header, the blank line that ends it, then the
//! requested number of body lines; the rest of the message is not sent.

/// Counts lines as the message streams by and says how much of each chunk to send.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub(crate) struct TopCut {
    in_header: bool,
    lines_left: u32,
    /// Octets of the current line so far (saturating), and whether its first was CR.
    line_len: usize,
    first_cr: bool,
    done: bool,
}

impl TopCut {
    pub(crate) const fn new(lines: u32) -> Self {
        TopCut {
            in_header: true,
            lines_left: lines,
            line_len: 0,
            first_cr: false,
            done: false,
        }
    }

    pub(crate) const fn done(&self) -> bool {
        self.done
    }

    /// How many octets of `chunk` belong to the cut.
    pub(crate) fn allow(&mut self, chunk: &[u8]) -> usize {
        let mut i = 0;
        while !self.done && i < chunk.len() {
            let rest = chunk.get(i..).unwrap_or_default();
            let Some(off) = rest.iter().position(|&b| b == b'\n') else {
                self.extend(rest);
                return chunk.len();
            };
            self.extend(rest.get(..off).unwrap_or_default());
            i += off + 1;
            let empty = self.line_len == 0 || (self.line_len == 1 && self.first_cr);
            self.line_len = 0;
            self.first_cr = false;
            if self.in_header {
                if empty {
                    self.in_header = false;
                    self.done = self.lines_left == 0;
                }
            } else {
                self.lines_left = self.lines_left.saturating_sub(1);
                self.done = self.lines_left == 0;
            }
        }
        if self.done { i } else { chunk.len() }
    }

    fn extend(&mut self, part: &[u8]) {
        if self.line_len == 0 {
            self.first_cr = part.first() == Some(&b'\r');
        }
        self.line_len = self.line_len.saturating_add(part.len());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cut(message: &[u8], lines: u32, chunk: usize) -> std::vec::Vec<u8> {
        extern crate std;
        let mut top = TopCut::new(lines);
        let mut out = std::vec::Vec::new();
        for piece in message.chunks(chunk) {
            let n = top.allow(piece);
            out.extend_from_slice(&piece[..n]);
        }
        out
    }

    extern crate std;

    #[test]
    fn top_counts_header_blank_line_and_body_lines() {
        let m = b"A: 1\r\nB: 2\r\n\r\none\r\ntwo\r\nthree\r\n";
        for chunk in 1..=m.len() {
            assert_eq!(cut(m, 0, chunk), b"A: 1\r\nB: 2\r\n\r\n", "chunk {chunk}");
            assert_eq!(
                cut(m, 2, chunk),
                b"A: 1\r\nB: 2\r\n\r\none\r\ntwo\r\n",
                "chunk {chunk}"
            );
            assert_eq!(cut(m, 9, chunk), m.to_vec(), "more lines than the body has");
        }
        // No blank line: all of it is header.
        assert_eq!(cut(b"A: 1\r\nB: 2\r\n", 0, 3), b"A: 1\r\nB: 2\r\n");
        // Bare LF messages.
        assert_eq!(cut(b"A: 1\n\nx\ny\n", 1, 2), b"A: 1\n\nx\n");
    }
}
