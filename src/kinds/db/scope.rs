//! How a read finds the environment's RDS instances and clusters. RDS lists have no tag filter,
//! so there are two ways, and both give an [`AccountReads`]:
//! - the region's whole lists: one paginated call per kind, whose cost grows with the account
//!   (what drift shares across environments, and what `import` needs to find untagged
//!   databases);
//! - by tag: the Resource Groups Tagging API lists the ARNs that carry the environment's tag
//!   (one paginated GetResources), while DescribeDBInstances/DescribeDBClusters filtered by
//!   identifier read the identifiers the files want (to see one someone else holds), 100 per
//!   call, all at once; then the tagged ones not yet read, and every member of the clusters
//!   found. The cost grows with the environment, not the account.

use crate::aws::account::AccountReads;
use crate::aws::error::sdk;
use crate::aws::{AwsError, Clients};
use aws_sdk_rds::types::{DbCluster, DbInstance, Filter};
use std::collections::BTreeSet;
use std::sync::Arc;

/// Where a read takes the environment's RDS instances and clusters from.
#[derive(Debug, Clone)]
pub enum RdsScope {
    /// The region's lists (with the region's instance events), read once by the first of the
    /// run's environments to need them and shared with the others (drift), as are the other
    /// region-wide reads (`aws::shared`).
    Shared(Arc<crate::aws::shared::RegionReads>),
    /// Read the region's lists (without the region's events: the reader reads those of the
    /// instances whose storage the files change).
    Region,
    /// Find the environment's databases by tag and read those, plus the identifiers the files
    /// want.
    Tagged(Identifiers),
}

/// The AWS identifiers the files want: instances (replicas and cluster members included) and
/// clusters.
#[derive(Debug, Clone, Default)]
pub struct Identifiers {
    pub instances: Vec<String>,
    pub clusters: Vec<String>,
}

/// Up to this many wanted instances the read goes by tag. Beyond it the environment is most
/// likely most of its region, where the region's list (one call per 100 instances) costs
/// fewer calls than the tags plus the describes (two per 100).
pub const TAGGED_UP_TO: usize = 100;

impl RdsScope {
    /// The run's shared region-wide reads, when it shares them.
    pub fn shared(&self) -> Option<&crate::aws::shared::RegionReads> {
        match self {
            RdsScope::Shared(s) => Some(s),
            _ => None,
        }
    }

    /// By tag for an environment of up to [`TAGGED_UP_TO`] instances, else the region's lists.
    pub fn for_environment(ids: Identifiers) -> RdsScope {
        if ids.instances.len() > TAGGED_UP_TO {
            RdsScope::Region
        } else {
            RdsScope::Tagged(ids)
        }
    }
}

/// The RDS filter's values per call; each call is paginated as well.
const IDS_PER_CALL: usize = 100;

/// Instances whose value of `filter` (`db-instance-id` or `db-cluster-id`) is one of `ids`:
/// one paginated call per 100 ids, all at once.
pub(super) async fn instances_where(
    c: &Clients,
    filter: &str,
    ids: &[String],
) -> Result<Vec<DbInstance>, AwsError> {
    let calls = ids.chunks(IDS_PER_CALL).map(|chunk| {
        c.rds
            .describe_db_instances()
            .filters(
                Filter::builder()
                    .name(filter)
                    .set_values(Some(chunk.to_vec()))
                    .build(),
            )
            .into_paginator()
            .items()
            .send()
            .try_collect()
    });
    let pages = futures::future::try_join_all(calls)
        .await
        .map_err(sdk("db instances", "DescribeDBInstances"))?;
    Ok(pages.into_iter().flatten().collect())
}

/// Clusters whose identifier is one of `ids`: one paginated call per 100, all at once.
pub(super) async fn clusters_named(
    c: &Clients,
    ids: &[String],
) -> Result<Vec<DbCluster>, AwsError> {
    let calls = ids.chunks(IDS_PER_CALL).map(|chunk| {
        c.rds
            .describe_db_clusters()
            .filters(
                Filter::builder()
                    .name("db-cluster-id")
                    .set_values(Some(chunk.to_vec()))
                    .build(),
            )
            .into_paginator()
            .items()
            .send()
            .try_collect()
    });
    let pages = futures::future::try_join_all(calls)
        .await
        .map_err(sdk("db clusters", "DescribeDBClusters"))?;
    Ok(pages.into_iter().flatten().collect())
}

/// `("db" | "cluster", identifier)` of an RDS ARN (`arn:PARTITION:rds:REGION:ACCOUNT:db:ID`).
pub fn arn_kind_and_id(arn: &str) -> Option<(&str, &str)> {
    let mut parts = arn.splitn(7, ':');
    let (service, kind, id) = (parts.nth(2)?, parts.nth(2)?, parts.next()?);
    (service == "rds").then_some((kind, id))
}

/// What is not in `have` (by name), once each.
fn missing<'a>(wanted: impl IntoIterator<Item = &'a str>, have: &BTreeSet<&str>) -> Vec<String> {
    let set: BTreeSet<&str> = wanted.into_iter().filter(|w| !have.contains(w)).collect();
    set.into_iter().map(str::to_string).collect()
}

/// The environment's databases by tag (see the module's comment). The subnet groups are left
/// to the reader, which reads them (the region's, few) beside this and their tags as soon as
/// they are back; events too, which it needs of few instances.
pub async fn tagged(
    c: &Clients,
    by_tag: &crate::aws::tags::TaggedOnce,
    env: &str,
    want: &Identifiers,
) -> Result<AccountReads, AwsError> {
    // The members of the clusters the files want are read in the first round too.
    let (tagged, mut instances, mut clusters, wanted_members) = tokio::try_join!(
        by_tag.get(&c.tagging, env),
        instances_where(c, "db-instance-id", &want.instances),
        clusters_named(c, &want.clusters),
        instances_where(c, "db-cluster-id", &want.clusters),
    )?;
    instances.extend(wanted_members);
    let (more_instances, more_clusters, members) = {
        let have_i: BTreeSet<&str> = instances
            .iter()
            .filter_map(|i| i.db_instance_identifier())
            .collect();
        let have_c: BTreeSet<&str> = clusters
            .iter()
            .filter_map(|c| c.db_cluster_identifier())
            .collect();
        let parsed: Vec<(&str, &str)> = crate::aws::tags::arns_of(&tagged, &["db", "cluster"])
            .filter_map(arn_kind_and_id)
            .collect();
        let kind_ids = |k: &'static str| parsed.iter().filter(move |p| p.0 == k).map(|p| p.1);
        let more_i = missing(kind_ids("db"), &have_i);
        let more_c = missing(kind_ids("cluster"), &have_c);
        // Every member of every cluster read, tagged or not: a cluster lists its members. Those
        // of the wanted clusters are read already.
        tokio::try_join!(
            instances_where(c, "db-instance-id", &more_i),
            clusters_named(c, &more_c),
            instances_where(c, "db-cluster-id", &more_c),
        )?
    };
    instances.extend(more_instances);
    instances.extend(members);
    clusters.extend(more_clusters);
    let mut seen = BTreeSet::new();
    instances.retain(|i| seen.insert(i.db_instance_arn().unwrap_or_default().to_string()));
    let mut seen = BTreeSet::new();
    clusters.retain(|c| seen.insert(c.db_cluster_arn().unwrap_or_default().to_string()));
    Ok(AccountReads {
        instances,
        clusters,
        subnet_groups: vec![],
        events: None,
        whole_region: false,
    })
}

/// Adds to a by-tag read the databases that generated secrets record (`recorded`: instance and
/// cluster identifiers) and the read did not find. tag:GetResources is eventually consistent and
/// may omit a database; a database it missed would otherwise be planned as gone (its secret
/// deleted) or made a second time. One describe per kind, only when something is missing.
pub async fn add_recorded(
    c: &Clients,
    reads: &AccountReads,
    recorded: &Identifiers,
) -> Result<Option<AccountReads>, AwsError> {
    if reads.whole_region {
        return Ok(None);
    }
    let have_i: BTreeSet<&str> = reads
        .instances
        .iter()
        .filter_map(|i| i.db_instance_identifier())
        .collect();
    let have_c: BTreeSet<&str> = reads
        .clusters
        .iter()
        .filter_map(|c| c.db_cluster_identifier())
        .collect();
    let more_i = missing(recorded.instances.iter().map(String::as_str), &have_i);
    let more_c = missing(recorded.clusters.iter().map(String::as_str), &have_c);
    if more_i.is_empty() && more_c.is_empty() {
        return Ok(None);
    }
    let (instances, clusters) = tokio::try_join!(
        instances_where(c, "db-instance-id", &more_i),
        clusters_named(c, &more_c),
    )?;
    let found: Vec<String> = clusters
        .iter()
        .filter_map(|c| c.db_cluster_identifier().map(str::to_string))
        .collect();
    let members = instances_where(c, "db-cluster-id", &found).await?;
    let mut out = reads.clone();
    let mut seen: BTreeSet<String> = out
        .instances
        .iter()
        .filter_map(|i| i.db_instance_arn().map(str::to_string))
        .collect();
    for i in instances.into_iter().chain(members) {
        if seen.insert(i.db_instance_arn().unwrap_or_default().to_string()) {
            out.instances.push(i);
        }
    }
    out.clusters.extend(clusters);
    Ok(Some(out))
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

    #[test]
    fn large_environments_read_the_region() {
        let ids = |n: usize| Identifiers {
            instances: (0..n).map(|i| format!("db{i}")).collect(),
            clusters: vec![],
        };
        assert!(matches!(
            RdsScope::for_environment(ids(100)),
            RdsScope::Tagged(_)
        ));
        assert!(matches!(
            RdsScope::for_environment(ids(101)),
            RdsScope::Region
        ));
    }
}
