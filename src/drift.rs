//! Drift: how live AWS differs from the files, classified for scheduled runs. Pure: built from
//! a plan and the live state it was made from.

use crate::model::{Address, Kind, Live, Value};
use crate::plan::applied::Cause;
use crate::plan::{Action, AttrDiff, Plan};
use serde::Serialize;
use std::fmt::Write;

pub const FORMAT_VERSION: &str = "1.0";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Class {
    /// Live attributes differ from the files (changed out of band).
    Changed,
    /// Accepted by AWS, waiting for a maintenance window.
    Pending,
    /// In the files but not in AWS (deleted outside rdsplan, or never applied).
    Missing,
    /// Tagged for this environment in AWS but no longer in the files.
    NotInFiles,
    /// In a managed VPC or subnet group without rdsplan tags.
    Unmanaged,
    /// A name the files want is taken by something that is not ours.
    Conflict,
    /// AWS holds a resource of this environment twice (a create that landed twice).
    Duplicate,
}

impl Class {
    fn label(self) -> &'static str {
        match self {
            Class::Changed => "changed out of band",
            Class::Pending => "pending in AWS",
            Class::Missing => "missing",
            Class::NotInFiles => "not in the files",
            Class::Unmanaged => "unmanaged",
            Class::Conflict => "name conflict",
            Class::Duplicate => "duplicate",
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Item {
    pub class: Class,
    pub address: Option<Address>,
    pub kind: Kind,
    pub name: String,
    pub id: Option<String>,
    /// For a difference (`changed`, `not_in_files`): whether the files or AWS moved since the
    /// last apply, from the record it left (`unknown` without one).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cause: Option<Cause>,
    pub diffs: Vec<AttrDiff>,
}

impl Item {
    /// Whether the finding is about AWS (what a drift run fails on by default), not an edit
    /// of the files waiting for apply.
    pub fn in_aws(&self) -> bool {
        self.cause.is_none_or(Cause::in_aws)
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub format_version: &'static str,
    pub environment: String,
    pub region: String,
    pub in_sync: bool,
    /// Nothing in AWS carries the environment's tags: it was never applied (one finding, not
    /// one `missing` per resource).
    pub not_created: bool,
    /// Found in AWS by its tags, with no folder among the environments checked (a renamed
    /// `[environment] name` leaves the old one so).
    pub orphaned: bool,
    /// Whether a finding is about AWS, not only edits of the files not applied yet.
    pub changed_in_aws: bool,
    pub items: Vec<Item>,
}

/// An environment AWS holds (by its `rdsplan:environment` tag) that has no folder.
pub fn orphaned(environment: &str, region: &str) -> Report {
    Report {
        format_version: FORMAT_VERSION,
        environment: environment.to_string(),
        region: region.to_string(),
        in_sync: false,
        not_created: false,
        orphaned: true,
        changed_in_aws: true,
        items: vec![],
    }
}

pub fn report(plan: &Plan, live: &Live) -> Report {
    let mut items = Vec::new();
    for c in &plan.changes {
        // An empty extra copy's deletion is reported once, as the duplicate it is.
        let extra_copy = c.action == Action::Delete
            && plan
                .duplicates
                .iter()
                .any(|d| Some(d.id.as_str()) == c.id());
        if extra_copy {
            continue;
        }
        let class = match c.action {
            Action::Update | Action::Replace => Some(Class::Changed),
            Action::Create => Some(Class::Missing),
            Action::Delete => Some(Class::NotInFiles),
            Action::Conflict => Some(Class::Conflict),
            Action::NoOp => None,
        };
        let item = |class, diffs: &Vec<AttrDiff>| Item {
            class,
            address: Some(c.address.clone()),
            kind: c.kind,
            name: c.name.clone(),
            id: c.id().map(str::to_string),
            cause: matches!(class, Class::Changed | Class::NotInFiles)
                .then(|| crate::plan::applied::cause(c.after.as_ref(), c.before.as_ref())),
            diffs: if class == Class::Missing || class == Class::NotInFiles {
                vec![]
            } else {
                diffs.clone()
            },
        };
        if let Some(class) = class {
            items.push(item(class, &c.diffs));
        }
        if !c.pending.is_empty() {
            items.push(item(Class::Pending, &c.pending));
        }
    }
    for d in &plan.duplicates {
        items.push(Item {
            class: Class::Duplicate,
            address: Some(d.address.clone()),
            kind: d.kind,
            name: format!("extra copy of {}", d.kept_id),
            id: Some(d.id.clone()),
            cause: None,
            diffs: vec![],
        });
    }
    for u in &live.unmanaged {
        items.push(Item {
            class: Class::Unmanaged,
            address: None,
            kind: u.kind,
            name: u.name.clone(),
            id: Some(u.id.clone()),
            cause: None,
            diffs: vec![],
        });
    }
    let not_created = live.resources.is_empty()
        && live.duplicates.is_empty()
        && plan.changes.iter().any(|c| c.action == Action::Create);
    if not_created {
        // Only what would be created (and others' resources in the way) is left: the
        // environment was never applied.
        items.retain(|i| i.class != Class::Missing);
    }
    Report {
        format_version: FORMAT_VERSION,
        environment: plan.environment.clone(),
        region: plan.region.clone(),
        in_sync: items.is_empty() && !not_created,
        not_created,
        orphaned: false,
        changed_in_aws: items.iter().any(Item::in_aws),
        items,
    }
}

/// A finding's label: a difference says whether the files or AWS moved.
fn label(i: &Item) -> String {
    match (i.class, i.cause) {
        (Class::Changed, Some(c)) => c.label().to_string(),
        (Class::NotInFiles, Some(Cause::NotAppliedYet)) => {
            "not in the files (not applied yet)".to_string()
        }
        (class, _) => class.label().to_string(),
    }
}

fn show(v: &Option<Value>) -> String {
    v.as_ref()
        .map(|v| v.to_string())
        .unwrap_or_else(|| "(unset)".into())
}

pub fn text(r: &Report) -> String {
    let mut out = String::new();
    if let Some(line) = headline(r) {
        let _ = writeln!(out, "{line}");
        if r.items.is_empty() {
            return out;
        }
    }
    if r.in_sync {
        let _ = writeln!(
            out,
            "In sync: environment `{}` ({}) matches the files.",
            r.environment, r.region
        );
        return out;
    }
    let _ = writeln!(
        out,
        "Drift in environment `{}` ({}): {} finding(s).",
        r.environment,
        r.region,
        r.items.len()
    );
    for i in &r.items {
        let what = i
            .address
            .as_ref()
            .map(|a| a.0.clone())
            .unwrap_or_else(|| i.kind.describe().to_string());
        let id =
            i.id.as_deref()
                .map(|x| format!(", {x}"))
                .unwrap_or_default();
        let _ = writeln!(out, "  [{}] {what} ({}{id})", label(i), i.name);
        for d in &i.diffs {
            // For drift, "files" is what the files say and "aws" what AWS has.
            let (files, aws) = match i.class {
                Class::Pending => (
                    show(&d.after),
                    format!("{} now, {} pending", show(&d.before), show(&d.after)),
                ),
                _ => (show(&d.after), show(&d.before)),
            };
            let _ = writeln!(out, "      {}: files {files}, AWS {aws}", d.name);
        }
    }
    out
}

/// The one line of an environment never applied or without a folder.
fn headline(r: &Report) -> Option<String> {
    if r.orphaned {
        return Some(format!(
            "Orphaned: environment `{}` ({}) is in AWS (resources tagged rdsplan:environment = {}) but has no folder among those checked. Was its `[environment] name` changed? Give the folder that name back, or delete what it left in AWS: no folder manages it now.",
            r.environment, r.region, r.environment
        ));
    }
    if r.not_created {
        return Some(format!(
            "Not created: environment `{}` ({}) has never been applied (nothing in AWS carries its tags); `rdsplan plan --env {}` shows what apply would create.",
            r.environment, r.region, r.environment
        ));
    }
    None
}

pub fn markdown(r: &Report) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "### rdsplan drift for `{}` ({})\n",
        r.environment, r.region
    );
    if let Some(line) = headline(r) {
        let _ = writeln!(out, "**{line}**\n");
        if r.items.is_empty() {
            return out;
        }
    }
    if r.in_sync {
        out.push_str("**In sync.** AWS matches the files.\n");
        return out;
    }
    out.push_str("| finding | resource | AWS name | details |\n|---|---|---|---|\n");
    for i in &r.items {
        let what = i
            .address
            .as_ref()
            .map(|a| format!("`{a}`"))
            .unwrap_or_else(|| i.kind.describe().to_string());
        let details: Vec<String> = i
            .diffs
            .iter()
            .map(|d| {
                format!(
                    "`{}`: files {}, AWS {}",
                    d.name,
                    show(&d.after),
                    show(&d.before)
                )
            })
            .collect();
        let _ = writeln!(
            out,
            "| {} | {what} | `{}` | {} |",
            label(i),
            i.name,
            details.join("; ")
        );
    }
    out
}

pub fn json(reports: &[Report]) -> String {
    #[derive(Serialize)]
    struct Doc<'a> {
        format_version: &'static str,
        in_sync: bool,
        environments: &'a [Report],
    }
    let doc = Doc {
        format_version: FORMAT_VERSION,
        in_sync: reports.iter().all(|r| r.in_sync),
        environments: reports,
    };
    let mut s = serde_json::to_string_pretty(&doc).expect("drift serialises");
    s.push('\n');
    s
}
