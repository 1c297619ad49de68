//! Upgrades through an RDS blue/green deployment (`upgrade = "blue-green"`): a green copy is
//! created with the target version and parameter group and kept in sync, switched over (the
//! green takes the name and endpoint), and the deployment deleted without its target. The old
//! (blue) instance stays, renamed by AWS `<identifier>-old1`; rdsplan moves its address tag to
//! `<address>.old1`, so the next plan reports it for deletion, which needs `--allow-destroy`.
//!
//! Every step looks for what an interrupted run left (the deployment by its name, the
//! switchover by its status), so a re-run resumes.

use crate::aws::error::sdk;
use crate::aws::{wait, AwsError};
use crate::model::{Resource, TAG_ADDRESS};
use aws_sdk_rds::types::{BlueGreenDeployment, Filter, Tag};
use aws_sdk_rds::Client;
use std::time::Duration;

/// The deployment's name: fixed per instance, so that a re-run finds it, and within AWS's 60
/// characters (CreateBlueGreenDeployment BlueGreenDeploymentName): a long identifier is cut
/// and a short hash of the whole keeps it unique.
pub fn deployment_name(ident: &str) -> String {
    const MAX: usize = 60;
    let name = format!("{ident}-rdsplan-upgrade");
    if name.len() <= MAX {
        return name;
    }
    // FNV-1a: stable across runs and platforms.
    let hash = ident.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ b as u64).wrapping_mul(0x100_0000_01b3)
    });
    let suffix = format!("-{:08x}-upgrade", hash as u32);
    let keep = MAX - suffix.len();
    format!("{}{suffix}", ident[..keep].trim_end_matches('-'))
}

async fn find(
    c: &Client,
    address: &str,
    name: &str,
) -> Result<Option<BlueGreenDeployment>, AwsError> {
    let out = c
        .describe_blue_green_deployments()
        .filters(
            Filter::builder()
                .name("blue-green-deployment-name")
                .values(name)
                .build(),
        )
        .send()
        .await
        .map_err(sdk(address, "DescribeBlueGreenDeployments"))?;
    Ok(out
        .blue_green_deployments()
        .iter()
        .find(|d| d.blue_green_deployment_name() == Some(name))
        .cloned())
}

async fn wait_status(
    c: &Client,
    address: &str,
    name: &str,
    want: &str,
    timeout: Duration,
) -> Result<BlueGreenDeployment, AwsError> {
    wait::until(address, timeout, || async {
        match find(c, address, name).await? {
            Some(d) if d.status() == Some(want) => Ok(Some(d)),
            Some(d)
                if matches!(
                    d.status(),
                    Some("INVALID_CONFIGURATION" | "SWITCHOVER_FAILED" | "PROVISIONING_FAILED")
                ) =>
            {
                Err(AwsError::new(
                    address,
                    "blue/green deployment",
                    format!(
                        "{name} is {}: {}",
                        d.status().unwrap_or_default(),
                        d.status_details().unwrap_or_default()
                    ),
                ))
            }
            _ => Ok(None),
        }
    })
    .await
}

/// Deletes the deployment object (never its target); a retry after a lost answer finds it
/// gone (BlueGreenDeploymentNotFoundFault), which is done.
async fn delete_deployment(c: &Client, addr: &str, id: &str) -> Result<(), AwsError> {
    match c
        .delete_blue_green_deployment()
        .blue_green_deployment_identifier(id)
        .delete_target(false)
        .send()
        .await
    {
        Ok(_) => Ok(()),
        Err(e) => {
            let e = AwsError::from_sdk(addr, "DeleteBlueGreenDeployment", e);
            if e.is_code(&["BlueGreenDeploymentNotFoundFault"]) {
                Ok(())
            } else {
                Err(e)
            }
        }
    }
}

/// Finishes an upgrade whose run stopped after the switchover (see `upgrade`'s last steps):
/// the deployment of `base` goes if it is left, the instance now named `green` carries the
/// ownership tags of `base`, and the old instance (`old_arn`) the address `old_address`.
pub async fn finish(
    c: &Client,
    env: &str,
    base: &str,
    green: &str,
    old_arn: &str,
    old_address: &str,
) -> Result<(), AwsError> {
    if let Some(bg) = find(c, base, &deployment_name(green)).await? {
        if bg.status() == Some("SWITCHOVER_COMPLETED") {
            let id = bg.blue_green_deployment_identifier().unwrap_or_default();
            delete_deployment(c, base, id).await?;
        }
    }
    if let Some(g) = crate::kinds::db::instance::describe_instance(c, green).await? {
        let tags: Vec<Tag> = crate::aws::all_tags(env, base, &Default::default())
            .into_iter()
            .map(|(k, v)| Tag::builder().key(k).value(v).build())
            .collect();
        c.add_tags_to_resource()
            .resource_name(g.db_instance_arn().unwrap_or_default())
            .set_tags(Some(tags))
            .send()
            .await
            .map_err(sdk(base, "AddTagsToResource"))?;
    }
    c.add_tags_to_resource()
        .resource_name(old_arn)
        .tags(Tag::builder().key(TAG_ADDRESS).value(old_address).build())
        .send()
        .await
        .map_err(sdk(old_address, "AddTagsToResource"))?;
    Ok(())
}

/// What the green copy gets.
pub struct Green<'a> {
    pub env: &'a str,
    pub desired: &'a Resource,
    /// The instance's ARN (the blue).
    pub source_arn: &'a str,
    pub engine_version: Option<String>,
    pub parameter_group: Option<String>,
    pub switchover_timeout: Duration,
}

/// Creates (or resumes) the deployment, switches over, deletes the deployment and retags the
/// old instance. Returns the old instance's identifier.
pub async fn upgrade(c: &Client, t: Green<'_>, timeout: Duration) -> Result<String, AwsError> {
    let d = t.desired;
    let addr = d.address.as_str();
    let name = deployment_name(&d.name);
    let old = format!("{}-old1", d.name);
    let existing = find(c, addr, &name).await?;
    if existing.is_none() {
        // Already switched over by an earlier run whose deployment is gone: nothing left but
        // the tags (below).
        let switched = crate::kinds::db::instance::describe_instance(c, &old)
            .await?
            .is_some();
        if !switched {
            c.create_blue_green_deployment()
                .blue_green_deployment_name(&name)
                .source(t.source_arn)
                .set_target_engine_version(t.engine_version.clone())
                .set_target_db_parameter_group_name(t.parameter_group.clone())
                .set_tags(Some(crate::kinds::db::instance::create_tags(t.env, d)))
                .send()
                .await
                .map_err(sdk(addr, "CreateBlueGreenDeployment"))?;
        }
    }
    if let Some(bg) = find(c, addr, &name).await? {
        let id = bg
            .blue_green_deployment_identifier()
            .unwrap_or_default()
            .to_string();
        // A switchover an earlier run started (or whose answer was lost) is waited for, not
        // asked for again.
        let started =
            |s: Option<&str>| matches!(s, Some("SWITCHOVER_IN_PROGRESS" | "SWITCHOVER_COMPLETED"));
        if !started(bg.status()) {
            wait_status(c, addr, &name, "AVAILABLE", timeout).await?;
            let sent = c
                .switchover_blue_green_deployment()
                .blue_green_deployment_identifier(&id)
                .switchover_timeout(t.switchover_timeout.as_secs() as i32)
                .send()
                .await
                .map_err(sdk(addr, "SwitchoverBlueGreenDeployment"));
            if let Err(e) = sent {
                let now = find(c, addr, &name).await?;
                if !started(now.as_ref().and_then(|d| d.status())) {
                    return Err(e);
                }
            }
        }
        if bg.status() != Some("SWITCHOVER_COMPLETED") {
            wait_status(c, addr, &name, "SWITCHOVER_COMPLETED", timeout).await?;
        }
        delete_deployment(c, addr, &id).await?;
    }
    // The green now has the name: it is the environment's instance, with its tags.
    if let Some(green) = crate::kinds::db::instance::describe_instance(c, &d.name).await? {
        let arn = green.db_instance_arn().unwrap_or_default();
        c.add_tags_to_resource()
            .resource_name(arn)
            .set_tags(Some(crate::kinds::db::instance::create_tags(t.env, d)))
            .send()
            .await
            .map_err(sdk(addr, "AddTagsToResource"))?;
    }
    // The blue keeps running under its new name; its address moves aside so that it is
    // reported (and deleted only with --allow-destroy), never confused with the new one.
    if let Some(blue) = crate::kinds::db::instance::describe_instance(c, &old).await? {
        c.add_tags_to_resource()
            .resource_name(blue.db_instance_arn().unwrap_or_default())
            .tags(
                Tag::builder()
                    .key(TAG_ADDRESS)
                    .value(format!("{addr}.old1"))
                    .build(),
            )
            .send()
            .await
            .map_err(sdk(addr, "AddTagsToResource"))?;
    }
    Ok(old)
}

#[cfg(test)]
mod tests {
    #[test]
    fn deployment_names_fit_awss_60_characters_and_stay_unique() {
        assert_eq!(
            super::deployment_name("t-orders"),
            "t-orders-rdsplan-upgrade"
        );
        let a = super::deployment_name(&format!("{}a", "x".repeat(62)));
        let b = super::deployment_name(&format!("{}b", "x".repeat(62)));
        assert!(a.len() <= 60 && b.len() <= 60, "{a} {b}");
        assert_ne!(a, b);
        assert_eq!(a, super::deployment_name(&format!("{}a", "x".repeat(62))));
    }
}
