#![no_main]
//! A script of environment creations, filter installs, frame deliveries, receives and exits
//! against a small shim: nothing panics, no frame leaks, no quota is exceeded.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    kernel_shim::fuzz::shim_frames(data);
});
