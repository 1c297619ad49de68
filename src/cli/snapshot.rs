//! `rdsplan snapshot`: a manual snapshot of a database of the environment, taken now and waited
//! for (see `kinds::db::snapshot`).

use super::context::{load_env, Context};
use crate::kinds::db::snapshot::{self, Of};
use crate::model::{Kind, TAG_ENV, TAG_MANAGED_BY};
use std::path::Path;
use std::time::Duration;

/// What the command was asked.
pub struct Ask<'a> {
    pub address: &'a str,
    pub name: Option<&'a str>,
    pub wait: bool,
    pub timeout: Duration,
}

/// The tag that names what a snapshot was taken of (an address of the environment).
pub const TAG_SNAPSHOT_OF: &str = "rdsplan:snapshot-of";

pub async fn snapshot(dir: &Path, env: &str, ask: Ask<'_>) -> i32 {
    if let Some(why) = ask.name.and_then(snapshot::name_problem) {
        eprintln!(
            "error: snapshot name `{}` {why}",
            ask.name.unwrap_or_default()
        );
        return 1;
    }
    let cfg = match load_env(dir, env) {
        Ok(c) => c,
        Err(code) => return code,
    };
    let mut tags: Vec<(String, String)> = cfg
        .environment()
        .tags
        .iter()
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    tags.push((TAG_ENV.into(), cfg.env_name.clone()));
    tags.push((TAG_MANAGED_BY.into(), crate::model::MANAGED_BY.into()));
    tags.push((TAG_SNAPSHOT_OF.into(), ask.address.into()));
    let ctx = match Context::connect(cfg).await {
        Ok(c) => c,
        Err(code) => return code,
    };
    let live = match ctx.live().await {
        Ok(l) => l,
        Err(code) => return code,
    };
    let databases: Vec<&crate::model::Resource> = live
        .resources
        .iter()
        .filter(|r| matches!(r.kind, Kind::Instance | Kind::Replica | Kind::Cluster))
        .collect();
    let Some(db) = databases.iter().find(|r| r.address.as_str() == ask.address) else {
        let names: Vec<&str> = databases.iter().map(|r| r.address.as_str()).collect();
        eprintln!(
            "error: `{}` is not a database of `{env}` that AWS holds.\n  help: the environment's databases in AWS are: {}",
            ask.address,
            if names.is_empty() { "none".to_string() } else { names.join(", ") }
        );
        return 1;
    };
    let of = match db.kind {
        Kind::Cluster => Of::Cluster,
        _ => Of::Instance,
    };
    let name = ask.name.map(str::to_string).unwrap_or_else(|| {
        snapshot::default_name(
            &db.name,
            aws_smithy_types::DateTime::from(std::time::SystemTime::now()),
        )
    });
    let tags = tags
        .into_iter()
        .map(|(k, v)| aws_sdk_rds::types::Tag::builder().key(k).value(v).build())
        .collect();
    if !crate::quiet() {
        eprintln!("taking snapshot {name} of {} ({})...", ask.address, db.name);
    }
    let wait = ask
        .wait
        .then(|| (crate::aws::poller::cadence(), ask.timeout));
    match snapshot::take(&ctx.clients.rds, of, &db.name, &name, tags, wait).await {
        Ok(s) => {
            println!(
                "snapshot {} of {} is {}\n  {}",
                s.id, ask.address, s.status, s.arn
            );
            0
        }
        Err(e) => {
            eprintln!("error: {e}");
            1
        }
    }
}
