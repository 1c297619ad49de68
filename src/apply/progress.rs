//! What an apply prints while it runs.

use std::sync::Mutex;
use std::time::{Duration, Instant};

/// One line per step started and finished, with elapsed time; on a terminal, also a live
/// spinner naming what rdsplan is waiting for, its times ticking every second (the apply loop
/// calls [`Progress::heartbeat`]); elsewhere (CI logs, pipes), Terraform-style `still
/// creating… [2m10s elapsed]` lines every 30 s (`RDSPLAN_STILL_SECS`) per step still running.
pub(super) struct Progress {
    bar: Option<indicatif::ProgressBar>,
    /// (address, what it is doing, since when, when it was last said to be still at it).
    running: Mutex<Vec<(String, String, Instant, Instant)>>,
    still_every: Duration,
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
        let still_every = std::env::var("RDSPLAN_STILL_SECS")
            .ok()
            .and_then(|v| v.parse::<u64>().ok())
            .filter(|n| *n > 0)
            .map_or(Duration::from_secs(30), Duration::from_secs);
        Progress {
            bar,
            running: Mutex::new(Vec::new()),
            still_every,
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
    /// A step starts: `doing` is what it does, as in "still creating".
    pub(super) fn start(&self, addr: &str, doing: &str) {
        let now = Instant::now();
        self.running.lock().expect("progress").push((
            addr.to_string(),
            doing.to_string(),
            now,
            now,
        ));
        self.refresh();
    }
    pub(super) fn finish(&self, addr: &str) {
        self.running
            .lock()
            .expect("progress")
            .retain(|(a, ..)| a != addr);
        self.refresh();
    }
    /// Called every second by the apply loop: the terminal's times tick; elsewhere, each step
    /// running for another `still_every` says so.
    pub(super) fn heartbeat(&self) {
        if self.bar.is_some() {
            self.refresh();
            return;
        }
        if crate::quiet() {
            return;
        }
        let mut due = vec![];
        {
            let mut running = self.running.lock().expect("progress");
            for (addr, doing, since, said) in running.iter_mut() {
                if said.elapsed() >= self.still_every {
                    *said = Instant::now();
                    due.push(format!(
                        "  {addr}: still {doing}... [{} elapsed]",
                        elapsed(since.elapsed())
                    ));
                }
            }
        }
        for line in due {
            println!("{line}");
        }
    }
    /// Once, when Ctrl-C is pressed: what the apply still waits for before it stops.
    pub(super) fn interrupted(&self) {
        let waiting: Vec<String> = self
            .running
            .lock()
            .expect("progress")
            .iter()
            .map(|(a, doing, since, _)| format!("{a} ({doing}, {})", elapsed(since.elapsed())))
            .collect();
        if !waiting.is_empty() {
            self.line(&format!(
                "Interrupted: no new step starts; waiting for the calls in flight of {} (Ctrl-C again quits at once, leaving the lock).",
                waiting.join(", ")
            ));
        }
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
                .map(|(a, _, t, _)| format!("{a} ({})", elapsed(t.elapsed())))
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

/// `45s`, `2m10s`, `1h02m`.
pub(super) fn elapsed(d: Duration) -> String {
    let s = d.as_secs();
    match s {
        0..=59 => format!("{s}s"),
        60..=3599 => format!("{}m{:02}s", s / 60, s % 60),
        _ => format!("{}h{:02}m", s / 3600, (s % 3600) / 60),
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        if let Some(b) = &self.bar {
            b.finish_and_clear();
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn elapsed_times_read_as_terraform_writes_them() {
        use std::time::Duration;
        assert_eq!(super::elapsed(Duration::from_secs(7)), "7s");
        assert_eq!(super::elapsed(Duration::from_secs(130)), "2m10s");
        assert_eq!(super::elapsed(Duration::from_secs(3720)), "1h02m");
    }
}
