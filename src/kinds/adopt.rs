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
