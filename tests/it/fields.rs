//! Storage performance, monitoring, log exports, copy-tags and Aurora Serverless v2, end to end
//! on moto: created as the files say, re-planned with no change, changed in place.
//! (Performance Insights does not round-trip on moto; it is covered by the attribute table
//! tests with aws-smithy-mocks.)

use super::support::*;

const DATABASES: &str = r#"
[iam_role.monitoring]
assumed_by = "monitoring.rds.amazonaws.com"
managed_policies = ["arn:aws:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole"]

[instance.orders]
engine = "postgres"
instance_class = "db.m6g.large"
allocated_storage = 500
storage_type = "gp3"
iops = 12000
storage_throughput = 500
vpc = "main"
security_groups = ["db"]
log_exports = ["postgresql", "upgrade"]
monitoring_interval = 60
monitoring_role = "monitoring"
ca_certificate = "rds-ca-rsa2048-g1"
skip_final_snapshot = true

[cluster.c]
engine = "aurora-postgresql"
vpc = "main"
security_groups = ["db"]
credentials = "managed"
log_exports = ["postgresql"]
serverless_v2 = { min_capacity = 0.5, max_capacity = 16 }
skip_final_snapshot = true

[[cluster.c.instance]]
name = "a"
instance_class = "db.serverless"
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn monitoring_logs_storage_performance_and_serverless_v2_converge() {
    let moto = Moto::start();
    let env = Env::new(&[
        ("environment.toml", ENV_TOML),
        ("network.toml", NETWORK_TOML),
        ("databases.toml", DATABASES),
    ]);
    let r = apply_ok(&moto, &env, &[]);
    let out = &r.stdout;
    let pos = |s: &str| {
        out.find(s)
            .unwrap_or_else(|| panic!("`{s}` not in:\n{out}"))
    };
    assert!(pos("iam_role.monitoring: created") < pos("instance.orders: creating"));
    assert_no_changes(&moto, &env);

    let sdk = moto.sdk().await;
    let i = sdk.instance("t-orders").await;
    let i = &i;
    assert_eq!((i.iops(), i.storage_throughput()), (Some(12000), Some(500)));
    assert_eq!(i.monitoring_interval(), Some(60));
    assert!(i
        .monitoring_role_arn()
        .is_some_and(|a| a.ends_with("role/rdsplan/t/t-monitoring")));
    assert_eq!(
        i.enabled_cloudwatch_logs_exports(),
        ["postgresql", "upgrade"]
    );
    assert_eq!(i.copy_tags_to_snapshot(), Some(true), "the default");
    assert_eq!(i.ca_certificate_identifier(), Some("rds-ca-rsa2048-g1"));
    let c = sdk
        .rds
        .describe_db_clusters()
        .db_cluster_identifier("t-c")
        .send()
        .await
        .unwrap();
    let v2 = c.db_clusters()[0]
        .serverless_v2_scaling_configuration()
        .unwrap();
    assert_eq!(
        (v2.min_capacity(), v2.max_capacity()),
        (Some(0.5), Some(16.0))
    );

    let changed = DATABASES
        .replace("monitoring_interval = 60", "monitoring_interval = 30")
        .replace(
            "log_exports = [\"postgresql\", \"upgrade\"]",
            "log_exports = [\"postgresql\"]",
        )
        .replace("max_capacity = 16", "max_capacity = 32")
        .replace("iops = 12000", "iops = 15000");
    env.write("databases.toml", &changed);
    let p = rdsplan(Some(&moto), &env.dir(), &["plan", "--env", "t"]);
    assert_shows(&p.stdout, "~ monitoring_interval = 60 -> 30  # immediately");
    assert_shows(
        &p.stdout,
        "~ iops = 12000 -> 15000  # at the next maintenance window",
    );
    assert_shows(&p.stdout, "- \"upgrade\"");
    assert_shows(
        &p.stdout,
        "Plan: 0 to add, 2 to change, 0 to replace, 0 to destroy.",
    );
    apply_ok(&moto, &env, &[]);
    assert_no_changes(&moto, &env);
    let i = sdk.instance("t-orders").await;
    assert_eq!(i.enabled_cloudwatch_logs_exports(), ["postgresql"]);
}
