//! Logging through defmt behind the `defmt` feature; without it the macros expand to
//! nothing, and their arguments are not evaluated.

#[cfg(feature = "defmt")]
macro_rules! note {
    ($($arg:tt)*) => { defmt::info!($($arg)*) };
}

#[cfg(not(feature = "defmt"))]
macro_rules! note {
    ($($arg:tt)*) => {};
}

#[cfg(feature = "defmt")]
macro_rules! trouble {
    ($($arg:tt)*) => { defmt::warn!($($arg)*) };
}

#[cfg(not(feature = "defmt"))]
macro_rules! trouble {
    ($($arg:tt)*) => {};
}

pub(crate) use {note, trouble};
