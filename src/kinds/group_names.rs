//! Which parameter and option groups outside the environment's name prefix are its own: groups
//! adopted under the names they had (`identifier`). The describe calls list every group of the
//! region without tags, so a reader keeps only candidates: the prefixed names, the identifiers
//! the files give, and the names the tagging API finds under the environment's tag (so that a
//! group whose `identifier` left the files is still read, replaced and deleted, never
//! forgotten in AWS).

use crate::aws::AwsError;
use std::collections::BTreeSet;

/// The tagging API's resource types: `rds:pg`, `rds:cluster-pg`, `rds:og`.
pub async fn apart(
    tagging: &aws_sdk_resourcegroupstagging::Client,
    env: &str,
    types: &[&str],
    from_files: &[String],
) -> Result<BTreeSet<String>, AwsError> {
    let arns = crate::aws::tags::tagged_arns(tagging, env, types).await?;
    let mut names: BTreeSet<String> = from_files.iter().cloned().collect();
    names.extend(
        arns.iter()
            .filter_map(|a| super::db::scope::arn_kind_and_id(a))
            .map(|(_, name)| name.to_string()),
    );
    Ok(names)
}

#[cfg(test)]
mod tests {
    use aws_sdk_resourcegroupstagging::operation::get_resources::GetResourcesOutput;
    use aws_sdk_resourcegroupstagging::types::ResourceTagMapping;
    use aws_sdk_resourcegroupstagging::Client;
    use aws_smithy_mocks::{mock, mock_client};

    #[tokio::test]
    async fn groups_outside_the_prefix_are_the_files_identifiers_and_the_tagged_ones() {
        // A group whose `identifier` left the files is still found by its tags (moto's tagging
        // API lists no groups, so this is shown here, on AWS's answer).
        let rule = mock!(Client::get_resources)
            .match_requests(|r| {
                r.tag_filters().first().and_then(|f| f.key()) == Some("rdsplan:environment")
                    && r.resource_type_filters() == ["rds:pg", "rds:cluster-pg"]
            })
            .then_output(|| {
                GetResourcesOutput::builder()
                    .resource_tag_mapping_list(
                        ResourceTagMapping::builder()
                            .resource_arn("arn:aws:rds:us-west-2:1:pg:legacy-pg")
                            .build(),
                    )
                    .resource_tag_mapping_list(
                        ResourceTagMapping::builder()
                            .resource_arn("arn:aws:rds:us-west-2:1:cluster-pg:reports")
                            .build(),
                    )
                    .build()
            });
        let client = mock_client!(aws_sdk_resourcegroupstagging, [&rule]);
        let names = super::apart(
            &client,
            "t",
            &["rds:pg", "rds:cluster-pg"],
            &["orders-params".into()],
        )
        .await
        .unwrap();
        assert_eq!(
            names.into_iter().collect::<Vec<_>>(),
            ["legacy-pg", "orders-params", "reports"]
        );
    }
}
