//! `[[moved]]`: live resources re-addressed before planning, so that a renamed resource (and
//! everything derived from it: a VPC's subnets, an instance's secret, a cluster's members) is
//! compared with its new declaration instead of being deleted and created again. Pure.

use crate::model::{Address, Live, MoveOutcome, MoveRecord, Value, REFERENCE_ATTRS};

/// `to` + what follows `from` in `addr`, when `addr` is `from` or derives from it.
fn moved(addr: &str, from: &str, to: &str) -> Option<String> {
    if addr == from {
        return Some(to.to_string());
    }
    addr.strip_prefix(from)
        .filter(|rest| rest.starts_with('.'))
        .map(|rest| format!("{to}{rest}"))
}

/// Re-addresses the live resources of every move whose `from` AWS has (and whose `to` it has
/// not), rewriting the references other live resources make to them; records what became of
/// each move in `live.moves` and each re-addressed resource in `live.moved`.
///
/// A move that a run began and did not finish (a cluster already retagged to `to`, its members
/// still under `from`) is resumed: whatever still derives from `from` moves, unless its new
/// address is taken. Nothing of a half-done move is ever left to be deleted and created again.
pub fn apply(live: &mut Live, moves: &[(Address, Address)]) {
    for (from, to) in moves {
        let has = |a: &Address| live.resources.iter().any(|r| &r.address == a);
        let (f, t) = (from.as_str(), to.as_str());
        let derived_left = live
            .resources
            .iter()
            .any(|r| r.address != *from && moved(r.address.as_str(), f, t).is_some());
        let outcome = match (has(from), has(to)) {
            (true, true) => MoveOutcome::BothExist,
            (false, _) if derived_left => MoveOutcome::Moved,
            (false, _) => MoveOutcome::NothingAtFrom,
            (true, false) => MoveOutcome::Moved,
        };
        live.moves.push(MoveRecord {
            from: from.clone(),
            to: to.clone(),
            outcome,
        });
        if outcome != MoveOutcome::Moved {
            continue;
        }
        let taken: std::collections::BTreeSet<Address> =
            live.resources.iter().map(|r| r.address.clone()).collect();
        for r in &mut live.resources {
            if let Some(new) = moved(r.address.as_str(), f, t) {
                let new = Address(new);
                if !taken.contains(&new) {
                    let old = std::mem::replace(&mut r.address, new);
                    live.moved.insert(r.address.clone(), old);
                }
            }
            rewrite_references(&mut r.attrs, f, t);
        }
    }
    live.resources.sort_by(|a, b| a.address.cmp(&b.address));
}

fn rewrite_references(attrs: &mut crate::model::Attrs, from: &str, to: &str) {
    let re = |s: &mut String| {
        if let Some(n) = moved(s, from, to) {
            *s = n;
        }
    };
    for key in REFERENCE_ATTRS {
        match attrs.get_mut(*key) {
            Some(Value::Str(s)) => re(s),
            Some(Value::List(l)) => {
                l.iter_mut().for_each(re);
                l.sort();
            }
            _ => {}
        }
    }
    for key in ["ingress", "egress"] {
        if let Some(Value::Rules(rules)) = attrs.get_mut(key) {
            rules.iter_mut().for_each(|r| re(&mut r.source));
            rules.sort();
        }
    }
    // `iam_roles` items are `ROLE=FEATURE`.
    if let Some(Value::List(l)) = attrs.get_mut("iam_roles") {
        for item in l.iter_mut() {
            if let Some((role, feature)) = item.split_once('=') {
                if let Some(n) = moved(role, from, to) {
                    *item = format!("{n}={feature}");
                }
            }
        }
        l.sort();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Kind, Resource, Rule};

    fn a(s: &str) -> Address {
        Address(s.into())
    }

    #[test]
    fn a_move_re_addresses_the_resource_what_derives_from_it_and_references_to_it() {
        let mut live = Live {
            resources: vec![
                Resource::new(a("instance.orders"), Kind::Instance, "t-orders")
                    .with("secret", Value::str("instance.orders.secret")),
                Resource::new(
                    a("instance.orders.secret"),
                    Kind::Secret,
                    "rdsplan/t/orders",
                ),
                Resource::new(a("instance.orders-2"), Kind::Instance, "t-orders-2"),
                Resource::new(a("replica.ro"), Kind::Replica, "t-ro")
                    .with("source", Value::str("instance.orders")),
                Resource::new(a("security_group.db"), Kind::SecurityGroup, "t-db").with(
                    "ingress",
                    Value::Rules(vec![Rule {
                        protocol: "tcp".into(),
                        from_port: 5432,
                        to_port: 5432,
                        source: "security_group.app".into(),
                        description: None,
                    }]),
                ),
                Resource::new(a("security_group.app"), Kind::SecurityGroup, "t-app"),
            ],
            ..Default::default()
        };
        apply(
            &mut live,
            &[
                (a("instance.orders"), a("instance.main")),
                (a("security_group.app"), a("security_group.web")),
            ],
        );
        let find = |s: &str| {
            live.find(&a(s))
                .unwrap_or_else(|| panic!("{s} not in live"))
        };
        assert_eq!(find("instance.main").name, "t-orders");
        assert_eq!(
            find("instance.main").str("secret"),
            Some("instance.main.secret")
        );
        assert_eq!(find("instance.main.secret").name, "rdsplan/t/orders");
        assert_eq!(find("replica.ro").str("source"), Some("instance.main"));
        // A name that merely starts the same is another resource.
        assert_eq!(find("instance.orders-2").name, "t-orders-2");
        let rules = find("security_group.db")
            .get("ingress")
            .unwrap()
            .as_rules()
            .to_vec();
        assert_eq!(rules[0].source, "security_group.web");
        assert_eq!(
            live.moved.get(&a("instance.main.secret")),
            Some(&a("instance.orders.secret"))
        );
        assert!(live.moves.iter().all(|m| m.outcome == MoveOutcome::Moved));
    }

    /// A cluster a killed run already retagged to its new address, its members still under the
    /// old one: the members move too (none is deleted and made again).
    #[test]
    fn a_move_half_done_by_an_earlier_run_is_resumed() {
        let mut live = Live {
            resources: vec![
                Resource::new(a("cluster.reporting"), Kind::Cluster, "t-reporting"),
                Resource::new(
                    a("cluster.analytics.instance.a"),
                    Kind::ClusterInstance,
                    "t-analytics-a",
                )
                .with("cluster", Value::str("cluster.reporting")),
                Resource::new(
                    a("cluster.reporting.instance.b"),
                    Kind::ClusterInstance,
                    "t-reporting-b",
                ),
            ],
            ..Default::default()
        };
        apply(
            &mut live,
            &[(a("cluster.analytics"), a("cluster.reporting"))],
        );
        let addrs: Vec<&str> = live.resources.iter().map(|r| r.address.as_str()).collect();
        assert_eq!(
            addrs,
            [
                "cluster.reporting",
                "cluster.reporting.instance.a",
                "cluster.reporting.instance.b"
            ]
        );
        assert_eq!(
            live.moved.get(&a("cluster.reporting.instance.a")),
            Some(&a("cluster.analytics.instance.a"))
        );
        assert_eq!(live.moves[0].outcome, MoveOutcome::Moved);
    }

    #[test]
    fn a_move_with_nothing_at_from_or_something_at_both_ends_changes_nothing() {
        let resources = vec![
            Resource::new(a("instance.a"), Kind::Instance, "t-a"),
            Resource::new(a("instance.b"), Kind::Instance, "t-b"),
        ];
        let mut live = Live {
            resources: resources.clone(),
            ..Default::default()
        };
        apply(
            &mut live,
            &[
                (a("instance.gone"), a("instance.c")),
                (a("instance.a"), a("instance.b")),
            ],
        );
        assert_eq!(live.resources, resources);
        assert!(live.moved.is_empty());
        let outcomes: Vec<MoveOutcome> = live.moves.iter().map(|m| m.outcome).collect();
        assert_eq!(
            outcomes,
            vec![MoveOutcome::NothingAtFrom, MoveOutcome::BothExist]
        );
    }
}
