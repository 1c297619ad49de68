//! Plan-time checks of everything the files name by id (VPCs, subnets, security groups, DB
//! subnet groups, IAM role ARNs, KMS keys): it exists, and it is where the files put it. Pure:
//! live state comes in (read once per run), diagnostics with file:line:col go out.

use super::checks::is_group_id;
use super::diag::{Diagnostic, Place};
use super::load::{Config, Origin};
use crate::model::{Address, Live};
use std::collections::{BTreeMap, BTreeSet};

/// What kind of existing resource an id names, and what it must satisfy.
#[derive(Debug, Clone, PartialEq)]
pub enum IdKind {
    Vpc,
    /// A subnet of the existing VPC with this id.
    Subnet {
        vpc: String,
    },
    /// A DB subnet group of the existing VPC with this id.
    DbSubnetGroup {
        vpc: String,
    },
    /// A security group; for a database, in the VPC the database is placed in (`vpc` names it
    /// as the files do).
    SecurityGroup {
        vpc: Option<String>,
    },
    Role,
    KmsKey,
}

/// One id named in the files, and where.
#[derive(Debug, Clone)]
pub struct IdRef {
    pub kind: IdKind,
    pub id: String,
    pub place: Place,
}

fn at(o: &Origin, path: &[&str]) -> Place {
    o.place(path)
}

/// Every id the files name, with its place.
pub fn referenced(cfg: &Config) -> Vec<IdRef> {
    let mut out = Vec::new();
    let mut push = |kind: IdKind, id: &str, place: Place| {
        out.push(IdRef {
            kind,
            id: id.to_string(),
            place,
        })
    };
    for v in &cfg.vpcs {
        let Some(id) = &v.spec.id else { continue };
        let o = &v.origin;
        push(IdKind::Vpc, id, at(o, &["id"]));
        for (i, s) in v.spec.subnets.iter().flatten().enumerate() {
            let i = i.to_string();
            let kind = IdKind::Subnet { vpc: id.clone() };
            push(kind, s, at(o, &["subnets", &i]));
        }
        if let Some(g) = &v.spec.db_subnet_group {
            let kind = IdKind::DbSubnetGroup { vpc: id.clone() };
            push(kind, g, at(o, &["db_subnet_group"]));
        }
    }
    for g in &cfg.security_groups {
        for (field, rules) in [
            ("ingress", Some(&g.spec.ingress)),
            ("egress", g.spec.egress.as_ref()),
        ] {
            for (i, r) in rules.into_iter().flatten().enumerate() {
                if let Some(src) = r.security_group.as_deref().filter(|s| is_group_id(s)) {
                    // A rule may name a group of a peered VPC: only its existence is checked.
                    let i = i.to_string();
                    let place = at(&g.origin, &[field, &i, "security_group"]);
                    push(IdKind::SecurityGroup { vpc: None }, src, place);
                }
            }
        }
    }
    let mut db = |o: &Origin,
                  vpc: Option<&str>,
                  groups: &[String],
                  roles: Vec<(usize, &str)>,
                  keys: Vec<(&str, Option<&String>)>,
                  monitoring: Option<&String>| {
        for (i, g) in groups.iter().enumerate().filter(|(_, g)| is_group_id(g)) {
            let i = i.to_string();
            let kind = IdKind::SecurityGroup {
                vpc: vpc.map(str::to_string),
            };
            push(kind, g, at(o, &["security_groups", &i]));
        }
        for (i, arn) in roles {
            let i = i.to_string();
            push(IdKind::Role, arn, at(o, &["iam_roles", &i, "role"]));
        }
        if let Some(arn) = monitoring.filter(|r| r.starts_with("arn:")) {
            push(IdKind::Role, arn, at(o, &["monitoring_role"]));
        }
        for (field, key) in keys {
            if let Some(k) = key {
                push(IdKind::KmsKey, k, at(o, &[field]));
            }
        }
    };
    let arns = |roles: &[super::types::IamRoleAttachment]| -> Vec<(usize, String)> {
        roles
            .iter()
            .enumerate()
            .filter(|(_, r)| r.role.starts_with("arn:"))
            .map(|(i, r)| (i, r.role.clone()))
            .collect()
    };
    for i in &cfg.instances {
        let s = &i.spec;
        let roles = arns(&s.iam_roles);
        db(
            &i.origin,
            Some(&s.vpc),
            &s.security_groups,
            roles.iter().map(|(i, r)| (*i, r.as_str())).collect(),
            vec![
                ("kms_key", s.kms_key.as_ref()),
                (
                    "performance_insights_kms_key",
                    s.performance_insights_kms_key.as_ref(),
                ),
            ],
            s.monitoring_role.as_ref(),
        );
    }
    for r in &cfg.replicas {
        let s = &r.spec;
        let source_vpc = cfg
            .instances
            .iter()
            .find(|i| Some(i.name.as_str()) == s.source.strip_prefix("instance."))
            .map(|i| i.spec.vpc.as_str());
        db(
            &r.origin,
            source_vpc,
            s.security_groups.as_deref().unwrap_or_default(),
            vec![],
            vec![(
                "performance_insights_kms_key",
                s.performance_insights_kms_key.as_ref(),
            )],
            s.monitoring_role.as_ref(),
        );
    }
    for c in &cfg.clusters {
        let s = &c.spec;
        let roles = arns(&s.iam_roles);
        db(
            &c.origin,
            Some(&s.vpc),
            &s.security_groups,
            roles.iter().map(|(i, r)| (*i, r.as_str())).collect(),
            vec![("kms_key", s.kms_key.as_ref())],
            None,
        );
    }
    out
}

/// One database's engine and instance class (and Multi-AZ), with their places.
pub struct ClassUse {
    pub engine: String,
    pub class: String,
    pub multi_az: bool,
    pub class_place: Place,
    pub multi_az_place: Place,
}

/// Every `engine_version` the files pin: (engine, version, where).
pub fn pinned_versions(cfg: &Config) -> Vec<(String, String, Place)> {
    let instances = cfg.instances.iter().filter_map(|i| {
        let v = i.spec.engine_version.as_ref()?;
        Some((
            i.spec.engine.clone(),
            v.clone(),
            i.origin.place(&["engine_version"]),
        ))
    });
    let clusters = cfg.clusters.iter().filter_map(|c| {
        let v = c.spec.engine_version.as_ref()?;
        Some((
            c.spec.engine.clone(),
            v.clone(),
            c.origin.place(&["engine_version"]),
        ))
    });
    instances.chain(clusters).collect()
}

/// The closest of `names` to `name`, when one is close (a misspelling).
fn closest<'a>(name: &str, names: impl Iterator<Item = &'a String>) -> Option<&'a String> {
    names
        .map(|n| (strsim::levenshtein(n, name), n))
        .filter(|(d, n)| *d <= 2.max(n.len() / 4))
        .min()
        .map(|(_, n)| n)
}

/// Parameter names and engine versions AWS does not know, at their place. A family or engine
/// whose catalogue could not be read is not checked ([`unchecked`] says so).
fn catalogue(cfg: &Config, live: &Live, d: &mut Vec<Diagnostic>) {
    for (kind, groups) in [
        ("parameter_group", &cfg.parameter_groups),
        ("cluster_parameter_group", &cfg.cluster_parameter_groups),
    ] {
        for g in groups {
            let Some(known) = family_parameters(live, &g.spec.family) else {
                continue;
            };
            for name in g.spec.parameters.keys().filter(|n| !known.contains(*n)) {
                let mut diag = Diagnostic::at(
                    g.origin.place(&["parameters", name]),
                    format!(
                        "`{name}` is not a parameter of family {} ({kind}.{}; DescribeEngineDefaultParameters)",
                        g.spec.family, g.name
                    ),
                );
                diag = match closest(name, known.iter()) {
                    Some(c) => diag.help(format!("did you mean `{c}`?")),
                    None => diag.help("parameter names are as RDS lists them for the family"),
                };
                d.push(diag);
            }
        }
    }
    for (engine, version, place) in pinned_versions(cfg) {
        let Some(Some(offered)) = live.engine_versions.get(&engine) else {
            continue;
        };
        if offered
            .iter()
            .any(|v| crate::model::versions::version_matches(&version, v))
        {
            continue;
        }
        let major = crate::model::versions::major_version(&engine, &version);
        let mut same_major: Vec<&String> = offered
            .iter()
            .filter(|v| crate::model::versions::major_version(&engine, v) == major)
            .collect();
        same_major.sort_by(|a, b| {
            crate::model::versions::version_cmp(b, a).unwrap_or(std::cmp::Ordering::Equal)
        });
        let help = if same_major.is_empty() {
            format!("AWS offers no {engine} {major} in {}; choose a version DescribeDBEngineVersions lists", cfg.region())
        } else {
            let newest: Vec<&str> = same_major.iter().take(3).map(|v| v.as_str()).collect();
            format!(
                "the newest {engine} {major} versions AWS offers: {} (or pin only \"{major}\")",
                newest.join(", ")
            )
        };
        d.push(
            Diagnostic::at(
                place,
                format!(
                    "engine_version \"{version}\" is not a {engine} version AWS offers in {} (DescribeDBEngineVersions)",
                    cfg.region()
                ),
            )
            .help(help),
        );
    }
}

/// Every parameter name of a family, from what the engine defaults told (names with an apply
/// type or a default value); `None` when nothing was learnt of the family.
fn family_parameters(live: &Live, family: &str) -> Option<BTreeSet<String>> {
    let mut names: BTreeSet<String> = BTreeSet::new();
    for m in [&live.parameter_apply_types, &live.parameter_defaults] {
        names.extend(m.get(family).into_iter().flat_map(|p| p.keys().cloned()));
    }
    (!names.is_empty()).then_some(names)
}

/// What could not be checked, said once each: parameter names of a family whose engine
/// defaults could not be read, versions of an engine whose list could not be read.
pub fn unchecked(cfg: &Config, live: &Live) -> Vec<String> {
    let mut out = BTreeSet::new();
    for g in cfg
        .parameter_groups
        .iter()
        .chain(&cfg.cluster_parameter_groups)
        .filter(|g| !g.spec.parameters.is_empty())
    {
        if family_parameters(live, &g.spec.family).is_none() {
            out.insert(format!(
                "parameter names of family {} were not checked: AWS gave no engine defaults for it (DescribeEngineDefaultParameters)",
                g.spec.family
            ));
        }
    }
    for (engine, _, _) in pinned_versions(cfg) {
        if matches!(live.engine_versions.get(&engine), Some(None)) {
            out.insert(format!(
                "{engine} versions were not checked: DescribeDBEngineVersions gave no answer for it"
            ));
        }
    }
    out.into_iter().collect()
}

/// Every engine and instance class the files use: instances, replicas (their own class or the
/// source's), Aurora members.
pub fn class_uses(cfg: &Config) -> Vec<ClassUse> {
    let mut out = Vec::new();
    for i in &cfg.instances {
        out.push(ClassUse {
            engine: i.spec.engine.clone(),
            class: i.spec.instance_class.clone(),
            multi_az: i.spec.multi_az,
            class_place: i.origin.place(&["instance_class"]),
            multi_az_place: i.origin.place(&["multi_az"]),
        });
    }
    for r in &cfg.replicas {
        let source = cfg
            .instances
            .iter()
            .find(|i| Some(i.name.as_str()) == r.spec.source.strip_prefix("instance."));
        if let Some(src) = source {
            out.push(ClassUse {
                engine: src.spec.engine.clone(),
                class: r
                    .spec
                    .instance_class
                    .clone()
                    .unwrap_or_else(|| src.spec.instance_class.clone()),
                multi_az: r.spec.multi_az.unwrap_or(false),
                class_place: r.origin.place(&["instance_class"]),
                multi_az_place: r.origin.place(&["multi_az"]),
            });
        }
    }
    for c in &cfg.clusters {
        for (n, m) in c.spec.instance.iter().enumerate() {
            let n = n.to_string();
            out.push(ClassUse {
                engine: c.spec.engine.clone(),
                class: m.instance_class.clone(),
                multi_az: false,
                class_place: c.origin.place(&["instance", &n, "instance_class"]),
                multi_az_place: c.origin.place(&["instance", &n]),
            });
        }
    }
    out
}

/// The VPC id a `vpc = NAME` reference stands for: an existing VPC's id, or the live id of a
/// VPC of this environment (`None` while it is still to be created).
fn vpc_id<'a>(cfg: &'a Config, live: &'a Live, name: &str) -> Option<&'a str> {
    let v = cfg.vpcs.iter().find(|v| v.name == name)?;
    match &v.spec.id {
        Some(id) => Some(id),
        None => live.find(&Address::new("vpc", name))?.id.as_deref(),
    }
}

/// Every id of `referenced` checked against what AWS reported.
pub fn check(cfg: &Config, live: &Live) -> Vec<Diagnostic> {
    let ext = &live.external;
    let mut d = Vec::new();
    let mut err = |place: &Place, msg: String, help: &str| {
        d.push(Diagnostic::at(place.clone(), msg).help(help.to_string()));
    };
    let mut subnet_azs: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    let refs = referenced(cfg);
    for r in &refs {
        let id = r.id.as_str();
        match &r.kind {
            IdKind::Vpc => {
                if !ext.vpcs.contains_key(id) {
                    err(&r.place, format!("VPC {id} does not exist in {}", cfg.region()),
                        "check the id and the region; rdsplan reads an existing VPC with ec2:DescribeVpcs");
                }
            }
            IdKind::Subnet { vpc } => match ext.subnets.get(id) {
                None => err(&r.place, format!("subnet {id} does not exist in {}", cfg.region()),
                    "check the id; rdsplan reads existing subnets with ec2:DescribeSubnets"),
                Some((in_vpc, _)) if in_vpc != vpc => err(&r.place,
                    format!("subnet {id} is in {in_vpc}, not in {vpc}"),
                    "list subnets of the VPC given by `id`"),
                Some((_, az)) => {
                    subnet_azs.entry(vpc.as_str()).or_default().insert(az.as_str());
                }
            },
            IdKind::DbSubnetGroup { vpc } => match ext.db_subnet_groups.get(id) {
                None => err(&r.place, format!("DB subnet group `{id}` does not exist in {}", cfg.region()),
                    "name an existing DB subnet group, or remove `db_subnet_group` so that rdsplan keeps its own over `subnets`"),
                Some((in_vpc, _)) if in_vpc != vpc => err(&r.place,
                    format!("DB subnet group `{id}` is in {in_vpc}, not in {vpc}"),
                    "name a DB subnet group of the VPC given by `id`"),
                Some(_) => {}
            },
            IdKind::SecurityGroup { vpc } => match ext.security_groups.get(id) {
                None => err(&r.place, format!("security group {id} does not exist in {}", cfg.region()),
                    "check the id; rdsplan reads existing groups with ec2:DescribeSecurityGroups"),
                Some((in_vpc, name)) => {
                    let Some(vpc) = vpc else { continue };
                    match vpc_id(cfg, live, vpc) {
                        Some(want) if want == in_vpc => {}
                        Some(want) => err(&r.place,
                            format!("security group {id} ({name}) is in {in_vpc}, but this database is placed in vpc `{vpc}` ({want})"),
                            "a database's security groups must be in its VPC"),
                        None => err(&r.place,
                            format!("security group {id} ({name}) is in {in_vpc}, but vpc `{vpc}` is created by this plan, so the group cannot be in it"),
                            "use groups of this environment for a VPC rdsplan creates"),
                    }
                }
            },
            IdKind::Role => {
                if !ext.roles.iter().any(|a| a == id) {
                    err(&r.place, format!("IAM role {id} does not exist"),
                        "check the ARN; rdsplan reads it with iam:GetRole");
                }
            }
            IdKind::KmsKey => {
                // A key AWS reports a database of this environment uses is known to exist.
                let in_use = live.resources.iter().any(|l| {
                    l.str("kms_key") == Some(id) || l.str("performance_insights_kms_key") == Some(id)
                });
                if !in_use && !live.kms_keys.contains_key(id) {
                    err(&r.place, format!("KMS key {id} could not be found in {} (kms:DescribeKey)", cfg.region()),
                        "check the key id, ARN or alias, its region, and that rdsplan may call kms:DescribeKey on it");
                }
            }
        }
    }
    // Instance classes AWS does not offer for the engine in this region (where it says).
    for u in class_uses(cfg) {
        match live.orderable.get(&format!("{}|{}", u.engine, u.class)) {
            Some(crate::model::Offer::No) => err(
                &u.class_place,
                format!(
                    "{} is not offered for {} in {} (DescribeOrderableDBInstanceOptions)",
                    u.class,
                    u.engine,
                    cfg.region()
                ),
                "choose an instance class AWS offers for this engine in this region",
            ),
            Some(crate::model::Offer::Yes { multi_az: false }) if u.multi_az => err(
                &u.multi_az_place,
                format!(
                    "{} on {} cannot be Multi-AZ in {} (DescribeOrderableDBInstanceOptions)",
                    u.engine,
                    u.class,
                    cfg.region()
                ),
                "set multi_az = false, or choose a class and edition that offer Multi-AZ",
            ),
            _ => {}
        }
    }
    // The AZs a VPC rdsplan creates asks for must be available in the region now.
    for v in cfg
        .vpcs
        .iter()
        .filter(|v| v.spec.id.is_none() && !live.azs.is_empty())
    {
        match &v.spec.azs {
            super::types::Azs::Count(n) if *n as usize > live.azs.len() => err(
                &v.origin.place(&["azs"]),
                format!(
                    "azs = {n}, but {} has {} available AZs ({})",
                    cfg.region(),
                    live.azs.len(),
                    live.azs.join(", ")
                ),
                "ask for fewer AZs, or list them by name",
            ),
            super::types::Azs::List(l) => {
                for (i, az) in l.iter().enumerate().filter(|(_, a)| !live.azs.contains(a)) {
                    err(
                        &v.origin.place(&["azs", &i.to_string()]),
                        format!(
                            "AZ {az} is not available in {} (available: {})",
                            cfg.region(),
                            live.azs.join(", ")
                        ),
                        "list AZs the region offers",
                    );
                }
            }
            _ => {}
        }
    }
    for v in &cfg.vpcs {
        let (Some(id), Some(subnets)) = (&v.spec.id, &v.spec.subnets) else {
            continue;
        };
        let all_found = subnets
            .iter()
            .all(|s| ext.subnets.get(s).is_some_and(|(x, _)| x == id));
        let azs = subnet_azs.get(id.as_str()).map_or(0, BTreeSet::len);
        if all_found && azs < 2 && ext.vpcs.contains_key(id) {
            err(
                &v.origin.place(&["subnets"]),
                format!(
                    "the subnets of vpc `{}` are all in one AZ; RDS needs subnets in at least 2",
                    v.name
                ),
                "list subnets of the VPC in two or more AZs",
            );
        }
    }
    catalogue(cfg, live, &mut d);
    d
}
