//! The AWS plumbing: clients, errors, the call log, create-once, pollers, the status table, tags,
//! paging, the account-wide reads, KMS aliases, orderable classes and the lock. What one kind of
//! resource does with the SDK lives in `kinds`.

pub mod account;
pub mod cap;
pub mod engine_versions;
pub mod error;
pub mod kms;
pub mod lock;
pub mod log;
pub mod once;
pub mod orderable;
pub mod paging;
pub mod poller;
pub mod shared;
pub mod status;
pub mod tags;
pub mod wait;

pub use error::AwsError;

/// Attempts per AWS call (the first and up to seven retries): throttling and transient errors
/// are retried with exponential backoff and jitter (1 s base, 20 s cap).
pub const MAX_ATTEMPTS: u32 = 8;

use aws_config::retry::RetryConfig;
use aws_config::{BehaviorVersion, Region};
use std::collections::BTreeMap;

/// One client per service, configured once from the standard chain (env vars, profiles, SSO),
/// the environment's region, `AWS_ENDPOINT_URL` if set, and the SDK's standard retry mode with
/// up to [`MAX_ATTEMPTS`] attempts per call (creates without an idempotency token turn the
/// SDK's retries off and use `once` instead).
#[derive(Clone)]
pub struct Clients {
    pub ec2: aws_sdk_ec2::Client,
    pub rds: aws_sdk_rds::Client,
    pub secrets: aws_sdk_secretsmanager::Client,
    pub iam: aws_sdk_iam::Client,
    pub sts: aws_sdk_sts::Client,
    pub kms: aws_sdk_kms::Client,
    /// The Resource Groups Tagging API: finds an environment's databases by tag.
    pub tagging: aws_sdk_resourcegroupstagging::Client,
    /// CloudFormation: only `import --from-cloudformation` reads a stack's resources.
    pub cloudformation: aws_sdk_cloudformation::Client,
}

impl Clients {
    /// The clients of `region`, once credentials are found: without any, the error says in one
    /// line how to give them (naming a profile that does not exist), instead of a failed call
    /// later with the SDK's chain of reasons.
    pub async fn connect(region: &str, profile: Option<&str>) -> Result<Clients, String> {
        let mut loader = aws_config::defaults(BehaviorVersion::latest())
            .region(Region::new(region.to_string()))
            .retry_config(RetryConfig::standard().with_max_attempts(MAX_ATTEMPTS));
        if let Some(p) = profile {
            loader = loader.profile_name(p);
        }
        let conf = loader.load().await;
        let conf = credentials(conf, profile).await?;
        // Every client logs its calls (see `log`) and waits for a slot of its service (see
        // `cap`).
        macro_rules! logged {
            ($sdk:ident, $service:literal) => {
                $sdk::Client::from_conf(
                    $sdk::config::Builder::from(&conf)
                        .interceptor(log::LogCalls)
                        .http_client(cap::client($service, region))
                        .build(),
                )
            };
        }
        Ok(Clients {
            ec2: logged!(aws_sdk_ec2, "ec2"),
            rds: logged!(aws_sdk_rds, "rds"),
            secrets: logged!(aws_sdk_secretsmanager, "secretsmanager"),
            iam: logged!(aws_sdk_iam, "iam"),
            sts: logged!(aws_sdk_sts, "sts"),
            kms: logged!(aws_sdk_kms, "kms"),
            tagging: logged!(aws_sdk_resourcegroupstagging, "tagging"),
            cloudformation: logged!(aws_sdk_cloudformation, "cloudformation"),
        })
    }
}

/// The configuration with credentials found, or the one-line error saying how to give them.
/// The chain is asked once here; the clients are then served those credentials first (no
/// second resolution, which for an assumed role or SSO is another call) and ask the chain again
/// only when they need fresh ones.
async fn credentials(
    conf: aws_config::SdkConfig,
    profile: Option<&str>,
) -> Result<aws_config::SdkConfig, String> {
    use aws_credential_types::provider::{ProvideCredentials, SharedCredentialsProvider};
    let Some(chain) = conf.credentials_provider() else {
        return Err(NO_CREDENTIALS.into());
    };
    match chain.provide_credentials().await {
        Ok(first) => Ok(conf
            .to_builder()
            .credentials_provider(SharedCredentialsProvider::new(Primed {
                first: std::sync::Mutex::new(Some(first)),
                chain,
            }))
            .build()),
        Err(e) => {
            tracing::debug!("the credential chain: {e:?}");
            let profile = profile
                .map(str::to_string)
                .or_else(|| std::env::var("AWS_PROFILE").ok().filter(|p| !p.is_empty()));
            Err(match profile {
                Some(p) if profile_declared(&p) => format!("{NO_CREDENTIALS}\n  note: profile `{p}` gave none (an expired SSO session? aws sso login --profile {p})"),
                Some(p) => format!("{NO_CREDENTIALS}\n  note: profile `{p}` is not in ~/.aws/config or ~/.aws/credentials (AWS_CONFIG_FILE, AWS_SHARED_CREDENTIALS_FILE)"),
                None => NO_CREDENTIALS.into(),
            })
        }
    }
}

/// Credentials already resolved, given once, then the chain's (for refreshes).
#[derive(Debug)]
struct Primed {
    first: std::sync::Mutex<Option<aws_credential_types::Credentials>>,
    chain: aws_credential_types::provider::SharedCredentialsProvider,
}

impl aws_credential_types::provider::ProvideCredentials for Primed {
    fn provide_credentials<'a>(
        &'a self,
    ) -> aws_credential_types::provider::future::ProvideCredentials<'a>
    where
        Self: 'a,
    {
        let first = self.first.lock().ok().and_then(|mut f| f.take());
        match first {
            Some(c) => aws_credential_types::provider::future::ProvideCredentials::ready(Ok(c)),
            None => self.chain.provide_credentials(),
        }
    }
}

/// Whether the shared config or credentials file declares the profile (`[profile NAME]` or
/// `[NAME]`), where the SDK looks for them.
fn profile_declared(name: &str) -> bool {
    let home = std::env::var("HOME").unwrap_or_default();
    let files = [
        std::env::var("AWS_CONFIG_FILE").unwrap_or_else(|_| format!("{home}/.aws/config")),
        std::env::var("AWS_SHARED_CREDENTIALS_FILE")
            .unwrap_or_else(|_| format!("{home}/.aws/credentials")),
    ];
    files.iter().any(|f| {
        std::fs::read_to_string(f).is_ok_and(|text| {
            text.lines().any(|l| {
                let l = l.trim();
                l == format!("[{name}]") || l == format!("[profile {name}]")
            })
        })
    })
}

/// What to say when the credential chain finds nothing.
pub const NO_CREDENTIALS: &str = "no AWS credentials found: set AWS_PROFILE, run aws sso login, or export AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY";

/// The ownership tags plus the user's tags for one resource.
pub fn all_tags(
    env: &str,
    address: &str,
    user: &BTreeMap<String, String>,
) -> Vec<(String, String)> {
    let mut t: Vec<(String, String)> = user.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
    t.push((crate::model::TAG_ENV.into(), env.into()));
    t.push((crate::model::TAG_ADDRESS.into(), address.into()));
    t.push((
        crate::model::TAG_MANAGED_BY.into(),
        crate::model::MANAGED_BY.into(),
    ));
    t
}

/// Tags a user manages: everything but rdsplan's own and AWS's `aws:*`.
pub fn user_tags(tags: impl IntoIterator<Item = (String, String)>) -> BTreeMap<String, String> {
    tags.into_iter()
        // The apply record stays, for the reader to move aside (`plan::applied`).
        .filter(|(k, _)| {
            (!k.starts_with("rdsplan:") || k == crate::model::TAG_APPLIED)
                && !k.starts_with("aws:")
                && k != crate::model::TAG_MANAGED_BY
        })
        .collect()
}

/// What it takes to go from `old` to `new` user tags: the keys to remove and the pairs to set.
/// Ownership tags are never in either map, so they are never removed.
pub fn tag_changes(
    old: &BTreeMap<String, String>,
    new: &BTreeMap<String, String>,
) -> (Vec<String>, Vec<(String, String)>) {
    let gone = old
        .keys()
        .filter(|k| !new.contains_key(*k))
        .cloned()
        .collect();
    let set = new
        .iter()
        .filter(|(k, v)| old.get(*k) != Some(v))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    (gone, set)
}

#[cfg(test)]
mod tests;
