//! What the region holds of the kinds RDS lists without a tag filter (instances, clusters, DB
//! subnet groups, instance events), read once per run and shared by the environments a drift
//! run reads, and the environments AWS holds by their tags.

use super::error::sdk;
use super::tags::{ec2_pairs, rds_pairs, tag};
use super::{AwsError, Clients};
use crate::model::TAG_ENV;

/// What the account holds of the kinds RDS lists without a tag filter, read once per run (and
/// shared by the environments a drift run reads).
#[derive(Debug, Clone, Default)]
pub struct AccountReads {
    pub instances: Vec<aws_sdk_rds::types::DbInstance>,
    pub clusters: Vec<aws_sdk_rds::types::DbCluster>,
    pub subnet_groups: Vec<aws_sdk_rds::types::DbSubnetGroup>,
    /// Instance events of the last six hours (storage change cooldowns), the region's; `None`
    /// from a read by tag, which reads them only for the instances whose storage the files
    /// change.
    pub events: Option<Vec<aws_sdk_rds::types::Event>>,
    /// Whether `instances` and `clusters` are the region's (else the environment's, found by
    /// tag, and the identifiers its files want).
    pub whole_region: bool,
}

/// The environments AWS holds in this region, by their `rdsplan:environment` tag: on the
/// region's RDS instances and clusters and on VPCs (one DescribeVpcs filtered by the tag key,
/// which the environments' reads of the run share).
pub async fn environments(
    c: &Clients,
    shared: &super::shared::RegionReads,
) -> Result<std::collections::BTreeSet<String>, AwsError> {
    let region = shared_region(c, shared).await?;
    let every = super::paging::filtered_items!(
        c,
        describe_vpcs,
        super::paging::any_env_filter();
        "vpcs",
        "DescribeVpcs"
    );
    let vpcs: Vec<aws_sdk_ec2::types::Vpc> = shared.once("ec2:DescribeVpcs", every).await?;
    let mut out = std::collections::BTreeSet::new();
    let mut add = |tags: Vec<(String, String)>| {
        if let Some(e) = tag(&tags, TAG_ENV) {
            out.insert(e.to_string());
        }
    };
    for v in &vpcs {
        add(ec2_pairs(v.tags()));
    }
    for i in &region.instances {
        add(rds_pairs(i.tag_list()));
    }
    for cl in &region.clusters {
        add(rds_pairs(cl.tag_list()));
    }
    Ok(out)
}

/// The region's lists with its instance events, read once per run that shares its region's
/// reads (the key `rds:region`).
pub async fn shared_region(
    c: &Clients,
    shared: &super::shared::RegionReads,
) -> Result<std::sync::Arc<AccountReads>, AwsError> {
    shared
        .once("rds:region", async {
            account(c, true).await.map(std::sync::Arc::new)
        })
        .await
}

/// The region's lists: one paginated call per kind, all at once; with the region's instance
/// events of the last six hours if asked (drift shares them across environments).
pub async fn account(c: &Clients, with_events: bool) -> Result<AccountReads, AwsError> {
    let instances = async {
        c.rds
            .describe_db_instances()
            .into_paginator()
            .items()
            .send()
            .try_collect()
            .await
            .map_err(sdk("db instances", "DescribeDBInstances"))
    };
    let clusters = async {
        c.rds
            .describe_db_clusters()
            .into_paginator()
            .items()
            .send()
            .try_collect()
            .await
            .map_err(sdk("db clusters", "DescribeDBClusters"))
    };
    let region_events = async {
        match with_events {
            true => events(c, None).await.map(Some),
            false => Ok(None),
        }
    };
    let (instances, clusters, subnet_groups, events) =
        tokio::try_join!(instances, clusters, subnet_groups(c), region_events)?;
    Ok(AccountReads {
        instances,
        clusters,
        subnet_groups,
        events,
        whole_region: true,
    })
}

/// The region's DB subnet groups: DescribeDBSubnetGroups has no filter, and an account holds
/// few.
pub(crate) async fn subnet_groups(
    c: &Clients,
) -> Result<Vec<aws_sdk_rds::types::DbSubnetGroup>, AwsError> {
    c.rds
        .describe_db_subnet_groups()
        .into_paginator()
        .items()
        .send()
        .try_collect()
        .await
        .map_err(sdk("db subnet groups", "DescribeDBSubnetGroups"))
}

/// Instance events of the last six hours (AWS lets no storage change follow another within
/// them): of one instance, or of every instance of the region.
pub(crate) async fn events(
    c: &Clients,
    instance: Option<&str>,
) -> Result<Vec<aws_sdk_rds::types::Event>, AwsError> {
    c.rds
        .describe_events()
        .source_type(aws_sdk_rds::types::SourceType::DbInstance)
        .set_source_identifier(instance.map(str::to_string))
        .duration(360)
        .into_paginator()
        .items()
        .send()
        .try_collect()
        .await
        .map_err(sdk(
            instance.unwrap_or("db instance events"),
            "DescribeEvents",
        ))
}
