//! The baseline: a firmware that does nothing. The codec's flash cost is measured against it.
#![no_std]
#![no_main]

use cortex_m as _;
use panic_halt as _;

#[cortex_m_rt::entry]
fn main() -> ! {
    loop {
        core::hint::black_box(0u8);
    }
}
