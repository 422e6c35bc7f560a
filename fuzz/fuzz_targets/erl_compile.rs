//! Lexer, preprocessor, parser and compiler of the Erlang VM on arbitrary bytes: any input
//! must give a module or a compile error, never a panic.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = vm::fuzz_compile(data);
});
