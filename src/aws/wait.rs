//! Polling with a deadline: the only way rdsplan waits for AWS. No fixed sleeps as
//! synchronisation: every wait checks the state first and gives up with an error at the deadline.

use super::AwsError;
use std::future::Future;
use std::time::Duration;
// tokio's clock, so that tests with a paused clock see deadlines pass.
use tokio::time::Instant;

/// Calls `check` until it returns `Some`, backing off from 1 s to 15 s between calls; fails
/// with a timeout error naming `what` at `deadline`. A read that fails in a way worth trying
/// again (throttling, a 5xx, a dropped connection, after the SDK's own retries) does not end
/// the wait: the next poll tries again, and the deadline still holds.
pub async fn until<T, F, Fut>(what: &str, timeout: Duration, mut check: F) -> Result<T, AwsError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<Option<T>, AwsError>>,
{
    let deadline = Instant::now() + timeout;
    let mut delay = Duration::from_millis(500);
    let mut last: Option<AwsError> = None;
    loop {
        match check().await {
            Ok(Some(v)) => return Ok(v),
            Ok(None) => {}
            Err(e) if e.retry != super::error::Retry::No => last = Some(e),
            Err(e) => return Err(e),
        }
        if Instant::now() + delay > deadline {
            return Err(last.unwrap_or_else(|| {
                AwsError::new(
                    what,
                    "wait",
                    format!("gave up after {}s", timeout.as_secs()),
                )
            }));
        }
        tokio::time::sleep(delay).await;
        delay = (delay * 2).min(Duration::from_secs(15));
    }
}
