//! One resource compared: a desired resource against its live counterpart gives a `Change`
//! (the attribute diffs, what is pending in AWS, when each change takes effect, the notes a
//! reviewer needs). Pure; the planner calls it for every resource AWS already has.

use super::timing::{timing, Timing};
use super::{Action, AttrDiff, Change, PlanError};
use crate::model::attrs::{lookup, Compare};
use crate::model::versions::{is_major_change, major_version, version_cmp, version_matches};
use crate::model::{Kind, Live, Resource, Value};
use std::cmp::Ordering;
use std::collections::BTreeMap;

/// How a live value stands against a desired one.
enum Verdict {
    Same,
    Differs,
    /// Not a change, but worth a warning (a live version newer than a fully pinned one).
    SameWithWarning(String),
    /// AWS cannot go there (a downgrade, a shrink, too small a growth).
    Impossible {
        message: String,
        help: String,
    },
}

/// A KMS key as the key ARN it resolves to, where the reader resolved it.
fn resolve_key<'a>(live: &'a Live, k: &'a str) -> &'a str {
    live.kms_keys.get(k).map(String::as_str).unwrap_or(k)
}

/// The smallest size AWS accepts as a storage increase from `have` GiB: at least 10% more.
pub fn min_storage_increase(have: i64) -> i64 {
    (have * 11 + 9) / 10
}

fn verdict(
    d: &Resource,
    k: &str,
    compare: Compare,
    want: &Value,
    have: Option<&Value>,
    live: &Live,
) -> Verdict {
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
        Compare::Parameters => same(
            parameter_changes_from(
                want,
                h,
                live.parameter_defaults
                    .get(d.str("family").unwrap_or_default()),
            )
            .is_empty(),
        ),
        Compare::Options => {
            let empty = BTreeMap::new();
            let (w, h) = (
                want.as_map().unwrap_or(&empty),
                h.as_map().unwrap_or(&empty),
            );
            let (include, remove) = crate::model::option_settings::option_changes(w, h);
            same(include.is_empty() && remove.is_empty())
        }
        Compare::Version => {
            version_verdict(d, want.as_str().unwrap_or(""), h.as_str().unwrap_or(""))
        }
        Compare::Storage => {
            let (w, h) = (want.as_int().unwrap_or(0), h.as_int().unwrap_or(0));
            let autoscaling = d.int("max_allocated_storage").is_some();
            if w < h {
                if autoscaling {
                    return Verdict::Same;
                }
                return Verdict::Impossible {
                    message: format!(
                        "{}: {k} {w} GiB is below the current {h} GiB; RDS cannot shrink storage",
                        d.address
                    ),
                    help: format!("set {k} = {h} (or more), or set max_allocated_storage to let RDS manage it"),
                };
            }
            if w > h && w < min_storage_increase(h) {
                let m = min_storage_increase(h);
                return Verdict::Impossible {
                    message: format!(
                        "{}: {k} {w} GiB grows the current {h} GiB by less than 10%; AWS would round it up to {m} GiB, and the next plan would then see a shrink",
                        d.address
                    ),
                    help: format!("set {k} = {m} (the smallest valid increase) or more"),
                };
            }
            same(w == h)
        }
        Compare::KmsKey => {
            let (w, h) = (
                resolve_key(live, want.as_str().unwrap_or("")),
                resolve_key(live, h.as_str().unwrap_or("")),
            );
            same(h == w || h.ends_with(&format!("key/{w}")) || w.ends_with(&format!("key/{h}")))
        }
    }
}

/// How live parameters (those AWS reports as set by the user) differ from the desired ones:
/// `(name, live value, desired value)`, desired `None` for a parameter to reset to the engine
/// default. Values compare as AWS stores them: case does not matter.
pub fn parameter_changes(
    want: &Value,
    have: &Value,
) -> Vec<(String, Option<String>, Option<String>)> {
    parameter_changes_from(want, have, None)
}

/// As [`parameter_changes`], where a desired value equal to the engine default matches a
/// parameter AWS does not list as set by the user.
pub fn parameter_changes_from(
    want: &Value,
    have: &Value,
    defaults: Option<&BTreeMap<String, String>>,
) -> Vec<(String, Option<String>, Option<String>)> {
    let empty = BTreeMap::new();
    let (w, h) = (
        want.as_map().unwrap_or(&empty),
        have.as_map().unwrap_or(&empty),
    );
    let mut out = Vec::new();
    for (k, v) in w {
        let current = h.get(k).or_else(|| defaults.and_then(|d| d.get(k)));
        match current {
            Some(hv) if hv.eq_ignore_ascii_case(v) => {}
            _ => out.push((k.clone(), h.get(k).cloned(), Some(v.clone()))),
        }
    }
    for (k, hv) in h {
        if !w.contains_key(k) {
            out.push((k.clone(), Some(hv.clone()), None));
        }
    }
    out
}

/// One diff per parameter that changes, named `parameters.NAME`, with its own timing: a
/// dynamic parameter takes effect immediately, a static one (or one whose apply type AWS did
/// not tell) after the database's next reboot. A reset shows no `after`: the engine default.
fn parameter_diffs(d: &Resource, want: &Value, have: Option<&Value>, live: &Live) -> Vec<AttrDiff> {
    let none = Value::Map(Default::default());
    let types = live
        .parameter_apply_types
        .get(d.str("family").unwrap_or_default());
    let defaults = live
        .parameter_defaults
        .get(d.str("family").unwrap_or_default());
    parameter_changes_from(want, have.unwrap_or(&none), defaults)
        .into_iter()
        .map(|(name, before, after)| {
            let dynamic = types
                .and_then(|t| t.get(&name))
                .is_some_and(|t| t == "dynamic");
            AttrDiff {
                name: format!("parameters.{name}"),
                before: before.map(Value::Str),
                after: after.map(Value::Str),
                forces_replacement: false,
                timing: Some(if dynamic {
                    Timing::Immediate
                } else {
                    Timing::AfterReboot
                }),
            }
        })
        .collect()
}

/// `want` is a version prefix. A live version newer within the same major version is an
/// automatic minor upgrade (a warning when the files pin the older one, never a downgrade);
/// newer by a major version is a downgrade AWS cannot do; older is an upgrade, which for a
/// major version needs `allow_major_version_upgrade = true`.
fn version_verdict(d: &Resource, w: &str, h: &str) -> Verdict {
    if version_matches(w, h) {
        return Verdict::Same;
    }
    let engine = d.str("engine").unwrap_or_default();
    let wp: Vec<&str> = w.split('.').collect();
    let hp: Vec<&str> = h.split('.').collect();
    let prefix = hp[..wp.len().min(hp.len())].join(".");
    let same_major = !is_major_change(engine, w, h);
    if version_cmp(w, &prefix) == Some(Ordering::Less) {
        let major = major_version(engine, h);
        return if same_major {
            Verdict::SameWithWarning(format!(
                "{}: engine_version is pinned to \"{w}\" but {} runs {h} (a minor upgrade, e.g. auto_minor_version_upgrade); rdsplan never downgrades. Set engine_version = \"{h}\" or a prefix such as \"{major}\" to silence this.",
                d.address, d.name
            ))
        } else {
            Verdict::Impossible {
                message: format!(
                    "{}: engine_version \"{w}\" would downgrade {} from {h}; RDS cannot downgrade an engine",
                    d.address, d.name
                ),
                help: format!("set engine_version to \"{h}\" or a prefix of it such as \"{major}\""),
            }
        };
    }
    if !same_major && d.bool("allow_major_version_upgrade") != Some(true) {
        return Verdict::Impossible {
            message: format!(
                "{}: engine_version \"{w}\" is a major upgrade of {} from {h} (major version {} to {}); it has downtime and cannot be undone",
                d.address,
                d.name,
                major_version(engine, h),
                major_version(engine, w)
            ),
            help: "set allow_major_version_upgrade = true to allow it".into(),
        };
    }
    Verdict::Differs
}

/// The diff that finishes a restore a run stopped in the middle of: the live database carries
/// the restore-pending marker (`restore_pending`), so its follow-up Modify (the generated
/// password, what the restore call cannot take) was never confirmed.
pub const RESTORE_FINISH: &str = "restore";

pub(super) fn restore_finish(d: &Resource, l: &Resource, c: &mut Change) {
    if !matches!(d.kind, Kind::Instance | Kind::Cluster) || l.bool("restore_pending") != Some(true)
    {
        return;
    }
    c.diffs.push(AttrDiff {
        name: RESTORE_FINISH.into(),
        before: Some(Value::str("pending")),
        after: Some(Value::str("finished")),
        forces_replacement: false,
        timing: Some(Timing::Immediate),
    });
    c.notes.push(
        "restored by a run that stopped before finishing: the settings the restore call cannot take (the generated password, windows, monitoring) are set now".into(),
    );
    if c.action == Action::NoOp {
        c.action = Action::Update;
    }
}

/// What `upgrade = "blue-green"` changes through a blue/green deployment.
pub const BLUE_GREEN_ATTRS: &[&str] = &["engine_version", "parameter_group"];

/// Whether an instance's change goes through a blue/green deployment.
pub fn via_blue_green(d: &Resource, diffs: &[AttrDiff]) -> bool {
    d.kind == Kind::Instance
        && d.str("upgrade") == Some("blue-green")
        && diffs
            .iter()
            .any(|x| BLUE_GREEN_ATTRS.contains(&x.name.as_str()))
}

/// Attributes that make a storage modification, which AWS allows once per six hours (or
/// until storage optimization ends, whichever is longer).
pub const STORAGE_ATTRS: &[&str] = &[
    "allocated_storage",
    "storage_type",
    "iops",
    "storage_throughput",
];

/// Six hours, in seconds.
pub const STORAGE_COOLDOWN: i64 = 6 * 3600;

/// `HH:MM` UTC of a unix time.
fn hh_mm(secs: i64) -> String {
    let s = secs.rem_euclid(86_400);
    format!("{:02}:{:02} UTC", s / 3600, (s % 3600) / 60)
}

/// Why a storage change cannot be made now, if it cannot: the last storage change (read from
/// RDS events as `storage_changed_at`) was less than six hours before the plan was made, or
/// storage optimization is still running.
fn storage_blocked(l: &Resource, live: &Live) -> Option<String> {
    if l.str("status") == Some("storage-optimization") {
        return Some("not before storage optimization of the last storage change ends (status storage-optimization)".into());
    }
    let (at, now) = (l.int("storage_changed_at")?, live.read_at?);
    let ready = at + STORAGE_COOLDOWN;
    (now < ready).then(|| {
        format!(
            "not before {} (the last storage change was at {}; AWS allows one every 6 hours)",
            hh_mm(ready),
            hh_mm(at)
        )
    })
}

pub(super) fn compare(
    d: &Resource,
    l: &Resource,
    live: &Live,
    errors: &mut Vec<PlanError>,
    warnings: &mut Vec<String>,
) -> Change {
    let mut diffs = Vec::new();
    let mut pending = Vec::new();
    let mut notes = Vec::new();
    let apply_now = d.bool("apply_immediately") == Some(true);
    for (k, want) in &d.attrs {
        let Some(rule) = lookup(d.kind, k) else {
            continue;
        };
        let have = l.attrs.get(k);
        let pending_value = l.pending.get(k);
        let timing = |before: Option<&Value>| timing(d.kind, k, before, Some(want), apply_now);
        if rule.compare == Compare::Parameters {
            diffs.extend(parameter_diffs(d, want, have, live));
            continue;
        }
        let verdict = |v: Option<&Value>| verdict(d, k, rule.compare, want, v, live);
        match verdict(have) {
            Verdict::Same => {
                // AWS is about to change it to something the files do not want: plan it back.
                if let Some(p) = pending_value {
                    if !matches!(verdict(Some(p)), Verdict::Same) {
                        notes.push(format!(
                            "{k}: AWS has {p} pending, which the files do not want"
                        ));
                        diffs.push(AttrDiff {
                            name: k.clone(),
                            before: Some(p.clone()),
                            after: Some(want.clone()),
                            forces_replacement: rule.replace,
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
            if matches!(verdict(Some(p)), Verdict::Same) {
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
        // AWS sets the Performance Insights key once, when PI is first turned on, and refuses
        // to change it afterwards (terraform-provider-aws PR #6453).
        if k == "performance_insights_kms_key" && have.is_some_and(|h| h.as_str() != Some("")) {
            errors.push(PlanError {
                address: d.address.clone(),
                message: format!(
                    "{}: performance_insights_kms_key cannot change once set (AWS has {})",
                    d.address,
                    have.map(Value::to_string).unwrap_or_default()
                ),
                help: "keep the key AWS has, or make a new database (restore a snapshot) with the other key".into(),
            });
            continue;
        }
        if let (Compare::Version, Some(Value::Str(h)), Value::Str(w)) = (rule.compare, have, want) {
            let engine = d.str("engine").unwrap_or_default();
            if is_major_change(engine, h, w) {
                notes.push(format!(
                    "major version upgrade {} -> {}: an in-place upgrade with downtime, which cannot be undone",
                    major_version(engine, h),
                    major_version(engine, w)
                ));
            }
        }
        diffs.push(AttrDiff {
            name: k.clone(),
            before: have.cloned(),
            after: Some(want.clone()),
            forces_replacement: rule.replace,
            timing: (!rule.replace).then(|| timing(have)),
        });
    }
    if via_blue_green(d, &diffs) {
        through_blue_green(d, live, &mut diffs, &mut notes, errors);
    }
    hold_storage(d, l, live, &mut diffs, &mut notes, warnings);
    if l.str("parameter_apply_status") == Some("pending-reboot") {
        // Accepted by AWS, in effect only after a reboot: pending, like other accepted changes.
        pending.push(AttrDiff {
            name: "reboot".into(),
            before: Some(Value::str("pending-reboot")),
            after: None,
            forces_replacement: false,
            timing: Some(Timing::AfterReboot),
        });
    }
    if d.kind == Kind::Cluster {
        if let Some(w) = l.str("writer_member") {
            notes.push(format!("writer: {w}"));
        }
    }
    if d.kind.renamable_in_place() && d.name != l.name {
        rename_in_place(d, l, live, &mut diffs, &mut notes, errors);
    }
    if d.kind.create_before_destroy() {
        new_group_name(d, l, &mut diffs, errors);
    }
    change_of(d, l, diffs, pending, notes)
}

/// A change made through a blue/green deployment: in effect at the switchover, with what a
/// reviewer must know; refused for a source with live read replicas.
fn through_blue_green(
    d: &Resource,
    live: &Live,
    diffs: &mut [AttrDiff],
    notes: &mut Vec<String>,
    errors: &mut Vec<PlanError>,
) {
    // AWS makes green copies of the replicas too and switches them over with the source;
    // rdsplan does not manage that yet, so it refuses rather than strand the replicas on
    // the old instance (terraform-provider-aws #33702, #49593).
    let replicas: Vec<&str> = live
        .resources
        .iter()
        .filter(|r| r.kind == Kind::Replica && r.str("source") == Some(d.address.as_str()))
        .map(|r| r.address.as_str())
        .collect();
    if !replicas.is_empty() {
        errors.push(PlanError {
            address: d.address.clone(),
            message: format!(
                "{} has read replicas ({}): rdsplan does not make blue/green upgrades of a source with replicas",
                d.address,
                replicas.join(", ")
            ),
            help: "use upgrade = \"in-place\" for this change (the replicas are upgraded first), or remove the replicas first".into(),
        });
    }
    for x in diffs
        .iter_mut()
        .filter(|x| BLUE_GREEN_ATTRS.contains(&x.name.as_str()))
    {
        x.timing = Some(Timing::Immediate);
    }
    for n in notes
        .iter_mut()
        .filter(|n| n.starts_with("major version upgrade"))
    {
        *n = n.replace(": an in-place upgrade with downtime,", ",");
    }
    notes.push(format!(
        "through a blue/green deployment: a green copy with the new version and parameter group is created and kept in sync, then switched over (the endpoint stays; writes pause for about a minute); the old instance is kept as {}-old1 (reported; retire_old = true deletes it)",
        d.name
    ));
}

/// Storage changes AWS would refuse now (one per six hours, or during storage optimization)
/// are taken out of the plan and said why.
fn hold_storage(
    d: &Resource,
    l: &Resource,
    live: &Live,
    diffs: &mut Vec<AttrDiff>,
    notes: &mut Vec<String>,
    warnings: &mut Vec<String>,
) {
    if diffs
        .iter()
        .any(|x| STORAGE_ATTRS.contains(&x.name.as_str()))
    {
        if let Some(why) = storage_blocked(l, live) {
            let held: Vec<String> = diffs
                .iter()
                .filter(|x| STORAGE_ATTRS.contains(&x.name.as_str()))
                .map(|x| {
                    format!(
                        "{} {} -> {}",
                        x.name,
                        x.before.as_ref().map(Value::to_string).unwrap_or_default(),
                        x.after.as_ref().map(Value::to_string).unwrap_or_default()
                    )
                })
                .collect();
            diffs.retain(|x| !STORAGE_ATTRS.contains(&x.name.as_str()));
            let msg = format!(
                "storage change {} {why}; it is not attempted now",
                held.join(", ")
            );
            warnings.push(format!("{}: {msg}", d.address));
            notes.push(msg);
        }
    }
}

/// A parameter or option group's AWS name is fixed for life, and is the only thing a new group
/// can be told apart by: a new name (an `identifier` set or removed) replaces the group, the
/// new one first; a replacement the attributes force (family, description) under the same name
/// is refused, since AWS cannot create the new group while the old one, in use, holds the name.
fn new_group_name(
    d: &Resource,
    l: &Resource,
    diffs: &mut Vec<AttrDiff>,
    errors: &mut Vec<PlanError>,
) {
    let forced: Vec<&str> = diffs
        .iter()
        .filter(|x| x.forces_replacement)
        .map(|x| x.name.as_str())
        .collect();
    if d.name == l.name {
        if !forced.is_empty() {
            errors.push(PlanError {
                address: d.address.clone(),
                message: format!(
                    "{}: changing {} needs a new group, and AWS cannot create it as {} while the group in use holds that name",
                    d.address,
                    forced.join(", "),
                    d.name
                ),
                help: "give the group a new `identifier` (or remove the one it has, and rdsplan names the new group): the new group is made, its databases move to it, and the old one is deleted last".into(),
            });
        }
        return;
    }
    if forced.is_empty() {
        diffs.push(AttrDiff {
            name: "identifier".into(),
            before: Some(Value::str(&l.name)),
            after: Some(Value::str(&d.name)),
            forces_replacement: true,
            timing: None,
        });
    }
}

/// A new identifier: renamed in place (the data stays, the endpoint changes), unless the
/// identifier is someone else's.
fn rename_in_place(
    d: &Resource,
    l: &Resource,
    live: &Live,
    diffs: &mut Vec<AttrDiff>,
    notes: &mut Vec<String>,
    errors: &mut Vec<PlanError>,
) {
    let taken = live
        .foreign
        .iter()
        .find(|f| f.kind.namespace() == d.kind.namespace() && f.name == d.name);
    if let Some(f) = taken {
        errors.push(PlanError {
            address: d.address.clone(),
            message: format!(
                "{} ({}) cannot be renamed to {}: that identifier is taken by {} this environment does not own ({})",
                d.address, l.name, d.name, f.kind.describe(), f.id
            ),
            help: "choose another name or `identifier`".into(),
        });
    }
    diffs.push(AttrDiff {
        name: "identifier".into(),
        before: Some(Value::str(&l.name)),
        after: Some(Value::str(&d.name)),
        forces_replacement: false,
        timing: Some(Timing::Immediate),
    });
    let call = if d.kind == Kind::Cluster {
        "ModifyDBCluster with NewDBClusterIdentifier"
    } else {
        "ModifyDBInstance with NewDBInstanceIdentifier"
    };
    notes.push(format!(
        "renamed in place from {} to {} ({call}, applied immediately): the data stays, the endpoint changes and clients must use the new one",
        l.name, d.name
    ));
}

/// The change the diffs make: a replacement when one forces it, else an update or nothing;
/// the name apply addresses the resource by, and the final snapshot choice.
fn change_of(
    d: &Resource,
    l: &Resource,
    diffs: Vec<AttrDiff>,
    pending: Vec<AttrDiff>,
    notes: Vec<String>,
) -> Change {
    let replaced_because: Vec<String> = diffs
        .iter()
        .filter(|x| x.forces_replacement)
        .map(|x| match (d.kind, x.name.as_str()) {
            (Kind::Cluster, "db_subnet_group") => "db_subnet_group (ModifyDBCluster cannot move an Aurora cluster to another subnet group or VPC)".to_string(),
            _ => x.name.clone(),
        })
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
    // Other AWS names never change: a resource kept in place keeps the name it has (one moved
    // by `[[moved]]`, say); apply then addresses it by that name.
    let mut after = d.clone();
    if action != Action::Replace && !d.kind.renamable_in_place() {
        after.name = l.name.clone();
    }
    let mut change = Change {
        address: d.address.clone(),
        kind: d.kind,
        name: after.name.clone(),
        action,
        replaced_because,
        diffs,
        pending,
        maintenance_window: l.str("preferred_maintenance_window").map(str::to_string),
        before: Some(l.clone()),
        after: Some(after),
        final_snapshot,
        final_snapshot_id: None,
        notes,
        reboot: None,
        moved_from: None,
    };
    if action != Action::Replace {
        restore_finish(d, l, &mut change);
    }
    change
}
