//! Streaming encoder of a multi-line body (RFC 1939 section 3), for servers: stuffs a dot
//! before every line that starts with one, turns bare LF into CRLF, and ends the body with
//! `CRLF . CRLF`, whatever way the message is split into chunks.

use super::error::EncodeError;
use super::scan::BLOCK;

/// Output room the block path keeps beyond the octets it has still to copy: what a whole
/// block can grow to (a bare LF and a dot that follows it, `\n.`, go out as `\r\n..`), the
/// dot after the block's last LF, and a block more for the fixed-size copies of [`put`].
const SLACK: usize = 3 * STEP + 2;

/// Octets the block path takes at a time: two blocks, whose LFs are walked as one mask,
/// so that the walk ends (a branch no predictor gets right) half as often.
const STEP: usize = 2 * BLOCK;

/// Writes `run` at `out[w..]`. Short runs (a line each, where every line end changes) are
/// copied as one whole block, without a length-dependent branch: what it copies past the
/// run is overwritten by what comes next, and [`SLACK`] keeps room for it.
fn put(out: &mut [u8], w: usize, input: &[u8], from: usize, run: usize) {
    if run <= BLOCK
        && let Some(src) = input.get(from..).and_then(|s| s.first_chunk::<BLOCK>())
        && let Some(dst) = out.get_mut(w..).and_then(|d| d.first_chunk_mut::<BLOCK>())
    {
        *dst = *src;
    } else if let (Some(src), Some(dst)) = (input.get(from..from + run), out.get_mut(w..w + run)) {
        dst.copy_from_slice(src);
    }
}

/// Whether any octet of the block `input[at..at + 64]` needs a change: an LF after
/// anything but CR, or a dot after an LF (the block's last LF included, with the octet
/// after the block). `start` stands for the octet before `input[0]`. Written octet by
/// octet with no branch, comparing the input with itself one octet on, so that the
/// compiler checks a vector at a time; most blocks of a message with CRLF line ends need
/// no change, and are passed over whole.
fn changes(input: &[u8], at: usize, start: u8) -> bool {
    // The octet before the block, the block, and the octet after it.
    const WINDOW: usize = BLOCK + 2;
    let copied: [u8; WINDOW];
    let window = match at
        .checked_sub(1)
        .and_then(|p| input.get(p..))
        .and_then(|s| s.first_chunk::<WINDOW>())
    {
        Some(window) => window,
        None => {
            // At the start of the input, or at its end: a copy, padded with zeros (which
            // match nothing).
            let mut w = [0; WINDOW];
            let (first, rest) = w.split_at_mut(1);
            let before = at.checked_sub(1).and_then(|p| input.get(p)).copied();
            first.fill(before.unwrap_or(start));
            let avail = input.get(at..).unwrap_or_default();
            let n = avail.len().min(WINDOW - 1);
            if let (Some(dst), Some(src)) = (rest.get_mut(..n), avail.get(..n)) {
                dst.copy_from_slice(src);
            }
            copied = w;
            &copied
        }
    };
    let (Some(prev), Some(block)) = (
        window.first_chunk::<BLOCK>(),
        window.get(1..).and_then(|s| s.first_chunk::<BLOCK>()),
    ) else {
        return true;
    };
    let mut any = window.last_chunk::<2>() == Some(b"\n.");
    for (&p, &c) in prev.iter().zip(block) {
        any |= (c == b'\n') & (p != b'\r') | (c == b'.') & (p == b'\n');
    }
    any
}

/// What `input[i]` needs added before it (a CR, for a bare LF) and whether it needs a
/// stuffing dot. `start` is the octet before `input[0]`: a body starts as if after an LF.
fn expansion(input: &[u8], i: usize, start: u8) -> (bool, bool) {
    let before = i
        .checked_sub(1)
        .and_then(|p| input.get(p))
        .copied()
        .unwrap_or(start);
    match input.get(i) {
        Some(b'\n') => (before != b'\r', false),
        Some(b'.') => (false, before == b'\n'),
        _ => (false, false),
    }
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
    /// The input is looked at 128 octets at a time while the output has room for what they
    /// may grow to: a step with no bare LF and no line that starts with a dot is passed
    /// over, and copied later with the rest of its run in one piece; in one that has, the
    /// LFs are walked one by one from a bit mask. Near the end of the room, an octet at a
    /// time, runs of unchanged octets copied whole.
    pub fn encode(&mut self, input: &[u8], out: &mut [u8]) -> Stuffed {
        let start = self.before();
        let (mut r, mut w, mut dots) = (0, 0, 0);
        // How far the input has been written out (the run since then goes out in one
        // piece at the next change).
        let mut copied = 0;
        // A dot that starts the input at a line start; every later one is stuffed with the
        // LF before it, and taken with it.
        if start == b'\n' && input.first() == Some(&b'.') {
            let Some(dst) = out.get_mut(..2) else {
                return Stuffed {
                    consumed: 0,
                    written: 0,
                };
            };
            dst.copy_from_slice(b"..");
            (r, w, dots, copied) = (1, 2, 1, 1);
        }
        // Whether the last step changed: then so will the next, most likely (LF line
        // ends), and the check is not worth its time.
        let mut busy = false;
        while let Some(step) = input.get(r..).and_then(|s| s.first_chunk::<STEP>())
            && w + r.saturating_sub(copied) + SLACK <= out.len()
        {
            let (Some(low), Some(high)) = (step.first_chunk::<BLOCK>(), step.last_chunk::<BLOCK>())
            else {
                break;
            };
            if !busy && !changes(input, r, start) && !changes(input, r + BLOCK, start) {
                r += STEP;
                continue;
            }
            let mut lfs = u128::from(super::scan::mask(low, b'\n'))
                | (u128::from(super::scan::mask(high, b'\n')) << BLOCK);
            busy = false;
            while lfs != 0 {
                let lf = r + lfs.trailing_zeros() as usize;
                lfs &= lfs - 1;
                let cr_before = match lf.checked_sub(1) {
                    Some(p) => input.get(p) == Some(&b'\r'),
                    None => start == b'\r',
                };
                let dot_after = input.get(lf + 1) == Some(&b'.');
                if cr_before && !dot_after {
                    continue;
                }
                busy = true;
                put(out, w, input, copied, lf - copied);
                w += lf - copied;
                // What the LF (and the dot after it) go out as: four octets written, of
                // which the first two, three or four count.
                if let Some(dst) = out.get_mut(w..).and_then(|d| d.first_chunk_mut::<4>()) {
                    *dst = if cr_before { *b"\n..." } else { *b"\r\n.." };
                }
                w += 2 - usize::from(cr_before) + 2 * usize::from(dot_after);
                dots += u64::from(dot_after);
                copied = lf + 1 + usize::from(dot_after);
            }
            r += STEP;
        }
        let run = input.get(copied..r).unwrap_or_default();
        if let Some(dst) = out.get_mut(w..w + run.len()) {
            dst.copy_from_slice(run);
        }
        w += run.len();
        r = r.max(copied);
        // The rest, near the end of the input or of the room (or all of it, with little
        // room): an octet that needs something added is written whole with it or left for
        // the next call; the octets up to the next such one are copied as one run.
        while let Some(&b) = input.get(r) {
            let added = match expansion(input, r, start) {
                (true, _) => b'\r',
                (_, true) => b'.',
                _ => {
                    let room = input.len().min(r + out.len().saturating_sub(w));
                    let end = (r + 1..room)
                        .find(|&i| expansion(input, i, start) != (false, false))
                        .unwrap_or(room);
                    let (Some(src), Some(dst)) = (input.get(r..end), out.get_mut(w..w + end - r))
                    else {
                        break;
                    };
                    if src.is_empty() {
                        break;
                    }
                    dst.copy_from_slice(src);
                    w += src.len();
                    r = end;
                    continue;
                }
            };
            let Some([first, second]) = out.get_mut(w..w + 2) else {
                break;
            };
            (*first, *second) = (added, b);
            w += 2;
            r += 1;
            dots += u64::from(added == b'.');
        }
        if let Some(&last) = r.checked_sub(1).and_then(|p| input.get(p)) {
            self.line_start = last == b'\n';
            self.prev_cr = last == b'\r';
        }
        // The stuffing dots are not counted (RFC 1939 section 11); the CRs added are.
        self.octets += w as u64 - dots;
        Stuffed {
            consumed: r,
            written: w,
        }
    }

    /// What stands for the octet before the next input: LF at a line start (the start of
    /// the body included), CR after one, anything else (0) otherwise.
    const fn before(&self) -> u8 {
        match (self.line_start, self.prev_cr) {
            (true, _) => b'\n',
            (false, true) => b'\r',
            (false, false) => 0,
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
        // Served, the input grows by a CR for each bare LF; the stuffing dots do not count.
        let mut before = self.before();
        let mut bare = 0;
        let mut blocks = input.chunks_exact(BLOCK);
        for block in blocks.by_ref() {
            let Some(block) = block.first_chunk::<BLOCK>() else {
                continue;
            };
            let crs = (super::scan::mask(block, b'\r') << 1) | u64::from(before == b'\r');
            bare += u64::from((super::scan::mask(block, b'\n') & !crs).count_ones());
            before = block[BLOCK - 1];
        }
        for &b in blocks.remainder() {
            bare += u64::from(b == b'\n' && before != b'\r');
            before = b;
        }
        if let Some(&last) = input.last() {
            self.line_start = last == b'\n';
            self.prev_cr = last == b'\r';
        }
        self.octets += input.len() as u64 + bare;
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
