//! `rdsplan import --all`: adopt every database of the region (or of one VPC, narrowed by
//! tags) that no environment manages, in one command: a summary, one confirmation, one file
//! per database, then the tags. Changes nothing but tags.

use super::context::{load_env, Context};
use crate::import::Tagged;
use crate::import_estate::{self, Filter, Region};
use crate::kinds::adopt;
use std::collections::BTreeSet;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

pub struct AllArgs {
    /// A Terraform state (or `terraform show -json`) whose databases are taken over.
    pub from_terraform: Option<PathBuf>,
    pub vpc: Option<String>,
    /// `tag:KEY=VALUE`, each.
    pub filters: Vec<String>,
    pub write_dir: Option<PathBuf>,
    pub auto_approve: bool,
}

pub async fn import_all(dir: &Path, env: &str, a: AllArgs) -> i32 {
    match run(dir, env, a).await {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e}");
            1
        }
    }
}

fn filter(a: &AllArgs) -> Result<Filter, String> {
    let mut tags = vec![];
    for f in &a.filters {
        let kv = f.strip_prefix("tag:").and_then(|kv| kv.split_once('='));
        match kv {
            Some((k, v)) if !k.is_empty() => tags.push((k.to_string(), v.to_string())),
            _ => return Err(format!("--filter `{f}`: write it as tag:KEY=VALUE")),
        }
    }
    Ok(Filter {
        vpc: a.vpc.clone(),
        tags,
        only: None,
    })
}

async fn run(dir: &Path, env: &str, a: AllArgs) -> Result<i32, String> {
    let mut filter = filter(&a)?;
    let terraform = match &a.from_terraform {
        Some(file) => {
            let text = std::fs::read_to_string(file)
                .map_err(|e| format!("cannot read {}: {e}", file.display()))?;
            let resources = crate::import_terraform::resources(&text)
                .map_err(|e| format!("{}: {e}", file.display()))?;
            let t = crate::import_terraform::takeover(&resources);
            filter.only = Some(t.names.clone());
            Some(t)
        }
        None => None,
    };
    let cfg = load_env(dir, env)
        .map_err(|_| "the environment's files have problems (see above)".to_string())?;
    let context = Context::connect(cfg)
        .await
        .map_err(|_| "cannot reach AWS (see above)".to_string())?;
    let (cfg, clients) = (&context.cfg, &context.clients);
    let live = context
        .live_in(crate::kinds::db::scope::RdsScope::Region)
        .await
        .map_err(|_| "cannot read live state (see above)".to_string())?;
    let lists = crate::aws::account::account(clients, false)
        .await
        .map_err(|e| format!("reading the region's databases: {e}"))?;
    let ctx = crate::import::ImportContext {
        env: &cfg.env_name,
        env_tags: &cfg.environment().tags,
        live: &live,
        vpcs: cfg
            .vpcs
            .iter()
            .map(|v| (v.name.as_str(), &v.spec))
            .collect(),
    };
    let mut taken = BTreeSet::new();
    for kind in ["vpc", "instance", "replica", "cluster"] {
        taken.extend(cfg.declared(kind).iter().map(|n| format!("{kind}.{n}")));
    }
    let region = Region {
        instances: &lists.instances,
        clusters: &lists.clusters,
        subnet_groups: &lists.subnet_groups,
    };
    let estate = import_estate::estate(&ctx, &region, &filter, &taken);
    let file_of = |address: &str| {
        let name = address.split_once('.').map_or(address, |(_, n)| n);
        a.write_dir
            .as_ref()
            .map(|d| d.join(format!("imported-{name}.toml")))
    };

    let scope = match (&a.from_terraform, &filter.vpc) {
        (Some(f), _) => format!("from {}", f.display()),
        (None, Some(v)) => format!("in {v}"),
        (None, None) => format!("in {}", cfg.region()),
    };
    eprintln!(
        "Found {} database(s) to import {scope} ({} already managed, left alone):",
        estate.adopted.len(),
        estate.managed
    );
    for d in &estate.adopted {
        let to = file_of(d.address.as_str())
            .map(|f| format!(" -> {}", f.display()))
            .unwrap_or_default();
        eprintln!("  {:<28} as {}{to}", d.identifier, d.address);
        for n in &d.adoption.notes {
            eprintln!("      note: {n}");
        }
    }
    if !estate.left.is_empty() {
        eprintln!("Left as they are (nothing of them is imported):");
        for (id, why) in &estate.left {
            eprintln!("  {id:<28} {why}");
        }
    }
    if let Some(t) = &terraform {
        let found: BTreeSet<&str> = estate
            .adopted
            .iter()
            .map(|d| d.identifier.as_str())
            .chain(estate.left.iter().map(|(i, _)| i.as_str()))
            .collect();
        let missing: Vec<&String> = t
            .names
            .keys()
            .filter(|i| !found.contains(i.as_str()))
            .collect();
        if !t.left.is_empty() || !missing.is_empty() {
            eprintln!("Left to Terraform:");
        }
        for (address, why) in &t.left {
            eprintln!("  {address:<40} {why}");
        }
        for id in missing {
            eprintln!(
                "  {id:<40} not found unmanaged in {} (managed already, or gone)",
                cfg.region()
            );
        }
    }
    if estate.adopted.is_empty() {
        eprintln!("Nothing to import.");
        return Ok(0);
    }
    eprintln!(
        "Security groups and parameter, cluster parameter and option groups rdsplan does not own are written by id or name and left as they are."
    );
    let tags: usize = estate.adopted.iter().map(|d| d.adoption.tags.len()).sum();
    eprintln!("\nrdsplan will tag {tags} resource(s) (and change nothing else).");
    // Files that exist already are refused before anything is written or tagged.
    for d in &estate.adopted {
        if let Some(f) = file_of(d.address.as_str()).filter(|f| f.exists()) {
            return Err(format!(
                "{} exists already; nothing was written or tagged",
                f.display()
            ));
        }
    }
    if !a.auto_approve {
        if !std::io::stdin().is_terminal() {
            return Err("tagging needs confirmation, but standard input is not a terminal; pass --auto-approve".into());
        }
        eprint!(
            "Import these into `{}`? Only 'yes' is accepted: ",
            cfg.env_name
        );
        let mut answer = String::new();
        if std::io::stdin().read_line(&mut answer).is_err() || answer.trim() != "yes" {
            eprintln!("Import cancelled; nothing was written or tagged.");
            return Ok(1);
        }
    }
    for d in &estate.adopted {
        let text = format!(
            "# imported from {} by `rdsplan import --all`\n{}",
            d.identifier, d.adoption.toml
        );
        match file_of(d.address.as_str()) {
            Some(f) => {
                let mut out = std::fs::OpenOptions::new()
                    .create_new(true)
                    .write(true)
                    .open(&f)
                    .map_err(|e| format!("cannot write {}: {e}", f.display()))?;
                out.write_all(text.as_bytes())
                    .map_err(|e| format!("cannot write {}: {e}", f.display()))?;
            }
            None => println!("{text}"),
        }
    }
    for d in &estate.adopted {
        for (target, _, tags) in &d.adoption.tags {
            match target {
                Tagged::Ec2(i) => adopt::tag_ec2(clients, i, tags).await,
                Tagged::Rds(arn) => adopt::tag_rds(clients, arn, tags).await,
            }
            .map_err(|e| e.to_string())?;
        }
    }
    eprintln!(
        "Imported {} database(s) into `{}`.",
        estate.adopted.len(),
        cfg.env_name
    );
    if let Some(t) = &terraform {
        // Exactly what rdsplan took over, so that Terraform stops managing it (its state is
        // never edited here).
        let taken: Vec<String> = estate
            .adopted
            .iter()
            .flat_map(|d| t.addresses.get(&d.identifier).cloned().unwrap_or_default())
            .collect();
        eprintln!("\nHand them over: remove them from Terraform's state (it then leaves them as they are):");
        for line in crate::import_terraform::state_rm(&taken) {
            println!("{line}");
        }
    }
    Ok(0)
}
