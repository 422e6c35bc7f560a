//! AF_PACKET sockets with a TPACKET_V3 receive ring: the kernel writes frames into blocks of a
//! ring mapped into our memory, and the shim hands out frames that point *into those blocks*.
//! Nothing is copied out of the kernel's ring; a block returns to the kernel when the last frame
//! pointing into it drops (so an owner that hoards frames stalls the ring, not the heap: the
//! kernel then drops and counts, as it would for a slow reader). Each frame is charged to its
//! owner's quota like a pool frame (the ring pool shares the shim pool's accounts), so a
//! hoarder is cut off at its quota and pins at most that many blocks.

use super::{os_err, Nic};
use crate::frame::{Frame, FramePool};
use std::ffi::CString;
use std::io;
use std::os::fd::{FromRawFd, OwnedFd, RawFd};
use std::sync::atomic::{AtomicU32, Ordering};

/// Offsets in `struct tpacket_block_desc` (version, offset_to_priv, then `tpacket_hdr_v1`).
mod block {
    pub const STATUS: usize = 8;
    pub const NUM_PKTS: usize = 12;
    pub const FIRST_PKT: usize = 16;
}

/// Offsets in `struct tpacket3_hdr`.
mod pkt {
    pub const NEXT: usize = 0;
    pub const SEC: usize = 4;
    pub const NSEC: usize = 8;
    pub const SNAPLEN: usize = 12;
    pub const LEN: usize = 16;
    pub const MAC: usize = 24;
}

const TP_STATUS_KERNEL: u32 = 0;
const TP_STATUS_USER: u32 = 1;
const ETH_P_ALL: u16 = 0x0003;
/// `enum tpacket_versions` in <linux/if_packet.h>.
const TPACKET_V3: libc::c_int = 2;

/// Ring geometry: 64 blocks of 256 KiB; a block is retired to user space after 2 ms even when
/// not full, so a ping does not wait for 256 KiB of traffic.
const BLOCK_SIZE: usize = 1 << 18;
const BLOCK_NR: usize = 64;
const FRAME_SIZE: usize = 2048;
const RETIRE_MS: u32 = 2;

/// The mapped ring and the socket it belongs to; lives as long as any frame pointing into it.
pub struct RingMap {
    ptr: *mut u8,
    len: usize,
    _fd: OwnedFd,
}

// SAFETY: the mapping is shared memory with the kernel; we only read packet bytes of blocks the
// kernel handed to us and write the status word with atomics.
unsafe impl Send for RingMap {}
unsafe impl Sync for RingMap {}

impl RingMap {
    pub(crate) fn block_ptr(&self, idx: usize, block_size: usize) -> *mut u8 {
        debug_assert!((idx + 1) * block_size <= self.len);
        // SAFETY: idx < block count (slots are only created per block).
        unsafe { self.ptr.add(idx * block_size) }
    }

    fn status(&self, idx: usize, block_size: usize) -> &AtomicU32 {
        // SAFETY: the status word is 4-aligned inside the block header, and the kernel accesses
        // it atomically too.
        unsafe { AtomicU32::from_ptr(self.block_ptr(idx, block_size).add(block::STATUS).cast()) }
    }

    /// Has the kernel handed this block to user space?
    pub(crate) fn block_ready(&self, idx: usize, block_size: usize) -> bool {
        self.status(idx, block_size).load(Ordering::Acquire) & TP_STATUS_USER != 0
    }

    /// Gives a block back to the kernel: our reads of it happen before its next fill.
    pub(crate) fn return_block(&self, idx: usize, block_size: usize) {
        self.status(idx, block_size)
            .store(TP_STATUS_KERNEL, Ordering::Release);
    }
}

impl Drop for RingMap {
    fn drop(&mut self) {
        // SAFETY: ptr/len are the mapping made in `PacketSocket::open`, unmapped once.
        unsafe { libc::munmap(self.ptr.cast(), self.len) };
    }
}

/// A block being consumed across bursts.
struct Cursor {
    block: Frame,
    left: u32,
    off: usize,
}

pub struct PacketSocket {
    fd: RawFd,
    ifname: String,
    ring: FramePool,
    next_block: usize,
    cur: Option<Cursor>,
}

fn setsockopt<T>(fd: RawFd, level: i32, opt: i32, v: &T, what: &str) -> io::Result<()> {
    // SAFETY: v points to a T of the given size for the call.
    let r = unsafe {
        libc::setsockopt(
            fd,
            level,
            opt,
            (v as *const T).cast(),
            std::mem::size_of::<T>() as libc::socklen_t,
        )
    };
    if r < 0 {
        return Err(os_err(what));
    }
    Ok(())
}

impl PacketSocket {
    /// Opens a raw socket on `ifname` with a TPACKET_V3 ring. Needs CAP_NET_RAW.
    pub fn open(ifname: &str) -> io::Result<PacketSocket> {
        let cname = CString::new(ifname)
            .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "interface name has NUL"))?;
        // SAFETY: plain libc calls; results checked.
        let ifindex = unsafe { libc::if_nametoindex(cname.as_ptr()) };
        if ifindex == 0 {
            return Err(os_err(&format!("interface {ifname}")));
        }
        let fd = unsafe {
            libc::socket(
                libc::AF_PACKET,
                libc::SOCK_RAW | libc::SOCK_NONBLOCK | libc::SOCK_CLOEXEC,
                ETH_P_ALL.to_be() as i32,
            )
        };
        if fd < 0 {
            return Err(os_err("socket(AF_PACKET)"));
        }
        let owned = unsafe { OwnedFd::from_raw_fd(fd) };
        let ctx = |w: &str| format!("{w} on {ifname}");
        setsockopt(
            fd,
            libc::SOL_PACKET,
            libc::PACKET_VERSION,
            &TPACKET_V3,
            &ctx("PACKET_VERSION"),
        )?;
        // Frames we send are not echoed back into our own ring.
        setsockopt(
            fd,
            libc::SOL_PACKET,
            libc::PACKET_IGNORE_OUTGOING,
            &(1 as libc::c_int),
            &ctx("PACKET_IGNORE_OUTGOING"),
        )?;
        let req = libc::tpacket_req3 {
            tp_block_size: BLOCK_SIZE as u32,
            tp_block_nr: BLOCK_NR as u32,
            tp_frame_size: FRAME_SIZE as u32,
            tp_frame_nr: (BLOCK_SIZE * BLOCK_NR / FRAME_SIZE) as u32,
            tp_retire_blk_tov: RETIRE_MS,
            tp_sizeof_priv: 0,
            tp_feature_req_word: 0,
        };
        setsockopt(
            fd,
            libc::SOL_PACKET,
            libc::PACKET_RX_RING,
            &req,
            &ctx("PACKET_RX_RING"),
        )?;
        let len = BLOCK_SIZE * BLOCK_NR;
        let ptr = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                len,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_SHARED | libc::MAP_LOCKED,
                fd,
                0,
            )
        };
        // MAP_LOCKED can fail under a low memlock limit; the ring works unlocked too.
        let ptr = if ptr == libc::MAP_FAILED {
            unsafe {
                libc::mmap(
                    std::ptr::null_mut(),
                    len,
                    libc::PROT_READ | libc::PROT_WRITE,
                    libc::MAP_SHARED,
                    fd,
                    0,
                )
            }
        } else {
            ptr
        };
        if ptr == libc::MAP_FAILED {
            return Err(os_err(&ctx("mmap of the packet ring")));
        }
        let ring = RingMap {
            ptr: ptr.cast(),
            len,
            _fd: owned,
        };
        // SAFETY: sockaddr_ll is plain data; zero is a valid start.
        let mut sll: libc::sockaddr_ll = unsafe { std::mem::zeroed() };
        sll.sll_family = libc::AF_PACKET as u16;
        sll.sll_protocol = ETH_P_ALL.to_be();
        sll.sll_ifindex = ifindex as i32;
        let r = unsafe {
            libc::bind(
                fd,
                (&sll as *const libc::sockaddr_ll).cast(),
                std::mem::size_of::<libc::sockaddr_ll>() as libc::socklen_t,
            )
        };
        if r < 0 {
            return Err(os_err(&ctx("bind")));
        }
        Ok(PacketSocket {
            fd,
            ifname: ifname.to_string(),
            ring: FramePool::over_ring(ring, BLOCK_NR, BLOCK_SIZE),
            next_block: 0,
            cur: None,
        })
    }

    fn read_u32(b: &[u8], at: usize) -> u32 {
        u32::from_ne_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
    }

    /// The next block the kernel has handed over, if any.
    fn take_block(&mut self) -> Option<Cursor> {
        let idx = self.next_block;
        if !self.ring.ring_block_ready(idx as u32) {
            return None;
        }
        let block = self.ring.claim_block(idx as u32);
        // The header sits in the block itself; read it through a view of the whole block.
        let head = block.sub(0, 32, 32, 0)?;
        let h = head.data();
        let cur = Cursor {
            left: Self::read_u32(h, block::NUM_PKTS),
            off: Self::read_u32(h, block::FIRST_PKT) as usize,
            block,
        };
        self.next_block = (idx + 1) % BLOCK_NR;
        Some(cur)
    }
}

impl Nic for PacketSocket {
    fn recv_burst(
        &mut self,
        pool: &FramePool,
        out: &mut Vec<Frame>,
        max: usize,
    ) -> io::Result<usize> {
        // Frames of the ring count against the same quotas as the shim's pool frames.
        self.ring.share_accounts(pool);
        let mut n = 0;
        while n < max {
            let mut cur = match self.cur.take() {
                Some(c) => c,
                None => match self.take_block() {
                    Some(c) => c,
                    None => break,
                },
            };
            while n < max && cur.left > 0 {
                let Some(hv) = cur.block.sub(cur.off, 32, 32, 0) else {
                    cur.left = 0;
                    break;
                };
                let h = hv.data();
                let next = Self::read_u32(h, pkt::NEXT) as usize;
                let snap = Self::read_u32(h, pkt::SNAPLEN) as usize;
                let len = Self::read_u32(h, pkt::LEN);
                let mac = u16::from_ne_bytes([h[pkt::MAC], h[pkt::MAC + 1]]) as usize;
                let ts = Self::read_u32(h, pkt::SEC) as u64 * 1_000_000_000
                    + Self::read_u32(h, pkt::NSEC) as u64;
                // A frame pointing into the ring block: no copy.
                if let Some(f) = cur.block.sub(cur.off + mac, snap, len, ts) {
                    out.push(f);
                    n += 1;
                }
                cur.left -= 1;
                if next == 0 {
                    cur.left = 0;
                }
                cur.off += next;
            }
            if cur.left > 0 {
                self.cur = Some(cur);
            }
            // Otherwise dropping `cur` drops our hold on the block; the frames keep it.
        }
        Ok(n)
    }

    fn send_burst(&mut self, frames: &[Frame]) -> io::Result<usize> {
        for (i, f) in frames.iter().enumerate() {
            let d = f.data();
            // SAFETY: d is valid for its length; the socket is bound to the interface.
            let r = unsafe { libc::send(self.fd, d.as_ptr().cast(), d.len(), 0) };
            if r < 0 {
                let e = io::Error::last_os_error();
                if e.kind() == io::ErrorKind::WouldBlock {
                    return Ok(i);
                }
                return Err(io::Error::new(
                    e.kind(),
                    format!("send on {}: {e}", self.ifname),
                ));
            }
        }
        Ok(frames.len())
    }

    fn poll_fd(&self) -> Option<RawFd> {
        Some(self.fd)
    }

    fn name(&self) -> String {
        format!("packet:{}", self.ifname)
    }
}
