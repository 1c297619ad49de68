//! `rdsplan import --all`: every database of the region (or of one VPC, narrowed by tags) that
//! no environment manages yet, as files to adopt: Aurora clusters with their members, then
//! instances, then read replicas (whose sources are then known). What they use comes along as
//! `import` writes it for one database (an existing VPC as `[vpc.NAME]` with `id`, declared
//! once for every database in it; others' security groups by `sg-` id; custom groups by name).
//! A database rdsplan cannot express is left as it is, with the reason: never half-imported.
//! Pure: the region's descriptions come in, adoptions go out.

use crate::aws::tags::rds_pairs;
use crate::config::types::VpcConfig;
use crate::import::{self, Adoption, ImportContext, SubnetGroup};
use crate::model::{Address, Kind, Resource, TAG_ENV};
use aws_sdk_rds::types::{DbCluster, DbInstance, DbSubnetGroup};
use std::collections::{BTreeMap, BTreeSet};

/// Which databases to take: those in `vpc` (an id) if given, carrying every `tags` pair, and,
/// when `only` is given, only those identifiers (each named as it says: a Terraform name).
#[derive(Debug, Default)]
pub struct Filter {
    pub vpc: Option<String>,
    pub tags: Vec<(String, String)>,
    pub only: Option<BTreeMap<String, String>>,
}

/// The region's RDS lists.
pub struct Region<'a> {
    pub instances: &'a [DbInstance],
    pub clusters: &'a [DbCluster],
    pub subnet_groups: &'a [DbSubnetGroup],
}

/// One database to adopt.
pub struct Adopted {
    pub address: Address,
    /// Its AWS identifier.
    pub identifier: String,
    pub adoption: Adoption,
}

pub struct Estate {
    pub adopted: Vec<Adopted>,
    /// The groups the databases use, adopted with them (`import_groups`), files and tags
    /// before the databases'.
    pub groups: Vec<Adopted>,
    /// Groups the databases use left as they are: (kind and name, why).
    pub groups_left: Vec<(String, String)>,
    /// Databases in scope left as they are: (identifier, why).
    pub left: Vec<(String, String)>,
    /// Databases in scope an environment manages already (never touched).
    pub managed: usize,
}

/// The three kinds of database `--all` takes.
#[derive(Debug, Clone, Copy)]
enum Db {
    Cluster,
    Instance,
    Replica,
}

impl Db {
    fn kind(self) -> Kind {
        match self {
            Db::Cluster => Kind::Cluster,
            Db::Instance => Kind::Instance,
            Db::Replica => Kind::Replica,
        }
    }
}

/// What `import --all` would adopt. `taken` holds the addresses the files already declare.
pub fn estate(
    ctx: &ImportContext,
    region: &Region,
    filter: &Filter,
    taken: &BTreeSet<String>,
) -> Estate {
    let mut out = Estate {
        adopted: vec![],
        groups: vec![],
        groups_left: vec![],
        left: vec![],
        managed: 0,
    };
    let group = |name: &str| {
        region
            .subnet_groups
            .iter()
            .find(|g| g.db_subnet_group_name() == Some(name))
    };
    let in_scope = |ident: &str, tags: &[(String, String)], vpc: Option<&str>| {
        filter
            .only
            .as_ref()
            .is_none_or(|only| only.contains_key(ident))
            && filter.vpc.as_deref().is_none_or(|want| vpc == Some(want))
            && filter
                .tags
                .iter()
                .all(|(k, v)| tags.iter().any(|(tk, tv)| tk == k && tv == v))
    };
    let managed = |tags: &[(String, String)]| tags.iter().any(|(k, _)| k == TAG_ENV);
    // What this run adopts is known to the next imports of the run: a replica's source, a
    // VPC already written.
    let mut live = ctx.live.clone();
    let mut vpcs: Vec<(String, VpcConfig)> = vec![];
    let mut names: BTreeSet<String> = taken.clone();
    let mut name_for = |kind: &str, ident: &str| -> String {
        let own = ident
            .strip_prefix(&format!("{}-", ctx.env))
            .unwrap_or(ident);
        let preferred = filter.only.as_ref().and_then(|o| o.get(ident));
        import::unique_name(
            kind,
            preferred.map_or(own, String::as_str),
            "db",
            &mut names,
        )
    };

    let mut todo: Vec<(Db, String)> = vec![];
    for c in region.clusters {
        let tags = rds_pairs(c.tag_list());
        let vpc = c.db_subnet_group().and_then(group).and_then(|g| g.vpc_id());
        if !in_scope(c.db_cluster_identifier().unwrap_or_default(), &tags, vpc) {
            continue;
        }
        if managed(&tags) {
            out.managed += 1;
            continue;
        }
        todo.push((
            Db::Cluster,
            c.db_cluster_identifier().unwrap_or_default().into(),
        ));
    }
    let mut replicas = vec![];
    for i in region.instances {
        if i.db_cluster_identifier().is_some() {
            continue; // a cluster's member comes with its cluster
        }
        let tags = rds_pairs(i.tag_list());
        let vpc = i.db_subnet_group().and_then(|g| g.vpc_id());
        if !in_scope(i.db_instance_identifier().unwrap_or_default(), &tags, vpc) {
            continue;
        }
        if managed(&tags) {
            out.managed += 1;
            continue;
        }
        let ident = i.db_instance_identifier().unwrap_or_default().to_string();
        if i.read_replica_source_db_instance_identifier().is_some() {
            replicas.push((Db::Replica, ident));
        } else {
            todo.push((Db::Instance, ident));
        }
    }
    todo.extend(replicas);

    for (db, ident) in todo {
        let kind = db.kind();
        let adoption = {
            let ctx = ImportContext {
                env: ctx.env,
                env_tags: ctx.env_tags,
                live: &live,
                vpcs: ctx
                    .vpcs
                    .iter()
                    .copied()
                    .chain(vpcs.iter().map(|(n, v)| (n.as_str(), v)))
                    .collect(),
                groups: ctx.groups.clone(),
            };
            let name = name_for(kind.as_str(), &ident);
            adopt_one(&ctx, region, db, &ident, &name).map(|a| (name, a))
        };
        match adoption {
            Ok((name, adoption)) => {
                let address = Address::new(kind.as_str(), &name);
                let mut r = Resource::new(address.clone(), kind, ident.clone());
                r.id = Some(ident.clone());
                live.resources.push(r);
                if let Some(v) = &adoption.new_vpc {
                    vpcs.push(v.clone());
                }
                out.adopted.push(Adopted {
                    address,
                    identifier: ident,
                    adoption,
                });
            }
            Err(why) => out.left.push((ident, why)),
        }
    }
    out
}

fn adopt_one(
    ctx: &ImportContext,
    region: &Region,
    db: Db,
    ident: &str,
    name: &str,
) -> Result<Adoption, String> {
    let instance = |id: &str| {
        region
            .instances
            .iter()
            .find(|i| i.db_instance_identifier() == Some(id))
    };
    match db {
        Db::Cluster => {
            let c = region
                .clusters
                .iter()
                .find(|c| c.db_cluster_identifier() == Some(ident))
                .ok_or("it is gone")?;
            let members: Vec<DbInstance> = c
                .db_cluster_members()
                .iter()
                .filter_map(|m| instance(m.db_instance_identifier().unwrap_or_default()))
                .cloned()
                .collect();
            let g = region
                .subnet_groups
                .iter()
                .find(|g| g.db_subnet_group_name() == c.db_subnet_group())
                .ok_or("its DB subnet group is not readable")?;
            let group = SubnetGroup {
                name: g.db_subnet_group_name().unwrap_or_default(),
                vpc_id: g.vpc_id().unwrap_or_default(),
                subnets: g
                    .subnets()
                    .iter()
                    .filter_map(|s| s.subnet_identifier())
                    .map(str::to_string)
                    .collect(),
            };
            import::cluster(ctx, name, c, &members, &group)
        }
        Db::Replica => import::replica(ctx, name, instance(ident).ok_or("it is gone")?),
        Db::Instance => import::instance(ctx, name, instance(ident).ok_or("it is gone")?),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_rds::types::{DbSubnetGroup, Subnet, Tag};

    fn group(name: &str, vpc: &str) -> DbSubnetGroup {
        DbSubnetGroup::builder()
            .db_subnet_group_name(name)
            .vpc_id(vpc)
            .subnets(Subnet::builder().subnet_identifier("subnet-a").build())
            .subnets(Subnet::builder().subnet_identifier("subnet-b").build())
            .build()
    }

    fn db(ident: &str, g: &DbSubnetGroup, tags: &[(&str, &str)]) -> DbInstance {
        let mut b = DbInstance::builder()
            .db_instance_identifier(ident)
            .db_instance_arn(format!("arn:aws:rds:us-west-2:1:db:{ident}"))
            .engine("postgres")
            .engine_version("16.3")
            .db_instance_class("db.t3.micro")
            .allocated_storage(20)
            .master_username("pg")
            .db_subnet_group(g.clone());
        for (k, v) in tags {
            b = b.tag_list(Tag::builder().key(*k).value(*v).build());
        }
        b.build()
    }

    #[test]
    fn only_unmanaged_databases_in_the_vpc_with_the_tags_are_taken_and_share_one_vpc() {
        let ours = group("legacy", "vpc-1");
        let theirs = group("other", "vpc-2");
        let instances = vec![
            db("orders", &ours, &[("team", "shop")]),
            db("billing", &ours, &[("team", "shop")]),
            db("untagged", &ours, &[]),
            db("elsewhere", &theirs, &[("team", "shop")]),
            db("t-managed", &ours, &[("team", "shop"), (TAG_ENV, "t")]),
            db("9lives", &ours, &[("team", "shop")]),
        ];
        let groups = vec![ours.clone(), theirs.clone()];
        let region = Region {
            instances: &instances,
            clusters: &[],
            subnet_groups: &groups,
        };
        let live = crate::model::Live::default();
        let env_tags = Default::default();
        let ctx = ImportContext {
            env: "t",
            env_tags: &env_tags,
            live: &live,
            vpcs: vec![],
            groups: Default::default(),
        };
        let filter = Filter {
            vpc: Some("vpc-1".into()),
            tags: vec![("team".into(), "shop".into())],
            only: None,
        };
        let taken: BTreeSet<String> = ["instance.billing".to_string()].into();
        let e = estate(&ctx, &region, &filter, &taken);
        let addrs: Vec<&str> = e.adopted.iter().map(|a| a.address.as_str()).collect();
        assert_eq!(
            addrs,
            [
                "instance.orders",
                "instance.billing-2",
                "instance.db-9lives"
            ],
            "in the VPC, with the tag, not managed; names made valid and unique"
        );
        assert_eq!(e.managed, 1);
        assert!(e.left.is_empty(), "{:?}", e.left);
        // The VPC is declared by the first database in it only.
        let declared: Vec<bool> = e
            .adopted
            .iter()
            .map(|a| a.adoption.new_vpc.is_some())
            .collect();
        assert_eq!(declared, [true, false, false]);
        assert!(
            e.adopted[1].adoption.toml.contains("vpc = \"vpc-1\""),
            "{}",
            e.adopted[1].adoption.toml
        );
    }

    #[test]
    fn a_database_rdsplan_cannot_express_is_left_with_the_reason() {
        let g = group("legacy", "vpc-1");
        let mut odd = db("mainframe", &g, &[]);
        odd.engine = Some("db2-se".into());
        let instances = vec![odd];
        let groups = vec![g];
        let region = Region {
            instances: &instances,
            clusters: &[],
            subnet_groups: &groups,
        };
        let live = crate::model::Live::default();
        let env_tags = Default::default();
        let ctx = ImportContext {
            env: "t",
            env_tags: &env_tags,
            live: &live,
            vpcs: vec![],
            groups: Default::default(),
        };
        let e = estate(&ctx, &region, &Filter::default(), &BTreeSet::new());
        assert!(e.adopted.is_empty());
        assert_eq!(e.left.len(), 1);
        assert!(e.left[0].1.contains("not supported"), "{:?}", e.left);
    }
}
