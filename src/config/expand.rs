//! From a validated config to the desired resources, with every default made explicit so that
//! an environment that was just applied compares equal to what AWS reports.

use super::engines;
use super::load::Config;
pub use super::refs::*;
use super::types::*;
use crate::model::{Address, Kind, Live, Resource, Rule, Value};
use ipnet::Ipv4Net;
use std::collections::BTreeMap;

/// Problems that need live context (the region's AZs) to be found.
#[derive(Debug, Clone, PartialEq)]
pub struct ExpandError {
    pub address: Address,
    pub message: String,
}

/// The desired resources of an environment. `live` supplies the region's AZs and the endpoints
/// of existing instances (which the generated secrets record).
pub fn expand(cfg: &Config, live: &Live) -> Result<Vec<Resource>, Vec<ExpandError>> {
    let (out, errors) = expand_all(cfg, live);
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

/// Every desired resource expansion can make, and the problems it found: subnets over AZs the
/// region lacks are left out, everything else is there (the reader asks for the databases'
/// identifiers before it knows the region's AZs).
pub fn expand_all(cfg: &Config, live: &Live) -> (Vec<Resource>, Vec<ExpandError>) {
    let tags = |own: &BTreeMap<String, String>, name: Option<String>| tags_of(cfg, own, name);
    let mut out = Vec::new();
    let mut errors = Vec::new();
    for v in &cfg.vpcs {
        vpc_resources(cfg, v, live, &mut out, &mut errors);
    }
    group_resources(cfg, &mut out);
    for i in &cfg.instances {
        out.extend(instance(
            cfg,
            &i.name,
            &i.spec,
            live,
            &tags(&i.spec.tags, None),
        ));
    }
    for r in &cfg.replicas {
        out.push(super::expand_db::replica(
            cfg,
            &r.name,
            &r.spec,
            &tags(&r.spec.tags, None),
        ));
    }
    for c in &cfg.clusters {
        out.extend(super::expand_db::cluster(
            cfg,
            &c.name,
            &c.spec,
            live,
            &tags(&c.spec.tags, None),
        ));
    }
    (out, errors)
}

/// The environment's tags, the resource's own over them, and a `Name` where EC2 shows one.
fn tags_of(cfg: &Config, own: &BTreeMap<String, String>, name: Option<String>) -> Value {
    let mut t = cfg.environment().tags.clone();
    t.extend(own.clone());
    if let Some(n) = name {
        t.insert("Name".into(), n);
    }
    Value::Map(t)
}

/// A VPC of the files: rdsplan's own (with its subnets, gateway, route table and DB subnet
/// group) or an existing one (only rdsplan's DB subnet group over its listed subnets).
fn vpc_resources(
    cfg: &Config,
    v: &super::load::Decl<VpcConfig>,
    live: &Live,
    out: &mut Vec<Resource>,
    errors: &mut Vec<ExpandError>,
) {
    let env = cfg.env_name.as_str();
    let tags = |own: &BTreeMap<String, String>, name: Option<String>| tags_of(cfg, own, name);
    let addr = Address::new("vpc", &v.name);
    let vname = format!("{env}-{}", v.name);
    if let Some(id) = &v.spec.id {
        // An existing VPC is never a resource of the plan: only rdsplan's own subnet group
        // over the listed subnets, when databases are placed in it and the files do not
        // name an existing group for them.
        let used = vpc_used(cfg, &v.name);
        if let (true, None, Some(subnets)) = (used, &v.spec.db_subnet_group, &v.spec.subnets) {
            out.push(
                Resource::new(db_subnet_group_address(&addr), Kind::DbSubnetGroup, vname)
                    .with(
                        "description",
                        Value::str(format!("rdsplan: subnets of {id} for {env}")),
                    )
                    .with("subnets", Value::set(subnets.clone()))
                    .with("tags", tags(&v.spec.tags, None)),
            );
        }
        return;
    }
    let azs: Vec<String> = match &v.spec.azs {
        Azs::Count(n) => {
            let n = *n as usize;
            if live.azs.len() < n {
                errors.push(ExpandError {
                    address: addr.clone(),
                    message: format!(
                        "azs = {n}, but region {} has {} available AZs ({})",
                        cfg.region(),
                        live.azs.len(),
                        live.azs.join(", ")
                    ),
                });
                return;
            }
            live.azs[..n].to_vec()
        }
        Azs::List(l) => {
            let missing: Vec<&String> = l.iter().filter(|a| !live.azs.contains(a)).collect();
            if !missing.is_empty() {
                errors.push(ExpandError {
                    address: addr.clone(),
                    message: format!(
                        "AZs {missing:?} are not available in {} (available: {})",
                        cfg.region(),
                        live.azs.join(", ")
                    ),
                });
                return;
            }
            l.clone()
        }
    };
    let cidr = v.spec.cidr.as_deref().unwrap_or_default();
    let net: Ipv4Net = cidr.parse().expect("validated");
    let blocks: Vec<Ipv4Net> = net
        .subnets(v.spec.subnet_prefix as u8)
        .expect("validated")
        .take(azs.len() * 2)
        .collect();
    out.push(
        Resource::new(addr.clone(), Kind::Vpc, vname.clone())
            .with("cidr", Value::str(cidr))
            .with("tags", tags(&v.spec.tags, Some(vname.clone()))),
    );
    let mut private = Vec::new();
    let mut public = Vec::new();
    for (i, az) in azs.iter().enumerate() {
        let mut layers = vec![(false, blocks[i])];
        if v.spec.public {
            layers.push((true, blocks[azs.len() + i]));
        }
        for (is_public, block) in layers {
            let a = subnet_address(&addr, is_public, az);
            let label = if is_public { "public" } else { "private" };
            let name = format!("{vname}-{label}-{az}");
            out.push(
                Resource::new(a.clone(), Kind::Subnet, name.clone())
                    .with("vpc", Value::str(addr.as_str()))
                    .with("availability_zone", Value::str(az))
                    .with("cidr", Value::str(block.to_string()))
                    .with("tags", tags(&v.spec.tags, Some(name))),
            );
            if is_public {
                public.push(a.0);
            } else {
                private.push(a.0);
            }
        }
    }
    if v.spec.public {
        let igw = addr.child("internet_gateway");
        out.push(
            Resource::new(igw.clone(), Kind::InternetGateway, format!("{vname}-igw"))
                .with("vpc", Value::str(addr.as_str()))
                .with("tags", tags(&v.spec.tags, Some(format!("{vname}-igw")))),
        );
        out.push(
            Resource::new(
                addr.child("route_table"),
                Kind::RouteTable,
                format!("{vname}-public"),
            )
            .with("vpc", Value::str(addr.as_str()))
            .with("internet_gateway", Value::str(igw.as_str()))
            .with("subnets", Value::set(public))
            .with("tags", tags(&v.spec.tags, Some(format!("{vname}-public")))),
        );
    }
    // The subnet group exists for the databases placed in this VPC; a VPC without any has
    // none (so an adopted VPC plans with no change).
    if azs.len() >= 2 && vpc_used(cfg, &v.name) {
        out.push(
            Resource::new(
                db_subnet_group_address(&addr),
                Kind::DbSubnetGroup,
                vname.clone(),
            )
            .with(
                "description",
                Value::str(format!("rdsplan: private subnets of {vname}")),
            )
            .with("subnets", Value::set(private))
            .with("tags", tags(&v.spec.tags, None)),
        );
    }
}

/// Security groups, IAM roles, parameter and option groups.
fn group_resources(cfg: &Config, out: &mut Vec<Resource>) {
    let env = cfg.env_name.as_str();
    let tags = |own: &BTreeMap<String, String>, name: Option<String>| tags_of(cfg, own, name);
    for g in &cfg.security_groups {
        let addr = Address::new("security_group", &g.name);
        let name = format!("{env}-{}", g.name);
        let ingress = rules(&g.spec.ingress);
        let egress = match &g.spec.egress {
            Some(e) => rules(e),
            None => vec![Rule::allow_all_egress()],
        };
        out.push(
            Resource::new(addr, Kind::SecurityGroup, name.clone())
                .with("vpc", Value::str(vpc_ref(cfg, &g.spec.vpc)))
                .with("description", Value::str(&g.spec.description))
                .with("ingress", Value::Rules(ingress))
                .with("egress", Value::Rules(egress))
                .with("tags", tags(&g.spec.tags, Some(name))),
        );
    }
    for r in &cfg.iam_roles {
        out.push(
            Resource::new(
                Address::new("iam_role", &r.name),
                Kind::IamRole,
                format!("{env}-{}", r.name),
            )
            .with("assumed_by", Value::str(&r.spec.assumed_by))
            .with(
                "managed_policies",
                Value::set(r.spec.managed_policies.clone()),
            )
            // The description rdsplan has always given its roles, unless the files give one.
            .with(
                "description",
                Value::str(
                    r.spec
                        .description
                        .clone()
                        .unwrap_or_else(|| format!("rdsplan: iam_role.{} in {env}", r.name)),
                ),
            )
            .with("tags", tags(&r.spec.tags, None)),
        );
    }
    for (kind, groups) in [
        (Kind::ParameterGroup, &cfg.parameter_groups),
        (Kind::ClusterParameterGroup, &cfg.cluster_parameter_groups),
    ] {
        for g in groups {
            out.push(
                Resource::new(
                    Address::new(kind.as_str(), &g.name),
                    kind,
                    own_name(
                        g.spec.identifier.as_deref(),
                        parameter_group_name(env, &g.name, &g.spec.family),
                    ),
                )
                .with("family", Value::str(&g.spec.family))
                .with("description", Value::str(&g.spec.description))
                .with("parameters", Value::Map(g.spec.parameters.clone()))
                .with("tags", tags(&g.spec.tags, None)),
            );
        }
    }
    for g in &cfg.option_groups {
        let options: BTreeMap<String, String> = g
            .spec
            .option
            .iter()
            .map(|o| {
                (
                    o.name.clone(),
                    crate::model::option_settings::encode_settings(&o.settings),
                )
            })
            .collect();
        out.push(
            Resource::new(
                Address::new("option_group", &g.name),
                Kind::OptionGroup,
                own_name(
                    g.spec.identifier.as_deref(),
                    option_group_name(env, &g.name, &g.spec.engine, &g.spec.major_engine_version),
                ),
            )
            .with("engine", Value::str(&g.spec.engine))
            .with(
                "major_engine_version",
                Value::str(&g.spec.major_engine_version),
            )
            .with("description", Value::str(&g.spec.description))
            .with("options", Value::Map(options))
            .with("tags", tags(&g.spec.tags, None)),
        );
    }
}

/// Whether databases are placed in the VPC (which then needs a DB subnet group).
fn vpc_used(cfg: &Config, vpc: &str) -> bool {
    cfg.instances.iter().any(|i| i.spec.vpc == vpc)
        || cfg.clusters.iter().any(|c| c.spec.vpc == vpc)
}

/// One rule per source, sorted, so that rule sets compare as sets.
fn rules(cfgs: &[RuleConfig]) -> Vec<Rule> {
    let mut out = Vec::new();
    for r in cfgs {
        let (from, to) = match (r.protocol, r.port, r.from_port, r.to_port) {
            (Protocol::All, ..) => (-1, -1),
            (_, Some(p), ..) => (p, p),
            (_, None, Some(a), Some(b)) => (a, b),
            _ => (-1, -1),
        };
        let mut sources: Vec<String> = r.cidrs.clone().unwrap_or_default();
        sources.extend(r.cidr.clone());
        sources.extend(r.security_group.as_deref().map(group_ref_of));
        for source in sources {
            out.push(Rule {
                protocol: r.protocol.as_str().into(),
                from_port: from as i32,
                to_port: to as i32,
                source,
                description: r.description.clone(),
            });
        }
    }
    out.sort();
    out.dedup();
    out
}

fn instance(
    cfg: &Config,
    name: &str,
    s: &InstanceConfig,
    live: &Live,
    tags: &Value,
) -> Vec<Resource> {
    let env = cfg.env_name.as_str();
    let addr = Address::new("instance", name);
    let ident = s
        .identifier
        .clone()
        .unwrap_or_else(|| format!("{env}-{name}"));
    let engine = engines::engine(&s.engine).expect("validated");
    let port = s.port.unwrap_or(engine.port);
    let username = s
        .master_username
        .clone()
        .unwrap_or_else(|| engine.default_username.to_string());
    let mut r = Resource::new(addr.clone(), Kind::Instance, ident.clone())
        .with("engine", Value::str(&s.engine))
        .with("instance_class", Value::str(&s.instance_class))
        .with("allocated_storage", Value::Int(s.allocated_storage))
        .with("multi_az", Value::Bool(s.multi_az))
        .with("storage_encrypted", Value::Bool(s.storage_encrypted))
        .with(
            "db_subnet_group",
            Value::str(db_subnet_group_ref(cfg, &s.vpc)),
        )
        .with("publicly_accessible", Value::Bool(s.publicly_accessible))
        .with("port", Value::Int(port))
        .with("master_username", Value::str(&username))
        .with("credentials", Value::str(s.credentials.as_str()))
        .with(
            "iam_database_authentication",
            Value::Bool(s.iam_database_authentication),
        )
        .with("iam_roles", iam_roles(&s.iam_roles))
        .with("deletion_protection", Value::Bool(s.deletion_protection))
        .with(
            "auto_minor_version_upgrade",
            Value::Bool(s.auto_minor_version_upgrade),
        )
        .with(
            "allow_major_version_upgrade",
            Value::Bool(s.allow_major_version_upgrade),
        )
        .with("allow_reboot", Value::Bool(s.allow_reboot))
        .with("upgrade", Value::str(s.upgrade.as_str()))
        .with(
            "copy_tags_to_snapshot",
            Value::Bool(s.copy_tags_to_snapshot),
        )
        .with("apply_immediately", Value::Bool(s.apply_immediately))
        .with("skip_final_snapshot", Value::Bool(s.skip_final_snapshot))
        .with("tags", tags.clone());
    let optional = [
        ("engine_version", s.engine_version.clone().map(Value::Str)),
        (
            "max_allocated_storage",
            s.max_allocated_storage.map(Value::Int),
        ),
        ("storage_type", s.storage_type.clone().map(Value::Str)),
        ("retire_old", s.retire_old.then_some(Value::Bool(true))),
        ("iops", s.iops.map(Value::Int)),
        ("storage_throughput", s.storage_throughput.map(Value::Int)),
        ("kms_key", s.kms_key.clone().map(Value::Str)),
        ("restore", s.restore.as_ref().map(restore_value)),
        ("db_name", s.db_name.clone().map(Value::Str)),
        (
            "backup_retention_days",
            s.backup_retention_days.map(Value::Int),
        ),
        (
            "preferred_maintenance_window",
            s.preferred_maintenance_window.clone().map(Value::Str),
        ),
        (
            "preferred_backup_window",
            s.preferred_backup_window.clone().map(Value::Str),
        ),
    ];
    r.set_present(optional);
    r.set_present(super::refs::db_options!(cfg, s));
    r.set_present([("security_groups", security_groups(&s.security_groups))]);
    let mut out = Vec::new();
    if s.credentials == Credentials::Generated {
        let secret = secret_address(&addr);
        r.set("secret", Value::str(secret.as_str()));
        out.push(generated_secret(GeneratedSecret {
            env,
            name,
            owner: &addr,
            live,
            engine: &s.engine,
            port,
            username: &username,
            dbname: s.db_name.as_deref(),
            ident_field: "db_instance_identifier",
            ident: &ident,
            tags,
        }));
    }
    out.push(r);
    out
}
