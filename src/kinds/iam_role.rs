//! IAM roles. rdsplan creates its roles under the path `/rdsplan/<env>/`, so one paginated
//! ListRoles by path prefix finds them all. ListRoles returns neither tags nor attached
//! policies, so each owned role has those two listed (roles are few; documented in the README).

use crate::aws::error::sdk;
use crate::aws::{all_tags, user_tags, AwsError, Clients};
use crate::model::{Address, Kind, Resource, Value};
use aws_sdk_iam::types::Tag;
use aws_sdk_iam::Client;
use std::collections::BTreeMap;

pub fn path(env: &str) -> String {
    format!("/rdsplan/{env}/")
}

pub struct LiveRole {
    pub name: String,
    pub arn: String,
    pub tags: Vec<(String, String)>,
    pub assumed_by: String,
    pub policies: Vec<String>,
    /// ListRoles returns it (it leaves out tags, boundaries and last use).
    pub description: Option<String>,
}

/// A run that shares its region's reads (drift over several environments) lists the roles of
/// every environment (`/rdsplan/`) once, and each environment keeps those under its path.
pub async fn read_env_roles(
    c: &Clients,
    env: &str,
    shared: Option<&crate::aws::shared::RegionReads>,
) -> Result<Vec<LiveRole>, AwsError> {
    let list = |prefix: String| async move {
        c.iam
            .list_roles()
            .path_prefix(prefix)
            .into_paginator()
            .items()
            .send()
            .try_collect()
            .await
            .map_err(sdk("iam roles", "ListRoles"))
    };
    let mine = path(env);
    let roles: Vec<aws_sdk_iam::types::Role> = match shared {
        Some(s) => s.once("iam:roles", list("/rdsplan/".into())).await?,
        None => list(mine.clone()).await?,
    };
    let roles: Vec<_> = roles
        .into_iter()
        .filter(|r| r.path().starts_with(&mine))
        .collect();
    let reads = roles.iter().map(|r| async move {
        let name = r.role_name().to_string();
        let (tags, policies) = tokio::try_join!(
            async {
                c.iam
                    .list_role_tags()
                    .role_name(&name)
                    .send()
                    .await
                    .map_err(sdk(&name, "ListRoleTags"))
            },
            async {
                c.iam
                    .list_attached_role_policies()
                    .role_name(&name)
                    .send()
                    .await
                    .map_err(sdk(&name, "ListAttachedRolePolicies"))
            }
        )?;
        Ok::<_, AwsError>(LiveRole {
            name: name.clone(),
            arn: r.arn().to_string(),
            tags: tags
                .tags()
                .iter()
                .map(|t| (t.key().to_string(), t.value().to_string()))
                .collect(),
            assumed_by: r
                .assume_role_policy_document()
                .map(service_of)
                .unwrap_or_default(),
            description: r.description().map(str::to_string),
            policies: policies
                .attached_policies()
                .iter()
                .filter_map(|p| p.policy_arn().map(str::to_string))
                .collect(),
        })
    });
    futures::future::try_join_all(reads).await
}

pub fn role_resource(addr: Address, r: LiveRole) -> Resource {
    let mut res = Resource::new(addr, Kind::IamRole, r.name)
        .with("assumed_by", Value::str(r.assumed_by))
        .with("managed_policies", Value::set(r.policies))
        .with("description", Value::str(r.description.unwrap_or_default()))
        .with("tags", Value::Map(user_tags(r.tags)));
    res.id = Some(r.arn);
    res
}

/// The trust policy that lets `service` assume a role.
pub fn trust_policy(service: &str) -> String {
    serde_json::json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Principal": { "Service": service },
            "Action": "sts:AssumeRole"
        }]
    })
    .to_string()
}

/// The service principal of a trust policy (IAM returns it URL-encoded).
fn service_of(doc: &str) -> String {
    let decoded = percent_decode(doc);
    let v: serde_json::Value = serde_json::from_str(&decoded).unwrap_or_default();
    let service = &v["Statement"][0]["Principal"]["Service"];
    match service {
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Array(a) => a
            .first()
            .and_then(|s| s.as_str())
            .unwrap_or_default()
            .to_string(),
        _ => String::new(),
    }
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let Ok(b) = u8::from_str_radix(&s[i + 1..i + 3], 16) {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(if bytes[i] == b'+' { b' ' } else { bytes[i] });
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Creates the role unless it exists, then converges its trust policy, policies and tags.
/// Returns its ARN.
pub async fn ensure_role(
    c: &Client,
    env: &str,
    d: &Resource,
    old_tags: Option<&BTreeMap<String, String>>,
) -> Result<String, AwsError> {
    let addr = d.address.as_str();
    let service = d.str("assumed_by").unwrap_or("rds.amazonaws.com");
    let tags = d
        .get("tags")
        .and_then(Value::as_map)
        .cloned()
        .unwrap_or_default();
    let get = || async {
        match c.get_role().role_name(&d.name).send().await {
            Ok(o) => Ok(o.role().cloned()),
            Err(e) => {
                let e = e.into_service_error();
                if e.is_no_such_entity_exception() {
                    Ok(None)
                } else {
                    Err(AwsError::from_sdk(addr, "GetRole", e))
                }
            }
        }
    };
    let existing = get().await?;
    let arn = match existing {
        Some(r) => {
            if r.path() != path(env) {
                return Err(AwsError::new(
                    addr,
                    "CreateRole",
                    format!("a role named {} exists outside {} and is not this environment's; rdsplan leaves it alone", d.name, path(env)),
                ));
            }
            let want = d.str("description").unwrap_or_default();
            if r.description().unwrap_or_default() != want {
                c.update_role()
                    .role_name(&d.name)
                    .description(want)
                    .send()
                    .await
                    .map_err(sdk(addr, "UpdateRole"))?;
            }
            if r.assume_role_policy_document().map(service_of).as_deref() != Some(service) {
                c.update_assume_role_policy()
                    .role_name(&d.name)
                    .policy_document(trust_policy(service))
                    .send()
                    .await
                    .map_err(sdk(addr, "UpdateAssumeRolePolicy"))?;
            }
            r.arn().to_string()
        }
        // Created at most once: a role in this environment's path found after a lost answer
        // (or named in an EntityAlreadyExists) is the one this step made.
        None => {
            let ours = || async {
                Ok(get()
                    .await?
                    .filter(|r| r.path() == path(env))
                    .map(|r| r.arn().to_string()))
            };
            crate::aws::once::create(&["EntityAlreadyExists"], ours, || async {
                let out = c
                    .create_role()
                    .role_name(&d.name)
                    .path(path(env))
                    .assume_role_policy_document(trust_policy(service))
                    .set_description(d.str("description").map(str::to_string))
                    .set_tags(Some(
                        all_tags(env, addr, &tags)
                            .into_iter()
                            .filter_map(|(k, v)| Tag::builder().key(k).value(v).build().ok())
                            .collect(),
                    ))
                    .customize()
                    .config_override(crate::aws::once::no_retry_iam())
                    .send()
                    .await
                    .map_err(crate::aws::error::sent(addr, "CreateRole"))?;
                Ok(out.role().map(|r| r.arn().to_string()).unwrap_or_default())
            })
            .await?
        }
    };
    let attached: Vec<String> = c
        .list_attached_role_policies()
        .role_name(&d.name)
        .send()
        .await
        .map_err(sdk(addr, "ListAttachedRolePolicies"))?
        .attached_policies()
        .iter()
        .filter_map(|p| p.policy_arn().map(str::to_string))
        .collect();
    let want = d.list("managed_policies");
    for p in want.iter().filter(|p| !attached.contains(p)) {
        c.attach_role_policy()
            .role_name(&d.name)
            .policy_arn(p)
            .send()
            .await
            .map_err(sdk(addr, "AttachRolePolicy"))?;
    }
    for p in attached.iter().filter(|p| !want.contains(p)) {
        c.detach_role_policy()
            .role_name(&d.name)
            .policy_arn(p)
            .send()
            .await
            .map_err(sdk(addr, "DetachRolePolicy"))?;
    }
    if let Some(old) = old_tags {
        let (gone, set) = crate::aws::tag_changes(old, &tags);
        if !gone.is_empty() {
            c.untag_role()
                .role_name(&d.name)
                .set_tag_keys(Some(gone))
                .send()
                .await
                .map_err(sdk(addr, "UntagRole"))?;
        }
        if !set.is_empty() {
            c.tag_role()
                .role_name(&d.name)
                .set_tags(Some(
                    set.into_iter()
                        .filter_map(|(k, v)| Tag::builder().key(k).value(v).build().ok())
                        .collect(),
                ))
                .send()
                .await
                .map_err(sdk(addr, "TagRole"))?;
        }
    }
    Ok(arn)
}

pub async fn delete_role(c: &Client, address: &str, name: &str) -> Result<(), AwsError> {
    let attached = match c.list_attached_role_policies().role_name(name).send().await {
        Ok(o) => o,
        Err(e) => {
            let e = e.into_service_error();
            if e.is_no_such_entity_exception() {
                return Ok(());
            }
            return Err(AwsError::from_sdk(address, "ListAttachedRolePolicies", e));
        }
    };
    for p in attached.attached_policies() {
        c.detach_role_policy()
            .role_name(name)
            .set_policy_arn(p.policy_arn().map(str::to_string))
            .send()
            .await
            .map_err(sdk(address, "DetachRolePolicy"))?;
    }
    c.delete_role()
        .role_name(name)
        .send()
        .await
        .map_err(sdk(address, "DeleteRole"))?;
    Ok(())
}

/// A role's step: created (or found) under the environment's path, its policies and tags
/// converged.
pub async fn apply_step(s: &super::step::Upsert<'_>) -> Result<Option<String>, AwsError> {
    let id = ensure_role(&s.ctx.clients.iam, s.env(), s.d, s.old_tags.as_ref()).await?;
    Ok(s.created(&id))
}

/// The reader: the roles under the environment's path (referred to by their ARNs), and
/// others' roles there.
pub async fn found(
    c: &Clients,
    env: &str,
    shared: Option<&crate::aws::shared::RegionReads>,
) -> Result<super::found::Found, AwsError> {
    let mut f = super::found::Found::default();
    for r in read_env_roles(c, env, shared).await? {
        match crate::aws::tags::owned(&r.tags, env) {
            Some(addr) => f.owned(r.arn.clone(), role_resource(addr, r)),
            None => f.foreign(Kind::IamRole, r.name, r.arn),
        }
    }
    Ok(f)
}
