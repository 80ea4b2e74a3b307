//! A wrapper for passwords, digests and tokens whose `Debug` reveals nothing.

use core::fmt;

/// A secret value. `Debug` (and `defmt::Format`) print `Secret(..)`; the value itself is
/// reached only through [`Secret::expose`], so that it never lands in a log by accident.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Secret<T>(T);

/// True when `a` and `b` are equal, in time independent of where they differ (their
/// lengths are not secret). The one comparison of secrets and of values derived from
/// them (digests, proofs, signatures) in the crate.
pub(crate) fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

impl<T> Secret<T> {
    /// Wraps `value`.
    pub const fn new(value: T) -> Self {
        Secret(value)
    }

    /// The secret value, for the one place that must send or check it.
    pub const fn expose(&self) -> &T {
        &self.0
    }
}

impl<T> From<T> for Secret<T> {
    fn from(value: T) -> Self {
        Secret(value)
    }
}

impl<T> fmt::Debug for Secret<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(..)")
    }
}

#[cfg(feature = "defmt")]
impl<T> defmt::Format for Secret<T> {
    fn format(&self, f: defmt::Formatter<'_>) {
        defmt::write!(f, "Secret(..)")
    }
}
