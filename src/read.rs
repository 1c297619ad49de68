//! Reading live state: everything one environment owns, found by its ownership tags, with one
//! paginated describe per kind and all kinds read concurrently. Never one call per resource,
//! with one documented exception: DescribeDBSubnetGroups returns no tags, so the (at most one
//! per VPC) groups whose names carry the environment's prefix have their tags listed. What
//! cannot change is not read: a second round, while the databases are still being read, asks
//! only what the first makes relevant (a VPC's resources when the environment owns a VPC,
//! group names and instance classes still to be made).

use crate::aws::account::{account, events};
use crate::aws::error::sdk;
use crate::aws::tags::{owned, rds_pairs, tag, tags_value};
use crate::aws::{AwsError, Clients};
use crate::kinds::wanted::{StorageWanted, Wanted};
use crate::model::*;
use std::collections::HashMap;

pub async fn read(c: &Clients, w: &Wanted<'_>) -> Result<Live, AwsError> {
    let env = w.env;
    let azs = crate::kinds::network_read::azs(c, w);
    let ec2 = crate::kinds::network_read::read(c, w);
    // RDS lists have no tag filter: see `scope` for the ways the databases are found.
    let rds = async {
        use crate::kinds::db::scope::RdsScope;
        let account = match &w.rds {
            RdsScope::Shared(a) => a.clone(),
            RdsScope::Region => std::sync::Arc::new(account(c, false).await?),
            RdsScope::Tagged(ids) => {
                std::sync::Arc::new(crate::kinds::db::scope::tagged(c, env, ids).await?)
            }
        };
        let to_order = classes_to_ask(&w.classes, &account.instances, env);
        let (orderable, subnet_groups) = tokio::try_join!(
            crate::aws::orderable::read(&c.rds, &to_order),
            read_subnet_groups(c, env, &account.subnet_groups),
        )?;
        Ok::<_, AwsError>((account, orderable, subnet_groups))
    };
    let roles = crate::kinds::iam_role::read_env_roles(c, env);
    let parameter_groups = crate::kinds::parameter_group::read(c, env, &w.parameter_families);
    let option_groups = crate::kinds::option_group::read(c, env);
    let secrets = crate::kinds::secret::read_env_secrets(c, env, &w.secret_names);
    let external = crate::kinds::network_external::read(c, &w.external_ids);
    let (
        (azs, network),
        ((account, orderable, subnet_groups), roles, secrets, parameter_groups, option_groups),
        external,
    ) = tokio::try_join!(
        async { tokio::try_join!(azs, ec2) },
        async { tokio::try_join!(rds, roles, secrets, parameter_groups, option_groups) },
        external,
    )?;
    let (owned_groups, lookalike_groups, apply_types, defaults) = parameter_groups;
    let account =
        match crate::kinds::db::scope::add_recorded(c, &account, &recorded(&secrets)).await? {
            Some(more) => std::sync::Arc::new(more),
            None => account,
        };

    let mut live = Live {
        azs,
        external,
        orderable,
        read_at: Some(now_secs()),
        ..Default::default()
    };
    let (instances, clusters) = (&account.instances, &account.clusters);
    let storage_changed = match &account.events {
        Some(events) => storage_changes(events),
        None => HashMap::new(),
    };
    // AWS id → address, for every owned resource, so that references read back as addresses.
    let mut by_id: HashMap<String, Address> = HashMap::new();
    let mut note = |id: Option<&str>, tags: &[(String, String)]| {
        if let (Some(id), Some(a)) = (id, owned(tags, env)) {
            by_id.insert(id.to_string(), a);
        }
    };
    crate::kinds::network_read::note_ids(&network, &mut note);
    for (name, _, tags, _) in &subnet_groups {
        note(Some(&crate::aws::tags::subnet_group_key(name)), tags);
    }
    for i in instances {
        note(i.db_instance_identifier(), &rds_pairs(i.tag_list()));
    }
    for cl in clusters {
        note(cl.db_cluster_identifier(), &rds_pairs(cl.tag_list()));
    }
    for r in &roles {
        note(Some(&r.arn), &r.tags);
    }
    for (g, tags, _) in &owned_groups {
        note(Some(&g.name), tags);
    }
    let (owned_options, lookalike_options) = option_groups;
    for (g, tags) in &owned_options {
        note(g.option_group_name(), tags);
    }
    let map = |id: &str| -> String {
        by_id.get(id).map(|a| a.0.clone()).unwrap_or_else(|| {
            let name = id.strip_prefix(crate::aws::tags::SUBNET_GROUP_KEY);
            name.unwrap_or(id).to_string()
        })
    };

    crate::kinds::network_read::resources(&network, w, &map, &mut live);
    rds_resources(
        instances,
        clusters,
        subnet_groups,
        secrets,
        &storage_changed,
        env,
        &map,
        &mut live,
    );
    if account.events.is_none() {
        storage_cooldowns(c, &w.storage, &mut live).await?;
    }
    live.parameter_apply_types = apply_types;
    live.parameter_defaults = defaults;
    group_resources(
        owned_groups,
        owned_options,
        lookalike_options,
        lookalike_groups,
        roles,
        env,
        &mut live,
    );
    unmanaged(&network, instances, clusters, &mut live);
    // Complete only with the region's databases and what the VPCs hold (or no VPC to hold it).
    live.whole_region =
        account.whole_region && (network.contents.is_some() || network.vpcs.is_empty());
    if let Some(contents) = &network.contents {
        live.unmanaged
            .extend(contents.unmanaged_groups.iter().cloned());
        live.vpc_contents = contents.foreign.clone();
        foreign_databases(&network, instances, env, &mut live);
    }
    let usage = crate::kinds::network_read::usage(&network, &live.vpc_contents);
    crate::model::mark_retained_olds(&mut live.resources);
    let (kept, duplicates) = split_duplicates(std::mem::take(&mut live.resources), usage);
    live.resources = kept;
    live.duplicates = duplicates;
    live.resources.sort_by(|a, b| a.address.cmp(&b.address));
    resolve_kms(c, w, &mut live).await?;
    live.missing_groups = missing_groups(c, &w.external_groups).await?;
    Ok(live)
}

/// The environment's DB subnet groups, secrets, instances and clusters in the model's terms
/// (`map` turns AWS ids into addresses), and the look-alikes of each that are not ours.
#[allow(clippy::too_many_arguments)]
fn rds_resources(
    instances: &[aws_sdk_rds::types::DbInstance],
    clusters: &[aws_sdk_rds::types::DbCluster],
    subnet_groups: Vec<SubnetGroupRow>,
    secrets: Vec<crate::kinds::secret::LiveSecret>,
    storage_changed: &HashMap<String, i64>,
    env: &str,
    map: &(dyn Fn(&str) -> String + Sync),
    live: &mut Live,
) {
    for (name, arn, tags, g) in subnet_groups {
        match owned(&tags, env) {
            Some(addr) => {
                let mut r = Resource::new(addr, Kind::DbSubnetGroup, name.clone())
                    .with(
                        "description",
                        Value::str(g.db_subnet_group_description().unwrap_or_default()),
                    )
                    .with(
                        "subnets",
                        Value::set(
                            g.subnets()
                                .iter()
                                .filter_map(|s| s.subnet_identifier())
                                .map(map),
                        ),
                    )
                    .with("tags", tags_value(tags));
                r.id = Some(arn);
                live.resources.push(r);
            }
            None => live.foreign.push(Foreign {
                kind: Kind::DbSubnetGroup,
                name,
                id: arn,
            }),
        }
    }
    for s in secrets {
        match owned(&s.tags, env) {
            Some(addr) => {
                let mut r = Resource::new(addr, Kind::Secret, s.name.clone())
                    .with("tags", tags_value(s.tags.clone()));
                for (k, v) in s.fields {
                    r.set(&k, v);
                }
                r.id = Some(s.arn);
                live.resources.push(r);
            }
            None => live.foreign.push(Foreign {
                kind: Kind::Secret,
                name: s.name,
                id: s.arn,
            }),
        }
    }
    // The green of a blue/green upgrade whose run stopped after the switchover: if AWS did
    // not copy the blue's tags to it, it is recognised by the old instance, ours, now named
    // `<its identifier>-old1` and still carrying the address (then finished by apply).
    let greens: HashMap<String, Address> = instances
        .iter()
        .filter_map(|i| {
            let a = owned(&rds_pairs(i.tag_list()), env)?;
            let green = i.db_instance_identifier()?.strip_suffix("-old1")?;
            (!a.as_str().ends_with(".old1")).then(|| (green.to_string(), a))
        })
        .collect();
    for i in instances {
        let tags = rds_pairs(i.tag_list());
        let ident = i.db_instance_identifier().unwrap_or_default().to_string();
        let adopted = || {
            let untagged = tag(&tags, TAG_ENV).is_none();
            untagged.then(|| greens.get(&ident).cloned()).flatten()
        };
        match owned(&tags, env).or_else(adopted) {
            Some(addr) => {
                let mut r = crate::kinds::db::instance::db_instance_resource(addr, i, tags, &map);
                let writer = clusters
                    .iter()
                    .flat_map(|c| c.db_cluster_members())
                    .any(|m| {
                        m.is_cluster_writer() == Some(true)
                            && m.db_instance_identifier() == Some(ident.as_str())
                    });
                if writer {
                    r.set(crate::model::IS_WRITER, Value::Bool(true));
                }
                if let Some(at) = storage_changed.get(&ident) {
                    r.set("storage_changed_at", Value::Int(*at));
                }
                live.resources.push(r);
            }
            None => live.foreign.push(Foreign {
                kind: Kind::Instance,
                name: ident,
                id: i.db_instance_arn().unwrap_or_default().to_string(),
            }),
        }
    }
    for cl in clusters {
        let tags = rds_pairs(cl.tag_list());
        match owned(&tags, env) {
            Some(addr) => {
                let r =
                    crate::kinds::db::cluster::cluster_resource(addr, cl, tags, instances, &map);
                live.resources.push(r);
            }
            None => live.foreign.push(Foreign {
                kind: Kind::Cluster,
                name: cl.db_cluster_identifier().unwrap_or_default().to_string(),
                id: cl.db_cluster_arn().unwrap_or_default().to_string(),
            }),
        }
    }
}

/// Parameter and option groups and IAM roles in the model's terms, and others' look-alikes.
fn group_resources(
    owned_groups: Vec<crate::kinds::parameter_group::OwnedGroup>,
    owned_options: Vec<(aws_sdk_rds::types::OptionGroup, Vec<(String, String)>)>,
    lookalike_options: Vec<aws_sdk_rds::types::OptionGroup>,
    lookalike_groups: Vec<crate::kinds::parameter_group::Listed>,
    roles: Vec<crate::kinds::iam_role::LiveRole>,
    env: &str,
    live: &mut Live,
) {
    for (g, tags, params) in &owned_groups {
        if let Some(addr) = owned(tags, env) {
            live.resources
                .push(crate::kinds::parameter_group::group_resource(
                    addr,
                    g,
                    tags.clone(),
                    params,
                ));
        }
    }
    for (g, tags) in &owned_options {
        if let Some(addr) = owned(tags, env) {
            live.resources
                .push(crate::kinds::option_group::group_resource(
                    addr,
                    g,
                    tags.clone(),
                ));
        }
    }
    for g in lookalike_options {
        live.foreign.push(Foreign {
            kind: Kind::OptionGroup,
            name: g.option_group_name().unwrap_or_default().to_string(),
            id: g.option_group_arn().unwrap_or_default().to_string(),
        });
    }
    for g in lookalike_groups {
        live.foreign.push(Foreign {
            kind: g.flavor.kind(),
            name: g.name,
            id: g.arn,
        });
    }
    for r in roles {
        match owned(&r.tags, env) {
            Some(addr) => live
                .resources
                .push(crate::kinds::iam_role::role_resource(addr, r)),
            None => live.foreign.push(Foreign {
                kind: Kind::IamRole,
                name: r.name,
                id: r.arn,
            }),
        }
    }
}

/// What sits in our network without our tags (drift's "unmanaged"): databases in our VPCs or
/// DB subnet groups.
fn unmanaged(
    network: &crate::kinds::network_read::Network,
    instances: &[aws_sdk_rds::types::DbInstance],
    clusters: &[aws_sdk_rds::types::DbCluster],
    live: &mut Live,
) {
    let our_vpcs = network.vpc_ids();
    let our_groups: Vec<String> = live
        .resources
        .iter()
        .filter(|r| r.kind == Kind::DbSubnetGroup)
        .map(|r| r.name.clone())
        .collect();
    let untagged = |tags: &[(String, String)]| tag(tags, TAG_ENV).is_none();
    for i in instances {
        let in_ours = i.db_subnet_group().is_some_and(|g| {
            g.vpc_id().is_some_and(|v| our_vpcs.contains(&v))
                || g.db_subnet_group_name()
                    .is_some_and(|n| our_groups.iter().any(|x| x == n))
        });
        if in_ours && untagged(&rds_pairs(i.tag_list())) && i.db_cluster_identifier().is_none() {
            live.unmanaged.push(Foreign {
                kind: Kind::Instance,
                name: i.db_instance_identifier().unwrap_or_default().to_string(),
                id: i.db_instance_arn().unwrap_or_default().to_string(),
            });
        }
    }
    for cl in clusters {
        let in_ours = cl
            .db_subnet_group()
            .is_some_and(|n| our_groups.iter().any(|x| x == n));
        if in_ours && untagged(&rds_pairs(cl.tag_list())) {
            live.unmanaged.push(Foreign {
                kind: Kind::Cluster,
                name: cl.db_cluster_identifier().unwrap_or_default().to_string(),
                id: cl.db_cluster_arn().unwrap_or_default().to_string(),
            });
        }
    }
}

/// Others' databases in our VPCs, which AWS would not let a VPC be deleted with.
fn foreign_databases(
    network: &crate::kinds::network_read::Network,
    instances: &[aws_sdk_rds::types::DbInstance],
    env: &str,
    live: &mut Live,
) {
    let our_vpcs = network.vpc_ids();
    for i in instances {
        let vpc = i.db_subnet_group().and_then(|g| g.vpc_id());
        if let Some(vpc) = vpc.filter(|v| our_vpcs.contains(v)) {
            if owned(&rds_pairs(i.tag_list()), env).is_none() {
                live.vpc_contents
                    .entry(vpc.to_string())
                    .or_default()
                    .push(format!(
                        "RDS instance {}",
                        i.db_instance_identifier().unwrap_or_default()
                    ));
            }
        }
    }
}

/// The engine and class pairs to ask AWS about (DescribeOrderableDBInstanceOptions). A pair
/// one of the environment's databases already runs (Multi-AZ, where a use wants Multi-AZ) is
/// offered, AWS having made it, and is not asked about; a class AWS has since stopped offering
/// for new databases is then refused by AWS at apply, with its message.
pub fn classes_to_ask(
    wanted: &[(String, String, bool)],
    live: &[aws_sdk_rds::types::DbInstance],
    env: &str,
) -> Vec<(String, String)> {
    // (engine, class) → whether one runs Multi-AZ.
    let mut running: HashMap<(&str, &str), bool> = HashMap::new();
    for i in live
        .iter()
        .filter(|i| owned(&rds_pairs(i.tag_list()), env).is_some())
    {
        if let (Some(e), Some(k)) = (i.engine(), i.db_instance_class()) {
            *running.entry((e, k)).or_default() |= i.multi_az() == Some(true);
        }
    }
    wanted
        .iter()
        .filter(
            |(e, k, multi_az)| match running.get(&(e.as_str(), k.as_str())) {
                Some(runs_multi_az) => *multi_az && !runs_multi_az,
                None => true,
            },
        )
        .map(|(e, k, _)| (e.clone(), k.clone()))
        .collect()
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

type SubnetGroupRow = (
    String,
    String,
    Vec<(String, String)>,
    aws_sdk_rds::types::DbSubnetGroup,
);

/// The database identifiers the environment's generated secrets record.
fn recorded(secrets: &[crate::kinds::secret::LiveSecret]) -> crate::kinds::db::scope::Identifiers {
    let mut ids = crate::kinds::db::scope::Identifiers::default();
    for s in secrets {
        for (k, v) in &s.fields {
            match (k.as_str(), v) {
                ("db_instance_identifier", Value::Str(i)) => ids.instances.push(i.clone()),
                ("db_cluster_identifier", Value::Str(i)) => ids.clusters.push(i.clone()),
                _ => {}
            }
        }
    }
    ids
}

async fn read_subnet_groups(
    c: &Clients,
    env: &str,
    groups: &[aws_sdk_rds::types::DbSubnetGroup],
) -> Result<Vec<SubnetGroupRow>, AwsError> {
    let prefix = format!("{env}-");
    let candidates: Vec<_> = groups
        .iter()
        .filter(|g| {
            g.db_subnet_group_name()
                .is_some_and(|n| n.starts_with(&prefix))
        })
        .collect();
    let tag_reads = candidates.iter().map(|g| async move {
        let arn = g.db_subnet_group_arn().unwrap_or_default().to_string();
        let name = g.db_subnet_group_name().unwrap_or_default().to_string();
        let out = c
            .rds
            .list_tags_for_resource()
            .resource_name(&arn)
            .send()
            .await
            .map_err(sdk(&name, "ListTagsForResource"))?;
        Ok::<_, AwsError>((name, arn, rds_pairs(out.tag_list()), (*g).clone()))
    });
    futures::future::try_join_all(tag_reads).await
}

fn now_secs() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// The time of the latest storage change event per instance (RDS-EVENT-0017/0018 "storage
/// settings ... changed", 0217/0218 autoscaling "modification to allocated storage").
pub fn storage_changes(events: &[aws_sdk_rds::types::Event]) -> HashMap<String, i64> {
    let mut out: HashMap<String, i64> = HashMap::new();
    for e in events {
        let msg = e.message().unwrap_or_default().to_ascii_lowercase();
        if !msg.contains("storage") || msg.contains("storage-full") {
            continue;
        }
        if let (Some(id), Some(at)) = (e.source_identifier(), e.date()) {
            let t = out.entry(id.to_string()).or_insert(at.secs());
            *t = (*t).max(at.secs());
        }
    }
    out
}

/// The last storage change of each instance whose storage the files change (one DescribeEvents
/// each, all at once; usually none), as `storage_changed_at`.
async fn storage_cooldowns(
    c: &Clients,
    storage: &StorageWanted,
    live: &mut Live,
) -> Result<(), AwsError> {
    let changing: Vec<String> = live
        .resources
        .iter()
        .filter(|r| matches!(r.kind, Kind::Instance | Kind::Replica))
        .filter(|r| {
            storage
                .get(&r.name)
                .is_some_and(|want| want.iter().any(|(k, v)| r.attrs.get(k) != Some(v)))
        })
        .map(|r| r.name.clone())
        .collect();
    let reads = changing.iter().map(|i| events(c, Some(i)));
    let found = futures::future::try_join_all(reads).await?;
    let at = storage_changes(&found.concat());
    for r in &mut live.resources {
        if matches!(r.kind, Kind::Instance | Kind::Replica) {
            if let Some(t) = at.get(&r.name) {
                r.set("storage_changed_at", Value::Int(*t));
            }
        }
    }
    Ok(())
}

/// Resolves the KMS aliases the files name, and any AWS reports, to key ARNs.
pub async fn resolve_kms(c: &Clients, w: &Wanted<'_>, live: &mut Live) -> Result<(), AwsError> {
    let mut aliases: std::collections::BTreeSet<String> = w.kms_aliases.iter().cloned().collect();
    aliases.extend(w.kms_keys.iter().cloned());
    aliases.extend(
        live.resources
            .iter()
            .flat_map(|r| [r.str("kms_key"), r.str("performance_insights_kms_key")])
            .flatten()
            .filter(|k| crate::model::is_kms_alias(k))
            .map(str::to_string),
    );
    if !aliases.is_empty() {
        live.kms_keys = crate::aws::kms::resolve_aliases(&c.kms, aliases).await?;
    }
    Ok(())
}

/// The groups among `named` that AWS does not have (one describe by name each).
async fn missing_groups(
    c: &Clients,
    named: &[(Kind, String)],
) -> Result<Vec<(Kind, String)>, AwsError> {
    use aws_sdk_rds::error::ProvideErrorMetadata;
    let mut missing = Vec::new();
    for (kind, name) in named {
        let code = match kind {
            Kind::ClusterParameterGroup => c
                .rds
                .describe_db_cluster_parameter_groups()
                .db_cluster_parameter_group_name(name)
                .send()
                .await
                .map(|o| o.db_cluster_parameter_groups().is_empty())
                .map_err(|e| e.into_service_error().code().map(str::to_string)),
            Kind::OptionGroup => c
                .rds
                .describe_option_groups()
                .option_group_name(name)
                .send()
                .await
                .map(|o| o.option_groups_list().is_empty())
                .map_err(|e| e.into_service_error().code().map(str::to_string)),
            _ => c
                .rds
                .describe_db_parameter_groups()
                .db_parameter_group_name(name)
                .send()
                .await
                .map(|o| o.db_parameter_groups().is_empty())
                .map_err(|e| e.into_service_error().code().map(str::to_string)),
        };
        match code {
            Ok(false) => {}
            Ok(true) => missing.push((*kind, name.clone())),
            Err(Some(c)) if c.contains("NotFound") => missing.push((*kind, name.clone())),
            Err(c) => {
                let op = match kind {
                    Kind::ClusterParameterGroup => "DescribeDBClusterParameterGroups",
                    Kind::OptionGroup => "DescribeOptionGroups",
                    _ => "DescribeDBParameterGroups",
                };
                return Err(AwsError::new(
                    name,
                    op,
                    c.unwrap_or_else(|| "failed".into()),
                ));
            }
        }
    }
    Ok(missing)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_classes_no_database_of_the_environment_runs_are_asked_about() {
        use aws_sdk_rds::types::{DbInstance, Tag};
        let db = |env: &str, class: &str, multi_az: bool| {
            DbInstance::builder()
                .engine("postgres")
                .db_instance_class(class)
                .multi_az(multi_az)
                .tag_list(Tag::builder().key(TAG_ENV).value(env).build())
                .tag_list(Tag::builder().key(TAG_ADDRESS).value("instance.a").build())
                .build()
        };
        let live = [
            db("t", "db.t3.micro", false),
            db("t", "db.r6g.large", true),
            db("other", "db.m6g.large", false),
        ];
        let want = |k: &str, m: bool| ("postgres".to_string(), k.to_string(), m);
        let asked = classes_to_ask(
            &[
                want("db.t3.micro", false),  // runs here: not asked
                want("db.r6g.large", true),  // runs here Multi-AZ: not asked
                want("db.t3.small", false),  // runs nowhere here: asked
                want("db.m6g.large", false), // another environment's: asked
            ],
            &live,
            "t",
        );
        let names: Vec<&str> = asked.iter().map(|(_, k)| k.as_str()).collect();
        assert_eq!(names, ["db.t3.small", "db.m6g.large"]);
        // Wanted Multi-AZ where it runs single-AZ only: asked (can it be Multi-AZ?).
        let asked = classes_to_ask(&[want("db.t3.micro", true)], &live, "t");
        assert_eq!(asked.len(), 1);
    }

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
