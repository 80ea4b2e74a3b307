//! `arbitrary::Arbitrary` (feature `arbitrary`) for the value types that cannot simply be
//! derived, because they keep an invariant: a response code is well-formed, a mechanism
//! name that spells a known one is that one, a secret is a wrapped value.

use arbitrary::{Arbitrary, Result, Unstructured};

use crate::codec::{Mechanism, Mechanisms, RespCode};
use crate::secret::Secret;

impl<'a> Arbitrary<'a> for RespCode<'a> {
    fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
        const KNOWN: [RespCode<'static>; 5] = [
            RespCode::IN_USE,
            RespCode::LOGIN_DELAY,
            RespCode::SYS_TEMP,
            RespCode::SYS_PERM,
            RespCode::AUTH,
        ];
        let raw: &'a [u8] = u.arbitrary()?;
        // A malformed code is not a RespCode at all: fall back to a known one.
        Ok(RespCode::new(raw).unwrap_or(*u.choose(&KNOWN)?))
    }
}

impl<'a> Arbitrary<'a> for Mechanism<'a> {
    fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
        let name: &'a [u8] = u.arbitrary()?;
        Ok(Mechanism::from_name(name))
    }
}

impl<'a> Arbitrary<'a> for Mechanisms<'a> {
    fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
        Ok(Mechanisms::new(u.arbitrary()?))
    }
}

impl<'a, T: Arbitrary<'a>> Arbitrary<'a> for Secret<T> {
    fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
        Ok(Secret::new(u.arbitrary()?))
    }
}
