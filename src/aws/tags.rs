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

/// `(kind, identifier)` of an RDS ARN (`db`, `cluster`, `pg`, `og`, `subgrp`, ...) (`arn:PARTITION:rds:REGION:ACCOUNT:db:ID`).
pub fn arn_kind_and_id(arn: &str) -> Option<(&str, &str)> {
    let mut parts = arn.splitn(7, ':');
    let (service, kind, id) = (parts.nth(2)?, parts.nth(2)?, parts.next()?);
    (service == "rds").then_some((kind, id))
}

/// The tagging API's resource types of what rdsplan makes in RDS: one GetResources for all of
/// them serves the databases' reader, the groups' readers and the subnet groups' tags.
pub const RDS_TAGGED_TYPES: [&str; 6] = [
    "rds:db",
    "rds:cluster",
    "rds:pg",
    "rds:cluster-pg",
    "rds:og",
    "rds:subgrp",
];

/// The environment's RDS resources as the tagging API lists them: (ARN, tags).
pub type Tagged = std::sync::Arc<Vec<(String, Vec<(String, String)>)>>;

/// [`Tagged`] read once per read of an environment (its readers share it), on first need.
#[derive(Default)]
pub struct TaggedOnce(tokio::sync::OnceCell<Result<Tagged, super::AwsError>>);

impl TaggedOnce {
    pub async fn get(
        &self,
        tagging: &aws_sdk_resourcegroupstagging::Client,
        env: &str,
    ) -> Result<Tagged, super::AwsError> {
        self.0
            .get_or_init(|| async {
                tagged(tagging, env, &RDS_TAGGED_TYPES)
                    .await
                    .map(std::sync::Arc::new)
            })
            .await
            .clone()
    }
}

/// The ARNs of `tagged` of these kinds (`db`, `pg`, `cluster-pg`, `og`, `subgrp`, ...: an RDS
/// ARN's resource part).
pub fn arns_of<'a>(tagged: &'a Tagged, kinds: &'a [&str]) -> impl Iterator<Item = &'a str> + 'a {
    tagged
        .iter()
        .map(|(a, _)| a.as_str())
        .filter(move |a| arn_kind_and_id(a).is_some_and(|(k, _)| kinds.contains(&k)))
}

/// The tags of `arn` as the tagging API listed them, else from ListTagsForResource (the
/// tagging API is eventually consistent, and some endpoints list fewer kinds).
pub async fn rds_tags_of(
    tagged: &Tagged,
    rds: &aws_sdk_rds::Client,
    arn: &str,
    name: &str,
) -> Result<Vec<(String, String)>, super::AwsError> {
    match tagged.iter().find(|(a, _)| a == arn) {
        Some((_, tags)) => Ok(tags.clone()),
        None => rds_tags(rds, arn, name).await,
    }
}

/// The environment's resources of these tagging-API resource types (`rds:db`, `rds:pg`, …),
/// with their tags: one paginated tag:GetResources filtered by the environment's tag, with the
/// largest pages the API allows (100 resources, 500 tags: the default 100 tags fit about 33
/// resources of three ownership tags, fewer with the users' tags).
pub async fn tagged(
    tagging: &aws_sdk_resourcegroupstagging::Client,
    env: &str,
    types: &[&str],
) -> Result<Vec<(String, Vec<(String, String)>)>, super::AwsError> {
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
            "the environment's RDS resources",
            "GetResources",
        ))?;
    Ok(items
        .iter()
        .filter_map(|m| {
            let tags = m
                .tags()
                .iter()
                .map(|t| (t.key().to_string(), t.value().to_string()))
                .collect();
            m.resource_arn().map(|a| (a.to_string(), tags))
        })
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arns_name_their_kind_and_identifier() {
        assert_eq!(
            arn_kind_and_id("arn:aws:rds:eu-west-1:123456789012:db:prod-orders"),
            Some(("db", "prod-orders"))
        );
        assert_eq!(
            arn_kind_and_id("arn:aws-cn:rds:cn-north-1:1:cluster:c1"),
            Some(("cluster", "c1"))
        );
        assert_eq!(arn_kind_and_id("arn:aws:ec2:eu-west-1:1:vpc/vpc-1"), None);
        assert_eq!(arn_kind_and_id("nonsense"), None);
    }
}
