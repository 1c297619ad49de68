//! Polling with a deadline: the only way rdsplan waits for AWS. No fixed sleeps as
//! synchronisation: every wait checks the state first and gives up with an error at the deadline.

use super::AwsError;
use std::future::Future;
use std::time::Duration;
// tokio's clock, so that tests with a paused clock see deadlines pass.
use tokio::time::Instant;

/// Calls `check` until it returns `Some`, backing off from 1 s to 15 s between calls; fails
/// with a timeout error naming `what` at `deadline`.
pub async fn until<T, F, Fut>(what: &str, timeout: Duration, mut check: F) -> Result<T, AwsError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<Option<T>, AwsError>>,
{
    let deadline = Instant::now() + timeout;
    let mut delay = Duration::from_millis(500);
    loop {
        if let Some(v) = check().await? {
            return Ok(v);
        }
        if Instant::now() + delay > deadline {
            return Err(AwsError::new(
                what,
                "wait",
                format!("gave up after {}s", timeout.as_secs()),
            ));
        }
        tokio::time::sleep(delay).await;
        delay = (delay * 2).min(Duration::from_secs(15));
    }
}
