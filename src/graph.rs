//! Dependency ordering. Creates go forward (a resource after what it needs), deletes in reverse.

use crate::model::Address;
use petgraph::algo::toposort;
use petgraph::graph::DiGraph;
use std::collections::HashMap;

/// Indexes of `nodes` in dependency order (dependencies first, ties kept in input order).
/// Dependencies outside `nodes` are ignored. `Err` names a resource on a cycle.
pub fn order(nodes: &[(Address, Vec<Address>)]) -> Result<Vec<usize>, Address> {
    let mut g = DiGraph::<usize, ()>::new();
    let idx: Vec<_> = (0..nodes.len()).map(|i| g.add_node(i)).collect();
    let by_addr: HashMap<&Address, usize> =
        nodes.iter().enumerate().map(|(i, (a, _))| (a, i)).collect();
    // Edges are added in reverse input order so that petgraph's DFS-based toposort keeps
    // unrelated nodes in input order, which keeps plans stable and readable.
    for (i, (_, deps)) in nodes.iter().enumerate().rev() {
        for d in deps {
            if let Some(&j) = by_addr.get(d) {
                g.add_edge(idx[j], idx[i], ());
            }
        }
    }
    toposort(&g, None)
        .map(|o| o.into_iter().map(|n| g[n]).collect())
        .map_err(|c| nodes[g[c.node_id()]].0.clone())
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
}
