//! `rdsplan drift`: scheduled, read-only comparison of AWS with the files.

use super::context::{make_plan, read_live_in, Context};
use super::PlanFormat;
use crate::aws::{self, shared::RegionReads, Clients};
use crate::config::{self, Config};
use crate::drift::{self, Report};
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

/// One environment: its files, and AWS clients for its region and profile.
async fn open(dir: &Path, env: &str) -> Result<(Config, Clients), i32> {
    let ctx = Context::open(dir, env).await?;
    Ok((ctx.cfg, ctx.clients))
}

async fn one(cfg: &Config, clients: &Clients, shared: Arc<RegionReads>) -> Result<Report, i32> {
    let live = read_live_in(
        clients,
        cfg,
        Some(crate::kinds::db::scope::RdsScope::Shared(shared)),
    )
    .await?;
    let plan = make_plan(cfg, &live)?;
    Ok(drift::report(&plan, &live))
}

/// Exit 2 when AWS drifted; edits of the files not applied yet count only with
/// `fail_on_unapplied`.
pub async fn drift(
    dir: &Path,
    envs: Vec<String>,
    format: PlanFormat,
    fail_on_unapplied: bool,
) -> i32 {
    // Over the whole --dir, environments AWS holds without a folder are findings too.
    let whole_dir = envs.is_empty();
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
    // Environments are read concurrently, each its kinds concurrently too, every read starting
    // at once. What is the same for every environment of a region (the RDS lists that have no
    // tag filter, the AZs, the parameter and option groups, engine defaults) is read once per
    // region and profile by the first environment to need it and shared (`aws::shared`), so
    // that E environments cost E tag-filtered reads, not E reads of the whole region. The
    // calls in flight per service are capped (`aws::cap`).
    let opened = futures::future::join_all(envs.iter().map(|e| open(dir, e))).await;
    let key = |c: &Config| (c.region().to_string(), c.environment().profile.clone());
    let mut regions: BTreeMap<(String, Option<String>), Arc<RegionReads>> = BTreeMap::new();
    for (cfg, _) in opened.iter().flatten() {
        regions.entry(key(cfg)).or_default();
    }
    let results = futures::future::join_all(opened.iter().map(|o| async {
        let (cfg, clients) = o.as_ref().map_err(|c| *c)?;
        one(cfg, clients, regions[&key(cfg)].clone()).await
    }))
    .await;
    let mut failed = results.iter().any(|r| r.is_err());
    let mut reports: Vec<Report> = results.into_iter().filter_map(Result::ok).collect();
    if whole_dir {
        let known: std::collections::BTreeSet<&str> = opened
            .iter()
            .flatten()
            .map(|(c, _)| c.env_name.as_str())
            .chain(envs.iter().map(String::as_str))
            .collect();
        let mut seen = std::collections::BTreeSet::new();
        for (cfg, clients) in opened.iter().flatten() {
            if !seen.insert(key(cfg)) {
                continue;
            }
            match aws::account::environments(clients, &regions[&key(cfg)]).await {
                Ok(found) => reports.extend(
                    found
                        .iter()
                        .filter(|e| !known.contains(e.as_str()))
                        .map(|e| drift::orphaned(e, cfg.region())),
                ),
                Err(e) => {
                    eprintln!("error: finding environments in {}: {e}", cfg.region());
                    failed = true;
                }
            }
        }
    }
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
    let drifted = |r: &Report| {
        !r.in_sync && (fail_on_unapplied || r.changed_in_aws || r.not_created || r.orphaned)
    };
    if failed {
        1
    } else if reports.iter().any(drifted) {
        2
    } else {
        0
    }
}
