//! The `dpf` command's subcommands, one file each; `main.rs` only dispatches.
