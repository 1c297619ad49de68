//! `rdsplan drift`: scheduled, read-only comparison of AWS with the files.

use crate::cli::{clients_for, load_env, make_plan, read_live, PlanFormat};
use crate::config;
use crate::drift::{self, Report};
use std::path::Path;

async fn one(dir: &Path, env: &str) -> Result<Report, i32> {
    let cfg = load_env(dir, env)?;
    let clients = clients_for(&cfg).await?;
    let live = read_live(&clients, &cfg).await?;
    let plan = make_plan(&cfg, &live)?;
    Ok(drift::report(&plan, &live))
}

pub async fn drift(dir: &Path, envs: Vec<String>, format: PlanFormat) -> i32 {
    let envs: Vec<String> = if envs.is_empty() {
        match config::env_dirs(dir, None) {
            Ok(dirs) => dirs
                .iter()
                .filter_map(|d| d.file_name().map(|n| n.to_string_lossy().to_string()))
                .collect(),
            Err(e) => {
                eprintln!("error: {e}");
                return 1;
            }
        }
    } else {
        envs
    };
    // Environments are read concurrently; each reads its kinds concurrently too.
    let results = futures::future::join_all(envs.iter().map(|e| one(dir, e))).await;
    let failed = results.iter().any(|r| r.is_err());
    let reports: Vec<Report> = results.into_iter().filter_map(Result::ok).collect();
    match format {
        PlanFormat::Json => print!("{}", drift::json(&reports)),
        PlanFormat::Markdown => {
            for r in &reports {
                println!("{}", drift::markdown(r));
            }
        }
        PlanFormat::Text => {
            for r in &reports {
                print!("{}", drift::text(r));
            }
        }
    }
    if failed {
        1
    } else if reports.iter().all(|r| r.in_sync) {
        0
    } else {
        2
    }
}
