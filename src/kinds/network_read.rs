//! The environment's network as read from EC2: VPCs and security groups by tag, then what only
//! matters where there are VPCs (subnets, gateways, route tables; others' groups of a name the
//! files want; what the VPCs hold that is not ours), and its resources in the model's terms.

use crate::aws::error::sdk;
use crate::aws::paging::{env_items, filtered_items};
use crate::aws::tags::{ec2_pairs, owned, tag, tags_value};
use crate::aws::{AwsError, Clients};
use crate::kinds::wanted::Wanted;
use crate::model::*;
use aws_sdk_ec2::types::Filter;
use std::collections::{BTreeMap, BTreeSet};

/// What EC2 says of the environment's network.
pub struct Network {
    pub vpcs: Vec<aws_sdk_ec2::types::Vpc>,
    pub subnets: Vec<aws_sdk_ec2::types::Subnet>,
    pub igws: Vec<aws_sdk_ec2::types::InternetGateway>,
    pub rts: Vec<aws_sdk_ec2::types::RouteTable>,
    pub sgs: Vec<aws_sdk_ec2::types::SecurityGroup>,
    /// Groups of a name the files want, in VPCs such a group could go into.
    pub lookalikes: Vec<aws_sdk_ec2::types::SecurityGroup>,
    /// What the VPCs hold that is not ours, when read.
    pub contents: Option<VpcContents>,
}

impl Network {
    /// The ids of the VPCs the environment owns.
    pub fn vpc_ids(&self) -> Vec<&str> {
        self.vpcs.iter().filter_map(|v| v.vpc_id()).collect()
    }
}

/// The region's available AZs, only when the files make a VPC.
pub async fn azs(c: &Clients, w: &Wanted<'_>) -> Result<Vec<String>, AwsError> {
    if !w.makes_vpcs {
        return Ok(vec![]);
    }
    let read = async {
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
        Ok(z)
    };
    crate::aws::shared::once(w.rds.shared(), "ec2:azs", read).await
}

/// EC2 in two rounds: the environment's VPCs and security groups, then what only matters where
/// there are VPCs.
pub async fn read(c: &Clients, w: &Wanted<'_>) -> Result<Network, AwsError> {
    let (env, shared) = (w.env, w.rds.shared());
    let (vpcs, sgs): (
        Vec<aws_sdk_ec2::types::Vpc>,
        Vec<aws_sdk_ec2::types::SecurityGroup>,
    ) = tokio::try_join!(
        env_items!(c, shared, env, describe_vpcs, "vpcs", "DescribeVpcs"),
        env_items!(
            c,
            shared,
            env,
            describe_security_groups,
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
    // What the VPCs hold that is not ours matters to a plan only when a VPC goes (AWS
    // refuses to delete a VPC that holds anything) or two copies of one VPC are to be
    // told apart; drift reports its security groups. Read when asked (`vpc_contents`,
    // which the plan's re-read for a VPC that goes asks) or for duplicates. That read lists
    // every subnet of the VPCs, ours among them, so ours are not asked for apart then.
    let mut addresses = BTreeSet::new();
    let duplicated = vpcs
        .iter()
        .filter_map(|v| owned(&ec2_pairs(v.tags()), env))
        .any(|a| !addresses.insert(a));
    let read_contents = (w.vpc_contents || duplicated) && !vpc_ids.is_empty();
    let children = async {
        if vpc_ids.is_empty() {
            return Ok((vec![], vec![], vec![]));
        }
        let subnets = async {
            match read_contents {
                true => Ok(vec![]),
                false => {
                    env_items!(
                        c,
                        shared,
                        env,
                        describe_subnets,
                        "subnets",
                        "DescribeSubnets"
                    )
                    .await
                }
            }
        };
        tokio::try_join!(
            subnets,
            env_items!(
                c,
                shared,
                env,
                describe_internet_gateways,
                "internet gateways",
                "DescribeInternetGateways"
            ),
            env_items!(
                c,
                shared,
                env,
                describe_route_tables,
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
    let contents = async {
        match read_contents {
            true => vpc_contents(c, env, &vpc_ids).await.map(Some),
            false => Ok(None),
        }
    };
    let ((mut subnets, igws, rts), lookalikes, contents) =
        tokio::try_join!(children, lookalikes, contents)?;
    let contents = contents.map(|(contents, all)| {
        subnets = all
            .into_iter()
            .filter(|s| tag(&ec2_pairs(s.tags()), TAG_ENV) == Some(env))
            .collect();
        contents
    });
    Ok(Network {
        vpcs,
        subnets,
        igws,
        rts,
        sgs,
        lookalikes,
        contents,
    })
}

/// Every AWS id of the network the environment owns, with its address.
pub fn note_ids(n: &Network, note: &mut impl FnMut(Option<&str>, &[(String, String)])) {
    for v in &n.vpcs {
        note(v.vpc_id(), &ec2_pairs(v.tags()));
    }
    for s in &n.subnets {
        note(s.subnet_id(), &ec2_pairs(s.tags()));
    }
    for g in &n.igws {
        note(g.internet_gateway_id(), &ec2_pairs(g.tags()));
    }
    for g in &n.sgs {
        note(g.group_id(), &ec2_pairs(g.tags()));
    }
}

/// The network's resources in the model's terms (`map` turns AWS ids into addresses), and the
/// groups of names the files want that others hold.
pub fn resources(
    n: &Network,
    w: &Wanted<'_>,
    map: &(dyn Fn(&str) -> String + Sync),
    live: &mut Live,
) {
    let env = w.env;
    for v in &n.vpcs {
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
    for s in &n.subnets {
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
    for g in &n.igws {
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
    for t in &n.rts {
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
    for g in &n.sgs {
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
            Value::Rules(crate::kinds::network::rules_from(g.ip_permissions(), &map)),
        )
        .with(
            "egress",
            Value::Rules(crate::kinds::network::rules_from(
                g.ip_permissions_egress(),
                &map,
            )),
        )
        .with("tags", tags_value(tags));
        r.id = g.group_id().map(str::to_string);
        live.resources.push(r);
    }
    let our_vpcs: Vec<&str> = n.vpcs.iter().filter_map(|v| v.vpc_id()).collect();
    // A group of ours would be created in one of our VPCs or in an existing VPC the files name.
    let group_vpcs: Vec<&str> = our_vpcs
        .iter()
        .copied()
        .chain(w.external_ids.vpcs.iter().map(String::as_str))
        .collect();
    for g in &n.lookalikes {
        let tags = ec2_pairs(g.tags());
        if owned(&tags, env).is_none() && g.vpc_id().is_some_and(|v| group_vpcs.contains(&v)) {
            live.foreign.push(Foreign {
                kind: Kind::SecurityGroup,
                name: g.group_name().unwrap_or_default().to_string(),
                id: g.group_id().unwrap_or_default().to_string(),
            });
        }
    }
}

/// What sits in or hangs on each EC2 object, from the raw descriptions (ids, not addresses,
/// which two copies share): the copy in use is the one with the most.
pub fn usage<'a>(
    n: &'a Network,
    vpc_contents: &'a BTreeMap<String, Vec<String>>,
) -> impl Fn(&Resource) -> usize + 'a {
    move |r: &Resource| -> usize {
        let id = r.id.as_deref().unwrap_or_default();
        match r.kind {
            Kind::Vpc => {
                n.subnets.iter().filter(|s| s.vpc_id() == Some(id)).count()
                    + n.sgs.iter().filter(|g| g.vpc_id() == Some(id)).count()
                    + n.rts.iter().filter(|t| t.vpc_id() == Some(id)).count()
                    + n.igws
                        .iter()
                        .filter(|g| g.attachments().iter().any(|a| a.vpc_id() == Some(id)))
                        .count()
                    + vpc_contents.get(id).map_or(0, Vec::len)
            }
            Kind::InternetGateway => n
                .igws
                .iter()
                .filter(|g| g.internet_gateway_id() == Some(id))
                .map(|g| g.attachments().len())
                .sum(),
            Kind::RouteTable => n
                .rts
                .iter()
                .filter(|t| t.route_table_id() == Some(id))
                .map(|t| t.associations().len())
                .sum(),
            // Anything else is never called empty: it may hold what rdsplan cannot see.
            _ => usize::MAX,
        }
    }
}

pub struct VpcContents {
    /// Security groups with no rdsplan tags (drift's "unmanaged").
    pub unmanaged_groups: Vec<Foreign>,
    /// By VPC id: what the environment does not own.
    pub foreign: std::collections::BTreeMap<String, Vec<String>>,
}

/// What the environment's VPCs hold that it does not own: security groups (but each VPC's
/// `default`, which AWS deletes with it), subnets and network interfaces other than those RDS
/// makes for databases (which go with the databases). One paginated call per kind.
/// Returns the contents, and every subnet of the VPCs (ours among them).
async fn vpc_contents(
    c: &Clients,
    env: &str,
    vpcs: &[String],
) -> Result<(VpcContents, Vec<aws_sdk_ec2::types::Subnet>), AwsError> {
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
    Ok((out, subnets))
}
