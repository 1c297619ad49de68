//! A resource AWS holds twice under one address (a create that landed twice) is reported by
//! plan and drift, and an empty extra copy is deleted only with --allow-destroy.

use super::support::*;
use aws_sdk_ec2::types::{ResourceType, Tag, TagSpecification};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_duplicate_vpc_is_reported_by_plan_and_drift_and_removed_when_empty() {
    let moto = Moto::start();
    let env = Env::new(&[
        ("environment.toml", ENV_TOML),
        (
            "network.toml",
            "[vpc.main]\ncidr = \"10.0.0.0/16\"\nazs = 2\n",
        ),
    ]);
    apply_ok(&moto, &env, &[]);
    let sdk = moto.sdk().await;
    let tags = TagSpecification::builder()
        .resource_type(ResourceType::Vpc)
        .tags(Tag::builder().key("rdsplan:environment").value("t").build())
        .tags(
            Tag::builder()
                .key("rdsplan:address")
                .value("vpc.main")
                .build(),
        )
        .tags(Tag::builder().key("managed-by").value("rdsplan").build())
        .tags(Tag::builder().key("Name").value("t-main").build())
        .tags(Tag::builder().key("team").value("test").build())
        .build();
    let extra = sdk
        .ec2
        .create_vpc()
        .cidr_block("10.0.0.0/16")
        .tag_specifications(tags)
        .send()
        .await
        .unwrap();
    let extra = extra.vpc().unwrap().vpc_id().unwrap().to_string();

    let plan = rdsplan(
        Some(&moto),
        &env.dir(),
        &["plan", "--env", "t", "--detailed-exitcode"],
    );
    assert_eq!(plan.code, 1, "{}", plan.all());
    assert_shows(&plan.stdout, "Duplicate: vpc.main exists twice in AWS");
    assert_shows(&plan.stdout, &format!("{extra} is an extra copy"));
    let drift = rdsplan(Some(&moto), &env.dir(), &["drift", "--env", "t"]);
    assert_eq!(drift.code, 2, "{}", drift.all());
    assert_shows(&drift.stdout, "[duplicate] vpc.main");
    assert_shows(&drift.stdout, &extra);
    let json = rdsplan(
        Some(&moto),
        &env.dir(),
        &["plan", "--env", "t", "--format", "json"],
    );
    let doc: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(doc["duplicates"][0]["id"], extra.as_str());

    // Not without --allow-destroy; with it, the empty copy goes and the one in use stays.
    let refused = rdsplan(
        Some(&moto),
        &env.dir(),
        &["apply", "--env", "t", "--auto-approve"],
    );
    assert_eq!(refused.code, 1, "{}", refused.all());
    apply_ok(&moto, &env, &["--allow-destroy"]);
    let gone = sdk.ec2.describe_vpcs().vpc_ids(&extra).send().await;
    assert!(
        gone.map(|o| o.vpcs().is_empty()).unwrap_or(true),
        "the extra copy is deleted"
    );
    assert_no_changes(&moto, &env);
    let subnets = sdk.ec2.describe_subnets().send().await.unwrap();
    assert!(
        subnets.subnets().len() >= 2,
        "the copy in use kept its subnets"
    );
}
