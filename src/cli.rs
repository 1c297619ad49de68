//! Command-line interface: argument definitions and one function per command.

use crate::config::{self, Config};
use crate::model::Live;
use crate::plan::{self, Plan};
use crate::{apply, aws, render};
use clap::{Parser, Subcommand, ValueEnum};
use std::io::{IsTerminal, Write};
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
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Check the configuration files without calling AWS. Exit 0 when valid, 1 otherwise.
    Validate {
        /// Only this environment (default: every environment under --dir).
        #[arg(long)]
        env: Option<String>,
    },
    /// Show what apply would change. Reads AWS; changes nothing.
    Plan {
        #[arg(long)]
        env: String,
        /// text for people, markdown for pull-request comments, json for programs
        /// (docs/plan-json.md).
        #[arg(long, value_enum, default_value_t = PlanFormat::Text)]
        format: PlanFormat,
        /// Exit 0 when there are no changes, 2 when there are, 1 on error.
        #[arg(long)]
        detailed_exitcode: bool,
    },
    /// Make AWS match the files, in dependency order.
    Apply {
        #[arg(long)]
        env: String,
        /// Do not ask for confirmation (for CI).
        #[arg(long)]
        auto_approve: bool,
        /// Allow deletions and replacements. Without it, apply refuses any plan that has them.
        #[arg(long)]
        allow_destroy: bool,
        /// How many independent steps run at once.
        #[arg(long, default_value_t = 8)]
        parallelism: usize,
        /// How long to wait for any one resource to become available, in minutes.
        #[arg(long, default_value_t = 90)]
        timeout_minutes: u64,
    },
    /// Print the JSON Schema of the configuration files.
    Schema,
    /// Show the endpoints of every instance, replica and cluster (writer and reader).
    Output {
        #[arg(long)]
        env: String,
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// Show how to connect to a database (instance, replica or cluster address). The password
    /// is masked unless --show-password.
    Creds {
        #[arg(long)]
        env: String,
        /// e.g. instance.orders, replica.orders-ro, cluster.analytics
        address: String,
        #[arg(long, value_enum, default_value_t = CredsFormat::Env)]
        format: CredsFormat,
        /// Print the real password.
        #[arg(long)]
        show_password: bool,
    },
    /// Open psql or mysql on a database; the password goes through the environment
    /// (PGPASSWORD, MYSQL_PWD), never the command line.
    Connect {
        #[arg(long)]
        env: String,
        address: String,
        /// Connect here instead of the endpoint (a tunnel, bastion or local proxy).
        #[arg(long)]
        host: Option<String>,
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
        #[arg(long)]
        env: String,
        address: String,
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
    match cli.command {
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
        Command::Plan {
            env,
            format,
            detailed_exitcode,
        } => match prepare(&cli.dir, &env).await {
            Err(code) => code,
            Ok(p) => {
                match format {
                    PlanFormat::Text => print!("{}", render::text::render(&p.plan, color_out())),
                    PlanFormat::Markdown => print!("{}", render::markdown::render(&p.plan)),
                    PlanFormat::Json => print!("{}", render::json::render(&p.plan)),
                }
                if detailed_exitcode && p.plan.has_changes() {
                    2
                } else {
                    0
                }
            }
        },
        Command::Apply {
            env,
            auto_approve,
            allow_destroy,
            parallelism,
            timeout_minutes,
        } => {
            let opts = apply::Options {
                parallelism,
                timeout: Duration::from_secs(timeout_minutes * 60),
            };
            run_apply(&cli.dir, &env, auto_approve, allow_destroy, &opts).await
        }
    }
}

fn color_out() -> bool {
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
            Ok(cfg) => println!(
                "ok: {} (environment `{}`: {})",
                d.display(),
                cfg.env_name,
                [
                    ("vpc", cfg.vpcs.len()),
                    ("security_group", cfg.security_groups.len()),
                    ("iam_role", cfg.iam_roles.len()),
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

struct Prepared {
    cfg: Config,
    clients: aws::Clients,
    live: Live,
    plan: Plan,
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
async fn prepare(dir: &std::path::Path, env: &str) -> Result<Prepared, i32> {
    let cfg = load_env(dir, env)?;
    let e = cfg.environment();
    let clients = aws::Clients::connect(&e.region, e.profile.as_deref()).await;
    let live = read_live(&clients, &cfg).await?;
    let plan = make_plan(&cfg, &live)?;
    Ok(Prepared {
        cfg,
        clients,
        live,
        plan,
    })
}

pub(crate) async fn read_live(clients: &aws::Clients, cfg: &Config) -> Result<Live, i32> {
    let wanted = aws::read::Wanted {
        env: &cfg.env_name,
        group_names: cfg
            .security_groups
            .iter()
            .map(|g| format!("{}-{}", cfg.env_name, g.name))
            .collect(),
    };
    aws::read::read(clients, &wanted).await.map_err(|e| {
        eprintln!(
            "error: reading live state of `{}` in {}: {e}",
            cfg.env_name,
            cfg.region()
        );
        1
    })
}

fn make_plan(cfg: &Config, live: &Live) -> Result<Plan, i32> {
    let desired = config::expand::expand(cfg, live).map_err(|errs| {
        for e in errs {
            eprintln!("error: {}: {}", e.address, e.message);
        }
        1
    })?;
    plan::plan(&cfg.env_name, cfg.region(), &desired, live).map_err(|errs| {
        eprint!("{}", render::text::render_errors(&errs));
        1
    })
}

async fn run_apply(
    dir: &std::path::Path,
    env: &str,
    auto_approve: bool,
    allow_destroy: bool,
    opts: &apply::Options,
) -> i32 {
    let p = match prepare(dir, env).await {
        Ok(p) => p,
        Err(c) => return c,
    };
    print!("{}", render::text::render(&p.plan, color_out()));
    if !p.plan.has_changes() {
        return 0;
    }
    let destructive: Vec<String> = p
        .plan
        .changes
        .iter()
        .filter(|c| c.needs_allow_destroy())
        .map(|c| format!("{} ({})", c.address, c.name))
        .collect();
    if !destructive.is_empty() && !allow_destroy {
        eprintln!(
            "error: refusing to apply: this plan deletes or replaces {}.\n  help: review the plan, then run again with --allow-destroy if that is intended",
            destructive.join(", ")
        );
        return 1;
    }
    if !auto_approve {
        if !std::io::stdin().is_terminal() {
            eprintln!("error: apply needs confirmation, but standard input is not a terminal.\n  help: pass --auto-approve to apply without asking (as CI does)");
            return 1;
        }
        print!(
            "\nApply these changes to `{}`? Only 'yes' is accepted: ",
            p.cfg.env_name
        );
        let _ = std::io::stdout().flush();
        let mut answer = String::new();
        if std::io::stdin().read_line(&mut answer).is_err() || answer.trim() != "yes" {
            eprintln!("Apply cancelled; nothing was changed.");
            return 1;
        }
    }
    println!("\nApplying to `{}` ({}):", p.cfg.env_name, p.cfg.region());
    let started = std::time::Instant::now();
    let outcome = apply::apply(&p.clients, &p.plan, &p.live, opts).await;
    println!(
        "\n{} step{} done, {} failed, {} skipped in {:.1}s.",
        outcome.done,
        if outcome.done == 1 { "" } else { "s" },
        outcome.failed.len(),
        outcome.skipped.len(),
        started.elapsed().as_secs_f64()
    );
    for f in &outcome.failed {
        eprintln!("error: {f}");
    }
    // Convergence is judged by AWS, not by the steps' own view: re-read and re-plan.
    let live = match read_live(&p.clients, &p.cfg).await {
        Ok(l) => l,
        Err(c) => return c,
    };
    match make_plan(&p.cfg, &live) {
        Ok(after) if !after.has_changes() => {
            println!(
                "Converged: environment `{}` matches the configuration.",
                p.cfg.env_name
            );
            if outcome.failed.is_empty() {
                0
            } else {
                1
            }
        }
        Ok(after) => {
            let s = after.summary();
            println!(
                "Not converged: {} to add, {} to change, {} to replace, {} to destroy, {} conflicts remain. Fix the errors above and run apply again; it resumes where this run stopped.",
                s.add, s.change, s.replace, s.destroy, s.conflict
            );
            1
        }
        Err(c) => c,
    }
}
