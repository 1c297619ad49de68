//! The planner's branches for renames (`[[moved]]`, identifiers), the rename hint, and VPCs
//! that hold resources the environment does not own.

use super::tests::{a, all, change, db, errors, group, live, run, vpc};
use super::*;
use crate::model::{Live, MoveOutcome, Value};

/// Live state with `instance.orders` moved to `instance.main` as the reader does it.
fn moved_live() -> Live {
    let mut l = live(&all());
    crate::plan::moved::apply(&mut l, &[(a("instance.orders"), a("instance.main"))]);
    l
}

fn renamed(addr: &str, ident: &str) -> Resource {
    let mut d = db();
    d.address = a(addr);
    d.name = ident.into();
    d
}

fn with(rs: Vec<Resource>, replace: &str, r: Resource) -> Vec<Resource> {
    rs.into_iter()
        .map(|x| {
            if x.address.as_str() == replace {
                r.clone()
            } else {
                x
            }
        })
        .collect()
}

#[test]
fn a_moved_instance_is_updated_in_place_renamed_and_nothing_is_deleted() {
    let desired = with(all(), "instance.orders", renamed("instance.main", "t-main"));
    let p = run(&desired, &moved_live());
    let c = change(&p, "instance.main");
    assert_eq!(c.action, Action::Update);
    assert_eq!(c.moved_from, Some(a("instance.orders")));
    let ident = c.diffs.iter().find(|x| x.name == "identifier").unwrap();
    assert_eq!(ident.before, Some(Value::str("t-orders")));
    assert_eq!(ident.after, Some(Value::str("t-main")));
    assert_eq!(ident.timing, Some(timing::Timing::Immediate));
    assert!(c.notes.iter().any(|n| n.contains("the endpoint changes")));
    assert_eq!(p.summary().destroy, 0);
    assert!(!c.needs_allow_destroy());
}

#[test]
fn a_moved_resource_with_an_explicit_identifier_is_only_retagged() {
    let desired = with(
        all(),
        "instance.orders",
        renamed("instance.main", "t-orders"),
    );
    let p = run(&desired, &moved_live());
    let c = change(&p, "instance.main");
    assert_eq!(c.action, Action::Update, "retagging is a change");
    assert!(c.diffs.is_empty(), "{:?}", c.diffs);
}

#[test]
fn a_new_identifier_without_a_move_is_a_rename_in_place() {
    let desired = with(
        all(),
        "instance.orders",
        renamed("instance.orders", "t-orders-v2"),
    );
    let p = run(&desired, &live(&all()));
    let c = change(&p, "instance.orders");
    assert_eq!(c.action, Action::Update);
    assert!(c.diffs.iter().any(|x| x.name == "identifier"));
    assert_eq!(c.moved_from, None);
}

#[test]
fn a_moved_group_keeps_its_aws_name() {
    let mut l = live(&all());
    crate::plan::moved::apply(
        &mut l,
        &[(a("security_group.db"), a("security_group.data"))],
    );
    let mut g = group();
    g.address = a("security_group.data");
    g.name = "t-data".into();
    let mut d = db();
    d.set(
        "security_groups",
        Value::set(["security_group.data".to_string()]),
    );
    let desired = with(with(all(), "security_group.db", g), "instance.orders", d);
    let p = run(&desired, &l);
    let c = change(&p, "security_group.data");
    assert_eq!(c.action, Action::Update);
    assert_eq!(c.name, "t-db", "AWS cannot rename a security group");
    assert_eq!(c.after.as_ref().unwrap().name, "t-db");
    assert_eq!(change(&p, "instance.orders").action, Action::NoOp);
}

#[test]
fn moves_that_found_nothing_warn_and_moves_onto_an_existing_resource_fail() {
    let mut l = live(&all());
    l.moves.push(crate::model::MoveRecord {
        from: a("instance.gone"),
        to: a("instance.orders"),
        outcome: MoveOutcome::NothingAtFrom,
    });
    let p = run(&all(), &l);
    assert!(p
        .warnings
        .iter()
        .any(|w| w.contains("this entry can be removed")));
    assert!(!p.has_changes());
    l.moves[0].outcome = MoveOutcome::BothExist;
    let e = errors(&all(), &l);
    assert!(
        e[0].contains("AWS has resources at both addresses"),
        "{e:?}"
    );
}

#[test]
fn a_delete_and_a_create_with_the_same_settings_get_a_rename_hint() {
    let desired = with(all(), "instance.orders", renamed("instance.main", "t-main"));
    let p = run(&desired, &live(&all()));
    let hint = p
        .warnings
        .iter()
        .find(|w| w.contains("looks like a rename"))
        .expect("a hint");
    assert!(hint.contains("from = \"instance.orders\"\n    to = \"instance.main\""));
    // Other settings: not a rename.
    let mut other = renamed("instance.main", "t-main");
    other.set("engine", Value::str("postgres"));
    let p = run(&with(all(), "instance.orders", other), &live(&all()));
    assert!(!p.warnings.iter().any(|w| w.contains("looks like a rename")));
}

#[test]
fn deleting_a_vpc_that_holds_foreign_resources_is_an_error() {
    let mut l = live(&[vpc("10.0.0.0/16")]);
    l.vpc_contents.insert(
        "id-vpc.main".into(),
        vec!["security group sg-1 (theirs)".into()],
    );
    let e = errors(&[], &l);
    assert!(e[0].contains("security group sg-1 (theirs)"), "{e:?}");
    assert!(e[0].contains("would be deleted"));
    // Replaced (a new CIDR): the old one is deleted too.
    let e = errors(&[vpc("10.1.0.0/16")], &l);
    assert!(e[0].contains("would be replaced"), "{e:?}");
    // Empty of foreign things: fine.
    l.vpc_contents.clear();
    assert_eq!(run(&[], &l).summary().destroy, 1);
}

#[test]
fn a_rename_onto_an_identifier_someone_else_holds_is_an_error() {
    let mut l = moved_live();
    l.foreign.push(crate::model::Foreign {
        kind: Kind::Instance,
        name: "t-main".into(),
        id: "arn:aws:rds:us-west-2:1:db:t-main".into(),
    });
    let desired = with(all(), "instance.orders", renamed("instance.main", "t-main"));
    let e = errors(&desired, &l);
    assert!(e[0].contains("cannot be renamed to t-main"), "{e:?}");
}

#[test]
fn a_duplicate_is_a_finding_and_an_empty_extra_copy_is_deleted() {
    let mut l = live(&all());
    let mut extra = crate::plan::tests::live_of(&vpc("10.0.0.0/16"));
    extra.id = Some("vpc-extra".into());
    l.duplicates.push(crate::model::DuplicateCopy {
        extra: extra.clone(),
        kept_id: "id-vpc.main".into(),
        empty: true,
    });
    let p = run(&all(), &l);
    assert_eq!(p.duplicates.len(), 1);
    assert_eq!(p.duplicates[0].id, "vpc-extra");
    let del = p
        .changes
        .iter()
        .find(|c| c.action == Action::Delete)
        .expect("the empty copy is deleted");
    assert_eq!(del.id(), Some("vpc-extra"));
    assert!(del.needs_allow_destroy());
    // Not empty: reported, never deleted.
    l.duplicates[0].empty = false;
    let p = run(&all(), &l);
    assert_eq!(p.duplicates.len(), 1);
    assert!(!p.changes.iter().any(|c| c.action == Action::Delete));
}

#[test]
fn a_database_being_created_is_shown_as_such_and_nothing_is_proposed() {
    let mut l = live(&all());
    for r in &mut l.resources {
        if r.address.as_str() == "instance.orders" {
            r.set("status", Value::str("creating"));
            r.set("instance_class", Value::str("db.t3.large"));
        }
    }
    let p = run(&all(), &l);
    let c = change(&p, "instance.orders");
    assert_eq!(c.action, Action::NoOp);
    assert!(c.diffs.is_empty());
    assert!(c.notes[0].contains("being created"));
    let text = crate::render::text::render(&p, false);
    assert!(
        text.contains("instance.orders (t-orders) is being created by AWS"),
        "{text}"
    );
}
