//! A plan that deletes one resource and creates another of the same kind with the same
//! settings is most likely a rename in the files: say so, and show the `[[moved]]` entry that
//! keeps the resource (and its data) instead.

use super::{Action, Change};
use crate::model::{Address, Live};

/// `KIND.NAME` addresses only (not a VPC's subnets or an instance's secret, which follow).
fn declared(a: &Address) -> bool {
    a.as_str().matches('.').count() == 1
}

/// Whether the live resource, were it moved to the desired one's address, would need no
/// change but its tags and identifier.
fn same_settings(delete: &Change, create: &Change, live: &Live) -> bool {
    let (Some(l), Some(d)) = (&delete.before, &create.after) else {
        return false;
    };
    let mut one = Live {
        resources: vec![l.clone()],
        ..Default::default()
    };
    super::moved::apply(&mut one, &[(l.address.clone(), d.address.clone())]);
    let moved = &one.resources[0];
    let c = super::compare::compare(d, moved, live, &mut vec![], &mut vec![]);
    c.diffs
        .iter()
        .all(|x| x.name == "tags" || x.name == "identifier")
}

pub(super) fn hint(changes: &[Change], live: &Live, warnings: &mut Vec<String>) {
    let mut paired: Vec<&Address> = Vec::new();
    for del in changes
        .iter()
        .filter(|c| c.action == Action::Delete && declared(&c.address))
    {
        let found = changes.iter().find(|c| {
            c.action == Action::Create
                && c.kind == del.kind
                && declared(&c.address)
                && !paired.contains(&&c.address)
                && same_settings(del, c, live)
        });
        if let Some(new) = found {
            paired.push(&new.address);
            warnings.push(format!(
                "{old} would be deleted and {new} created with the same settings: this looks like a rename. To keep the resource (retagged, and renamed in place where AWS allows) instead, add to the files:\n\n    [[moved]]\n    from = \"{old}\"\n    to = \"{new}\"\n",
                old = del.address,
                new = new.address
            ));
        }
    }
}
