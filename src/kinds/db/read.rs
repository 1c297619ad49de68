//! The databases' reader: the region's (or the tagged) DB instances and clusters, the DB subnet
//! groups, and the generated secrets beside them, in the model's terms. Found as `scope` says
//! (RDS lists have no tag filter); a secret recording a database the first read missed makes
//! one more describe by identifier. Only the instance classes no database of the environment
//! runs are asked about (DescribeOrderableDBInstanceOptions).

use crate::aws::account::{account, events, AccountReads};
use crate::aws::tags::{owned, rds_pairs, tag, tags_value};
use crate::aws::{AwsError, Clients};
use crate::kinds::db::scope::{self, RdsScope};
use crate::kinds::wanted::{StorageWanted, Wanted};
use crate::model::*;
use std::collections::HashMap;
use std::sync::Arc;

/// What the databases' reader fetched, before AWS ids are turned into addresses.
pub struct Databases {
    pub account: Arc<AccountReads>,
    pub orderable: std::collections::BTreeMap<String, crate::model::Offer>,
    pub engine_versions: std::collections::BTreeMap<String, Option<Vec<String>>>,
    subnet_groups: Vec<SubnetGroupRow>,
    secrets: Vec<crate::kinds::secret::LiveSecret>,
}

/// Reads the environment's databases, their subnet groups and secrets, and the classes to ask.
pub async fn fetch(c: &Clients, w: &Wanted<'_>) -> Result<Databases, AwsError> {
    let env = w.env;
    let rds = async {
        // Read by tag, the subnet groups are read beside the databases, and their tags as
        // soon as they are back: nothing waits on a read it does not need.
        let by_cost = match &w.rds {
            RdsScope::ByCost(ids) => match scope::region_size(&c.rds).await {
                Some((i, cl)) if scope::region_is_cheaper(ids, i, cl) => Some(RdsScope::Region),
                _ => Some(RdsScope::Tagged(ids.clone())),
            },
            _ => None,
        };
        let (account, early_groups) = match by_cost.as_ref().unwrap_or(&w.rds) {
            RdsScope::Shared(s) => (crate::aws::account::shared_region(c, s).await?, None),
            RdsScope::Region | RdsScope::ByCost(_) => (Arc::new(account(c, false).await?), None),
            RdsScope::Tagged(ids) => {
                let groups = async {
                    let all = crate::aws::account::subnet_groups(c).await?;
                    let rows = read_subnet_groups(c, &w.tagged, env, &all).await?;
                    Ok::<_, AwsError>((all, rows))
                };
                let (mut a, (all, rows)) =
                    tokio::try_join!(scope::tagged(c, &w.tagged, env, ids), groups)?;
                a.subnet_groups = all;
                (Arc::new(a), Some(rows))
            }
        };
        let to_order = classes_to_ask(&w.classes, &account.instances, env);
        let engines = engines_to_ask(&w.versions, &account, env);
        let versions = async { Ok(crate::aws::engine_versions::read(&c.rds, &engines).await) };
        let groups = async {
            match early_groups {
                Some(rows) => Ok(rows),
                None => read_subnet_groups(c, &w.tagged, env, &account.subnet_groups).await,
            }
        };
        let (orderable, engine_versions, subnet_groups) = tokio::try_join!(
            crate::aws::orderable::read(&c.rds, &to_order),
            versions,
            groups,
        )?;
        Ok::<_, AwsError>((account, (orderable, engine_versions), subnet_groups))
    };
    let secrets = crate::kinds::secret::read_env_secrets(c, env, &w.secret_names, w.rds.shared());
    let ((account, (orderable, engine_versions), subnet_groups), secrets) =
        tokio::try_join!(rds, secrets)?;
    let account = match scope::add_recorded(c, &account, &recorded(&secrets)).await? {
        Some(more) => Arc::new(more),
        None => account,
    };
    Ok(Databases {
        account,
        orderable,
        engine_versions,
        subnet_groups,
        secrets,
    })
}

impl Databases {
    /// Every owned database's and subnet group's id (what references name them by).
    pub fn note_ids(&self, note: &mut impl FnMut(Option<&str>, &[(String, String)])) {
        for (name, _, tags, _) in &self.subnet_groups {
            note(Some(&crate::aws::tags::subnet_group_key(name)), tags);
        }
        for i in &self.account.instances {
            note(i.db_instance_identifier(), &rds_pairs(i.tag_list()));
        }
        for cl in &self.account.clusters {
            note(cl.db_cluster_identifier(), &rds_pairs(cl.tag_list()));
        }
    }

    /// The resources and look-alikes, with references read back as addresses by `map`.
    pub fn resources(&mut self, env: &str, map: &(dyn Fn(&str) -> String + Sync), live: &mut Live) {
        let storage_changed = match &self.account.events {
            Some(events) => storage_changes(events),
            None => HashMap::new(),
        };
        let account = self.account.clone();
        rds_resources(
            &account.instances,
            &account.clusters,
            std::mem::take(&mut self.subnet_groups),
            std::mem::take(&mut self.secrets),
            &storage_changed,
            env,
            map,
            live,
        );
    }
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

/// What sits in our network without our tags (drift's "unmanaged"): databases in our VPCs or
/// DB subnet groups.
pub fn unmanaged(
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
pub fn foreign_databases(
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
/// The engines whose versions to ask AWS about: those with a pinned version that no database of
/// the environment runs (a version a database runs is one AWS offered).
pub fn engines_to_ask(wanted: &[(String, String)], live: &AccountReads, env: &str) -> Vec<String> {
    let running: Vec<(&str, &str)> = live
        .instances
        .iter()
        .filter(|i| owned(&rds_pairs(i.tag_list()), env).is_some())
        .filter_map(|i| Some((i.engine()?, i.engine_version()?)))
        .chain(
            live.clusters
                .iter()
                .filter(|c| owned(&rds_pairs(c.tag_list()), env).is_some())
                .filter_map(|c| Some((c.engine()?, c.engine_version()?))),
        )
        .collect();
    let mut out: Vec<String> = wanted
        .iter()
        .filter(|(e, v)| {
            !running
                .iter()
                .any(|(re, rv)| re == e && crate::model::versions::version_matches(v, rv))
        })
        .map(|(e, _)| e.clone())
        .collect();
    out.sort();
    out.dedup();
    out
}

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

/// The environment's DB subnet groups among the region's (`groups`), by name prefix, with
/// their tags: from tag:GetResources (`by_tag`) where it lists them, else one
/// ListTagsForResource each.
async fn read_subnet_groups(
    c: &Clients,
    by_tag: &crate::aws::tags::TaggedOnce,
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
    if candidates.is_empty() {
        return Ok(vec![]);
    }
    let tagged = &by_tag.get(&c.tagging, env).await?;
    let tag_reads = candidates.iter().map(|g| async move {
        let arn = g.db_subnet_group_arn().unwrap_or_default().to_string();
        let name = g.db_subnet_group_name().unwrap_or_default().to_string();
        let tags = crate::aws::tags::rds_tags_of(tagged, &c.rds, &arn, &name).await?;
        Ok::<_, AwsError>((name, arn, tags, (*g).clone()))
    });
    futures::future::try_join_all(tag_reads).await
}

pub fn now_secs() -> i64 {
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
pub async fn storage_cooldowns(
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
}
