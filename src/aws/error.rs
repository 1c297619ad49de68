//! AWS errors as users see them: the resource, the operation, and AWS's own message; never a
//! debug dump of the SDK's types.

use aws_sdk_rds::error::ProvideErrorMetadata;
use std::fmt;

#[derive(Debug, Clone)]
pub struct AwsError {
    pub resource: String,
    pub operation: String,
    pub code: Option<String>,
    pub message: String,
    /// Whether the call may be tried again, and whether AWS may have acted on it.
    pub retry: Retry,
}

/// What a failed call may have done, for calls that are not idempotent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Retry {
    /// A definite answer (validation, conflict, not found): trying again gives the same.
    No,
    /// Throttled: AWS did nothing; trying again later is safe.
    NotActed,
    /// A dropped connection, a timeout or a 5xx: AWS may or may not have acted.
    MaybeActed,
}

/// Error codes AWS uses for throttling (the SDK's standard retry list).
const THROTTLING: &[&str] = &[
    "Throttling",
    "ThrottlingException",
    "ThrottledException",
    "RequestThrottledException",
    "TooManyRequestsException",
    "ProvisionedThroughputExceededException",
    "TransactionInProgressException",
    "RequestLimitExceeded",
    "BandwidthLimitExceeded",
    "LimitExceededException",
    "RequestThrottled",
    "SlowDown",
    "PriorRequestNotComplete",
    "EC2ThrottledException",
];

/// How a failed send may be retried.
pub fn classify<E>(
    e: &aws_sdk_ec2::error::SdkError<E, aws_sdk_ec2::config::http::HttpResponse>,
) -> Retry
where
    E: ProvideErrorMetadata,
{
    use aws_sdk_ec2::error::SdkError;
    match e {
        SdkError::TimeoutError(_) | SdkError::DispatchFailure(_) | SdkError::ResponseError(_) => {
            Retry::MaybeActed
        }
        SdkError::ServiceError(ctx) => {
            if ctx.err().code().is_some_and(|c| THROTTLING.contains(&c)) {
                Retry::NotActed
            } else if ctx.raw().status().is_server_error() {
                Retry::MaybeActed
            } else {
                Retry::No
            }
        }
        _ => Retry::No,
    }
}

impl fmt::Display for AwsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: {} failed: {}",
            self.resource, self.operation, self.message
        )?;
        if let Some(c) = &self.code {
            write!(f, " ({c})")?;
        }
        Ok(())
    }
}

impl std::error::Error for AwsError {}

impl AwsError {
    pub fn new(resource: impl Into<String>, operation: &str, message: impl Into<String>) -> Self {
        AwsError {
            resource: resource.into(),
            operation: operation.into(),
            code: None,
            message: message.into(),
            retry: Retry::No,
        }
    }

    /// From any SDK error: service errors keep AWS's code and message; transport errors (no
    /// endpoint, no credentials, timeouts) keep their full cause chain.
    pub fn from_sdk<E>(resource: impl Into<String>, operation: &str, e: E) -> Self
    where
        E: ProvideErrorMetadata + std::error::Error + 'static,
    {
        let code = e.code().map(str::to_string);
        let message = match e.message() {
            Some(m) => m.to_string(),
            None => chain(&e),
        };
        AwsError {
            resource: resource.into(),
            operation: operation.into(),
            code,
            message,
            retry: Retry::No,
        }
    }

    pub fn is_code(&self, codes: &[&str]) -> bool {
        self.code.as_deref().is_some_and(|c| codes.contains(&c))
    }
}

/// An error and its causes, by their Display texts only (never a Debug dump), with repeats
/// dropped: "dispatch failure: io error: Connection refused (os error 111)".
fn chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut parts: Vec<String> = vec![e.to_string()];
    let mut cur = e.source();
    while let Some(s) = cur {
        let t = s.to_string();
        if !parts.iter().any(|p| p.contains(&t)) {
            parts.push(t);
        }
        cur = s.source();
    }
    parts.join(": ")
}

/// `.map_err(sent("vpc.main", "CreateVpc"))`: like [`sdk`], keeping whether the call may be
/// tried again and whether AWS may have acted.
pub fn sent<'a, E>(
    resource: &'a str,
    operation: &'static str,
) -> impl FnOnce(aws_sdk_ec2::error::SdkError<E, aws_sdk_ec2::config::http::HttpResponse>) -> AwsError + 'a
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    move |e| {
        let retry = classify(&e);
        let mut err = AwsError::from_sdk(resource, operation, e);
        err.retry = retry;
        err
    }
}

/// `.map_err(sdk("vpc.main", "CreateVpc"))`
pub fn sdk<'a, E>(resource: &'a str, operation: &'static str) -> impl FnOnce(E) -> AwsError + 'a
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    move |e| AwsError::from_sdk(resource, operation, e)
}

/// A describe-by-name's error code read as "missing" (a `…NotFound` code: `Ok(true)`) or as the
/// failure it is.
pub fn missing_code(
    name: &str,
    operation: &'static str,
    code: Option<&str>,
) -> Result<bool, AwsError> {
    match code {
        Some(c) if c.contains("NotFound") => Ok(true),
        c => Err(AwsError::new(name, operation, c.unwrap_or("failed"))),
    }
}
