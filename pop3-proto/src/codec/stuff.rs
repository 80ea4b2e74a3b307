//! Streaming encoder of a multi-line body (RFC 1939 section 3), for servers: stuffs a dot
//! before every line that starts with one, turns bare LF into CRLF, and ends the body with
//! `CRLF . CRLF`, whatever way the message is split into chunks.

use super::error::EncodeError;

/// How many octets at the start of `rest` go out as they are: up to a bare LF (which needs
/// a CR) or past an LF that a dot follows (which needs stuffing). `prev_cr` says whether the
/// octet before `rest` was CR.
fn unchanged_run(rest: &[u8], prev_cr: bool) -> usize {
    for lf in super::scan::lfs(rest) {
        let cr_before = match lf.checked_sub(1) {
            Some(p) => rest.get(p) == Some(&b'\r'),
            None => prev_cr,
        };
        if !cr_before {
            return lf;
        }
        if rest.get(lf + 1) == Some(&b'.') {
            return lf + 1;
        }
    }
    rest.len()
}

/// The streaming body encoder. See the module documentation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Stuffer {
    line_start: bool,
    prev_cr: bool,
    octets: u64,
}

impl Default for Stuffer {
    fn default() -> Self {
        Self::new()
    }
}

/// The result of one [`Stuffer::encode`] call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Stuffed {
    /// Octets of the input used; offer the rest again.
    pub consumed: usize,
    /// Octets written to the output.
    pub written: usize,
}

impl Stuffer {
    /// An encoder at the start of a body.
    pub const fn new() -> Self {
        Stuffer {
            line_start: true,
            prev_cr: false,
            octets: 0,
        }
    }

    /// Encodes as much of `input` into `out` as fits. An octet whose encoding does not fit
    /// whole (a stuffed dot, a CRLF) is left for the next call: nothing is lost or split.
    ///
    /// Octets that need no change (lines with CRLF ends that do not start with a dot) are
    /// copied in runs (found with `memchr` where the feature is on); only a bare LF and a
    /// leading dot are handled one by one.
    pub fn encode(&mut self, input: &[u8], out: &mut [u8]) -> Stuffed {
        let mut r = 0;
        let mut w = 0;
        while let Some(&b) = input.get(r) {
            let expanded: Option<&[u8]> = match b {
                b'.' if self.line_start => Some(b".."),
                b'\n' if !self.prev_cr => Some(b"\r\n"),
                _ => None,
            };
            if let Some(expanded) = expanded {
                let Some(dst) = out.get_mut(w..w + expanded.len()) else {
                    break;
                };
                dst.copy_from_slice(expanded);
                w += expanded.len();
                r += 1;
                // The stuffing dot is not counted (RFC 1939 section 11); the CR is.
                self.octets += if b == b'.' { 1 } else { 2 };
                self.line_start = b == b'\n';
                self.prev_cr = false;
                continue;
            }
            let room = out.len().saturating_sub(w);
            let rest = input.get(r..input.len().min(r + room)).unwrap_or_default();
            let run = unchanged_run(rest, self.prev_cr);
            let (Some(src), Some(dst)) = (rest.get(..run), out.get_mut(w..w + run)) else {
                break;
            };
            if run == 0 {
                break;
            }
            dst.copy_from_slice(src);
            r += run;
            w += run;
            self.octets += run as u64;
            // The run stopped at a bare LF: its CRLF goes out now if it fits, which spares
            // a turn of the loop for every line of a file with LF line ends.
            if src.last() != Some(&b'\r')
                && input.get(r) == Some(&b'\n')
                && let Some([c, l]) = out.get_mut(w..w + 2)
            {
                (*c, *l) = (b'\r', b'\n');
                r += 1;
                w += 2;
                self.octets += 2;
                self.line_start = true;
                self.prev_cr = false;
                continue;
            }
            self.prev_cr = src.last() == Some(&b'\r');
            self.line_start = src.last() == Some(&b'\n');
        }
        Stuffed {
            consumed: r,
            written: w,
        }
    }

    /// Octets of the message as served so far: CRLF line ends, stuffing dots not counted
    /// (what RFC 1939 section 11 says a scan listing's size counts).
    pub const fn octets(&self) -> u64 {
        self.octets
    }

    /// Counts `input` as [`Stuffer::encode`] would serve it, writing nothing: a message's
    /// size for LIST and STAT without producing its body. Follow with
    /// [`Stuffer::served_octets`] once the last octet is in.
    pub fn measure(&mut self, input: &[u8]) {
        let mut scratch = [0u8; 256];
        let mut rest = input;
        while !rest.is_empty() {
            let r = self.encode(rest, &mut scratch);
            // 256 octets of room always take at least one input octet.
            rest = rest.get(r.consumed.max(1)..).unwrap_or_default();
        }
    }

    /// The size of the whole message as served, its last octet given: [`Stuffer::octets`]
    /// plus the line end [`Stuffer::finish`] adds to an unended last line.
    pub const fn served_octets(&self) -> u64 {
        self.octets
            + match (self.line_start, self.prev_cr) {
                (true, _) => 0,
                (false, true) => 1,
                (false, false) => 2,
            }
    }

    /// Writes the end of the body: CRLF if the last line was not ended, then `.` CRLF.
    /// Returns the octets written, or how many are needed; on error nothing changes.
    /// A stuffer encodes one body: use a new one for the next.
    pub fn finish(&mut self, out: &mut [u8]) -> Result<usize, EncodeError> {
        let tail: &[u8] = match (self.line_start, self.prev_cr) {
            (true, _) => b".\r\n",
            (false, true) => b"\n.\r\n",
            (false, false) => b"\r\n.\r\n",
        };
        let dst = out
            .get_mut(..tail.len())
            .ok_or(EncodeError::BufferTooSmall { needed: tail.len() })?;
        dst.copy_from_slice(tail);
        self.line_start = true;
        self.prev_cr = false;
        Ok(tail.len())
    }
}
