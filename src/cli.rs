//! Command-line interface: argument definitions and one function per command.

use crate::config::{self, Config};
use crate::model::Live;
use crate::plan::{self, Plan};
use crate::{apply, aws, render};
use clap::{Parser, Subcommand, ValueEnum};
use std::io::IsTerminal;
use std::path::PathBuf;
use std::time::Duration;

#[derive(Parser, Debug)]
#[command(
    name = "rdsplan",
    version,
    about = "Plan and apply AWS RDS infrastructure from TOML files. Live AWS, found by ownership tags, is the state."
)]
pub struct Cli {
    /// Folder of environment folders (or one environment folder).
    #[arg(
        long,
        global = true,
        default_value = "environments",
        env = "RDSPLAN_DIR"
    )]
    pub dir: PathBuf,
    /// More logs on stderr: -v rdsplan's own (every AWS call with its operation, resource,
    /// duration and attempts), -vv the AWS SDK's too. RUST_LOG, when set, decides instead.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
    /// Errors only: no logs, no progress lines, no `ok` lines (results such as a plan are
    /// still printed).
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub quiet: bool,
    #[command(subcommand)]
    pub command: Command,
}

/// Logs go to stderr (never into `--format json` on stdout), at the level of -q/-v/-vv unless
/// RUST_LOG says otherwise.
fn init_logs(verbose: u8, quiet: bool) {
    crate::QUIET.store(quiet, std::sync::atomic::Ordering::Relaxed);
    let level = match (quiet, verbose) {
        (true, _) => "error",
        (false, 0) => "warn",
        (false, 1) => "warn,rdsplan=debug",
        (false, _) => "debug",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(level));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .try_init();
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Check the configuration files without calling AWS. Exit 0 when valid, 1 otherwise.
    Validate {
        /// Only this environment (default: every environment under --dir).
        /// The environment: the name of its folder under --dir.
        #[arg(long)]
        env: Option<String>,
    },
    /// Show what apply would change. Reads AWS; changes nothing.
    #[command(
        after_help = "Examples:\n  rdsplan plan --env staging\n  rdsplan plan --env prod --format markdown > plan.md\n  rdsplan plan --env prod --out prod.plan --detailed-exitcode\n  rdsplan plan --env prod --target instance.orders"
    )]
    Plan {
        /// The environment: the name of its folder under --dir.
        #[arg(long)]
        env: String,
        /// text for people, markdown for pull-request comments, json for programs
        /// (docs/plan-json.md).
        #[arg(long, value_enum, default_value_t = PlanFormat::Text)]
        format: PlanFormat,
        /// Exit 0 when there are no changes, 2 when there are, 1 on error.
        #[arg(long)]
        detailed_exitcode: bool,
        /// Also save the plan to FILE, for `rdsplan apply FILE`.
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
        /// Only this resource (an address such as instance.orders), what it depends on and
        /// what belongs to it; repeatable. For one urgent change in a large environment: the
        /// plan says it is partial.
        #[arg(long, value_name = "ADDRESS")]
        target: Vec<String>,
    },
    /// Make AWS match the files, in dependency order. With PLAN_FILE (from `plan --out`),
    /// apply exactly that plan, refusing if the files or the live state it touches changed.
    /// Holds the environment's lock (`rdsplan/lock/<env>`) while it runs.
    #[command(
        after_help = "Examples:\n  rdsplan apply --env staging\n  rdsplan apply --env prod --auto-approve            (CI, after review)\n  rdsplan apply prod.plan                             (exactly the reviewed plan)\n  rdsplan apply --env prod --allow-destroy --parallelism 4"
    )]
    Apply {
        /// The environment: the name of its folder under --dir (not needed with PLAN_FILE).
        #[arg(long)]
        env: Option<String>,
        /// A plan saved with `rdsplan plan --out FILE`.
        plan_file: Option<PathBuf>,
        /// Do not ask for confirmation (for CI).
        #[arg(long)]
        auto_approve: bool,
        /// Allow deletions and replacements. Without it, apply refuses any plan that has them.
        #[arg(long)]
        allow_destroy: bool,
        /// How many independent steps run at once (1 or more).
        #[arg(long, default_value_t = 8, value_parser = parallelism_at_least_one)]
        parallelism: usize,
        /// How long to wait for any one resource to become available, in minutes.
        #[arg(long, default_value_t = 90)]
        timeout_minutes: u64,
        /// Only this resource (an address such as instance.orders), what it depends on and
        /// what belongs to it; repeatable. For one urgent change in a large environment: the
        /// plan says it is partial.
        #[arg(long, value_name = "ADDRESS")]
        target: Vec<String>,
    },
    /// Print the JSON Schema of the configuration files.
    Schema,
    /// Print a shell completion script for bash, zsh, fish, powershell or elvish.
    #[command(
        after_help = "Examples:\n  rdsplan completions bash > ~/.local/share/bash-completion/completions/rdsplan\n  rdsplan completions zsh > \"${fpath[1]}/_rdsplan\"\n  rdsplan completions fish > ~/.config/fish/completions/rdsplan.fish\n  rdsplan completions powershell >> $PROFILE"
    )]
    Completions {
        /// bash, zsh, fish, powershell or elvish
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Compare live AWS with the files and classify every difference: changed out of band,
    /// pending in AWS, missing, not in the files, unmanaged (untagged databases and security
    /// groups in a managed VPC). Read-only: it changes nothing in AWS and needs only read
    /// permissions. Exit 0 in sync, 2 on drift, 1 on error.
    #[command(
        after_help = "Examples:\n  rdsplan drift                      (every environment under --dir)\n  rdsplan drift --env prod --env staging --format json"
    )]
    Drift {
        /// Environments to check (repeatable); all under --dir when none is given.
        #[arg(long)]
        env: Vec<String>,
        /// text for people, markdown for issues and comments, json for programs
        /// (docs/drift-json.md).
        #[arg(long, value_enum, default_value_t = PlanFormat::Text)]
        format: PlanFormat,
    },
    /// Adopt an existing resource: print (or append to FILE) its TOML, complete enough that a
    /// plan afterwards shows no change for it, and tag it as managed by this environment after
    /// confirmation. Changes nothing but tags.
    #[command(
        after_help = "Examples:\n  rdsplan import --env prod instance legacy-orders --as orders\n  rdsplan import --env prod vpc vpc-0abc123 --as main --write environments/prod/imported.toml\n  rdsplan import --env prod cluster analytics --as analytics --auto-approve"
    )]
    Import {
        /// The environment: the name of its folder under --dir.
        #[arg(long)]
        env: String,
        /// vpc, security_group, instance, replica or cluster
        kind: String,
        /// The AWS id: vpc-..., sg-..., or an RDS identifier
        aws_id: String,
        /// The NAME of its address (KIND.NAME) in the files.
        #[arg(long = "as", value_name = "NAME")]
        name: String,
        /// Append the TOML to FILE (e.g. environments/prod/imported.toml) instead of printing it.
        #[arg(long, value_name = "FILE")]
        write: Option<PathBuf>,
        /// Tag without asking (for scripts).
        #[arg(long)]
        auto_approve: bool,
    },
    /// Clear a stale apply lock (left by an apply that was killed), saying who held it.
    Unlock {
        /// The environment: the name of its folder under --dir.
        #[arg(long)]
        env: String,
    },
    /// Show the endpoints of every instance, replica and cluster (writer and reader).
    Output {
        /// The environment: the name of its folder under --dir.
        #[arg(long)]
        env: String,
        /// text for people, json for programs.
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// Show how to connect to a database (instance, replica or cluster address). The password
    /// is masked unless --show-password.
    Creds {
        /// The environment: the name of its folder under --dir.
        #[arg(long)]
        env: String,
        /// e.g. instance.orders, replica.orders-ro, cluster.analytics
        address: String,
        /// env: shell `export` lines; url: a connection URL; json: for programs.
        #[arg(long, value_enum, default_value_t = CredsFormat::Env)]
        format: CredsFormat,
        /// Print the real password.
        #[arg(long)]
        show_password: bool,
    },
    /// Open psql or mysql on a database; the password goes through the environment
    /// (PGPASSWORD, MYSQL_PWD), never the command line.
    Connect {
        /// The environment: the name of its folder under --dir.
        #[arg(long)]
        env: String,
        /// The database: instance.NAME, replica.NAME or cluster.NAME.
        address: String,
        /// Connect here instead of the endpoint (a tunnel, bastion or local proxy).
        #[arg(long)]
        host: Option<String>,
        /// Connect to this port instead of the database's.
        #[arg(long)]
        port: Option<u16>,
        /// The client program (default: psql for PostgreSQL engines, mysql otherwise).
        #[arg(long)]
        client: Option<String>,
        /// Arguments for the client, after `--`.
        #[arg(last = true)]
        client_args: Vec<String>,
    },
    /// Rotate the generated master password: staged as AWSPENDING, set on the database, then
    /// promoted to AWSCURRENT, so a crash at any point leaves a working password in the secret.
    Rotate {
        /// The environment: the name of its folder under --dir.
        #[arg(long)]
        env: String,
        /// The database whose generated password to rotate: instance.NAME, replica.NAME or
        /// cluster.NAME.
        address: String,
        /// How long to wait for the database to accept the new password, in minutes.
        #[arg(long, default_value_t = 90)]
        timeout_minutes: u64,
    },
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum CredsFormat {
    Env,
    Url,
    Json,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum PlanFormat {
    Text,
    Markdown,
    Json,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Text,
    Json,
}

/// Runs the CLI and returns the process exit code.
pub async fn run(cli: Cli) -> i32 {
    init_logs(cli.verbose, cli.quiet);
    match cli.command {
        Command::Completions { shell } => {
            use clap::CommandFactory;
            // Into memory first: clap_complete panics on a failed write.
            let mut script = Vec::new();
            clap_complete::generate(shell, &mut Cli::command(), "rdsplan", &mut script);
            let mut out = std::io::stdout();
            match std::io::Write::write_all(&mut out, &script)
                .and_then(|()| std::io::Write::flush(&mut out))
            {
                Ok(()) => 0,
                Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => 1,
                Err(e) => {
                    eprintln!("error: cannot write the output: {e}");
                    1
                }
            }
        }
        Command::Validate { env } => validate(&cli.dir, env.as_deref()),
        Command::Output { env, format } => crate::cli_access::output(&cli.dir, &env, format).await,
        Command::Creds {
            env,
            address,
            format,
            show_password,
        } => crate::cli_access::creds(&cli.dir, &env, &address, format, show_password).await,
        Command::Connect {
            env,
            address,
            host,
            port,
            client,
            client_args,
        } => {
            let o = crate::cli_access::ConnectOptions {
                host,
                port,
                client,
                args: client_args,
            };
            crate::cli_access::connect(&cli.dir, &env, &address, o).await
        }
        Command::Rotate {
            env,
            address,
            timeout_minutes,
        } => {
            crate::cli_access::rotate(
                &cli.dir,
                &env,
                &address,
                Duration::from_secs(timeout_minutes * 60),
            )
            .await
        }
        Command::Schema => {
            println!("{}", crate::schema());
            0
        }
        Command::Drift { env, format } => crate::cli_drift::drift(&cli.dir, env, format).await,
        Command::Import {
            env,
            kind,
            aws_id,
            name,
            write,
            auto_approve,
        } => {
            let a = crate::cli_import::Args {
                kind,
                aws_id,
                name,
                write,
                auto_approve,
            };
            crate::cli_import::import(&cli.dir, &env, a).await
        }
        Command::Unlock { env } => crate::cli_apply::unlock(&cli.dir, &env).await,
        Command::Plan {
            env,
            format,
            detailed_exitcode,
            out,
            target,
        } => match prepare(&cli.dir, &env, &addresses(target)).await {
            Err(code) => code,
            Ok(plan) => {
                if let Some(file) = out {
                    let written = config::env_dirs(&cli.dir, Some(&env))
                        .map_err(std::io::Error::other)
                        .and_then(|dirs| crate::saved::save(&plan, &dirs[0]))
                        .and_then(|s| std::fs::write(&file, s));
                    if let Err(e) = written {
                        eprintln!("error: cannot write the plan to {}: {e}", file.display());
                        return 1;
                    }
                    eprintln!(
                        "Saved the plan to {}; apply it with `rdsplan apply {}`.",
                        file.display(),
                        file.display()
                    );
                }
                match format {
                    PlanFormat::Text => print!("{}", render::text::render(&plan, color_out())),
                    PlanFormat::Markdown => print!("{}", render::markdown::render(&plan)),
                    PlanFormat::Json => print!("{}", render::json::render(&plan)),
                }
                if detailed_exitcode && !plan.duplicates.is_empty() {
                    eprintln!(
                        "error: AWS holds {} resource(s) of `{}` twice (see \"Duplicates\" above); exit code 1",
                        plan.duplicates.len(),
                        plan.environment
                    );
                    1
                } else if detailed_exitcode && plan.has_changes() {
                    2
                } else {
                    0
                }
            }
        },
        Command::Apply {
            env,
            plan_file,
            auto_approve,
            allow_destroy,
            parallelism,
            timeout_minutes,
            target,
        } => {
            let opts = apply::Options {
                parallelism,
                timeout: Duration::from_secs(timeout_minutes * 60),
                interrupt: apply::interrupt::Interrupt::never(),
            };
            let flags = crate::cli_apply::Flags {
                auto_approve,
                allow_destroy,
                targets: addresses(target),
            };
            crate::cli_apply::run(&cli.dir, env, plan_file, flags, &opts).await
        }
    }
}

pub(crate) fn color_out() -> bool {
    render::use_color(std::io::stdout().is_terminal())
}

fn color_err() -> bool {
    render::use_color(std::io::stderr().is_terminal())
}

fn validate(dir: &std::path::Path, env: Option<&str>) -> i32 {
    let dirs = match config::env_dirs(dir, env) {
        Ok(d) => d,
        Err(e) => {
            eprintln!("error: {e}");
            return 1;
        }
    };
    let mut code = 0;
    for d in dirs {
        match config::load(&d) {
            Ok(_) if crate::quiet() => {}
            Ok(cfg) => println!(
                "ok: {} (environment `{}`: {})",
                d.display(),
                cfg.env_name,
                [
                    ("vpc", cfg.vpcs.len()),
                    ("security_group", cfg.security_groups.len()),
                    ("iam_role", cfg.iam_roles.len()),
                    ("parameter_group", cfg.parameter_groups.len()),
                    (
                        "cluster_parameter_group",
                        cfg.cluster_parameter_groups.len()
                    ),
                    ("option_group", cfg.option_groups.len()),
                    ("instance", cfg.instances.len()),
                    ("replica", cfg.replicas.len()),
                    ("cluster", cfg.clusters.len()),
                ]
                .iter()
                .filter(|(_, n)| *n > 0)
                .map(|(k, n)| format!("{n} {k}"))
                .collect::<Vec<_>>()
                .join(", ")
            ),
            Err(diags) => {
                eprint!("{}", diags.render(color_err()));
                code = 1;
            }
        }
    }
    code
}

pub(crate) fn load_env(dir: &std::path::Path, env: &str) -> Result<Config, i32> {
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
async fn prepare(
    dir: &std::path::Path,
    env: &str,
    targets: &[crate::model::Address],
) -> Result<Plan, i32> {
    let cfg = load_env(dir, env)?;
    let clients = clients_for(&cfg).await?;
    read_and_plan(&clients, &cfg, targets)
        .await
        .map(|(_, plan)| plan)
}

fn addresses(targets: Vec<String>) -> Vec<crate::model::Address> {
    targets.into_iter().map(crate::model::Address).collect()
}

/// The plan cut down to `targets` (see `plan::target`); an unknown target is an error.
pub(crate) fn restrict(mut plan: Plan, targets: &[crate::model::Address]) -> Result<Plan, i32> {
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

/// Reads and plans. A plan made from a read by tag that deletes or replaces a VPC of the
/// environment is made again from the region's lists: only they show the databases others put
/// in that VPC, which would make AWS refuse the delete (the plan then says so).
pub(crate) async fn read_and_plan(
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
    let live = read_live_in(clients, cfg, aws::scope::RdsScope::Region).await?;
    let plan = restrict(make_plan(cfg, &live)?, targets)?;
    Ok((live, plan))
}

/// AWS clients for an environment; with `[environment] account_id`, refuses any other account.
pub(crate) async fn clients_for(cfg: &Config) -> Result<aws::Clients, i32> {
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

pub(crate) async fn read_live(clients: &aws::Clients, cfg: &Config) -> Result<Live, i32> {
    let scope = aws::scope::RdsScope::for_environment(wanted_identifiers(cfg));
    read_live_in(clients, cfg, scope).await
}

/// The expansion's instances, replicas, cluster members and clusters (nothing that needs the
/// region's AZs).
fn wanted_databases(cfg: &Config) -> Vec<crate::model::Resource> {
    use crate::model::Kind;
    config::expand::expand_all(cfg, &Live::default())
        .0
        .into_iter()
        .filter(|r| {
            matches!(
                r.kind,
                Kind::Instance | Kind::Replica | Kind::ClusterInstance | Kind::Cluster
            )
        })
        .collect()
}

/// The storage settings the files want per instance identifier (see `Wanted::storage`).
fn wanted_storage(
    cfg: &Config,
) -> std::collections::BTreeMap<String, Vec<(String, crate::model::Value)>> {
    use crate::model::Kind;
    wanted_databases(cfg)
        .into_iter()
        .filter(|r| matches!(r.kind, Kind::Instance | Kind::Replica))
        .map(|r| {
            let storage = [
                "allocated_storage",
                "storage_type",
                "iops",
                "storage_throughput",
            ]
            .iter()
            .filter_map(|k| r.attrs.get(*k).map(|v| (k.to_string(), v.clone())))
            .collect();
            (r.name, storage)
        })
        .collect()
}

/// The AWS identifiers of the instances, replicas, cluster members and clusters the files
/// want, as expansion names them.
fn wanted_identifiers(cfg: &Config) -> aws::scope::Identifiers {
    use crate::model::Kind;
    let mut ids = aws::scope::Identifiers::default();
    for r in wanted_databases(cfg) {
        match r.kind {
            Kind::Instance | Kind::Replica | Kind::ClusterInstance => ids.instances.push(r.name),
            Kind::Cluster => ids.clusters.push(r.name),
            _ => {}
        }
    }
    ids
}

/// [`read_live`], with the environment's RDS databases taken from `scope`: drift over several
/// environments shares the region's lists, `import` needs them whole.
pub(crate) async fn read_live_in(
    clients: &aws::Clients,
    cfg: &Config,
    scope: aws::scope::RdsScope,
) -> Result<Live, i32> {
    let wanted = aws::read::Wanted {
        rds: scope,
        storage: wanted_storage(cfg),
        env: &cfg.env_name,
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
            .filter(|k| plan::planner::is_alias(k))
            .collect(),
        external_groups: external_groups(cfg),
        external_ids: external_ids(cfg),
        classes: {
            let mut c: Vec<(String, String)> = config::check_live::class_uses(cfg)
                .into_iter()
                .map(|u| (u.engine, u.class))
                .collect();
            c.sort();
            c.dedup();
            c
        },
        kms_keys: config::check_live::referenced(cfg)
            .into_iter()
            .filter(|r| r.kind == config::check_live::IdKind::KmsKey)
            .map(|r| r.id)
            .collect(),
        parameter_families: cfg
            .parameter_groups
            .iter()
            .map(|g| (aws::parameters::Flavor::Db, g.spec.family.clone()))
            .chain(
                cfg.cluster_parameter_groups
                    .iter()
                    .map(|g| (aws::parameters::Flavor::Cluster, g.spec.family.clone())),
            )
            .collect(),
    };
    let mut live = aws::read::read(clients, &wanted).await.map_err(|e| {
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
fn external_ids(cfg: &Config) -> aws::external::ExternalIds {
    use config::check_live::IdKind;
    let mut ids = aws::external::ExternalIds::default();
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

pub(crate) fn make_plan(cfg: &Config, live: &Live) -> Result<Plan, i32> {
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

/// `--parallelism`: a whole number of at least 1 (0 would run nothing).
fn parallelism_at_least_one(s: &str) -> Result<usize, String> {
    match s.parse::<usize>() {
        Ok(0) => Err("must be at least 1 (0 would run nothing)".into()),
        Ok(n) => Ok(n),
        Err(_) => Err(format!("`{s}` is not a whole number")),
    }
}
