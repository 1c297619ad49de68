//! Reading the existing resources the files name by id (infrastructure rdsplan does not own):
//! one filtered describe per EC2 kind for all ids at once, one DescribeDBSubnetGroups per named
//! group and one GetRole per role ARN. Never changes anything. An id AWS does not report is
//! simply absent from the result, and the plan-time checks name it.

use crate::aws::paging::filtered_items;
use crate::aws::{AwsError, Clients};
use crate::model::External;
use aws_sdk_ec2::types::Filter;

/// The ids the files name.
#[derive(Debug, Default, Clone)]
pub struct ExternalIds {
    pub vpcs: Vec<String>,
    pub subnets: Vec<String>,
    pub security_groups: Vec<String>,
    pub db_subnet_groups: Vec<String>,
    pub roles: Vec<String>,
}

fn filter(name: &str, values: &[String]) -> Filter {
    Filter::builder()
        .name(name)
        .set_values(Some(values.to_vec()))
        .build()
}

pub async fn read(c: &Clients, ids: &ExternalIds) -> Result<External, AwsError> {
    // Filters, not ids: an id that does not exist is left out instead of failing the call.
    let vpcs = async {
        if ids.vpcs.is_empty() {
            return Ok(vec![]);
        }
        filtered_items!(
            c,
            describe_vpcs,
            filter("vpc-id", &ids.vpcs);
            "vpcs named by id",
            "DescribeVpcs"
        )
        .await
    };
    let subnets = async {
        if ids.subnets.is_empty() {
            return Ok(vec![]);
        }
        filtered_items!(
            c,
            describe_subnets,
            filter("subnet-id", &ids.subnets);
            "subnets named by id",
            "DescribeSubnets"
        )
        .await
    };
    let groups = async {
        if ids.security_groups.is_empty() {
            return Ok(vec![]);
        }
        filtered_items!(
            c,
            describe_security_groups,
            filter("group-id", &ids.security_groups);
            "security groups named by id",
            "DescribeSecurityGroups"
        )
        .await
    };
    let subnet_groups =
        futures::future::try_join_all(ids.db_subnet_groups.iter().map(|name| async move {
            match c
                .rds
                .describe_db_subnet_groups()
                .db_subnet_group_name(name)
                .send()
                .await
            {
                Ok(out) => Ok(out.db_subnet_groups().first().map(|g| {
                    (
                        name.clone(),
                        (
                            g.vpc_id().unwrap_or_default().to_string(),
                            g.subnets()
                                .iter()
                                .filter_map(|s| s.subnet_identifier())
                                .map(str::to_string)
                                .collect::<Vec<_>>(),
                        ),
                    )
                })),
                Err(e) => {
                    let e = AwsError::from_sdk(
                        name.as_str(),
                        "DescribeDBSubnetGroups",
                        e.into_service_error(),
                    );
                    if e.is_code(&["DBSubnetGroupNotFoundFault"]) {
                        Ok(None)
                    } else {
                        Err(e)
                    }
                }
            }
        }));
    let roles = futures::future::try_join_all(ids.roles.iter().map(|arn| async move {
        let name = arn.rsplit('/').next().unwrap_or_default();
        match c.iam.get_role().role_name(name).send().await {
            Ok(_) => Ok(Some(arn.clone())),
            Err(e) => {
                let e = AwsError::from_sdk(arn.as_str(), "GetRole", e.into_service_error());
                if e.is_code(&["NoSuchEntity"]) {
                    Ok(None)
                } else {
                    Err(e)
                }
            }
        }
    }));
    let (vpcs, subnets, groups, subnet_groups, roles) =
        tokio::try_join!(vpcs, subnets, groups, subnet_groups, roles)?;
    Ok(External {
        vpcs: vpcs
            .iter()
            .filter_map(|v| {
                Some((
                    v.vpc_id()?.to_string(),
                    v.cidr_block().unwrap_or_default().to_string(),
                ))
            })
            .collect(),
        subnets: subnets
            .iter()
            .filter_map(|s| {
                Some((
                    s.subnet_id()?.to_string(),
                    (
                        s.vpc_id().unwrap_or_default().to_string(),
                        s.availability_zone().unwrap_or_default().to_string(),
                    ),
                ))
            })
            .collect(),
        security_groups: groups
            .iter()
            .filter_map(|g| {
                Some((
                    g.group_id()?.to_string(),
                    (
                        g.vpc_id().unwrap_or_default().to_string(),
                        g.group_name().unwrap_or_default().to_string(),
                    ),
                ))
            })
            .collect(),
        db_subnet_groups: subnet_groups.into_iter().flatten().collect(),
        roles: roles.into_iter().flatten().collect(),
    })
}
