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
    // On a terminal, a line that says what takes the time, gone once the read is back.
    let reading = (std::io::stderr().is_terminal() && !crate::quiet()).then(|| {
        let b = indicatif::ProgressBar::new_spinner();
        b.set_message(format!("reading AWS ({})...", cfg.region()));
        b.enable_steady_tick(std::time::Duration::from_millis(120));
        b
    });
    let live = read_live(clients, cfg).await;
    if let Some(b) = reading {
        b.finish_and_clear();
    }
    let live = live?;
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
    let clients = aws::Clients::connect(&e.region, e.profile.as_deref())
        .await
        .map_err(|msg| {
            eprintln!("error: {msg}");
            1
        })?;
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

/// [`read_live`], with the environment's RDS databases taken from `scope` when given: drift
/// over several environments shares the region's lists, `import` needs them whole; otherwise
/// as `RdsScope::for_environment` decides.
pub async fn read_live_in(
    clients: &aws::Clients,
    cfg: &Config,
    scope: Option<crate::kinds::db::scope::RdsScope>,
) -> Result<Live, i32> {
    let wanted = crate::read::from_files::wanted(cfg, scope);
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
        // At their place in the files, as validate's errors; one the files do not declare
        // (a resource AWS holds that the files dropped) is told without one.
        let d = config::Diagnostics {
            files: cfg.files.clone(),
            items: errs
                .iter()
                .map(|e| {
                    let diag = match config::places::of(cfg, e.address.as_str(), &e.message) {
                        Some(place) => config::diag::Diagnostic::at(place, e.message.clone()),
                        None => config::diag::Diagnostic::nowhere(e.message.clone()),
                    };
                    diag.help(e.help.clone())
                })
                .collect(),
        };
        eprint!("{}", d.render(color_err()));
        eprintln!("Nothing was planned.");
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
    plan.warnings
        .extend(config::check_live::unchecked(cfg, live));
    Ok(plan)
}
