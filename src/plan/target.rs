//! `--target ADDRESS`: a partial plan of the targets, what they depend on (transitively), and
//! what belongs to them (a cluster's members, a VPC's subnets: addresses under the target's),
//! as Terraform's `-target`. Everything else is neither shown nor applied, and the plan says
//! so in its first warning.

use super::Plan;
use crate::model::Address;
use std::collections::BTreeSet;

/// Keeps the targets' changes and their dependencies'; an address the plan does not know is an
/// error (returned by name).
pub fn restrict(plan: &mut Plan, targets: &[Address]) -> Result<(), Vec<String>> {
    if targets.is_empty() {
        return Ok(());
    }
    let known: BTreeSet<&Address> = plan.changes.iter().map(|c| &c.address).collect();
    let unknown: Vec<String> = targets
        .iter()
        .filter(|t| !known.contains(t))
        .map(|t| t.0.clone())
        .collect();
    if !unknown.is_empty() {
        return Err(unknown);
    }
    let owned_by = |a: &Address, t: &Address| a.0.starts_with(&format!("{}.", t.0));
    let mut keep: BTreeSet<Address> = BTreeSet::new();
    let mut todo: Vec<Address> = plan
        .changes
        .iter()
        .map(|c| &c.address)
        .filter(|a| targets.iter().any(|t| *a == t || owned_by(a, t)))
        .cloned()
        .collect();
    while let Some(a) = todo.pop() {
        if !keep.insert(a.clone()) {
            continue;
        }
        if let Some(c) = plan.changes.iter().find(|c| c.address == a) {
            for side in [&c.after, &c.before].into_iter().flatten() {
                todo.extend(side.deps().into_iter().filter(|d| known.contains(d)));
            }
        }
    }
    plan.changes.retain(|c| keep.contains(&c.address));
    plan.duplicates.retain(|d| keep.contains(&d.address));
    let names: Vec<&str> = targets.iter().map(|t| t.as_str()).collect();
    plan.warnings.insert(
        0,
        format!(
            "partial plan (--target {}): only these resources and what they depend on; every other change is neither shown nor applied. Plan without --target to see the whole environment.",
            names.join(", ")
        ),
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Live, Value};
    use crate::plan::tests::{all, run};

    #[test]
    fn a_target_keeps_what_it_depends_on_and_nothing_else() {
        let mut d = all();
        d.push(
            crate::model::Resource::new(
                Address::new("security_group", "other"),
                crate::model::Kind::SecurityGroup,
                "t-other",
            )
            .with("vpc", Value::str("vpc.main"))
            .with("description", Value::str("x")),
        );
        let mut p = run(&d, &Live::default());
        restrict(&mut p, &[Address("instance.orders".into())]).unwrap();
        let kept: BTreeSet<&str> = p.changes.iter().map(|c| c.address.as_str()).collect();
        assert!(kept.contains("instance.orders"));
        assert!(kept.contains("vpc.main"), "{kept:?}");
        assert!(kept.contains("vpc.main.db_subnet_group"), "{kept:?}");
        assert!(kept.contains("security_group.db"), "{kept:?}");
        assert!(!kept.contains("security_group.other"), "{kept:?}");
        assert!(p.warnings[0].starts_with("partial plan (--target instance.orders)"));
    }

    #[test]
    fn a_target_takes_what_belongs_to_it_and_an_unknown_one_is_an_error() {
        let mut p = run(&all(), &Live::default());
        restrict(&mut p, &[Address("vpc.main".into())]).unwrap();
        let kept: Vec<&str> = p.changes.iter().map(|c| c.address.as_str()).collect();
        assert!(kept.contains(&"vpc.main.subnet.us-west-2a"), "{kept:?}");
        assert!(!kept.contains(&"instance.orders"), "{kept:?}");
        let mut p = run(&all(), &Live::default());
        assert_eq!(
            restrict(&mut p, &[Address("instance.nope".into())]),
            Err(vec!["instance.nope".to_string()])
        );
    }
}
