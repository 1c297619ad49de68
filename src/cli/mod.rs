//! Command-line interface: the argument definitions and the dispatch to one module per
//! command. Commands share `context` (loading an environment, its AWS clients, reading and
//! planning) and never import each other.

mod access;
mod apply;
mod completions;
pub mod context;
mod drift;
mod import;
mod import_all;
mod import_groups;
mod plan;
mod snapshot;
mod validate;

use clap::{Parser, Subcommand, ValueEnum};
use std::io::IsTerminal;
use std::path::PathBuf;
use std::time::Duration;

/// `rdsplan --version`: the version, the git commit and the build date (see `build.rs`).
pub const VERSION: &str = concat!(
    env!("CARGO_PKG_VERSION"),
    " (commit ",
    env!("RDSPLAN_COMMIT"),
    ", built ",
    env!("RDSPLAN_BUILD_DATE"),
    ")"
);

#[derive(Parser, Debug)]
#[command(
    name = "rdsplan",
    version = VERSION,
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
        // The SDK's own warnings (a credential provider that failed, with a debug dump of
        // why) are rdsplan's to say in its words; -vv shows them.
        (false, 0) => "warn,aws_config=error,aws_smithy_runtime=error,aws_smithy_http_client=error",
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
        /// The environment: the name of its folder under --dir (not needed when --dir is one
        /// environment's folder).
        #[arg(long)]
        env: Option<String>,
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
        /// Also exit 2 for edits of the files not applied yet (by default only what changed
        /// in AWS does; both are reported).
        #[arg(long)]
        fail_on_unapplied: bool,
    },
    /// Adopt an existing resource (or, with --all, every database no environment manages):
    /// print (or write) its TOML, complete enough that a plan afterwards shows no change for
    /// it, and tag it as managed by this environment after confirmation. Changes nothing but
    /// tags.
    #[command(
        after_help = "Examples:\n  rdsplan import --env prod instance legacy-orders --as orders\n  rdsplan import --env prod vpc vpc-0abc123 --as main --write environments/prod/imported.toml\n  rdsplan import --env prod cluster analytics --as analytics --auto-approve\n  rdsplan import --env prod --all --vpc vpc-0abc123 --filter tag:team=shop --adopt-groups --write-dir environments/prod"
    )]
    Import {
        /// The environment: the name of its folder under --dir (not needed when --dir is one
        /// environment's folder).
        #[arg(long)]
        env: Option<String>,
        /// vpc, security_group, instance, replica or cluster
        #[arg(required_unless_present_any = ["all", "from_terraform", "from_cloudformation"])]
        kind: Option<String>,
        /// The AWS id: vpc-..., sg-..., or an RDS identifier
        #[arg(required_unless_present_any = ["all", "from_terraform", "from_cloudformation"])]
        aws_id: Option<String>,
        /// The NAME of its address (KIND.NAME) in the files.
        #[arg(
            long = "as",
            value_name = "NAME",
            required_unless_present_any = ["all", "from_terraform", "from_cloudformation"]
        )]
        name: Option<String>,
        /// Append the TOML to FILE (e.g. environments/prod/imported.toml) instead of printing it.
        #[arg(long, value_name = "FILE", conflicts_with = "all")]
        write: Option<PathBuf>,
        /// Every instance, replica and Aurora cluster of the region no environment manages
        /// (with --vpc and --filter, fewer), one file each with --write-dir.
        #[arg(long, conflicts_with_all = ["kind", "aws_id", "name"])]
        all: bool,
        /// Take over the databases of a Terraform state (a state file, or `terraform show
        /// -json`), named after their Terraform names; prints the `terraform state rm` lines.
        #[arg(long, value_name = "FILE", conflicts_with_all = ["kind", "aws_id", "name", "all"])]
        from_terraform: Option<PathBuf>,
        /// Take over the databases of a CloudFormation (or CDK) stack, named after their
        /// logical ids; prints how to hand them over (DeletionPolicy: Retain, then remove).
        #[arg(
            long,
            value_name = "STACK",
            conflicts_with_all = ["kind", "aws_id", "name", "all", "from_terraform"]
        )]
        from_cloudformation: Option<String>,
        /// With --all or --from-terraform: only the databases in this VPC (vpc-...).
        #[arg(long, value_name = "VPC_ID", conflicts_with = "kind")]
        vpc: Option<String>,
        /// With --all or --from-terraform: only the databases carrying this tag
        /// (tag:KEY=VALUE; repeatable).
        #[arg(long, value_name = "tag:KEY=VALUE", conflicts_with = "kind")]
        filter: Vec<String>,
        /// With --all or --from-terraform: one file per database (imported-NAME.toml) in DIR.
        #[arg(long, value_name = "DIR", conflicts_with = "kind")]
        write_dir: Option<PathBuf>,
        /// With --all, --from-terraform or --from-cloudformation: also take the security groups
        /// the databases use as groups of the environment with their rules, where nothing else
        /// uses them (by default they are named by `sg-` id and left as they are).
        #[arg(long, conflicts_with = "kind")]
        adopt_groups: bool,
        /// Tag without asking (for scripts).
        #[arg(long)]
        auto_approve: bool,
    },
    /// Clear a stale apply lock (left by an apply that was killed), saying who held it.
    Unlock {
        /// The environment: the name of its folder under --dir (not needed when --dir is one
        /// environment's folder).
        #[arg(long)]
        env: Option<String>,
    },
    /// Show the endpoints of every instance, replica and cluster (writer and reader).
    Output {
        /// The environment: the name of its folder under --dir (not needed when --dir is one
        /// environment's folder).
        #[arg(long)]
        env: Option<String>,
        /// text for people, json for programs.
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// Show how to connect to a database (instance, replica or cluster address). The password
    /// is masked unless --show-password.
    Creds {
        /// The environment: the name of its folder under --dir (not needed when --dir is one
        /// environment's folder).
        #[arg(long)]
        env: Option<String>,
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
        /// The environment: the name of its folder under --dir (not needed when --dir is one
        /// environment's folder).
        #[arg(long)]
        env: Option<String>,
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
        /// The environment: the name of its folder under --dir (not needed when --dir is one
        /// environment's folder).
        #[arg(long)]
        env: Option<String>,
        /// The database whose generated password to rotate: instance.NAME, replica.NAME or
        /// cluster.NAME.
        address: String,
        /// How long to wait for the database to accept the new password, in minutes.
        #[arg(long, default_value_t = 90)]
        timeout_minutes: u64,
    },
    /// Take a manual snapshot of a database now (instance.NAME, replica.NAME or cluster.NAME)
    /// and wait until it is available. It is tagged with the environment and the address but is
    /// no resource of the environment: no plan deletes it. Running it again with the same
    /// --name finds the snapshot taken and waits for it.
    Snapshot {
        /// The environment: the name of its folder under --dir (not needed when --dir is one
        /// environment's folder).
        #[arg(long)]
        env: Option<String>,
        /// The database: instance.NAME, replica.NAME or cluster.NAME.
        address: String,
        /// The snapshot's name (default: the database's identifier and the UTC time,
        /// prod-orders-20261208-041500).
        #[arg(long)]
        name: Option<String>,
        /// Return once AWS has taken the request, without waiting for the snapshot.
        #[arg(long)]
        no_wait: bool,
        /// How long to wait for the snapshot to be available, in minutes.
        #[arg(long, default_value_t = 120)]
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

impl Command {
    /// The `--env` of a command that acts on one environment, which `--dir` may stand for.
    fn env_slot(&mut self) -> Option<&mut Option<String>> {
        match self {
            Command::Plan { env, .. }
            | Command::Import { env, .. }
            | Command::Unlock { env }
            | Command::Output { env, .. }
            | Command::Creds { env, .. }
            | Command::Connect { env, .. }
            | Command::Rotate { env, .. }
            | Command::Snapshot { env, .. } => Some(env),
            Command::Apply { .. }
            | Command::Validate { .. }
            | Command::Drift { .. }
            | Command::Completions { .. }
            | Command::Schema => None,
        }
    }
}

/// One environment: `--env`, or the folder `--dir` names; said when neither tells.
fn resolve_env(dir: &std::path::Path, command: &mut Command) -> Result<(), i32> {
    if let Some(slot) = command.env_slot() {
        match crate::config::env_name(dir, slot.as_deref()) {
            Ok(e) => *slot = Some(e),
            Err(e) => {
                eprintln!("error: {e}");
                return Err(1);
            }
        }
    }
    Ok(())
}

/// The commands on one database of an environment: creds, connect, rotate, snapshot.
async fn database_command(dir: &std::path::Path, command: Command) -> i32 {
    match command {
        Command::Creds {
            env,
            address,
            format,
            show_password,
        } => {
            let env = env.unwrap_or_default();
            access::creds(dir, &env, &address, format, show_password).await
        }
        Command::Connect {
            env,
            address,
            host,
            port,
            client,
            client_args,
        } => {
            let o = access::ConnectOptions {
                host,
                port,
                client,
                args: client_args,
            };
            access::connect(dir, &env.unwrap_or_default(), &address, o).await
        }
        Command::Rotate {
            env,
            address,
            timeout_minutes,
        } => {
            access::rotate(
                dir,
                &env.unwrap_or_default(),
                &address,
                Duration::from_secs(timeout_minutes * 60),
            )
            .await
        }
        Command::Snapshot {
            env,
            address,
            name,
            no_wait,
            timeout_minutes,
        } => {
            let ask = snapshot::Ask {
                address: &address,
                name: name.as_deref(),
                wait: !no_wait,
                timeout: Duration::from_secs(timeout_minutes * 60),
            };
            snapshot::snapshot(dir, &env.unwrap_or_default(), ask).await
        }
        _ => unreachable_command(),
    }
}

/// A command `database_command` was not given (the caller matches the same four).
fn unreachable_command() -> i32 {
    eprintln!("error: internal: a command was dispatched to the wrong handler");
    1
}

/// Runs the CLI and returns the process exit code.
pub async fn run(cli: Cli) -> i32 {
    init_logs(cli.verbose, cli.quiet);
    let mut command = cli.command;
    if let Err(code) = resolve_env(&cli.dir, &mut command) {
        return code;
    }
    match command {
        Command::Completions { shell } => completions::print(shell),
        Command::Validate { env } => validate::validate(&cli.dir, env.as_deref()),
        Command::Output { env, format } => {
            access::output(&cli.dir, &env.unwrap_or_default(), format).await
        }
        c @ (Command::Creds { .. }
        | Command::Connect { .. }
        | Command::Rotate { .. }
        | Command::Snapshot { .. }) => database_command(&cli.dir, c).await,
        Command::Schema => {
            println!("{}", crate::schema());
            0
        }
        Command::Drift {
            env,
            format,
            fail_on_unapplied,
        } => drift::drift(&cli.dir, env, format, fail_on_unapplied).await,
        Command::Import {
            env,
            kind,
            aws_id,
            name,
            write,
            all,
            vpc,
            filter,
            write_dir,
            from_terraform,
            from_cloudformation,
            adopt_groups,
            auto_approve,
        } => match (
            all || from_terraform.is_some() || from_cloudformation.is_some(),
            kind,
            aws_id,
            name,
        ) {
            (true, ..) => {
                let a = import_all::AllArgs {
                    from_terraform,
                    from_cloudformation,
                    vpc,
                    filters: filter,
                    write_dir,
                    adopt_groups,
                    auto_approve,
                };
                import_all::import_all(&cli.dir, &env.unwrap_or_default(), a).await
            }
            (false, Some(kind), Some(aws_id), Some(name)) => {
                let a = import::Args {
                    kind,
                    aws_id,
                    name,
                    write,
                    auto_approve,
                };
                import::import(&cli.dir, &env.unwrap_or_default(), a).await
            }
            // clap requires the three without --all.
            (false, ..) => 1,
        },
        Command::Unlock { env } => apply::unlock(&cli.dir, &env.unwrap_or_default()).await,
        Command::Plan {
            env,
            format,
            detailed_exitcode,
            out,
            target,
        } => {
            plan::plan(
                &cli.dir,
                &env.unwrap_or_default(),
                plan::Options {
                    format,
                    detailed_exitcode,
                    out,
                    targets: context::addresses(target),
                },
            )
            .await
        }
        Command::Apply {
            env,
            plan_file,
            auto_approve,
            allow_destroy,
            parallelism,
            timeout_minutes,
            target,
        } => {
            let opts = crate::apply::Options {
                parallelism,
                timeout: Duration::from_secs(timeout_minutes * 60),
                interrupt: crate::apply::interrupt::Interrupt::never(),
            };
            let flags = apply::Flags {
                auto_approve,
                allow_destroy,
                targets: context::addresses(target),
            };
            apply::run(&cli.dir, env, plan_file, flags, &opts).await
        }
    }
}

/// `--parallelism`: a whole number of at least 1 (0 would run nothing).
fn parallelism_at_least_one(s: &str) -> Result<usize, String> {
    match s.parse::<usize>() {
        Ok(0) => Err("must be at least 1 (0 would run nothing)".into()),
        Ok(n) => Ok(n),
        Err(_) => Err(format!("`{s}` is not a whole number")),
    }
}
