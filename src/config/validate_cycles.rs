//! Resources that need each other to exist first: reported by `validate` at each member's
//! declaration, so that no plan meets a cycle without a place. Rules that name other security
//! groups are no such need (the groups are made first, their rules after), so app ↔ db groups
//! are fine.

use super::diag::Diagnostic;
use super::load::{Config, Origin};
use crate::model::Address;

/// Where the files declare the resource at `a` (or what it derives from: a VPC's subnet is
/// placed at its VPC, an instance's secret at its instance).
fn declared_at<'a>(cfg: &'a Config, a: &Address) -> Option<&'a Origin> {
    let mut parts = a.as_str().splitn(3, '.');
    let (kind, name) = (parts.next()?, parts.next()?);
    cfg.origin(kind, name)
}

/// The cycle among `nodes` (address, what it needs first), if any, as one diagnostic per
/// member, each at its declaration and naming the whole cycle.
pub fn cycle_diagnostics(cfg: &Config, nodes: &[(Address, Vec<Address>)]) -> Vec<Diagnostic> {
    let Err(start) = crate::graph::order(nodes) else {
        return vec![];
    };
    let cycle = crate::graph::cycle(nodes, &start);
    let path = cycle
        .iter()
        .map(Address::as_str)
        .collect::<Vec<_>>()
        .join(" -> ");
    let mut seen = Vec::new();
    let mut out = Vec::new();
    for a in &cycle {
        if seen.contains(&a) {
            continue;
        }
        seen.push(a);
        let message = format!("{a} is part of a dependency cycle: {path}");
        let help = "each of these needs the next to exist first; remove one of the references";
        out.push(match declared_at(cfg, a) {
            Some(o) => Diagnostic::at(o.name_place(), message).help(help),
            None => Diagnostic::nowhere(message).help(help),
        });
    }
    out
}

/// The files' resources in creation order must have no cycle.
pub(super) fn check(cfg: &Config, d: &mut Vec<Diagnostic>) {
    let (desired, _) = super::expand::expand_all(cfg, &crate::model::Live::default());
    let nodes: Vec<(Address, Vec<Address>)> = desired
        .iter()
        .map(|r| (r.address.clone(), r.create_deps()))
        .collect();
    d.extend(cycle_diagnostics(cfg, &nodes));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cycle_is_reported_at_each_members_declaration() {
        let cfg = crate::config::tests::load_files(&[
            ("env.toml", crate::config::tests::ENV),
            (
                "a.toml",
                &format!(
                    "{}\n[iam_role.r]\nassumed_by = \"rds.amazonaws.com\"\n",
                    crate::config::tests::instance("")
                ),
            ),
        ])
        .unwrap();
        let a = |s: &str| Address(s.into());
        let nodes = vec![
            (a("instance.db"), vec![a("iam_role.r")]),
            (a("iam_role.r"), vec![a("instance.db")]),
        ];
        let d = cycle_diagnostics(&cfg, &nodes);
        assert_eq!(d.len(), 2, "{d:?}");
        let diags = crate::config::Diagnostics {
            files: cfg.files.clone(),
            items: d,
        };
        let places: Vec<String> = diags
            .items
            .iter()
            .map(|i| diags.location(i.place.as_ref().unwrap()))
            .map(|l| l.rsplit('/').next().unwrap().to_string())
            .collect();
        assert_eq!(places, ["a.toml:4:11", "a.toml:10:11"], "{places:?}");
        assert!(diags.items[0]
            .message
            .contains("instance.db -> iam_role.r -> instance.db"));
        // The files as they are have none: groups naming each other included.
        let mut none = Vec::new();
        check(&cfg, &mut none);
        assert!(none.is_empty(), "{none:?}");
    }
}
