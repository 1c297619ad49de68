//! The commands that reach databases: output, creds, connect, rotate.

use super::context::{load_env, Context};
use super::{CredsFormat, Format};
use crate::access::{self, Creds, LoginSource};
use crate::aws;
use crate::config::Config;
use crate::kinds::rotation;
use crate::model::Live;
use std::path::Path;
use std::time::Duration;

async fn live_of(dir: &Path, env: &str) -> Result<(Config, aws::Clients, Live), i32> {
    let ctx = Context::open(dir, env).await?;
    let live = ctx.live().await?;
    Ok((ctx.cfg, ctx.clients, live))
}

pub async fn output(dir: &Path, env: &str, format: Format) -> i32 {
    let (cfg, _, live) = match live_of(dir, env).await {
        Ok(v) => v,
        Err(c) => return c,
    };
    let rows = access::endpoints(&live);
    match format {
        Format::Json => {
            let doc = serde_json::json!({
                "format_version": "1.0",
                "environment": cfg.env_name,
                "region": cfg.region(),
                "endpoints": rows,
            });
            println!("{}", serde_json::to_string_pretty(&doc).expect("json"));
        }
        Format::Text => {
            if rows.is_empty() {
                println!("No databases exist in `{}` yet.", cfg.env_name);
            }
            for r in rows {
                let at = match (&r.host, r.port) {
                    (Some(h), Some(p)) => format!("{h}:{p}"),
                    (Some(h), None) => h.clone(),
                    _ => "(no endpoint yet)".into(),
                };
                println!("{:<32} {:<8} {:<28} {at}", r.address, r.role, r.identifier);
            }
        }
    }
    0
}

/// Resolves the target and reads its login. Errors are printed; `Err` is the exit code.
async fn creds_of(dir: &Path, env: &str, address: &str) -> Result<(aws::Clients, Creds), i32> {
    let cfg = load_env(dir, env)?;
    let declared: Vec<String> = cfg
        .instances
        .iter()
        .map(|d| format!("instance.{}", d.name))
        .chain(cfg.replicas.iter().map(|d| format!("replica.{}", d.name)))
        .chain(cfg.clusters.iter().map(|d| format!("cluster.{}", d.name)))
        .collect();
    if !declared.iter().any(|d| d == address) {
        eprintln!(
            "error: `{address}` is not a database in the files of `{env}`.\n  help: the databases there are: {}",
            if declared.is_empty() { "none".to_string() } else { declared.join(", ") }
        );
        return Err(1);
    }
    let ctx = Context::connect(cfg).await?;
    let live = ctx.live().await?;
    let clients = ctx.clients;
    let target = access::connection(&live, address).map_err(|e| {
        eprintln!("error: {e}");
        1
    })?;
    let secret = match &target.login {
        LoginSource::Generated(n) | LoginSource::Managed(n) => n.clone(),
    };
    let (username, password) = rotation::login(&clients, address, &secret)
        .await
        .map_err(|e| {
            eprintln!("error: {e}");
            1
        })?;
    Ok((
        clients,
        Creds {
            target,
            username,
            password,
        },
    ))
}

pub async fn creds(dir: &Path, env: &str, address: &str, format: CredsFormat, show: bool) -> i32 {
    let (_, c) = match creds_of(dir, env, address).await {
        Ok(v) => v,
        Err(code) => return code,
    };
    print!(
        "{}",
        match format {
            CredsFormat::Env => c.env(show),
            CredsFormat::Url => c.url(show),
            CredsFormat::Json => c.json(show),
        }
    );
    0
}

pub struct ConnectOptions {
    pub host: Option<String>,
    pub port: Option<u16>,
    pub client: Option<String>,
    pub args: Vec<String>,
}

pub async fn connect(dir: &Path, env: &str, address: &str, o: ConnectOptions) -> i32 {
    let (_, c) = match creds_of(dir, env, address).await {
        Ok(v) => v,
        Err(code) => return code,
    };
    let host = o.host.unwrap_or_else(|| c.target.host.clone());
    let port = o.port.map(i64::from).unwrap_or(c.target.port).to_string();
    let pg = access::is_postgres(&c.target.engine);
    let program = o
        .client
        .unwrap_or_else(|| if pg { "psql" } else { "mysql" }.to_string());
    let mut cmd = std::process::Command::new(&program);
    // The client gets what a terminal program needs and its own settings, not the caller's AWS
    // credentials or anything else.
    cmd.env_clear().envs(
        std::env::vars_os().filter(|(k, _)| k.to_str().is_some_and(access::passed_to_client)),
    );
    // The password travels in the client's environment only: never in its arguments, which
    // other users of the machine can see.
    if pg {
        cmd.env("PGHOST", &host)
            .env("PGPORT", &port)
            .env("PGUSER", &c.username)
            .env("PGPASSWORD", c.password.expose());
        if let Some(db) = &c.target.dbname {
            cmd.env("PGDATABASE", db);
        }
    } else {
        cmd.env("MYSQL_PWD", c.password.expose()).args([
            "-h",
            &host,
            "-P",
            &port,
            "-u",
            &c.username,
        ]);
        if let Some(db) = &c.target.dbname {
            cmd.arg(db);
        }
    }
    cmd.args(&o.args);
    eprintln!(
        "connecting to {} at {host}:{port} as {} with {program}",
        c.target.address, c.username
    );
    match cmd.status() {
        Ok(s) => s.code().unwrap_or(1),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            eprintln!(
                "error: `{program}` is not installed.\n  help: install the {} client (e.g. `apt-get install {}`), or name one with --client",
                if pg { "PostgreSQL" } else { "MySQL" },
                if pg { "postgresql-client" } else { "default-mysql-client" }
            );
            127
        }
        Err(e) => {
            eprintln!("error: cannot run `{program}`: {e}");
            1
        }
    }
}

pub async fn rotate(dir: &Path, env: &str, address: &str, timeout: Duration) -> i32 {
    let (_, clients, live) = match live_of(dir, env).await {
        Ok(v) => v,
        Err(c) => return c,
    };
    let target = match access::connection(&live, address) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("error: {e}");
            return 1;
        }
    };
    let secret = match (
        &target.login,
        target.address.as_str().starts_with("replica."),
    ) {
        (_, true) => {
            eprintln!("error: {address} is a replica; rotate its source, whose password it shares");
            return 1;
        }
        (LoginSource::Managed(_), _) => {
            eprintln!("error: {address} uses credentials = \"managed\"; RDS rotates its password (see the secret's rotation settings)");
            return 1;
        }
        (LoginSource::Generated(s), _) => s.clone(),
    };
    println!(
        "Rotating the master password of {address} ({}):",
        target.identifier
    );
    let db = if target.cluster {
        rotation::Rotated::Cluster(&target.identifier)
    } else {
        rotation::Rotated::Instance(&target.identifier)
    };
    match rotation::rotate(&clients, address, &secret, db, timeout).await {
        Ok(v) => {
            println!("Rotated: secret {secret} version {v} is AWSCURRENT.");
            0
        }
        Err(e) => {
            eprintln!(
                "error: {e}\n  help: run `rdsplan rotate` again; it resumes from where it stopped"
            );
            1
        }
    }
}
