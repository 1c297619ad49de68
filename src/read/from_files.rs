//! What the reader needs to know of the files (`Wanted`), from one expansion and the files'
//! references: the AWS names and ids they name, and where to find the environment's databases.

use crate::config::{self, Config};
use crate::kinds::db::scope::RdsScope;
use crate::kinds::wanted::Wanted;
use crate::kinds::AskedBy;
use crate::model::{Kind, Live};
use crate::plan;

/// What the reader needs of `cfg`, its databases taken from `scope` when given (drift over
/// several environments shares the region's lists, `import` needs them whole), otherwise as
/// `RdsScope::for_environment` decides.
pub fn wanted(cfg: &Config, scope: Option<RdsScope>) -> Wanted<'_> {
    let (ids, storage, secret_names) = wanted_databases(cfg);
    // A scope given means a read of everything around the environment (drift, import, the
    // plan's re-read for a VPC that goes), VPC contents included.
    let vpc_contents = scope.is_some();
    Wanted {
        tagged: Default::default(),
        secret_names,
        vpc_contents,
        rds: scope.unwrap_or_else(|| RdsScope::for_environment(ids)),
        storage,
        env: &cfg.env_name,
        makes_vpcs: cfg.vpcs.iter().any(|v| v.spec.id.is_none()),
        group_names: cfg
            .security_groups
            .iter()
            .map(|g| format!("{}-{}", cfg.env_name, g.name))
            .collect(),
        group_identifiers: cfg
            .parameter_groups
            .iter()
            .chain(&cfg.cluster_parameter_groups)
            .filter_map(|g| g.spec.identifier.as_deref())
            .chain(
                cfg.option_groups
                    .iter()
                    .filter_map(|g| g.spec.identifier.as_deref()),
            )
            .map(str::to_ascii_lowercase)
            .collect(),
        kms_aliases: cfg
            .instances
            .iter()
            .flat_map(|i| {
                [
                    i.spec.kms_key.clone(),
                    i.spec.performance_insights_kms_key.clone(),
                ]
            })
            .flatten()
            .chain(
                cfg.replicas
                    .iter()
                    .filter_map(|r| r.spec.performance_insights_kms_key.clone()),
            )
            .chain(cfg.clusters.iter().filter_map(|c| c.spec.kms_key.clone()))
            .filter(|k| crate::model::is_kms_alias(k))
            .collect(),
        external_groups: external_groups(cfg),
        external_ids: external_ids(cfg),
        classes: {
            // Per engine and class: whether any use wants Multi-AZ.
            let mut c: std::collections::BTreeMap<(String, String), bool> = Default::default();
            for u in config::check_live::class_uses(cfg) {
                *c.entry((u.engine, u.class)).or_default() |= u.multi_az;
            }
            c.into_iter().map(|((e, k), m)| (e, k, m)).collect()
        },
        versions: config::check_live::pinned_versions(cfg)
            .into_iter()
            .map(|(engine, version, _)| (engine, version))
            .collect(),
        kms_keys: config::check_live::referenced(cfg)
            .into_iter()
            .filter(|r| r.kind == config::check_live::IdKind::KmsKey)
            .map(|r| r.id)
            .collect(),
        parameter_families: cfg
            .parameter_groups
            .iter()
            .map(|g| {
                (
                    crate::kinds::parameter_group::Flavor::Db,
                    g.spec.family.clone(),
                )
            })
            .chain(cfg.cluster_parameter_groups.iter().map(|g| {
                (
                    crate::kinds::parameter_group::Flavor::Cluster,
                    g.spec.family.clone(),
                )
            }))
            .collect(),
    }
}

/// What the reader needs of the files' databases, from one expansion (nothing in it needs the
/// region's AZs): the AWS identifiers of the instances, replicas, cluster members and clusters,
/// and the storage settings per instance (see `Wanted::storage`).
fn wanted_databases(
    cfg: &Config,
) -> (
    crate::kinds::db::scope::Identifiers,
    crate::kinds::wanted::StorageWanted,
    Vec<String>,
) {
    let mut ids = crate::kinds::db::scope::Identifiers::default();
    let mut secrets = Vec::new();
    let mut storage = crate::kinds::wanted::StorageWanted::new();
    for r in config::expand::expand_all(cfg, &Live::default()).0 {
        if matches!(r.kind, Kind::Instance | Kind::Replica) {
            let wanted = plan::compare::STORAGE_ATTRS
                .iter()
                .filter_map(|k| r.attrs.get(*k).map(|v| (k.to_string(), v.clone())))
                .collect();
            storage.insert(r.name.clone(), wanted);
        }
        // What the tagging API lists (RDS's own kinds) and how many tags each carries: the
        // user's, and rdsplan's three ownership tags and its apply record.
        if matches!(
            r.kind,
            Kind::Instance
                | Kind::Replica
                | Kind::Cluster
                | Kind::ClusterInstance
                | Kind::ParameterGroup
                | Kind::ClusterParameterGroup
                | Kind::OptionGroup
                | Kind::DbSubnetGroup
        ) {
            ids.tagged += 1;
            let user = r
                .get("tags")
                .and_then(crate::model::Value::as_map)
                .map_or(0, |m| m.len());
            ids.tags_each = ids.tags_each.max(user + 4);
        }
        match crate::kinds::asked_by(r.kind) {
            AskedBy::InstanceIdentifier => ids.instances.push(r.name),
            AskedBy::ClusterIdentifier => ids.clusters.push(r.name),
            AskedBy::SecretName => secrets.push(r.name),
            AskedBy::Nothing => {}
        }
    }
    // What a `[[moved]]` renames is looked for under its old default identifier too: the tag
    // lists are eventually consistent, and a database they miss must not look gone.
    for m in &cfg.moved {
        match m.spec.from.split_once('.') {
            Some(("instance" | "replica", name)) => {
                ids.instances.push(format!("{}-{name}", cfg.env_name))
            }
            Some(("cluster", name)) if !name.contains('.') => {
                ids.clusters.push(format!("{}-{name}", cfg.env_name))
            }
            _ => {}
        }
    }
    (ids, storage, secrets)
}

/// The existing resources the files name by id, which the plan checks.
fn external_ids(cfg: &Config) -> crate::kinds::network_external::ExternalIds {
    use config::check_live::IdKind;
    let mut ids = crate::kinds::network_external::ExternalIds::default();
    for r in config::check_live::referenced(cfg) {
        let list = match r.kind {
            IdKind::Vpc => &mut ids.vpcs,
            IdKind::Subnet { .. } => &mut ids.subnets,
            IdKind::SecurityGroup { .. } => &mut ids.security_groups,
            IdKind::DbSubnetGroup { .. } => &mut ids.db_subnet_groups,
            IdKind::Role => &mut ids.roles,
            IdKind::KmsKey => continue,
        };
        if !list.contains(&r.id) {
            list.push(r.id);
        }
    }
    ids
}

/// Parameter and option groups the files name by an existing group's AWS name (not a group of
/// the environment, not an engine default), which the plan checks exist.
fn external_groups(cfg: &Config) -> Vec<(crate::model::Kind, String)> {
    let mut out: Vec<(Kind, String)> = Vec::new();
    let mut add = |kind: Kind, name: Option<&String>, declared: &[String]| {
        if let Some(n) = name {
            if !declared.contains(n) && !n.starts_with("default.") && !n.starts_with("default:") {
                out.push((kind, n.clone()));
            }
        }
    };
    // Instances and replicas name the same two kinds of group.
    let db_groups = cfg
        .instances
        .iter()
        .map(|i| (&i.spec.parameter_group, &i.spec.option_group))
        .chain(
            cfg.replicas
                .iter()
                .map(|r| (&r.spec.parameter_group, &r.spec.option_group)),
        );
    for (pg, og) in db_groups {
        add(
            Kind::ParameterGroup,
            pg.as_ref(),
            &cfg.declared_parameter_groups,
        );
        add(Kind::OptionGroup, og.as_ref(), &cfg.declared_option_groups);
    }
    for c in &cfg.clusters {
        add(
            Kind::ClusterParameterGroup,
            c.spec.cluster_parameter_group.as_ref(),
            &cfg.declared_cluster_parameter_groups,
        );
        for m in &c.spec.instance {
            add(
                Kind::ParameterGroup,
                m.parameter_group.as_ref(),
                &cfg.declared_parameter_groups,
            );
        }
    }
    out.sort();
    out.dedup();
    out
}
