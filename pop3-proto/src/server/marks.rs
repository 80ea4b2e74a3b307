//! The messages marked with DELE in this session: a fixed bitmap, so that the maildrop size
//! a session can serve is known at compile time.

/// Deletion marks for messages 1..=`32 * W`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Marks<const W: usize> {
    bits: [u32; W],
}

impl<const W: usize> Marks<W> {
    pub(crate) const CAPACITY: u32 = (W as u32).saturating_mul(32);

    pub(crate) const fn new() -> Self {
        Marks { bits: [0; W] }
    }

    fn slot(msg: u32) -> Option<(usize, u32)> {
        let i = msg.checked_sub(1)?;
        Some(((i / 32) as usize, 1 << (i % 32)))
    }

    pub(crate) fn is_marked(&self, msg: u32) -> bool {
        Self::slot(msg)
            .and_then(|(w, bit)| self.bits.get(w).map(|word| word & bit != 0))
            .unwrap_or(false)
    }

    pub(crate) fn mark(&mut self, msg: u32) {
        if let Some((w, bit)) = Self::slot(msg)
            && let Some(word) = self.bits.get_mut(w)
        {
            *word |= bit;
        }
    }

    pub(crate) fn clear(&mut self) {
        self.bits = [0; W];
    }

    /// The marks as handed to the application.
    pub(crate) fn marked(&self) -> super::event::Marked<'_> {
        super::event::Marked { bits: &self.bits }
    }
}
