//! The network's apply steps: VPCs, subnets, internet gateways, route tables and security
//! groups. Each create finds what a crashed run made (by its ownership tags) before making it,
//! and tags go in the create call; in-place tag changes follow it.

use super::network;
use super::step::{StepContext, Upsert};
use crate::aws::AwsError;
use crate::model::{Resource, Rule, Value};

/// Retags in place (when the tags changed) and records the id.
async fn finish(s: &Upsert<'_>, id: String) -> Result<Option<String>, AwsError> {
    if let Some(old) = &s.old_tags {
        network::set_tags(&s.ctx.clients.ec2, s.addr(), &id, old, &s.tags).await?;
    }
    Ok(s.created(&id))
}

fn vpc_id(s: &Upsert<'_>) -> Result<String, AwsError> {
    s.ctx.id(s.d.str("vpc").unwrap_or_default())
}

pub async fn vpc(s: &Upsert<'_>) -> Result<Option<String>, AwsError> {
    let cidr = s.d.str("cidr").unwrap_or_default();
    let ec2 = &s.ctx.clients.ec2;
    let id = network::create_vpc(ec2, s.env(), s.addr(), cidr, &s.tags).await?;
    finish(s, id).await
}

pub async fn subnet(s: &Upsert<'_>) -> Result<Option<String>, AwsError> {
    let vpc = vpc_id(s)?;
    let id = network::create_subnet(
        &s.ctx.clients.ec2,
        s.env(),
        s.addr(),
        &vpc,
        s.d.str("availability_zone").unwrap_or_default(),
        s.d.str("cidr").unwrap_or_default(),
        &s.tags,
    )
    .await?;
    finish(s, id).await
}

pub async fn internet_gateway(s: &Upsert<'_>) -> Result<Option<String>, AwsError> {
    let vpc = vpc_id(s)?;
    let ec2 = &s.ctx.clients.ec2;
    let id = network::ensure_internet_gateway(ec2, s.env(), s.addr(), &vpc, &s.tags).await?;
    finish(s, id).await
}

pub async fn route_table(s: &Upsert<'_>) -> Result<Option<String>, AwsError> {
    let vpc = vpc_id(s)?;
    let igw = s.ctx.id(s.d.str("internet_gateway").unwrap_or_default())?;
    let subnets = s.ctx.ids_of(s.d.list("subnets"))?;
    let ec2 = &s.ctx.clients.ec2;
    let id =
        network::ensure_route_table(ec2, s.env(), s.addr(), &vpc, &igw, &subnets, &s.tags).await?;
    finish(s, id).await
}

pub async fn security_group(s: &Upsert<'_>) -> Result<Option<String>, AwsError> {
    let (ctx, d) = (s.ctx, s.d);
    let vpc = vpc_id(s)?;
    let id = network::create_security_group(
        &ctx.clients.ec2,
        s.env(),
        s.addr(),
        &d.name,
        d.str("description").unwrap_or_default(),
        &vpc,
        &s.tags,
    )
    .await?;
    ctx.record(&d.address, &id, &d.name);
    // Rules naming other groups of the environment wait for their own step.
    let which = if d.rule_sources().is_empty() {
        Rules::All
    } else {
        Rules::NotNamingOurGroups
    };
    converge_rules(ctx, d, &id, which).await?;
    finish(s, id).await
}

/// The rules step of a security group whose rules name other groups of the environment: run
/// once the group and every group it names exist (so groups may name each other).
pub async fn rules_naming_groups(ctx: &StepContext, d: &Resource) -> Result<(), AwsError> {
    let id = ctx.id(d.address.as_str())?;
    converge_rules(ctx, d, &id, Rules::All).await
}

/// Detaches the gateway from its VPC (by the VPC's id, or its address's) and deletes it.
pub async fn delete_internet_gateway(ctx: &StepContext, l: &Resource) -> Result<(), AwsError> {
    let id = l.id.clone().unwrap_or_default();
    let vpc = l.str("vpc").and_then(|v| {
        ctx.id(v)
            .ok()
            .or_else(|| v.starts_with("vpc-").then(|| v.to_string()))
    });
    let addr = l.address.as_str();
    network::delete_internet_gateway(&ctx.clients.ec2, addr, &id, vpc.as_deref()).await
}

/// Which of a group's rules a step converges.
#[derive(Clone, Copy, PartialEq)]
enum Rules {
    All,
    /// All but those naming another group of the environment (wanted or live): these are left
    /// as they are for the group's rules step, never revoked meanwhile.
    NotNamingOurGroups,
}

/// Authorizes missing and revokes extra rules, comparing with the group's rules read now.
async fn converge_rules(
    ctx: &StepContext,
    d: &Resource,
    id: &str,
    which: Rules,
) -> Result<(), AwsError> {
    let ec2 = &ctx.clients.ec2;
    let addr = d.address.as_str();
    let rev = ctx.reverse();
    let map = |i: &str| rev.get(i).cloned().unwrap_or_else(|| i.to_string());
    let (ingress, egress) = network::group_rules(ec2, addr, id, &map).await?;
    let ours = |r: &Rule| {
        which == Rules::NotNamingOurGroups
            && crate::model::is_address(&r.source)
            && r.source != d.address.0
    };
    let keep = |rules: Vec<Rule>| -> Vec<Rule> { rules.into_iter().filter(|r| !ours(r)).collect() };
    let (ingress, egress) = (keep(ingress), keep(egress));
    let lookup = |a: &str| {
        ctx.id(a)
            .ok()
            .or_else(|| a.starts_with("sg-").then(|| a.to_string()))
    };
    for (egress_dir, have, key) in [(false, ingress, "ingress"), (true, egress, "egress")] {
        let want: Vec<Rule> = d
            .get(key)
            .map(Value::as_rules)
            .unwrap_or_default()
            .iter()
            .filter(|r| !ours(r))
            .cloned()
            .collect();
        let perm = |r: &Rule| {
            network::permission(r, &lookup).map_err(|m| AwsError::new(addr, "resolve rule", m))
        };
        let add = want
            .iter()
            .filter(|r| !have.contains(r))
            .map(perm)
            .collect::<Result<Vec<_>, _>>()?;
        let remove = have
            .iter()
            .filter(|r| !want.contains(r))
            .map(perm)
            .collect::<Result<Vec<_>, _>>()?;
        network::change_rules(ec2, addr, id, egress_dir, &add, &remove).await?;
    }
    Ok(())
}
