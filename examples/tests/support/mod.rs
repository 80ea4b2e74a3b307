//! Helpers shared by the CLI's test files.

pub(crate) mod scripted;
