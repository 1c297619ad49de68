//! Moving a resource to a new address (`[[moved]]`): its `rdsplan:address` tag is set to the
//! new address, one call per resource, before anything else touches it, so that an interrupted
//! apply finds it at the new address on the next run. The other ownership tags stay.

use crate::aws::error::sdk;
use crate::aws::{AwsError, Clients};
use crate::model::{Address, Kind, Resource, TAG_ADDRESS};

pub async fn set_address(c: &Clients, live: &Resource, to: &Address) -> Result<(), AwsError> {
    let addr = to.as_str();
    let id = live
        .id
        .as_deref()
        .ok_or_else(|| AwsError::new(addr, "retag", "the live resource has no id"))?;
    match live.kind {
        Kind::Vpc
        | Kind::Subnet
        | Kind::InternetGateway
        | Kind::RouteTable
        | Kind::SecurityGroup => {
            let tag = aws_sdk_ec2::types::Tag::builder()
                .key(TAG_ADDRESS)
                .value(addr)
                .build();
            c.ec2
                .create_tags()
                .resources(id)
                .tags(tag)
                .send()
                .await
                .map_err(sdk(addr, "CreateTags"))?;
        }
        Kind::DbSubnetGroup
        | Kind::ParameterGroup
        | Kind::ClusterParameterGroup
        | Kind::OptionGroup
        | Kind::Instance
        | Kind::Replica
        | Kind::Cluster
        | Kind::ClusterInstance => {
            let tag = aws_sdk_rds::types::Tag::builder()
                .key(TAG_ADDRESS)
                .value(addr)
                .build();
            c.rds
                .add_tags_to_resource()
                .resource_name(id)
                .tags(tag)
                .send()
                .await
                .map_err(sdk(addr, "AddTagsToResource"))?;
        }
        Kind::Secret => {
            let tag = aws_sdk_secretsmanager::types::Tag::builder()
                .key(TAG_ADDRESS)
                .value(addr)
                .build();
            c.secrets
                .tag_resource()
                .secret_id(id)
                .tags(tag)
                .send()
                .await
                .map_err(sdk(addr, "TagResource"))?;
        }
        Kind::IamRole => {
            let tag = aws_sdk_iam::types::Tag::builder()
                .key(TAG_ADDRESS)
                .value(addr)
                .build()
                .map_err(|e| AwsError::new(addr, "TagRole", e.to_string()))?;
            c.iam
                .tag_role()
                .role_name(&live.name)
                .tags(tag)
                .send()
                .await
                .map_err(sdk(addr, "TagRole"))?;
        }
    }
    Ok(())
}
