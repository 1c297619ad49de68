//! `restore`: databases created from a snapshot or a point in time, end to end on moto, with
//! their tags in the restore call and no change planned afterwards.

use super::support::*;

pub(super) const SOURCES: &str = r#"
[instance.orders]
engine = "mysql"
engine_version = "8.0"
instance_class = "db.t3.micro"
allocated_storage = 20
vpc = "main"
security_groups = ["db"]
backup_retention_days = 7
skip_final_snapshot = true

[cluster.c]
engine = "aurora-postgresql"
vpc = "main"
security_groups = ["db"]
skip_final_snapshot = true

[[cluster.c.instance]]
name = "a"
instance_class = "db.r6g.large"
"#;

pub(super) const RESTORED: &str = r#"
[instance.copy]
engine = "mysql"
engine_version = "8.0"
instance_class = "db.t3.micro"
allocated_storage = 20
vpc = "main"
security_groups = ["db"]
backup_retention_days = 7
preferred_maintenance_window = "mon:05:00-mon:06:00"
skip_final_snapshot = true
restore = { snapshot = "orders-snap" }

[instance.pitr]
engine = "mysql"
engine_version = "8.0"
instance_class = "db.t3.micro"
allocated_storage = 20
vpc = "main"
security_groups = ["db"]
backup_retention_days = 7
skip_final_snapshot = true
restore = { source = "t-orders", time = "latest" }

[cluster.c2]
engine = "aurora-postgresql"
vpc = "main"
security_groups = ["db"]
skip_final_snapshot = true
restore = { snapshot = "c-snap" }

[[cluster.c2.instance]]
name = "a"
instance_class = "db.r6g.large"
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn databases_restored_from_snapshots_and_points_in_time_replan_clean() {
    let moto = Moto::start();
    let env = Env::new(&[
        ("environment.toml", ENV_TOML),
        ("network.toml", NETWORK_TOML),
        ("databases.toml", SOURCES),
    ]);
    apply_ok(&moto, &env, &[]);
    let sdk = moto.sdk().await;
    sdk.rds
        .create_db_snapshot()
        .db_instance_identifier("t-orders")
        .db_snapshot_identifier("orders-snap")
        .send()
        .await
        .unwrap();
    sdk.rds
        .create_db_cluster_snapshot()
        .db_cluster_identifier("t-c")
        .db_cluster_snapshot_identifier("c-snap")
        .send()
        .await
        .unwrap();
    env.write("restored.toml", RESTORED);
    let p = rdsplan(Some(&moto), &env.dir(), &["plan", "--env", "t"]);
    assert_shows(&p.stdout, "+ instance.copy (t-copy) will be created");
    apply_ok(&moto, &env, &[]);
    assert_no_changes(&moto, &env);

    for (ident, snapshot) in [("t-copy", true), ("t-pitr", false)] {
        let out = sdk.instance(ident).await;
        let i = &out;
        // Owned: its tags came with the restore call.
        assert!(
            i.tag_list()
                .iter()
                .any(|t| t.key() == Some("rdsplan:environment") && t.value() == Some("t")),
            "{ident} (snapshot: {snapshot}) has no ownership tags"
        );
    }
    // What the restore call cannot take was set right after.
    let out = sdk.instance("t-copy").await;
    assert_eq!(
        out.preferred_maintenance_window(),
        Some("mon:05:00-mon:06:00")
    );
    // The generated secret exists for the restored database, and records its endpoint.
    let secret = sdk
        .secrets
        .get_secret_value()
        .secret_id("rdsplan/t/copy")
        .version_stage("AWSCURRENT")
        .send()
        .await
        .unwrap();
    assert!(secret
        .secret_string()
        .unwrap()
        .contains("\"dbInstanceIdentifier\":\"t-copy\""));
    let c = sdk
        .rds
        .describe_db_clusters()
        .db_cluster_identifier("t-c2")
        .send()
        .await
        .unwrap();
    assert_eq!(c.db_clusters().len(), 1);

    // Restore is never drift: changing it afterwards plans nothing.
    env.write(
        "restored.toml",
        &RESTORED.replace("orders-snap", "another-snapshot"),
    );
    assert_no_changes(&moto, &env);
}

#[test]
fn a_restore_needs_a_snapshot_or_a_source_and_time() {
    let env = Env::new(&[
        ("environment.toml", ENV_TOML),
        ("network.toml", NETWORK_TOML),
        (
            "databases.toml",
            &RESTORED
                .replace("time = \"latest\"", "time = \"yesterday\"")
                .replace(
                    "restore = { snapshot = \"c-snap\" }",
                    "restore = { snapshot = \"c-snap\", source = \"t-c\" }",
                ),
        ),
    ]);
    let r = rdsplan(None, &env.dir(), &["validate"]);
    assert_eq!(r.code, 1, "{}", r.all());
    assert_shows(&r.all(), "`yesterday` is not a restore time");
    assert_shows(
        &r.all(),
        "restore takes either `snapshot`, or `source` and `time`",
    );
}
