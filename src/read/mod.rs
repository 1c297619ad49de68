//! Reading live state: everything one environment owns, found by its ownership tags, with one
//! paginated describe per kind and all kinds read concurrently. Never one call per resource,
//! with one documented exception: DescribeDBSubnetGroups returns no tags, so the (at most one
//! per VPC) groups whose names carry the environment's prefix have their tags listed. What
//! cannot change is not read: a second round, while the databases are still being read, asks
//! only what the first makes relevant (a VPC's resources when the environment owns a VPC,
//! group names and instance classes still to be made).
//!
//! The readers are the kinds' (`kinds::reader` says which reads a kind); this orchestrates them
//! in two phases: every reader fetches, all concurrently; then AWS ids become addresses (every
//! owned resource's id being known by then) and each reader's result joins one `Live`. The
//! network and the databases are read apart from the others because each needs the other's
//! result: which databases sit in our VPCs, and which DB subnet groups are ours.

pub mod from_files;

use crate::aws::{AwsError, Clients};
use crate::kinds::db::read as db;
use crate::kinds::wanted::Wanted;
use crate::kinds::{network_external, network_read, Alone};
use crate::model::*;
use std::collections::HashMap;

pub async fn read(c: &Clients, w: &Wanted<'_>) -> Result<Live, AwsError> {
    let env = w.env;
    let alone = futures::future::try_join_all(
        Alone::ALL.map(|which| crate::kinds::read_alone(which, c, w)),
    );
    // What the files alone say to ask (their KMS keys, the groups they name by AWS name) is
    // asked in the first burst too, beside the reads.
    // Each branch on the heap: together they are a large future, too large for the stack of
    // a thread that polls it in a debug build.
    let ((azs, network), mut dbs, alone, external, files_kms, missing) = tokio::try_join!(
        Box::pin(async { tokio::try_join!(network_read::azs(c, w), network_read::read(c, w)) }),
        Box::pin(db::fetch(c, w)),
        Box::pin(alone),
        Box::pin(network_external::read(c, &w.external_ids)),
        Box::pin(files_kms(c, w)),
        Box::pin(missing_groups(c, &w.external_groups)),
    )?;

    let mut live = Live {
        azs,
        external,
        orderable: std::mem::take(&mut dbs.orderable),
        engine_versions: std::mem::take(&mut dbs.engine_versions),
        read_at: Some(db::now_secs()),
        ..Default::default()
    };
    // AWS id → address, for every owned resource, so that references read back as addresses.
    let mut by_id: HashMap<String, Address> = HashMap::new();
    let mut note = |id: Option<&str>, tags: &[(String, String)]| {
        if let (Some(id), Some(a)) = (id, crate::aws::tags::owned(tags, env)) {
            by_id.insert(id.to_string(), a);
        }
    };
    network_read::note_ids(&network, &mut note);
    dbs.note_ids(&mut note);
    for (id, a) in alone.iter().flat_map(|f| &f.ids) {
        by_id.insert(id.clone(), a.clone());
    }
    let map = |id: &str| -> String {
        by_id.get(id).map(|a| a.0.clone()).unwrap_or_else(|| {
            let name = id.strip_prefix(crate::aws::tags::SUBNET_GROUP_KEY);
            name.unwrap_or(id).to_string()
        })
    };

    network_read::resources(&network, w, &map, &mut live);
    dbs.resources(env, &map, &mut live);
    let account = dbs.account.clone();
    if account.events.is_none() {
        db::storage_cooldowns(c, &w.storage, &mut live).await?;
    }
    for found in alone {
        found.into_live(&mut live);
    }
    db::unmanaged(&network, &account.instances, &account.clusters, &mut live);
    // Complete only with the region's databases and what the VPCs hold (or no VPC to hold it).
    live.whole_region =
        account.whole_region && (network.contents.is_some() || network.vpcs.is_empty());
    if let Some(contents) = &network.contents {
        live.unmanaged
            .extend(contents.unmanaged_groups.iter().cloned());
        live.vpc_contents = contents.foreign.clone();
        db::foreign_databases(&network, &account.instances, env, &mut live);
    }
    let usage = network_read::usage(&network, &live.vpc_contents);
    for r in live.resources.iter_mut() {
        crate::plan::applied::take_record(r);
    }
    crate::model::mark_retained_olds(&mut live.resources);
    let (kept, duplicates) = split_duplicates(std::mem::take(&mut live.resources), usage);
    live.resources = kept;
    live.duplicates = duplicates;
    live.resources.sort_by(|a, b| a.address.cmp(&b.address));
    live.kms_keys = files_kms;
    resolve_kms(c, &mut live).await?;
    live.missing_groups = missing;
    Ok(live)
}

/// The groups among `named` that AWS does not have (one describe by name each, all at once).
async fn missing_groups(
    c: &Clients,
    named: &[(Kind, String)],
) -> Result<Vec<(Kind, String)>, AwsError> {
    let asks = named.iter().map(|(kind, name)| async move {
        let gone = crate::kinds::group_missing(c, *kind, name).await?;
        Ok::<_, AwsError>(gone.then(|| (*kind, name.clone())))
    });
    let answers = futures::future::try_join_all(asks).await?;
    Ok(answers.into_iter().flatten().collect())
}

/// The KMS aliases and keys the files name, resolved to key ARNs.
async fn files_kms(
    c: &Clients,
    w: &Wanted<'_>,
) -> Result<std::collections::BTreeMap<String, String>, AwsError> {
    let named: std::collections::BTreeSet<String> =
        w.kms_aliases.iter().chain(&w.kms_keys).cloned().collect();
    match named.is_empty() {
        true => Ok(Default::default()),
        false => crate::aws::kms::resolve_aliases(&c.kms, named).await,
    }
}

/// Keeps one resource per address, the one most in use (then the lowest id), and returns the
/// other copies; a copy is empty when nothing is in or on it.
pub fn split_duplicates(
    resources: Vec<Resource>,
    usage: impl Fn(&Resource) -> usize,
) -> (Vec<Resource>, Vec<DuplicateCopy>) {
    let mut by_address: std::collections::BTreeMap<Address, Vec<Resource>> = Default::default();
    for r in resources {
        by_address.entry(r.address.clone()).or_default().push(r);
    }
    let mut kept = Vec::new();
    let mut extra = Vec::new();
    for (_, mut copies) in by_address {
        copies.sort_by(|a, b| usage(b).cmp(&usage(a)).then_with(|| a.id.cmp(&b.id)));
        let mut copies = copies.into_iter();
        let Some(first) = copies.next() else { continue };
        for c in copies {
            extra.push(DuplicateCopy {
                empty: usage(&c) == 0,
                kept_id: first.id.clone().unwrap_or_default(),
                extra: c,
            });
        }
        kept.push(first);
    }
    (kept, extra)
}

/// Resolves to key ARNs the KMS aliases AWS reports on the resources read that the files'
/// (resolved in the first burst, into `live.kms_keys`) do not cover: AWS reports key ARNs, so
/// this is rarely a call.
async fn resolve_kms(c: &Clients, live: &mut Live) -> Result<(), AwsError> {
    let aliases: std::collections::BTreeSet<String> = live
        .resources
        .iter()
        .flat_map(|r| [r.str("kms_key"), r.str("performance_insights_kms_key")])
        .flatten()
        .filter(|k| crate::model::is_kms_alias(k) && !live.kms_keys.contains_key(*k))
        .map(str::to_string)
        .collect();
    if !aliases.is_empty() {
        let more = crate::aws::kms::resolve_aliases(&c.kms, aliases).await?;
        live.kms_keys.extend(more);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_copy_in_use_is_kept_and_an_unused_one_is_an_empty_extra() {
        let vpc = |id: &str| {
            let mut r = Resource::new(Address::new("vpc", "main"), Kind::Vpc, "t-main");
            r.id = Some(id.into());
            r
        };
        let other = Resource::new(Address::new("vpc", "other"), Kind::Vpc, "t-other");
        let used = |r: &Resource| usize::from(r.id.as_deref() == Some("vpc-b"));
        let (kept, extra) = split_duplicates(vec![vpc("vpc-a"), vpc("vpc-b"), other], used);
        assert_eq!(kept.len(), 2);
        assert_eq!(kept[0].id.as_deref(), Some("vpc-b"), "the one in use");
        assert_eq!(extra.len(), 1);
        assert_eq!(extra[0].extra.id.as_deref(), Some("vpc-a"));
        assert_eq!(extra[0].kept_id, "vpc-b");
        assert!(extra[0].empty);
    }
}
