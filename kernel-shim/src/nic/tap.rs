//! TAP devices (`/dev/net/tun` with `IFF_TAP | IFF_NO_PI`): the Linux kernel's stack on one side,
//! the shim on the other. Reads and writes are one frame per syscall (the device has no batch
//! interface); bursts loop until the device would block.

use super::{os_err, Nic};
use crate::frame::{Frame, FramePool};
use std::ffi::CString;
use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};

/// `struct ifreq` as TUNSETIFF reads it: the name and the flags.
#[repr(C)]
struct IfReq {
    name: [libc::c_char; libc::IFNAMSIZ],
    flags: libc::c_short,
    _pad: [u8; 22],
}

// From <linux/if_tun.h>: `_IOW('T', 202, int)`.
const TUNSETIFF: libc::c_ulong = 0x4004_54ca;

pub struct Tap {
    fd: OwnedFd,
    name: String,
    /// Bytes copied out of the kernel (one copy per frame: read(2) into the pool buffer).
    pub copied_bytes: u64,
}

impl Tap {
    /// Opens (creating if needed) the TAP device `name`, non-blocking. Needs CAP_NET_ADMIN.
    pub fn open(name: &str) -> io::Result<Tap> {
        if name.is_empty() || name.len() >= libc::IFNAMSIZ {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("TAP name {name:?} must be 1..{} bytes", libc::IFNAMSIZ),
            ));
        }
        let path = CString::new("/dev/net/tun").expect("no NUL");
        // SAFETY: a plain open of a constant path.
        let fd = unsafe {
            libc::open(
                path.as_ptr(),
                libc::O_RDWR | libc::O_NONBLOCK | libc::O_CLOEXEC,
            )
        };
        if fd < 0 {
            return Err(os_err("open /dev/net/tun"));
        }
        // SAFETY: fd was just opened and is owned from here on.
        let fd = unsafe { OwnedFd::from_raw_fd(fd) };
        let mut req = IfReq {
            name: [0; libc::IFNAMSIZ],
            flags: (libc::IFF_TAP | libc::IFF_NO_PI) as libc::c_short,
            _pad: [0; 22],
        };
        for (d, s) in req.name.iter_mut().zip(name.bytes()) {
            *d = s as libc::c_char;
        }
        // SAFETY: req is a valid ifreq for the duration of the call.
        if unsafe { libc::ioctl(fd.as_raw_fd(), TUNSETIFF as _, &mut req) } < 0 {
            return Err(os_err(&format!("TUNSETIFF {name}")));
        }
        Ok(Tap {
            fd,
            name: name.to_string(),
            copied_bytes: 0,
        })
    }

    pub fn if_name(&self) -> &str {
        &self.name
    }
}

impl Nic for Tap {
    fn recv_burst(
        &mut self,
        pool: &FramePool,
        out: &mut Vec<Frame>,
        max: usize,
    ) -> io::Result<usize> {
        let mut n = 0;
        while n < max {
            let Some(mut f) = pool.alloc() else {
                // Pool empty: read the frame into a scratch buffer to drop it, so the device
                // does not stay readable and spin the run loop.
                let mut scratch = [0u8; 64];
                // SAFETY: scratch is valid for its length.
                let r = unsafe {
                    libc::read(
                        self.fd.as_raw_fd(),
                        scratch.as_mut_ptr().cast(),
                        scratch.len(),
                    )
                };
                if r < 0 {
                    break;
                }
                continue;
            };
            let buf = f.buf_mut();
            // SAFETY: buf is valid for its length.
            let r = unsafe { libc::read(self.fd.as_raw_fd(), buf.as_mut_ptr().cast(), buf.len()) };
            if r < 0 {
                let e = io::Error::last_os_error();
                if e.kind() == io::ErrorKind::WouldBlock {
                    break;
                }
                return Err(io::Error::new(e.kind(), format!("read {}: {e}", self.name)));
            }
            f.set_len(r as usize);
            self.copied_bytes += r as u64;
            out.push(f.freeze());
            n += 1;
        }
        Ok(n)
    }

    fn send_burst(&mut self, frames: &[Frame]) -> io::Result<usize> {
        for (i, f) in frames.iter().enumerate() {
            let d = f.data();
            // SAFETY: d is valid for its length.
            let r = unsafe { libc::write(self.fd.as_raw_fd(), d.as_ptr().cast(), d.len()) };
            if r < 0 {
                let e = io::Error::last_os_error();
                if e.kind() == io::ErrorKind::WouldBlock {
                    return Ok(i);
                }
                return Err(io::Error::new(
                    e.kind(),
                    format!("write {}: {e}", self.name),
                ));
            }
        }
        Ok(frames.len())
    }

    fn poll_fd(&self) -> Option<RawFd> {
        Some(self.fd.as_raw_fd())
    }

    fn name(&self) -> String {
        format!("tap:{}", self.name)
    }
}
