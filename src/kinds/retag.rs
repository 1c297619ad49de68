//! Setting one tag of one object with each service's own tagging call: the `rdsplan:address`
//! of a `[[moved]]` resource, the `rdsplan:applied` record of a converged one. Which call a
//! kind uses is the registry's (`kinds::set_tag`). Errors name `addr`, the resource's address.

use crate::aws::error::sdk;
use crate::aws::{AwsError, Clients};

pub async fn ec2(
    c: &Clients,
    id: &str,
    addr: &str,
    key: &str,
    value: &str,
) -> Result<(), AwsError> {
    let tag = aws_sdk_ec2::types::Tag::builder()
        .key(key)
        .value(value)
        .build();
    c.ec2
        .create_tags()
        .resources(id)
        .tags(tag)
        .send()
        .await
        .map_err(sdk(addr, "CreateTags"))?;
    Ok(())
}

/// Any RDS object, by its ARN.
pub async fn rds(
    c: &Clients,
    arn: &str,
    addr: &str,
    key: &str,
    value: &str,
) -> Result<(), AwsError> {
    let tag = aws_sdk_rds::types::Tag::builder()
        .key(key)
        .value(value)
        .build();
    c.rds
        .add_tags_to_resource()
        .resource_name(arn)
        .tags(tag)
        .send()
        .await
        .map_err(sdk(addr, "AddTagsToResource"))?;
    Ok(())
}

pub async fn secret(
    c: &Clients,
    id: &str,
    addr: &str,
    key: &str,
    value: &str,
) -> Result<(), AwsError> {
    let tag = aws_sdk_secretsmanager::types::Tag::builder()
        .key(key)
        .value(value)
        .build();
    c.secrets
        .tag_resource()
        .secret_id(id)
        .tags(tag)
        .send()
        .await
        .map_err(sdk(addr, "TagResource"))?;
    Ok(())
}

/// IAM tags roles by name, not by ARN.
pub async fn iam_role(
    c: &Clients,
    name: &str,
    addr: &str,
    key: &str,
    value: &str,
) -> Result<(), AwsError> {
    let tag = aws_sdk_iam::types::Tag::builder()
        .key(key)
        .value(value)
        .build()
        .map_err(|e| AwsError::new(addr, "TagRole", e.to_string()))?;
    c.iam
        .tag_role()
        .role_name(name)
        .tags(tag)
        .send()
        .await
        .map_err(sdk(addr, "TagRole"))?;
    Ok(())
}
