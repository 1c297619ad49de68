//! The planner: a pure function from desired and live resources to a [`Plan`]. No I/O, no
//! clock, no randomness: the same inputs always give the same plan.

use super::rules::{rule, timing, version_cmp, version_matches, Compare, Timing};
use super::{Action, AttrDiff, Change, Plan, PlanError};
use crate::graph;
use crate::model::{Address, Kind, Live, Resource, Value};
use std::cmp::Ordering;
use std::collections::{BTreeMap, BTreeSet};

pub fn plan(
    environment: &str,
    region: &str,
    desired: &[Resource],
    live: &Live,
) -> Result<Plan, Vec<PlanError>> {
    let mut errors = Vec::new();
    let mut warnings = Vec::new();
    let live_by: BTreeMap<&Address, &Resource> =
        live.resources.iter().map(|r| (&r.address, r)).collect();
    let nodes: Vec<(Address, Vec<Address>)> = desired
        .iter()
        .map(|r| (r.address.clone(), r.deps()))
        .collect();
    let order = match graph::order(&nodes) {
        Ok(o) => o,
        Err(a) => {
            return Err(vec![PlanError {
                address: a.clone(),
                message: format!("{a} is part of a dependency cycle"),
                help: "security groups that reference each other must be split".into(),
            }])
        }
    };
    let mut replaced: BTreeSet<Address> = BTreeSet::new();
    let mut changes = Vec::new();
    for i in order {
        let d = &desired[i];
        let change = match live_by.get(&d.address) {
            Some(l) => {
                let mut c = compare(d, l, &mut errors, &mut warnings);
                if let Some(why) = cascade(d, &replaced) {
                    c.replaced_because.push(why);
                    c.action = Action::Replace;
                }
                c
            }
            None => {
                if d.str("credentials") == Some("external") {
                    errors.push(PlanError {
                        address: d.address.clone(),
                        message: format!(
                            "{} ({}) does not exist, and credentials = \"external\" means its password is kept outside rdsplan, so rdsplan cannot create it",
                            d.address, d.name
                        ),
                        help: "use credentials = \"generated\" or \"managed\" for a database rdsplan creates".into(),
                    });
                }
                create_or_conflict(d, live)
            }
        };
        if change.action == Action::Replace {
            replaced.insert(d.address.clone());
            if let Some(l) = &change.before {
                protect(l, "replace", &mut errors);
            }
        }
        changes.push(change);
    }
    let desired_addrs: BTreeSet<&Address> = desired.iter().map(|r| &r.address).collect();
    let mut deletes: Vec<&Resource> = live
        .resources
        .iter()
        .filter(|l| !desired_addrs.contains(&l.address))
        .collect();
    // Dependants are deleted before what they depend on.
    let del_nodes: Vec<(Address, Vec<Address>)> = deletes
        .iter()
        .map(|r| (r.address.clone(), r.deps()))
        .collect();
    if let Ok(o) = graph::order(&del_nodes) {
        deletes = o.into_iter().rev().map(|i| deletes[i]).collect();
    }
    for l in deletes {
        protect(l, "delete", &mut errors);
        changes.push(Change {
            address: l.address.clone(),
            kind: l.kind,
            name: l.name.clone(),
            action: Action::Delete,
            replaced_because: vec![],
            pending: vec![],
            maintenance_window: None,
            diffs: l
                .attrs
                .iter()
                .filter(|(k, _)| rule(l.kind, k).compare != Compare::Never)
                .map(|(k, v)| AttrDiff {
                    name: k.clone(),
                    before: Some(v.clone()),
                    after: None,
                    forces_replacement: false,
                    timing: None,
                })
                .collect(),
            before: Some(l.clone()),
            after: None,
            final_snapshot: matches!(l.kind, Kind::Instance | Kind::Cluster)
                .then(|| l.bool("skip_final_snapshot") != Some(true)),
            final_snapshot_id: None,
            notes: vec![],
        });
    }
    if errors.is_empty() {
        Ok(Plan {
            environment: environment.to_string(),
            region: region.to_string(),
            changes,
            warnings,
        })
    } else {
        Err(errors)
    }
}

/// A resource with deletion protection is never deleted or replaced.
fn protect(l: &Resource, what: &str, errors: &mut Vec<PlanError>) {
    if l.bool("deletion_protection") == Some(true) {
        errors.push(PlanError {
            address: l.address.clone(),
            message: format!(
                "{} ({}) has deletion protection and would be {what}d",
                l.address,
                l.name
            ),
            help: "if it really must go, set `deletion_protection = false`, apply, then make the change".into(),
        });
    }
}

/// Replacement forced by a dependency that is itself replaced: things that cannot move to a
/// new VPC, and an instance whose subnet group is replaced.
fn cascade(d: &Resource, replaced: &BTreeSet<Address>) -> Option<String> {
    let bound = |dep: &Address| match d.kind {
        Kind::Subnet | Kind::RouteTable | Kind::SecurityGroup | Kind::InternetGateway => {
            dep.as_str().starts_with("vpc.") && !dep.as_str()[4..].contains('.')
        }
        Kind::DbSubnetGroup => true,
        Kind::Instance | Kind::Cluster => dep.as_str().ends_with(".db_subnet_group"),
        // A replica cannot follow a new source; members cannot move to a new cluster.
        Kind::Replica => dep.as_str().starts_with("instance."),
        Kind::ClusterInstance => {
            dep.as_str().starts_with("cluster.") && dep.as_str().matches('.').count() == 1
        }
        _ => false,
    };
    d.deps()
        .into_iter()
        .find(|dep| replaced.contains(dep) && bound(dep))
        .map(|dep| format!("{dep} is replaced"))
}

fn create_or_conflict(d: &Resource, live: &Live) -> Change {
    let diffs = d
        .attrs
        .iter()
        .filter(|(k, _)| rule(d.kind, k).compare != Compare::Never)
        .map(|(k, v)| AttrDiff {
            name: k.clone(),
            before: None,
            after: Some(v.clone()),
            forces_replacement: false,
            timing: None,
        })
        .collect();
    let foreign = live
        .foreign
        .iter()
        .find(|f| f.kind.namespace() == d.kind.namespace() && f.name == d.name);
    let (action, notes) = match foreign {
        Some(f) => (
            Action::Conflict,
            vec![format!(
                "{} named `{}` ({}) already exists without this environment's rdsplan tags; rdsplan will not touch it. Adopt it with `rdsplan import` (coming in a later version), or give this resource another name.",
                d.kind.describe(), f.name, f.id
            )],
        ),
        None => (Action::Create, vec![]),
    };
    Change {
        address: d.address.clone(),
        kind: d.kind,
        name: d.name.clone(),
        action,
        replaced_because: vec![],
        diffs,
        pending: vec![],
        maintenance_window: None,
        before: None,
        after: Some(d.clone()),
        final_snapshot: None,
        final_snapshot_id: None,
        notes,
    }
}

/// How a live value stands against a desired one.
enum Verdict {
    Same,
    Differs,
    /// Not a change, but worth a warning (a live version newer than a fully pinned one).
    SameWithWarning(String),
    /// AWS cannot go there (a downgrade, a shrink).
    Impossible {
        message: String,
        help: String,
    },
}

fn verdict(d: &Resource, k: &str, compare: Compare, want: &Value, have: Option<&Value>) -> Verdict {
    let Some(h) = have else {
        return if compare == Compare::Never {
            Verdict::Same
        } else {
            Verdict::Differs
        };
    };
    if compare == Compare::Never {
        return Verdict::Same;
    }
    if want.is_unknown() || h.is_unknown() {
        return Verdict::Differs;
    }
    // "external" credentials are any password RDS does not manage.
    if k == "credentials" && want.as_str() == Some("external") {
        return if h.as_str() == Some("managed") {
            Verdict::Differs
        } else {
            Verdict::Same
        };
    }
    let same = |b: bool| if b { Verdict::Same } else { Verdict::Differs };
    match compare {
        Compare::Never => Verdict::Same,
        Compare::Exact => same(h == want),
        Compare::VersionPrefix => {
            let (w, h) = (want.as_str().unwrap_or(""), h.as_str().unwrap_or(""));
            if version_matches(w, h) {
                return Verdict::Same;
            }
            let (wp, hp): (Vec<&str>, Vec<&str>) = (w.split('.').collect(), h.split('.').collect());
            let prefix = hp[..wp.len().min(hp.len())].join(".");
            if version_cmp(w, &prefix) != Some(Ordering::Less) {
                return Verdict::Differs;
            }
            // A fully pinned version that AWS moved on by a minor upgrade (only the last part
            // differs): never a downgrade, just a warning.
            let last = wp.len().saturating_sub(1);
            if wp.len() == hp.len() && wp.len() > 1 && wp[..last] == hp[..last] {
                Verdict::SameWithWarning(format!(
                    "{}: engine_version is pinned to \"{w}\" but {} runs {h} (a minor upgrade, e.g. auto_minor_version_upgrade); rdsplan never downgrades. Set engine_version = \"{h}\" or a prefix such as \"{}\" to silence this.",
                    d.address, d.name, wp[..last].join(".")
                ))
            } else {
                Verdict::Impossible {
                    message: format!(
                        "{}: engine_version \"{w}\" would downgrade {} from {h}; RDS cannot downgrade an engine",
                        d.address, d.name
                    ),
                    help: format!("set engine_version to \"{h}\" or a prefix of it"),
                }
            }
        }
        Compare::StorageMinimum => {
            let (w, h) = (want.as_int().unwrap_or(0), h.as_int().unwrap_or(0));
            let autoscaling = d.int("max_allocated_storage").is_some();
            if autoscaling {
                return same(h >= w);
            }
            if w < h {
                return Verdict::Impossible {
                    message: format!(
                        "{}: {k} {w} GiB is below the current {h} GiB; RDS cannot shrink storage",
                        d.address
                    ),
                    help: format!("set {k} = {h} (or more), or set max_allocated_storage to let RDS manage it"),
                };
            }
            same(w == h)
        }
        Compare::KmsKey => {
            let (w, h) = (want.as_str().unwrap_or(""), h.as_str().unwrap_or(""));
            same(w.starts_with("alias/") || h == w || h.ends_with(&format!("key/{w}")))
        }
    }
}

/// Live values AWS has accepted but not yet applied are kept under `pending.<attr>`.
pub const PENDING_PREFIX: &str = "pending.";

fn compare(
    d: &Resource,
    l: &Resource,
    errors: &mut Vec<PlanError>,
    warnings: &mut Vec<String>,
) -> Change {
    let mut diffs = Vec::new();
    let mut pending = Vec::new();
    let mut notes = Vec::new();
    let apply_now = d.bool("apply_immediately") == Some(true);
    for (k, want) in &d.attrs {
        let rule = rule(d.kind, k);
        let have = l.attrs.get(k);
        let pending_value = l.attrs.get(&format!("{PENDING_PREFIX}{k}"));
        let timing = |before: Option<&Value>| timing(d.kind, k, before, Some(want), apply_now);
        if rule.compare == Compare::KmsKey && want.as_str().is_some_and(|w| w.starts_with("alias/"))
        {
            if let Some(h) = have {
                notes.push(format!(
                    "kms_key {want} is an alias and is not compared with the live key {h}"
                ));
            }
        }
        match verdict(d, k, rule.compare, want, have) {
            Verdict::Same => {
                // AWS is about to change it to something the files do not want: plan it back.
                if let Some(p) = pending_value {
                    if !matches!(verdict(d, k, rule.compare, want, Some(p)), Verdict::Same) {
                        notes.push(format!(
                            "{k}: AWS has {p} pending, which the files do not want"
                        ));
                        diffs.push(AttrDiff {
                            name: k.clone(),
                            before: Some(p.clone()),
                            after: Some(want.clone()),
                            forces_replacement: rule.forces_replacement,
                            timing: Some(timing(have)),
                        });
                    }
                }
                continue;
            }
            Verdict::SameWithWarning(w) => {
                warnings.push(w);
                continue;
            }
            Verdict::Impossible { message, help } => {
                errors.push(PlanError {
                    address: d.address.clone(),
                    message,
                    help,
                });
            }
            Verdict::Differs => {}
        }
        // Already requested and waiting for the maintenance window: shown, not planned again.
        if let Some(p) = pending_value {
            if matches!(verdict(d, k, rule.compare, want, Some(p)), Verdict::Same) {
                pending.push(AttrDiff {
                    name: k.clone(),
                    before: have.cloned(),
                    after: Some(p.clone()),
                    forces_replacement: false,
                    timing: Some(Timing::MaintenanceWindow),
                });
                continue;
            }
        }
        diffs.push(AttrDiff {
            name: k.clone(),
            before: have.cloned(),
            after: Some(want.clone()),
            forces_replacement: rule.forces_replacement,
            timing: (!rule.forces_replacement).then(|| timing(have)),
        });
    }
    let replaced_because: Vec<String> = diffs
        .iter()
        .filter(|x| x.forces_replacement)
        .map(|x| x.name.clone())
        .collect();
    let action = if !replaced_because.is_empty() {
        Action::Replace
    } else if diffs.is_empty() {
        Action::NoOp
    } else {
        Action::Update
    };
    let final_snapshot = (action == Action::Replace
        && matches!(d.kind, Kind::Instance | Kind::Cluster))
    .then(|| d.bool("skip_final_snapshot") != Some(true));
    Change {
        address: d.address.clone(),
        kind: d.kind,
        name: d.name.clone(),
        action,
        replaced_because,
        diffs,
        pending,
        maintenance_window: l.str("preferred_maintenance_window").map(str::to_string),
        before: Some(l.clone()),
        after: Some(d.clone()),
        final_snapshot,
        final_snapshot_id: None,
        notes,
    }
}
