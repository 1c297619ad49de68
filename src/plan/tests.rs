//! Every branch of the planner, on hand-built desired and live state.

use super::*;
use crate::model::{attrs, Address, Foreign, Kind, Live, Resource, Value};

pub(super) fn a(s: &str) -> Address {
    Address(s.into())
}

pub(super) fn vpc(cidr: &str) -> Resource {
    Resource::new(a("vpc.main"), Kind::Vpc, "t-main").with("cidr", Value::str(cidr))
}

pub(super) fn subnet() -> Resource {
    Resource::new(
        a("vpc.main.subnet.us-west-2a"),
        Kind::Subnet,
        "t-main-private-us-west-2a",
    )
    .with("vpc", Value::str("vpc.main"))
    .with("availability_zone", Value::str("us-west-2a"))
    .with("cidr", Value::str("10.0.0.0/24"))
}

pub(super) fn group() -> Resource {
    Resource::new(a("security_group.db"), Kind::SecurityGroup, "t-db")
        .with("vpc", Value::str("vpc.main"))
        .with("description", Value::str("db"))
}

pub(super) fn subnet_group() -> Resource {
    Resource::new(a("vpc.main.db_subnet_group"), Kind::DbSubnetGroup, "t-main").with(
        "subnets",
        Value::set(["vpc.main.subnet.us-west-2a".to_string()]),
    )
}

pub(super) fn db() -> Resource {
    Resource::new(a("instance.orders"), Kind::Instance, "t-orders")
        .with("engine", Value::str("mysql"))
        .with("engine_version", Value::str("8.0"))
        .with("instance_class", Value::str("db.t3.micro"))
        .with("allocated_storage", Value::Int(20))
        .with("db_subnet_group", Value::str("vpc.main.db_subnet_group"))
        .with(
            "security_groups",
            Value::set(["security_group.db".to_string()]),
        )
        .with("deletion_protection", Value::Bool(false))
        .with("apply_immediately", Value::Bool(false))
}

/// The live counterpart of a desired resource, as the reader would produce it.
pub(super) fn live_of(r: &Resource) -> Resource {
    let mut l = r.clone();
    l.id = Some(format!("id-{}", r.address));
    l.attrs.remove("apply_immediately");
    if let Some(Value::Str(v)) = l.attrs.get("engine_version") {
        let full = format!("{v}.35");
        l.set("engine_version", Value::str(full));
    }
    l
}

pub(super) fn live(rs: &[Resource]) -> Live {
    Live {
        resources: rs.iter().map(live_of).collect(),
        azs: vec!["us-west-2a".into()],
        foreign: vec![],
        unmanaged: vec![],
        ..Default::default()
    }
}

pub(super) fn run(desired: &[Resource], live: &Live) -> Plan {
    plan("t", "us-west-2", desired, live).expect("plan succeeds")
}

pub(super) fn errors(desired: &[Resource], live: &Live) -> Vec<String> {
    plan("t", "us-west-2", desired, live)
        .expect_err("plan fails")
        .into_iter()
        .map(|e| e.message)
        .collect()
}

pub(super) fn change<'p>(p: &'p Plan, addr: &str) -> &'p Change {
    p.changes
        .iter()
        .find(|c| c.address.as_str() == addr)
        .unwrap()
}

pub(super) fn all() -> Vec<Resource> {
    vec![vpc("10.0.0.0/16"), subnet(), group(), subnet_group(), db()]
}

#[test]
fn everything_is_created_from_empty_in_dependency_order() {
    let p = run(&all(), &Live::default());
    let order: Vec<&str> = p.changes.iter().map(|c| c.address.as_str()).collect();
    let pos = |s: &str| order.iter().position(|x| *x == s).unwrap();
    assert!(pos("vpc.main") < pos("vpc.main.subnet.us-west-2a"));
    assert!(pos("vpc.main.subnet.us-west-2a") < pos("vpc.main.db_subnet_group"));
    assert!(pos("vpc.main.db_subnet_group") < pos("instance.orders"));
    assert!(pos("security_group.db") < pos("instance.orders"));
    assert!(p.changes.iter().all(|c| c.action == Action::Create));
    let s = p.summary();
    assert_eq!((s.add, s.change, s.replace, s.destroy), (5, 0, 0, 0));
    // Creation shows every attribute as after-only, but never the rdsplan-only settings.
    let c = change(&p, "instance.orders");
    assert!(c
        .diffs
        .iter()
        .all(|d| d.before.is_none() && d.after.is_some()));
    assert!(!c.diffs.iter().any(|d| d.name == "apply_immediately"));
}

#[test]
fn an_applied_environment_plans_no_changes() {
    let p = run(&all(), &live(&all()));
    assert!(!p.has_changes(), "{:#?}", p.changes);
}

#[test]
fn a_changed_attribute_is_an_update_in_place_with_before_and_after() {
    let mut d = all();
    d[4].set("instance_class", Value::str("db.t3.small"));
    let p = run(&d, &live(&all()));
    let c = change(&p, "instance.orders");
    assert_eq!(c.action, Action::Update);
    assert_eq!(c.diffs.len(), 1);
    assert_eq!(c.diffs[0].name, "instance_class");
    assert_eq!(c.diffs[0].before, Some(Value::str("db.t3.micro")));
    assert_eq!(c.diffs[0].after, Some(Value::str("db.t3.small")));
    assert_eq!(p.summary().change, 1);
}

#[test]
fn an_attribute_that_forces_replacement_is_named() {
    let mut d = all();
    d[4].set("engine", Value::str("mariadb"));
    let p = run(&d, &live(&all()));
    let c = change(&p, "instance.orders");
    assert_eq!(c.action, Action::Replace);
    assert_eq!(c.replaced_because, ["engine"]);
    assert!(c.diffs[0].forces_replacement);
    assert_eq!(c.final_snapshot, Some(true));
    assert_eq!(c.action.primitives(), ["delete", "create"]);
}

#[test]
fn replacing_a_vpc_replaces_what_cannot_move() {
    let mut d = all();
    d[0].set("cidr", Value::str("10.1.0.0/16"));
    let p = run(&d, &live(&all()));
    assert_eq!(change(&p, "vpc.main").replaced_because, ["cidr"]);
    for (addr, why) in [
        (
            "vpc.main.subnet.us-west-2a",
            "vpc.main is replaced, and a subnet cannot move to another VPC",
        ),
        (
            "security_group.db",
            "vpc.main is replaced, and a security group cannot move to another VPC",
        ),
        (
            "vpc.main.db_subnet_group",
            "vpc.main is replaced, and a DB subnet group cannot move to another VPC",
        ),
    ] {
        let c = change(&p, addr);
        assert_eq!(c.action, Action::Replace, "{addr}");
        assert_eq!(c.replaced_because, [why], "{addr}");
    }
    // The database goes too, and the plan says why.
    let c = change(&p, "instance.orders");
    assert_eq!(c.action, Action::Replace);
    assert!(
        c.replaced_because[0].contains("cannot stay in a DB subnet group that is deleted"),
        "{:?}",
        c.replaced_because
    );
}

#[test]
fn what_the_files_no_longer_have_is_deleted_dependants_first() {
    let p = run(&[], &live(&all()));
    let order: Vec<&str> = p.changes.iter().map(|c| c.address.as_str()).collect();
    let pos = |s: &str| order.iter().position(|x| *x == s).unwrap();
    assert!(pos("instance.orders") < pos("vpc.main.db_subnet_group"));
    assert!(pos("instance.orders") < pos("security_group.db"));
    assert!(pos("vpc.main.db_subnet_group") < pos("vpc.main.subnet.us-west-2a"));
    assert!(pos("vpc.main.subnet.us-west-2a") < pos("vpc.main"));
    assert!(p.changes.iter().all(|c| c.action == Action::Delete));
    assert_eq!(change(&p, "instance.orders").final_snapshot, Some(true));
    assert_eq!(change(&p, "vpc.main").final_snapshot, None);
}

#[test]
fn a_deleted_instance_honours_its_skip_final_snapshot_tag() {
    let mut l = live(&all());
    l.resources[4].set("skip_final_snapshot", Value::Bool(true));
    let p = run(&all()[..4], &l);
    assert_eq!(change(&p, "instance.orders").final_snapshot, Some(false));
}

#[test]
fn deletion_protection_refuses_delete_and_replace() {
    let mut l = live(&all());
    l.resources[4].set("deletion_protection", Value::Bool(true));
    let e = errors(&all()[..4], &l);
    assert_eq!(
        e,
        ["instance.orders (t-orders) has deletion protection and would be deleted"]
    );
    let mut d = all();
    d[4].set("engine", Value::str("mariadb"));
    d[4].set("deletion_protection", Value::Bool(true));
    let e = errors(&d, &l);
    assert_eq!(
        e,
        ["instance.orders (t-orders) has deletion protection and would be replaced"]
    );
}

#[test]
fn a_name_taken_by_a_resource_that_is_not_ours_is_a_conflict() {
    let mut l = Live::default();
    l.foreign.push(Foreign {
        kind: Kind::Instance,
        name: "t-orders".into(),
        id: "arn:aws:rds:us-west-2:1:db:t-orders".into(),
    });
    let p = run(&all(), &l);
    let c = change(&p, "instance.orders");
    assert_eq!(c.action, Action::Conflict);
    assert!(c.notes[0].contains("t-orders") && c.notes[0].contains("rdsplan import"));
    assert_eq!(p.summary().conflict, 1);
}

#[test]
fn engine_version_is_a_prefix() {
    // live is 8.0.35 for a desired "8.0": no change.
    assert!(!run(&all(), &live(&all())).has_changes());
    let mut d = all();
    d[4].set("engine_version", Value::str("8.4"));
    d[4].set("allow_major_version_upgrade", Value::Bool(true));
    let p = run(&d, &live(&all()));
    let c = change(&p, "instance.orders");
    assert_eq!(c.action, Action::Update);
    assert_eq!(c.diffs[0].before, Some(Value::str("8.0.35")));
    // 8.0 to 8.4 is a major upgrade in RDS: refused unless the files allow it.
    d[4].set("allow_major_version_upgrade", Value::Bool(false));
    let e = errors(&d, &live(&all()));
    assert!(e[0].contains("is a major upgrade"), "{e:?}");
}

#[test]
fn downgrading_an_engine_is_a_plan_time_error() {
    let mut d = all();
    d[4].set("engine_version", Value::str("5.7"));
    let e = errors(&d, &live(&all()));
    assert_eq!(e.len(), 1);
    assert!(
        e[0].contains("would downgrade t-orders from 8.0.35"),
        "{e:?}"
    );
}

#[test]
fn shrinking_storage_is_a_plan_time_error_and_growing_is_an_update() {
    let mut l = live(&all());
    l.resources[4].set("allocated_storage", Value::Int(100));
    let e = errors(&all(), &l);
    assert!(
        e[0].contains("allocated_storage 20 GiB is below the current 100 GiB"),
        "{e:?}"
    );
    let mut d = all();
    d[4].set("allocated_storage", Value::Int(50));
    assert_eq!(
        change(&run(&d, &live(&all())), "instance.orders").action,
        Action::Update
    );
}

#[test]
fn autoscaled_storage_above_the_minimum_is_no_change() {
    let mut d = all();
    d[4].set("max_allocated_storage", Value::Int(100));
    let mut l = live(&d);
    l.resources[4].set("allocated_storage", Value::Int(35));
    assert!(!run(&d, &l).has_changes());
}

#[test]
fn values_the_files_do_not_set_are_not_compared() {
    let mut l = live(&all());
    l.resources[4].set("backup_retention_days", Value::Int(1));
    l.resources[4].set(
        "preferred_maintenance_window",
        Value::str("sat:01:00-sat:02:00"),
    );
    l.resources[4].set("endpoint", Value::str("t-orders.x.rds.amazonaws.com"));
    assert!(!run(&all(), &l).has_changes());
}

#[test]
fn a_kms_alias_is_compared_as_the_key_it_resolves_to_and_a_key_id_as_itself() {
    let mut d = all();
    let mut l = live(&all());
    let key = "arn:aws:kms:us-west-2:1:key/1234abcd-12ab-34cd-56ef-1234567890ab";
    l.resources[4].set("kms_key", Value::str(key));
    d[4].set("kms_key", Value::str("alias/rds"));
    // Not resolved (no such alias, or no kms:DescribeKey): a plan-time error, never a guess.
    let e = errors(&d, &l);
    assert!(
        e[0].contains("kms_key \"alias/rds\" could not be resolved"),
        "{e:?}"
    );
    // Resolved by the reader: the same key is no change, whatever its spelling.
    l.kms_keys.insert("alias/rds".into(), key.into());
    assert!(!run(&d, &l).has_changes());
    let alias_arn = "arn:aws:kms:us-west-2:1:alias/rds";
    d[4].set("kms_key", Value::str(alias_arn));
    l.kms_keys.insert(alias_arn.into(), key.into());
    assert!(!run(&d, &l).has_changes());
    // An alias of another key is a replacement.
    l.kms_keys
        .insert(alias_arn.into(), key.replace("1234abcd", "99999999"));
    assert_eq!(
        change(&run(&d, &l), "instance.orders").action,
        Action::Replace
    );
    d[4].set(
        "kms_key",
        Value::str("1234abcd-12ab-34cd-56ef-1234567890ab"),
    );
    assert!(!run(&d, &l).has_changes());
    d[4].set(
        "kms_key",
        Value::str("ffffffff-12ab-34cd-56ef-1234567890ab"),
    );
    assert_eq!(
        change(&run(&d, &l), "instance.orders").action,
        Action::Replace
    );
}

#[test]
fn an_unknown_value_is_always_a_change() {
    let s = Resource::new(
        a("instance.orders.secret"),
        Kind::Secret,
        "rdsplan/t/orders",
    )
    .with("host", Value::unknown());
    let mut l = live(std::slice::from_ref(&s));
    l.resources[0].set("host", Value::str("old.example"));
    let p = run(&[s], &l);
    assert_eq!(p.changes[0].action, Action::Update);
}

#[test]
fn a_dependency_cycle_is_an_error() {
    let g1 = group().with(
        "security_groups",
        Value::set(["security_group.b".to_string()]),
    );
    let mut g2 = group().with(
        "security_groups",
        Value::set(["security_group.db".to_string()]),
    );
    g2.address = a("security_group.b");
    let e = errors(&[g1, g2], &Live::default());
    assert!(e[0].contains("dependency cycle"), "{e:?}");
}

#[test]
fn the_replacement_table_names_every_forcing_attribute() {
    let t = attrs::replacement_table();
    let instance = &t.iter().find(|(k, _)| *k == Kind::Instance).unwrap().1;
    for attr in [
        "engine",
        "storage_encrypted",
        "kms_key",
        "master_username",
        "db_name",
    ] {
        assert!(instance.contains(&attr), "{attr}");
    }
    assert!(
        !attrs::lookup(Kind::Instance, "instance_class")
            .unwrap()
            .replace
    );
    assert!(attrs::lookup(Kind::Vpc, "cidr").unwrap().replace);
}

fn replica() -> Resource {
    Resource::new(a("replica.ro"), Kind::Replica, "t-ro")
        .with("source", Value::str("instance.orders"))
        .with("instance_class", Value::str("db.t3.micro"))
}

fn cluster_and_members() -> Vec<Resource> {
    let c = Resource::new(a("cluster.c"), Kind::Cluster, "t-c")
        .with("engine", Value::str("aurora-postgresql"))
        .with("members", Value::List(vec!["a".into(), "b".into()]));
    let m = |n: &str, class: &str| {
        let r = Resource::new(
            a(&format!("cluster.c.instance.{n}")),
            Kind::ClusterInstance,
            format!("t-c-{n}"),
        )
        .with("cluster", Value::str("cluster.c"))
        .with("instance_class", Value::str(class));
        if n == "a" {
            r
        } else {
            r.with("writer", Value::str("cluster.c.instance.a"))
        }
    };
    vec![c, m("a", "db.r6g.large"), m("b", "db.r6g.large")]
}

#[test]
fn replacing_a_source_replaces_its_replica() {
    let mut d = all();
    d.push(replica());
    let l = live(&d);
    d[4].set("engine", Value::str("mariadb"));
    let p = run(&d, &l);
    let c = change(&p, "replica.ro");
    assert_eq!(c.action, Action::Replace);
    assert_eq!(
        c.replaced_because,
        ["instance.orders is replaced, and a read replica cannot follow a new source"]
    );
    assert_eq!(c.final_snapshot, None, "replicas have no final snapshot");
}

#[test]
fn attributes_a_replica_does_not_set_follow_the_source() {
    let mut d = all();
    d.push(replica());
    let mut l = live(&d);
    // The replica inherited these from its source; they are not drift.
    l.resources[5].set("allocated_storage", Value::Int(20));
    l.resources[5].set("multi_az", Value::Bool(false));
    l.resources[5].set("engine", Value::str("mysql"));
    assert!(!run(&d, &l).has_changes());
}

#[test]
fn a_removed_replica_is_deleted_before_its_source() {
    let mut d = all();
    d.push(replica());
    let p = run(&all()[..4], &live(&d));
    let order: Vec<&str> = p
        .changes
        .iter()
        .filter(|c| c.action == Action::Delete)
        .map(|c| c.address.as_str())
        .collect();
    assert_eq!(order[..2], ["replica.ro", "instance.orders"]);
}

#[test]
fn replacing_a_cluster_replaces_its_members_but_a_writer_does_not_replace_readers() {
    let d = cluster_and_members();
    let l = live(&d);
    let mut changed = d.clone();
    changed[0].set("engine", Value::str("aurora-mysql"));
    let p = run(&changed, &l);
    for m in ["cluster.c.instance.a", "cluster.c.instance.b"] {
        assert_eq!(change(&p, m).action, Action::Replace, "{m}");
        assert_eq!(
            change(&p, m).replaced_because,
            ["cluster.c is replaced, and an Aurora instance cannot move to another cluster"]
        );
    }
    let mut writer = d.clone();
    writer[1].set("cluster", Value::str("cluster.other"));
    let p = run(&writer, &l);
    assert_eq!(change(&p, "cluster.c.instance.a").action, Action::Replace);
    assert_eq!(change(&p, "cluster.c.instance.b").action, Action::NoOp);
}

#[test]
fn cluster_membership_changes_in_place_and_members_need_no_allow_destroy() {
    let d = cluster_and_members();
    let l = live(&d);
    let mut fewer = d.clone();
    fewer.pop();
    fewer[0].set("members", Value::List(vec!["a".into()]));
    let p = run(&fewer, &l);
    assert_eq!(change(&p, "cluster.c").action, Action::Update);
    let m = change(&p, "cluster.c.instance.b");
    assert_eq!(m.action, Action::Delete);
    assert!(!m.needs_allow_destroy());
    assert!(change(&run(&[], &l), "cluster.c").needs_allow_destroy());
}

#[test]
fn a_deleted_cluster_takes_a_final_snapshot() {
    let p = run(&[], &live(&cluster_and_members()));
    assert_eq!(change(&p, "cluster.c").final_snapshot, Some(true));
    assert_eq!(change(&p, "cluster.c.instance.a").final_snapshot, None);
}

#[test]
fn the_timing_table_follows_modify_db_instance() {
    use timing::{timing, Timing};
    let t = |attr: &str, now: bool| {
        timing(
            Kind::Instance,
            attr,
            Some(&Value::Int(7)),
            Some(&Value::Int(14)),
            now,
        )
    };
    for attr in [
        "instance_class",
        "engine_version",
        "allocated_storage",
        "multi_az",
        "storage_type",
    ] {
        assert_eq!(t(attr, false), Timing::MaintenanceWindow, "{attr}");
        assert_eq!(
            t(attr, true),
            Timing::Immediate,
            "{attr} with apply_immediately"
        );
    }
    for attr in [
        "deletion_protection",
        "security_groups",
        "backup_retention_days",
        "tags",
    ] {
        assert_eq!(t(attr, false), Timing::Immediate, "{attr}");
    }
    assert_eq!(t("port", false), Timing::Reboot);
    assert_eq!(t("port", true), Timing::Reboot);
    // Backups switched on or off: an outage, so it waits for the window.
    let on = timing(
        Kind::Instance,
        "backup_retention_days",
        Some(&Value::Int(0)),
        Some(&Value::Int(7)),
        false,
    );
    assert_eq!(on, Timing::MaintenanceWindow);
    assert_eq!(
        Timing::MaintenanceWindow.describe(Some("sun:05:00-sun:06:00")),
        "at the next maintenance window (sun:05:00-sun:06:00)"
    );
}

#[test]
fn every_update_carries_its_timing() {
    let mut d = all();
    d[4].set("instance_class", Value::str("db.t3.small"));
    d[4].set("deletion_protection", Value::Bool(true));
    let mut l = live(&all());
    l.resources[4].set(
        "preferred_maintenance_window",
        Value::str("sun:05:00-sun:06:00"),
    );
    let p = run(&d, &l);
    let c = change(&p, "instance.orders");
    let timing = |n: &str| c.diffs.iter().find(|x| x.name == n).unwrap().timing;
    assert_eq!(
        timing("instance_class"),
        Some(timing::Timing::MaintenanceWindow)
    );
    assert_eq!(
        timing("deletion_protection"),
        Some(timing::Timing::Immediate)
    );
    assert_eq!(c.maintenance_window.as_deref(), Some("sun:05:00-sun:06:00"));
}

#[test]
fn a_pending_value_that_matches_the_files_is_shown_not_planned() {
    let mut d = all();
    d[4].set("instance_class", Value::str("db.t3.small"));
    let mut l = live(&all());
    l.resources[4]
        .pending
        .insert("instance_class".into(), Value::str("db.t3.small"));
    let p = run(&d, &l);
    assert!(!p.has_changes(), "{:#?}", p.changes);
    let c = change(&p, "instance.orders");
    assert_eq!(c.pending.len(), 1);
    assert_eq!(c.pending[0].before, Some(Value::str("db.t3.micro")));
    assert_eq!(c.pending[0].after, Some(Value::str("db.t3.small")));
}

#[test]
fn a_pending_value_that_differs_from_the_files_is_planned() {
    let mut d = all();
    d[4].set("instance_class", Value::str("db.t3.large"));
    let mut l = live(&all());
    l.resources[4]
        .pending
        .insert("instance_class".into(), Value::str("db.t3.small"));
    let c = run(&d, &l)
        .changes
        .into_iter()
        .find(|c| c.address.as_str() == "instance.orders")
        .unwrap();
    assert_eq!(c.action, Action::Update);
    assert_eq!(c.diffs[0].after, Some(Value::str("db.t3.large")));
    // And a pending change the files do not want (current value is what they want) is undone.
    let mut l = live(&all());
    l.resources[4]
        .pending
        .insert("instance_class".into(), Value::str("db.t3.small"));
    let c = run(&all(), &l)
        .changes
        .into_iter()
        .find(|c| c.address.as_str() == "instance.orders")
        .unwrap();
    assert_eq!(c.action, Action::Update);
    assert_eq!(c.diffs[0].before, Some(Value::str("db.t3.small")));
    assert_eq!(c.diffs[0].after, Some(Value::str("db.t3.micro")));
}

#[test]
fn a_live_version_newer_than_a_fully_pinned_one_is_a_warning_not_a_downgrade() {
    let mut d = all();
    d[4].set("engine_version", Value::str("8.0.34"));
    // live_of reports 8.0.35 for "8.0" desired; make live 8.0.36.
    let mut l = live(&all());
    l.resources[4].set("engine_version", Value::str("8.0.36"));
    let p = run(&d, &l);
    assert!(!p.has_changes());
    assert_eq!(p.warnings.len(), 1);
    assert!(
        p.warnings[0].contains("pinned to \"8.0.34\" but t-orders runs 8.0.36"),
        "{:?}",
        p.warnings
    );
    // A major step back is still an error.
    d[4].set("engine_version", Value::str("5.7.44"));
    assert!(errors(&d, &l)[0].contains("would downgrade"));
}

#[test]
fn aws_tags_are_not_compared() {
    // The reader drops aws:* tags; a live map without them equals the desired one.
    let tags = crate::aws::user_tags([
        ("team".to_string(), "a".to_string()),
        ("aws:cloudformation:stack-name".to_string(), "x".to_string()),
        ("rdsplan:address".to_string(), "vpc.main".to_string()),
    ]);
    assert_eq!(tags.len(), 1);
    assert_eq!(tags["team"], "a");
}

#[test]
fn docs_replacement_md_lists_every_forcing_attribute() {
    let doc = include_str!("../../docs/replacement.md");
    let table = attrs::replacement_table();
    let section = doc
        .split("## Attributes that force replacement")
        .nth(1)
        .and_then(|s| s.split("\n## ").next())
        .expect("docs/replacement.md has the replacement section");
    let rows: Vec<&str> = section.lines().filter(|l| l.starts_with("| `")).collect();
    assert_eq!(rows.len(), table.len(), "one row per kind: {rows:#?}");
    for (kind, attrs) in table {
        let row = rows
            .iter()
            .find(|l| l.starts_with(&format!("| `{kind}` |")))
            .unwrap_or_else(|| panic!("docs/replacement.md has no row for {kind}"));
        // The attributes column, exactly: none missing, none extra.
        let column = row.split('|').nth(2).unwrap_or_default();
        let mut listed: Vec<&str> = column
            .split(',')
            .map(|a| a.trim().trim_matches('`'))
            .filter(|a| !a.is_empty())
            .collect();
        let mut want = attrs.clone();
        listed.sort();
        want.sort();
        assert_eq!(listed, want, "docs/replacement.md: the row of {kind}");
    }
}

#[test]
fn removing_an_iam_role_association_is_an_update_in_place() {
    let mut d = all();
    d[4].set("iam_roles", Value::set([]));
    let mut l = live(&all());
    l.resources[4].set(
        "iam_roles",
        Value::set(["iam_role.s3=s3Import".to_string()]),
    );
    let c = run(&d, &l)
        .changes
        .into_iter()
        .find(|c| c.address.as_str() == "instance.orders")
        .unwrap();
    assert_eq!(c.action, Action::Update);
    assert_eq!(c.diffs[0].name, "iam_roles");
    assert_eq!(c.diffs[0].timing, Some(timing::Timing::Immediate));
}

#[test]
fn a_database_with_external_credentials_cannot_be_created() {
    let mut d = all();
    d[4].set("credentials", Value::str("external"));
    let e = errors(&d, &Live::default());
    assert_eq!(e.len(), 1);
    assert!(e[0].contains("credentials = \"external\""), "{e:?}");
    // Existing and adopted: external matches any password RDS does not manage.
    let mut l = live(&all());
    l.resources[4].set("credentials", Value::str("generated"));
    assert!(!run(&d, &l).has_changes());
}

// ---- Issue 8: correct on real AWS ----

fn subnet_in(az: &str, cidr: &str) -> Resource {
    Resource::new(
        a(&format!("vpc.main.subnet.{az}")),
        Kind::Subnet,
        format!("t-main-private-{az}"),
    )
    .with("vpc", Value::str("vpc.main"))
    .with("availability_zone", Value::str(az))
    .with("cidr", Value::str(cidr))
}

#[test]
fn a_new_subnet_layout_updates_the_subnet_group_in_place_and_keeps_the_database() {
    let mut d = all();
    d[1] = subnet_in("us-west-2a", "10.0.0.0/25");
    let mut l = live(&all());
    l.resources[4].set("availability_zone", Value::str("us-west-2b"));
    let p = run(&d, &l);
    assert_eq!(
        change(&p, "vpc.main.subnet.us-west-2a").action,
        Action::Replace
    );
    // The group keeps its address and takes the new subnet's id in place.
    let g = change(&p, "vpc.main.db_subnet_group");
    assert_eq!(g.action, Action::Update);
    assert_eq!(g.diffs[0].name, "subnets");
    assert_eq!(g.diffs[0].after, Some(Value::unknown()));
    assert_eq!(change(&p, "instance.orders").action, Action::NoOp);
    assert_eq!(p.summary().replace, 1);
    assert!(p.warnings.is_empty(), "{:?}", p.warnings);
    // The database runs in the replaced subnet's AZ: AWS would refuse to remove that subnet.
    l.resources[4].set("availability_zone", Value::str("us-west-2a"));
    let p = run(&d, &l);
    assert_eq!(change(&p, "instance.orders").action, Action::NoOp);
    assert!(
        p.warnings[0].contains("vpc.main.subnet.us-west-2a is replaced while instance.orders"),
        "{:?}",
        p.warnings
    );
    // Moving an instance to another VPC's subnet group is a ModifyDBInstance, not a replacement.
    let mut d = all();
    d[4].set("db_subnet_group", Value::str("vpc.other.db_subnet_group"));
    let c = change(&run(&d, &live(&all())), "instance.orders").clone();
    assert_eq!(c.action, Action::Update);
    assert_eq!(c.diffs[0].timing, Some(timing::Timing::MaintenanceWindow));
}

#[test]
fn a_cluster_cannot_move_subnet_groups_and_the_plan_says_why() {
    let mut cl = cluster_and_members();
    cl[0].set("db_subnet_group", Value::str("vpc.main.db_subnet_group"));
    let l = live(&cl);
    cl[0].set("db_subnet_group", Value::str("vpc.other.db_subnet_group"));
    let p = run(&cl, &l);
    let c = change(&p, "cluster.c");
    assert_eq!(c.action, Action::Replace);
    assert!(c.replaced_because[0].contains("ModifyDBCluster cannot move"));
}

#[test]
fn storage_grows_by_at_least_ten_percent() {
    let mut d = all();
    d[4].set("allocated_storage", Value::Int(21));
    let e = plan("t", "us-west-2", &d, &live(&all())).unwrap_err();
    assert!(e[0].message.contains("by less than 10%"), "{e:?}");
    assert_eq!(
        e[0].help,
        "set allocated_storage = 22 (the smallest valid increase) or more"
    );
    d[4].set("allocated_storage", Value::Int(22));
    assert_eq!(
        change(&run(&d, &live(&all())), "instance.orders").action,
        Action::Update
    );
    assert_eq!(compare::min_storage_increase(100), 110);
    assert_eq!(compare::min_storage_increase(1000), 1100);
    assert_eq!(compare::min_storage_increase(25), 28);
}

#[test]
fn a_storage_change_within_six_hours_of_the_last_is_reported_not_attempted() {
    let mut d = all();
    d[4].set("allocated_storage", Value::Int(40));
    d[4].set("instance_class", Value::str("db.t3.small"));
    let mut l = live(&all());
    // Last storage change at 08:30 UTC; read at 10:00 UTC the same day.
    let day = 20_000 * 86_400;
    l.resources[4].set("storage_changed_at", Value::Int(day + 8 * 3600 + 1800));
    l.read_at = Some(day + 10 * 3600);
    let p = run(&d, &l);
    let c = change(&p, "instance.orders");
    // The rest of the change goes ahead; storage waits.
    assert_eq!(c.action, Action::Update);
    assert_eq!(
        c.diffs.iter().map(|x| x.name.as_str()).collect::<Vec<_>>(),
        ["instance_class"]
    );
    assert!(c.notes[0].contains("not before 14:30 UTC"), "{:?}", c.notes);
    assert!(
        p.warnings[0].contains("allocated_storage 20 -> 40"),
        "{:?}",
        p.warnings
    );
    // Six hours later it is planned.
    l.read_at = Some(day + 15 * 3600);
    let c = change(&run(&d, &l), "instance.orders").clone();
    assert!(c.diffs.iter().any(|x| x.name == "allocated_storage"));
    // Storage optimization still running: not before it ends.
    l.resources[4].set("status", Value::str("storage-optimization"));
    let c = change(&run(&d, &l), "instance.orders").clone();
    assert!(c.notes[0].contains("storage optimization"), "{:?}", c.notes);
}

#[test]
fn a_writer_swap_after_a_failover_is_no_difference() {
    let mut cl = cluster_and_members();
    cl[0].set("members", Value::set(["a".to_string(), "b".to_string()]));
    let mut l = live(&cl);
    // AWS now reports b as the writer.
    l.resources[0].set("writer_member", Value::str("b"));
    let p = run(&cl, &l);
    assert!(!p.has_changes(), "{:#?}", p.changes);
    assert!(change(&p, "cluster.c")
        .notes
        .iter()
        .any(|n| n == "writer: b"));
}

#[test]
fn an_aurora_minor_upgrade_is_a_warning_not_a_downgrade() {
    let mut cl = cluster_and_members();
    cl[0] = cl[0]
        .clone()
        .with("engine", Value::str("aurora-mysql"))
        .with("engine_version", Value::str("8.0.mysql_aurora.3.05.2"));
    let mut l = live(&cl);
    l.resources[0].set("engine_version", Value::str("8.0.mysql_aurora.3.06.0"));
    let p = run(&cl, &l);
    assert!(!p.has_changes());
    assert!(
        p.warnings[0].contains("a minor upgrade"),
        "{:?}",
        p.warnings
    );
    // A prefix of the major version is met by any Aurora MySQL 3 release.
    cl[0].set("engine_version", Value::str("8.0"));
    let p = run(&cl, &l);
    assert!(!p.has_changes() && p.warnings.is_empty());
    // Aurora MySQL 2 (5.7) is another major version: going back is still a downgrade.
    cl[0].set("engine_version", Value::str("5.7.mysql_aurora.2.11.2"));
    assert!(errors(&cl, &l)[0].contains("would downgrade"));
}

#[test]
fn major_versions_follow_each_engine() {
    use crate::model::versions::{is_major_change, major_version};
    assert_eq!(major_version("postgres", "16.4"), "16");
    assert_eq!(major_version("postgres", "9.6.24"), "9.6");
    assert_eq!(major_version("aurora-postgresql", "15.4"), "15");
    assert_eq!(major_version("mysql", "8.0.35"), "8.0");
    assert_eq!(
        major_version("aurora-mysql", "8.0.mysql_aurora.3.05.2"),
        "8.0"
    );
    assert_eq!(
        major_version("oracle-ee", "19.0.0.0.ru-2024-01.rur-2024-01.r1"),
        "19"
    );
    assert!(is_major_change("postgres", "15.5", "16"));
    assert!(!is_major_change("postgres", "16.1", "16.4"));
    assert!(is_major_change("mysql", "8.0.35", "8.4"));
}

#[test]
fn a_replica_of_an_instance_without_backups_is_a_plan_error() {
    let mut d = all();
    d[4].set("backup_retention_days", Value::Int(0));
    d.push(replica());
    let e = errors(&d, &Live::default());
    assert!(e[0].contains("has backup_retention_days = 0"), "{e:?}");
    d[4].set("backup_retention_days", Value::Int(1));
    run(&d, &Live::default());
}

#[test]
fn pending_values_live_in_their_own_field_and_not_in_the_attributes() {
    let mut l = live(&all());
    l.resources[4] = l.resources[4]
        .clone()
        .with_pending("instance_class", Value::str("db.t3.small"));
    let json = serde_json::to_value(&l.resources[4]).unwrap();
    assert_eq!(json["pending"]["instance_class"], "db.t3.small");
    assert!(json["attrs"].get("pending.instance_class").is_none());
}

// ---- Parameter groups ----

fn pgroup(params: &[(&str, &str)]) -> Resource {
    Resource::new(
        a("parameter_group.pg"),
        Kind::ParameterGroup,
        "t-pg-mysql8-0",
    )
    .with("family", Value::str("mysql8.0"))
    .with("description", Value::str("managed by rdsplan"))
    .with(
        "parameters",
        Value::Map(
            params
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        ),
    )
}

#[test]
fn each_parameter_change_has_its_own_timing_and_a_dropped_one_is_reset() {
    let d = vec![
        pgroup(&[
            ("max_connections", "500"),
            ("slow_query_log", "1"),
            ("innodb_buffer_pool_size", "1024"),
        ]),
        db().with("parameter_group", Value::str("parameter_group.pg")),
    ];
    let mut l = live(&[
        pgroup(&[
            ("max_connections", "100"),
            ("slow_query_log", "1"),
            ("long_query_time", "2"),
        ]),
        db().with("parameter_group", Value::str("parameter_group.pg")),
    ]);
    l.parameter_apply_types.insert(
        "mysql8.0".into(),
        [
            ("max_connections".to_string(), "dynamic".to_string()),
            ("innodb_buffer_pool_size".to_string(), "static".to_string()),
        ]
        .into(),
    );
    let p = run(&d, &l);
    let c = change(&p, "parameter_group.pg");
    assert_eq!(c.action, Action::Update);
    let diff = |n: &str| {
        c.diffs
            .iter()
            .find(|x| x.name == n)
            .unwrap_or_else(|| panic!("{n}: {:?}", c.diffs))
    };
    assert_eq!(
        diff("parameters.max_connections").timing,
        Some(timing::Timing::Immediate)
    );
    assert_eq!(
        diff("parameters.innodb_buffer_pool_size").timing,
        Some(timing::Timing::AfterReboot)
    );
    // Dropped from the files: reset to the engine default (no `after`); its apply type is
    // unknown, so it waits for a reboot.
    let reset = diff("parameters.long_query_time");
    assert_eq!(
        (reset.before.clone(), reset.after.clone()),
        (Some(Value::str("2")), None)
    );
    assert_eq!(reset.timing, Some(timing::Timing::AfterReboot));
    assert_eq!(c.diffs.len(), 3, "slow_query_log is unchanged");
    // The database that must reboot is named.
    assert!(
        p.warnings
            .iter()
            .any(|w| w.contains("innodb_buffer_pool_size")
                && w.contains("instance.orders (t-orders)")),
        "{:?}",
        p.warnings
    );
}

#[test]
fn parameter_values_compare_as_aws_stores_them() {
    let d = vec![pgroup(&[("general_log", "ON"), ("time_zone", "UTC")])];
    let l = live(&[pgroup(&[("general_log", "on"), ("time_zone", "utc")])]);
    assert!(!run(&d, &l).has_changes());
}

#[test]
fn a_database_waiting_for_a_reboot_is_shown_as_pending() {
    let mut l = live(&all());
    l.resources[4].set("parameter_apply_status", Value::str("pending-reboot"));
    let p = run(&all(), &l);
    assert!(!p.has_changes());
    let c = change(&p, "instance.orders");
    assert_eq!(c.pending[0].name, "reboot");
    assert_eq!(c.pending[0].timing, Some(timing::Timing::AfterReboot));
    assert!(
        p.warnings[0].contains("needs a reboot for changes pending a reboot in AWS"),
        "{:?}",
        p.warnings
    );
    assert!(p.warnings[0].contains("set allow_reboot = true"));
    assert_eq!(c.reboot, None);
    // Allowed to reboot: apply will, and says why.
    let mut d = all();
    d[4].set("allow_reboot", Value::Bool(true));
    let p = run(&d, &l);
    let c = change(&p, "instance.orders");
    assert_eq!(c.action, Action::Update);
    assert_eq!(c.reboot.as_deref(), Some("changes pending a reboot in AWS"));
    assert!(p.warnings.is_empty(), "{:?}", p.warnings);
}

#[test]
fn a_static_parameter_change_reboots_the_databases_that_allow_it_and_names_the_others() {
    let d = vec![
        pgroup(&[("innodb_buffer_pool_size", "2048")]),
        db().with("parameter_group", Value::str("parameter_group.pg"))
            .with("allow_reboot", Value::Bool(true)),
        replica()
            .with("parameter_group", Value::str("parameter_group.pg"))
            .with("allow_reboot", Value::Bool(false)),
    ];
    let mut l = live(&d);
    l.resources[0].set(
        "parameters",
        Value::Map([("innodb_buffer_pool_size".to_string(), "1024".to_string())].into()),
    );
    let p = run(&d, &l);
    let i = change(&p, "instance.orders");
    assert_eq!(i.action, Action::Update);
    assert_eq!(
        i.reboot.as_deref(),
        Some("parameter_group.pg (parameters.innodb_buffer_pool_size)")
    );
    let r = change(&p, "replica.ro");
    assert_eq!((r.action, r.reboot.clone()), (Action::NoOp, None));
    assert!(
        p.warnings
            .iter()
            .any(|w| w.starts_with("replica.ro (t-ro) needs a reboot for parameter_group.pg")),
        "{:?}",
        p.warnings
    );
    // A dynamic one needs no reboot.
    let mut l2 = l.clone();
    l2.parameter_apply_types.insert(
        "mysql8.0".into(),
        [("innodb_buffer_pool_size".to_string(), "dynamic".to_string())].into(),
    );
    let p = run(&d, &l2);
    assert_eq!(change(&p, "instance.orders").reboot, None);
    assert!(p.warnings.is_empty(), "{:?}", p.warnings);
}

#[test]
fn a_new_family_replaces_the_group_and_moves_its_databases_without_allow_destroy() {
    let mut new = pgroup(&[]).with("family", Value::str("mysql8.4"));
    new.name = "t-pg-mysql8-4".into();
    let d = vec![
        new,
        db().with("parameter_group", Value::str("parameter_group.pg")),
    ];
    let l = live(&[
        pgroup(&[]),
        db().with("parameter_group", Value::str("parameter_group.pg")),
    ]);
    let p = run(&d, &l);
    let g = change(&p, "parameter_group.pg");
    assert_eq!(g.action, Action::Replace);
    assert!(!g.needs_allow_destroy());
    let i = change(&p, "instance.orders");
    assert_eq!(i.action, Action::Update);
    assert_eq!(i.diffs[0].name, "parameter_group");
    assert_eq!(i.diffs[0].after, Some(Value::unknown()));
    assert_eq!(i.diffs[0].timing, Some(timing::Timing::AfterReboot));
    // The reviewer is told both groups' names, not only "known after apply".
    assert!(
        i.notes
            .iter()
            .any(|n| n.contains("moves from `t-pg-mysql8-0` to `t-pg-mysql8-4`")),
        "{:?}",
        i.notes
    );
}

#[test]
fn a_group_adopted_under_its_own_name_is_replaced_only_under_a_new_name() {
    // The family changes but the name (an `identifier`) stays: AWS cannot make the new group.
    let d = vec![
        pgroup(&[]).with("family", Value::str("mysql8.4")),
        db().with("parameter_group", Value::str("parameter_group.pg")),
    ];
    let l = live(&[
        pgroup(&[]),
        db().with("parameter_group", Value::str("parameter_group.pg")),
    ]);
    let e = errors(&d, &l);
    assert!(
        e[0].contains("changing family needs a new group") && e[0].contains("t-pg-mysql8-0"),
        "{e:?}"
    );
    // Only the name changes (an `identifier` removed): the group is replaced, the new one
    // first, and its databases move to it without --allow-destroy.
    let mut renamed = pgroup(&[]);
    renamed.name = "t-pg-mysql8-0".into();
    let mut adopted = pgroup(&[]);
    adopted.name = "legacy-pg".into();
    let d = vec![
        renamed,
        db().with("parameter_group", Value::str("parameter_group.pg")),
    ];
    let l = live(&[
        adopted,
        db().with("parameter_group", Value::str("parameter_group.pg")),
    ]);
    let p = run(&d, &l);
    let g = change(&p, "parameter_group.pg");
    assert_eq!(g.action, Action::Replace);
    assert_eq!(g.diffs[0].name, "identifier");
    assert_eq!(g.diffs[0].before, Some(Value::str("legacy-pg")));
    assert!(!g.needs_allow_destroy());
}

#[test]
fn a_group_named_by_an_aws_name_that_does_not_exist_is_a_plan_error() {
    let d = vec![db().with("option_group", Value::str("team-audit"))];
    let mut l = Live::default();
    assert!(plan("t", "r", &d, &l).is_ok());
    l.missing_groups
        .push((Kind::OptionGroup, "team-audit".into()));
    let e = errors(&d, &l);
    assert!(
        e[0].contains("option_group `team-audit` is not a group of this environment and does not exist in AWS"),
        "{e:?}"
    );
}

#[test]
fn a_blue_green_upgrade_is_named_switched_over_at_once_and_needs_no_reboot() {
    let mut d = all();
    d[4].set("engine_version", Value::str("8.4"));
    d[4].set("allow_major_version_upgrade", Value::Bool(true));
    d[4].set("upgrade", Value::str("blue-green"));
    d[4].set("allow_reboot", Value::Bool(true));
    let p = run(&d, &live(&all()));
    let c = change(&p, "instance.orders");
    assert_eq!(c.action, Action::Update);
    assert_eq!(c.diffs[0].timing, Some(timing::Timing::Immediate));
    assert!(
        c.notes
            .iter()
            .any(|n| n.contains("through a blue/green deployment")),
        "{:?}",
        c.notes
    );
    assert!(c.notes.iter().any(|n| n.contains("t-orders-old1")));
    assert!(
        !c.notes.iter().any(|n| n.contains("in-place upgrade")),
        "{:?}",
        c.notes
    );
    assert_eq!(c.reboot, None);
    // In place (the default), the same change waits for the window.
    d[4].set("upgrade", Value::str("in-place"));
    let c = change(&run(&d, &live(&all())), "instance.orders").clone();
    assert_eq!(c.diffs[0].timing, Some(timing::Timing::MaintenanceWindow));
}

#[test]
fn a_mysql_major_upgrade_upgrades_the_replicas_first_and_postgres_does_not() {
    let mut d = all();
    d.push(replica());
    let l = live(&d);
    d[4].set("engine_version", Value::str("8.4"));
    d[4].set("allow_major_version_upgrade", Value::Bool(true));
    let p = run(&d, &l);
    let r = change(&p, "replica.ro");
    assert_eq!(r.action, Action::Update);
    assert_eq!(r.diffs[0].name, "engine_version");
    assert_eq!(r.diffs[0].after, Some(Value::str("8.4")));
    assert_eq!(
        r.after
            .as_ref()
            .unwrap()
            .bool("allow_major_version_upgrade"),
        Some(true)
    );
    assert!(r.notes[0].contains("before it"), "{:?}", r.notes);
    // PostgreSQL upgrades in-region replicas with the source.
    let mut d = all();
    d[4].set("engine", Value::str("postgres"));
    d[4].set("engine_version", Value::str("15"));
    d.push(replica());
    let l = live(&d);
    d[4].set("engine_version", Value::str("16"));
    d[4].set("allow_major_version_upgrade", Value::Bool(true));
    let p = run(&d, &l);
    assert_eq!(change(&p, "replica.ro").action, Action::NoOp);
}

#[test]
fn a_parameter_set_to_its_engine_default_is_no_perpetual_diff() {
    // AWS does not list a parameter equal to its default as set by the user.
    let d = vec![pgroup(&[("max_connections", "500"), ("autocommit", "1")])];
    let mut l = live(&[pgroup(&[("max_connections", "500")])]);
    assert!(
        run(&d, &l).has_changes(),
        "without the defaults, it looks missing"
    );
    l.parameter_defaults.insert(
        "mysql8.0".into(),
        [("autocommit".to_string(), "1".to_string())].into(),
    );
    assert!(!run(&d, &l).has_changes());
    // Another value than the default is still a change.
    let d = vec![pgroup(&[("max_connections", "500"), ("autocommit", "0")])];
    assert!(run(&d, &l).has_changes());
}

/// A database restored by a run that stopped before the follow-up Modify carries the
/// restore-pending marker: the plan finishes it (an update, also while AWS still creates it),
/// and the marker gone, nothing is planned.
#[test]
fn a_restore_left_unfinished_is_finished_by_the_next_plan() {
    let d = all();
    for status in ["available", "creating"] {
        let mut l = live(&all());
        l.resources[4].set("restore_pending", Value::Bool(true));
        l.resources[4].set("status", Value::str(status));
        let p = run(&d, &l);
        let c = change(&p, "instance.orders");
        assert_eq!(c.action, Action::Update, "{status}");
        assert!(
            c.diffs
                .iter()
                .any(|x| x.name == compare::RESTORE_FINISH
                    && x.after == Some(Value::str("finished"))),
            "{status}: {:#?}",
            c.diffs
        );
    }
    assert!(!run(&d, &live(&all())).has_changes());
}

/// The member exception covers readers only: removing the writer needs --allow-destroy, and
/// the plan says it is the writer.
#[test]
fn deleting_a_clusters_writer_needs_allow_destroy() {
    let d = cluster_and_members();
    let mut l = live(&d);
    let w = l
        .resources
        .iter_mut()
        .find(|r| r.address.as_str() == "cluster.c.instance.b")
        .unwrap();
    w.set(crate::model::IS_WRITER, Value::Bool(true));
    let mut fewer = d.clone();
    fewer.pop();
    fewer[0].set("members", Value::List(vec!["a".into()]));
    let p = run(&fewer, &l);
    let m = change(&p, "cluster.c.instance.b");
    assert_eq!(m.action, Action::Delete);
    assert!(m.needs_allow_destroy());
    assert!(
        m.notes.iter().any(|n| n.contains("writer")),
        "{:?}",
        m.notes
    );
}

/// A generated secret is never deleted while the database it records runs and stays: only
/// with its database (deleted in the same plan) does it go.
#[test]
fn a_secret_whose_database_still_runs_is_kept() {
    let secret = Resource::new(
        a("instance.orders.secret"),
        Kind::Secret,
        "rdsplan/t/orders",
    )
    .with("db_instance_identifier", Value::str("t-orders"));
    let mut l = live(&[]);
    l.resources.push(secret.clone());
    l.foreign.push(Foreign {
        kind: Kind::Instance,
        name: "t-orders".into(),
        id: "arn:aws:rds:us-west-2:1:db:t-orders".into(),
    });
    let p = run(&[], &l);
    assert!(
        p.changes.iter().all(|c| c.action != Action::Delete),
        "{:#?}",
        p.changes
    );
    assert!(
        p.warnings.iter().any(|w| w.contains("is kept")),
        "{:?}",
        p.warnings
    );
    // Its database deleted by the same plan: both go.
    let mut l = live(&[db()]);
    l.resources.push(secret);
    let p = run(&[], &l);
    assert_eq!(change(&p, "instance.orders.secret").action, Action::Delete);
    assert_eq!(change(&p, "instance.orders").action, Action::Delete);
}

/// More rules than AWS's default quota per group is a warning (quotas can be raised).
#[test]
fn rules_over_the_default_quota_are_a_warning() {
    let rules: Vec<crate::model::Rule> = (0..61)
        .map(|i| crate::model::Rule {
            protocol: "tcp".into(),
            from_port: 5432,
            to_port: 5432,
            source: format!("10.0.{i}.0/24"),
            description: None,
        })
        .collect();
    let g = group().with("ingress", Value::Rules(rules));
    let p = run(&[vpc("10.0.0.0/16"), g], &Live::default());
    assert!(
        p.warnings.iter().any(|w| w.contains("61 ingress rules")),
        "{:?}",
        p.warnings
    );
    assert!(run(&[vpc("10.0.0.0/16"), group()], &Live::default())
        .warnings
        .is_empty());
}

/// The old instance of a blue/green upgrade is kept and reported (no change to make, no
/// --allow-destroy asked for); one a stopped run left under the instance's own address is told
/// by its `-old1` name, never a duplicate, and an update finishes the upgrade; the files'
/// `retire_old = true` deletes it without --allow-destroy.
#[test]
fn the_old_instance_of_a_blue_green_upgrade_is_kept_until_retired() {
    use crate::model::{mark_retained_olds, RETAINED_OLD};
    let d = all();
    let mut old = live_of(&db());
    old.name = "t-orders-old1".into();
    old.id = Some("arn-old".into());
    // A run stopped before the retag: both carry instance.orders.
    let mut resources = live(&all()).resources;
    resources.push(old.clone());
    mark_retained_olds(&mut resources);
    let l = Live {
        resources,
        ..live(&all())
    };
    assert!(l.duplicates.is_empty());
    let p = run(&d, &l);
    let c = change(&p, "instance.orders.old1");
    assert_eq!(c.action, Action::Update);
    assert!(!c.needs_allow_destroy());
    assert_eq!(change(&p, "instance.orders").action, Action::NoOp);
    // Retagged: kept, nothing to do, reported.
    let mut l = l;
    for r in l.resources.iter_mut() {
        r.attrs.remove(crate::model::RETAG_PENDING);
    }
    let p = run(&d, &l);
    assert!(!p.has_changes(), "{:#?}", p.changes);
    assert!(
        p.warnings.iter().any(|w| w.contains("is kept")),
        "{:?}",
        p.warnings
    );
    assert_eq!(
        change(&p, "instance.orders.old1")
            .before
            .as_ref()
            .and_then(|b| b.str(RETAINED_OLD)),
        Some("instance.orders")
    );
    // Retired by the files.
    let mut retire = all();
    retire[4].set("retire_old", Value::Bool(true));
    let p = run(&retire, &l);
    let c = change(&p, "instance.orders.old1");
    assert_eq!(c.action, Action::Delete);
    assert!(!c.needs_allow_destroy());
}

/// A blue/green upgrade of a source with live read replicas is refused at plan time.
#[test]
fn a_blue_green_upgrade_of_a_source_with_replicas_is_refused() {
    let mut d = all();
    d[4].set("upgrade", Value::str("blue-green"));
    d[4].set("engine_version", Value::str("8.4"));
    d[4].set("allow_major_version_upgrade", Value::Bool(true));
    let mut l = live(&all());
    l.resources.push(
        Resource::new(a("replica.ro"), Kind::Replica, "t-ro")
            .with("source", Value::str("instance.orders")),
    );
    let e = errors(&d, &l);
    assert!(e.iter().any(|m| m.contains("has read replicas")), "{e:?}");
}

/// The Performance Insights key is set once: a change of it is a plan error, setting it when
/// Performance Insights is first turned on is an update.
#[test]
fn the_performance_insights_key_cannot_change_once_set() {
    let key = |k: &str| {
        let mut d = all();
        d[4].set("performance_insights", Value::Bool(true));
        d[4].set("performance_insights_kms_key", Value::str(k));
        d
    };
    let mut l = live(&key("arn:aws:kms:us-west-2:1:key/a"));
    let e = errors(&key("arn:aws:kms:us-west-2:1:key/b"), &l);
    assert!(
        e.iter().any(|m| m.contains("cannot change once set")),
        "{e:?}"
    );
    l.resources[4].attrs.remove("performance_insights_kms_key");
    let p = run(&key("arn:aws:kms:us-west-2:1:key/b"), &l);
    assert_eq!(change(&p, "instance.orders").action, Action::Update);
}
