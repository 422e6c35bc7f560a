//! NIC backends: where frames come from and go to, all behind one burst interface.

use crate::frame::{Frame, FramePool};
use std::io;
use std::os::fd::RawFd;
use std::time::Duration;

pub mod packet;
pub mod pcap;
pub mod sim;
pub mod tap;

/// A network interface as the shim drives it.
pub trait Nic: Send {
    /// Receives up to `max` frames into buffers of `pool`, appending them to `out`; never
    /// blocks. A frame that arrives when the pool is empty is dropped (the pool counts it).
    /// Returns how many were appended.
    fn recv_burst(
        &mut self,
        pool: &FramePool,
        out: &mut Vec<Frame>,
        max: usize,
    ) -> io::Result<usize>;

    /// Transmits frames in order; returns how many were taken (the rest may be retried).
    fn send_burst(&mut self, frames: &[Frame]) -> io::Result<usize>;

    /// A descriptor that becomes readable when frames may be waiting, for the run loop's epoll.
    fn poll_fd(&self) -> Option<RawFd> {
        None
    }

    /// For backends driven by time rather than a descriptor (paced replay, a wire with delay):
    /// how long until a frame may be ready. `None`: nothing pending.
    fn wake_after(&self) -> Option<Duration> {
        None
    }

    /// A short name for messages (`tap:exo0`, `pcap:trace.pcap`).
    fn name(&self) -> String;
}

/// Turns a failing libc call into an `io::Error` that says which call and on what.
pub(crate) fn os_err(what: &str) -> io::Error {
    let e = io::Error::last_os_error();
    io::Error::new(e.kind(), format!("{what}: {e}"))
}
