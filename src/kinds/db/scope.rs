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
    /// By tag or the region's lists, whichever costs fewer round trips for the region's size
    /// (asked first): an environment large enough, and its resources carrying tags enough, that
    /// the region's read may be the faster.
    ByCost(Identifiers),
}

/// The AWS identifiers the files want: instances (replicas and cluster members included) and
/// clusters; and what the cost of a read by tag depends on.
#[derive(Debug, Clone, Default)]
pub struct Identifiers {
    pub instances: Vec<String>,
    pub clusters: Vec<String>,
    /// The RDS resources the environment tags (databases, groups, subnet groups), which the
    /// tagging API lists, and the most tags one carries (rdsplan's four and the user's).
    pub tagged: usize,
    pub tags_each: usize,
}

/// What a read costs in round trips one after another (each a call's latency), the measure
/// that decides between the two reads:
/// - by tag: the tagging API's pages (100 resources or 500 tags a page, whichever fills
///   first); the describes by identifier (100 a call) go out at once beside the first page;
/// - the region's: its DescribeDBInstances pages (100 instances a page).
///
/// The region holds at least the environment, so its read takes at least as many pages as
/// the environment fills. When the by-tag read needs no more than that and one more, it is
/// never the slower (and in a crowded region far faster): it is chosen without asking. Only an
/// environment whose resources carry many tags (fewer a page) can be faster read whole, and
/// only in a region it nearly fills; then the region's size decides (one call).
impl Identifiers {
    pub fn tag_pages(&self) -> usize {
        let per_page = (500 / (self.tags_each.max(1))).clamp(1, 100);
        self.tagged
            .max(self.instances.len())
            .div_ceil(per_page)
            .max(1)
    }

    /// The fewest pages the region's read could take: the environment's own instances.
    pub fn region_pages_at_least(&self) -> usize {
        self.instances.len().div_ceil(100).max(1)
    }
}

/// Whether the region's lists cost fewer round trips than the read by tag, for a region of
/// `region_instances` instances and `region_clusters` clusters (read at once, beside each
/// other).
pub fn region_is_cheaper(
    ids: &Identifiers,
    region_instances: usize,
    region_clusters: usize,
) -> bool {
    let region = region_instances
        .div_ceil(100)
        .max(region_clusters.div_ceil(100))
        .max(1);
    region < ids.tag_pages()
}

impl RdsScope {
    /// The run's shared region-wide reads, when it shares them.
    pub fn shared(&self) -> Option<&crate::aws::shared::RegionReads> {
        match self {
            RdsScope::Shared(s) => Some(s),
            _ => None,
        }
    }

    /// By tag when that cannot be the slower read; else by what the region holds (see
    /// [`Identifiers`]).
    pub fn for_environment(ids: Identifiers) -> RdsScope {
        if ids.tag_pages() <= ids.region_pages_at_least() + 1 {
            RdsScope::Tagged(ids)
        } else {
            RdsScope::ByCost(ids)
        }
    }
}

/// The region's instances and clusters as RDS counts them against the account's quotas
/// (DescribeAccountAttributes: one call, a few hundred bytes). `None` when not answered (a
/// role without rds:DescribeAccountAttributes, an endpoint without it): the read then goes by
/// tag, whose cost is bounded by the environment's size.
pub async fn region_size(rds: &aws_sdk_rds::Client) -> Option<(usize, usize)> {
    // Best effort: one attempt, no retries (the fallback is safe).
    let once = aws_sdk_rds::config::Builder::default()
        .retry_config(aws_sdk_rds::config::retry::RetryConfig::disabled());
    let out = rds
        .describe_account_attributes()
        .customize()
        .config_override(once)
        .send()
        .await;
    let out = match out {
        Ok(o) => o,
        Err(e) => {
            tracing::debug!("DescribeAccountAttributes: {e:?}; reading by tag");
            return None;
        }
    };
    let used = |name: &str| {
        out.account_quotas()
            .iter()
            .find(|q| q.account_quota_name() == Some(name))
            .and_then(|q| q.used())
            .map(|u| u.max(0) as usize)
    };
    Some((used("DBInstances")?, used("DBClusters").unwrap_or(0)))
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

pub use crate::aws::tags::arn_kind_and_id;

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
    fn the_read_is_chosen_by_its_round_trips_not_the_environments_size() {
        let ids = |n: usize, tags_each: usize| Identifiers {
            instances: (0..n).map(|i| format!("db{i}")).collect(),
            clusters: vec![],
            tagged: n + 2,
            tags_each,
        };
        // No cliff: at 100 and 101 instances alike the read goes by tag, without asking, in
        // any region (the region's read cannot take fewer pages than the environment fills).
        for n in [1, 100, 101, 1_000, 3_000] {
            assert!(
                matches!(RdsScope::for_environment(ids(n, 5)), RdsScope::Tagged(_)),
                "{n}"
            );
        }
        // Many tags each (50 resources a page): 3,000 instances take 61 tag pages, where the
        // region's read may take 30; the region's size decides.
        let heavy = ids(3_000, 10);
        assert_eq!(heavy.tag_pages(), 61);
        assert!(matches!(
            RdsScope::for_environment(heavy.clone()),
            RdsScope::ByCost(_)
        ));
        assert!(
            region_is_cheaper(&heavy, 3_000, 0),
            "the region is the environment"
        );
        assert!(!region_is_cheaper(&heavy, 9_000, 0), "a crowded region");
        // A small environment's one tag page is never beaten.
        assert!(!region_is_cheaper(&ids(10, 5), 10, 0));
    }

    #[tokio::test]
    async fn the_regions_size_is_read_from_the_account_quotas() {
        use aws_sdk_rds::operation::describe_account_attributes::DescribeAccountAttributesOutput;
        use aws_sdk_rds::types::AccountQuota;
        use aws_smithy_mocks::{mock, mock_client};
        let quota = |name: &str, used: i64| {
            AccountQuota::builder()
                .account_quota_name(name)
                .used(used)
                .max(5_000)
                .build()
        };
        let rule = mock!(aws_sdk_rds::Client::describe_account_attributes).then_output(move || {
            DescribeAccountAttributesOutput::builder()
                .account_quotas(quota("AllocatedStorage", 40_000))
                .account_quotas(quota("DBInstances", 3_050))
                .account_quotas(quota("DBClusters", 12))
                .build()
        });
        let rds = mock_client!(aws_sdk_rds, [&rule]);
        assert_eq!(region_size(&rds).await, Some((3_050, 12)));
        let failing = mock!(aws_sdk_rds::Client::describe_account_attributes).then_error(|| {
            aws_sdk_rds::operation::describe_account_attributes::DescribeAccountAttributesError::unhandled("AccessDenied")
        });
        let rds = mock_client!(aws_sdk_rds, [&failing]);
        assert_eq!(region_size(&rds).await, None, "not answered: by tag");
    }
}
