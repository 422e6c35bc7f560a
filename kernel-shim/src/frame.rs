//! Frames: a pool of fixed-size buffers handed out as reference-counted handles.
//!
//! A buffer is allocated once, written once through the unique [`FrameMut`], then frozen into a
//! shareable [`Frame`]. Every holder (a ring slot, an Erlang binary, a pcap writer) owns one
//! count; the buffer goes back to the pool when the last count is dropped. Exhaustion is not an
//! error path that blocks: [`FramePool::alloc`] returns `None` and the pool counts it, so the NIC
//! loop drops the packet and carries on.
//!
//! Frames can be *charged* to an account (an environment) with a limit, so that one owner that
//! never releases its frames exhausts its own quota, not the pool everyone shares.

use std::cell::UnsafeCell;
use std::fmt;
use std::ops::Deref;
use std::ptr::NonNull;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

/// No account: the frame is not charged to anyone.
const NO_ACCOUNT: u32 = u32::MAX;

struct Slot {
    refs: AtomicU32,
    account: AtomicU32,
}

struct Account {
    held: AtomicU32,
    limit: AtomicU32,
}

/// Where the buffers live.
enum Backing {
    /// `count * buf_size` bytes. A buffer is written only through its `FrameMut` (unique) and
    /// read only through `Frame`s after freezing, so the cell is never aliased mutably.
    Owned(Box<[UnsafeCell<u8>]>),
    /// A kernel packet ring (AF_PACKET TPACKET_V3) mapped into our memory: each slot is one
    /// ring block, handed back to the kernel (its status word set to 0) when the last frame
    /// pointing into it drops. The mapping and socket are released with the pool.
    Ring(crate::nic::packet::RingMap),
}

struct PoolInner {
    buf_size: usize,
    mem: Backing,
    slots: Box<[Slot]>,
    free: Mutex<Vec<u32>>,
    /// Shared with the pool of the shim a kernel ring's frames are delivered by (set on the
    /// ring pool's first burst), so ring frames and pool frames count against one quota.
    accounts: OnceLock<Arc<[Account]>>,
    allocs: AtomicU64,
    exhausted: AtomicU64,
}

// SAFETY: the raw buffer memory is shared only under the FrameMut/Frame discipline above;
// everything else is atomics and a mutex.
unsafe impl Sync for PoolInner {}
unsafe impl Send for PoolInner {}

impl PoolInner {
    fn accounts(&self) -> &[Account] {
        self.accounts.get().map_or(&[], |a| a)
    }

    fn ptr(&self, idx: u32) -> *mut u8 {
        match &self.mem {
            Backing::Owned(m) => UnsafeCell::raw_get(m[idx as usize * self.buf_size..].as_ptr()),
            Backing::Ring(r) => r.block_ptr(idx as usize, self.buf_size),
        }
    }

    /// Drops one handle on buffer `idx`; the last one frees the buffer and the buffer's count
    /// on the pool (which may free the pool: nothing may touch `this` afterwards).
    ///
    /// # Safety
    /// `this` is the pool of a live handle on `idx`, whose count this call consumes.
    #[inline]
    unsafe fn release(this: NonNull<PoolInner>, idx: u32) {
        {
            let me = unsafe { this.as_ref() };
            if !me.release_buffer(idx) {
                return;
            }
        }
        // SAFETY: the buffer's count was taken by `PoolRef::for_buffer` from this Arc.
        unsafe { Arc::decrement_strong_count(this.as_ptr()) };
    }

    /// Drops one handle's count on buffer `idx`; `true` when it was the last (buffer freed).
    #[inline]
    fn release_buffer(&self, idx: u32) -> bool {
        let slot = &self.slots[idx as usize];
        // Release: our reads of the buffer happen before whoever reuses it writes.
        if slot.refs.fetch_sub(1, Ordering::Release) != 1 {
            return false;
        }
        self.free_buffer(slot, idx);
        true
    }

    /// The last handle on buffer `idx` is gone: uncharge it and give it back.
    fn free_buffer(&self, slot: &Slot, idx: u32) {
        std::sync::atomic::fence(Ordering::Acquire);
        let acct = slot.account.swap(NO_ACCOUNT, Ordering::Relaxed);
        if acct != NO_ACCOUNT {
            self.accounts()[acct as usize]
                .held
                .fetch_sub(1, Ordering::Relaxed);
        }
        match &self.mem {
            Backing::Owned(_) => self
                .free
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .push(idx),
            Backing::Ring(r) => r.return_block(idx as usize, self.buf_size),
        }
    }
}

/// A frame's pointer to its pool. It holds no count of its own: the pool's `Arc` counts one
/// per buffer in use (taken when the buffer is handed out, given back when its last handle
/// drops), so cloning and dropping a frame touch one atomic (the buffer's), not two.
#[derive(Clone, Copy)]
struct PoolRef(NonNull<PoolInner>);

// SAFETY: PoolInner is Send + Sync; the pointer stays valid while the buffer count it rides on
// is held (see `PoolInner::release`).
unsafe impl Send for PoolRef {}
unsafe impl Sync for PoolRef {}

impl PoolRef {
    /// Takes the count of a buffer just handed out.
    fn for_buffer(inner: &Arc<PoolInner>) -> PoolRef {
        let p = Arc::into_raw(inner.clone()).cast_mut();
        // SAFETY: Arc::into_raw never returns null.
        PoolRef(unsafe { NonNull::new_unchecked(p) })
    }
}

impl Deref for PoolRef {
    type Target = PoolInner;
    #[inline]
    fn deref(&self) -> &PoolInner {
        // SAFETY: valid while the frame holding it lives (it holds a buffer count).
        unsafe { self.0.as_ref() }
    }
}

/// Counters of a pool: what it holds and how often it ran dry.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PoolStats {
    pub capacity: usize,
    pub in_use: usize,
    pub allocs: u64,
    /// Allocations refused because every buffer was held.
    pub exhausted: u64,
}

/// A fixed set of equally sized packet buffers. Cloning the pool shares it.
#[derive(Clone)]
pub struct FramePool {
    inner: Arc<PoolInner>,
}

impl fmt::Debug for FramePool {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "FramePool({:?})", self.stats())
    }
}

impl FramePool {
    /// `count` buffers of `buf_size` bytes, and `accounts` accounts frames can be charged to.
    pub fn new(count: usize, buf_size: usize, accounts: usize) -> Self {
        assert!(
            count > 0 && count < u32::MAX as usize,
            "pool size out of range"
        );
        assert!(accounts < NO_ACCOUNT as usize, "too many accounts");
        // Zeroed by the allocator (fresh pages from the kernel, which are zero already), not
        // written byte by byte: a 32 MiB pool then costs nothing until its frames are used.
        let zeroed: Box<[u8]> = vec![0u8; count * buf_size].into_boxed_slice();
        // SAFETY: `UnsafeCell<u8>` has the layout of `u8` (repr(transparent)), so the boxed
        // slice is reinterpreted in place, with the same length and allocation.
        let cells = unsafe { Box::from_raw(Box::into_raw(zeroed) as *mut [UnsafeCell<u8>]) };
        let mem = Backing::Owned(cells);
        // Popped from the back: hand out low indices first, which keeps a small working set warm.
        let free = (0..count as u32).rev().collect();
        Self::with_backing(mem, count, buf_size, accounts, free)
    }

    /// A pool over a mapped kernel ring of `blocks` blocks of `block_size` bytes. Nothing is
    /// allocated from it: frames come from [`FramePool::claim_block`].
    pub(crate) fn over_ring(
        ring: crate::nic::packet::RingMap,
        blocks: usize,
        block_size: usize,
    ) -> Self {
        Self::with_backing(Backing::Ring(ring), blocks, block_size, 0, Vec::new())
    }

    fn with_backing(
        mem: Backing,
        count: usize,
        buf_size: usize,
        accounts: usize,
        free: Vec<u32>,
    ) -> Self {
        let slots = (0..count)
            .map(|_| Slot {
                refs: AtomicU32::new(0),
                account: AtomicU32::new(NO_ACCOUNT),
            })
            .collect();
        let accounts: Arc<[Account]> = (0..accounts)
            .map(|_| Account {
                held: AtomicU32::new(0),
                limit: AtomicU32::new(u32::MAX),
            })
            .collect();
        let cell = OnceLock::new();
        if !accounts.is_empty() {
            let _ = cell.set(accounts);
        }
        FramePool {
            inner: Arc::new(PoolInner {
                buf_size,
                mem,
                slots,
                free: Mutex::new(free),
                accounts: cell,
                allocs: AtomicU64::new(0),
                exhausted: AtomicU64::new(0),
            }),
        }
    }

    /// Size of every buffer: the largest frame the pool can hold.
    pub fn buf_size(&self) -> usize {
        self.inner.buf_size
    }

    /// A fresh buffer of length 0 for writing, or `None` (counted) when all are in use.
    pub fn alloc(&self) -> Option<FrameMut> {
        let idx = self
            .inner
            .free
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .pop();
        let Some(idx) = idx else {
            self.inner.exhausted.fetch_add(1, Ordering::Relaxed);
            return None;
        };
        self.inner.slots[idx as usize]
            .refs
            .store(1, Ordering::Relaxed);
        self.inner.allocs.fetch_add(1, Ordering::Relaxed);
        Some(FrameMut {
            frame: Frame {
                pool: PoolRef::for_buffer(&self.inner),
                idx,
                len: 0,
                wire_len: 0,
                ts_ns: 0,
                off: 0,
                ticket: None,
            },
        })
    }

    /// Is ring block `idx` filled by the kernel and not already held by frames of ours?
    pub(crate) fn ring_block_ready(&self, idx: u32) -> bool {
        let Backing::Ring(r) = &self.inner.mem else {
            return false;
        };
        self.inner.slots[idx as usize].refs.load(Ordering::Acquire) == 0
            && r.block_ready(idx as usize, self.inner.buf_size)
    }

    /// Takes a whole ring block (which the kernel has handed to user space) as a frame of
    /// length 0; frames of its packets are made with [`Frame::sub`]. The block goes back to
    /// the kernel when the last of them drops.
    pub(crate) fn claim_block(&self, idx: u32) -> Frame {
        self.inner.slots[idx as usize]
            .refs
            .store(1, Ordering::Relaxed);
        Frame {
            pool: PoolRef::for_buffer(&self.inner),
            idx,
            len: 0,
            wire_len: 0,
            ts_ns: 0,
            off: 0,
            ticket: None,
        }
    }

    /// Charges this (kernel ring) pool's frames to `other`'s accounts from now on; a no-op if
    /// it already charges some pool's accounts.
    pub(crate) fn share_accounts(&self, other: &FramePool) {
        if self.inner.accounts.get().is_none() {
            if let Some(a) = other.inner.accounts.get() {
                let _ = self.inner.accounts.set(a.clone());
            }
        }
    }

    /// A frame holding a copy of `data` (truncated to the buffer size; `wire_len` keeps the
    /// original length, as a capture's snap length would).
    pub fn alloc_copy(&self, data: &[u8], ts_ns: u64) -> Option<Frame> {
        let mut f = self.alloc()?;
        let n = data.len().min(self.buf_size());
        f.buf_mut()[..n].copy_from_slice(&data[..n]);
        f.set_len(n);
        f.set_wire_len(data.len() as u32);
        f.set_timestamp_ns(ts_ns);
        Some(f.freeze())
    }

    pub fn stats(&self) -> PoolStats {
        let free = self
            .inner
            .free
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .len();
        PoolStats {
            capacity: self.inner.slots.len(),
            in_use: self.inner.slots.len() - free,
            allocs: self.inner.allocs.load(Ordering::Relaxed),
            exhausted: self.inner.exhausted.load(Ordering::Relaxed),
        }
    }

    /// Number of accounts frames can be charged to.
    pub fn accounts(&self) -> usize {
        self.inner.accounts().len()
    }

    /// At most `limit` frames may be charged to `account` at once.
    pub fn set_account_limit(&self, account: u32, limit: u32) {
        self.inner.accounts()[account as usize]
            .limit
            .store(limit, Ordering::Relaxed);
    }

    /// Frames currently charged to `account`.
    pub fn account_held(&self, account: u32) -> u32 {
        self.inner.accounts()[account as usize]
            .held
            .load(Ordering::Relaxed)
    }
}

/// A buffer being filled: the only handle to it, so it may be written.
pub struct FrameMut {
    frame: Frame,
}

impl FrameMut {
    /// The whole buffer, whatever the current length.
    pub fn buf_mut(&mut self) -> &mut [u8] {
        let size = self.frame.pool.buf_size;
        // SAFETY: a FrameMut is the sole holder of its buffer (refs == 1, never cloned).
        unsafe { std::slice::from_raw_parts_mut(self.frame.pool.ptr(self.frame.idx), size) }
    }
    /// Sets the captured length (clamped to the buffer size); the wire length follows unless
    /// set afterwards.
    pub fn set_len(&mut self, len: usize) {
        let len = len.min(self.frame.pool.buf_size) as u32;
        self.frame.len = len;
        self.frame.wire_len = len;
    }
    pub fn set_wire_len(&mut self, wire_len: u32) {
        self.frame.wire_len = wire_len;
    }
    pub fn set_timestamp_ns(&mut self, ts_ns: u64) {
        self.frame.ts_ns = ts_ns;
    }
    /// Ends writing: the frame becomes shareable and read-only.
    pub fn freeze(self) -> Frame {
        self.frame
    }
}

/// A shared, read-only handle to a filled buffer. Dropping the last handle frees the buffer.
pub struct Frame {
    pool: PoolRef,
    idx: u32,
    /// Start of the data within the buffer (non-zero for sub-frames).
    off: u32,
    len: u32,
    wire_len: u32,
    ts_ns: u64,
    /// The charge of a frame inside a kernel ring block (many frames share the block, so the
    /// block cannot carry their charges): shared by its clones, released with the last.
    ticket: Option<Arc<Ticket>>,
}

/// One frame's charge to an account, released when dropped.
struct Ticket {
    accounts: Arc<[Account]>,
    account: u32,
}

impl Drop for Ticket {
    fn drop(&mut self) {
        self.accounts[self.account as usize]
            .held
            .fetch_sub(1, Ordering::Relaxed);
    }
}

impl Frame {
    /// The captured bytes.
    #[inline]
    pub fn data(&self) -> &[u8] {
        // SAFETY: frozen buffers are never written while any handle exists, and `off + len`
        // stays inside the buffer (checked by `sub`, clamped by `set_len`).
        unsafe {
            std::slice::from_raw_parts(
                self.pool.ptr(self.idx).add(self.off as usize),
                self.len as usize,
            )
        }
    }
    pub fn len(&self) -> usize {
        self.len as usize
    }

    /// Another handle on part of the same buffer: `len` bytes from `off` (relative to the whole
    /// buffer's start), with its own wire length and time. No bytes are copied. `None` when the
    /// range leaves the buffer.
    pub fn sub(&self, off: usize, len: usize, wire_len: u32, ts_ns: u64) -> Option<Frame> {
        let end = off.checked_add(len)?;
        if end > self.pool.buf_size {
            return None;
        }
        let mut f = self.clone();
        f.off = off as u32;
        f.len = len as u32;
        f.wire_len = wire_len;
        f.ts_ns = ts_ns;
        Some(f)
    }
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
    /// The length on the wire (`len` in filters).
    pub fn wire_len(&self) -> u32 {
        self.wire_len
    }
    /// Capture or arrival time, in nanoseconds since the Unix epoch or the wire's start.
    pub fn timestamp_ns(&self) -> u64 {
        self.ts_ns
    }
    /// The frame as the filters see it.
    #[inline]
    pub fn packet(&self) -> dpf::ir::Packet<'_> {
        dpf::ir::Packet::new(self.data(), self.wire_len)
    }
    /// Which buffer of the pool this is (stable while any handle lives).
    pub fn buffer_index(&self) -> u32 {
        self.idx
    }
    /// Handles currently sharing this buffer.
    pub fn ref_count(&self) -> u32 {
        self.pool.slots[self.idx as usize]
            .refs
            .load(Ordering::Relaxed)
    }

    /// Charges the buffer to `account` until it is freed. Fails, leaving the frame uncharged,
    /// when the account is at its limit. A frame already charged keeps its first account.
    ///
    /// A pool without that account does not charge. Frames inside a kernel ring block are
    /// charged per frame when the shim delivers them (`charge_owned`), not here.
    #[inline]
    pub fn charge(&self, account: u32) -> bool {
        // A ring block holds many owners' frames: those are charged one by one on delivery.
        if !matches!(self.pool.mem, Backing::Owned(_)) {
            return true;
        }
        let Some(acct) = self.pool.accounts().get(account as usize) else {
            return true;
        };
        let slot = &self.pool.slots[self.idx as usize];
        if slot.account.load(Ordering::Relaxed) != NO_ACCOUNT {
            return true;
        }
        let held = acct.held.fetch_add(1, Ordering::Relaxed);
        if held >= acct.limit.load(Ordering::Relaxed) {
            acct.held.fetch_sub(1, Ordering::Relaxed);
            return false;
        }
        if slot
            .account
            .compare_exchange(NO_ACCOUNT, account, Ordering::Relaxed, Ordering::Relaxed)
            .is_err()
        {
            acct.held.fetch_sub(1, Ordering::Relaxed);
        }
        true
    }
}

impl Frame {
    /// Charges the frame to `account` like [`Frame::charge`], and also frames that point into
    /// a kernel ring block (charged one by one, through a ticket their clones share). A ring
    /// whose pool shares no accounts does not charge.
    #[inline]
    pub(crate) fn charge_owned(&mut self, account: u32) -> bool {
        if matches!(self.pool.mem, Backing::Owned(_)) {
            return self.charge(account);
        }
        if self.ticket.is_some() {
            return true;
        }
        let Some(accounts) = self.pool.accounts.get() else {
            return true;
        };
        let Some(acct) = accounts.get(account as usize) else {
            return true;
        };
        let held = acct.held.fetch_add(1, Ordering::Relaxed);
        if held >= acct.limit.load(Ordering::Relaxed) {
            acct.held.fetch_sub(1, Ordering::Relaxed);
            return false;
        }
        self.ticket = Some(Arc::new(Ticket {
            accounts: accounts.clone(),
            account,
        }));
        true
    }
}

impl Clone for Frame {
    #[inline]
    fn clone(&self) -> Self {
        self.pool.slots[self.idx as usize]
            .refs
            .fetch_add(1, Ordering::Relaxed);
        Frame {
            pool: self.pool,
            idx: self.idx,
            len: self.len,
            wire_len: self.wire_len,
            ts_ns: self.ts_ns,
            off: self.off,
            ticket: self.ticket.clone(),
        }
    }
}

impl Drop for Frame {
    #[inline]
    fn drop(&mut self) {
        // SAFETY: this handle's count on the buffer is consumed here, once.
        unsafe { PoolInner::release(self.pool.0, self.idx) };
    }
}

impl fmt::Debug for Frame {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Frame(#{} {} bytes, wire {})",
            self.idx, self.len, self.wire_len
        )
    }
}

impl AsRef<[u8]> for Frame {
    fn as_ref(&self) -> &[u8] {
        self.data()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buffer_returns_to_pool_only_when_last_holder_drops() {
        let pool = FramePool::new(2, 64, 0);
        let f = pool.alloc_copy(b"hello", 7).unwrap();
        let g = f.clone();
        assert_eq!(f.ref_count(), 2);
        drop(f);
        assert_eq!(pool.stats().in_use, 1);
        assert_eq!(g.data(), b"hello");
        drop(g);
        assert_eq!(pool.stats().in_use, 0);
    }

    #[test]
    fn exhaustion_returns_none_and_counts() {
        let pool = FramePool::new(2, 64, 0);
        let a = pool.alloc_copy(b"a", 0).unwrap();
        let _b = pool.alloc_copy(b"b", 0).unwrap();
        assert!(pool.alloc().is_none());
        assert!(pool.alloc_copy(b"c", 0).is_none());
        assert_eq!(pool.stats().exhausted, 2);
        drop(a);
        assert!(pool.alloc().is_some());
    }

    #[test]
    fn oversized_copy_is_truncated_and_keeps_wire_length() {
        let pool = FramePool::new(1, 8, 0);
        let f = pool.alloc_copy(&[7u8; 20], 0).unwrap();
        assert_eq!(f.len(), 8);
        assert_eq!(f.wire_len(), 20);
        assert_eq!(f.packet().wire_len, 20);
    }

    #[test]
    fn account_limit_refuses_and_frees_on_drop() {
        let pool = FramePool::new(8, 16, 2);
        pool.set_account_limit(1, 2);
        let fs: Vec<Frame> = (0..3).map(|_| pool.alloc_copy(b"x", 0).unwrap()).collect();
        assert!(fs[0].charge(1));
        assert!(fs[1].charge(1));
        assert!(!fs[2].charge(1), "third frame exceeds the limit of 2");
        assert!(fs[2].charge(0), "other accounts are unaffected");
        assert_eq!(pool.account_held(1), 2);
        drop(fs);
        assert_eq!(pool.account_held(1), 0);
        assert_eq!(pool.account_held(0), 0);
        assert_eq!(pool.stats().in_use, 0);
    }

    #[test]
    fn frames_cross_threads() {
        let pool = FramePool::new(4, 16, 0);
        let f = pool.alloc_copy(b"abc", 0).unwrap();
        let g = f.clone();
        let h = std::thread::spawn(move || g.data().to_vec());
        assert_eq!(h.join().unwrap(), b"abc");
        drop(f);
        assert_eq!(pool.stats().in_use, 0);
    }
}
