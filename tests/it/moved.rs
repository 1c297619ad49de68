//! Renames in the files: `[[moved]]` keeps the database (retagged, renamed in place); without
//! it, the plan says that it looks like a rename and deletes nothing without --allow-destroy.

use super::support::*;

fn renamed_toml() -> String {
    instance_toml("db.t3.micro").replace("[instance.orders]", "[instance.orders-main]")
}

const MOVED: &str = "\n[[moved]]\nfrom = \"instance.orders\"\nto = \"instance.orders-main\"\n";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_moved_instance_keeps_its_data_and_is_renamed_in_place() {
    let moto = Moto::start();
    let env = Env::standard("db.t3.micro");
    apply_ok(&moto, &env, &[]);
    let sdk = moto.sdk().await;
    let before = sdk.instance("t-orders").await;
    let resource_id = before.dbi_resource_id().unwrap().to_string();

    // Renamed without [[moved]]: a hint, and nothing happens without --allow-destroy.
    env.write("databases.toml", &renamed_toml());
    let plan = rdsplan(Some(&moto), &env.dir(), &["plan", "--env", "t"]);
    assert_eq!(plan.code, 0, "{}", plan.all());
    assert_shows(&plan.stdout, "looks like a rename");
    assert_shows(
        &plan.stdout,
        "[[moved]]\n    from = \"instance.orders\"\n    to = \"instance.orders-main\"",
    );
    let refused = rdsplan(
        Some(&moto),
        &env.dir(),
        &["apply", "--env", "t", "--auto-approve"],
    );
    assert_eq!(refused.code, 1, "{}", refused.all());
    assert_shows(&refused.stderr, "--allow-destroy");
    assert_eq!(
        sdk.instance("t-orders").await.dbi_resource_id(),
        Some(resource_id.as_str())
    );

    // With [[moved]]: moved, 0 to destroy, renamed in place.
    env.write("databases.toml", &format!("{}{MOVED}", renamed_toml()));
    let plan = rdsplan(Some(&moto), &env.dir(), &["plan", "--env", "t"]);
    assert_eq!(plan.code, 0, "{}", plan.all());
    assert_shows(
        &plan.stdout,
        "instance.orders -> instance.orders-main (moved)",
    );
    assert_shows(&plan.stdout, "the endpoint changes");
    assert_shows(&plan.stdout, "0 to destroy");
    assert!(!plan.stdout.contains("DATA LOSS"), "{}", plan.stdout);
    apply_ok(&moto, &env, &[]);
    let after = sdk.instance("t-orders-main").await;
    assert_eq!(after.dbi_resource_id(), Some(resource_id.as_str()));
    assert!(after
        .tag_list()
        .iter()
        .any(|t| t.key() == Some("rdsplan:address") && t.value() == Some("instance.orders-main")));
    let old = sdk
        .rds
        .describe_db_instances()
        .db_instance_identifier("t-orders")
        .send()
        .await;
    assert!(old.is_err(), "t-orders should be gone: {old:?}");

    // The generated secret moved with it and records the new identifier and endpoint.
    let secret = sdk
        .secrets
        .get_secret_value()
        .secret_id("rdsplan/t/orders")
        .version_stage("AWSCURRENT")
        .send()
        .await
        .unwrap();
    let value = secret.secret_string().unwrap();
    assert!(value.contains("t-orders-main"), "secret not current");
    let host = after.endpoint().unwrap().address().unwrap();
    assert!(
        value.contains(host),
        "secret has not the new endpoint {host}"
    );
    let creds = rdsplan(
        Some(&moto),
        &env.dir(),
        &["creds", "--env", "t", "instance.orders-main"],
    );
    assert_eq!(creds.code, 0, "{}", creds.all());
    assert_shows(&creds.stdout, host);

    // Converged; the entry that has done its work is a warning, not a change.
    let r = rdsplan(
        Some(&moto),
        &env.dir(),
        &["plan", "--env", "t", "--detailed-exitcode"],
    );
    assert_eq!(r.code, 0, "{}", r.all());
    assert_shows(&r.stdout, "this entry can be removed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_moved_entry_whose_target_is_not_declared_is_an_error() {
    let env = Env::standard("db.t3.micro");
    env.write(
        "moves.toml",
        "[[moved]]\nfrom = \"instance.old\"\nto = \"instance.nowhere\"\n",
    );
    let r = rdsplan(None, &env.dir(), &["validate", "--env", "t"]);
    assert_eq!(r.code, 1, "{}", r.all());
    assert_shows(
        &r.stderr,
        "moves.toml:3:6: `instance.nowhere` is not declared in the files",
    );
}

pub(super) const CLUSTER: &str = r#"
[cluster.analytics]
engine = "aurora-postgresql"
engine_version = "16"
vpc = "main"
security_groups = ["db"]
skip_final_snapshot = true

[[cluster.analytics.instance]]
name = "a"
instance_class = "db.r6g.large"
[[cluster.analytics.instance]]
name = "b"
instance_class = "db.r6g.large"
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_moved_cluster_and_its_members_are_renamed_in_place() {
    let moto = Moto::start();
    let env = Env::new(&[
        ("environment.toml", ENV_TOML),
        ("network.toml", NETWORK_TOML),
        ("databases.toml", CLUSTER),
    ]);
    apply_ok(&moto, &env, &[]);
    let sdk = moto.sdk().await;
    let cluster_id =
        |c: &aws_sdk_rds::operation::describe_db_clusters::DescribeDbClustersOutput| {
            c.db_clusters()[0]
                .db_cluster_resource_id()
                .unwrap()
                .to_string()
        };
    let before = sdk
        .rds
        .describe_db_clusters()
        .db_cluster_identifier("t-analytics")
        .send()
        .await
        .unwrap();
    let member = sdk.instance("t-analytics-a").await;
    env.write(
        "databases.toml",
        &format!(
            "{}\n[[moved]]\nfrom = \"cluster.analytics\"\nto = \"cluster.reporting\"\n",
            CLUSTER.replace("cluster.analytics", "cluster.reporting")
        ),
    );
    let plan = rdsplan(Some(&moto), &env.dir(), &["plan", "--env", "t"]);
    assert_shows(
        &plan.stdout,
        "cluster.analytics.instance.a -> cluster.reporting.instance.a (moved)",
    );
    assert_shows(
        &plan.stdout,
        "0 to add, 4 to change, 0 to replace, 0 to destroy",
    );
    apply_ok(&moto, &env, &[]);
    let after = sdk
        .rds
        .describe_db_clusters()
        .db_cluster_identifier("t-reporting")
        .send()
        .await
        .unwrap();
    assert_eq!(cluster_id(&after), cluster_id(&before));
    assert_eq!(
        sdk.instance("t-reporting-a").await.dbi_resource_id(),
        member.dbi_resource_id()
    );
    assert_no_changes(&moto, &env);
}
