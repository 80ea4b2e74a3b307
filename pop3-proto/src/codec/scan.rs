//! The searches of the codec's hot loops: with the `memchr` feature (on by default),
//! memchr's, which use SIMD on hosts and a word at a time elsewhere; without it, plain
//! loops that cost no flash, for the smallest firmware.

/// The first LF in `haystack`.
pub(crate) fn lf(haystack: &[u8]) -> Option<usize> {
    #[cfg(feature = "memchr")]
    return memchr::memchr(b'\n', haystack);
    #[cfg(not(feature = "memchr"))]
    haystack.iter().position(|&b| b == b'\n')
}

/// Every LF in `haystack`, in order.
pub(crate) fn lfs(haystack: &[u8]) -> impl Iterator<Item = usize> + '_ {
    #[cfg(feature = "memchr")]
    return memchr::memchr_iter(b'\n', haystack);
    #[cfg(not(feature = "memchr"))]
    haystack
        .iter()
        .enumerate()
        .filter_map(|(i, &b)| (b == b'\n').then_some(i))
}

/// The first place where `needle` (two or three octets) occurs in `haystack`.
pub(crate) fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    #[cfg(feature = "memchr")]
    return memchr::memmem::find(haystack, needle);
    #[cfg(not(feature = "memchr"))]
    haystack.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    extern crate std;
    use std::vec::Vec;

    #[test]
    fn searches_find_what_a_naive_scan_finds() {
        let text = b"a\r\n.b\n.\r\n\n..x\r\n";
        assert_eq!(lf(text), Some(2));
        assert_eq!(lf(b"none"), None);
        assert_eq!(lfs(text).collect::<Vec<_>>(), [2, 5, 8, 9, 14]);
        assert_eq!(find(text, b"\n."), Some(2));
        assert_eq!(find(text, b"\r\n."), Some(1));
        assert_eq!(find(&text[3..], b"\r\n."), None);
        assert_eq!(find(b"", b"\n."), None);
    }
}
