//! Reading live state: everything one environment owns, found by its ownership tags, with one
//! paginated describe per kind and all kinds read concurrently. Never one call per resource,
//! with one documented exception: DescribeDBSubnetGroups returns no tags, so the (at most one
//! per VPC) groups whose names carry the environment's prefix have their tags listed. What
//! cannot change is not read: a second round, while the databases are still being read, asks
//! only what the first makes relevant (a VPC's resources when the environment owns a VPC,
//! group names and instance classes still to be made).

use super::account::{account, events};
use super::error::sdk;
use super::paging::{filtered_items, owned_items};
use super::tags::{ec2_pairs, owned, rds_pairs, tag};
use super::{user_tags, AwsError, Clients};
use crate::model::*;
use aws_sdk_ec2::types::Filter;
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// Per instance identifier, the storage settings the files want (attribute, value).
pub type StorageWanted = BTreeMap<String, Vec<(String, Value)>>;

/// What the reader needs to know of the files: the environment and the AWS names they want
/// (to spot look-alikes that are not ours).
pub struct Wanted<'a> {
    pub env: &'a str,
    pub group_names: Vec<String>,
    /// KMS keys the files name by alias, to resolve to key ARNs.
    pub kms_aliases: Vec<String>,
    /// Parameter group families the files name, whose parameters' apply types the plan needs.
    pub parameter_families: Vec<(super::parameters::Flavor, String)>,
    /// Existing groups the files name by their AWS names, to check that they exist.
    pub external_groups: Vec<(Kind, String)>,
    /// Existing VPCs, subnets, security groups, DB subnet groups and IAM roles the files name
    /// by id, to check that they exist and where.
    pub external_ids: super::external::ExternalIds,
    /// KMS keys the files name by id or ARN, to check that they exist.
    pub kms_keys: Vec<String>,
    /// Engine and instance class pairs the files name, each with whether a use wants it
    /// Multi-AZ, to check that AWS offers them.
    pub classes: Vec<(String, String, bool)>,
    /// Whether to read what the environment's VPCs hold that it does not own (see
    /// [`Live::vpc_contents`]): three calls, which only drift and a plan that deletes a VPC
    /// need.
    pub vpc_contents: bool,
    /// Whether the files declare a VPC rdsplan makes, whose AZs come from (and are checked
    /// against) the region's available ones.
    pub makes_vpcs: bool,
    /// Where the environment's RDS instances and clusters are read from.
    pub rds: super::scope::RdsScope,
    /// The names of the generated secrets the files want: looked for by name when ListSecrets
    /// (eventually consistent) does not list them.
    pub secret_names: Vec<String>,
    /// The storage settings (`allocated_storage`, `storage_type`, `iops`,
    /// `storage_throughput`) the files want per instance identifier: the instances whose live
    /// storage differs have their last storage change read (AWS allows one per six hours),
    /// unless the region's events are at hand.
    pub storage: StorageWanted,
}

fn tags_value(tags: Vec<(String, String)>) -> Value {
    Value::Map(user_tags(tags))
}

pub async fn read(c: &Clients, w: &Wanted<'_>) -> Result<Live, AwsError> {
    let env = w.env;
    let azs = async {
        if !w.makes_vpcs {
            return Ok(vec![]);
        }
        let out = c
            .ec2
            .describe_availability_zones()
            .filters(Filter::builder().name("state").values("available").build())
            .send()
            .await
            .map_err(sdk("region", "DescribeAvailabilityZones"))?;
        let mut z: Vec<String> = out
            .availability_zones()
            .iter()
            .filter_map(|a| a.zone_name().map(str::to_string))
            .collect();
        z.sort();
        Ok::<_, AwsError>(z)
    };
    // EC2 in two rounds: the environment's VPCs and security groups, then what only matters
    // where there are VPCs.
    let ec2 = async {
        let (vpcs, sgs): (
            Vec<aws_sdk_ec2::types::Vpc>,
            Vec<aws_sdk_ec2::types::SecurityGroup>,
        ) = tokio::try_join!(
            owned_items!(c, describe_vpcs, env, "vpcs", "DescribeVpcs"),
            owned_items!(
                c,
                describe_security_groups,
                env,
                "security groups",
                "DescribeSecurityGroups"
            ),
        )?;
        let vpc_ids: Vec<String> = vpcs
            .iter()
            .filter_map(|v| v.vpc_id().map(str::to_string))
            .collect();
        // Subnets, internet gateways and route tables rdsplan makes only inside VPCs it owns,
        // and AWS deletes a VPC only once they are gone: without an owned VPC there are none
        // to read (an environment on a network it does not own skips three calls).
        let children = async {
            if vpc_ids.is_empty() {
                return Ok((vec![], vec![], vec![]));
            }
            tokio::try_join!(
                owned_items!(c, describe_subnets, env, "subnets", "DescribeSubnets"),
                owned_items!(
                    c,
                    describe_internet_gateways,
                    env,
                    "internet gateways",
                    "DescribeInternetGateways"
                ),
                owned_items!(
                    c,
                    describe_route_tables,
                    env,
                    "route tables",
                    "DescribeRouteTables"
                ),
            )
        };
        // A group the files want that is not ours yet is looked up by name in the VPCs it
        // could go into (ours and those the files name), to see one someone else holds there:
        // AWS refuses a second group of one name in a VPC.
        let lookalikes = async {
            let ours: BTreeSet<&str> = sgs.iter().filter_map(|g| g.group_name()).collect();
            let names: Vec<String> = w
                .group_names
                .iter()
                .filter(|n| !ours.contains(n.as_str()))
                .cloned()
                .collect();
            let in_vpcs: Vec<String> = vpc_ids
                .iter()
                .chain(&w.external_ids.vpcs)
                .cloned()
                .collect();
            if names.is_empty() || in_vpcs.is_empty() {
                return Ok(vec![]);
            }
            let by = |name: &str, values: Vec<String>| {
                Filter::builder()
                    .name(name)
                    .set_values(Some(values))
                    .build()
            };
            filtered_items!(
                c,
                describe_security_groups,
                by("group-name", names),
                by("vpc-id", in_vpcs);
                "security groups",
                "DescribeSecurityGroups"
            )
            .await
        };
        // What the VPCs hold that is not ours matters to a plan only when a VPC goes (AWS
        // refuses to delete a VPC that holds anything) or two copies of one VPC are to be
        // told apart; drift reports its security groups. Read when asked (`vpc_contents`,
        // which the plan's re-read for a VPC that goes asks) or for duplicates.
        let contents = async {
            let mut addresses = BTreeSet::new();
            let duplicated = vpcs
                .iter()
                .filter_map(|v| owned(&ec2_pairs(v.tags()), env))
                .any(|a| !addresses.insert(a));
            match (w.vpc_contents || duplicated) && !vpc_ids.is_empty() {
                true => vpc_contents(c, env, &vpc_ids).await.map(Some),
                false => Ok(None),
            }
        };
        let ((subnets, igws, rts), lookalikes, contents) =
            tokio::try_join!(children, lookalikes, contents)?;
        Ok::<_, AwsError>((vpcs, subnets, igws, rts, sgs, lookalikes, contents))
    };
    // RDS lists have no tag filter: see `scope` for the ways the databases are found.
    let rds = async {
        use super::scope::RdsScope;
        let account = match &w.rds {
            RdsScope::Shared(a) => a.clone(),
            RdsScope::Region => std::sync::Arc::new(account(c, false).await?),
            RdsScope::Tagged(ids) => std::sync::Arc::new(super::scope::tagged(c, env, ids).await?),
        };
        let to_order = classes_to_ask(&w.classes, &account.instances, env);
        let (orderable, subnet_groups) = tokio::try_join!(
            super::orderable::read(&c.rds, &to_order),
            read_subnet_groups(c, env, &account.subnet_groups),
        )?;
        Ok::<_, AwsError>((account, orderable, subnet_groups))
    };
    let roles = super::iam::read_env_roles(c, env);
    let parameter_groups = super::parameters::read(c, env, &w.parameter_families);
    let option_groups = super::options::read(c, env);
    let secrets = super::secrets::read_env_secrets(c, env, &w.secret_names);
    let external = super::external::read(c, &w.external_ids);
    let (
        (azs, (vpcs, subnets, igws, rts, sgs, sg_lookalikes, contents)),
        ((account, orderable, subnet_groups), roles, secrets, parameter_groups, option_groups),
        external,
    ) = tokio::try_join!(
        async { tokio::try_join!(azs, ec2) },
        async { tokio::try_join!(rds, roles, secrets, parameter_groups, option_groups) },
        external,
    )?;
    let (owned_groups, lookalike_groups, apply_types, defaults) = parameter_groups;
    let account = match super::scope::add_recorded(c, &account, &recorded(&secrets)).await? {
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
    for v in &vpcs {
        note(v.vpc_id(), &ec2_pairs(v.tags()));
    }
    for s in &subnets {
        note(s.subnet_id(), &ec2_pairs(s.tags()));
    }
    for g in &igws {
        note(g.internet_gateway_id(), &ec2_pairs(g.tags()));
    }
    for g in &sgs {
        note(g.group_id(), &ec2_pairs(g.tags()));
    }
    for (name, _, tags, _) in &subnet_groups {
        note(Some(name), tags);
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
        by_id
            .get(id)
            .map(|a| a.0.clone())
            .unwrap_or_else(|| id.to_string())
    };

    for v in &vpcs {
        let tags = ec2_pairs(v.tags());
        let Some(addr) = owned(&tags, env) else {
            continue;
        };
        let name = tag(&tags, "Name")
            .unwrap_or(v.vpc_id().unwrap_or_default())
            .to_string();
        let mut r = Resource::new(addr, Kind::Vpc, name)
            .with("cidr", Value::str(v.cidr_block().unwrap_or_default()))
            .with("tags", tags_value(tags));
        r.id = v.vpc_id().map(str::to_string);
        live.resources.push(r);
    }
    for s in &subnets {
        let tags = ec2_pairs(s.tags());
        let Some(addr) = owned(&tags, env) else {
            continue;
        };
        let name = tag(&tags, "Name")
            .unwrap_or(s.subnet_id().unwrap_or_default())
            .to_string();
        let mut r = Resource::new(addr, Kind::Subnet, name)
            .with("vpc", Value::str(map(s.vpc_id().unwrap_or_default())))
            .with(
                "availability_zone",
                Value::str(s.availability_zone().unwrap_or_default()),
            )
            .with("cidr", Value::str(s.cidr_block().unwrap_or_default()))
            .with("tags", tags_value(tags));
        r.id = s.subnet_id().map(str::to_string);
        live.resources.push(r);
    }
    for g in &igws {
        let tags = ec2_pairs(g.tags());
        let Some(addr) = owned(&tags, env) else {
            continue;
        };
        let name = tag(&tags, "Name").unwrap_or_default().to_string();
        let mut r = Resource::new(addr, Kind::InternetGateway, name).with("tags", tags_value(tags));
        if let Some(vpc) = g.attachments().iter().find_map(|a| a.vpc_id()) {
            r.set("vpc", Value::str(map(vpc)));
        }
        r.id = g.internet_gateway_id().map(str::to_string);
        live.resources.push(r);
    }
    for t in &rts {
        let tags = ec2_pairs(t.tags());
        let Some(addr) = owned(&tags, env) else {
            continue;
        };
        let name = tag(&tags, "Name").unwrap_or_default().to_string();
        let mut r = Resource::new(addr, Kind::RouteTable, name)
            .with("vpc", Value::str(map(t.vpc_id().unwrap_or_default())))
            .with(
                "subnets",
                Value::set(
                    t.associations()
                        .iter()
                        .filter_map(|a| a.subnet_id())
                        .map(map),
                ),
            )
            .with("tags", tags_value(tags));
        if let Some(gw) = t
            .routes()
            .iter()
            .find(|x| x.destination_cidr_block() == Some("0.0.0.0/0"))
            .and_then(|x| x.gateway_id())
        {
            r.set("internet_gateway", Value::str(map(gw)));
        }
        r.id = t.route_table_id().map(str::to_string);
        live.resources.push(r);
    }
    for g in &sgs {
        let tags = ec2_pairs(g.tags());
        let Some(addr) = owned(&tags, env) else {
            continue;
        };
        let mut r = Resource::new(
            addr,
            Kind::SecurityGroup,
            g.group_name().unwrap_or_default(),
        )
        .with("vpc", Value::str(map(g.vpc_id().unwrap_or_default())))
        .with(
            "description",
            Value::str(g.description().unwrap_or_default()),
        )
        .with(
            "ingress",
            Value::Rules(super::ec2::rules_from(g.ip_permissions(), &map)),
        )
        .with(
            "egress",
            Value::Rules(super::ec2::rules_from(g.ip_permissions_egress(), &map)),
        )
        .with("tags", tags_value(tags));
        r.id = g.group_id().map(str::to_string);
        live.resources.push(r);
    }
    let our_vpcs: Vec<&str> = vpcs.iter().filter_map(|v| v.vpc_id()).collect();
    // A group of ours would be created in one of our VPCs or in an existing VPC the files name.
    let group_vpcs: Vec<&str> = our_vpcs
        .iter()
        .copied()
        .chain(w.external_ids.vpcs.iter().map(String::as_str))
        .collect();
    for g in &sg_lookalikes {
        let tags = ec2_pairs(g.tags());
        if owned(&tags, env).is_none() && g.vpc_id().is_some_and(|v| group_vpcs.contains(&v)) {
            live.foreign.push(Foreign {
                kind: Kind::SecurityGroup,
                name: g.group_name().unwrap_or_default().to_string(),
                id: g.group_id().unwrap_or_default().to_string(),
            });
        }
    }
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
                let mut r = super::rds::db_instance_resource(addr, i, tags, &map);
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
                let r = super::rds_cluster::cluster_resource(addr, cl, tags, instances, &map);
                live.resources.push(r);
            }
            None => live.foreign.push(Foreign {
                kind: Kind::Cluster,
                name: cl.db_cluster_identifier().unwrap_or_default().to_string(),
                id: cl.db_cluster_arn().unwrap_or_default().to_string(),
            }),
        }
    }
    if account.events.is_none() {
        storage_cooldowns(c, &w.storage, &mut live).await?;
    }
    live.parameter_apply_types = apply_types;
    live.parameter_defaults = defaults;
    for (g, tags, params) in &owned_groups {
        if let Some(addr) = owned(tags, env) {
            live.resources.push(super::parameters::group_resource(
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
                .push(super::options::group_resource(addr, g, tags.clone()));
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
            Some(addr) => live.resources.push(super::iam::role_resource(addr, r)),
            None => live.foreign.push(Foreign {
                kind: Kind::IamRole,
                name: r.name,
                id: r.arn,
            }),
        }
    }
    // What sits in our network without our tags (drift's "unmanaged").
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
    // Complete only with the region's databases and what the VPCs hold (or no VPC to hold it).
    live.whole_region = account.whole_region && (contents.is_some() || our_vpcs.is_empty());
    if let Some(contents) = contents {
        live.unmanaged.extend(contents.unmanaged_groups);
        live.vpc_contents = contents.foreign;
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
    // What sits in or hangs on each EC2 object, from the raw descriptions (ids, not addresses,
    // which two copies share): the copy in use is the one with the most.
    let usage = |r: &Resource| -> usize {
        let id = r.id.as_deref().unwrap_or_default();
        match r.kind {
            Kind::Vpc => {
                subnets.iter().filter(|s| s.vpc_id() == Some(id)).count()
                    + sgs.iter().filter(|g| g.vpc_id() == Some(id)).count()
                    + rts.iter().filter(|t| t.vpc_id() == Some(id)).count()
                    + igws
                        .iter()
                        .filter(|g| g.attachments().iter().any(|a| a.vpc_id() == Some(id)))
                        .count()
                    + live.vpc_contents.get(id).map_or(0, Vec::len)
            }
            Kind::InternetGateway => igws
                .iter()
                .filter(|g| g.internet_gateway_id() == Some(id))
                .map(|g| g.attachments().len())
                .sum(),
            Kind::RouteTable => rts
                .iter()
                .filter(|t| t.route_table_id() == Some(id))
                .map(|t| t.associations().len())
                .sum(),
            // Anything else is never called empty: it may hold what rdsplan cannot see.
            _ => usize::MAX,
        }
    };
    crate::model::mark_retained_olds(&mut live.resources);
    let (kept, duplicates) = split_duplicates(std::mem::take(&mut live.resources), usage);
    live.resources = kept;
    live.duplicates = duplicates;
    live.resources.sort_by(|a, b| a.address.cmp(&b.address));
    resolve_kms(c, w, &mut live).await?;
    live.missing_groups = missing_groups(c, &w.external_groups).await?;
    Ok(live)
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

struct VpcContents {
    /// Security groups with no rdsplan tags (drift's "unmanaged").
    unmanaged_groups: Vec<Foreign>,
    /// By VPC id: what the environment does not own.
    foreign: std::collections::BTreeMap<String, Vec<String>>,
}

/// What the environment's VPCs hold that it does not own: security groups (but each VPC's
/// `default`, which AWS deletes with it), subnets and network interfaces other than those RDS
/// makes for databases (which go with the databases). One paginated call per kind.
async fn vpc_contents(c: &Clients, env: &str, vpcs: &[String]) -> Result<VpcContents, AwsError> {
    let vpc_filter = || {
        Filter::builder()
            .name("vpc-id")
            .set_values(Some(vpcs.to_vec()))
            .build()
    };
    let groups = filtered_items!(
        c,
        describe_security_groups,
        vpc_filter();
        "security groups",
        "DescribeSecurityGroups"
    );
    let subnets = filtered_items!(
        c,
        describe_subnets,
        vpc_filter();
        "subnets",
        "DescribeSubnets"
    );
    let enis = filtered_items!(
        c,
        describe_network_interfaces,
        vpc_filter();
        "network interfaces",
        "DescribeNetworkInterfaces"
    );
    let (groups, subnets, enis) = tokio::try_join!(groups, subnets, enis)?;
    let mut out = VpcContents {
        unmanaged_groups: vec![],
        foreign: Default::default(),
    };
    for g in &groups {
        let tags = ec2_pairs(g.tags());
        let (name, id) = (
            g.group_name().unwrap_or_default(),
            g.group_id().unwrap_or_default(),
        );
        // Every VPC has a "default" group that AWS made; it is not drift.
        if name == "default" || owned(&tags, env).is_some() {
            continue;
        }
        if tag(&tags, TAG_ENV).is_none() {
            out.unmanaged_groups.push(Foreign {
                kind: Kind::SecurityGroup,
                name: name.to_string(),
                id: id.to_string(),
            });
        }
        out.foreign
            .entry(g.vpc_id().unwrap_or_default().to_string())
            .or_default()
            .push(format!("security group {id} ({name})"));
    }
    for s in &subnets {
        if owned(&ec2_pairs(s.tags()), env).is_none() {
            out.foreign
                .entry(s.vpc_id().unwrap_or_default().to_string())
                .or_default()
                .push(format!(
                    "subnet {} ({})",
                    s.subnet_id().unwrap_or_default(),
                    s.cidr_block().unwrap_or_default()
                ));
        }
    }
    for e in &enis {
        if e.requester_id() == Some("amazon-rds") || e.description() == Some("RDSNetworkInterface")
        {
            continue;
        }
        let attached = e
            .attachment()
            .and_then(|a| a.instance_id())
            .map(|i| format!(", attached to {i}"))
            .unwrap_or_default();
        out.foreign
            .entry(e.vpc_id().unwrap_or_default().to_string())
            .or_default()
            .push(format!(
                "network interface {} ({}{attached})",
                e.network_interface_id().unwrap_or_default(),
                e.description().unwrap_or_default()
            ));
    }
    Ok(out)
}

type SubnetGroupRow = (
    String,
    String,
    Vec<(String, String)>,
    aws_sdk_rds::types::DbSubnetGroup,
);

/// The database identifiers the environment's generated secrets record.
fn recorded(secrets: &[super::secrets::LiveSecret]) -> super::scope::Identifiers {
    let mut ids = super::scope::Identifiers::default();
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
        live.kms_keys = super::kms::resolve_aliases(&c.kms, aliases).await?;
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
