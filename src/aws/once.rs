//! Creating what AWS offers no idempotency token for (CreateVpc, CreateSubnet,
//! CreateSecurityGroup, CreateInternetGateway, IAM CreateRole), at most once.
//!
//! The SDK retries a failed call as it was. For a create whose response was lost after AWS
//! acted, that makes a second resource (two VPCs with one address). Here the create call is sent
//! without the SDK's retries, and after a failure that may be retried rdsplan looks again for
//! the resource by its ownership tags (or name) before it creates again: read-before-retry.
//! A conflict (the name or CIDR is taken) means "already done" when what holds it is ours, and
//! is an error otherwise.
//!
//! Guaranteed: a create lands at most once per attempt that AWS reports as failed *and* whose
//! resource the look-up does not find. EC2 reads are eventually consistent, so after a failure
//! that may have acted the look-up is repeated for a few seconds before creating again; what
//! still slips through is reported by `plan` and `drift` as a duplicate.

use super::error::{AwsError, Retry};
use std::future::Future;
use std::time::Duration;

/// Attempts at the create call, each preceded by a look-up.
const ATTEMPTS: u32 = super::MAX_ATTEMPTS;

/// How long to keep looking (eventual consistency) after a failure that may have acted.
fn settle() -> Duration {
    std::env::var("RDSPLAN_SETTLE_MS")
        .ok()
        .and_then(|v| v.parse().ok())
        .map(Duration::from_millis)
        .unwrap_or(Duration::from_secs(3))
}

/// `find` looks for the resource (by tags or name, ours only); `create` makes it with the SDK's
/// retries off; `conflict` names the error codes that mean "something already holds it".
pub async fn create<T, Find, FindFut, Create, CreateFut>(
    conflict: &[&str],
    find: Find,
    create: Create,
) -> Result<T, AwsError>
where
    Find: Fn() -> FindFut,
    FindFut: Future<Output = Result<Option<T>, AwsError>>,
    Create: Fn() -> CreateFut,
    CreateFut: Future<Output = Result<T, AwsError>>,
{
    let mut delay = Duration::from_millis(200);
    let mut attempt = 0;
    loop {
        attempt += 1;
        if let Some(found) = find().await? {
            return Ok(found);
        }
        let err = match create().await {
            Ok(made) => return Ok(made),
            Err(e) => e,
        };
        if err.is_code(conflict) {
            // A create of ours that landed although its answer was lost, or someone else's.
            return match find().await? {
                Some(found) => Ok(found),
                None => Err(err),
            };
        }
        if err.retry == Retry::No || attempt >= ATTEMPTS {
            return Err(err);
        }
        if err.retry == Retry::MaybeActed {
            let deadline = tokio::time::Instant::now() + settle();
            let mut wait = Duration::from_millis(100);
            while tokio::time::Instant::now() < deadline {
                if let Some(found) = find().await? {
                    return Ok(found);
                }
                tokio::time::sleep(wait).await;
                wait = (wait * 2).min(Duration::from_secs(1));
            }
        } else {
            // Throttled: back off before the next attempt.
            tokio::time::sleep(delay).await;
            delay = (delay * 2).min(Duration::from_secs(10));
        }
    }
}

/// SDK config that turns the SDK's own retries off for one call.
pub fn no_retry_ec2() -> aws_sdk_ec2::config::Builder {
    aws_sdk_ec2::config::Builder::default()
        .retry_config(aws_sdk_ec2::config::retry::RetryConfig::disabled())
}

pub fn no_retry_iam() -> aws_sdk_iam::config::Builder {
    aws_sdk_iam::config::Builder::default()
        .retry_config(aws_sdk_iam::config::retry::RetryConfig::disabled())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU32, Ordering};

    fn err(retry: Retry, code: &str) -> AwsError {
        let mut e = AwsError::new("vpc.main", "CreateVpc", "failed");
        e.retry = retry;
        e.code = Some(code.into());
        e
    }

    #[tokio::test(start_paused = true)]
    async fn a_lost_response_is_found_by_the_look_up_instead_of_created_again() {
        let landed = AtomicU32::new(0);
        let calls = AtomicU32::new(0);
        let out = create(
            &[],
            || async { Ok((landed.load(Ordering::SeqCst) > 0).then_some("vpc-1")) },
            || async {
                calls.fetch_add(1, Ordering::SeqCst);
                landed.fetch_add(1, Ordering::SeqCst);
                Err(err(Retry::MaybeActed, "InternalError"))
            },
        )
        .await
        .unwrap();
        assert_eq!(out, "vpc-1");
        assert_eq!(calls.load(Ordering::SeqCst), 1, "created once");
    }

    #[tokio::test(start_paused = true)]
    async fn throttling_is_retried_and_a_definite_error_is_not() {
        let calls = AtomicU32::new(0);
        let out = create(
            &[],
            || async { Ok(None) },
            || async {
                let n = calls.fetch_add(1, Ordering::SeqCst);
                if n < 2 {
                    Err(err(Retry::NotActed, "RequestLimitExceeded"))
                } else {
                    Ok("vpc-2")
                }
            },
        )
        .await
        .unwrap();
        assert_eq!(out, "vpc-2");
        assert_eq!(calls.load(Ordering::SeqCst), 3);
        let calls = AtomicU32::new(0);
        let e = create::<&str, _, _, _, _>(
            &[],
            || async { Ok(None) },
            || async {
                calls.fetch_add(1, Ordering::SeqCst);
                Err(err(Retry::No, "InvalidParameterValue"))
            },
        )
        .await
        .unwrap_err();
        assert!(e.is_code(&["InvalidParameterValue"]));
        assert_eq!(calls.load(Ordering::SeqCst), 1);
    }

    #[tokio::test(start_paused = true)]
    async fn a_conflict_with_our_own_resource_is_done_and_with_another_is_an_error() {
        let ours = AtomicU32::new(0);
        let out = create(
            &["InvalidGroup.Duplicate"],
            || async { Ok((ours.fetch_add(1, Ordering::SeqCst) > 0).then_some("sg-1")) },
            || async { Err(err(Retry::No, "InvalidGroup.Duplicate")) },
        )
        .await
        .unwrap();
        assert_eq!(out, "sg-1");
        let e = create::<&str, _, _, _, _>(
            &["InvalidGroup.Duplicate"],
            || async { Ok(None) },
            || async { Err(err(Retry::No, "InvalidGroup.Duplicate")) },
        )
        .await
        .unwrap_err();
        assert!(e.is_code(&["InvalidGroup.Duplicate"]));
    }
}
