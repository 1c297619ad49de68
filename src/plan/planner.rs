//! The planner: a pure function from desired and live resources to a [`Plan`]. No I/O, no
//! clock, no randomness: the same inputs always give the same plan.

use super::compare::{compare, restore_finish, via_blue_green};
use super::timing::{timing, Timing};
use super::{Action, AttrDiff, Change, Plan, PlanError};
use crate::graph;
use crate::model::attrs::{lookup, Compare};
use crate::model::versions::is_major_change;
use crate::model::{Address, Fact, Kind, Live, Resource, Value};
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
        .map(|r| (r.address.clone(), r.create_deps()))
        .collect();
    let order = match graph::order(&nodes) {
        Ok(o) => o,
        Err(a) => {
            return Err(vec![PlanError {
                address: a.clone(),
                message: format!(
                    "{a} is part of a dependency cycle: {}",
                    graph::cycle(&nodes, &a)
                        .iter()
                        .map(Address::as_str)
                        .collect::<Vec<_>>()
                        .join(" -> ")
                ),
                help: "each of these names the next; remove one of the references".into(),
            }])
        }
    };
    let desired_by: BTreeMap<&Address, &Resource> =
        desired.iter().map(|r| (&r.address, r)).collect();
    for d in desired {
        check_kms_key(d, live, &mut errors);
        warn_rule_quota(d, &mut warnings);
        for k in d.attrs.keys() {
            if lookup(d.kind, k).is_none() {
                errors.push(PlanError {
                    address: d.address.clone(),
                    message: format!(
                        "internal error: attribute `{k}` of {} is not in rdsplan's attribute table",
                        d.kind
                    ),
                    help: "please report this; the attribute would be neither compared nor applied"
                        .into(),
                });
            }
        }
    }
    check_moves(live, &mut errors, &mut warnings);
    let mut replaced: BTreeSet<Address> = BTreeSet::new();
    let mut changes = Vec::new();
    for i in order {
        let d = &desired[i];
        let change = match live_by.get(&d.address) {
            // Still being created: AWS has not finished applying the create's settings, so
            // nothing is compared or proposed; the next plan after it is available does that.
            Some(l) if l.str("status") == Some("creating") => being_created(d, l),
            Some(l) => {
                let mut c = compare(d, l, live, &mut errors, &mut warnings);
                if let Some(why) = cascade(d, &replaced) {
                    c.replaced_because.push(why);
                    c.action = Action::Replace;
                } else {
                    // A replaced group's AWS names: the old one (live) and the new (files).
                    let names = |a: &str| {
                        let a = Address(a.to_string());
                        let old = live_by.get(&a)?;
                        let new = desired.iter().find(|x| x.address == a)?;
                        Some((old.name.clone(), new.name.clone()))
                    };
                    follow_replaced(d, l, &replaced, &names, &mut c);
                }
                if let Some(old) = live.moved.get(&d.address) {
                    c.moved_from = Some(old.clone());
                    c.notes.push(format!(
                        "moved from {old}: retagged as {}, nothing is deleted",
                        d.address
                    ));
                    if c.action == Action::NoOp {
                        c.action = Action::Update;
                    }
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
                create_or_conflict(environment, d, live)
            }
        };
        check_replica_source(d, &desired_by, &mut errors);
        check_groups_exist(d, live, &mut errors);
        if change.action == Action::Replace {
            replaced.insert(d.address.clone());
            if let Some(l) = &change.before {
                protect(l, "replace", &mut errors);
            }
        }
        changes.push(change);
    }
    warn_subnets_in_use(&changes, live, &mut warnings);
    upgrade_replicas_first(&mut changes);
    plan_reboots(&mut changes, desired, &mut warnings);
    deletions(desired, live, &mut changes, &mut errors, &mut warnings);
    check_vpc_contents(&changes, live, &mut errors);
    super::rename_hint::hint(&changes, live, &mut warnings);
    let duplicates = duplicates(live, &mut changes);
    say_what_moved(&mut changes);
    if errors.is_empty() {
        Ok(Plan {
            environment: environment.to_string(),
            region: region.to_string(),
            changes,
            warnings,
            duplicates,
        })
    } else {
        Err(errors)
    }
}

/// A change to a resource the last apply recorded says what moved since: the files (not
/// applied yet), AWS, or both (`applied`); without a record it says nothing new.
fn say_what_moved(changes: &mut [Change]) {
    use super::applied::{cause, Cause};
    for c in changes.iter_mut() {
        if !matches!(c.action, Action::Update | Action::Replace) || c.diffs.is_empty() {
            continue;
        }
        let note = match cause(c.after.as_ref(), c.before.as_ref()) {
            Cause::NotAppliedYet => "not applied yet: the files changed since the last apply; AWS is as it left it",
            Cause::ChangedInAws => "changed in AWS since the last apply: the files did not change; this change puts back what they say",
            Cause::Both => "changed in the files and in AWS since the last apply",
            Cause::Unknown => continue,
        };
        c.notes.push(note.to_string());
    }
}

/// What AWS holds that the files do not: deleted, dependants first, except the old instances
/// of blue/green upgrades (kept and reported until the files retire them) and generated
/// secrets whose databases still run.
fn deletions(
    desired: &[Resource],
    live: &Live,
    changes: &mut Vec<Change>,
    errors: &mut Vec<PlanError>,
    warnings: &mut Vec<String>,
) {
    let desired_addrs: BTreeSet<&Address> = desired.iter().map(|r| &r.address).collect();
    let retiring = |l: &Resource| {
        l.str(crate::model::RETAINED_OLD).is_some_and(|base| {
            desired
                .iter()
                .any(|d| d.address.as_str() == base && d.bool("retire_old") == Some(true))
        })
    };
    for l in live.resources.iter().filter(|l| {
        !desired_addrs.contains(&l.address)
            && l.get(crate::model::RETAINED_OLD).is_some()
            && !retiring(l)
    }) {
        warnings.push(format!(
            "{} ({}) is kept: the old instance of a blue/green upgrade of {}, still running; set retire_old = true there to delete it",
            l.address,
            l.name,
            l.str(crate::model::RETAINED_OLD).unwrap_or_default()
        ));
        changes.push(retained(l));
    }
    let mut deletes: Vec<&Resource> = live
        .resources
        .iter()
        .filter(|l| !desired_addrs.contains(&l.address))
        .filter(|l| l.get(crate::model::RETAINED_OLD).is_none() || retiring(l))
        .collect();
    // Dependants are deleted before what they depend on.
    let del_nodes: Vec<(Address, Vec<Address>)> = deletes
        .iter()
        .map(|r| (r.address.clone(), r.deps()))
        .collect();
    if let Ok(o) = graph::order(&del_nodes) {
        deletes = o.into_iter().rev().map(|i| deletes[i]).collect();
    }
    let deleted: BTreeSet<&str> = deletes.iter().map(|l| l.name.as_str()).collect();
    for l in deletes {
        let mut l = l;
        let retired;
        if retiring(l) {
            // Retired by the files (`retire_old = true`), which were reviewed: no
            // --allow-destroy needed.
            let mut r = l.clone();
            r.set(RETIRED, Value::Bool(true));
            retired = r;
            l = &retired;
        }
        if let Some(db) = secret_still_needed(l, live, &deleted) {
            warnings.push(format!(
                "{} ({}) is kept: it records {db}, which still exists and this plan does not delete; its password would be lost",
                l.address, l.name
            ));
            continue;
        }
        protect(l, "delete", errors);
        let before = l.clone();
        let mut notes = vec![];
        if l.bool(crate::model::IS_WRITER) == Some(true) {
            notes.push("the cluster's writer: AWS fails over to a reader (if any) when it goes; needs --allow-destroy".to_string());
        }
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
                .filter(|(k, _)| lookup(l.kind, k).is_some_and(|a| a.compare != Compare::Never))
                .map(|(k, v)| AttrDiff {
                    name: k.clone(),
                    before: Some(v.clone()),
                    after: None,
                    forces_replacement: false,
                    timing: None,
                })
                .collect(),
            before: Some(before),
            after: None,
            final_snapshot: matches!(l.kind, Kind::Instance | Kind::Cluster)
                .then(|| l.bool("skip_final_snapshot") != Some(true)),
            final_snapshot_id: None,
            notes,
            reboot: None,
            moved_from: None,
        });
    }
}

/// The database a generated secret records, when it still exists and the plan does not delete
/// it: such a secret is never deleted (the database's password would be lost), whatever the
/// tag lists said.
fn secret_still_needed<'a>(
    l: &'a Resource,
    live: &Live,
    deleted: &BTreeSet<&str>,
) -> Option<&'a str> {
    if l.kind != Kind::Secret {
        return None;
    }
    let db = l
        .str("db_instance_identifier")
        .or_else(|| l.str("db_cluster_identifier"))?;
    let is_db = |k: Kind| matches!(k.namespace(), Kind::Instance | Kind::Cluster);
    let exists = live
        .resources
        .iter()
        .any(|r| is_db(r.kind) && r.name == db && !deleted.contains(db))
        || live.foreign.iter().any(|f| is_db(f.kind) && f.name == db);
    exists.then_some(db)
}

/// Set on the live side of a retained old instance the files retire (`retire_old = true`).
pub const RETIRED: &str = "retired";

/// The old instance of a blue/green upgrade, kept: reported, not deleted. When a run stopped
/// before retagging it (it still carries the upgraded instance's address), an update finishes
/// the upgrade: the deployment object goes, the old instance is retagged.
fn retained(l: &Resource) -> Change {
    use crate::model::{RETAG_PENDING, RETAINED_OLD};
    let base = l.str(RETAINED_OLD).unwrap_or_default();
    let pending = l.bool(RETAG_PENDING) == Some(true);
    let mut c = Change::bare(
        l.address.clone(),
        l.kind,
        &l.name,
        if pending {
            Action::Update
        } else {
            Action::NoOp
        },
    );
    c.before = Some(l.clone());
    c.after = pending.then(|| l.clone());
    if pending {
        c.diffs.push(AttrDiff {
            name: "address".into(),
            before: Some(Value::str(base)),
            after: Some(Value::str(l.address.as_str())),
            forces_replacement: false,
            timing: Some(Timing::Immediate),
        });
        c.notes.push(format!(
            "a blue/green upgrade of {base} stopped after its switchover: the deployment is deleted and this old instance retagged as {}",
            l.address
        ));
    }
    c.notes.push(format!(
        "kept: the old instance of a blue/green upgrade of {base}, still running; set retire_old = true on {base} to delete it"
    ));
    c
}

/// AWS's default quota: 60 inbound and 60 outbound rules per security group (VPC quotas,
/// "Inbound or outbound rules per security group"). It can be raised, so more is a warning.
const RULES_PER_GROUP: usize = 60;

fn warn_rule_quota(d: &Resource, warnings: &mut Vec<String>) {
    if d.kind != Kind::SecurityGroup {
        return;
    }
    for key in ["ingress", "egress"] {
        let n = d.get(key).map(|v| v.as_rules().len()).unwrap_or(0);
        if n > RULES_PER_GROUP {
            warnings.push(format!(
                "{}: {n} {key} rules; AWS allows {RULES_PER_GROUP} per group unless the account's quota was raised (Service Quotas, \"Inbound or outbound rules per security group\")",
                d.address
            ));
        }
    }
}

/// Extra live copies of one address: each is a finding, and an empty one is deleted last.
fn duplicates(live: &Live, changes: &mut Vec<Change>) -> Vec<super::Duplicate> {
    let mut out = Vec::new();
    for d in &live.duplicates {
        let l = &d.extra;
        let id = l.id.clone().unwrap_or_default();
        out.push(super::Duplicate {
            address: l.address.clone(),
            kind: l.kind,
            id: id.clone(),
            kept_id: d.kept_id.clone(),
            deleted: d.empty,
        });
        if d.empty {
            let mut c = Change::bare(l.address.clone(), l.kind, &l.name, Action::Delete);
            c.before = Some(l.clone());
            c.notes.push(format!(
                "an extra copy of {} ({id}), empty: the copy in use is {}",
                l.address, d.kept_id
            ));
            changes.push(c);
        }
    }
    out
}

/// A database AWS is still creating: shown as such, nothing planned for it.
fn being_created(d: &Resource, l: &Resource) -> Change {
    let mut c = Change::bare(d.address.clone(), d.kind, &l.name, Action::NoOp);
    c.before = Some(l.clone());
    c.after = Some(d.clone());
    c.notes.push(format!(
        "being created by AWS (status creating): nothing is proposed for {} until it is available",
        d.address
    ));
    restore_finish(d, l, &mut c);
    c
}

/// `[[moved]]` entries that moved nothing: a warning when AWS has nothing at `from`, an error
/// when it has resources at both ends.
fn check_moves(live: &Live, errors: &mut Vec<PlanError>, warnings: &mut Vec<String>) {
    use crate::model::MoveOutcome;
    for m in &live.moves {
        match m.outcome {
            MoveOutcome::Moved => {}
            MoveOutcome::NothingAtFrom => warnings.push(format!(
                "[[moved]] from {} to {}: nothing in AWS has the address {} (already moved, or never created); this entry can be removed",
                m.from, m.to, m.from
            )),
            MoveOutcome::BothExist => errors.push(PlanError {
                address: m.to.clone(),
                message: format!(
                    "[[moved]] from {} to {}: AWS has resources at both addresses, so rdsplan cannot move one onto the other",
                    m.from, m.to
                ),
                help: format!(
                    "remove the [[moved]] entry, and delete or import one of the two; {} and {} are found by their rdsplan:address tags",
                    m.from, m.to
                ),
            }),
        }
    }
}

/// AWS refuses to delete a VPC that holds anything, and rdsplan would find out only after
/// deleting the databases in it: a VPC of this environment that is deleted or replaced while it
/// holds resources the environment does not own is an error at plan time.
fn check_vpc_contents(changes: &[Change], live: &Live, errors: &mut Vec<PlanError>) {
    for c in changes {
        if c.kind != Kind::Vpc || !c.action.is_destructive() {
            continue;
        }
        let Some(foreign) = c.id().and_then(|id| live.vpc_contents.get(id)) else {
            continue;
        };
        if foreign.is_empty() {
            continue;
        }
        errors.push(PlanError {
            address: c.address.clone(),
            message: format!(
                "{} ({}) would be {}, but it holds resources this environment does not own: {}; AWS refuses to delete a VPC that is not empty",
                c.address,
                c.id().unwrap_or_default(),
                if c.action == Action::Replace { "replaced" } else { "deleted" },
                foreign.join(", ")
            ),
            help: "remove them (or move them out) first, or keep the VPC in the files".into(),
        });
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
/// new VPC (subnets, route tables, security groups, gateways), a replica whose source is
/// replaced, and members of a replaced cluster. Nothing cascades through a DB subnet group: its
/// subnets change in place (ModifyDBSubnetGroup), so a new subnet layout never replaces a
/// database.
fn cascade(d: &Resource, replaced: &BTreeSet<Address>) -> Option<String> {
    // `vpc.NAME` of a VPC's sub-resource address.
    let vpc_of = |a: &str| -> Option<Address> {
        let mut parts = a.splitn(3, '.');
        match (parts.next(), parts.next()) {
            (Some("vpc"), Some(n)) => Some(Address::new("vpc", n)),
            _ => None,
        }
    };
    if d.kind == Kind::DbSubnetGroup {
        // A DB subnet group belongs to one VPC for good; only a new VPC replaces it.
        let vpc = vpc_of(d.address.as_str())?;
        return replaced.contains(&vpc).then(|| {
            format!("{vpc} is replaced, and a DB subnet group cannot move to another VPC")
        });
    }
    let has = |f: Fact| d.kind.has(f);
    let bound = |dep: &Address| {
        let dep = dep.as_str();
        if has(Fact::InItsVpc) {
            dep.starts_with("vpc.") && !dep[4..].contains('.')
        } else if has(Fact::InItsSubnetGroup) {
            // Only when the group itself is replaced, which only a new VPC does.
            dep.ends_with(".db_subnet_group")
        } else if has(Fact::FollowsItsSource) {
            dep.starts_with("instance.")
        } else if has(Fact::InItsCluster) {
            dep.starts_with("cluster.") && dep.matches('.').count() == 1
        } else {
            false
        }
    };
    d.deps()
        .into_iter()
        .find(|dep| replaced.contains(dep) && bound(dep))
        .map(|dep| {
            if has(Fact::FollowsItsSource) {
                format!("{dep} is replaced, and a read replica cannot follow a new source")
            } else if has(Fact::InItsCluster) {
                format!("{dep} is replaced, and an Aurora instance cannot move to another cluster")
            } else if has(Fact::InItsSubnetGroup) {
                format!(
                    "{dep} is replaced because its VPC is, and {} cannot stay in a DB subnet group that is deleted (rdsplan keeps one group per VPC)",
                    d.kind.describe()
                )
            } else {
                format!("{dep} is replaced, and {} cannot move to another VPC", d.kind.describe())
            }
        })
}

/// RDS for MySQL and MariaDB upgrades a source's major version only once its read replicas
/// run the new version (RDS user guide); PostgreSQL upgrades in-region replicas with their
/// source. So for the former, each replica of an upgraded source gets the same upgrade, made
/// first (the executor orders the source after them).
fn upgrade_replicas_first(changes: &mut [Change]) {
    let upgrades: Vec<(Address, Value, bool, Option<Value>)> = changes
        .iter()
        .filter(|c| c.kind == Kind::Instance && c.action == Action::Update)
        .filter_map(|c| {
            let after = c.after.as_ref()?;
            let engine = after.str("engine")?;
            if !matches!(engine, "mysql" | "mariadb") {
                return None;
            }
            let x = c.diffs.iter().find(|x| x.name == "engine_version")?;
            match (&x.before, &x.after) {
                (Some(Value::Str(b)), Some(Value::Str(a))) if is_major_change(engine, b, a) => {
                    Some((
                        c.address.clone(),
                        Value::str(a),
                        after.bool("allow_major_version_upgrade") == Some(true),
                        after.get("parameter_group").cloned(),
                    ))
                }
                _ => None,
            }
        })
        .collect();
    for (source, version, allowed, source_group) in upgrades {
        for r in changes.iter_mut().filter(|r| {
            r.kind == Kind::Replica
                && matches!(r.action, Action::NoOp | Action::Update)
                && r.after.as_ref().and_then(|a| a.str("source")) == Some(source.as_str())
        }) {
            let before = r
                .before
                .as_ref()
                .and_then(|b| b.get("engine_version"))
                .cloned();
            // A custom group of the old family cannot stay on a new major version (AWS wants
            // one of the new family with the upgrade): a replica that names none takes its
            // source's, as it has it live.
            let live_custom = r
                .before
                .as_ref()
                .and_then(|b| b.str("parameter_group"))
                .is_some_and(|g| !g.starts_with("default."));
            let takes_group = live_custom
                && r.after
                    .as_ref()
                    .and_then(|a| a.get("parameter_group"))
                    .is_none()
                && source_group.is_some();
            if let Some(after) = r.after.as_mut() {
                after.set("engine_version", version.clone());
                after.set("allow_major_version_upgrade", Value::Bool(allowed));
                // At once, whatever the files say: the source's upgrade waits for it.
                after.set("apply_immediately", Value::Bool(true));
                if let (true, Some(g)) = (takes_group, &source_group) {
                    after.set("parameter_group", g.clone());
                }
            }
            if let (true, Some(g)) = (takes_group, &source_group) {
                r.diffs.push(AttrDiff {
                    name: "parameter_group".into(),
                    before: r
                        .before
                        .as_ref()
                        .and_then(|b| b.get("parameter_group"))
                        .cloned(),
                    after: Some(g.clone()),
                    forces_replacement: false,
                    timing: Some(Timing::Immediate),
                });
            }
            r.diffs.push(AttrDiff {
                name: "engine_version".into(),
                before,
                after: Some(version.clone()),
                forces_replacement: false,
                timing: Some(Timing::Immediate),
            });
            r.notes.push(format!(
                "upgraded with {source}, before it and at once: RDS upgrades a MySQL or MariaDB source only once its replicas run the new major version"
            ));
            r.action = Action::Update;
        }
    }
}

/// A static parameter (or one whose apply type AWS did not tell), or a new parameter group,
/// takes effect only when the database reboots, as do changes AWS already holds as
/// `pending-reboot`. A database with `allow_reboot = true` is rebooted by apply once its
/// changes and its groups' are made; for the others the plan says who needs a reboot.
fn plan_reboots(changes: &mut [Change], desired: &[Resource], warnings: &mut Vec<String>) {
    let by_addr: BTreeMap<Address, &Change> =
        changes.iter().map(|c| (c.address.clone(), c)).collect();
    let waits = |c: &Change| -> Vec<String> {
        if c.action == Action::Replace {
            return vec!["a new group".into()];
        }
        c.diffs
            .iter()
            .filter(|x| x.timing == Some(Timing::AfterReboot))
            .map(|x| x.name.clone())
            .collect()
    };
    let mut reasons: BTreeMap<Address, Vec<String>> = BTreeMap::new();
    for d in desired.iter().filter(|d| {
        matches!(
            d.kind,
            Kind::Instance | Kind::Replica | Kind::ClusterInstance
        )
    }) {
        let Some(c) = by_addr.get(&d.address) else {
            continue;
        };
        // A major version upgrade restarts the database with its new groups anyway.
        let engine = d.str("engine").unwrap_or_default();
        let major_upgrade = c.diffs.iter().any(|x| {
            x.name == "engine_version"
                && matches!((&x.before, &x.after), (Some(Value::Str(b)), Some(Value::Str(a))) if is_major_change(engine, b, a))
        });
        if major_upgrade || via_blue_green(d, &c.diffs) {
            continue;
        }
        let mut why = Vec::new();
        if c.pending.iter().any(|p| p.name == "reboot") {
            why.push("changes pending a reboot in AWS".to_string());
        }
        if matches!(c.action, Action::Update) {
            why.extend(waits(c).into_iter().map(|n| format!("its {n}")));
        }
        // Its DB parameter group, and for an Aurora member its cluster's parameter group.
        let mut groups: Vec<String> = d
            .str("parameter_group")
            .map(str::to_string)
            .into_iter()
            .collect();
        if let Some(cl) = d
            .str("cluster")
            .and_then(|a| desired.iter().find(|r| r.address.as_str() == a))
        {
            groups.extend(cl.str("cluster_parameter_group").map(str::to_string));
        }
        let own_group_moves = c.diffs.iter().any(|x| x.name == "parameter_group");
        for g in groups {
            if own_group_moves && Some(g.as_str()) == d.str("parameter_group") {
                continue;
            }
            if let Some(gc) = by_addr.get(&Address(g.clone())) {
                if matches!(gc.action, Action::Update | Action::Replace) {
                    let w = waits(gc);
                    if !w.is_empty() {
                        why.push(format!("{g} ({})", w.join(", ")));
                    }
                }
            }
        }
        if !why.is_empty() {
            reasons.insert(d.address.clone(), why);
        }
    }
    for c in changes.iter_mut() {
        let Some(why) = reasons.remove(&c.address) else {
            continue;
        };
        let allowed = c.after.as_ref().and_then(|a| a.bool("allow_reboot")) == Some(true);
        let why = why.join("; ");
        if allowed {
            c.reboot = Some(why);
            if c.action == Action::NoOp {
                c.action = Action::Update;
            }
        } else {
            warnings.push(format!(
                "{} ({}) needs a reboot for {why} to take effect; set allow_reboot = true to let apply reboot it, or reboot it when an outage is acceptable",
                c.address, c.name
            ));
        }
    }
}

/// On AWS, a subnet that a database runs in cannot leave its DB subnet group nor be deleted
/// until the database has moved off it; moto does not check. Say so before apply finds out.
fn warn_subnets_in_use(changes: &[Change], live: &Live, warnings: &mut Vec<String>) {
    for c in changes
        .iter()
        .filter(|c| c.kind == Kind::Subnet && c.action == Action::Replace)
    {
        let Some(az) = c.before.as_ref().and_then(|b| b.str("availability_zone")) else {
            continue;
        };
        let groups: Vec<&Address> = live
            .resources
            .iter()
            .filter(|g| g.kind == Kind::DbSubnetGroup && g.list("subnets").contains(&c.address.0))
            .map(|g| &g.address)
            .collect();
        for db in live.resources.iter().filter(|r| {
            matches!(
                r.kind,
                Kind::Instance | Kind::Replica | Kind::ClusterInstance
            ) && r
                .str("db_subnet_group")
                .is_some_and(|g| groups.iter().any(|x| x.as_str() == g))
                && (r.str("availability_zone") == Some(az)
                    || r.str("secondary_availability_zone") == Some(az))
        }) {
            warnings.push(format!(
                "{} is replaced while {} ({}) runs in {az}: on AWS, a subnet a database runs in cannot leave its DB subnet group or be deleted (SubnetAlreadyInUse, DependencyViolation) until the database has moved to another AZ, for example by a Multi-AZ failover",
                c.address, db.address, db.name
            ));
        }
    }
}

/// A resource that names another one being replaced keeps its address but must take the new
/// AWS id (a DB subnet group takes the new subnets with ModifyDBSubnetGroup): the attribute is
/// an in-place change whose value is known after apply.
/// `aws_names` gives a replaced resource's old and new AWS names, for the note: a database moving
/// to a parameter group of a new family is told both groups' names.
fn follow_replaced(
    d: &Resource,
    l: &Resource,
    replaced: &BTreeSet<Address>,
    aws_names: &dyn Fn(&str) -> Option<(String, String)>,
    c: &mut Change,
) {
    for (k, v) in &d.attrs {
        let Some(rule) = lookup(d.kind, k) else {
            continue;
        };
        if rule.compare == Compare::Never || c.diffs.iter().any(|x| &x.name == k) {
            continue;
        }
        let names = |a: &String| replaced.contains(&Address(a.clone()));
        let refers = match v {
            Value::Str(s) => names(s),
            Value::List(l) => l.iter().any(names),
            _ => false,
        };
        if refers {
            let apply_now = d.bool("apply_immediately") == Some(true);
            c.diffs.push(AttrDiff {
                name: k.clone(),
                before: l.attrs.get(k).cloned(),
                after: Some(Value::unknown()),
                forces_replacement: false,
                timing: Some(timing(d.kind, k, l.attrs.get(k), Some(v), apply_now)),
            });
            let moves = match v {
                Value::Str(a) => aws_names(a).filter(|(old, new)| old != new),
                _ => None,
            };
            c.notes.push(match moves {
                Some((old, new)) => format!(
                    "{k}: moves from `{old}` to `{new}`, which is created first (the old one is deleted once nothing uses it)"
                ),
                None => format!("{k} takes the new AWS id of what it names once that is replaced"),
            });
        }
    }
    if c.action == Action::NoOp && !c.diffs.is_empty() {
        c.action = Action::Update;
    }
}

/// A KMS key given as an alias must resolve (the reader asks KMS once per key per run).
fn check_kms_key(d: &Resource, live: &Live, errors: &mut Vec<PlanError>) {
    for attr in ["kms_key", "performance_insights_kms_key"] {
        let Some(k) = d.str(attr) else { continue };
        if crate::model::is_kms_alias(k) && !live.kms_keys.contains_key(k) {
            errors.push(PlanError {
                address: d.address.clone(),
                message: format!("{}: {attr} \"{k}\" could not be resolved to a KMS key (kms:DescribeKey)", d.address),
                help: "check the alias exists in this account and region, and that rdsplan may call kms:DescribeKey on it".into(),
            });
        }
    }
}

/// A group named by its AWS name (not one of the environment) must exist.
fn check_groups_exist(d: &Resource, live: &Live, errors: &mut Vec<PlanError>) {
    for (attr, kind) in [
        ("parameter_group", Kind::ParameterGroup),
        ("cluster_parameter_group", Kind::ClusterParameterGroup),
        ("option_group", Kind::OptionGroup),
    ] {
        let Some(name) = d.str(attr) else { continue };
        if live
            .missing_groups
            .iter()
            .any(|(k, n)| *k == kind && n == name)
        {
            errors.push(PlanError {
                address: d.address.clone(),
                message: format!(
                    "{}: {attr} `{name}` is not a group of this environment and does not exist in AWS",
                    d.address
                ),
                help: format!("declare [{attr}.{name}] in the files, or name an existing group"),
            });
        }
    }
}

/// AWS refuses a read replica of an instance without automated backups.
fn check_replica_source(
    d: &Resource,
    desired: &BTreeMap<&Address, &Resource>,
    errors: &mut Vec<PlanError>,
) {
    if d.kind != Kind::Replica {
        return;
    }
    let Some(src) = d
        .str("source")
        .and_then(|s| desired.get(&Address(s.to_string())))
    else {
        return;
    };
    if src.int("backup_retention_days") == Some(0) {
        errors.push(PlanError {
            address: d.address.clone(),
            message: format!(
                "{}: its source {} has backup_retention_days = 0, and AWS creates read replicas only of instances with automated backups",
                d.address, src.address
            ),
            help: format!("set backup_retention_days to 1 or more on {}", src.address),
        });
    }
}

/// What to do about a name someone else holds: adopt it where `import` can (it refuses an
/// address the files define, hence "take it out" first), else choose another name.
fn conflict_note(env: &str, d: &Resource, f: &crate::model::Foreign) -> String {
    let held = format!(
        "{} named `{}` ({}) already exists without this environment's rdsplan tags; rdsplan will not touch it.",
        d.kind.describe(),
        f.name,
        f.id
    );
    let (kind, name) = d.address.0.split_once('.').unwrap_or(("", &d.address.0));
    let id = if d.kind.has(Fact::ImportedByName) {
        &f.name
    } else if d.kind.has(Fact::ImportedById) {
        &f.id
    } else {
        return format!("{held} Give this resource another name, or remove the existing one.");
    };
    format!(
        "{held} To adopt it, take `{}` out of the files and run `rdsplan import --env {env} {kind} {id} --as {name}`, which writes its TOML; or give this resource another name.",
        d.address
    )
}

fn create_or_conflict(env: &str, d: &Resource, live: &Live) -> Change {
    let diffs = d
        .attrs
        .iter()
        .filter(|(k, _)| lookup(d.kind, k).is_some_and(|a| a.compare != Compare::Never))
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
        Some(f) => (Action::Conflict, vec![conflict_note(env, d, f)]),
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
        reboot: None,
        moved_from: None,
    }
}
