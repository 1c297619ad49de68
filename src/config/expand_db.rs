//! Desired replicas and Aurora clusters (with their members and generated secret).

use super::engines;
use super::load::Config;
use super::refs::{
    db_subnet_group_ref, generated_secret, group_ref, group_ref_of, iam_roles, restore_value,
    secret_address, GeneratedSecret,
};
use super::types::*;
use crate::model::{Address, Kind, Live, Resource, Value};

/// A read replica carries only what its file sets: everything else follows the source and is
/// never compared.
pub fn replica(cfg: &Config, name: &str, s: &ReplicaConfig, tags: &Value) -> Resource {
    let ident = s
        .identifier
        .clone()
        .unwrap_or_else(|| format!("{}-{name}", cfg.env_name));
    let mut r = Resource::new(Address::new("replica", name), Kind::Replica, ident)
        .with("source", Value::str(&s.source))
        .with("allow_reboot", Value::Bool(s.allow_reboot))
        .with("apply_immediately", Value::Bool(s.apply_immediately))
        .with("tags", tags.clone());
    let optional = [
        ("instance_class", s.instance_class.clone().map(Value::Str)),
        ("multi_az", s.multi_az.map(Value::Bool)),
        ("storage_type", s.storage_type.clone().map(Value::Str)),
        (
            "max_allocated_storage",
            s.max_allocated_storage.map(Value::Int),
        ),
        ("iops", s.iops.map(Value::Int)),
        ("storage_throughput", s.storage_throughput.map(Value::Int)),
        (
            "copy_tags_to_snapshot",
            s.copy_tags_to_snapshot.map(Value::Bool),
        ),
        (
            "security_groups",
            s.security_groups
                .as_ref()
                .map(|g| Value::set(g.iter().map(|g| group_ref_of(g)))),
        ),
        (
            "publicly_accessible",
            s.publicly_accessible.map(Value::Bool),
        ),
        ("port", s.port.map(Value::Int)),
        (
            "iam_database_authentication",
            s.iam_database_authentication.map(Value::Bool),
        ),
        (
            "deletion_protection",
            s.deletion_protection.map(Value::Bool),
        ),
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
        (
            "auto_minor_version_upgrade",
            s.auto_minor_version_upgrade.map(Value::Bool),
        ),
    ];
    r.set_present(optional);
    r.set_present(super::refs::db_options!(cfg, s));
    r
}

/// The member instance address of a cluster.
pub fn member_address(cluster: &Address, member: &str) -> Address {
    cluster.child(&format!("instance.{member}"))
}

pub fn cluster(
    cfg: &Config,
    name: &str,
    s: &ClusterConfig,
    live: &Live,
    tags: &Value,
) -> Vec<Resource> {
    let env = cfg.env_name.as_str();
    let addr = Address::new("cluster", name);
    let ident = s
        .identifier
        .clone()
        .unwrap_or_else(|| format!("{env}-{name}"));
    let engine = engines::aurora(&s.engine).expect("validated");
    let port = s.port.unwrap_or(engine.port);
    let username = s
        .master_username
        .clone()
        .unwrap_or_else(|| engine.default_username.to_string());
    // A set: the first member is created as the writer, but after a failover AWS may make
    // any member the writer, which is not a difference.
    let members = Value::set(s.instance.iter().map(|m| m.name.clone()));
    let mut c = Resource::new(addr.clone(), Kind::Cluster, ident.clone())
        .with("engine", Value::str(&s.engine))
        .with(
            "db_subnet_group",
            Value::str(db_subnet_group_ref(cfg, &s.vpc)),
        )
        .with("storage_encrypted", Value::Bool(s.storage_encrypted))
        .with("master_username", Value::str(&username))
        .with("credentials", Value::str(s.credentials.as_str()))
        .with("port", Value::Int(port))
        .with("deletion_protection", Value::Bool(s.deletion_protection))
        .with(
            "iam_database_authentication",
            Value::Bool(s.iam_database_authentication),
        )
        .with("iam_roles", iam_roles(&s.iam_roles))
        .with("members", members)
        .with(
            "allow_major_version_upgrade",
            Value::Bool(s.allow_major_version_upgrade),
        )
        .with("allow_reboot", Value::Bool(s.allow_reboot))
        .with(
            "copy_tags_to_snapshot",
            Value::Bool(s.copy_tags_to_snapshot),
        )
        .with("apply_immediately", Value::Bool(s.apply_immediately))
        .with("skip_final_snapshot", Value::Bool(s.skip_final_snapshot))
        .with("tags", tags.clone());
    let optional = optional_cluster_fields(cfg, s);
    c.set_present(optional);
    c.set_present([(
        "security_groups",
        super::refs::security_groups(&s.security_groups),
    )]);
    let mut out = Vec::new();
    if s.credentials == Credentials::Generated {
        let secret = secret_address(&addr);
        c.set("secret", Value::str(secret.as_str()));
        out.push(generated_secret(GeneratedSecret {
            env,
            name,
            owner: &addr,
            live,
            engine: &s.engine,
            port,
            username: &username,
            dbname: s.database_name.as_deref(),
            ident_field: "db_cluster_identifier",
            ident: &ident,
            tags,
        }));
    }
    out.push(c);
    let writer = s.instance.first().map(|m| member_address(&addr, &m.name));
    for (i, m) in s.instance.iter().enumerate() {
        let mut r = Resource::new(
            member_address(&addr, &m.name),
            Kind::ClusterInstance,
            format!("{ident}-{}", m.name),
        )
        .with("cluster", Value::str(addr.as_str()))
        .with("engine", Value::str(&s.engine))
        .with("instance_class", Value::str(&m.instance_class))
        .with("publicly_accessible", Value::Bool(m.publicly_accessible))
        .with(
            "auto_minor_version_upgrade",
            Value::Bool(s.auto_minor_version_upgrade),
        )
        .with("allow_reboot", Value::Bool(s.allow_reboot))
        .with("apply_immediately", Value::Bool(s.apply_immediately))
        .with("tags", tags.clone());
        if let Some(g) = &m.parameter_group {
            r.set(
                "parameter_group",
                group_ref(Kind::ParameterGroup, &cfg.declared_parameter_groups, g),
            );
        }
        if i > 0 {
            if let Some(w) = &writer {
                // Readers join once the writer exists.
                r.set("writer", Value::str(w.as_str()));
            }
        }
        out.push(r);
    }
    out
}

/// The cluster fields the files may leave out: set only when given.
fn optional_cluster_fields(cfg: &Config, s: &ClusterConfig) -> Vec<(&'static str, Option<Value>)> {
    vec![
        ("engine_version", s.engine_version.clone().map(Value::Str)),
        ("kms_key", s.kms_key.clone().map(Value::Str)),
        ("database_name", s.database_name.clone().map(Value::Str)),
        ("restore", s.restore.as_ref().map(restore_value)),
        ("log_exports", s.log_exports.clone().map(Value::set)),
        (
            "serverless_v2",
            s.serverless_v2.map(|v| {
                Value::Map(
                    [
                        ("min_capacity".to_string(), v.min_capacity.to_string()),
                        ("max_capacity".to_string(), v.max_capacity.to_string()),
                    ]
                    .into(),
                )
            }),
        ),
        (
            "cluster_parameter_group",
            s.cluster_parameter_group.as_deref().map(|g| {
                group_ref(
                    Kind::ClusterParameterGroup,
                    &cfg.declared_cluster_parameter_groups,
                    g,
                )
            }),
        ),
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
        // The members' DB parameter group, when they share one: ModifyDBCluster takes it
        // (DBInstanceParameterGroupName) with a major upgrade, which AWS refuses without it
        // while members use a custom group of the old family.
        ("member_parameter_group", {
            let groups: std::collections::BTreeSet<&str> = s
                .instance
                .iter()
                .filter_map(|m| m.parameter_group.as_deref())
                .collect();
            let all_set = s.instance.iter().all(|m| m.parameter_group.is_some());
            (groups.len() == 1 && all_set).then(|| {
                group_ref(
                    Kind::ParameterGroup,
                    &cfg.declared_parameter_groups,
                    groups.into_iter().next().unwrap_or_default(),
                )
            })
        }),
    ]
}
