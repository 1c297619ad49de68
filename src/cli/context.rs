//! What every command that reads AWS shares: loading an environment, its AWS clients (with
//! the account guard), reading live state (by tag, or the region's lists), planning, and
//! `--target`. Errors are printed here; `Err` carries the exit code.

use crate::config::{self, Config};
use crate::model::Live;
use crate::plan::{self, Plan};
use crate::{aws, render};
use std::io::IsTerminal;

/// One environment: its files and its AWS clients.
pub struct Context {
    pub cfg: Config,
    pub clients: aws::Clients,
}

impl Context {
    /// Loads the environment `env` under `dir` and connects to its account and region.
    pub async fn open(dir: &std::path::Path, env: &str) -> Result<Context, i32> {
        Context::connect(load_env(dir, env)?).await
    }

    /// Connects a loaded environment to its account and region (for a command that checks
    /// what it can in the files first).
    pub async fn connect(cfg: Config) -> Result<Context, i32> {
        let clients = clients_for(&cfg).await?;
        Ok(Context { cfg, clients })
    }

    /// Its live state (see [`read_live`]).
    pub async fn live(&self) -> Result<Live, i32> {
        read_live(&self.clients, &self.cfg).await
    }

    /// Its live state with everything around it (see [`read_live_in`]).
    pub async fn live_in(&self, scope: crate::kinds::db::scope::RdsScope) -> Result<Live, i32> {
        read_live_in(&self.clients, &self.cfg, Some(scope)).await
    }

    /// Its live state and plan (see [`read_and_plan`]).
    pub async fn read_and_plan(
        &self,
        targets: &[crate::model::Address],
    ) -> Result<(Live, Plan), i32> {
        read_and_plan(&self.clients, &self.cfg, targets).await
    }
}

pub fn color_out() -> bool {
    render::use_color(std::io::stdout().is_terminal())
}

pub fn color_err() -> bool {
    render::use_color(std::io::stderr().is_terminal())
}

pub fn load_env(dir: &std::path::Path, env: &str) -> Result<Config, i32> {
    let dirs = config::env_dirs(dir, Some(env)).map_err(|e| {
        eprintln!("error: {e}");
        1
    })?;
    config::load(&dirs[0]).map_err(|d| {
        eprint!("{}", d.render(color_err()));
        1
    })
}

/// Load, read live state, plan. Errors are printed here; `Err` carries the exit code.
pub async fn prepare(
    dir: &std::path::Path,
    env: &str,
    targets: &[crate::model::Address],
) -> Result<Plan, i32> {
    let ctx = Context::open(dir, env).await?;
    ctx.read_and_plan(targets).await.map(|(_, plan)| plan)
}

pub fn addresses(targets: Vec<String>) -> Vec<crate::model::Address> {
    targets.into_iter().map(crate::model::Address).collect()
}

/// The plan cut down to `targets` (see `plan::target`); an unknown target is an error.
pub fn restrict(mut plan: Plan, targets: &[crate::model::Address]) -> Result<Plan, i32> {
    match plan::target::restrict(&mut plan, targets) {
        Ok(()) => Ok(plan),
        Err(unknown) => {
            eprintln!(
                "error: --target {}: not a resource of `{}` (in the files or in AWS).\n  help: use an address as the plan shows it, such as instance.orders or vpc.main",
                unknown.join(", "),
                plan.environment
            );
            Err(1)
        }
    }
}

/// Reads and plans. A plan that deletes or replaces a VPC of the environment is made again
/// from a complete read (the region's lists and what the VPC holds): only it shows the
/// databases, groups, subnets and interfaces others put in that VPC, which would make AWS
/// refuse the delete (the plan then says so).
pub async fn read_and_plan(
    clients: &aws::Clients,
    cfg: &Config,
    targets: &[crate::model::Address],
) -> Result<(Live, Plan), i32> {
    let live = read_live(clients, cfg).await?;
    let plan = restrict(make_plan(cfg, &live)?, targets)?;
    let vpc_goes = plan
        .changes
        .iter()
        .any(|c| c.kind == crate::model::Kind::Vpc && c.action.is_destructive());
    if live.whole_region || !vpc_goes {
        return Ok((live, plan));
    }
    let live = read_live_in(
        clients,
        cfg,
        Some(crate::kinds::db::scope::RdsScope::Region),
    )
    .await?;
    let plan = restrict(make_plan(cfg, &live)?, targets)?;
    Ok((live, plan))
}

/// AWS clients for an environment; with `[environment] account_id`, refuses any other account.
async fn clients_for(cfg: &Config) -> Result<aws::Clients, i32> {
    let e = cfg.environment();
    let clients = aws::Clients::connect(&e.region, e.profile.as_deref()).await;
    if let Some(want) = &e.account_id {
        match aws::lock::account(&clients).await {
            Ok(have) if &have == want => {}
            Ok(have) => {
                eprintln!(
                    "error: environment `{}` belongs to AWS account {want}, but these credentials are for account {have}; refusing to run.\n  help: use the credentials or profile of account {want}",
                    cfg.env_name
                );
                return Err(1);
            }
            Err(e) => {
                eprintln!("error: checking the AWS account: {e}");
                return Err(1);
            }
        }
    }
    Ok(clients)
}

pub async fn read_live(clients: &aws::Clients, cfg: &Config) -> Result<Live, i32> {
    read_live_in(clients, cfg, None).await
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
    use crate::model::Kind;
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
        match r.kind {
            Kind::Instance | Kind::Replica | Kind::ClusterInstance => ids.instances.push(r.name),
            Kind::Cluster => ids.clusters.push(r.name),
            Kind::Secret => secrets.push(r.name),
            _ => {}
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

/// [`read_live`], with the environment's RDS databases taken from `scope` when given: drift
/// over several environments shares the region's lists, `import` needs them whole; otherwise
/// as `RdsScope::for_environment` decides.
pub async fn read_live_in(
    clients: &aws::Clients,
    cfg: &Config,
    scope: Option<crate::kinds::db::scope::RdsScope>,
) -> Result<Live, i32> {
    let (ids, storage, secret_names) = wanted_databases(cfg);
    // A scope given means a read of everything around the environment (drift, import, the
    // plan's re-read for a VPC that goes), VPC contents included.
    let vpc_contents = scope.is_some();
    let wanted = crate::kinds::wanted::Wanted {
        secret_names,
        vpc_contents,
        rds: scope.unwrap_or_else(|| crate::kinds::db::scope::RdsScope::for_environment(ids)),
        storage,
        env: &cfg.env_name,
        makes_vpcs: cfg.vpcs.iter().any(|v| v.spec.id.is_none()),
        group_names: cfg
            .security_groups
            .iter()
            .map(|g| format!("{}-{}", cfg.env_name, g.name))
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
    };
    let mut live = crate::read::read(clients, &wanted).await.map_err(|e| {
        eprintln!(
            "error: reading live state of `{}` in {}: {e}",
            cfg.env_name,
            cfg.region()
        );
        1
    })?;
    // Renamed resources stand at their new addresses from here on: plan, apply and drift all
    // see them there.
    let moves: Vec<(crate::model::Address, crate::model::Address)> = cfg
        .moved
        .iter()
        .map(|m| {
            (
                crate::model::Address(m.spec.from.clone()),
                crate::model::Address(m.spec.to.clone()),
            )
        })
        .collect();
    plan::moved::apply(&mut live, &moves);
    Ok(live)
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
    use crate::model::Kind;
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

pub fn make_plan(cfg: &Config, live: &Live) -> Result<Plan, i32> {
    let problems = config::check_live::check(cfg, live);
    if !problems.is_empty() {
        let d = config::Diagnostics {
            files: cfg.files.clone(),
            items: problems,
        };
        eprint!("{}", d.render(color_err()));
        return Err(1);
    }
    let desired = config::expand::expand(cfg, live).map_err(|errs| {
        for e in errs {
            eprintln!("error: {}: {}", e.address, e.message);
        }
        1
    })?;
    let mut plan = plan::plan(&cfg.env_name, cfg.region(), &desired, live).map_err(|errs| {
        eprint!("{}", render::text::render_errors(&errs));
        1
    })?;
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let stamp: String = aws::lock::utc(secs)
        .chars()
        .filter(|c| c.is_ascii_digit())
        .collect();
    plan.name_final_snapshots(&stamp);
    Ok(plan)
}
