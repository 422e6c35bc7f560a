//! A buffered byte source that knows its offset, so errors can say where a file broke.

use std::io::{self, BufRead, BufReader, Read};

use super::CaptureError;

const BUF_CAPACITY: usize = 256 * 1024;

pub(crate) struct Input<R: Read> {
    inner: BufReader<R>,
    /// Bytes consumed so far: the file offset of the next byte.
    pub offset: u64,
    /// Bytes handed out by [`Input::take_buffered`] and still to be consumed from the buffer
    /// (the caller may be reading them until its next call).
    pending: usize,
}

impl<R: Read> Input<R> {
    pub fn new(r: R) -> Self {
        Input {
            inner: BufReader::with_capacity(BUF_CAPACITY, r),
            offset: 0,
            pending: 0,
        }
    }

    /// Consumes what [`Input::take_buffered`] handed out.
    fn settle(&mut self) {
        if self.pending > 0 {
            self.inner.consume(self.pending);
            self.pending = 0;
        }
    }

    /// The bytes already in the buffer (no read), after those handed out before.
    pub fn buffered(&mut self) -> &[u8] {
        self.settle();
        self.inner.buffer()
    }

    /// The next `n` bytes, borrowed from the buffer without copying, if they are all there
    /// already (a record that straddles two buffer fills takes the copying path instead).
    pub fn take_buffered(&mut self, n: usize) -> Option<&[u8]> {
        self.settle();
        if self.inner.buffer().len() < n {
            return None;
        }
        self.pending = n;
        self.offset += n as u64;
        Some(&self.inner.buffer()[..n])
    }

    /// Fills `buf` completely. `Ok(false)` when the input ended exactly here (a clean end of
    /// file); an error when it ended part-way through.
    pub fn fill_or_eof(
        &mut self,
        buf: &mut [u8],
        packet: u64,
        what: &str,
    ) -> Result<bool, CaptureError> {
        self.settle();
        let start = self.offset;
        let mut got = 0;
        while got < buf.len() {
            match self.inner.read(&mut buf[got..]) {
                Ok(0) => break,
                Ok(n) => got += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(self.io_error(e, packet)),
            }
        }
        self.offset += got as u64;
        if got == 0 {
            return Ok(false);
        }
        if got < buf.len() {
            return Err(CaptureError::corrupt(
                start,
                packet,
                format!(
                    "truncated {what}: {} bytes expected, the file ends after {got}",
                    buf.len()
                ),
            ));
        }
        Ok(true)
    }

    /// Fills `buf` completely; the end of the input is an error (a truncated `what`).
    pub fn fill(&mut self, buf: &mut [u8], packet: u64, what: &str) -> Result<(), CaptureError> {
        let start = self.offset;
        if buf.is_empty() || self.fill_or_eof(buf, packet, what)? {
            return Ok(());
        }
        Err(CaptureError::corrupt(
            start,
            packet,
            format!(
                "truncated {what}: {} bytes expected, the file ends here",
                buf.len()
            ),
        ))
    }

    /// Reads `n` bytes into `v` (reusing its allocation).
    pub fn read_vec(
        &mut self,
        v: &mut Vec<u8>,
        n: usize,
        packet: u64,
        what: &str,
    ) -> Result<(), CaptureError> {
        v.clear();
        v.resize(n, 0);
        self.fill(v, packet, what)
    }

    /// Skips `n` bytes.
    pub fn skip(&mut self, mut n: u64, packet: u64, what: &str) -> Result<(), CaptureError> {
        self.settle();
        let start = self.offset;
        while n > 0 {
            let avail = match self.inner.fill_buf() {
                Ok(b) => b.len(),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(self.io_error(e, packet)),
            };
            if avail == 0 {
                return Err(CaptureError::corrupt(
                    start,
                    packet,
                    format!("truncated {what}: the file ends {n} bytes early"),
                ));
            }
            let k = avail.min(n.min(usize::MAX as u64) as usize);
            self.inner.consume(k);
            self.offset += k as u64;
            n -= k as u64;
        }
        Ok(())
    }

    fn io_error(&self, e: io::Error, packet: u64) -> CaptureError {
        CaptureError {
            offset: self.offset,
            packet,
            msg: format!("read error: {e}"),
            io: Some(e),
        }
    }
}
