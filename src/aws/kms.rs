//! KMS keys named by alias, resolved to their key ARNs so that the planner compares keys, not
//! spellings. One DescribeKey per distinct alias per run (read permission: kms:DescribeKey).

use std::collections::{BTreeMap, BTreeSet};

/// Resolves every alias (`alias/NAME` or an alias ARN) to its key ARN. An alias that cannot be
/// resolved (no such alias, or no permission) is left out: the planner then refuses, naming it,
/// rather than guessing.
pub async fn resolve_aliases(
    c: &aws_sdk_kms::Client,
    aliases: BTreeSet<String>,
) -> BTreeMap<String, String> {
    let calls = aliases.into_iter().map(|a| async move {
        let out = c.describe_key().key_id(&a).send().await.ok()?;
        let arn = out.key_metadata()?.arn()?.to_string();
        Some((a, arn))
    });
    futures::future::join_all(calls)
        .await
        .into_iter()
        .flatten()
        .collect()
}
