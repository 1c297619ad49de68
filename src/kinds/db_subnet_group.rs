//! DB subnet groups: one per VPC the environment's databases use, named after the
//! environment and the VPC. DescribeDBSubnetGroups returns no tags, so a create first looks
//! for the name: a re-run after a crash modifies what the crashed run made.

use super::step::StepContext;
use super::step::Upsert;
use crate::aws::error::sdk;
use crate::aws::AwsError;
use crate::kinds::db::instance::{create_tags, set_tags};
use crate::model::Resource;
use aws_sdk_rds::Client;

pub async fn apply_step(s: &Upsert<'_>) -> Result<Option<String>, AwsError> {
    let subnets = s.ctx.ids_of(s.d.list("subnets"))?;
    let rds = &s.ctx.clients.rds;
    ensure_subnet_group(rds, s.env(), s.d, subnets).await?;
    if let (Some(old), Some(arn)) = (&s.old_tags, &s.live_id) {
        set_tags(rds, s.addr(), arn, old, &s.tags).await?;
    }
    Ok(s.created(&s.d.name))
}

pub async fn delete_step(ctx: &StepContext, l: &Resource) -> Result<(), AwsError> {
    delete_subnet_group(&ctx.clients.rds, l.address.as_str(), &l.name).await
}

pub async fn ensure_subnet_group(
    c: &Client,
    env: &str,
    d: &Resource,
    subnet_ids: Vec<String>,
) -> Result<(), AwsError> {
    let addr = d.address.as_str();
    let existing = c
        .describe_db_subnet_groups()
        .db_subnet_group_name(&d.name)
        .send()
        .await;
    let exists = match existing {
        Ok(o) => !o.db_subnet_groups().is_empty(),
        Err(e) => {
            let e = e.into_service_error();
            if e.is_db_subnet_group_not_found_fault() {
                false
            } else {
                return Err(AwsError::from_sdk(addr, "DescribeDBSubnetGroups", e));
            }
        }
    };
    let description = d.str("description").unwrap_or("rdsplan");
    if exists {
        c.modify_db_subnet_group()
            .db_subnet_group_name(&d.name)
            .db_subnet_group_description(description)
            .set_subnet_ids(Some(subnet_ids))
            .send()
            .await
            .map_err(sdk(addr, "ModifyDBSubnetGroup"))?;
    } else {
        c.create_db_subnet_group()
            .db_subnet_group_name(&d.name)
            .db_subnet_group_description(description)
            .set_subnet_ids(Some(subnet_ids))
            .set_tags(Some(create_tags(env, d)))
            .send()
            .await
            .map_err(sdk(addr, "CreateDBSubnetGroup"))?;
    }
    Ok(())
}

pub async fn delete_subnet_group(c: &Client, address: &str, name: &str) -> Result<(), AwsError> {
    match c
        .delete_db_subnet_group()
        .db_subnet_group_name(name)
        .send()
        .await
    {
        Ok(_) => Ok(()),
        Err(e) => {
            let e = e.into_service_error();
            if e.is_db_subnet_group_not_found_fault() {
                Ok(())
            } else {
                Err(AwsError::from_sdk(address, "DeleteDBSubnetGroup", e))
            }
        }
    }
}
