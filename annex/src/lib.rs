//! The PDU annex: the Erlang module `pdu`, backed by the kernel shim, through which Erlang
//! processes claim packets by filter and receive them as zero-copy binaries; and the `exo` command.

pub mod estone;
