//! Dependency ordering. Creates go forward (a resource after what it needs), deletes in reverse.

use crate::model::Address;
use petgraph::graph::DiGraph;
use petgraph::Direction;
use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};

/// Indexes of `nodes` in dependency order: dependencies first, and among nodes that are ready
/// together, input order (Kahn's algorithm with the smallest ready index first), so plans are
/// stable and read in the order the files were written. Dependencies outside `nodes` are
/// ignored. `Err` names a resource on a cycle.
pub fn order(nodes: &[(Address, Vec<Address>)]) -> Result<Vec<usize>, Address> {
    let mut g = DiGraph::<usize, ()>::new();
    let idx: Vec<_> = (0..nodes.len()).map(|i| g.add_node(i)).collect();
    let by_addr: HashMap<&Address, usize> =
        nodes.iter().enumerate().map(|(i, (a, _))| (a, i)).collect();
    // Each edge once (a set, not `update_edge`, which scans the node's edges: quadratic when
    // thousands of databases need one subnet group).
    let mut edges = std::collections::HashSet::new();
    for (i, (_, deps)) in nodes.iter().enumerate() {
        for d in deps {
            if let Some(&j) = by_addr.get(d) {
                if j != i && edges.insert((j, i)) {
                    g.add_edge(idx[j], idx[i], ());
                }
            }
        }
    }
    let mut indegree: Vec<usize> = idx
        .iter()
        .map(|&n| g.neighbors_directed(n, Direction::Incoming).count())
        .collect();
    let mut ready: BinaryHeap<Reverse<usize>> = (0..nodes.len())
        .filter(|&i| indegree[i] == 0)
        .map(Reverse)
        .collect();
    let mut out = Vec::with_capacity(nodes.len());
    while let Some(Reverse(i)) = ready.pop() {
        out.push(i);
        for n in g.neighbors_directed(idx[i], Direction::Outgoing) {
            let j = g[n];
            indegree[j] -= 1;
            if indegree[j] == 0 {
                ready.push(Reverse(j));
            }
        }
    }
    match (0..nodes.len()).find(|&i| indegree[i] > 0) {
        Some(i) => Err(nodes[i].0.clone()),
        None => Ok(out),
    }
}

/// A cycle reached from `start` (the node [`order`] named), as addresses each depending on the
/// next, the first repeated last; just `start` when none is found.
pub fn cycle(nodes: &[(Address, Vec<Address>)], start: &Address) -> Vec<Address> {
    let deps: HashMap<&Address, &Vec<Address>> = nodes.iter().map(|(a, d)| (a, d)).collect();
    // Depth first along dependencies: a node [`order`] could not place has a dependency left,
    // which leads into a cycle; the first dependency already on the path closes it.
    let mut path: Vec<&Address> = vec![start];
    let mut seen = std::collections::HashSet::from([start]);
    while let Some(&cur) = path.last() {
        let mut ds = deps
            .get(cur)
            .into_iter()
            .flat_map(|d| d.iter())
            .filter(|d| *d != cur && deps.contains_key(d));
        if let Some(n) = ds.clone().find(|d| path.contains(d)) {
            let from = path.iter().position(|p| *p == n).unwrap_or(0);
            let mut out: Vec<Address> = path[from..].iter().map(|a| (*a).clone()).collect();
            out.push(n.clone());
            return out;
        }
        match ds.find(|d| !seen.contains(d)) {
            Some(n) => {
                seen.insert(n);
                path.push(n);
            }
            None => {
                path.pop();
            }
        }
    }
    vec![start.clone()]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn a(s: &str) -> Address {
        Address(s.into())
    }

    #[test]
    fn dependencies_come_first() {
        let nodes = vec![
            (a("instance.x"), vec![a("security_group.db"), a("vpc.main")]),
            (a("security_group.db"), vec![a("vpc.main")]),
            (a("vpc.main"), vec![]),
        ];
        let o = order(&nodes).unwrap();
        let names: Vec<&str> = o.iter().map(|&i| nodes[i].0.as_str()).collect();
        assert_eq!(names, ["vpc.main", "security_group.db", "instance.x"]);
    }

    #[test]
    fn cycles_are_reported() {
        let nodes = vec![
            (a("security_group.a"), vec![a("security_group.b")]),
            (a("security_group.b"), vec![a("security_group.a")]),
        ];
        assert!(order(&nodes).is_err());
    }

    #[test]
    fn a_cycle_is_named_member_by_member() {
        let nodes = vec![
            (a("replica.x"), vec![a("replica.y")]),
            (a("replica.y"), vec![a("replica.z")]),
            (a("replica.z"), vec![a("replica.y")]),
        ];
        let start = order(&nodes).unwrap_err();
        let c = cycle(&nodes, &start);
        assert_eq!(c.first(), c.last());
        assert!(
            c.contains(&a("replica.y")) && c.contains(&a("replica.z")),
            "{c:?}"
        );
        assert!(c.len() == 3, "{c:?}");
    }
}
