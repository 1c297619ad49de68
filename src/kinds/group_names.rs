//! Which parameter and option groups outside the environment's name prefix are its own: groups
//! adopted under the names they had (`identifier`). The describe calls list every group of the
//! region without tags, so a reader keeps only candidates: the prefixed names, the identifiers
//! the files give, and the names the tagging API finds under the environment's tag (so that a
//! group whose `identifier` left the files is still read, replaced and deleted, never
//! forgotten in AWS).

use crate::aws::error::sdk;
use crate::aws::{AwsError, Clients};
use std::collections::BTreeSet;

/// The tagging API's resource types: `rds:pg`, `rds:cluster-pg`, `rds:og`.
pub async fn apart(
    c: &Clients,
    env: &str,
    types: &[&str],
    from_files: &[String],
) -> Result<BTreeSet<String>, AwsError> {
    let items: Vec<_> = c
        .tagging
        .get_resources()
        .tag_filters(
            aws_sdk_resourcegroupstagging::types::TagFilter::builder()
                .key(crate::model::TAG_ENV)
                .values(env)
                .build(),
        )
        .set_resource_type_filters(Some(types.iter().map(|t| t.to_string()).collect()))
        .into_paginator()
        .items()
        .send()
        .try_collect()
        .await
        .map_err(sdk("the environment's groups", "GetResources"))?;
    let mut names: BTreeSet<String> = from_files.iter().cloned().collect();
    names.extend(
        items
            .iter()
            .filter_map(|m| m.resource_arn())
            .filter_map(super::db::scope::arn_kind_and_id)
            .map(|(_, name)| name.to_string()),
    );
    Ok(names)
}
