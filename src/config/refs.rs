//! How expansion names and refers to things: addresses of derived resources, AWS names, and
//! the values a reference in the files becomes (an address of this environment, or an existing
//! resource's id or name). Shared by `expand` (the network, instances) and `expand_db`
//! (replicas, clusters), which use it and never each other's internals.

use super::load::Config;
use super::types::*;
use crate::model::{Address, Kind, Live, Resource, Value};

pub fn subnet_address(vpc: &Address, public: bool, az: &str) -> Address {
    vpc.child(&format!(
        "{}.{az}",
        if public { "public_subnet" } else { "subnet" }
    ))
}
pub fn db_subnet_group_address(vpc: &Address) -> Address {
    vpc.child("db_subnet_group")
}
pub fn secret_address(instance: &Address) -> Address {
    instance.child("secret")
}
pub fn secret_name(env: &str, name: &str) -> String {
    format!("rdsplan/{env}/{name}")
}

/// What a `vpc = NAME` reference becomes: the address of a VPC of this environment, or the
/// id of an existing VPC.
pub fn vpc_ref(cfg: &Config, name: &str) -> String {
    match cfg
        .vpcs
        .iter()
        .find(|v| v.name == name)
        .and_then(|v| v.spec.id.clone())
    {
        Some(id) => id,
        None => Address::new("vpc", name).0,
    }
}

/// The DB subnet group of databases placed in a VPC: rdsplan's own (an address), or, for an
/// existing VPC with `db_subnet_group`, that group's name.
pub fn db_subnet_group_ref(cfg: &Config, vpc: &str) -> String {
    match cfg
        .vpcs
        .iter()
        .find(|v| v.name == vpc)
        .and_then(|v| v.spec.db_subnet_group.clone())
    {
        Some(name) => name,
        None => db_subnet_group_address(&Address::new("vpc", vpc)).0,
    }
}

/// A database's `security_groups`: none in the files means the VPC's default group, which AWS
/// assigns, and which is then not compared (it would be a perpetual difference otherwise).
pub fn security_groups(groups: &[String]) -> Option<Value> {
    (!groups.is_empty()).then(|| Value::set(groups.iter().map(|g| group_ref_of(g))))
}

/// A security group reference: the address of a group of this environment, or an existing
/// group's `sg-` id as it is.
pub fn group_ref_of(g: &str) -> String {
    if super::checks::is_group_id(g) {
        g.to_string()
    } else {
        Address::new("security_group", g).0
    }
}

/// A parameter group's AWS name: `<env>-<name>-<family>`, dots as dashes and lower case (RDS
/// stores names in lower case), so that a new family makes a new group.
pub fn parameter_group_name(env: &str, name: &str, family: &str) -> String {
    format!("{env}-{name}-{}", family.replace('.', "-")).to_ascii_lowercase()
}

/// A group's AWS name: the `identifier` it was adopted under, as RDS stores it (lower case),
/// or the name rdsplan gives it.
pub fn own_name(identifier: Option<&str>, generated: String) -> String {
    identifier.map_or(generated, str::to_ascii_lowercase)
}

/// An option group's AWS name: `<env>-<name>-<engine>-<major>`, dots as dashes, lower case.
pub fn option_group_name(env: &str, name: &str, engine: &str, major: &str) -> String {
    format!("{env}-{name}-{engine}-{}", major.replace('.', "-")).to_ascii_lowercase()
}

/// The attributes instances and replicas share (their groups, monitoring, Performance
/// Insights, log exports, CA), from config structs with the same field names.
macro_rules! db_options {
    ($cfg:expr, $s:expr) => {{
        let (cfg, s) = ($cfg, $s);
        [
            (
                "parameter_group",
                s.parameter_group.as_deref().map(|g| {
                    super::refs::group_ref(Kind::ParameterGroup, &cfg.declared_parameter_groups, g)
                }),
            ),
            (
                "option_group",
                s.option_group.as_deref().map(|g| {
                    super::refs::group_ref(Kind::OptionGroup, &cfg.declared_option_groups, g)
                }),
            ),
            ("log_exports", s.log_exports.clone().map(Value::set)),
            (
                "performance_insights",
                s.performance_insights.map(Value::Bool),
            ),
            (
                "performance_insights_retention_days",
                s.performance_insights_retention_days.map(Value::Int),
            ),
            (
                "performance_insights_kms_key",
                s.performance_insights_kms_key.clone().map(Value::Str),
            ),
            ("monitoring_interval", s.monitoring_interval.map(Value::Int)),
            (
                "monitoring_role",
                s.monitoring_role.as_deref().map(super::refs::role_ref),
            ),
            ("ca_certificate", s.ca_certificate.clone().map(Value::Str)),
        ]
    }};
}
pub(crate) use db_options;

/// A role named by a database (`monitoring_role`): an `iam_role` of this environment, or an
/// ARN.
pub fn role_ref(role: &str) -> Value {
    if role.starts_with("arn:") {
        Value::str(role)
    } else {
        Value::str(Address::new("iam_role", role).as_str())
    }
}

/// A database's `parameter_group` or `cluster_parameter_group`: the address of a group of this
/// environment, or, for a name the files do not declare, that existing group's AWS name.
pub fn group_ref(kind: Kind, declared: &[String], name: &str) -> Value {
    if declared.iter().any(|d| d == name) {
        Value::str(Address::new(kind.as_str(), name).as_str())
    } else {
        Value::str(name)
    }
}

/// What the generated secret of an instance or cluster records (never the password).
pub struct GeneratedSecret<'a> {
    pub env: &'a str,
    pub name: &'a str,
    pub owner: &'a Address,
    pub live: &'a Live,
    pub engine: &'a str,
    pub port: i64,
    pub username: &'a str,
    pub dbname: Option<&'a str>,
    /// `db_instance_identifier` or `db_cluster_identifier`.
    pub ident_field: &'a str,
    pub ident: &'a str,
    pub tags: &'a Value,
}

pub fn generated_secret(g: GeneratedSecret) -> Resource {
    // The endpoint is known once the database exists; its apply step records it in the secret
    // after the database is available.
    let host = g
        .live
        .find(g.owner)
        .and_then(|l| l.get("endpoint").cloned())
        .unwrap_or_else(Value::unknown);
    let mut sec = Resource::new(
        secret_address(g.owner),
        Kind::Secret,
        secret_name(g.env, g.name),
    )
    .with("engine", Value::str(g.engine))
    .with("host", host)
    .with("port", Value::Int(g.port))
    .with("username", Value::str(g.username))
    .with(g.ident_field, Value::str(g.ident))
    .with("tags", g.tags.clone());
    if let Some(db) = g.dbname {
        sec.set("dbname", Value::str(db));
    }
    sec
}

/// `iam_roles` as a set of `ROLE=FEATURE`, ROLE an address of this environment or an ARN.
pub fn iam_roles(roles: &[IamRoleAttachment]) -> Value {
    Value::set(roles.iter().map(|a| {
        let role = if a.role.starts_with("arn:") {
            a.role.clone()
        } else {
            Address::new("iam_role", &a.role).0
        };
        format!("{role}={}", a.feature)
    }))
}

/// `restore = { ... }` as the desired resource keeps it: the keys the files give.
pub fn restore_value(r: &RestoreConfig) -> Value {
    Value::Map(
        [
            ("snapshot", &r.snapshot),
            ("source", &r.source),
            ("time", &r.time),
        ]
        .into_iter()
        .filter_map(|(k, v)| v.clone().map(|v| (k.to_string(), v)))
        .collect(),
    )
}
