//! The searches of the codec's hot loops. For a line end: with the `memchr` feature (on
//! by default), memchr's, which uses SIMD on hosts and a word at a time elsewhere; without
//! it, a plain loop that costs no flash, for the smallest firmware. For the octets that
//! stuffing and unstuffing act on: 64-octet blocks checked with no branch per octet, so
//! that the compiler can check a vector at a time, and no setup per call.

/// The first LF in `haystack`.
pub(crate) fn lf(haystack: &[u8]) -> Option<usize> {
    #[cfg(feature = "memchr")]
    return memchr::memchr(b'\n', haystack);
    #[cfg(not(feature = "memchr"))]
    haystack.iter().position(|&b| b == b'\n')
}

/// Octets a [`mask`] covers: one bit of a `u64` each.
pub(crate) const BLOCK: usize = 64;

/// A bit for each octet of `block` that equals `octet` (bit `i` for `block[i]`), with no
/// branch: the comparison octet by octet (a vector at a time, where the compiler can), then
/// a multiplication for each word that gathers the eight 0-or-1 octets into one octet.
#[inline]
pub(crate) fn mask(block: &[u8; BLOCK], octet: u8) -> u64 {
    // Bit 8j of a word lands on bit 56 + j of the product, and no two partial products
    // share a bit.
    const GATHER: u64 = 0x0102_0408_1020_4080;
    let equal: [u8; BLOCK] = core::array::from_fn(|i| u8::from(block.get(i) == Some(&octet)));
    let mut bits = 0;
    for (k, word) in equal.chunks_exact(8).enumerate() {
        let ones = word.first_chunk().map_or(0, |w| u64::from_le_bytes(*w));
        bits |= (ones.wrapping_mul(GATHER) >> 56) << (8 * k);
    }
    bits
}

/// The first LF in `haystack` that a dot follows (the end of the line before a line that
/// starts with a dot). A block at a time, with no setup, so that short inputs cost as
/// little as long ones: the check whether a block holds such a pair is written octet by
/// octet with no branch (a vector at a time where the compiler can); only a block that
/// does is looked at closer.
pub(crate) fn dot_line(haystack: &[u8]) -> Option<usize> {
    let mut at = 0;
    // A block and the octet after it, read straight from the input.
    while let Some(window) = haystack
        .get(at..)
        .and_then(|s| s.first_chunk::<{ BLOCK + 1 }>())
    {
        if let Some(p) = dot_line_in(window) {
            return Some(at + p);
        }
        at += BLOCK;
    }
    // The last octets: as the input's last window, which overlaps pairs already found
    // free of the pair (so the first it finds is the first of the new ones), or, for a
    // short input, padded with zeros (which match neither octet).
    if let Some(last) = haystack.len().checked_sub(BLOCK + 1)
        && let Some(window) = haystack
            .get(last..)
            .and_then(|s| s.first_chunk::<{ BLOCK + 1 }>())
    {
        return dot_line_in(window).map(|p| last + p);
    }
    let tail = haystack.get(at..).unwrap_or_default();
    let mut window = [0; BLOCK + 1];
    window.get_mut(..tail.len())?.copy_from_slice(tail);
    dot_line_in(&window).map(|p| at + p)
}

/// [`dot_line`] in the first [`BLOCK`] octets of `window`, whose last octet is the one
/// after them.
#[inline(always)]
fn dot_line_in(window: &[u8; BLOCK + 1]) -> Option<usize> {
    let (Some(block), Some(after)) = (window.first_chunk::<BLOCK>(), window.last_chunk::<BLOCK>())
    else {
        return None;
    };
    let mut any = false;
    for (&c, &n) in block.iter().zip(after) {
        any |= (c == b'\n') & (n == b'.');
    }
    if !any {
        return None;
    }
    let dots = (mask(block, b'.') >> 1) | (u64::from(window[BLOCK] == b'.') << (BLOCK - 1));
    Some((mask(block, b'\n') & dots).trailing_zeros() as usize)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn searches_find_what_a_naive_scan_finds() {
        let text = b"a\r\n.b\n.\r\n\n..x\r\n";
        assert_eq!(lf(text), Some(2));
        assert_eq!(lf(b"none"), None);
        assert_eq!(dot_line(text), Some(2));
        assert_eq!(dot_line(&text[3..]), Some(2));
        assert_eq!(dot_line(&text[6..]), Some(3));
        assert_eq!(dot_line(b""), None);
        assert_eq!(dot_line(b"\n"), None);
        assert_eq!(dot_line(b"a.\r\n"), None);
    }

    #[test]
    fn dot_line_finds_the_first_pair_at_every_place_of_a_block() {
        for len in [BLOCK - 1, BLOCK, BLOCK + 1, 2 * BLOCK + 5, 3 * BLOCK] {
            for at in 0..len - 1 {
                let mut text = [b'a'; 3 * BLOCK];
                let text = &mut text[..len];
                // Near misses before it: lone dots and lone LFs.
                for decoy in (0..at).step_by(7) {
                    text[decoy] = if decoy % 2 == 0 { b'.' } else { b'\n' };
                }
                text[at] = b'\n';
                text[at + 1] = b'.';
                let naive = text.windows(2).position(|w| w == b"\n.");
                assert_eq!(dot_line(text), naive, "length {len}, pair at {at}");
            }
        }
    }

    #[test]
    fn mask_marks_every_octet_that_equals_and_no_other() {
        for octet in [b'\n', b'.', 0, 0x80, 0xff] {
            for at in 0..BLOCK {
                // Neighbours that differ from the octet in one bit, or only in the top bit.
                let mut block = [octet ^ 0x80; BLOCK];
                for (i, b) in block.iter_mut().enumerate() {
                    if i % 3 == 0 {
                        *b = octet ^ (1 << (i % 8));
                    }
                }
                block[at] = octet;
                block[(at + 17) % BLOCK] = octet;
                let naive = block
                    .iter()
                    .enumerate()
                    .fold(0u64, |m, (i, &b)| m | (u64::from(b == octet) << i));
                assert_eq!(mask(&block, octet), naive, "octet {octet:#x} at {at}");
            }
        }
    }
}
