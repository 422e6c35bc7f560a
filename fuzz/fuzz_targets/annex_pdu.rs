//! Arbitrary `pdu` operation sequences (open/close/send/exit/poll by several owners, filter
//! texts from the input) on a host over a lossy simulated wire: no panic, consistent books.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| annex::fuzz::pdu_ops(data));
