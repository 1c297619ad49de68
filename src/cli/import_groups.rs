//! `import --all` and its Terraform and CloudFormation forms: reads the groups the adopted
//! databases use (their definitions, tags, and for security groups who else uses them), and
//! hands them to `import_groups`, which decides what is adopted and names it.

use crate::aws::Clients;
use crate::import::ImportContext;
use crate::import_estate::{Estate, Region};
use crate::import_groups::{self, Groups, SecurityGroupFound};
use crate::kinds::adopt;
use crate::model::Kind;
use std::collections::{BTreeMap, BTreeSet};

/// The groups of `estate`'s databases to adopt with them; security groups only when
/// `security_groups` (`--adopt-groups`). `taken`: the addresses the files declare; `names`:
/// the names the source gives groups (Terraform names, logical ids), by AWS name or id.
pub async fn groups(
    clients: &Clients,
    ctx: &ImportContext<'_>,
    region: &Region<'_>,
    estate: &Estate,
    security_groups: bool,
    mut taken: BTreeSet<String>,
    names: &BTreeMap<String, String>,
) -> Result<Groups, String> {
    let mut adopted: BTreeSet<String> = estate
        .adopted
        .iter()
        .map(|d| d.identifier.clone())
        .collect();
    // A cluster's members come with it.
    for c in region.clusters {
        if adopted.contains(c.db_cluster_identifier().unwrap_or_default()) {
            adopted.extend(
                c.db_cluster_members()
                    .iter()
                    .filter_map(|m| m.db_instance_identifier().map(str::to_string)),
            );
        }
    }
    let used = import_groups::used(region, &adopted);
    // What the environment owns already is named as it is, never adopted again.
    let owned = |kind: Kind, id: &str| {
        ctx.live
            .resources
            .iter()
            .any(|r| r.kind == kind && (r.name == id || r.id.as_deref() == Some(id)))
    };
    let mut found = vec![];
    let mut sgs = vec![];
    for (kind, id) in used.keys() {
        if owned(*kind, id) {
            continue;
        }
        let what = format!("reading {} {id}", kind.as_str());
        if *kind == Kind::SecurityGroup {
            if !security_groups {
                continue;
            }
            let group = adopt::security_group(clients, id)
                .await
                .map_err(|e| format!("{what}: {e}"))?;
            let other_users = adopt::group_users_besides_rds(clients, id)
                .await
                .map_err(|e| format!("{what}: {e}"))?;
            sgs.push(SecurityGroupFound { group, other_users });
        } else if let Some(g) = adopt::group(clients, *kind, id)
            .await
            .map_err(|e| format!("{what}: {e}"))?
        {
            found.push(g);
        }
    }
    // The VPCs the databases' files declare, so that an adopted security group names its VPC.
    let ctx = ImportContext {
        env: ctx.env,
        env_tags: ctx.env_tags,
        live: ctx.live,
        vpcs: ctx
            .vpcs
            .iter()
            .copied()
            .chain(
                estate
                    .adopted
                    .iter()
                    .filter_map(|d| d.adoption.new_vpc.as_ref())
                    .map(|(n, v)| (n.as_str(), v)),
            )
            .collect(),
        groups: ctx.groups.clone(),
    };
    Ok(import_groups::adopt(
        &ctx, &found, &sgs, &used, &mut taken, names,
    ))
}
