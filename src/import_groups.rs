//! `rdsplan import --all` (and its Terraform and CloudFormation forms): the groups the adopted
//! databases use, adopted with them as definitions, so that rdsplan manages their settings
//! and not only their names: custom parameter, cluster parameter and option groups always,
//! security groups with `--adopt-groups`. A group is adopted only when no database or network
//! interface outside the import uses it (adopting it would put another's settings under this
//! environment); otherwise the databases name it by its AWS name or `sg-` id and it is left as
//! it is, with the reason. AWS's default groups (`default.*`, `default:*`) stay AWS's.
//! Pure: the groups' descriptions come in, adoptions go out.

use crate::config::expand::{option_group_name, parameter_group_name};
use crate::config::types::*;
use crate::import::{self, Adoption, ImportContext, Tagged};
use crate::import_estate::{Adopted, Region};
use crate::kinds::adopt::GroupFound;
use crate::model::{Address, Kind};
use aws_sdk_ec2::types::SecurityGroup;
use std::collections::{BTreeMap, BTreeSet};

/// A group by kind and AWS name (a security group by its `sg-` id).
pub type GroupKey = (Kind, String);

/// Every group the `adopted` databases (identifiers, cluster members included) use, each with
/// the databases of the region outside `adopted` that use it too.
pub fn used(region: &Region, adopted: &BTreeSet<String>) -> BTreeMap<GroupKey, Vec<String>> {
    let mut users: BTreeMap<GroupKey, Vec<String>> = BTreeMap::new();
    let mut add = |kind: Kind, name: Option<&str>, db: &str| {
        if let Some(n) = name.filter(|n| !n.starts_with("default.") && !n.starts_with("default:")) {
            users
                .entry((kind, n.to_string()))
                .or_default()
                .push(db.to_string());
        }
    };
    for i in region.instances {
        let db = i.db_instance_identifier().unwrap_or_default();
        for g in i.db_parameter_groups() {
            add(Kind::ParameterGroup, g.db_parameter_group_name(), db);
        }
        for m in i.option_group_memberships() {
            add(Kind::OptionGroup, m.option_group_name(), db);
        }
        if i.db_cluster_identifier().is_none() {
            for g in i.vpc_security_groups() {
                add(Kind::SecurityGroup, g.vpc_security_group_id(), db);
            }
        }
    }
    for c in region.clusters {
        let db = c.db_cluster_identifier().unwrap_or_default();
        add(
            Kind::ClusterParameterGroup,
            c.db_cluster_parameter_group(),
            db,
        );
        for g in c.vpc_security_groups() {
            add(Kind::SecurityGroup, g.vpc_security_group_id(), db);
        }
    }
    users
        .into_iter()
        .filter(|(_, dbs)| dbs.iter().any(|d| adopted.contains(d)))
        .map(|(k, dbs)| {
            (
                k,
                dbs.into_iter().filter(|d| !adopted.contains(d)).collect(),
            )
        })
        .collect()
}

/// What the groups' adoption gives: the adoptions, the names the databases name them by, and
/// the groups left as they are with why.
#[derive(Default)]
pub struct Groups {
    pub adopted: Vec<Adopted>,
    pub names: BTreeMap<GroupKey, String>,
    pub left: Vec<(String, String)>,
}

/// A security group as `--adopt-groups` sees it: the group, and the network interfaces other
/// than RDS's that use it.
pub struct SecurityGroupFound {
    pub group: SecurityGroup,
    pub other_users: Vec<String>,
}

/// The groups to adopt, named as `preferred` says (the names a Terraform state or a stack
/// gives them, by AWS name or id) or after their AWS names (rdsplan's scheme undone), unique
/// among `taken` addresses. `others` holds, per group, the databases outside the import that
/// use it.
pub fn adopt(
    ctx: &ImportContext,
    found: &[GroupFound],
    security_groups: &[SecurityGroupFound],
    others: &BTreeMap<GroupKey, Vec<String>>,
    taken: &mut BTreeSet<String>,
    preferred: &BTreeMap<String, String>,
) -> Groups {
    let mut out = Groups::default();
    // Names first: a security group's rules may name another group adopted in the same run.
    let mut named: Vec<(GroupKey, String, Result<(), String>)> = vec![];
    for g in found {
        let (key, tags) = match g {
            GroupFound::Parameters { listed, tags, .. } => {
                ((listed.flavor.kind(), listed.name.clone()), tags)
            }
            GroupFound::Options { group, tags } => (
                (
                    Kind::OptionGroup,
                    group.option_group_name().unwrap_or_default().to_string(),
                ),
                tags,
            ),
        };
        let ok = free(&key, others).and_then(|()| import::check_not_managed(tags));
        // A name in rdsplan's own scheme (`<env>-NAME-<family>`) is named NAME, and needs no
        // `identifier`.
        let scheme = match g {
            GroupFound::Parameters { listed, .. } => listed.family.replace('.', "-"),
            GroupFound::Options { group, .. } => format!(
                "{}-{}",
                group.engine_name().unwrap_or_default(),
                group
                    .major_engine_version()
                    .unwrap_or_default()
                    .replace('.', "-")
            ),
        }
        .to_ascii_lowercase();
        let base = key
            .1
            .strip_prefix(&format!("{}-", ctx.env))
            .and_then(|n| n.strip_suffix(&format!("-{scheme}")))
            .unwrap_or(&key.1);
        let base = preferred.get(&key.1).map_or(base, String::as_str);
        // A group left as it is takes no name: it must not push an adopted one to `-2`.
        let name = match &ok {
            Ok(()) => import::unique_name(key.0.as_str(), base, "g", taken),
            Err(_) => String::new(),
        };
        named.push((key, name, ok));
    }
    for s in security_groups {
        let id = s.group.group_id().unwrap_or_default().to_string();
        let key = (Kind::SecurityGroup, id);
        let ok = free(&key, others)
            .and_then(|()| {
                if s.other_users.is_empty() {
                    Ok(())
                } else {
                    Err(format!("also used by {}", s.other_users.join(", ")))
                }
            })
            .and_then(|()| import::check_not_managed(&crate::aws::tags::ec2_pairs(s.group.tags())));
        // rdsplan's own scheme (`<env>-NAME`) undone, as for the other groups.
        let own = s
            .group
            .group_name()
            .map(|n| n.strip_prefix(&format!("{}-", ctx.env)).unwrap_or(n));
        let base = preferred
            .get(&key.1)
            .map(String::as_str)
            .or(own)
            .unwrap_or(&key.1);
        let name = match &ok {
            Ok(()) => import::unique_name(key.0.as_str(), base, "g", taken),
            Err(_) => String::new(),
        };
        named.push((key, name, ok));
    }
    for (key, name, ok) in &named {
        match ok {
            Ok(()) => {
                out.names.insert(key.clone(), name.clone());
            }
            Err(why) => out.left.push((
                label(key),
                format!("{why}: named by its AWS name or id, left as it is"),
            )),
        }
    }
    let ctx = ImportContext {
        env: ctx.env,
        env_tags: ctx.env_tags,
        live: ctx.live,
        vpcs: ctx.vpcs.clone(),
        groups: ctx
            .groups
            .iter()
            .chain(&out.names)
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect(),
    };
    for (key, name, ok) in named {
        if ok.is_err() {
            continue;
        }
        let adoption = if key.0 == Kind::SecurityGroup {
            let g = security_groups
                .iter()
                .find(|s| s.group.group_id() == Some(key.1.as_str()))
                .map(|s| &s.group);
            g.ok_or_else(|| "it is gone".to_string())
                .and_then(|g| import::security_group(&ctx, &name, g))
        } else {
            let g = found.iter().find(|g| match g {
                GroupFound::Parameters { listed, .. } => {
                    listed.flavor.kind() == key.0 && listed.name == key.1
                }
                GroupFound::Options { group, .. } => {
                    key.0 == Kind::OptionGroup && group.option_group_name() == Some(key.1.as_str())
                }
            });
            g.ok_or_else(|| "it is gone".to_string())
                .map(|g| definition(&ctx, &name, g))
        };
        match adoption {
            Ok(adoption) => out.adopted.push(Adopted {
                address: Address::new(key.0.as_str(), &name),
                identifier: key.1.clone(),
                adoption,
            }),
            Err(why) => {
                out.names.remove(&key);
                out.left.push((label(&key), why));
            }
        }
    }
    out
}

fn label((kind, name): &GroupKey) -> String {
    format!("{} {name}", kind.as_str())
}

/// Ok when no database outside the import uses the group.
fn free(key: &GroupKey, others: &BTreeMap<GroupKey, Vec<String>>) -> Result<(), String> {
    match others.get(key).filter(|o| !o.is_empty()) {
        Some(o) => Err(format!(
            "also used by {}, which this import does not take",
            o.join(", ")
        )),
        None => Ok(()),
    }
}

/// A parameter or option group's TOML: its family (or engine and major version), description,
/// what the user set (parameters; options with the settings that differ from their defaults),
/// and its AWS name as `identifier` where it is not the one rdsplan would give it.
fn definition(ctx: &ImportContext, name: &str, g: &GroupFound) -> Adoption {
    let (address, arn, toml) = match g {
        GroupFound::Parameters {
            listed,
            parameters,
            tags,
        } => {
            let kind = listed.flavor.kind();
            let generated = parameter_group_name(ctx.env, name, &listed.family);
            let spec = ParameterGroupConfig {
                identifier: (listed.name != generated).then(|| listed.name.clone()),
                family: listed.family.clone(),
                description: listed.description.clone(),
                parameters: parameters.clone(),
                tags: ctx.own_tags(tags.iter().cloned()),
            };
            let toml = import::file(|c| {
                if kind == Kind::ClusterParameterGroup {
                    c.cluster_parameter_group.insert(name.into(), spec);
                } else {
                    c.parameter_group.insert(name.into(), spec);
                }
            });
            (
                format!("{}.{name}", kind.as_str()),
                listed.arn.clone(),
                toml,
            )
        }
        GroupFound::Options { group, tags } => {
            let engine = group.engine_name().unwrap_or_default();
            let major = group.major_engine_version().unwrap_or_default();
            let aws_name = group.option_group_name().unwrap_or_default();
            let generated = option_group_name(ctx.env, name, engine, major);
            let option = group
                .options()
                .iter()
                .map(|o| OptionConfig {
                    name: o.option_name().unwrap_or_default().to_string(),
                    // What differs from the option's defaults is what someone set.
                    settings: o
                        .option_settings()
                        .iter()
                        .filter(|s| s.value().is_some() && s.value() != s.default_value())
                        .filter_map(|s| Some((s.name()?.to_string(), s.value()?.to_string())))
                        .collect(),
                })
                .collect();
            let spec = OptionGroupConfig {
                identifier: (aws_name != generated).then(|| aws_name.to_string()),
                engine: engine.to_string(),
                major_engine_version: major.to_string(),
                description: group
                    .option_group_description()
                    .unwrap_or_default()
                    .to_string(),
                option,
                tags: ctx.own_tags(tags.iter().cloned()),
            };
            let toml = import::file(|c| {
                c.option_group.insert(name.into(), spec);
            });
            (
                format!("option_group.{name}"),
                group.option_group_arn().unwrap_or_default().to_string(),
                toml,
            )
        }
    };
    Adoption {
        toml,
        tags: vec![(Tagged::Rds(arn), address.clone(), ctx.tags(&address, None))],
        notes: vec![],
        new_vpc: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kinds::parameter_group::{Flavor, Listed};
    use aws_sdk_rds::types::{DbInstance, DbParameterGroupStatus};

    fn db(ident: &str, group: &str) -> DbInstance {
        DbInstance::builder()
            .db_instance_identifier(ident)
            .db_parameter_groups(
                DbParameterGroupStatus::builder()
                    .db_parameter_group_name(group)
                    .build(),
            )
            .build()
    }

    fn pg(name: &str, tags: &[(&str, &str)]) -> GroupFound {
        GroupFound::Parameters {
            listed: Listed {
                flavor: Flavor::Db,
                name: name.into(),
                family: "postgres16".into(),
                description: "tuning".into(),
                arn: format!("arn:aws:rds:us-west-2:1:pg:{name}"),
            },
            parameters: [("work_mem".to_string(), "8192".to_string())].into(),
            tags: tags
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        }
    }

    #[test]
    fn groups_used_only_by_the_imported_databases_are_adopted_as_definitions() {
        let instances = vec![
            db("orders", "legacy-pg"),
            db("billing", "shared-pg"),
            db("far", "shared-pg"),
            db("t-reports", "default.postgres16"),
        ];
        let region = Region {
            instances: &instances,
            clusters: &[],
            subnet_groups: &[],
        };
        let adopted: BTreeSet<String> =
            ["orders".into(), "billing".into(), "t-reports".into()].into();
        let used = used(&region, &adopted);
        assert_eq!(
            used.keys().map(|(_, n)| n.as_str()).collect::<Vec<_>>(),
            ["legacy-pg", "shared-pg"],
            "AWS's defaults are never adopted"
        );
        assert_eq!(used[&(Kind::ParameterGroup, "shared-pg".into())], ["far"]);

        let live = crate::model::Live::default();
        let env_tags = Default::default();
        let ctx = ImportContext {
            env: "t",
            env_tags: &env_tags,
            live: &live,
            vpcs: vec![],
            groups: Default::default(),
        };
        let found = [
            pg("legacy-pg", &[]),
            pg("shared-pg", &[]),
            pg("t-tuned-postgres16", &[]),
            pg("theirs-pg", &[("rdsplan:environment", "prod")]),
        ];
        let mut taken: BTreeSet<String> = ["parameter_group.legacy".to_string()].into();
        let g = adopt(&ctx, &found, &[], &used, &mut taken, &Default::default());
        let addrs: Vec<&str> = g.adopted.iter().map(|a| a.address.as_str()).collect();
        assert_eq!(
            addrs,
            ["parameter_group.legacy-pg", "parameter_group.tuned"]
        );
        let toml = &g.adopted[0].adoption.toml;
        assert!(toml.contains("identifier = \"legacy-pg\""), "{toml}");
        assert!(toml.contains("work_mem = \"8192\""), "{toml}");
        assert!(
            !g.adopted[1].adoption.toml.contains("identifier"),
            "the name rdsplan would give it: no identifier\n{}",
            g.adopted[1].adoption.toml
        );
        assert_eq!(
            g.names[&(Kind::ParameterGroup, "legacy-pg".into())],
            "legacy-pg"
        );
        let left: Vec<&str> = g.left.iter().map(|(w, _)| w.as_str()).collect();
        assert_eq!(
            left,
            ["parameter_group shared-pg", "parameter_group theirs-pg"]
        );
        assert!(g.left[0].1.contains("also used by far"), "{:?}", g.left);
        assert!(g.left[1].1.contains("environment `prod`"), "{:?}", g.left);
        // What is left takes no name from what is adopted.
        assert!(!taken.contains("parameter_group.shared-pg"), "{taken:?}");
    }
}
