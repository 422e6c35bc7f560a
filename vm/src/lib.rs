//! An interpreter for a subset of Erlang: real Erlang source compiled to a register bytecode,
//! processes with selective receive, timers, links, the bit syntax and off-heap shared binaries.
//! Observable behaviour (printed output, exceptions) is OTP's.
