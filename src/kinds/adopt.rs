//! `rdsplan import`: describing one existing resource by its AWS id and tagging it as managed.
//! Nothing but tags is ever changed here.

use crate::aws::error::sdk;
use crate::aws::{AwsError, Clients};
use std::collections::BTreeMap;

pub async fn vpc(
    c: &Clients,
    id: &str,
) -> Result<(aws_sdk_ec2::types::Vpc, Vec<aws_sdk_ec2::types::Subnet>), AwsError> {
    let v = c
        .ec2
        .describe_vpcs()
        .vpc_ids(id)
        .send()
        .await
        .map_err(sdk(id, "DescribeVpcs"))?
        .vpcs()
        .first()
        .cloned()
        .ok_or_else(|| AwsError::new(id, "DescribeVpcs", "no such VPC"))?;
    let subnets = c
        .ec2
        .describe_subnets()
        .filters(
            aws_sdk_ec2::types::Filter::builder()
                .name("vpc-id")
                .values(id)
                .build(),
        )
        .send()
        .await
        .map_err(sdk(id, "DescribeSubnets"))?
        .subnets()
        .to_vec();
    Ok((v, subnets))
}

pub async fn security_group(
    c: &Clients,
    id: &str,
) -> Result<aws_sdk_ec2::types::SecurityGroup, AwsError> {
    c.ec2
        .describe_security_groups()
        .group_ids(id)
        .send()
        .await
        .map_err(sdk(id, "DescribeSecurityGroups"))?
        .security_groups()
        .first()
        .cloned()
        .ok_or_else(|| AwsError::new(id, "DescribeSecurityGroups", "no such security group"))
}

/// A DB subnet group by name (an Aurora cluster reports only its subnet group's name).
pub async fn subnet_group(
    c: &Clients,
    name: &str,
) -> Result<aws_sdk_rds::types::DbSubnetGroup, AwsError> {
    c.rds
        .describe_db_subnet_groups()
        .db_subnet_group_name(name)
        .send()
        .await
        .map_err(sdk(name, "DescribeDBSubnetGroups"))?
        .db_subnet_groups()
        .first()
        .cloned()
        .ok_or_else(|| AwsError::new(name, "DescribeDBSubnetGroups", "no such DB subnet group"))
}

/// Sets tags on EC2 resources (VPC, subnets, groups). Never removes any.
pub async fn tag_ec2(
    c: &Clients,
    id: &str,
    tags: &BTreeMap<String, String>,
) -> Result<(), AwsError> {
    c.ec2
        .create_tags()
        .resources(id)
        .set_tags(Some(
            tags.iter()
                .map(|(k, v)| aws_sdk_ec2::types::Tag::builder().key(k).value(v).build())
                .collect(),
        ))
        .send()
        .await
        .map_err(sdk(id, "CreateTags"))?;
    Ok(())
}

/// Sets tags on an RDS resource (by ARN). Never removes any.
pub async fn tag_rds(
    c: &Clients,
    arn: &str,
    tags: &BTreeMap<String, String>,
) -> Result<(), AwsError> {
    c.rds
        .add_tags_to_resource()
        .resource_name(arn)
        .set_tags(Some(
            tags.iter()
                .map(|(k, v)| aws_sdk_rds::types::Tag::builder().key(k).value(v).build())
                .collect(),
        ))
        .send()
        .await
        .map_err(sdk(arn, "AddTagsToResource"))?;
    Ok(())
}

/// A CloudFormation stack's resources as (logical id, type, physical id), for
/// `import --from-cloudformation` (one DescribeStackResources).
pub async fn stack_resources(
    c: &Clients,
    stack: &str,
) -> Result<Vec<(String, String, String)>, AwsError> {
    let out = c
        .cloudformation
        .describe_stack_resources()
        .stack_name(stack)
        .send()
        .await
        .map_err(sdk(stack, "DescribeStackResources"))?;
    Ok(out
        .stack_resources()
        .iter()
        .map(|r| {
            (
                r.logical_resource_id().unwrap_or_default().to_string(),
                r.resource_type().unwrap_or_default().to_string(),
                r.physical_resource_id().unwrap_or_default().to_string(),
            )
        })
        .collect())
}

/// A custom group a database uses, as `import --all` adopts it.
#[derive(Debug, Clone)]
pub enum GroupFound {
    /// A DB or DB cluster parameter group with its user-set parameters.
    Parameters {
        listed: super::parameter_group::Listed,
        parameters: BTreeMap<String, String>,
        tags: Vec<(String, String)>,
    },
    Options {
        group: aws_sdk_rds::types::OptionGroup,
        tags: Vec<(String, String)>,
    },
}

/// A parameter (DB or cluster) or option group by kind and name, with its tags: one describe,
/// the user-set parameters (parameter groups), one ListTagsForResource. `None` when AWS has
/// no such group.
pub async fn group(
    c: &Clients,
    kind: crate::model::Kind,
    name: &str,
) -> Result<Option<GroupFound>, AwsError> {
    use super::parameter_group::{list_one, user_parameters, values, Flavor};
    let tags = |arn: String| async move { crate::aws::tags::rds_tags(&c.rds, &arn, name).await };
    if kind == crate::model::Kind::OptionGroup {
        let Some(group) = c
            .rds
            .describe_option_groups()
            .option_group_name(name)
            .send()
            .await
            .map_err(sdk(name, "DescribeOptionGroups"))?
            .option_groups_list()
            .first()
            .cloned()
        else {
            return Ok(None);
        };
        let tags = tags(group.option_group_arn().unwrap_or_default().to_string()).await?;
        return Ok(Some(GroupFound::Options { group, tags }));
    }
    let flavor = Flavor::of(kind);
    let Some(listed) = list_one(&c.rds, flavor, name).await? else {
        return Ok(None);
    };
    let (parameters, tags) = futures::future::try_join(
        user_parameters(&c.rds, flavor, name),
        tags(listed.arn.clone()),
    )
    .await?;
    Ok(Some(GroupFound::Parameters {
        listed,
        parameters: values(&parameters),
        tags,
    }))
}

/// The network interfaces that use a security group and are not RDS's own (requester
/// `amazon-rds`): `import --adopt-groups` takes a group only when nothing else uses it.
pub async fn group_users_besides_rds(c: &Clients, group_id: &str) -> Result<Vec<String>, AwsError> {
    let out = c
        .ec2
        .describe_network_interfaces()
        .filters(
            aws_sdk_ec2::types::Filter::builder()
                .name("group-id")
                .values(group_id)
                .build(),
        )
        .send()
        .await
        .map_err(sdk(group_id, "DescribeNetworkInterfaces"))?;
    Ok(out
        .network_interfaces()
        .iter()
        .filter(|n| n.requester_id() != Some("amazon-rds"))
        .map(|n| {
            format!(
                "{} ({})",
                n.network_interface_id().unwrap_or_default(),
                n.description().unwrap_or_default()
            )
        })
        .collect())
}

/// Removes rdsplan's ownership tags (only those: what makes a resource managed) from EC2
/// resources, undoing an adoption that could not finish.
pub async fn untag_ec2(c: &Clients, id: &str) -> Result<(), AwsError> {
    let mut call = c.ec2.delete_tags().resources(id);
    for k in crate::model::OWNERSHIP_TAGS {
        call = call.tags(aws_sdk_ec2::types::Tag::builder().key(k).build());
    }
    call.send().await.map_err(sdk(id, "DeleteTags"))?;
    Ok(())
}

/// Removes rdsplan's ownership tags from an RDS resource (by ARN).
pub async fn untag_rds(c: &Clients, arn: &str) -> Result<(), AwsError> {
    c.rds
        .remove_tags_from_resource()
        .resource_name(arn)
        .set_tag_keys(Some(
            crate::model::OWNERSHIP_TAGS
                .iter()
                .map(|k| k.to_string())
                .collect(),
        ))
        .send()
        .await
        .map_err(sdk(arn, "RemoveTagsFromResource"))?;
    Ok(())
}
