//! The step graph of a plan: which steps a change becomes (delete, create or update, reboot, a
//! security group's rules), and what each waits for. Built only from the plan.

use crate::model::{Address, Kind, Resource};
use crate::plan::{Action, Change, Plan};
use std::collections::HashMap;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Part {
    Delete,
    Apply,
    /// Rebooting a database with `allow_reboot` whose parameter changes need it.
    Reboot,
    /// A security group's rules that name other groups of the environment, converged once the
    /// group and every group they name exist (so groups may name each other).
    Rules,
}

pub(super) struct Step {
    pub(super) change: usize,
    pub(super) part: Part,
    pub(super) deps: Vec<usize>,
}

/// Builds the step graph of a plan: a replacement is a delete step then a create step; a
/// resource is deleted after everything that depends on it is deleted or updated away from it.
pub(super) fn steps(plan: &Plan) -> Vec<Step> {
    let mut out: Vec<Step> = Vec::new();
    let mut del: HashMap<&Address, usize> = HashMap::new();
    let mut app: HashMap<&Address, usize> = HashMap::new();
    for (i, c) in plan.changes.iter().enumerate() {
        if matches!(c.action, Action::Delete | Action::Replace) {
            del.insert(&c.address, out.len());
            out.push(Step {
                change: i,
                part: Part::Delete,
                deps: vec![],
            });
        }
        if matches!(c.action, Action::Create | Action::Update | Action::Replace) {
            app.insert(&c.address, out.len());
            out.push(Step {
                change: i,
                part: Part::Apply,
                deps: vec![],
            });
        }
    }
    for (i, c) in plan.changes.iter().enumerate() {
        if has_rules_step(c) {
            out.push(Step {
                change: i,
                part: Part::Rules,
                deps: vec![],
            });
        }
    }
    let mut reboot: HashMap<&Address, usize> = HashMap::new();
    for (i, c) in plan.changes.iter().enumerate() {
        if c.reboot.is_some() {
            reboot.insert(&c.address, out.len());
            out.push(Step {
                change: i,
                part: Part::Reboot,
                deps: vec![],
            });
        }
    }
    for s in 0..out.len() {
        let c = &plan.changes[out[s].change];
        let mut deps = Vec::new();
        match out[s].part {
            Part::Rules => {
                deps.extend(app.get(&c.address));
                for d in c
                    .after
                    .as_ref()
                    .map(Resource::rule_sources)
                    .unwrap_or_default()
                {
                    deps.extend(app.get(&d));
                }
            }
            Part::Apply => deps = apply_deps(plan, c, &app, &del),
            Part::Delete if c.kind.create_before_destroy() && c.action == Action::Replace => {
                // The new one first, then everything that names it moves to it; the old one
                // (which AWS will not delete while in use) goes last.
                deps.extend(app.get(&c.address));
                for (j, other) in out.iter().enumerate() {
                    let oc = &plan.changes[other.change];
                    let names = oc
                        .after
                        .as_ref()
                        .is_some_and(|a| a.deps().contains(&c.address));
                    if other.part == Part::Apply && names && j != s {
                        deps.push(j);
                    }
                }
            }
            Part::Reboot => {
                // After its own changes and those of everything it names (its parameter
                // groups); replicas reboot before their source.
                deps.extend(app.get(&c.address));
                for d in c.after.as_ref().map(Resource::deps).unwrap_or_default() {
                    deps.extend(app.get(&d));
                }
                for other in &plan.changes {
                    let of_this = other.after.as_ref().is_some_and(|a| {
                        a.kind == Kind::Replica && a.str("source") == Some(c.address.as_str())
                    });
                    if of_this {
                        deps.extend(reboot.get(&other.address));
                    }
                }
            }
            Part::Delete => deps = delete_deps(plan, &out, c),
        }
        deps.sort();
        deps.dedup();
        out[s].deps = deps;
    }
    out
}

/// What a create or update waits for: what it names (a replica not for its source's update),
/// its replicas' major upgrades (for a source's), and its own delete in a replacement.
fn apply_deps(
    plan: &Plan,
    c: &Change,
    app: &HashMap<&Address, usize>,
    del: &HashMap<&Address, usize>,
) -> Vec<usize> {
    let mut deps = Vec::new();
    for d in c
        .after
        .as_ref()
        .map(Resource::create_deps)
        .unwrap_or_default()
    {
        // A replica needs its source to exist, not its source's update (which,
        // for a MySQL major upgrade, waits for the replica).
        let source_update = c.kind == Kind::Replica
            && plan
                .changes
                .iter()
                .any(|x| x.address == d && x.action == Action::Update);
        if !source_update {
            deps.extend(app.get(&d));
        }
    }
    // A source's major upgrade goes after its replicas' (planned with it).
    if c.kind == Kind::Instance && c.diffs.iter().any(|x| x.name == "engine_version") {
        for other in &plan.changes {
            let replica_upgrade = other.kind == Kind::Replica
                && other.after.as_ref().and_then(|a| a.str("source")) == Some(c.address.as_str())
                && other.diffs.iter().any(|x| x.name == "engine_version");
            if replica_upgrade {
                deps.extend(app.get(&other.address));
            }
        }
    }
    if !c.kind.create_before_destroy() {
        deps.extend(del.get(&c.address));
    }
    deps
}

/// What a delete waits for: the database a generated secret records, and everything whose live
/// state names the resource going (or moving away from it) first.
fn delete_deps(plan: &Plan, out: &[Step], c: &Change) -> Vec<usize> {
    let mut deps = Vec::new();
    // A generated secret goes after the database whose password it records (the
    // step checks that the database is gone).
    if let Some(db) = c
        .before
        .as_ref()
        .filter(|b| b.kind == Kind::Secret)
        .and_then(|b| {
            b.str("db_instance_identifier")
                .or_else(|| b.str("db_cluster_identifier"))
        })
    {
        for (j, other) in out.iter().enumerate() {
            let oc = &plan.changes[other.change];
            if other.part == Part::Delete
                && matches!(oc.kind, Kind::Instance | Kind::Cluster)
                && oc.name == db
            {
                deps.push(j);
            }
        }
    }
    // Everything whose live state references this resource goes (or moves) first.
    for (j, other) in out.iter().enumerate() {
        let oc = &plan.changes[other.change];
        let refs = oc
            .before
            .as_ref()
            .is_some_and(|b| b.deps().contains(&c.address));
        // An update moves away from this resource only when its desired state
        // no longer names it: a DB subnet group whose subnet is replaced keeps
        // naming that address and takes the new subnet once it exists.
        let moves_away = other.part == Part::Apply
            && oc.action == Action::Update
            && !oc
                .after
                .as_ref()
                .is_some_and(|a| a.deps().contains(&c.address));
        if refs && (other.part == Part::Delete || moves_away) {
            deps.push(j);
        }
    }
    deps
}

/// Whether a change's security group has rules naming other groups of the environment, which a
/// step of their own converges after those groups exist.
pub(super) fn has_rules_step(c: &Change) -> bool {
    let rules_change = match c.action {
        Action::Create | Action::Replace => true,
        Action::Update => c
            .diffs
            .iter()
            .any(|x| x.name == "ingress" || x.name == "egress"),
        _ => false,
    };
    rules_change
        && c.kind == Kind::SecurityGroup
        && c.after
            .as_ref()
            .is_some_and(|a| !a.rule_sources().is_empty())
}

pub(super) fn verb(a: Action, p: Part) -> (&'static str, &'static str) {
    match (a, p) {
        (_, Part::Reboot) => ("rebooting", "rebooted"),
        (_, Part::Rules) => ("setting rules that name other groups", "rules set"),
        (Action::Replace, Part::Delete) => ("deleting (replace)", "deleted (replace)"),
        (_, Part::Delete) => ("deleting", "deleted"),
        (Action::Update, _) => ("updating", "updated"),
        _ => ("creating", "created"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Value;

    fn change(addr: &str, kind: Kind, action: Action, after: Resource) -> Change {
        Change {
            address: Address(addr.into()),
            kind,
            name: addr.into(),
            action,
            replaced_because: vec![],
            diffs: vec![],
            pending: vec![],
            maintenance_window: None,
            before: Some(after.clone()),
            after: Some(after),
            final_snapshot: None,
            final_snapshot_id: None,
            notes: vec![],
            reboot: None,
            moved_from: None,
        }
    }

    #[test]
    fn reboots_follow_the_parameter_group_and_replicas_go_before_their_source() {
        let pg = Resource::new(
            Address::new("parameter_group", "pg"),
            Kind::ParameterGroup,
            "pg",
        );
        let db = Resource::new(Address::new("instance", "db"), Kind::Instance, "db")
            .with("parameter_group", Value::str("parameter_group.pg"));
        let ro = Resource::new(Address::new("replica", "ro"), Kind::Replica, "ro")
            .with("source", Value::str("instance.db"))
            .with("parameter_group", Value::str("parameter_group.pg"));
        let mut c_db = change("instance.db", Kind::Instance, Action::Update, db);
        c_db.reboot = Some("x".into());
        let mut c_ro = change("replica.ro", Kind::Replica, Action::Update, ro);
        c_ro.reboot = Some("x".into());
        let plan = Plan {
            environment: "t".into(),
            region: "r".into(),
            changes: vec![
                change(
                    "parameter_group.pg",
                    Kind::ParameterGroup,
                    Action::Update,
                    pg,
                ),
                c_db,
                c_ro,
            ],
            warnings: vec![],
            duplicates: vec![],
        };
        let s = steps(&plan);
        let find = |addr: &str, part: Part| {
            s.iter()
                .position(|x| plan.changes[x.change].address.as_str() == addr && x.part == part)
                .unwrap()
        };
        let (pg_apply, db_apply) = (
            find("parameter_group.pg", Part::Apply),
            find("instance.db", Part::Apply),
        );
        let (db_reboot, ro_reboot) = (
            find("instance.db", Part::Reboot),
            find("replica.ro", Part::Reboot),
        );
        assert!(s[db_reboot].deps.contains(&pg_apply));
        assert!(s[db_reboot].deps.contains(&db_apply));
        assert!(
            s[db_reboot].deps.contains(&ro_reboot),
            "replicas reboot first"
        );
        assert!(s[ro_reboot].deps.contains(&pg_apply));
        assert!(!s[ro_reboot].deps.contains(&db_reboot));
    }
}
