//! EC2 mutations: VPCs, subnets, internet gateways, route tables and security groups. Every
//! create carries the ownership tags in its TagSpecifications, so a crash cannot leave an
//! untagged orphan; every create first looks for an owned object with the same address, so a
//! re-run adopts what an interrupted run made instead of making a second one.

use crate::aws::error::{sdk, sent};
use crate::aws::once::{self, no_retry_ec2};
use crate::aws::{all_tags, AwsError};
use crate::model::{Rule, TAG_ADDRESS, TAG_ENV};
use aws_sdk_ec2::types::{
    Filter, IpPermission, IpRange, ResourceType, Tag, TagSpecification, UserIdGroupPair,
};
use aws_sdk_ec2::Client;
use std::collections::BTreeMap;

pub fn tag_spec(
    rt: ResourceType,
    env: &str,
    address: &str,
    user: &BTreeMap<String, String>,
) -> TagSpecification {
    let mut b = TagSpecification::builder().resource_type(rt);
    for (k, v) in all_tags(env, address, user) {
        b = b.tags(Tag::builder().key(k).value(v).build());
    }
    b.build()
}

fn owned_filters(env: &str, address: &str) -> Vec<Filter> {
    vec![
        Filter::builder()
            .name(format!("tag:{TAG_ENV}"))
            .values(env)
            .build(),
        Filter::builder()
            .name(format!("tag:{TAG_ADDRESS}"))
            .values(address)
            .build(),
    ]
}

/// Flattens EC2 permissions to one rule per source. Group ids are mapped to addresses.
pub fn rules_from(perms: &[IpPermission], map: &(dyn Fn(&str) -> String + Sync)) -> Vec<Rule> {
    let mut out = Vec::new();
    for p in perms {
        let proto = match p.ip_protocol().unwrap_or("-1") {
            "-1" => "all",
            "6" => "tcp",
            "17" => "udp",
            "1" => "icmp",
            other => other,
        }
        .to_string();
        let (from, to) = if proto == "all" {
            (-1, -1)
        } else {
            (p.from_port().unwrap_or(-1), p.to_port().unwrap_or(-1))
        };
        let mk = |source: String, description: Option<&str>| Rule {
            protocol: proto.clone(),
            from_port: from,
            to_port: to,
            source,
            description: description.filter(|d| !d.is_empty()).map(str::to_string),
        };
        for r in p.ip_ranges() {
            out.push(mk(
                r.cidr_ip().unwrap_or_default().to_string(),
                r.description(),
            ));
        }
        for g in p.user_id_group_pairs() {
            out.push(mk(map(g.group_id().unwrap_or_default()), g.description()));
        }
    }
    out.sort();
    out.dedup();
    out
}

/// One rule as an EC2 permission; `group_id` resolves a group address to its id.
pub fn permission(
    r: &Rule,
    group_id: &(dyn Fn(&str) -> Option<String> + Sync),
) -> Result<IpPermission, String> {
    let proto = if r.protocol == "all" {
        "-1"
    } else {
        r.protocol.as_str()
    };
    let mut b = IpPermission::builder().ip_protocol(proto);
    if r.protocol != "all" {
        b = b.from_port(r.from_port).to_port(r.to_port);
    }
    if r.source_is_group() {
        let id = group_id(&r.source).ok_or_else(|| format!("{} has no id yet", r.source))?;
        b = b.user_id_group_pairs(
            UserIdGroupPair::builder()
                .group_id(id)
                .set_description(r.description.clone())
                .build(),
        );
    } else {
        b = b.ip_ranges(
            IpRange::builder()
                .cidr_ip(&r.source)
                .set_description(r.description.clone())
                .build(),
        );
    }
    Ok(b.build())
}

/// The id of the environment's object with `address`, if any: one describe filtered by the
/// ownership tags.
macro_rules! find_owned_id {
    ($c:expr, $op:ident, $list:ident, $id:ident, $env:expr, $address:expr, $name:literal) => {
        async {
            let out = $c
                .$op()
                .set_filters(Some(owned_filters($env, $address)))
                .send()
                .await
                .map_err(sdk($address, $name))?;
            Ok::<_, AwsError>(
                out.$list()
                    .first()
                    .and_then(|x| x.$id())
                    .map(str::to_string),
            )
        }
    };
}

pub async fn find_vpc(c: &Client, env: &str, address: &str) -> Result<Option<String>, AwsError> {
    find_owned_id!(c, describe_vpcs, vpcs, vpc_id, env, address, "DescribeVpcs").await
}

pub async fn create_vpc(
    c: &Client,
    env: &str,
    address: &str,
    cidr: &str,
    tags: &BTreeMap<String, String>,
) -> Result<String, AwsError> {
    let id = once::create(
        &[],
        || find_vpc(c, env, address),
        || async {
            let out = c
                .create_vpc()
                .cidr_block(cidr)
                .tag_specifications(tag_spec(ResourceType::Vpc, env, address, tags))
                .customize()
                .config_override(no_retry_ec2())
                .send()
                .await
                .map_err(sent(address, "CreateVpc"))?;
            out.vpc()
                .and_then(|v| v.vpc_id())
                .map(str::to_string)
                .ok_or_else(|| AwsError::new(address, "CreateVpc", "no VPC id in the response"))
        },
    )
    .await?;
    // RDS endpoints resolve through the VPC's DNS; CDK enables both attributes by default.
    // Set every time (they are idempotent): a VPC found after a lost response has them too.
    for hostnames in [false, true] {
        let req = c.modify_vpc_attribute().vpc_id(&id);
        let req = if hostnames {
            req.enable_dns_hostnames(bool_value(true))
        } else {
            req.enable_dns_support(bool_value(true))
        };
        req.send()
            .await
            .map_err(sdk(address, "ModifyVpcAttribute"))?;
    }
    Ok(id)
}

/// A client token for one create of this run: the same on every attempt, so that AWS
/// recognises a repeated create, and new in every run, so that a resource deleted and made again
/// later (with other parameters) is not mistaken for the old one (at most 64 ASCII characters).
fn client_token(env: &str, address: &str, parent: &str) -> String {
    use std::hash::{Hash, Hasher};
    static RUN: std::sync::OnceLock<u128> = std::sync::OnceLock::new();
    let run = RUN.get_or_init(|| {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0)
            ^ u128::from(std::process::id())
    });
    let mut h = std::collections::hash_map::DefaultHasher::new();
    (env, address, parent, run).hash(&mut h);
    format!("rdsplan-{:016x}-{:08x}", h.finish(), std::process::id())
}

fn bool_value(b: bool) -> aws_sdk_ec2::types::AttributeBooleanValue {
    aws_sdk_ec2::types::AttributeBooleanValue::builder()
        .value(b)
        .build()
}

pub async fn delete_vpc(c: &Client, address: &str, id: &str) -> Result<(), AwsError> {
    match c.delete_vpc().vpc_id(id).send().await {
        Ok(_) => Ok(()),
        Err(e) => {
            let e = AwsError::from_sdk(address, "DeleteVpc", e);
            if e.is_code(&["InvalidVpcID.NotFound"]) {
                Ok(())
            } else {
                Err(e)
            }
        }
    }
}

pub async fn create_subnet(
    c: &Client,
    env: &str,
    address: &str,
    vpc_id: &str,
    az: &str,
    cidr: &str,
    tags: &BTreeMap<String, String>,
) -> Result<String, AwsError> {
    let find = || {
        find_owned_id!(
            c,
            describe_subnets,
            subnets,
            subnet_id,
            env,
            address,
            "DescribeSubnets"
        )
    };
    once::create(&["InvalidSubnet.Conflict"], find, || async {
        let out = c
            .create_subnet()
            .vpc_id(vpc_id)
            .availability_zone(az)
            .cidr_block(cidr)
            .tag_specifications(tag_spec(ResourceType::Subnet, env, address, tags))
            .customize()
            .config_override(no_retry_ec2())
            .send()
            .await
            .map_err(sent(address, "CreateSubnet"))?;
        out.subnet()
            .and_then(|s| s.subnet_id())
            .map(str::to_string)
            .ok_or_else(|| AwsError::new(address, "CreateSubnet", "no subnet id in the response"))
    })
    .await
}

pub async fn delete_subnet(c: &Client, address: &str, id: &str) -> Result<(), AwsError> {
    match c.delete_subnet().subnet_id(id).send().await {
        Ok(_) => Ok(()),
        Err(e) => {
            let e = AwsError::from_sdk(address, "DeleteSubnet", e);
            if e.is_code(&["InvalidSubnetID.NotFound"]) {
                Ok(())
            } else {
                Err(e)
            }
        }
    }
}

/// Creates (or finds) the gateway and makes sure it is attached to `vpc_id`.
pub async fn ensure_internet_gateway(
    c: &Client,
    env: &str,
    address: &str,
    vpc_id: &str,
    tags: &BTreeMap<String, String>,
) -> Result<String, AwsError> {
    let find = || async {
        let found = c
            .describe_internet_gateways()
            .set_filters(Some(owned_filters(env, address)))
            .send()
            .await
            .map_err(sdk(address, "DescribeInternetGateways"))?;
        Ok(found.internet_gateways().first().map(|g| {
            (
                g.internet_gateway_id().unwrap_or_default().to_string(),
                g.attachments().iter().any(|a| a.vpc_id() == Some(vpc_id)),
            )
        }))
    };
    let (id, attached) = once::create(&[], find, || async {
        let out = c
            .create_internet_gateway()
            .tag_specifications(tag_spec(ResourceType::InternetGateway, env, address, tags))
            .customize()
            .config_override(no_retry_ec2())
            .send()
            .await
            .map_err(sent(address, "CreateInternetGateway"))?;
        let id = out
            .internet_gateway()
            .and_then(|g| g.internet_gateway_id())
            .unwrap_or_default()
            .to_string();
        Ok((id, false))
    })
    .await?;
    if !attached {
        let res = c
            .attach_internet_gateway()
            .internet_gateway_id(&id)
            .vpc_id(vpc_id)
            .send()
            .await
            .map_err(sdk(address, "AttachInternetGateway"));
        match res {
            Ok(_) => {}
            // A retry of an attach that landed (its answer lost): attached to this VPC is done.
            Err(e) if e.is_code(&["Resource.AlreadyAssociated"]) => {
                let now = find().await?;
                if !now.is_some_and(|(_, attached)| attached) {
                    return Err(e);
                }
            }
            Err(e) => return Err(e),
        }
    }
    Ok(id)
}

pub async fn delete_internet_gateway(
    c: &Client,
    address: &str,
    id: &str,
    vpc_id: Option<&str>,
) -> Result<(), AwsError> {
    if let Some(vpc) = vpc_id {
        if let Err(e) = c
            .detach_internet_gateway()
            .internet_gateway_id(id)
            .vpc_id(vpc)
            .send()
            .await
        {
            let e = AwsError::from_sdk(address, "DetachInternetGateway", e);
            if !e.is_code(&["Gateway.NotAttached", "InvalidInternetGatewayID.NotFound"]) {
                return Err(e);
            }
        }
    }
    match c
        .delete_internet_gateway()
        .internet_gateway_id(id)
        .send()
        .await
    {
        Ok(_) => Ok(()),
        Err(e) => {
            let e = AwsError::from_sdk(address, "DeleteInternetGateway", e);
            if e.is_code(&["InvalidInternetGatewayID.NotFound"]) {
                Ok(())
            } else {
                Err(e)
            }
        }
    }
}

/// Creates (or finds) the public route table and converges its default route and subnet
/// associations to exactly `subnet_ids`.
pub async fn ensure_route_table(
    c: &Client,
    env: &str,
    address: &str,
    vpc_id: &str,
    igw_id: &str,
    subnet_ids: &[String],
    tags: &BTreeMap<String, String>,
) -> Result<String, AwsError> {
    let find = || async {
        let found = c
            .describe_route_tables()
            .set_filters(Some(owned_filters(env, address)))
            .send()
            .await
            .map_err(sdk(address, "DescribeRouteTables"))?;
        Ok(found.route_tables().first().cloned())
    };
    // CreateRouteTable takes a client token: the same token on every attempt makes the create
    // idempotent on AWS; the look-up before each attempt covers what does not honour it.
    let token = client_token(env, address, vpc_id);
    let table = once::create(&[], find, || async {
        c.create_route_table()
            .vpc_id(vpc_id)
            .client_token(&token)
            .tag_specifications(tag_spec(ResourceType::RouteTable, env, address, tags))
            .customize()
            .config_override(no_retry_ec2())
            .send()
            .await
            .map_err(sent(address, "CreateRouteTable"))?
            .route_table()
            .cloned()
            .ok_or_else(|| {
                AwsError::new(
                    address,
                    "CreateRouteTable",
                    "no route table in the response",
                )
            })
    })
    .await?;
    let id = table.route_table_id().unwrap_or_default().to_string();
    let route = table
        .routes()
        .iter()
        .find(|r| r.destination_cidr_block() == Some("0.0.0.0/0"));
    match route.and_then(|r| r.gateway_id()) {
        Some(gw) if gw == igw_id => {}
        Some(_) => {
            c.replace_route()
                .route_table_id(&id)
                .destination_cidr_block("0.0.0.0/0")
                .gateway_id(igw_id)
                .send()
                .await
                .map_err(sdk(address, "ReplaceRoute"))?;
        }
        None => {
            let made = c
                .create_route()
                .route_table_id(&id)
                .destination_cidr_block("0.0.0.0/0")
                .gateway_id(igw_id)
                .send()
                .await
                .map_err(sdk(address, "CreateRoute"));
            // A retry of a create that landed: make sure the route is ours.
            if let Err(e) = made {
                if !e.is_code(&["RouteAlreadyExists"]) {
                    return Err(e);
                }
                c.replace_route()
                    .route_table_id(&id)
                    .destination_cidr_block("0.0.0.0/0")
                    .gateway_id(igw_id)
                    .send()
                    .await
                    .map_err(sdk(address, "ReplaceRoute"))?;
            }
        }
    }
    for a in table.associations() {
        if let Some(s) = a.subnet_id() {
            if !subnet_ids.iter().any(|x| x == s) {
                c.disassociate_route_table()
                    .association_id(a.route_table_association_id().unwrap_or_default())
                    .send()
                    .await
                    .map_err(sdk(address, "DisassociateRouteTable"))?;
            }
        }
    }
    for s in subnet_ids {
        if !table
            .associations()
            .iter()
            .any(|a| a.subnet_id() == Some(s))
        {
            c.associate_route_table()
                .route_table_id(&id)
                .subnet_id(s)
                .send()
                .await
                .map(|_| ())
                .map_err(sdk(address, "AssociateRouteTable"))
                // A retry of an association that landed (its answer lost).
                .or_else(|e| {
                    if e.is_code(&["Resource.AlreadyAssociated"]) {
                        Ok(())
                    } else {
                        Err(e)
                    }
                })?;
        }
    }
    Ok(id)
}

pub async fn delete_route_table(c: &Client, address: &str, id: &str) -> Result<(), AwsError> {
    let out = c
        .describe_route_tables()
        .route_table_ids(id)
        .send()
        .await
        .map_err(|e| AwsError::from_sdk(address, "DescribeRouteTables", e));
    let out = match out {
        Ok(o) => o,
        Err(e) if e.is_code(&["InvalidRouteTableID.NotFound"]) => return Ok(()),
        Err(e) => return Err(e),
    };
    for t in out.route_tables() {
        for a in t.associations() {
            if a.main() != Some(true) {
                if let Some(aid) = a.route_table_association_id() {
                    c.disassociate_route_table()
                        .association_id(aid)
                        .send()
                        .await
                        .map_err(sdk(address, "DisassociateRouteTable"))?;
                }
            }
        }
    }
    c.delete_route_table()
        .route_table_id(id)
        .send()
        .await
        .map_err(sdk(address, "DeleteRouteTable"))?;
    Ok(())
}

pub async fn create_security_group(
    c: &Client,
    env: &str,
    address: &str,
    name: &str,
    description: &str,
    vpc_id: &str,
    tags: &BTreeMap<String, String>,
) -> Result<String, AwsError> {
    let find = || {
        find_owned_id!(
            c,
            describe_security_groups,
            security_groups,
            group_id,
            env,
            address,
            "DescribeSecurityGroups"
        )
    };
    once::create(&["InvalidGroup.Duplicate"], find, || async {
        let out = c
            .create_security_group()
            .group_name(name)
            .description(description)
            .vpc_id(vpc_id)
            .tag_specifications(tag_spec(ResourceType::SecurityGroup, env, address, tags))
            .customize()
            .config_override(no_retry_ec2())
            .send()
            .await
            .map_err(sent(address, "CreateSecurityGroup"))?;
        Ok(out.group_id().unwrap_or_default().to_string())
    })
    .await
}

/// The live rules of a group, read fresh so that authorize/revoke act on the current truth.
pub async fn group_rules(
    c: &Client,
    address: &str,
    id: &str,
    map: &(dyn Fn(&str) -> String + Sync),
) -> Result<(Vec<Rule>, Vec<Rule>), AwsError> {
    let out = c
        .describe_security_groups()
        .group_ids(id)
        .send()
        .await
        .map_err(sdk(address, "DescribeSecurityGroups"))?;
    let g = out.security_groups().first().ok_or_else(|| {
        AwsError::new(address, "DescribeSecurityGroups", format!("{id} not found"))
    })?;
    Ok((
        rules_from(g.ip_permissions(), map),
        rules_from(g.ip_permissions_egress(), map),
    ))
}

/// Authorizes `add` and revokes `remove` on one direction of a group.
pub async fn change_rules(
    c: &Client,
    address: &str,
    id: &str,
    egress: bool,
    add: &[IpPermission],
    remove: &[IpPermission],
) -> Result<(), AwsError> {
    if !remove.is_empty() {
        if egress {
            c.revoke_security_group_egress()
                .group_id(id)
                .set_ip_permissions(Some(remove.to_vec()))
                .send()
                .await
                .map(|_| ())
                .map_err(sdk(address, "RevokeSecurityGroupEgress"))
                // A retry of a revoke that landed: the rule is gone, as wanted.
                .or_else(|e| {
                    if e.is_code(&["InvalidPermission.NotFound"]) {
                        Ok(())
                    } else {
                        Err(e)
                    }
                })?;
        } else {
            c.revoke_security_group_ingress()
                .group_id(id)
                .set_ip_permissions(Some(remove.to_vec()))
                .send()
                .await
                .map(|_| ())
                .map_err(sdk(address, "RevokeSecurityGroupIngress"))
                // A retry of a revoke that landed: the rule is gone, as wanted.
                .or_else(|e| {
                    if e.is_code(&["InvalidPermission.NotFound"]) {
                        Ok(())
                    } else {
                        Err(e)
                    }
                })?;
        }
    }
    if !add.is_empty() {
        let res = if egress {
            c.authorize_security_group_egress()
                .group_id(id)
                .set_ip_permissions(Some(add.to_vec()))
                .send()
                .await
                .map(|_| ())
                .map_err(|e| AwsError::from_sdk(address, "AuthorizeSecurityGroupEgress", e))
        } else {
            c.authorize_security_group_ingress()
                .group_id(id)
                .set_ip_permissions(Some(add.to_vec()))
                .send()
                .await
                .map(|_| ())
                .map_err(|e| AwsError::from_sdk(address, "AuthorizeSecurityGroupIngress", e))
        };
        match res {
            Err(e) if !e.is_code(&["InvalidPermission.Duplicate"]) => return Err(e),
            _ => {}
        }
    }
    Ok(())
}

pub async fn delete_security_group(c: &Client, address: &str, id: &str) -> Result<(), AwsError> {
    match c.delete_security_group().group_id(id).send().await {
        Ok(_) => Ok(()),
        Err(e) => {
            let e = AwsError::from_sdk(address, "DeleteSecurityGroup", e);
            if e.is_code(&["InvalidGroup.NotFound"]) {
                Ok(())
            } else {
                Err(e)
            }
        }
    }
}

/// Replaces the user tags of any EC2 resource; ownership tags are never removed.
pub async fn set_tags(
    c: &Client,
    address: &str,
    id: &str,
    old: &BTreeMap<String, String>,
    new: &BTreeMap<String, String>,
) -> Result<(), AwsError> {
    let (gone, set) = crate::aws::tag_changes(old, new);
    if !gone.is_empty() {
        c.delete_tags()
            .resources(id)
            .set_tags(Some(
                gone.into_iter()
                    .map(|k| Tag::builder().key(k).build())
                    .collect(),
            ))
            .send()
            .await
            .map_err(sdk(address, "DeleteTags"))?;
    }
    let set: Vec<Tag> = set
        .into_iter()
        .map(|(k, v)| Tag::builder().key(k).value(v).build())
        .collect();
    if !set.is_empty() {
        c.create_tags()
            .resources(id)
            .set_tags(Some(set))
            .send()
            .await
            .map_err(sdk(address, "CreateTags"))?;
    }
    Ok(())
}
