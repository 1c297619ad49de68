//! The planner: a pure function from desired and live resources to a [`Plan`]. No I/O, no
//! clock, no randomness: the same inputs always give the same plan.

use super::attrs::{lookup, Compare};
use super::rules::{is_major_change, major_version, timing, version_cmp, version_matches, Timing};
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
                    follow_replaced(d, l, &replaced, &mut c);
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
        protect(l, "delete", &mut errors);
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
    check_vpc_contents(&changes, live, &mut errors);
    super::rename_hint::hint(&changes, live, &mut warnings);
    let duplicates = duplicates(live, &mut changes);
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
    let bound = |dep: &Address| match d.kind {
        Kind::Subnet | Kind::RouteTable | Kind::SecurityGroup | Kind::InternetGateway => {
            dep.as_str().starts_with("vpc.") && !dep.as_str()[4..].contains('.')
        }
        // Only when the group itself is replaced, which only a new VPC does.
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
        .map(|dep| match d.kind {
            Kind::Replica => format!("{dep} is replaced, and a read replica cannot follow a new source"),
            Kind::ClusterInstance => format!("{dep} is replaced, and an Aurora instance cannot move to another cluster"),
            Kind::Instance | Kind::Cluster => format!(
                "{dep} is replaced because its VPC is, and {} cannot stay in a DB subnet group that is deleted (rdsplan keeps one group per VPC)",
                d.kind.describe()
            ),
            _ => format!("{dep} is replaced, and {} cannot move to another VPC", d.kind.describe()),
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
fn follow_replaced(d: &Resource, l: &Resource, replaced: &BTreeSet<Address>, c: &mut Change) {
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
            c.notes.push(format!(
                "{k} takes the new AWS id of what it names once that is replaced"
            ));
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
        if is_alias(k) && !live.kms_keys.contains_key(k) {
            errors.push(PlanError {
                address: d.address.clone(),
                message: format!("{}: {attr} \"{k}\" could not be resolved to a KMS key (kms:DescribeKey)", d.address),
                help: "check the alias exists in this account and region, and that rdsplan may call kms:DescribeKey on it".into(),
            });
        }
    }
}

pub fn is_alias(key: &str) -> bool {
    key.starts_with("alias/") || key.contains(":alias/")
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
    let id = match d.kind {
        Kind::Instance | Kind::Replica | Kind::Cluster => &f.name,
        Kind::Vpc | Kind::SecurityGroup => &f.id,
        _ => return format!("{held} Give this resource another name, or remove the existing one."),
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
            let (include, remove) = super::options::option_changes(w, h);
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

fn restore_finish(d: &Resource, l: &Resource, c: &mut Change) {
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
