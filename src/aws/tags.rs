//! Tags as rdsplan reads them: the SDKs' tag types as (key, value) pairs, and ownership (a
//! resource is the environment's when it carries the environment's tag and an address).

use crate::model::{Address, Value, TAG_ADDRESS, TAG_ENV};

/// EC2 tags as (key, value) pairs.
pub fn ec2_pairs(tags: &[aws_sdk_ec2::types::Tag]) -> Vec<(String, String)> {
    tags.iter()
        .map(|t| {
            (
                t.key().unwrap_or_default().to_string(),
                t.value().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

/// RDS tags as (key, value) pairs (the reverse of `rds::tag_list`).
pub fn rds_pairs(tags: &[aws_sdk_rds::types::Tag]) -> Vec<(String, String)> {
    tags.iter()
        .map(|t| {
            (
                t.key().unwrap_or_default().to_string(),
                t.value().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

pub fn tag<'a>(tags: &'a [(String, String)], key: &str) -> Option<&'a str> {
    tags.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
}

/// Ours when tagged for this environment and with an address.
pub(crate) fn owned(tags: &[(String, String)], env: &str) -> Option<Address> {
    (tag(tags, TAG_ENV) == Some(env))
        .then(|| tag(tags, TAG_ADDRESS).map(|a| Address(a.to_string())))
        .flatten()
}

/// The user's tags (rdsplan's own and AWS's left out) as a resource's `tags` attribute.
pub fn tags_value(tags: Vec<(String, String)>) -> Value {
    Value::Map(super::user_tags(tags))
}

/// How a DB subnet group's name is looked up among the AWS names of owned resources: DB
/// instance, cluster and subnet group names can be the same string (an instance `main` and the
/// subnet group of VPC `main` are both `<env>-main`), so the subnet group's is kept apart.
pub const SUBNET_GROUP_KEY: &str = "db-subnet-group:";

/// The lookup key of a DB subnet group's name.
pub fn subnet_group_key(name: &str) -> String {
    format!("{SUBNET_GROUP_KEY}{name}")
}

/// The ARNs of the environment's resources of these tagging-API resource types (`rds:db`,
/// `rds:pg`, …): one paginated tag:GetResources filtered by the environment's tag, with the
/// largest pages the API allows (100 resources, 500 tags: the default 100 tags fit about 33
/// resources of three ownership tags, fewer with the users' tags).
pub async fn tagged_arns(
    tagging: &aws_sdk_resourcegroupstagging::Client,
    env: &str,
    types: &[&str],
) -> Result<Vec<String>, super::AwsError> {
    let items: Vec<_> = tagging
        .get_resources()
        .tag_filters(
            aws_sdk_resourcegroupstagging::types::TagFilter::builder()
                .key(TAG_ENV)
                .values(env)
                .build(),
        )
        .set_resource_type_filters(Some(types.iter().map(|t| t.to_string()).collect()))
        .resources_per_page(100)
        .tags_per_page(500)
        .into_paginator()
        .items()
        .send()
        .try_collect()
        .await
        .map_err(super::error::sdk(
            &format!("the environment's {}", types.join(", ")),
            "GetResources",
        ))?;
    Ok(items
        .iter()
        .filter_map(|m| m.resource_arn().map(str::to_string))
        .collect())
}

/// An RDS resource's tags (one ListTagsForResource by ARN), as pairs; errors name `name`.
pub async fn rds_tags(
    rds: &aws_sdk_rds::Client,
    arn: &str,
    name: &str,
) -> Result<Vec<(String, String)>, super::AwsError> {
    let out = rds
        .list_tags_for_resource()
        .resource_name(arn)
        .send()
        .await
        .map_err(super::error::sdk(name, "ListTagsForResource"))?;
    Ok(rds_pairs(out.tag_list()))
}
