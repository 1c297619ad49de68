//! KMS keys named by alias, resolved to their key ARNs so that the planner compares keys, not
//! spellings. One DescribeKey per distinct alias per run (read permission: kms:DescribeKey).

use super::AwsError;
use std::collections::{BTreeMap, BTreeSet};

/// Resolves every alias (`alias/NAME` or an alias ARN) to its key ARN. An alias KMS says does
/// not exist (NotFoundException) is left out: the planner then refuses, naming it, rather than
/// guessing. Any other failure (throttling past the retries, a 5xx, AccessDenied) is an error
/// naming kms:DescribeKey, the alias and AWS's message: it says nothing about the alias.
pub async fn resolve_aliases(
    c: &aws_sdk_kms::Client,
    aliases: BTreeSet<String>,
) -> Result<BTreeMap<String, String>, AwsError> {
    let calls = aliases.into_iter().map(|a| async move {
        match c.describe_key().key_id(&a).send().await {
            Ok(out) => Ok(out
                .key_metadata()
                .and_then(|m| m.arn())
                .map(|arn| (a, arn.to_string()))),
            Err(e)
                if e.as_service_error()
                    .is_some_and(|s| s.is_not_found_exception()) =>
            {
                Ok(None)
            }
            Err(e) => Err(AwsError::from_sdk(format!("kms_key {a}"), "DescribeKey", e)),
        }
    });
    let mut out = BTreeMap::new();
    for r in futures::future::join_all(calls).await {
        if let Some((a, arn)) = r? {
            out.insert(a, arn);
        }
    }
    Ok(out)
}
