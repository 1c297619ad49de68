//! DB parameter groups and DB cluster parameter groups: read (one paginated describe of the
//! groups, then the user-set parameters of each group rdsplan owns), created with their tags in
//! the create call, parameters set in batches of 20 (ModifyDB(Cluster)ParameterGroup takes no
//! more) with the apply method each needs, parameters the files dropped reset to the engine
//! default, deleted. The two flavours differ only in operation names.

use crate::aws::error::sdk;
use crate::aws::{AwsError, Clients};
use crate::model::{Address, Kind, Resource, Value};
use aws_sdk_rds::types::{ApplyMethod, Parameter, Tag};
use aws_sdk_rds::Client;
use std::collections::BTreeMap;

/// ModifyDBParameterGroup and ResetDBParameterGroup take at most 20 parameters per call.
pub const BATCH: usize = 20;

/// Which API family a group belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flavor {
    Db,
    Cluster,
}

impl Flavor {
    pub fn of(kind: Kind) -> Flavor {
        if kind == Kind::ClusterParameterGroup {
            Flavor::Cluster
        } else {
            Flavor::Db
        }
    }
    pub fn kind(self) -> Kind {
        match self {
            Flavor::Db => Kind::ParameterGroup,
            Flavor::Cluster => Kind::ClusterParameterGroup,
        }
    }
}

/// A group as listed: name, family, description, ARN.
#[derive(Debug, Clone)]
pub struct Listed {
    pub flavor: Flavor,
    pub name: String,
    pub family: String,
    pub description: String,
    pub arn: String,
}

impl Listed {
    fn db(g: &aws_sdk_rds::types::DbParameterGroup) -> Listed {
        Listed {
            flavor: Flavor::Db,
            name: g.db_parameter_group_name().unwrap_or_default().into(),
            family: g.db_parameter_group_family().unwrap_or_default().into(),
            description: g.description().unwrap_or_default().into(),
            arn: g.db_parameter_group_arn().unwrap_or_default().into(),
        }
    }
    fn cluster(g: &aws_sdk_rds::types::DbClusterParameterGroup) -> Listed {
        Listed {
            flavor: Flavor::Cluster,
            name: g
                .db_cluster_parameter_group_name()
                .unwrap_or_default()
                .into(),
            family: g.db_parameter_group_family().unwrap_or_default().into(),
            description: g.description().unwrap_or_default().into(),
            arn: g
                .db_cluster_parameter_group_arn()
                .unwrap_or_default()
                .into(),
        }
    }
}

/// One group by name, `None` when AWS has none.
pub async fn list_one(c: &Client, flavor: Flavor, name: &str) -> Result<Option<Listed>, AwsError> {
    use aws_sdk_rds::error::ProvideErrorMetadata;
    let listed = match flavor {
        Flavor::Db => c
            .describe_db_parameter_groups()
            .db_parameter_group_name(name)
            .send()
            .await
            .map(|o| o.db_parameter_groups().first().map(Listed::db))
            .map_err(|e| {
                (
                    e.into_service_error().code().map(str::to_string),
                    "DescribeDBParameterGroups",
                )
            }),
        Flavor::Cluster => c
            .describe_db_cluster_parameter_groups()
            .db_cluster_parameter_group_name(name)
            .send()
            .await
            .map(|o| o.db_cluster_parameter_groups().first().map(Listed::cluster))
            .map_err(|e| {
                (
                    e.into_service_error().code().map(str::to_string),
                    "DescribeDBClusterParameterGroups",
                )
            }),
    };
    // Not found is `None`; any other error names the operation and AWS's code.
    listed.or_else(|(code, op)| {
        crate::aws::error::missing_code(name, op, code.as_deref()).map(|_| None)
    })
}

/// Every group of both flavours (the list calls do not return tags: the reader keeps the
/// candidates for ownership).
pub async fn list(c: &Client) -> Result<Vec<Listed>, AwsError> {
    let db = async {
        c.describe_db_parameter_groups()
            .into_paginator()
            .items()
            .send()
            .try_collect()
            .await
            .map_err(sdk("parameter groups", "DescribeDBParameterGroups"))
    };
    let cluster = async {
        c.describe_db_cluster_parameter_groups()
            .into_paginator()
            .items()
            .send()
            .try_collect()
            .await
            .map_err(sdk(
                "cluster parameter groups",
                "DescribeDBClusterParameterGroups",
            ))
    };
    let (db, cluster) = futures::future::try_join(db, cluster).await?;
    let mut out: Vec<Listed> = db.iter().map(Listed::db).collect();
    out.extend(cluster.iter().map(Listed::cluster));
    Ok(out)
}

/// The parameters of a group that are set by the user (not engine defaults), with their apply
/// types where AWS reports them.
pub async fn user_parameters(
    c: &Client,
    flavor: Flavor,
    name: &str,
) -> Result<Vec<Parameter>, AwsError> {
    match flavor {
        Flavor::Db => c
            .describe_db_parameters()
            .db_parameter_group_name(name)
            .source("user")
            .into_paginator()
            .items()
            .send()
            .try_collect()
            .await
            .map_err(sdk(name, "DescribeDBParameters")),
        Flavor::Cluster => {
            let pages: Vec<_> = c
                .describe_db_cluster_parameters()
                .db_cluster_parameter_group_name(name)
                .source("user")
                .into_paginator()
                .send()
                .try_collect()
                .await
                .map_err(sdk(name, "DescribeDBClusterParameters"))?;
            Ok(pages
                .iter()
                .flat_map(|p| p.parameters().iter().cloned())
                .collect())
        }
    }
}

/// Apply types (`dynamic`, `static`) of a family's parameters, from the engine defaults. Where
/// AWS cannot tell (an emulator without the call, missing permission), the result is empty and
/// every change is planned as needing a reboot, which is never wrong.
/// The engine-default parameters of a family (names, values, apply types), best effort.
pub async fn engine_defaults(c: &Client, flavor: Flavor, family: &str) -> Vec<Parameter> {
    // A best-effort lookup: one attempt per page, no retries (the fallback, "after reboot",
    // is safe), so an API that is missing or throttled costs one round trip.
    let once = || {
        aws_sdk_rds::config::Builder::default()
            .retry_config(aws_sdk_rds::config::retry::RetryConfig::disabled())
    };
    let mut params: Vec<Parameter> = Vec::new();
    let mut marker: Option<String> = None;
    // At most 50 pages: engine defaults are a few hundred parameters, 100 a page.
    for _ in 0..50 {
        let defaults = match flavor {
            Flavor::Db => c
                .describe_engine_default_parameters()
                .db_parameter_group_family(family)
                .set_marker(marker.clone())
                .customize()
                .config_override(once())
                .send()
                .await
                .ok()
                .and_then(|o| o.engine_defaults),
            Flavor::Cluster => c
                .describe_engine_default_cluster_parameters()
                .db_parameter_group_family(family)
                .set_marker(marker.clone())
                .customize()
                .config_override(once())
                .send()
                .await
                .ok()
                .and_then(|o| o.engine_defaults),
        };
        let Some(d) = defaults else { break };
        params.extend(d.parameters().iter().cloned());
        marker = d.marker().map(str::to_string);
        if marker.is_none() {
            break;
        }
    }
    params
}

/// Default values by name, for parameters that have one.
pub fn default_values(params: &[Parameter]) -> BTreeMap<String, String> {
    params
        .iter()
        .filter_map(|p| {
            Some((
                p.parameter_name()?.to_string(),
                p.parameter_value()?.to_string(),
            ))
        })
        .collect()
}

pub fn apply_types(params: &[Parameter]) -> BTreeMap<String, String> {
    params
        .iter()
        .filter_map(|p| Some((p.parameter_name()?.to_string(), p.apply_type()?.to_string())))
        .collect()
}

/// A live group in the model's terms: its user-set parameters as a map.
/// Parameter name → value, as AWS reports them.
pub fn values(params: &[Parameter]) -> BTreeMap<String, String> {
    params
        .iter()
        .filter_map(|p| {
            Some((
                p.parameter_name()?.to_string(),
                p.parameter_value().unwrap_or_default().to_string(),
            ))
        })
        .collect()
}

pub fn group_resource(
    addr: Address,
    g: &Listed,
    tags: Vec<(String, String)>,
    params: &[Parameter],
) -> Resource {
    let values = values(params);
    let mut r = Resource::new(addr, g.flavor.kind(), g.name.clone())
        .with("family", Value::str(&g.family))
        .with("description", Value::str(&g.description))
        .with("parameters", Value::Map(values))
        .with("tags", Value::Map(crate::aws::user_tags(tags)));
    r.id = Some(g.arn.clone());
    r
}

fn exists_error(code: Option<&str>) -> bool {
    matches!(
        code,
        Some("DBParameterGroupAlreadyExists" | "DBClusterParameterGroupAlreadyExists")
    )
}

fn not_found(code: Option<&str>) -> bool {
    matches!(
        code,
        Some("DBParameterGroupNotFound" | "DBClusterParameterGroupNotFound")
    )
}

/// Creates the group with its tags unless it exists (a re-run after a crash adopts it).
pub async fn create(c: &Client, env: &str, d: &Resource) -> Result<(), AwsError> {
    use aws_sdk_rds::error::ProvideErrorMetadata;
    let addr = d.address.as_str();
    let family = d.str("family").unwrap_or_default();
    let description = d.str("description").unwrap_or_default();
    let tags: Vec<Tag> = crate::kinds::db::instance::create_tags(env, d);
    let res = match Flavor::of(d.kind) {
        Flavor::Db => c
            .create_db_parameter_group()
            .db_parameter_group_name(&d.name)
            .db_parameter_group_family(family)
            .description(description)
            .set_tags(Some(tags))
            .send()
            .await
            .map(|_| ())
            .map_err(|e| e.into_service_error().code().map(str::to_string)),
        Flavor::Cluster => c
            .create_db_cluster_parameter_group()
            .db_cluster_parameter_group_name(&d.name)
            .db_parameter_group_family(family)
            .description(description)
            .set_tags(Some(tags))
            .send()
            .await
            .map(|_| ())
            .map_err(|e| e.into_service_error().code().map(str::to_string)),
    };
    match res {
        Ok(()) => Ok(()),
        Err(code) if exists_error(code.as_deref()) => Ok(()),
        Err(code) => Err(AwsError::new(
            addr,
            "CreateDBParameterGroup",
            code.unwrap_or_else(|| "failed".into()),
        )),
    }
}

/// The apply method a parameter needs: `immediate` only for a dynamic one (AWS refuses it for
/// static parameters); `pending-reboot` otherwise, which AWS always accepts.
fn method(dynamic: bool) -> ApplyMethod {
    if dynamic {
        ApplyMethod::Immediate
    } else {
        ApplyMethod::PendingReboot
    }
}

/// What converging a group's parameters takes: values to set and names to reset, each with
/// whether it is dynamic.
pub struct ParameterPlan {
    pub set: Vec<(String, String, bool)>,
    pub reset: Vec<(String, bool)>,
}

/// Sets and resets parameters, at most [`BATCH`] per call.
pub async fn converge(c: &Client, d: &Resource, plan: &ParameterPlan) -> Result<usize, AwsError> {
    let addr = d.address.as_str();
    let flavor = Flavor::of(d.kind);
    let mut calls = 0;
    for chunk in plan.set.chunks(BATCH) {
        let params: Vec<Parameter> = chunk
            .iter()
            .map(|(k, v, dynamic)| {
                Parameter::builder()
                    .parameter_name(k)
                    .parameter_value(v)
                    .apply_method(method(*dynamic))
                    .build()
            })
            .collect();
        match flavor {
            Flavor::Db => c
                .modify_db_parameter_group()
                .db_parameter_group_name(&d.name)
                .set_parameters(Some(params))
                .send()
                .await
                .map(|_| ())
                .map_err(sdk(addr, "ModifyDBParameterGroup"))?,
            Flavor::Cluster => c
                .modify_db_cluster_parameter_group()
                .db_cluster_parameter_group_name(&d.name)
                .set_parameters(Some(params))
                .send()
                .await
                .map(|_| ())
                .map_err(sdk(addr, "ModifyDBClusterParameterGroup"))?,
        }
        calls += 1;
    }
    for chunk in plan.reset.chunks(BATCH) {
        let params: Vec<Parameter> = chunk
            .iter()
            .map(|(k, dynamic)| {
                Parameter::builder()
                    .parameter_name(k)
                    .apply_method(method(*dynamic))
                    .build()
            })
            .collect();
        match flavor {
            Flavor::Db => c
                .reset_db_parameter_group()
                .db_parameter_group_name(&d.name)
                .reset_all_parameters(false)
                .set_parameters(Some(params))
                .send()
                .await
                .map(|_| ())
                .map_err(sdk(addr, "ResetDBParameterGroup"))?,
            Flavor::Cluster => c
                .reset_db_cluster_parameter_group()
                .db_cluster_parameter_group_name(&d.name)
                .reset_all_parameters(false)
                .set_parameters(Some(params))
                .send()
                .await
                .map(|_| ())
                .map_err(sdk(addr, "ResetDBClusterParameterGroup"))?,
        }
        calls += 1;
    }
    Ok(calls)
}

/// Deletes a group; already gone is success. AWS refuses while a database uses it, which the
/// step order prevents (databases move to the new group first).
pub async fn delete(c: &Client, kind: Kind, address: &str, name: &str) -> Result<(), AwsError> {
    use aws_sdk_rds::error::ProvideErrorMetadata;
    let res = match Flavor::of(kind) {
        Flavor::Db => c
            .delete_db_parameter_group()
            .db_parameter_group_name(name)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| e.into_service_error()),
        Flavor::Cluster => {
            return match c
                .delete_db_cluster_parameter_group()
                .db_cluster_parameter_group_name(name)
                .send()
                .await
            {
                Ok(_) => Ok(()),
                Err(e) => {
                    let e = e.into_service_error();
                    if not_found(e.code()) {
                        Ok(())
                    } else {
                        Err(AwsError::from_sdk(
                            address,
                            "DeleteDBClusterParameterGroup",
                            e,
                        ))
                    }
                }
            }
        }
    };
    match res {
        Ok(()) => Ok(()),
        Err(e) if not_found(e.code()) => Ok(()),
        Err(e) => Err(AwsError::from_sdk(address, "DeleteDBParameterGroup", e)),
    }
}

/// Reads the groups the environment owns (by tags) and the apply types of their families and
/// of the families the files name. Returns (owned groups, look-alikes without our tags, apply
/// types by family, engine-default values by family).
/// An owned group as read: the group, its tags, its user-set parameters.
pub type OwnedGroup = (Listed, Vec<(String, String)>, Vec<Parameter>);

pub async fn read(
    c: &Clients,
    g: &super::group_names::GroupRead<'_>,
    families: &[(Flavor, String)],
) -> Result<
    (
        Vec<OwnedGroup>,
        Vec<Listed>,
        BTreeMap<String, BTreeMap<String, String>>,
        BTreeMap<String, BTreeMap<String, String>>,
    ),
    AwsError,
> {
    let (rds, env, shared) = (&c.rds, g.env, g.shared);
    // Both at once: the region's groups (once per run that shares them), and which of them
    // outside the prefix are ours.
    let (mut listed, tagged) = futures::future::try_join(
        crate::aws::shared::once(shared, "rds:parameter-groups", list(rds)),
        g.tagged.get(&c.tagging, env),
    )
    .await?;
    let apart = super::group_names::apart(&tagged, &["pg", "cluster-pg"], g.identifiers);
    let prefix = format!("{env}-");
    listed.retain(|g| g.name.starts_with(&prefix) || apart.contains(&g.name));
    let tagged = &tagged;
    let reads = listed.iter().map(|g| async move {
        let tags = crate::aws::tags::rds_tags_of(tagged, rds, &g.arn, &g.name).await?;
        Ok::<_, AwsError>((g.clone(), tags))
    });
    let tagged = futures::future::try_join_all(reads).await?;
    let (mine, theirs): (Vec<_>, Vec<_>) = tagged
        .into_iter()
        .partition(|(_, tags)| crate::aws::tags::owned(tags, env).is_some());
    let foreign: Vec<Listed> = theirs.into_iter().map(|(g, _)| g).collect();
    // The user-set parameters of every owned group, concurrently.
    let owned = futures::future::try_join_all(mine.into_iter().map(|(g, tags)| async move {
        let params = user_parameters(rds, g.flavor, &g.name).await?;
        Ok::<_, AwsError>((g, tags, params))
    }))
    .await?;
    let mut wanted: Vec<(Flavor, String)> = families.to_vec();
    wanted.extend(owned.iter().map(|(g, _, _)| (g.flavor, g.family.clone())));
    wanted.sort_by(|a, b| (a.0 == Flavor::Cluster, &a.1).cmp(&(b.0 == Flavor::Cluster, &b.1)));
    wanted.dedup();
    let mut types: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
    let mut defaults: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
    let all_defaults =
        futures::future::join_all(wanted.into_iter().map(|(flavor, family)| async move {
            let key = format!("rds:engine-defaults:{flavor:?}:{family}");
            let read = async { Ok(engine_defaults(rds, flavor, &family).await) };
            let params = crate::aws::shared::once(shared, &key, read).await;
            (family, params.unwrap_or_default())
        }))
        .await;
    for (family, params) in all_defaults {
        types
            .entry(family.clone())
            .or_default()
            .extend(apply_types(&params));
        defaults
            .entry(family.clone())
            .or_default()
            .extend(default_values(&params));
    }
    // What AWS reported with the user-set parameters counts too.
    for (g, _, params) in &owned {
        types
            .entry(g.family.clone())
            .or_default()
            .extend(apply_types(params));
    }
    Ok((owned, foreign, types, defaults))
}

/// A parameter group's step: created if new, its parameters set and reset against what AWS
/// holds now.
pub async fn apply_step(s: &super::step::Upsert<'_>) -> Result<Option<String>, AwsError> {
    let (rds, d) = (&s.ctx.clients.rds, s.d);
    if s.before.is_none() {
        create(rds, s.env(), d).await?;
    }
    let calls = converge_parameters(rds, d, s.change).await?;
    if let (Some(old), Some(arn)) = (&s.old_tags, &s.live_id) {
        crate::kinds::db::instance::set_tags(rds, s.addr(), arn, old, &s.tags).await?;
    }
    s.created(&d.name);
    Ok((calls > 0).then(|| format!("{calls} parameter call(s)")))
}

/// Sets and resets the group's parameters against what AWS holds now (so a re-run after a
/// crash does only what is left), each with the apply method its timing in the plan says.
async fn converge_parameters(
    rds: &Client,
    d: &Resource,
    c: &crate::plan::Change,
) -> Result<usize, AwsError> {
    let now = user_parameters(rds, Flavor::of(d.kind), &d.name).await?;
    let have = values(&now);
    let reported = apply_types(&now);
    let dynamic = |name: &str| {
        let planned = c
            .diffs
            .iter()
            .find(|x| x.name == format!("parameters.{name}"))
            .and_then(|x| x.timing);
        match planned {
            Some(t) => t == crate::plan::timing::Timing::Immediate,
            None => reported.get(name).is_some_and(|t| t == "dynamic"),
        }
    };
    let want = d
        .get("parameters")
        .cloned()
        .unwrap_or(Value::Map(BTreeMap::new()));
    let mut plan = ParameterPlan {
        set: vec![],
        reset: vec![],
    };
    for (name, _, after) in crate::plan::compare::parameter_changes(&want, &Value::Map(have)) {
        let dy = dynamic(&name);
        match after {
            Some(v) => plan.set.push((name, v, dy)),
            None => plan.reset.push((name, dy)),
        }
    }
    converge(rds, d, &plan).await
}

/// The reader: the environment's parameter groups of both kinds (with the apply types and
/// defaults of the families the files name), and others' groups of its names.
pub async fn found(
    c: &Clients,
    g: &super::group_names::GroupRead<'_>,
    families: &[(Flavor, String)],
) -> Result<super::found::Found, AwsError> {
    let env = g.env;
    let (owned_groups, lookalikes, apply_types, defaults) = read(c, g, families).await?;
    let mut f = super::found::Found::default();
    for (g, tags, params) in &owned_groups {
        if let Some(addr) = crate::aws::tags::owned(tags, env) {
            f.owned(&g.name, group_resource(addr, g, tags.clone(), params));
        }
    }
    for g in lookalikes {
        f.foreign(g.flavor.kind(), g.name, g.arn);
    }
    f.live.parameter_apply_types = apply_types;
    f.live.parameter_defaults = defaults;
    Ok(f)
}

/// Whether AWS has no group of this name (one describe by name): an empty answer or a
/// not-found error.
pub async fn missing(rds: &Client, flavor: Flavor, name: &str) -> Result<bool, AwsError> {
    use aws_sdk_rds::error::ProvideErrorMetadata;
    let (answer, op) = match flavor {
        Flavor::Db => (
            rds.describe_db_parameter_groups()
                .db_parameter_group_name(name)
                .send()
                .await
                .map(|o| o.db_parameter_groups().is_empty())
                .map_err(|e| e.into_service_error().code().map(str::to_string)),
            "DescribeDBParameterGroups",
        ),
        Flavor::Cluster => (
            rds.describe_db_cluster_parameter_groups()
                .db_cluster_parameter_group_name(name)
                .send()
                .await
                .map(|o| o.db_cluster_parameter_groups().is_empty())
                .map_err(|e| e.into_service_error().code().map(str::to_string)),
            "DescribeDBClusterParameterGroups",
        ),
    };
    answer.or_else(|code| crate::aws::error::missing_code(name, op, code.as_deref()))
}
