//! Errors while reading a capture: where the file broke, and why.

use std::fmt;

/// A capture that cannot be read further. `offset` is the byte offset in the file of the
/// header or block that is wrong; `packet` is the 1-based number of the packet being read
/// (every earlier packet was delivered intact).
#[derive(Debug)]
pub struct CaptureError {
    pub offset: u64,
    pub packet: u64,
    pub msg: String,
    /// The underlying I/O error, when reading failed rather than parsing.
    pub io: Option<std::io::Error>,
}

impl CaptureError {
    pub(crate) fn corrupt(offset: u64, packet: u64, msg: impl Into<String>) -> Self {
        CaptureError {
            offset,
            packet,
            msg: msg.into(),
            io: None,
        }
    }
}

impl CaptureError {
    /// The same error, reported at the start of the record or block it broke in.
    pub(crate) fn at(mut self, offset: u64) -> Self {
        self.offset = offset;
        self
    }
}

impl fmt::Display for CaptureError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} (at byte offset {}, packet {})",
            self.msg, self.offset, self.packet
        )
    }
}

impl std::error::Error for CaptureError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.io.as_ref().map(|e| e as _)
    }
}
