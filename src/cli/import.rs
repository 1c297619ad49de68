//! `rdsplan import`: adopt one existing resource into an environment.

use super::context::{load_env, Context};
use crate::aws::tags::{ec2_pairs, rds_pairs};
use crate::import::{self, Adoption, Tagged};
use crate::kinds::adopt;
use crate::kinds::db::{cluster as rds_cluster, instance as rds};
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

pub struct Args {
    pub kind: String,
    pub aws_id: String,
    pub name: String,
    pub write: Option<PathBuf>,
    pub auto_approve: bool,
}

pub async fn import(dir: &Path, env: &str, a: Args) -> i32 {
    match run(dir, env, a).await {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e}");
            1
        }
    }
}

async fn run(dir: &Path, env: &str, a: Args) -> Result<i32, String> {
    let cfg = load_env(dir, env)
        .map_err(|_| "the environment's files have problems (see above)".to_string())?;
    if !crate::config::load::valid_name(&a.name) {
        return Err(format!(
            "`{}` is not a valid name: lowercase letters, digits and `-`, starting with a letter",
            a.name
        ));
    }
    let taken = match a.kind.as_str() {
        "vpc" => cfg.vpcs.iter().any(|d| d.name == a.name),
        "security_group" => cfg.security_groups.iter().any(|d| d.name == a.name),
        "instance" => cfg.instances.iter().any(|d| d.name == a.name),
        "replica" => cfg.replicas.iter().any(|d| d.name == a.name),
        "cluster" => cfg.clusters.iter().any(|d| d.name == a.name),
        other => {
            return Err(format!(
                "cannot import a `{other}`: give vpc, security_group, instance, replica or cluster"
            ))
        }
    };
    if taken {
        return Err(format!(
            "{}.{} is already defined in the files",
            a.kind, a.name
        ));
    }
    let context = Context::connect(cfg)
        .await
        .map_err(|_| "cannot reach AWS (see above)".to_string())?;
    let (cfg, clients) = (&context.cfg, &context.clients);
    // The database to import is not tagged yet: only the region's list holds it.
    let live = context
        .live_in(crate::kinds::db::scope::RdsScope::Region)
        .await
        .map_err(|_| "cannot read live state (see above)".to_string())?;
    let ctx = import::ImportContext {
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
    let id = a.aws_id.as_str();
    let why = |e: String| format!("cannot import {id}: {e}");
    let adoption: Adoption = match a.kind.as_str() {
        "vpc" => {
            let (v, subnets) = adopt::vpc(clients, id).await.map_err(|e| e.to_string())?;
            import::check_not_managed(&ec2_pairs(v.tags())).map_err(why)?;
            import::vpc(&ctx, &a.name, &v, &subnets).map_err(why)?
        }
        "security_group" => {
            let g = adopt::security_group(clients, id)
                .await
                .map_err(|e| e.to_string())?;
            import::check_not_managed(&ec2_pairs(g.tags())).map_err(why)?;
            import::security_group(&ctx, &a.name, &g).map_err(why)?
        }
        "instance" | "replica" => {
            let i = rds::describe_instance(&clients.rds, id)
                .await
                .map_err(|e| e.to_string())?
                .ok_or_else(|| format!("no RDS instance `{id}`"))?;
            import::check_not_managed(&rds_pairs(i.tag_list())).map_err(why)?;
            if a.kind == "instance" {
                if i.read_replica_source_db_instance_identifier().is_some() {
                    return Err(format!("{id} is a read replica: import it as `replica`"));
                }
                import::instance(&ctx, &a.name, &i).map_err(why)?
            } else {
                import::replica(&ctx, &a.name, &i).map_err(why)?
            }
        }
        _ => cluster(clients, &ctx, &a.name, id).await?,
    };
    if a.write.is_none() {
        println!("{}", adoption.toml);
    }
    for n in &adoption.notes {
        eprintln!("note: {n}");
    }
    if let Some(file) = &a.write {
        eprintln!(
            "\nrdsplan will append {}.{} to {} (after your answer).",
            a.kind,
            a.name,
            file.display()
        );
    }
    eprintln!("\nrdsplan will tag (and change nothing else):");
    for (target, address, _) in &adoption.tags {
        let id = match target {
            Tagged::Ec2(i) | Tagged::Rds(i) => i,
        };
        eprintln!("  {id} as {address}");
    }
    let question = format!("Tag these as managed by `{}`?", cfg.env_name);
    if !a.auto_approve && !confirmed(&question)? {
        eprintln!("Import cancelled; nothing was written or tagged.");
        return Ok(1);
    }
    // The file first, then the tags; tags that cannot all be set are taken off again and the
    // file put back as it was, so that nothing is left half-adopted.
    let undo = write(&adoption, &a, id)?;
    if let Err(e) = tag(clients, &adoption.tags).await {
        if let Some(undo) = undo {
            undo.restore();
        }
        return Err(e);
    }
    eprintln!(
        "Imported: {}.{} is now managed by `{}`.",
        a.kind, a.name, cfg.env_name
    );
    Ok(0)
}

/// An Aurora cluster as files to adopt: the cluster, its members and its DB subnet group.
async fn cluster(
    clients: &crate::aws::Clients,
    ctx: &import::ImportContext<'_>,
    name: &str,
    id: &str,
) -> Result<Adoption, String> {
    let why = |e: String| format!("cannot import {id}: {e}");
    let c = rds_cluster::describe_cluster(&clients.rds, id)
        .await
        .map_err(|e| e.to_string())?
        .ok_or_else(|| format!("no Aurora cluster `{id}`"))?;
    import::check_not_managed(&rds_pairs(c.tag_list())).map_err(why)?;
    let mut members = Vec::new();
    for m in c.db_cluster_members() {
        if let Some(i) =
            rds::describe_instance(&clients.rds, m.db_instance_identifier().unwrap_or_default())
                .await
                .map_err(|e| e.to_string())?
        {
            members.push(i);
        }
    }
    let group_name = c.db_subnet_group().unwrap_or_default();
    let g = adopt::subnet_group(clients, group_name)
        .await
        .map_err(|e| e.to_string())?;
    let group = import::SubnetGroup {
        name: group_name,
        vpc_id: g.vpc_id().unwrap_or_default(),
        subnets: g
            .subnets()
            .iter()
            .filter_map(|s| s.subnet_identifier())
            .map(str::to_string)
            .collect(),
    };
    import::cluster(ctx, name, &c, &members, &group).map_err(why)
}

/// How to put a file `--write` appended to back as it was.
struct Undo {
    file: PathBuf,
    /// Its length before, `None` when the import created it.
    len: Option<u64>,
}

impl Undo {
    fn restore(self) {
        let done = match self.len {
            Some(len) => std::fs::OpenOptions::new()
                .write(true)
                .open(&self.file)
                .and_then(|f| f.set_len(len)),
            None => std::fs::remove_file(&self.file),
        };
        match done {
            Ok(()) => eprintln!("{} is as it was before the import.", self.file.display()),
            Err(e) => eprintln!(
                "warning: could not put {} back as it was ({e}): remove what the import appended",
                self.file.display()
            ),
        }
    }
}

/// Appends the TOML of what is adopted to the file `--write` names (the TOML was printed
/// before the question otherwise), returning how to undo it.
fn write(adoption: &Adoption, a: &Args, id: &str) -> Result<Option<Undo>, String> {
    let Some(file) = &a.write else {
        return Ok(None);
    };
    let len = std::fs::metadata(file).ok().map(|m| m.len());
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(file)
        .map_err(|e| format!("cannot write {}: {e}", file.display()))?;
    let undo = Undo {
        file: file.clone(),
        len,
    };
    if let Err(e) = writeln!(
        f,
        "\n# imported from {id} by `rdsplan import`\n{}",
        adoption.toml
    ) {
        undo.restore();
        return Err(format!(
            "cannot write {}: {e}; nothing was tagged",
            file.display()
        ));
    }
    eprintln!("Wrote {}.{} to {}.", a.kind, a.name, file.display());
    Ok(Some(undo))
}

/// Asks `question` on the terminal (both forms of `import` ask once); only "yes" is yes.
pub(super) fn confirmed(question: &str) -> Result<bool, String> {
    if !std::io::stdin().is_terminal() {
        return Err(
            "tagging needs confirmation, but standard input is not a terminal; pass --auto-approve"
                .into(),
        );
    }
    eprint!("{question} Only 'yes' is accepted: ");
    let mut answer = String::new();
    Ok(std::io::stdin().read_line(&mut answer).is_ok() && answer.trim() == "yes")
}

/// Sets an adoption's tags, each with its service's call. When one fails, the ownership tags
/// already set are taken off again (a resource is adopted whole or not at all: one tagged
/// without its file would be planned for deletion); the error says what could not be undone.
pub(super) async fn tag(
    clients: &crate::aws::Clients,
    tags: &[(Tagged, String, std::collections::BTreeMap<String, String>)],
) -> Result<(), String> {
    for (n, (target, address, set)) in tags.iter().enumerate() {
        let done = match target {
            Tagged::Ec2(i) => adopt::tag_ec2(clients, i, set).await,
            Tagged::Rds(arn) => adopt::tag_rds(clients, arn, set).await,
        };
        let Err(e) = done else { continue };
        let mut stuck = vec![];
        // The failed call may have acted (a lost answer): it is undone too.
        for (target, address, _) in &tags[..=n] {
            let undone = match target {
                Tagged::Ec2(i) => adopt::untag_ec2(clients, i).await,
                Tagged::Rds(arn) => adopt::untag_rds(clients, arn).await,
            };
            if let Err(u) = undone {
                stuck.push(format!("{address} ({u})"));
            }
        }
        let mut msg = format!("tagging {address}: {e}; the adoption was undone");
        if !stuck.is_empty() {
            msg = format!(
                "{msg}, except the ownership tags of {}: remove them by hand (docs/migrating.md, Rolling back)",
                stuck.join(", ")
            );
        }
        return Err(msg);
    }
    Ok(())
}
