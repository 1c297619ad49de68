//! `rdsplan import --all`, `--from-terraform FILE`, `--from-cloudformation STACK`: adopt many
//! databases in one command (every one of the region no environment manages, narrowed by VPC
//! and tags; or those a Terraform state or a CloudFormation stack holds): a summary, one
//! confirmation, one file per database, then the tags, then how to hand them over. Changes
//! nothing but tags.

use super::context::{load_env, Context};
use crate::import_estate::{self, Filter, Region};
use crate::kinds::adopt;
use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::path::{Path, PathBuf};

pub struct AllArgs {
    /// A Terraform state (or `terraform show -json`) whose databases are taken over.
    pub from_terraform: Option<PathBuf>,
    /// A CloudFormation stack whose databases are taken over.
    pub from_cloudformation: Option<String>,
    pub vpc: Option<String>,
    /// `tag:KEY=VALUE`, each.
    pub filters: Vec<String>,
    pub write_dir: Option<PathBuf>,
    /// Take the security groups only these databases use as groups of the environment.
    pub adopt_groups: bool,
    pub auto_approve: bool,
}

/// Where the databases to adopt are named, and what is left there.
enum Source {
    /// The region's unmanaged databases.
    Region,
    Terraform(PathBuf, crate::import_terraform::Takeover),
    Stack(String, crate::import_cloudformation::Takeover),
}

impl Source {
    /// AWS identifier → the name its address gets; `None`: every database in scope.
    fn names(&self) -> Option<BTreeMap<String, String>> {
        match self {
            Source::Region => None,
            Source::Terraform(_, t) => Some(t.names.clone()),
            Source::Stack(_, t) => Some(t.names.clone()),
        }
    }
    /// What stays the source's, once `adopted` (AWS names and ids of the groups adopted) is
    /// known.
    /// A group's AWS name or id → the name its address gets, where the source names it.
    fn group_names(&self) -> BTreeMap<String, String> {
        match self {
            Source::Region => BTreeMap::new(),
            Source::Terraform(_, t) => t.groups.clone(),
            Source::Stack(_, t) => t
                .groups
                .iter()
                .map(|(id, logical)| (id.clone(), crate::import_cloudformation::kebab(logical)))
                .collect(),
        }
    }
    fn left(&self, adopted: &BTreeSet<String>) -> Vec<(String, String)> {
        match self {
            Source::Region => vec![],
            Source::Terraform(_, t) => crate::import_terraform::left_after(t, adopted),
            Source::Stack(_, t) => crate::import_cloudformation::left_after(t, adopted),
        }
    }
    fn heading(&self) -> String {
        match self {
            Source::Region => String::new(),
            Source::Terraform(..) => "Left to Terraform:".into(),
            Source::Stack(s, _) => format!("Left to stack {s}:"),
        }
    }
    /// How to hand over what was adopted (its identifiers, a cluster's members included), on
    /// stdout, so that a script can run or review it.
    fn handover(&self, adopted: &[String]) -> Vec<String> {
        match self {
            Source::Region => vec![],
            Source::Terraform(_, t) => {
                let taken: Vec<String> = adopted
                    .iter()
                    .flat_map(|id| t.addresses.get(id).cloned().unwrap_or_default())
                    .collect();
                crate::import_terraform::state_rm(&taken)
            }
            Source::Stack(stack, t) => {
                let logical: Vec<String> = adopted
                    .iter()
                    .filter_map(|id| t.logical.get(id).or_else(|| t.groups.get(id)).cloned())
                    .collect();
                crate::import_cloudformation::handover(stack, &logical)
            }
        }
    }
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

fn terraform(file: &Path) -> Result<Source, String> {
    let text = std::fs::read_to_string(file)
        .map_err(|e| format!("cannot read {}: {e}", file.display()))?;
    let resources = crate::import_terraform::resources(&text)
        .map_err(|e| format!("{}: {e}", file.display()))?;
    Ok(Source::Terraform(
        file.to_path_buf(),
        crate::import_terraform::takeover(&resources),
    ))
}

async fn stack(clients: &crate::aws::Clients, name: &str) -> Result<Source, String> {
    let resources: Vec<crate::import_cloudformation::StackResource> =
        adopt::stack_resources(clients, name)
            .await
            .map_err(|e| format!("reading stack {name}: {e}"))?
            .into_iter()
            .map(
                |(logical_id, kind, physical_id)| crate::import_cloudformation::StackResource {
                    logical_id,
                    kind,
                    physical_id,
                },
            )
            .collect();
    Ok(Source::Stack(
        name.to_string(),
        crate::import_cloudformation::takeover(&resources),
    ))
}

async fn run(dir: &Path, env: &str, a: AllArgs) -> Result<i32, String> {
    let mut filter = filter(&a)?;
    let cfg = load_env(dir, env)
        .map_err(|_| "the environment's files have problems (see above)".to_string())?;
    let context = Context::connect(cfg)
        .await
        .map_err(|_| "cannot reach AWS (see above)".to_string())?;
    let (cfg, clients) = (&context.cfg, &context.clients);
    let source = match (&a.from_terraform, &a.from_cloudformation) {
        (Some(file), _) => terraform(file)?,
        (None, Some(name)) => stack(clients, name).await?,
        (None, None) => Source::Region,
    };
    filter.only = source.names();
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
        groups: Default::default(),
    };
    let declared = |kinds: &[&str]| -> BTreeSet<String> {
        kinds
            .iter()
            .flat_map(|k| cfg.declared(k).iter().map(move |n| format!("{k}.{n}")))
            .collect()
    };
    let taken = declared(&["vpc", "instance", "replica", "cluster"]);
    let region = Region {
        instances: &lists.instances,
        clusters: &lists.clusters,
        subnet_groups: &lists.subnet_groups,
    };
    // Which databases are taken decides which groups come along; the groups' names then go
    // into the databases' files (a second, pure pass).
    let first = import_estate::estate(&ctx, &region, &filter, &taken);
    let group_kinds = [
        "parameter_group",
        "cluster_parameter_group",
        "option_group",
        "security_group",
    ];
    let groups = super::import_groups::groups(
        clients,
        &ctx,
        &region,
        &first,
        a.adopt_groups,
        declared(&group_kinds),
        &source.group_names(),
    )
    .await?;
    let ctx = crate::import::ImportContext {
        groups: groups.names.clone(),
        vpcs: ctx.vpcs.clone(),
        ..ctx
    };
    let mut estate = import_estate::estate(&ctx, &region, &filter, &taken);
    estate.groups = groups.adopted;
    estate.groups_left = groups.left;
    let file_of = |address: &str| {
        let (kind, name) = address.split_once('.').unwrap_or(("", address));
        let file = if group_kinds.contains(&kind) {
            format!("imported-{}-{name}.toml", kind.replace('_', "-"))
        } else {
            format!("imported-{name}.toml")
        };
        a.write_dir.as_ref().map(|d| d.join(file))
    };

    summary(&source, &filter, &estate, &lists, cfg.region(), &file_of);
    if estate.adopted.is_empty() {
        eprintln!("Nothing to import.");
        return Ok(0);
    }
    if !a.adopt_groups {
        eprintln!(
            "Security groups are named by their `sg-` ids and left as they are (--adopt-groups takes those only these databases use)."
        );
    }
    let tags: usize = estate
        .groups
        .iter()
        .chain(&estate.adopted)
        .map(|d| d.adoption.tags.len())
        .sum();
    eprintln!("\nrdsplan will tag {tags} resource(s) (and change nothing else).");
    // Files that exist already are refused before anything is written or tagged.
    for d in estate.groups.iter().chain(&estate.adopted) {
        if let Some(f) = file_of(d.address.as_str()).filter(|f| f.exists()) {
            return Err(format!(
                "{} exists already; nothing was written or tagged",
                f.display()
            ));
        }
    }
    let question = format!("Import these into `{}`?", cfg.env_name);
    if !a.auto_approve && !super::import::confirmed(&question)? {
        eprintln!("Import cancelled; nothing was written or tagged.");
        return Ok(1);
    }
    write_files(&estate, &file_of)?;
    tag_all(clients, &estate, &file_of).await?;
    eprintln!(
        "Imported {} database(s) and {} group(s) into `{}`.",
        estate.adopted.len(),
        estate.groups.len(),
        cfg.env_name
    );
    let mut adopted = with_members(&estate, &lists);
    adopted.extend(estate.groups.iter().map(|g| g.identifier.clone()));
    let handover = source.handover(&adopted);
    if !handover.is_empty() {
        eprintln!("\nHand them over (nothing else lets go of them):");
        for line in handover {
            println!("{line}");
        }
    }
    Ok(0)
}

/// One adoption at a time, each whole or not at all: when one cannot be tagged, its own tags
/// are taken off again (`tag`), and its file and those of the ones not reached are removed;
/// those already adopted stay, complete.
async fn tag_all(
    clients: &crate::aws::Clients,
    estate: &import_estate::Estate,
    file_of: &dyn Fn(&str) -> Option<PathBuf>,
) -> Result<(), String> {
    let all: Vec<&import_estate::Adopted> = estate.groups.iter().chain(&estate.adopted).collect();
    for (n, d) in all.iter().enumerate() {
        let Err(e) = super::import::tag(clients, &d.adoption.tags).await else {
            continue;
        };
        for f in all[n..].iter().filter_map(|d| file_of(d.address.as_str())) {
            if let Err(e) = std::fs::remove_file(&f) {
                eprintln!("warning: could not remove {} ({e})", f.display());
            }
        }
        let not: Vec<&str> = all[n..].iter().map(|d| d.address.as_str()).collect();
        return Err(format!(
            "{e}\nAdopted {} of {}; not adopted (files removed, nothing tagged): {}. Run the import again once the cause is fixed.",
            n,
            all.len(),
            not.join(", ")
        ));
    }
    Ok(())
}

/// What was found, taken, and left, and where it goes.
fn summary(
    source: &Source,
    filter: &Filter,
    estate: &import_estate::Estate,
    lists: &crate::aws::account::AccountReads,
    region_name: &str,
    file_of: &dyn Fn(&str) -> Option<PathBuf>,
) {
    let scope = match (source, &filter.vpc) {
        (Source::Terraform(f, _), _) => format!("from {}", f.display()),
        (Source::Stack(s, _), _) => format!("from stack {s}"),
        (Source::Region, Some(v)) => format!("in {v}"),
        (Source::Region, None) => format!("in {}", region_name),
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
    if !estate.groups.is_empty() {
        eprintln!("The groups they use, adopted with their settings:");
    }
    for g in &estate.groups {
        let to = file_of(g.address.as_str())
            .map(|f| format!(" -> {}", f.display()))
            .unwrap_or_default();
        eprintln!("  {:<28} as {}{to}", g.identifier, g.address);
        for n in &g.adoption.notes {
            eprintln!("      note: {n}");
        }
    }
    if !estate.groups_left.is_empty() {
        eprintln!("Groups the databases name as they are (not adopted):");
        for (g, why) in &estate.groups_left {
            eprintln!("  {g:<40} {why}");
        }
    }
    // What the source names that is not here to adopt.
    if let Some(names) = source.names() {
        let seen: BTreeSet<&str> = estate
            .adopted
            .iter()
            .map(|d| d.identifier.as_str())
            .chain(estate.left.iter().map(|(i, _)| i.as_str()))
            .collect();
        let members: BTreeSet<&str> = lists
            .clusters
            .iter()
            .flat_map(|c| c.db_cluster_members())
            .filter_map(|m| m.db_instance_identifier())
            .collect();
        let missing: Vec<&String> = names
            .keys()
            .filter(|i| !seen.contains(i.as_str()) && !members.contains(i.as_str()))
            .collect();
        let adopted: BTreeSet<String> =
            estate.groups.iter().map(|g| g.identifier.clone()).collect();
        let left = source.left(&adopted);
        if !left.is_empty() || !missing.is_empty() {
            eprintln!("{}", source.heading());
        }
        for (what, why) in &left {
            eprintln!("  {what:<40} {why}");
        }
        for id in missing {
            eprintln!(
                "  {id:<40} not found unmanaged in {} (managed already, or gone)",
                region_name
            );
        }
    }
}

/// One file per database in --write-dir (never over an existing file), or the TOML on stdout.
fn write_files(
    estate: &import_estate::Estate,
    file_of: &dyn Fn(&str) -> Option<PathBuf>,
) -> Result<(), String> {
    for d in estate.groups.iter().chain(&estate.adopted) {
        let text = format!(
            "# imported from {} by `rdsplan import`\n{}",
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
    Ok(())
}

/// What was adopted, a cluster's members included, for the hand-over.
fn with_members(
    estate: &import_estate::Estate,
    lists: &crate::aws::account::AccountReads,
) -> Vec<String> {
    let mut adopted: Vec<String> = vec![];
    for d in &estate.adopted {
        adopted.push(d.identifier.clone());
        if let Some(c) = lists
            .clusters
            .iter()
            .find(|c| c.db_cluster_identifier() == Some(d.identifier.as_str()))
        {
            let members = c.db_cluster_members().iter();
            adopted.extend(members.filter_map(|m| m.db_instance_identifier().map(str::to_string)));
        }
    }
    adopted
}
