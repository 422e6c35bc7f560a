#![no_main]
//! Arbitrary wake-up predicates: verified ones never read outside the window; none panics.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    kernel_shim::fuzz::shim_wake(data);
});
