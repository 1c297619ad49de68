//! Saved plans: `plan --out FILE` records the plan with what it was made from (a digest of every
//! environment file and the live state of every resource it touches); `apply FILE` carries out
//! exactly that plan, and refuses, saying what moved, when either changed since.

use crate::model::{Live, Resource};
use crate::plan::{Action, Plan};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::Path;

pub const SAVED_FORMAT: &str = "rdsplan-saved-plan/1";

#[derive(Debug, Serialize, Deserialize)]
pub struct SavedPlan {
    pub format: String,
    pub environment: String,
    /// File name → digest of its content, for every `*.toml` of the environment.
    pub files: BTreeMap<String, String>,
    pub plan: Plan,
}

/// FNV-1a, 64 bits: enough to notice that a file changed (this is not a security boundary;
/// the plan file itself is trusted like the repository it comes from).
pub fn digest(bytes: &[u8]) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{h:016x}")
}

pub fn file_digests(dir: &Path) -> std::io::Result<BTreeMap<String, String>> {
    let mut out = BTreeMap::new();
    for f in crate::config::load::toml_files(dir)? {
        let name = f
            .file_name()
            .map(|n| n.to_string_lossy().to_string())
            .unwrap_or_default();
        out.insert(name, digest(&std::fs::read(&f)?));
    }
    Ok(out)
}

pub fn save(plan: &Plan, dir: &Path) -> std::io::Result<String> {
    let saved = SavedPlan {
        format: SAVED_FORMAT.into(),
        environment: plan.environment.clone(),
        files: file_digests(dir)?,
        plan: plan.clone(),
    };
    Ok(serde_json::to_string_pretty(&saved).expect("plan serialises"))
}

/// What moved in the attributes the attribute table knows (those apply acts on); information
/// the reader records besides (status, endpoints, the current writer) moves on its own and
/// is ignored. Pending values count: they change what apply would do.
fn moved(before: &Resource, now: &Resource) -> Vec<String> {
    let mut out = moved_in(before.kind, &before.attrs, &now.attrs, "");
    out.extend(moved_in(
        before.kind,
        &before.pending,
        &now.pending,
        "pending ",
    ));
    out
}

fn moved_in(
    kind: crate::model::Kind,
    before: &crate::model::Attrs,
    now: &crate::model::Attrs,
    label: &str,
) -> Vec<String> {
    let mut keys: Vec<&String> = before.keys().chain(now.keys()).collect();
    keys.sort();
    keys.dedup();
    keys.into_iter()
        .filter(|k| !crate::model::attrs::is_info(kind, k))
        .filter(|k| before.get(*k) != now.get(*k))
        .map(|k| {
            let show = |v: Option<&crate::model::Value>| {
                v.map(|v| v.to_string()).unwrap_or_else(|| "(unset)".into())
            };
            format!(
                "{label}{k}: {} -> {}",
                show(before.get(k)),
                show(now.get(k))
            )
        })
        .collect()
}

/// Everything that moved since the plan was made; empty when it is safe to apply.
pub fn what_moved(
    saved: &SavedPlan,
    files_now: &BTreeMap<String, String>,
    live: &Live,
) -> Vec<String> {
    let mut out = Vec::new();
    for (name, d) in &saved.files {
        match files_now.get(name) {
            None => out.push(format!("file {name} was removed")),
            Some(n) if n != d => out.push(format!("file {name} changed")),
            _ => {}
        }
    }
    for name in files_now.keys().filter(|n| !saved.files.contains_key(*n)) {
        out.push(format!("file {name} was added"));
    }
    for c in saved
        .plan
        .changes
        .iter()
        .filter(|c| c.action != Action::NoOp)
    {
        let now = live.find(&c.address);
        match (&c.before, now) {
            (None, Some(n)) => out.push(format!("{} now exists in AWS ({})", c.address, n.name)),
            (Some(b), None) => out.push(format!(
                "{} no longer exists in AWS ({})",
                c.address, b.name
            )),
            (Some(b), Some(n)) => {
                let m = moved(b, n);
                if !m.is_empty() {
                    out.push(format!("{} changed in AWS: {}", c.address, m.join("; ")));
                }
            }
            (None, None) => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Address, Kind, Value};
    use crate::plan::plan;

    fn db(class: &str) -> Resource {
        Resource::new(Address::new("instance", "x"), Kind::Instance, "t-x")
            .with("instance_class", Value::str(class))
    }

    #[test]
    fn an_unchanged_world_lets_the_plan_apply() {
        let live = Live {
            resources: vec![db("db.t3.micro")],
            ..Default::default()
        };
        let p = plan("t", "r", &[db("db.t3.small")], &live).unwrap();
        let files: BTreeMap<String, String> = [("a.toml".to_string(), digest(b"x"))].into();
        let saved = SavedPlan {
            format: SAVED_FORMAT.into(),
            environment: "t".into(),
            files: files.clone(),
            plan: p,
        };
        assert!(what_moved(&saved, &files, &live).is_empty());
        // A changed file, an out-of-band change: both reported.
        let mut changed_live = live.clone();
        changed_live.resources[0].set("instance_class", Value::str("db.t3.large"));
        changed_live.resources[0].set("status", Value::str("modifying"));
        let other: BTreeMap<String, String> = [("a.toml".to_string(), digest(b"y"))].into();
        let m = what_moved(&saved, &other, &changed_live);
        assert_eq!(
            m,
            [
                "file a.toml changed",
                "instance.x changed in AWS: instance_class: \"db.t3.micro\" -> \"db.t3.large\"",
            ]
        );
    }

    #[test]
    fn digests_differ_when_content_does() {
        assert_ne!(digest(b"a"), digest(b"b"));
        assert_eq!(digest(b"abc"), digest(b"abc"));
    }
}
