//! A progress bar for inputs that take more than a moment, on a terminal only.
//!
//! The bar appears after half a second (short runs stay quiet) and only when stderr is a
//! terminal, so piped or redirected runs print nothing extra. Callers report the byte offset
//! now and then (every few thousand packets), which keeps the cost off the per-packet path.

use std::io::IsTerminal;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressStyle};

const DELAY: Duration = Duration::from_millis(500);

pub struct Progress {
    total: u64,
    start: Instant,
    bar: Option<ProgressBar>,
    enabled: bool,
}

impl Progress {
    /// `total`: the input's size in bytes (0 when unknown).
    pub fn new(total: u64) -> Self {
        Progress {
            total,
            start: Instant::now(),
            bar: None,
            enabled: std::io::stderr().is_terminal(),
        }
    }

    pub fn update(&mut self, offset: u64, packets: u64) {
        if !self.enabled {
            return;
        }
        if self.bar.is_none() {
            if self.start.elapsed() < DELAY {
                return;
            }
            let bar = ProgressBar::new(self.total);
            let style = ProgressStyle::with_template(
                "{bar:40} {bytes}/{total_bytes} {msg} ({bytes_per_sec}, eta {eta})",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar());
            bar.set_style(style);
            self.bar = Some(bar);
        }
        if let Some(b) = &self.bar {
            b.set_position(offset);
            b.set_message(format!("{packets} packets"));
        }
    }

    pub fn finish(&mut self) {
        if let Some(b) = self.bar.take() {
            b.finish_and_clear();
        }
    }
}
