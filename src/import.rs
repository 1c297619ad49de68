//! `rdsplan import`: from one existing AWS resource to the TOML that describes it (complete
//! enough that a plan afterwards shows no change for it) and the tags that adopt it. Pure: the
//! AWS descriptions come in, text and tag sets go out.

use crate::aws::tags::{ec2_pairs, rds_pairs};
use crate::config::types::*;
use crate::model::{Kind, Live, Resource, MANAGED_BY, TAG_ADDRESS, TAG_ENV, TAG_MANAGED_BY};
use aws_sdk_ec2::types::{SecurityGroup, Subnet, Vpc};
use aws_sdk_rds::types::{DbCluster, DbInstance};
use ipnet::Ipv4Net;
use std::collections::BTreeMap;

/// Where tags go.
#[derive(Debug, Clone, PartialEq)]
pub enum Tagged {
    Ec2(String),
    Rds(String),
}

#[derive(Debug)]
pub struct Adoption {
    pub toml: String,
    pub tags: Vec<(Tagged, String, BTreeMap<String, String>)>,
    pub notes: Vec<String>,
    /// The existing VPC its TOML declares (`[vpc.NAME]` with `id`), which later imports of the
    /// same run use instead of declaring it again.
    pub new_vpc: Option<(String, VpcConfig)>,
}

pub struct ImportContext<'a> {
    pub env: &'a str,
    pub env_tags: &'a BTreeMap<String, String>,
    pub live: &'a Live,
    /// The VPCs the files declare: (name, its spec).
    pub vpcs: Vec<(&'a str, &'a VpcConfig)>,
    /// Groups adopted in the same run, by kind and AWS name (a security group by its `sg-`
    /// id): the name they get in the files, by which the databases then name them.
    pub groups: BTreeMap<(Kind, String), String>,
}

/// Where a database sits, as the files write it: its `vpc`, and the `[vpc.NAME]` table to add
/// when that is an existing VPC the files do not declare yet.
pub struct Network {
    pub vpc: String,
    pub new_vpc: Option<(String, VpcConfig)>,
}

/// A database's DB subnet group as AWS describes it: name, VPC id, subnet ids.
pub struct SubnetGroup<'a> {
    pub name: &'a str,
    pub vpc_id: &'a str,
    pub subnets: Vec<String>,
}

impl ImportContext<'_> {
    /// Ownership tags plus the environment's tags (and a Name), set on the adopted resource so
    /// that the next plan sees exactly what the files say.
    pub(crate) fn tags(&self, address: &str, name: Option<String>) -> BTreeMap<String, String> {
        let mut t = self.env_tags.clone();
        if let Some(n) = name {
            t.insert("Name".into(), n);
        }
        t.insert(TAG_ENV.into(), self.env.into());
        t.insert(TAG_ADDRESS.into(), address.into());
        t.insert(TAG_MANAGED_BY.into(), MANAGED_BY.into());
        t
    }
    /// Live tags the files must list themselves: not the environment's, not ours, not AWS's.
    pub(crate) fn own_tags(
        &self,
        tags: impl IntoIterator<Item = (String, String)>,
    ) -> BTreeMap<String, String> {
        crate::aws::user_tags(tags)
            .into_iter()
            .filter(|(k, v)| {
                k != "Name" && k != crate::model::TAG_APPLIED && self.env_tags.get(k) != Some(v)
            })
            .collect()
    }
    fn owned(&self, kind: Kind, id: &str) -> Option<&Resource> {
        self.live
            .resources
            .iter()
            .find(|r| r.kind == kind && (r.id.as_deref() == Some(id) || r.name == id))
    }
    /// A security group as the files name it: a group of this environment by name, any other
    /// by its `sg-` id (used as it is, never changed).
    fn group(&self, id: &str) -> String {
        self.short(Kind::SecurityGroup, id, "security group")
            .unwrap_or_else(|_| id.to_string())
    }
    /// A parameter, cluster parameter or option group as the files name it: one of this
    /// environment (or adopted with the database) by its name, AWS's defaults not at all (left
    /// to AWS), any other by its AWS name.
    fn named_group(&self, kind: Kind, name: Option<&str>) -> Option<String> {
        let name = name.filter(|n| !n.starts_with("default.") && !n.starts_with("default:"))?;
        Some(
            self.short(kind, name, "group")
                .unwrap_or_else(|_| name.to_string()),
        )
    }
    /// The name in the files of a resource this environment owns (or adopts in this run), by
    /// its AWS id or name; a VPC also when the files declare it as an existing one (`id`).
    pub(crate) fn short(&self, kind: Kind, id: &str, what: &str) -> Result<String, String> {
        if let Some(n) = self.groups.get(&(kind, id.to_string())) {
            return Ok(n.clone());
        }
        if kind == Kind::Vpc {
            if let Some((n, _)) = self.vpcs.iter().find(|(_, v)| v.id.as_deref() == Some(id)) {
                return Ok(n.to_string());
            }
        }
        let r = self.owned(kind, id).ok_or_else(|| {
            format!(
                "{what} {id} is not managed by environment `{}`; import it first",
                self.env
            )
        })?;
        Ok(r.address
            .as_str()
            .split('.')
            .nth(1)
            .unwrap_or_default()
            .to_string())
    }
}

/// The TOML of one resource, in the format of docs/config.md.
pub(crate) fn file(f: impl FnOnce(&mut ConfigFile)) -> String {
    let mut c = ConfigFile::default();
    f(&mut c);
    toml::to_string(&c).unwrap_or_default()
}

/// Refuses a resource some rdsplan environment already manages.
pub fn check_not_managed(tags: &[(String, String)]) -> Result<(), String> {
    match tags.iter().find(|(k, _)| k == TAG_ENV) {
        Some((_, env)) => Err(format!(
            "it is already managed by rdsplan environment `{env}`"
        )),
        None => Ok(()),
    }
}

/// The version prefix to write: minor upgrades within it are then no drift.
pub fn version_prefix(engine: &str, v: &str) -> String {
    let parts: Vec<&str> = v.split('.').collect();
    let keep = if engine.contains("postgres") {
        1
    } else if engine.contains("mysql") || engine == "mariadb" {
        2
    } else {
        parts.len()
    };
    parts[..keep.min(parts.len())].join(".")
}

pub fn vpc(
    ctx: &ImportContext,
    name: &str,
    v: &Vpc,
    subnets: &[Subnet],
) -> Result<Adoption, String> {
    let cidr: Ipv4Net = v
        .cidr_block()
        .unwrap_or_default()
        .parse()
        .map_err(|_| "the VPC has no IPv4 CIDR".to_string())?;
    let mut azs: Vec<String> = subnets
        .iter()
        .filter_map(|s| s.availability_zone().map(str::to_string))
        .collect();
    azs.sort();
    azs.dedup();
    let prefix = subnets
        .iter()
        .filter_map(|s| s.cidr_block()?.parse::<Ipv4Net>().ok())
        .map(|n| n.prefix_len())
        .min()
        .unwrap_or(24);
    let spec = VpcConfig {
        id: None,
        subnets: None,
        db_subnet_group: None,
        cidr: Some(cidr.to_string()),
        azs: if azs.is_empty() {
            Azs::Count(2)
        } else {
            Azs::List(azs.clone())
        },
        subnet_prefix: prefix as i64,
        public: false,
        tags: ctx.own_tags(ec2_pairs(v.tags())),
    };
    let address = format!("vpc.{name}");
    let vname = format!("{}-{name}", ctx.env);
    let mut tags = vec![(
        Tagged::Ec2(v.vpc_id().unwrap_or_default().into()),
        address.clone(),
        ctx.tags(&address, Some(vname.clone())),
    )];
    let mut notes = Vec::new();
    // Existing subnets that sit where rdsplan would carve them are adopted too.
    let blocks: Vec<Ipv4Net> = cidr
        .subnets(prefix)
        .map(|s| s.take(azs.len()).collect())
        .unwrap_or_default();
    for s in subnets {
        let az = s.availability_zone().unwrap_or_default();
        let i = azs.iter().position(|a| a == az);
        let fits = i
            .and_then(|i| blocks.get(i))
            .is_some_and(|b| Some(b.to_string().as_str()) == s.cidr_block());
        let id = s.subnet_id().unwrap_or_default();
        if fits {
            let a = format!("{address}.subnet.{az}");
            let n = format!("{vname}-private-{az}");
            tags.push((Tagged::Ec2(id.into()), a.clone(), ctx.tags(&a, Some(n))));
        } else {
            notes.push(format!(
                "subnet {id} ({az}, {}) is not where rdsplan carves subnets and is left alone",
                s.cidr_block().unwrap_or_default()
            ));
        }
    }
    Ok(Adoption {
        toml: file(|c| {
            c.vpc.insert(name.into(), spec);
        }),
        new_vpc: None,
        tags,
        notes,
    })
}

fn rules_of(
    ctx: &ImportContext,
    perms: &[aws_sdk_ec2::types::IpPermission],
    self_id: &str,
    self_name: &str,
) -> Result<Vec<RuleConfig>, String> {
    let mut out = Vec::new();
    for p in perms {
        let protocol = match p.ip_protocol().unwrap_or("-1") {
            "-1" => Protocol::All,
            "tcp" | "6" => Protocol::Tcp,
            "udp" | "17" => Protocol::Udp,
            "icmp" | "1" => Protocol::Icmp,
            other => return Err(format!("protocol {other} is not supported")),
        };
        let (port, from, to) = match (protocol, p.from_port(), p.to_port()) {
            (Protocol::All, ..) => (None, None, None),
            (_, Some(a), Some(b)) if a == b => (Some(a as i64), None, None),
            (_, a, b) => (None, a.map(i64::from), b.map(i64::from)),
        };
        let base =
            |cidr: Option<String>, group: Option<String>, description: Option<&str>| RuleConfig {
                protocol,
                port,
                from_port: from,
                to_port: to,
                cidr,
                cidrs: None,
                security_group: group,
                description: description.filter(|d| !d.is_empty()).map(str::to_string),
            };
        for r in p.ip_ranges() {
            out.push(base(r.cidr_ip().map(str::to_string), None, r.description()));
        }
        for g in p.user_id_group_pairs() {
            let gid = g.group_id().unwrap_or_default();
            let name = if gid == self_id {
                self_name.to_string()
            } else {
                ctx.group(gid)
            };
            out.push(base(None, Some(name), g.description()));
        }
    }
    Ok(out)
}

pub fn security_group(
    ctx: &ImportContext,
    name: &str,
    g: &SecurityGroup,
) -> Result<Adoption, String> {
    let vpc = ctx.short(Kind::Vpc, g.vpc_id().unwrap_or_default(), "VPC")?;
    let id = g.group_id().unwrap_or_default();
    let ingress = rules_of(ctx, g.ip_permissions(), id, name)?;
    let egress = rules_of(ctx, g.ip_permissions_egress(), id, name)?;
    let default_egress = egress.len() == 1
        && egress[0].protocol == Protocol::All
        && egress[0].cidr.as_deref() == Some("0.0.0.0/0")
        && egress[0].description.is_none();
    let spec = SecurityGroupConfig {
        vpc,
        description: g.description().unwrap_or_default().to_string(),
        ingress,
        egress: (!default_egress).then_some(egress),
        tags: ctx.own_tags(ec2_pairs(g.tags())),
    };
    let address = format!("security_group.{name}");
    let mut notes = Vec::new();
    let expected = format!("{}-{name}", ctx.env);
    if g.group_name() != Some(expected.as_str()) {
        notes.push(format!(
            "its AWS name stays {}; rdsplan's own groups are named {expected}",
            g.group_name().unwrap_or_default()
        ));
    }
    Ok(Adoption {
        toml: file(|c| {
            c.security_group.insert(name.into(), spec);
        }),
        new_vpc: None,
        tags: vec![(
            Tagged::Ec2(id.into()),
            address.clone(),
            ctx.tags(&address, Some(expected)),
        )],
        notes,
    })
}

/// The `vpc` of a database from its DB subnet group: the VPC of this environment whose group it
/// is, or, for a group rdsplan does not keep, an existing VPC (`id`) whose databases use that
/// group as it is (`db_subnet_group`), declared already or written with the import.
pub fn db_network(ctx: &ImportContext, g: &SubnetGroup) -> Result<Network, String> {
    if let Some(r) = ctx.owned(Kind::DbSubnetGroup, g.name) {
        let vpc = r.address.as_str().split('.').nth(1).unwrap_or_default();
        return Ok(Network {
            vpc: vpc.to_string(),
            new_vpc: None,
        });
    }
    if ctx
        .live
        .resources
        .iter()
        .any(|r| r.kind == Kind::Vpc && r.id.as_deref() == Some(g.vpc_id))
    {
        return Err(format!(
            "it is in DB subnet group `{}`, which environment `{}` does not keep, in a VPC the environment owns; rdsplan places databases of its own VPCs in the subnet group it keeps",
            g.name, ctx.env
        ));
    }
    let declared = ctx.vpcs.iter().find(|(_, v)| {
        v.id.as_deref() == Some(g.vpc_id) && v.db_subnet_group.as_deref() == Some(g.name)
    });
    if let Some((name, _)) = declared {
        return Ok(Network {
            vpc: name.to_string(),
            new_vpc: None,
        });
    }
    // Named after the VPC id (a valid name as it is); the user may rename it freely, since
    // rdsplan keeps no state for a VPC it does not own.
    let mut name = g.vpc_id.to_string();
    if ctx.vpcs.iter().any(|(n, _)| *n == name) {
        name = format!("{name}-{}", slug(g.name));
    }
    if !crate::config::load::valid_name(&name) || ctx.vpcs.iter().any(|(n, _)| *n == name) {
        return Err(format!(
            "cannot name the existing VPC {} of DB subnet group `{}` in the files: declare [vpc.NAME] with id = \"{}\" and db_subnet_group = \"{}\" first",
            g.vpc_id, g.name, g.vpc_id, g.name
        ));
    }
    let mut subnets = g.subnets.clone();
    subnets.sort();
    Ok(Network {
        vpc: name.clone(),
        new_vpc: Some((
            name,
            VpcConfig {
                id: Some(g.vpc_id.to_string()),
                subnets: Some(subnets),
                db_subnet_group: Some(g.name.to_string()),
                cidr: None,
                azs: Azs::Count(3),
                subnet_prefix: 24,
                public: false,
                tags: BTreeMap::new(),
            },
        )),
    })
}

/// A name for `KIND.NAME` from `base` (a valid name: `slug`, with `lead` put first where it
/// does not start with a letter), made unique among `taken` (`-2`, `-3`, …), which it joins.
pub(crate) fn unique_name(
    kind: &str,
    base: &str,
    lead: &str,
    taken: &mut std::collections::BTreeSet<String>,
) -> String {
    let base = slug(base);
    let base = if base.starts_with(|c: char| c.is_ascii_lowercase()) {
        base
    } else {
        format!("{lead}-{base}")
    };
    let mut name = base.clone();
    let mut n = 2;
    while taken.contains(&format!("{kind}.{name}")) {
        name = format!("{base}-{n}");
        n += 1;
    }
    taken.insert(format!("{kind}.{name}"));
    name
}

/// Lowercase letters, digits and single `-`.
pub(crate) fn slug(s: &str) -> String {
    let mut out = String::new();
    for c in s.to_ascii_lowercase().chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c);
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    out.trim_matches('-').chars().take(20).collect()
}

fn groups_of(ctx: &ImportContext, ids: Vec<&str>) -> Vec<String> {
    ids.into_iter().map(|id| ctx.group(id)).collect()
}

fn roles_of(
    ctx: &ImportContext,
    roles: Vec<(Option<&str>, Option<&str>)>,
) -> Vec<IamRoleAttachment> {
    roles
        .into_iter()
        .map(|(arn, feature)| {
            let arn = arn.unwrap_or_default();
            let role = ctx
                .short(Kind::IamRole, arn, "role")
                .unwrap_or_else(|_| arn.to_string());
            IamRoleAttachment {
                role,
                feature: feature.unwrap_or_default().to_string(),
            }
        })
        .collect()
}

/// Monitoring, Performance Insights, log exports and the CA, as the instance has them, so that
/// the next plan compares them and finds no change.
struct Observability {
    log_exports: Option<Vec<String>>,
    performance_insights: Option<bool>,
    performance_insights_retention_days: Option<i64>,
    performance_insights_kms_key: Option<String>,
    monitoring_interval: Option<i64>,
    monitoring_role: Option<String>,
    ca_certificate: Option<String>,
}

fn observability(ctx: &ImportContext, i: &DbInstance) -> Observability {
    let pi = i.performance_insights_enabled() == Some(true);
    let interval = i.monitoring_interval().filter(|n| *n > 0);
    Observability {
        log_exports: (!i.enabled_cloudwatch_logs_exports().is_empty())
            .then(|| i.enabled_cloudwatch_logs_exports().to_vec()),
        performance_insights: pi.then_some(true),
        performance_insights_retention_days: i
            .performance_insights_retention_period()
            .filter(|_| pi)
            .map(i64::from),
        performance_insights_kms_key: i
            .performance_insights_kms_key_id()
            .filter(|_| pi)
            .map(str::to_string),
        monitoring_interval: interval.map(i64::from),
        monitoring_role: i
            .monitoring_role_arn()
            .filter(|_| interval.is_some())
            .map(|arn| {
                ctx.short(Kind::IamRole, arn, "role")
                    .unwrap_or_else(|_| arn.to_string())
            }),
        ca_certificate: i.ca_certificate_identifier().map(str::to_string),
    }
}

pub fn instance(ctx: &ImportContext, name: &str, i: &DbInstance) -> Result<Adoption, String> {
    let engine = i.engine().unwrap_or_default().to_string();
    let defaults = crate::config::engines::engine(&engine)
        .ok_or_else(|| format!("engine {engine} is not supported"))?;
    let ident = i.db_instance_identifier().unwrap_or_default();
    let port = i.endpoint().and_then(|e| e.port()).map(i64::from);
    let o = observability(ctx, i);
    let g = i.db_subnet_group();
    let network = db_network(
        ctx,
        &SubnetGroup {
            name: g.and_then(|g| g.db_subnet_group_name()).unwrap_or_default(),
            vpc_id: g.and_then(|g| g.vpc_id()).unwrap_or_default(),
            subnets: g
                .map(|g| g.subnets())
                .unwrap_or_default()
                .iter()
                .filter_map(|s| s.subnet_identifier())
                .map(str::to_string)
                .collect(),
        },
    )?;
    let spec = InstanceConfig {
        identifier: (ident != format!("{}-{name}", ctx.env)).then(|| ident.to_string()),
        engine: engine.clone(),
        engine_version: i.engine_version().map(|v| version_prefix(&engine, v)),
        instance_class: i.db_instance_class().unwrap_or_default().into(),
        allocated_storage: i.allocated_storage().unwrap_or(20) as i64,
        max_allocated_storage: i.max_allocated_storage().map(i64::from),
        storage_type: i.storage_type().map(str::to_string),
        // Provisioned IOPS only: gp3 reports its baseline, which CreateDBInstance refuses
        // below the engine's threshold size.
        iops: i
            .iops()
            .filter(|_| matches!(i.storage_type(), Some("io1" | "io2")))
            .map(i64::from),
        storage_throughput: None,
        multi_az: i.multi_az().unwrap_or(false),
        storage_encrypted: i.storage_encrypted().unwrap_or(false),
        kms_key: i.kms_key_id().map(str::to_string),
        vpc: network.vpc.clone(),
        security_groups: groups_of(
            ctx,
            i.vpc_security_groups()
                .iter()
                .filter_map(|g| g.vpc_security_group_id())
                .collect(),
        ),
        publicly_accessible: i.publicly_accessible().unwrap_or(false),
        port: port.filter(|p| *p != defaults.port),
        db_name: i.db_name().map(str::to_string),
        master_username: i.master_username().map(str::to_string),
        credentials: if i.master_user_secret().is_some() {
            Credentials::Managed
        } else {
            Credentials::External
        },
        iam_database_authentication: i.iam_database_authentication_enabled().unwrap_or(false),
        iam_roles: roles_of(
            ctx,
            i.associated_roles()
                .iter()
                .map(|r| (r.role_arn(), r.feature_name()))
                .collect(),
        ),
        deletion_protection: i.deletion_protection().unwrap_or(false),
        backup_retention_days: i.backup_retention_period().map(i64::from),
        preferred_maintenance_window: i.preferred_maintenance_window().map(str::to_string),
        preferred_backup_window: i.preferred_backup_window().map(str::to_string),
        auto_minor_version_upgrade: i.auto_minor_version_upgrade().unwrap_or(true),
        allow_major_version_upgrade: false,
        parameter_group: ctx.named_group(
            Kind::ParameterGroup,
            i.db_parameter_groups()
                .first()
                .and_then(|g| g.db_parameter_group_name()),
        ),
        option_group: ctx.named_group(
            Kind::OptionGroup,
            i.option_group_memberships()
                .first()
                .and_then(|m| m.option_group_name()),
        ),
        allow_reboot: false,
        log_exports: o.log_exports,
        performance_insights: o.performance_insights,
        performance_insights_retention_days: o.performance_insights_retention_days,
        performance_insights_kms_key: o.performance_insights_kms_key,
        monitoring_interval: o.monitoring_interval,
        monitoring_role: o.monitoring_role,
        ca_certificate: o.ca_certificate,
        copy_tags_to_snapshot: i.copy_tags_to_snapshot().unwrap_or(false),
        restore: None,
        upgrade: Default::default(),
        retire_old: false,
        apply_immediately: false,
        skip_final_snapshot: false,
        tags: ctx.own_tags(rds_pairs(i.tag_list())),
    };
    let address = format!("instance.{name}");
    let mut notes = Vec::new();
    if spec.credentials == Credentials::External {
        notes.push("its master password is not one RDS manages: written as credentials = \"external\" (rdsplan leaves it, and any secret that holds it, alone; `creds`, `connect` and `rotate` need \"generated\" or \"managed\")".into());
    }
    if let Some((vname, v)) = &network.new_vpc {
        notes.push(format!("it is in DB subnet group `{}` of VPC {}, which rdsplan does not own: written as [vpc.{vname}] with `id`, `subnets` and `db_subnet_group`, used as they are", v.db_subnet_group.as_deref().unwrap_or_default(), v.id.as_deref().unwrap_or_default()));
    }
    Ok(Adoption {
        new_vpc: network.new_vpc.clone(),
        toml: file(|c| {
            if let Some((vname, v)) = network.new_vpc {
                c.vpc.insert(vname, v);
            }
            c.instance.insert(name.into(), spec);
        }),
        tags: vec![(
            Tagged::Rds(i.db_instance_arn().unwrap_or_default().into()),
            address.clone(),
            ctx.tags(&address, None),
        )],
        notes,
    })
}

pub fn replica(ctx: &ImportContext, name: &str, i: &DbInstance) -> Result<Adoption, String> {
    let src = i
        .read_replica_source_db_instance_identifier()
        .ok_or_else(|| "it is not a read replica".to_string())?;
    let src = ctx.short(
        Kind::Instance,
        src.rsplit(':').next().unwrap_or(src),
        "source instance",
    )?;
    let ident = i.db_instance_identifier().unwrap_or_default();
    let spec = ReplicaConfig {
        source: format!("instance.{src}"),
        identifier: (ident != format!("{}-{name}", ctx.env)).then(|| ident.to_string()),
        instance_class: i.db_instance_class().map(str::to_string),
        parameter_group: None,
        option_group: None,
        allow_reboot: false,
        log_exports: None,
        performance_insights: None,
        performance_insights_retention_days: None,
        performance_insights_kms_key: None,
        monitoring_interval: None,
        monitoring_role: None,
        ca_certificate: None,
        copy_tags_to_snapshot: None,
        multi_az: None,
        storage_type: None,
        max_allocated_storage: None,
        iops: None,
        storage_throughput: None,
        security_groups: None,
        publicly_accessible: None,
        port: None,
        iam_database_authentication: None,
        deletion_protection: None,
        backup_retention_days: None,
        preferred_maintenance_window: None,
        preferred_backup_window: None,
        auto_minor_version_upgrade: None,
        apply_immediately: false,
        tags: ctx.own_tags(rds_pairs(i.tag_list())),
    };
    let address = format!("replica.{name}");
    Ok(Adoption {
        toml: file(|c| {
            c.replica.insert(name.into(), spec);
        }),
        new_vpc: None,
        tags: vec![(
            Tagged::Rds(i.db_instance_arn().unwrap_or_default().into()),
            address.clone(),
            ctx.tags(&address, None),
        )],
        notes: vec![],
    })
}

pub fn cluster(
    ctx: &ImportContext,
    name: &str,
    c: &DbCluster,
    members: &[DbInstance],
    subnet_group: &SubnetGroup,
) -> Result<Adoption, String> {
    let network = db_network(ctx, subnet_group)?;
    let engine = c.engine().unwrap_or_default().to_string();
    let defaults = crate::config::engines::aurora(&engine)
        .ok_or_else(|| format!("engine {engine} is not an Aurora engine"))?;
    let ident = c.db_cluster_identifier().unwrap_or_default();
    let mut ordered: Vec<(&str, bool)> = c
        .db_cluster_members()
        .iter()
        .map(|m| {
            (
                m.db_instance_identifier().unwrap_or_default(),
                m.is_cluster_writer() == Some(true),
            )
        })
        .collect();
    ordered.sort_by_key(|(id, writer)| (!writer, id.to_string()));
    let mut member_cfgs = Vec::new();
    let mut auto_minor = true;
    let mut tags = vec![(
        Tagged::Rds(c.db_cluster_arn().unwrap_or_default().into()),
        format!("cluster.{name}"),
        ctx.tags(&format!("cluster.{name}"), None),
    )];
    for (id, _) in &ordered {
        let m = id.strip_prefix(&format!("{ident}-")).ok_or_else(|| {
            format!("member {id} is not named `{ident}-NAME`, as rdsplan names cluster members")
        })?;
        let inst = members
            .iter()
            .find(|i| i.db_instance_identifier() == Some(id))
            .ok_or_else(|| format!("member {id} was not found"))?;
        if member_cfgs.is_empty() {
            auto_minor = inst.auto_minor_version_upgrade().unwrap_or(true);
        }
        member_cfgs.push(ClusterMemberConfig {
            name: m.to_string(),
            instance_class: inst.db_instance_class().unwrap_or_default().into(),
            publicly_accessible: inst.publicly_accessible().unwrap_or(false),
            parameter_group: ctx.named_group(
                Kind::ParameterGroup,
                inst.db_parameter_groups()
                    .first()
                    .and_then(|g| g.db_parameter_group_name()),
            ),
        });
        let a = format!("cluster.{name}.instance.{m}");
        tags.push((
            Tagged::Rds(inst.db_instance_arn().unwrap_or_default().into()),
            a.clone(),
            ctx.tags(&a, None),
        ));
    }
    let spec = ClusterConfig {
        identifier: (ident != format!("{}-{name}", ctx.env)).then(|| ident.to_string()),
        engine: engine.clone(),
        engine_version: c.engine_version().map(|v| version_prefix(&engine, v)),
        vpc: network.vpc.clone(),
        security_groups: groups_of(
            ctx,
            c.vpc_security_groups()
                .iter()
                .filter_map(|g| g.vpc_security_group_id())
                .collect(),
        ),
        storage_encrypted: c.storage_encrypted().unwrap_or(false),
        kms_key: c.kms_key_id().map(str::to_string),
        master_username: c.master_username().map(str::to_string),
        credentials: if c.master_user_secret().is_some() {
            Credentials::Managed
        } else {
            Credentials::External
        },
        database_name: c.database_name().map(str::to_string),
        port: c.port().map(i64::from).filter(|p| *p != defaults.port),
        backup_retention_days: c.backup_retention_period().map(i64::from),
        preferred_maintenance_window: c.preferred_maintenance_window().map(str::to_string),
        preferred_backup_window: c.preferred_backup_window().map(str::to_string),
        deletion_protection: c.deletion_protection().unwrap_or(false),
        iam_database_authentication: c.iam_database_authentication_enabled().unwrap_or(false),
        iam_roles: roles_of(
            ctx,
            c.associated_roles()
                .iter()
                .map(|r| (r.role_arn(), r.feature_name()))
                .collect(),
        ),
        auto_minor_version_upgrade: auto_minor,
        allow_major_version_upgrade: false,
        cluster_parameter_group: ctx
            .named_group(Kind::ClusterParameterGroup, c.db_cluster_parameter_group()),
        allow_reboot: false,
        log_exports: (!c.enabled_cloudwatch_logs_exports().is_empty())
            .then(|| c.enabled_cloudwatch_logs_exports().to_vec()),
        copy_tags_to_snapshot: c.copy_tags_to_snapshot().unwrap_or(false),
        restore: None,
        serverless_v2: c.serverless_v2_scaling_configuration().and_then(|v| {
            Some(crate::config::types::ServerlessV2Config {
                min_capacity: v.min_capacity()?,
                max_capacity: v.max_capacity()?,
            })
        }),
        apply_immediately: false,
        skip_final_snapshot: false,
        tags: ctx.own_tags(rds_pairs(c.tag_list())),
        instance: member_cfgs,
    };
    let mut notes = vec![];
    if spec.credentials == Credentials::External {
        notes.push("its master password is not one RDS manages: written as credentials = \"external\" (rdsplan leaves it, and any secret that holds it, alone)".into());
    }
    Ok(Adoption {
        new_vpc: network.new_vpc.clone(),
        toml: file(|f| {
            if let Some((vname, v)) = network.new_vpc {
                f.vpc.insert(vname, v);
            }
            f.cluster.insert(name.into(), spec);
        }),
        tags,
        notes,
    })
}
