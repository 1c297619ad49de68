//! Which parameter and option groups outside the environment's name prefix are its own: groups
//! adopted under the names they had (`identifier`). The describe calls list every group of the
//! region without tags, so a reader keeps only candidates: the prefixed names, the identifiers
//! the files give, and the names the tagging API finds under the environment's tag (so that a
//! group whose `identifier` left the files is still read, replaced and deleted, never
//! forgotten in AWS).

use crate::aws::tags::{arns_of, Tagged, TaggedOnce};
use std::collections::BTreeSet;

/// What the parameter and option groups' readers need of a read of the environment.
pub struct GroupRead<'a> {
    pub env: &'a str,
    /// The AWS names the files give groups with `identifier`.
    pub identifiers: &'a [String],
    /// The environment's RDS resources by tag, read once for all readers.
    pub tagged: &'a TaggedOnce,
    /// The run's shared region-wide reads (drift over several environments).
    pub shared: Option<&'a crate::aws::shared::RegionReads>,
}

/// The names of the groups of these kinds (`pg`, `cluster-pg`, `og`: an RDS ARN's resource
/// part) that are the environment's apart from the prefix: the files' identifiers and what the
/// tagging API lists under the environment's tag.
pub fn apart(tagged: &Tagged, kinds: &[&str], from_files: &[String]) -> BTreeSet<String> {
    let mut names: BTreeSet<String> = from_files.iter().cloned().collect();
    names.extend(
        arns_of(tagged, kinds)
            .filter_map(super::db::scope::arn_kind_and_id)
            .map(|(_, name)| name.to_string()),
    );
    names
}

#[cfg(test)]
mod tests {
    #[test]
    fn groups_outside_the_prefix_are_the_files_identifiers_and_the_tagged_ones() {
        // A group whose `identifier` left the files is still found by its tags (moto's tagging
        // API lists no groups, so this is shown on AWS's answer).
        let tagged = std::sync::Arc::new(vec![
            ("arn:aws:rds:us-west-2:1:pg:legacy-pg".to_string(), vec![]),
            (
                "arn:aws:rds:us-west-2:1:cluster-pg:reports".to_string(),
                vec![],
            ),
            (
                "arn:aws:rds:us-west-2:1:og:an-option-group".to_string(),
                vec![],
            ),
            ("arn:aws:rds:us-west-2:1:db:a-database".to_string(), vec![]),
        ]);
        let names = super::apart(&tagged, &["pg", "cluster-pg"], &["orders-params".into()]);
        assert_eq!(
            names.into_iter().collect::<Vec<_>>(),
            ["legacy-pg", "orders-params", "reports"]
        );
    }
}
