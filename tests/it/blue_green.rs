//! `upgrade = "blue-green"` end to end on moto: a major upgrade goes through a blue/green
//! deployment; the green takes the name, the old instance is kept and reported, and deleted
//! only with --allow-destroy.

use super::support::*;

pub(super) const DB: &str = r#"
[instance.orders]
engine = "postgres"
engine_version = "15"
instance_class = "db.t3.micro"
allocated_storage = 20
vpc = "main"
security_groups = ["db"]
upgrade = "blue-green"
allow_major_version_upgrade = true
skip_final_snapshot = true
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_blue_green_upgrade_switches_over_and_keeps_the_old_instance() {
    let moto = Moto::start();
    let env = Env::new(&[
        ("environment.toml", ENV_TOML),
        ("network.toml", NETWORK_TOML),
        ("databases.toml", DB),
    ]);
    apply_ok(&moto, &env, &[]);
    let sdk = moto.sdk().await;

    env.write(
        "databases.toml",
        &DB.replace("engine_version = \"15\"", "engine_version = \"16\""),
    );
    let p = rdsplan(Some(&moto), &env.dir(), &["plan", "--env", "t"]);
    assert_shows(&p.stdout, "note: through a blue/green deployment");
    assert_shows(
        &p.stdout,
        "~ engine_version = \"15\" -> \"16\"  # immediately",
    );
    let r = apply_ok(&moto, &env, &[]);
    assert_shows(&r.stdout, "Kept: instance.orders.old1 (t-orders-old1)");

    // The green has the name and the new version; the blue runs on as t-orders-old1.
    let now = sdk.instance("t-orders").await;
    let green = &now;
    assert!(green.engine_version().is_some_and(|v| v.starts_with("16")));
    let old = sdk.instance("t-orders-old1").await;
    // The old one still runs the old version.
    assert!(old.engine_version().is_some_and(|v| v.starts_with("15")));
    let deployments = sdk
        .rds
        .describe_blue_green_deployments()
        .send()
        .await
        .unwrap();
    assert!(
        deployments.blue_green_deployments().is_empty(),
        "deployment deleted"
    );

    // Kept and reported, not a pending delete: plans have no changes, CI's applies pass.
    let p = rdsplan(
        Some(&moto),
        &env.dir(),
        &["plan", "--env", "t", "--detailed-exitcode"],
    );
    assert_eq!(p.code, 0, "{}", p.all());
    assert_shows(&p.all(), "instance.orders.old1 (t-orders-old1) is kept");
    let r = rdsplan(
        Some(&moto),
        &env.dir(),
        &["apply", "--env", "t", "--auto-approve"],
    );
    assert_eq!(r.code, 0, "{}", r.all());

    // The files retire it: deleted (its final snapshot choice is the instance's), without
    // --allow-destroy, since the files said so.
    env.write(
        "databases.toml",
        &DB.replace("engine_version = \"15\"", "engine_version = \"16\"")
            .replace(
                "upgrade = \"blue-green\"",
                "upgrade = \"blue-green\"\nretire_old = true",
            ),
    );
    let p = rdsplan(Some(&moto), &env.dir(), &["plan", "--env", "t"]);
    assert_shows(&p.stdout, "- instance.orders.old1 (t-orders-old1");
    assert_shows(
        &p.stdout,
        "Plan: 0 to add, 0 to change, 0 to replace, 1 to destroy.",
    );
    apply_ok(&moto, &env, &[]);
    assert_no_changes(&moto, &env);
    let left = sdk.rds.describe_db_instances().send().await.unwrap();
    let names: Vec<&str> = left
        .db_instances()
        .iter()
        .filter_map(|i| i.db_instance_identifier())
        .collect();
    assert_eq!(names, ["t-orders"]);
}

/// A run stopped right after the switchover, on an AWS that did not copy the blue's tags to
/// the green: the green is recognised by the old instance (ours, named `-old1`, still carrying
/// the address), the next apply tags both, and nothing is created or taken as a conflict.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_switchover_left_without_tags_on_the_green_is_finished() {
    let moto = Moto::start();
    let env = Env::new(&[
        ("environment.toml", ENV_TOML),
        ("network.toml", NETWORK_TOML),
        ("databases.toml", DB),
    ]);
    apply_ok(&moto, &env, &[]);
    let upgraded = DB.replace("engine_version = \"15\"", "engine_version = \"16\"");
    env.write("databases.toml", &upgraded);
    apply_ok(&moto, &env, &[]);
    let sdk = moto.sdk().await;
    // Back to the moment after the switchover: the green untagged, the old one at the address.
    let arn = |i: aws_sdk_rds::types::DbInstance| i.db_instance_arn().unwrap().to_string();
    sdk.rds
        .remove_tags_from_resource()
        .resource_name(arn(sdk.instance("t-orders").await))
        .tag_keys("rdsplan:environment")
        .tag_keys("rdsplan:address")
        .tag_keys("managed-by")
        .send()
        .await
        .unwrap();
    sdk.rds
        .add_tags_to_resource()
        .resource_name(arn(sdk.instance("t-orders-old1").await))
        .tags(
            aws_sdk_rds::types::Tag::builder()
                .key("rdsplan:address")
                .value("instance.orders")
                .build(),
        )
        .send()
        .await
        .unwrap();
    let p = rdsplan(Some(&moto), &env.dir(), &["plan", "--env", "t"]);
    assert_eq!(p.code, 0, "{}", p.all());
    assert!(!p.stdout.contains("will be created"), "{}", p.stdout);
    assert_shows(&p.stdout, "stopped after its switchover");
    apply_ok(&moto, &env, &[]);
    assert_no_changes(&moto, &env);
    let tagged = sdk.instance("t-orders").await;
    assert!(tagged
        .tag_list()
        .iter()
        .any(|t| t.key() == Some("rdsplan:address") && t.value() == Some("instance.orders")));
}
