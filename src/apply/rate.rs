//! Pacing of mutating work per AWS service: a token bucket per service, one token per apply
//! step that changes something there (a step makes one to a few mutating calls). EC2 gets its
//! published bucket for mutating actions (50 at once, refilled 5 per second). RDS publishes one
//! bucket for every call of the account and region (300 at once, 12 per second): apply's steps
//! take at most 200 of it and 8 per second, leaving a third to reads (its own poller) and other
//! tools. IAM and Secrets Manager publish no figures and get EC2's. Throttling beyond that is
//! retried by the SDK with backoff, never a failure of the run by itself.

use std::time::Duration;
use tokio::sync::Mutex;
use tokio::time::Instant;

/// One bucket per service, in the order of `apply::service`: EC2, RDS, IAM, Secrets Manager.
pub fn buckets() -> [TokenBucket; 4] {
    [
        TokenBucket::new(50, 5),
        TokenBucket::new(200, 8),
        TokenBucket::new(50, 5),
        TokenBucket::new(50, 5),
    ]
}

pub struct TokenBucket {
    capacity: f64,
    per_second: f64,
    state: Mutex<(f64, Instant)>,
}

impl TokenBucket {
    pub fn new(capacity: u32, per_second: u32) -> TokenBucket {
        TokenBucket {
            capacity: f64::from(capacity),
            per_second: f64::from(per_second.max(1)),
            state: Mutex::new((f64::from(capacity), Instant::now())),
        }
    }

    /// Takes one token, waiting for the refill when the bucket is empty.
    pub async fn take(&self) {
        loop {
            let wait = {
                let mut s = self.state.lock().await;
                let now = Instant::now();
                let refill = now.duration_since(s.1).as_secs_f64() * self.per_second;
                s.0 = (s.0 + refill).min(self.capacity);
                s.1 = now;
                if s.0 >= 1.0 {
                    s.0 -= 1.0;
                    return;
                }
                Duration::from_secs_f64((1.0 - s.0) / self.per_second)
            };
            tokio::time::sleep(wait).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn a_burst_passes_then_the_refill_rate_holds() {
        let b = TokenBucket::new(50, 5);
        let start = Instant::now();
        for _ in 0..50 {
            b.take().await;
        }
        assert!(
            start.elapsed() < Duration::from_millis(1),
            "the burst is immediate"
        );
        for _ in 0..10 {
            b.take().await;
        }
        let took = start.elapsed();
        assert!(
            took >= Duration::from_secs(2) && took < Duration::from_millis(2100),
            "10 more at 5 per second: {took:?}"
        );
    }
}
