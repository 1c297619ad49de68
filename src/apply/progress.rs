//! What an apply prints while it runs.

use std::sync::Mutex;
use std::time::{Duration, Instant};

/// One line per step started and finished, with elapsed time; on a terminal, also a live
/// spinner naming what rdsplan is waiting for (plain lines only in CI and pipes).
pub(super) struct Progress {
    bar: Option<indicatif::ProgressBar>,
    running: Mutex<Vec<(String, Instant)>>,
    /// Steps finished (done, failed or skipped) and in all.
    finished: std::sync::atomic::AtomicUsize,
    total: usize,
}

impl Progress {
    pub(super) fn new(total: usize) -> Progress {
        use std::io::IsTerminal;
        let bar = (std::io::stdout().is_terminal()
            && std::env::var_os("CI").is_none()
            && !crate::quiet())
        .then(|| {
            let b = indicatif::ProgressBar::new_spinner();
            b.enable_steady_tick(Duration::from_millis(120));
            b
        });
        Progress {
            bar,
            running: Mutex::new(Vec::new()),
            finished: std::sync::atomic::AtomicUsize::new(0),
            total,
        }
    }
    pub(super) fn line(&self, s: &str) {
        if crate::quiet() {
            return;
        }
        // The spinner is cleared while the line is printed, so lines are never lost or torn.
        match &self.bar {
            Some(b) => b.suspend(|| println!("{s}")),
            None => println!("{s}"),
        }
    }
    pub(super) fn start(&self, addr: &str) {
        self.running
            .lock()
            .expect("progress")
            .push((addr.to_string(), Instant::now()));
        self.refresh();
    }
    pub(super) fn finish(&self, addr: &str) {
        self.running
            .lock()
            .expect("progress")
            .retain(|(a, _)| a != addr);
        self.refresh();
    }
    /// `[finished/total]`.
    fn count(&self) -> String {
        format!(
            "[{}/{}]",
            self.finished.load(std::sync::atomic::Ordering::Relaxed),
            self.total
        )
    }
    /// One more step finished.
    pub(super) fn tick(&self) -> String {
        self.finished
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        self.refresh();
        self.count()
    }
    fn refresh(&self) {
        if let Some(b) = &self.bar {
            let running = self.running.lock().expect("progress");
            let names: Vec<String> = running
                .iter()
                .map(|(a, t)| format!("{a} ({}s)", t.elapsed().as_secs()))
                .collect();
            let count = self.count();
            b.set_message(if names.is_empty() {
                count
            } else {
                format!("{count} waiting for AWS: {}", names.join(", "))
            });
        }
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        if let Some(b) = &self.bar {
            b.finish_and_clear();
        }
    }
}
