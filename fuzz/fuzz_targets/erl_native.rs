//! Native code against the interpreter: a terminating Erlang module made from arbitrary
//! bytes (`vm::fuzz_gen`) must give the same output on both, and never a panic.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Err(e) = vm::fuzz_native(data) {
        panic!("native code and the interpreter differ:\n{e}");
    }
});
