//! Apply steps for databases: instances, read replicas, Aurora clusters and their members.
//! Each waits until AWS reports the database `available` before it completes, so dependants
//! (replicas, readers, the secret's endpoint) start only then.

use crate::aws::AwsError;
use crate::kinds::db::cluster::{self as rds_cluster, RoleTarget};
use crate::kinds::db::modify::{self, Resolved};
use crate::kinds::db::restore;
use crate::kinds::secret::Password;
use crate::kinds::step::Upsert;
use crate::kinds::step::{tags_of, StepContext};
use crate::model::{Resource, Value};
use crate::plan::compare::{BLUE_GREEN_ATTRS, RESTORE_FINISH};
use std::collections::BTreeMap;

type StepResult = Result<Option<String>, AwsError>;

/// An instance's step: created (or restored, or renamed, or upgraded) and modified, waiting
/// until AWS reports it `available`. The old instance a blue/green switchover retained is
/// finished instead (its leftover deployment deleted, or it is deleted with `retire_old`).
pub async fn instance(s: &Upsert<'_>) -> StepResult {
    if s.d.get(crate::model::RETAINED_OLD).is_some() {
        return finish_blue_green(s.ctx, s.d).await;
    }
    upsert_instance(s.ctx, s.d, s.before, &s.changed).await
}

pub async fn replica(s: &Upsert<'_>) -> StepResult {
    upsert_replica(s.ctx, s.d, s.before, &s.changed).await
}

pub async fn cluster(s: &Upsert<'_>) -> StepResult {
    upsert_cluster(s.ctx, s.d, s.before, &s.changed).await
}

pub async fn member(s: &Upsert<'_>) -> StepResult {
    upsert_member(s.ctx, s.d, s.before, &s.changed).await
}

/// Deletes an instance or a cluster with the final snapshot the plan says (by default one
/// named after it and the time), waiting until AWS no longer lists it.
pub async fn delete_database(
    ctx: &StepContext,
    l: &Resource,
    c: &crate::plan::Change,
) -> StepResult {
    let addr = l.address.as_str();
    let snapshot = (c.final_snapshot != Some(false)).then(|| {
        if let Some(id) = &c.final_snapshot_id {
            return id.clone();
        }
        let secs = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0);
        format!("{}-final-{secs}", l.name)
    });
    let rds = &ctx.clients.rds;
    let (name, timeout) = (&l.name, ctx.timeout);
    if l.kind == crate::model::Kind::Instance {
        crate::kinds::db::instance::delete_instance(rds, addr, name, snapshot.as_deref(), timeout)
            .await?;
    } else {
        rds_cluster::delete_cluster(rds, addr, name, snapshot.as_deref(), timeout).await?;
    }
    Ok(Some(match snapshot {
        Some(s) => format!("final snapshot {s}"),
        None => "no final snapshot".into(),
    }))
}

/// Deletes a read replica or an Aurora member: neither can have a final snapshot of its own.
pub async fn delete_member(ctx: &StepContext, l: &Resource) -> Result<(), AwsError> {
    let addr = l.address.as_str();
    crate::kinds::db::instance::delete_instance(&ctx.clients.rds, addr, &l.name, None, ctx.timeout)
        .await
}

/// The generated password, read from the secret the plan created before this step.
async fn password(
    ctx: &StepContext,
    addr: &str,
    secret: Option<&String>,
) -> Result<Option<Password>, AwsError> {
    match secret {
        Some(name) => crate::kinds::secret::password(&ctx.clients.secrets, addr, name)
            .await
            .map(Some),
        None => Ok(None),
    }
}

/// The AWS name of the parameter group a database names in `attr`: a group of this
/// environment (created by an earlier step) or an existing group's name.
fn group(ctx: &StepContext, d: &Resource, attr: &str) -> Option<String> {
    let v = d.str(attr)?;
    if crate::model::is_address(v) {
        ctx.name(v)
    } else {
        Some(v.to_string())
    }
}

/// The ARN of the enhanced monitoring role: a role of this environment (created by an earlier
/// step) or an ARN.
fn role_arn(ctx: &StepContext, d: &Resource) -> Option<String> {
    let v = d.str("monitoring_role")?;
    if crate::model::is_address(v) {
        ctx.id(v).ok()
    } else {
        Some(v.to_string())
    }
}

/// The generated password, when RDS stops managing the master password: AWS takes
/// ManageMasterUserPassword=false only together with the new MasterUserPassword.
async fn new_password(
    ctx: &StepContext,
    d: &Resource,
    changed: &[String],
    secret: Option<&String>,
) -> Result<Option<Password>, AwsError> {
    let to_generated =
        changed.iter().any(|c| c == "credentials") && d.str("credentials") == Some("generated");
    if to_generated {
        password(ctx, d.address.as_str(), secret).await
    } else {
        Ok(None)
    }
}

/// What creating an instance or cluster needs from earlier steps: its subnet group's name and,
/// for generated credentials, the password the secret step stored.
async fn creation_inputs(
    ctx: &StepContext,
    d: &Resource,
    secret: Option<&String>,
) -> Result<(String, Option<Password>), AwsError> {
    let addr = d.address.as_str();
    let subnet_group = ctx
        .name(d.str("db_subnet_group").unwrap_or_default())
        .ok_or_else(|| AwsError::new(addr, "resolve", "its DB subnet group was not created"))?;
    Ok((subnet_group, password(ctx, addr, secret).await?))
}

/// `ROLE=FEATURE` items with role addresses resolved to ARNs.
fn wanted_roles(ctx: &StepContext, d: &Resource) -> Result<Vec<String>, AwsError> {
    d.list("iam_roles")
        .iter()
        .map(|item| {
            let (role, feature) = item.split_once('=').unwrap_or((item, ""));
            let arn = if role.starts_with("arn:") {
                role.to_string()
            } else {
                ctx.id(role)?
            };
            Ok(format!("{arn}={feature}"))
        })
        .collect()
}

/// Converges role associations against `have`, the ones AWS reported in the describe that
/// ended the wait (no call of its own).
async fn sync_roles(
    ctx: &StepContext,
    d: &Resource,
    cluster: bool,
    mut have: Vec<String>,
) -> Result<(), AwsError> {
    let target = || {
        if cluster {
            RoleTarget::Cluster(&d.name)
        } else {
            RoleTarget::Instance(&d.name)
        }
    };
    let mut want = wanted_roles(ctx, d)?;
    want.sort();
    have.sort();
    if want != have {
        rds_cluster::sync_roles(&ctx.clients.rds, d.address.as_str(), target(), &have, &want)
            .await?;
    }
    Ok(())
}

/// Records the endpoint in the generated secret, keeping its password.
async fn refresh_secret(
    ctx: &StepContext,
    d: &Resource,
    secret: Option<String>,
    host: Option<&str>,
    port: Option<i32>,
    ident_field: &str,
    known: Option<&Password>,
) -> Result<(), AwsError> {
    let Some(name) = secret else { return Ok(()) };
    let mut f = BTreeMap::new();
    f.insert(
        "engine".to_string(),
        d.get("engine").cloned().unwrap_or(Value::str("")),
    );
    f.insert(
        "username".to_string(),
        d.get("master_username").cloned().unwrap_or(Value::str("")),
    );
    f.insert(ident_field.to_string(), Value::str(&d.name));
    for key in ["db_name", "database_name"] {
        if let Some(db) = d.get(key) {
            f.insert("dbname".to_string(), db.clone());
        }
    }
    if let Some(p) = d.get("port") {
        f.insert("port".to_string(), p.clone());
    }
    if let Some(h) = host {
        f.insert("host".to_string(), Value::str(h));
    }
    if let Some(p) = port {
        f.insert("port".to_string(), Value::Int(p as i64));
    }
    crate::kinds::secret::update_fields_keeping(
        &ctx.clients.secrets,
        d.address.as_str(),
        &name,
        &f,
        known,
    )
    .await
}

async fn retag(
    ctx: &StepContext,
    d: &Resource,
    before: &Resource,
    changed: &[String],
) -> Result<(), AwsError> {
    if changed
        .iter()
        .any(|c| c == "tags" || c == "skip_final_snapshot")
    {
        if let Some(arn) = &before.id {
            let (old, new) = (
                crate::kinds::db::instance::tags_with_skip(before),
                crate::kinds::db::instance::tags_with_skip(d),
            );
            crate::kinds::db::instance::set_tags(
                &ctx.clients.rds,
                d.address.as_str(),
                arn,
                &old,
                &new,
            )
            .await?;
        }
    }
    Ok(())
}

/// The live instance under its desired identifier: renamed in place first when the files give
/// it a new one (a `[[moved]]` rename, or a new `identifier`).
async fn renamed_instance(
    ctx: &StepContext,
    d: &Resource,
    b: &Resource,
) -> Result<Resource, AwsError> {
    if b.name == d.name {
        return Ok(b.clone());
    }
    crate::kinds::db::rename::instance(&ctx.clients.rds, b, &d.name, ctx.timeout).await
}

async fn upsert_instance(
    ctx: &StepContext,
    d: &Resource,
    before: Option<&Resource>,
    changed: &[String],
) -> StepResult {
    let rds = &ctx.clients.rds;
    let addr = d.address.as_str();
    let sg_ids = ctx.ids_of(d.list("security_groups"))?;
    let secret = d.str("secret").map(|s| ctx.name(s).unwrap_or_default());
    let mut modified = false;
    let mut answered: Option<aws_sdk_rds::types::DbInstance> = None;
    let mut quiet = false;
    // The generated password, read once at creation and kept for the secret's endpoint update.
    let mut known: Option<Password> = None;
    match before {
        None => {
            let (subnet_group, password) = creation_inputs(ctx, d, secret.as_ref()).await?;
            known = password.clone();
            let n = crate::kinds::db::instance::NewInstance {
                env: &ctx.env,
                desired: d,
                subnet_group,
                security_group_ids: sg_ids,
                password,
                parameter_group: group(ctx, d, "parameter_group"),
                monitoring_role_arn: role_arn(ctx, d),
                option_group: group(ctx, d, "option_group"),
            };
            match restore::source(d) {
                Some(from) => {
                    restore::instance(rds, &n, &from).await?;
                    let live = ctx.instance_available(addr, &d.name).await?;
                    let arn = live.db_instance_arn().unwrap_or_default();
                    restore::after_instance(rds, d, known.as_ref(), role_arn(ctx, d), arn).await?;
                }
                None => crate::kinds::db::instance::create_instance(rds, n).await?,
            }
        }
        Some(b) => {
            let b = &renamed_instance(ctx, d, b).await?;
            if changed.iter().any(|c| c == RESTORE_FINISH) {
                // A restore whose run stopped before its follow-up: finish it first.
                let live = ctx.instance_available(addr, &d.name).await?;
                known = password(ctx, addr, secret.as_ref()).await?;
                let arn = live.db_instance_arn().unwrap_or_default();
                restore::after_instance(rds, d, known.as_ref(), role_arn(ctx, d), arn).await?;
            }
            let p = new_password(ctx, d, changed, secret.as_ref()).await?;
            let subnet_group = if changed.iter().any(|c| c == "db_subnet_group") {
                ctx.name(d.str("db_subnet_group").unwrap_or_default())
            } else {
                None
            };
            let r = Resolved {
                security_group_ids: sg_ids,
                subnet_group,
                password: p.as_ref(),
                before: Some(b),
                parameter_group: group(ctx, d, "parameter_group"),
                cluster_parameter_group: None,
                member_parameter_group: None,
                monitoring_role_arn: role_arn(ctx, d),
                option_group: group(ctx, d, "option_group"),
            };
            let bg = d.str("upgrade") == Some("blue-green")
                && changed
                    .iter()
                    .any(|c| BLUE_GREEN_ATTRS.contains(&c.as_str()));
            if bg {
                let has = |a: &str| changed.iter().any(|c| c == a);
                crate::kinds::db::blue_green::upgrade(
                    rds,
                    crate::kinds::db::blue_green::Green {
                        env: &ctx.env,
                        desired: d,
                        source_arn: b.id.as_deref().unwrap_or_default(),
                        engine_version: d
                            .str("engine_version")
                            .filter(|_| has("engine_version"))
                            .map(str::to_string),
                        parameter_group: r
                            .parameter_group
                            .clone()
                            .filter(|_| has("parameter_group")),
                        switchover_timeout: std::time::Duration::from_secs(300),
                    },
                    ctx.timeout,
                )
                .await?;
                let rest: Vec<String> = changed
                    .iter()
                    .filter(|c| !BLUE_GREEN_ATTRS.contains(&c.as_str()))
                    .cloned()
                    .collect();
                ctx.instance_available(addr, &d.name).await?;
                modified = modify::modify_instance(rds, d, &rest, &r).await?;
            } else {
                answered = modify::modify_instance_answered(rds, d, changed, &r).await?;
                quiet = quiet_only(d, b, changed);
            }
            retag(ctx, d, b, changed).await?;
        }
    }
    // The endpoint is read after the wait (a port change must never record the old port).
    let live = match modified {
        true => ctx.instance_modified(addr, &d.name).await?,
        false => settle(ctx, addr, &d.name, answered, quiet).await?,
    };
    let have = rds_cluster::role_items(
        live.associated_roles()
            .iter()
            .map(|a| (a.role_arn(), a.feature_name())),
    );
    sync_roles(ctx, d, false, have).await?;
    let endpoint = live.endpoint();
    refresh_secret(
        ctx,
        d,
        secret,
        endpoint.and_then(|e| e.address()),
        endpoint.and_then(|e| e.port()),
        "db_instance_identifier",
        known.as_ref(),
    )
    .await?;
    ctx.record(&d.address, &d.name, &d.name);
    Ok(Some(
        live.db_instance_status().unwrap_or("available").to_string(),
    ))
}

async fn upsert_replica(
    ctx: &StepContext,
    d: &Resource,
    before: Option<&Resource>,
    changed: &[String],
) -> StepResult {
    let rds = &ctx.clients.rds;
    let addr = d.address.as_str();
    let sg_ids = ctx.ids_of(d.list("security_groups"))?;
    let live = match before {
        None => {
            let source = ctx.id(d.str("source").unwrap_or_default())?;
            let refs = crate::kinds::db::instance::ReplicaRefs {
                parameter_group: group(ctx, d, "parameter_group"),
                monitoring_role_arn: role_arn(ctx, d),
                option_group: group(ctx, d, "option_group"),
            };
            crate::kinds::db::instance::create_replica(
                rds,
                &ctx.env,
                d,
                &source,
                sg_ids.clone(),
                refs,
            )
            .await?;
            let live = ctx.instance_available(addr, &d.name).await?;
            // What CreateDBInstanceReadReplica cannot take (backups, windows), set now so
            // that one apply converges.
            let r = Resolved {
                security_group_ids: sg_ids,
                ..Resolved::default()
            };
            if modify::after_create(rds, d, &r).await? {
                ctx.instance_modified(addr, &d.name).await?
            } else {
                live
            }
        }
        Some(b) => {
            let b = &renamed_instance(ctx, d, b).await?;
            let r = Resolved {
                security_group_ids: sg_ids,
                before: Some(b),
                parameter_group: group(ctx, d, "parameter_group"),
                monitoring_role_arn: role_arn(ctx, d),
                option_group: group(ctx, d, "option_group"),
                ..Resolved::default()
            };
            let answer = modify::modify_instance_answered(rds, d, changed, &r).await?;
            retag(ctx, d, b, changed).await?;
            settle(ctx, addr, &d.name, answer, quiet_only(d, b, changed)).await?
        }
    };
    ctx.record(&d.address, &d.name, &d.name);
    Ok(Some(
        live.db_instance_status().unwrap_or("available").to_string(),
    ))
}

/// After a ModifyDBInstance (`answer`: the instance as AWS answered it; `None` when no call was
/// made): a change that puts the instance through a status change is waited for to begin and
/// end; for changes that are all `quiet`, AWS's answer showing the instance available is the
/// reading a wait would make (no call); otherwise one reading of `available`.
async fn settle(
    ctx: &StepContext,
    addr: &str,
    ident: &str,
    answer: Option<aws_sdk_rds::types::DbInstance>,
    quiet: bool,
) -> Result<aws_sdk_rds::types::DbInstance, AwsError> {
    match answer {
        Some(_) if !quiet => ctx.instance_modified(addr, ident).await,
        Some(now) if now.db_instance_status() == Some("available") => Ok(now),
        _ => ctx.instance_available(addr, ident).await,
    }
}

/// Whether every change made is one AWS applies without a status change (the attribute table's
/// `quiet`): the step then waits for one reading of `available`, not for a change to begin
/// (which, never coming, would cost three polls).
fn quiet_only(d: &Resource, before: &Resource, changed: &[String]) -> bool {
    !changed.is_empty()
        && changed
            .iter()
            .all(|k| crate::model::attrs::quiet_change(d.kind, k, before.get(k), d.get(k)))
}

/// Why not one step with [`upsert_instance`]: what the two have in common is already shared
/// (`creation_inputs`, `password`, `group`, `retag`, `sync_roles`, `refresh_secret`, the
/// `Database` trait's waits and renames); what is left is the same order of calls over different
/// requests (NewCluster has no class, storage or option group; a cluster's members are steps
/// of their own; its modify waits on the cluster poller), and one generic step would need a
/// trait method per request field.
async fn upsert_cluster(
    ctx: &StepContext,
    d: &Resource,
    before: Option<&Resource>,
    changed: &[String],
) -> StepResult {
    let rds = &ctx.clients.rds;
    let addr = d.address.as_str();
    let sg_ids = ctx.ids_of(d.list("security_groups"))?;
    let secret = d.str("secret").map(|s| ctx.name(s).unwrap_or_default());
    let mut cluster_modified = false;
    let mut known: Option<Password> = None;
    match before {
        None => {
            let (subnet_group, password) = creation_inputs(ctx, d, secret.as_ref()).await?;
            known = password.clone();
            let n = rds_cluster::NewCluster {
                env: &ctx.env,
                desired: d,
                subnet_group,
                security_group_ids: sg_ids,
                password,
                cluster_parameter_group: group(ctx, d, "cluster_parameter_group"),
            };
            match restore::source(d) {
                Some(from) => {
                    restore::cluster(rds, &n, &from).await?;
                    let live = ctx.cluster_ready(addr, &d.name, false).await?;
                    let arn = live.db_cluster_arn().unwrap_or_default();
                    restore::after_cluster(rds, d, known.as_ref(), arn).await?;
                }
                None => rds_cluster::create_cluster(rds, n).await?,
            }
        }
        Some(b) => {
            let renamed;
            let b = if b.name == d.name {
                b
            } else {
                renamed = crate::kinds::db::rename::cluster(rds, b, &d.name, ctx.timeout).await?;
                &renamed
            };
            if changed.iter().any(|c| c == RESTORE_FINISH) {
                let live = ctx.cluster_ready(addr, &d.name, false).await?;
                known = password(ctx, addr, secret.as_ref()).await?;
                let arn = live.db_cluster_arn().unwrap_or_default();
                restore::after_cluster(rds, d, known.as_ref(), arn).await?;
            }
            let p = new_password(ctx, d, changed, secret.as_ref()).await?;
            let r = Resolved {
                security_group_ids: sg_ids,
                password: p.as_ref(),
                before: Some(b),
                cluster_parameter_group: group(ctx, d, "cluster_parameter_group"),
                member_parameter_group: group(ctx, d, "member_parameter_group"),
                ..Resolved::default()
            };
            cluster_modified =
                modify::modify_cluster(rds, d, changed, &r).await? && !quiet_only(d, b, changed);
            retag(ctx, d, b, changed).await?;
        }
    }
    let live = ctx.cluster_ready(addr, &d.name, cluster_modified).await?;
    let have = rds_cluster::role_items(
        live.associated_roles()
            .iter()
            .map(|a| (a.role_arn(), a.feature_name())),
    );
    sync_roles(ctx, d, true, have).await?;
    refresh_secret(
        ctx,
        d,
        secret,
        live.endpoint(),
        live.port(),
        "db_cluster_identifier",
        known.as_ref(),
    )
    .await?;
    ctx.record(&d.address, &d.name, &d.name);
    Ok(Some(live.status().unwrap_or("available").to_string()))
}

async fn upsert_member(
    ctx: &StepContext,
    d: &Resource,
    before: Option<&Resource>,
    changed: &[String],
) -> StepResult {
    let rds = &ctx.clients.rds;
    let addr = d.address.as_str();
    let (mut answer, mut quiet) = (None, false);
    match before {
        None => {
            let cluster = ctx.id(d.str("cluster").unwrap_or_default())?;
            let pg = group(ctx, d, "parameter_group");
            rds_cluster::create_member(rds, &ctx.env, d, &cluster, pg).await?;
        }
        Some(b) => {
            let b = &renamed_instance(ctx, d, b).await?;
            let r = Resolved {
                before: Some(b),
                parameter_group: group(ctx, d, "parameter_group"),
                ..Resolved::default()
            };
            answer = modify::modify_instance_answered(rds, d, changed, &r).await?;
            quiet = quiet_only(d, b, changed);
            if changed.iter().any(|c| c == "tags") {
                if let Some(arn) = &b.id {
                    crate::kinds::db::instance::set_tags(rds, addr, arn, &tags_of(b), &tags_of(d))
                        .await?;
                }
            }
        }
    }
    let live = settle(ctx, addr, &d.name, answer, quiet).await?;
    ctx.record(&d.address, &d.name, &d.name);
    Ok(Some(
        live.db_instance_status().unwrap_or("available").to_string(),
    ))
}

/// The end of a blue/green upgrade a run stopped in the middle of, after the switchover: the
/// deployment object goes (if left), the new instance carries the address, and `old` (the
/// retained old instance, still tagged with that address) is retagged `<address>.old1`.
async fn finish_blue_green(ctx: &StepContext, old: &Resource) -> StepResult {
    let base = old.str(crate::model::RETAINED_OLD).unwrap_or_default();
    let green = old.name.strip_suffix("-old1").unwrap_or(&old.name);
    crate::kinds::db::blue_green::finish(
        &ctx.clients.rds,
        &ctx.env,
        base,
        green,
        old.id.as_deref().unwrap_or_default(),
        old.address.as_str(),
    )
    .await?;
    Ok(Some("kept, retagged".into()))
}
