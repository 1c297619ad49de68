//! Replicas, Aurora clusters, IAM roles, and getting credentials to the application.

use super::support::*;

const DATABASES: &str = r#"
[iam_role.rds-s3]
managed_policies = ["arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"]

[instance.orders]
engine = "mysql"
engine_version = "8.0"
instance_class = "db.t3.micro"
allocated_storage = 20
vpc = "main"
security_groups = ["db"]
db_name = "orders"
iam_roles = [{ role = "rds-s3", feature = "s3Import" }]

[replica.orders-ro]
source = "instance.orders"
instance_class = "db.t3.small"

[cluster.analytics]
engine = "aurora-postgresql"
engine_version = "16"
vpc = "main"
security_groups = ["db"]
credentials = "managed"
database_name = "analytics"

[[cluster.analytics.instance]]
name = "a"
instance_class = "db.r6g.large"

[[cluster.analytics.instance]]
name = "b"
instance_class = "db.r6g.large"
"#;

fn env_with(databases: &str) -> Env {
    Env::new(&[
        ("environment.toml", ENV_TOML),
        ("network.toml", NETWORK_TOML),
        ("databases.toml", databases),
    ])
}

fn pos(out: &str, needle: &str) -> usize {
    out.find(needle)
        .unwrap_or_else(|| panic!("`{needle}` not in:\n{out}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replicas_clusters_and_roles_converge() {
    let moto = Moto::start();
    let env = env_with(DATABASES);
    let r = apply_ok(&moto, &env, &[]);
    // Creation order: source before replica, cluster before members, writer before reader.
    let out = &r.stdout;
    assert!(pos(out, "instance.orders: created") < pos(out, "replica.orders-ro: creating"));
    assert!(
        pos(out, "cluster.analytics: created") < pos(out, "cluster.analytics.instance.a: creating")
    );
    assert!(
        pos(out, "cluster.analytics.instance.a: created")
            < pos(out, "cluster.analytics.instance.b: creating")
    );
    assert_no_changes(&moto, &env);

    let sdk = moto.sdk().await;
    let replica = sdk
        .rds
        .describe_db_instances()
        .db_instance_identifier("t-orders-ro")
        .send()
        .await
        .unwrap();
    let replica = &replica.db_instances()[0];
    assert_eq!(
        replica.read_replica_source_db_instance_identifier(),
        Some("t-orders")
    );
    assert_eq!(replica.db_instance_class(), Some("db.t3.small"));
    let cluster = sdk
        .rds
        .describe_db_clusters()
        .db_cluster_identifier("t-analytics")
        .send()
        .await
        .unwrap();
    let members = cluster.db_clusters()[0].db_cluster_members();
    assert_eq!(members.len(), 2);
    let writer = members
        .iter()
        .find(|m| m.is_cluster_writer() == Some(true))
        .unwrap();
    assert_eq!(writer.db_instance_identifier(), Some("t-analytics-a"));
    let role = sdk
        .iam
        .get_role()
        .role_name("t-rds-s3")
        .send()
        .await
        .unwrap();
    let role = role.role().unwrap();
    assert_eq!(role.path(), "/rdsplan/t/");
    let attached = sdk
        .iam
        .list_attached_role_policies()
        .role_name("t-rds-s3")
        .send()
        .await
        .unwrap();
    assert_eq!(attached.attached_policies().len(), 1);
    let instance = sdk
        .rds
        .describe_db_instances()
        .db_instance_identifier("t-orders")
        .send()
        .await
        .unwrap();
    let roles = instance.db_instances()[0].associated_roles();
    assert_eq!(roles.len(), 1);
    assert_eq!(roles[0].role_arn(), Some(role.arn()));
    assert_eq!(roles[0].feature_name(), Some("s3Import"));
    let tags = sdk
        .iam
        .list_role_tags()
        .role_name("t-rds-s3")
        .send()
        .await
        .unwrap();
    assert!(tags
        .tags()
        .iter()
        .any(|t| t.key() == "rdsplan:address" && t.value() == "iam_role.rds-s3"));

    // Output: every endpoint, cluster writer and reader included.
    let o = rdsplan(
        Some(&moto),
        &env.dir(),
        &["output", "--env", "t", "--format", "json"],
    );
    assert_eq!(o.code, 0, "{}", o.all());
    let doc: serde_json::Value = serde_json::from_str(&o.stdout).unwrap();
    let rows = doc["endpoints"].as_array().unwrap();
    let row = |addr: &str, role: &str| {
        rows.iter()
            .find(|r| r["address"] == addr && r["role"] == role)
            .unwrap_or_else(|| panic!("{addr} {role} missing: {rows:?}"))
            .clone()
    };
    assert_eq!(
        row("instance.orders", "instance")["host"],
        instance.db_instances()[0]
            .endpoint()
            .unwrap()
            .address()
            .unwrap()
    );
    assert_eq!(
        row("cluster.analytics", "writer")["host"],
        cluster.db_clusters()[0].endpoint().unwrap()
    );
    assert_eq!(
        row("cluster.analytics", "reader")["host"],
        cluster.db_clusters()[0].reader_endpoint().unwrap()
    );
    assert_eq!(row("replica.orders-ro", "instance")["port"], 3306);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deletes_go_replica_before_source_and_members_before_cluster() {
    let moto = Moto::start();
    let with_snapshots = DATABASES.replace(
        "credentials = \"managed\"",
        "credentials = \"managed\"\nskip_final_snapshot = false",
    );
    let env = env_with(&with_snapshots);
    apply_ok(&moto, &env, &[]);
    env.remove("databases.toml");
    let r = apply_ok(&moto, &env, &["--allow-destroy", "--parallelism", "8"]);
    let out = &r.stdout;
    assert!(pos(out, "replica.orders-ro: deleted") < pos(out, "instance.orders: deleting"));
    assert!(
        pos(out, "cluster.analytics.instance.a: deleted") < pos(out, "cluster.analytics: deleting")
    );
    assert!(
        pos(out, "cluster.analytics.instance.b: deleted") < pos(out, "cluster.analytics: deleting")
    );
    assert!(pos(out, "instance.orders: deleted") < pos(out, "iam_role.rds-s3: deleting"));
    let sdk = moto.sdk().await;
    let snaps = sdk
        .rds
        .describe_db_cluster_snapshots()
        .db_cluster_identifier("t-analytics")
        .send()
        .await
        .unwrap();
    assert!(
        snaps.db_cluster_snapshots().iter().any(|s| s
            .db_cluster_snapshot_identifier()
            .is_some_and(|i| i.starts_with("t-analytics-final-"))),
        "no final cluster snapshot"
    );
    assert!(
        sdk.iam
            .get_role()
            .role_name("t-rds-s3")
            .send()
            .await
            .is_err(),
        "the role is deleted"
    );
    let secret = sdk
        .secrets
        .describe_secret()
        .secret_id("rdsplan/t/orders")
        .send()
        .await
        .unwrap();
    assert!(
        secret.deleted_date().is_some(),
        "the generated secret is scheduled for deletion"
    );
    assert_no_changes(&moto, &env);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cluster_membership_and_role_policies_change_in_place() {
    let moto = Moto::start();
    let env = env_with(DATABASES);
    apply_ok(&moto, &env, &[]);
    let three = format!("{DATABASES}\n[[cluster.analytics.instance]]\nname = \"c\"\ninstance_class = \"db.r6g.large\"\n")
        .replace(
            "managed_policies = [\"arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess\"]",
            "managed_policies = [\"arn:aws:iam::aws:policy/AmazonS3FullAccess\"]",
        );
    env.write("databases.toml", &three);
    let plan = rdsplan(Some(&moto), &env.dir(), &["plan", "--env", "t"]);
    assert_shows(
        &plan.stdout,
        "+ cluster.analytics.instance.c (t-analytics-c)",
    );
    assert_shows(&plan.stdout, "~ cluster.analytics (t-analytics");
    assert_shows(&plan.stdout, "~ iam_role.rds-s3 (t-rds-s3");
    assert_shows(
        &plan.stdout,
        "Plan: 1 to add, 2 to change, 0 to replace, 0 to destroy.",
    );
    apply_ok(&moto, &env, &[]);
    assert_no_changes(&moto, &env);
    let sdk = moto.sdk().await;
    let attached = sdk
        .iam
        .list_attached_role_policies()
        .role_name("t-rds-s3")
        .send()
        .await
        .unwrap();
    assert_eq!(attached.attached_policies().len(), 1);
    assert_eq!(
        attached.attached_policies()[0].policy_arn(),
        Some("arn:aws:iam::aws:policy/AmazonS3FullAccess")
    );
    let cluster = sdk
        .rds
        .describe_db_clusters()
        .db_cluster_identifier("t-analytics")
        .send()
        .await
        .unwrap();
    assert_eq!(cluster.db_clusters()[0].db_cluster_members().len(), 3);
    // Removing a member needs no --allow-destroy: the data is the cluster's.
    env.write("databases.toml", DATABASES);
    apply_ok(&moto, &env, &[]);
    assert_no_changes(&moto, &env);
    let cluster = sdk
        .rds
        .describe_db_clusters()
        .db_cluster_identifier("t-analytics")
        .send()
        .await
        .unwrap();
    assert_eq!(cluster.db_clusters()[0].db_cluster_members().len(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn creds_mask_the_password_unless_asked_for_either_mode() {
    let moto = Moto::start();
    let env = env_with(DATABASES);
    apply_ok(&moto, &env, &[]);
    let sdk = moto.sdk().await;
    let v = sdk
        .secrets
        .get_secret_value()
        .version_stage("AWSCURRENT")
        .secret_id("rdsplan/t/orders")
        .send()
        .await
        .unwrap();
    let secret: serde_json::Value = serde_json::from_str(v.secret_string().unwrap()).unwrap();
    let password = secret["password"].as_str().unwrap();

    let masked = rdsplan(
        Some(&moto),
        &env.dir(),
        &["creds", "--env", "t", "instance.orders"],
    );
    assert_eq!(masked.code, 0, "{}", masked.all());
    assert_shows(&masked.stdout, "DB_PASSWORD=********");
    assert!(masked.stdout.contains("DB_USER=admin") && masked.stdout.contains("DB_NAME=orders"));
    let shown = rdsplan(
        Some(&moto),
        &env.dir(),
        &[
            "creds",
            "--env",
            "t",
            "instance.orders",
            "--show-password",
            "--format",
            "json",
        ],
    );
    let doc: serde_json::Value = serde_json::from_str(&shown.stdout).unwrap();
    assert_eq!(doc["password"], password);
    assert_eq!(doc["host"], secret["host"]);
    // A replica connects with its source's login at its own endpoint.
    let url = rdsplan(
        Some(&moto),
        &env.dir(),
        &[
            "creds",
            "--env",
            "t",
            "replica.orders-ro",
            "--format",
            "url",
        ],
    );
    assert!(
        url.stdout
            .starts_with("mysql://admin:********@t-orders-ro."),
        "{}",
        url.stdout
    );
    // Managed credentials come from RDS's own secret.
    let cluster = rdsplan(
        Some(&moto),
        &env.dir(),
        &[
            "creds",
            "--env",
            "t",
            "cluster.analytics",
            "--format",
            "json",
        ],
    );
    assert_eq!(cluster.code, 0, "{}", cluster.all());
    let doc: serde_json::Value = serde_json::from_str(&cluster.stdout).unwrap();
    assert_eq!(doc["password"], "********");
    assert_eq!(doc["dbname"], "analytics");
    assert!(doc["host"]
        .as_str()
        .unwrap()
        .starts_with("t-analytics.cluster-"));
}

async fn current_password(sdk: &Sdk, name: &str) -> String {
    let v = sdk
        .secrets
        .get_secret_value()
        .version_stage("AWSCURRENT")
        .secret_id(name)
        .send()
        .await
        .unwrap();
    let j: serde_json::Value = serde_json::from_str(v.secret_string().unwrap()).unwrap();
    j["password"].as_str().unwrap().to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rotate_stages_sets_and_promotes_and_resumes_after_a_crash() {
    let moto = Moto::start();
    let env = Env::standard("db.t3.micro");
    apply_ok(&moto, &env, &[]);
    let sdk = moto.sdk().await;
    let before = current_password(&sdk, "rdsplan/t/orders").await;
    let r = rdsplan(
        Some(&moto),
        &env.dir(),
        &["rotate", "--env", "t", "instance.orders"],
    );
    assert_eq!(r.code, 0, "{}", r.all());
    let after = current_password(&sdk, "rdsplan/t/orders").await;
    assert_ne!(before, after);
    let versions = sdk
        .secrets
        .list_secret_version_ids()
        .secret_id("rdsplan/t/orders")
        .send()
        .await
        .unwrap();
    assert!(
        !versions
            .versions()
            .iter()
            .any(|v| v.version_stages().iter().any(|s| s == "AWSPENDING")),
        "AWSPENDING is cleared after promotion"
    );
    assert_no_changes(&moto, &env);

    // A rotation that crashed after staging left AWSPENDING: the next one finishes it.
    let staged = "Staged-by-a-crashed-rotation-42";
    let v = sdk
        .secrets
        .get_secret_value()
        .version_stage("AWSCURRENT")
        .secret_id("rdsplan/t/orders")
        .send()
        .await
        .unwrap();
    let mut doc: serde_json::Value = serde_json::from_str(v.secret_string().unwrap()).unwrap();
    doc["password"] = staged.into();
    sdk.secrets
        .put_secret_value()
        .secret_id("rdsplan/t/orders")
        .secret_string(doc.to_string())
        .version_stages("AWSPENDING")
        .send()
        .await
        .unwrap();
    let r = rdsplan(
        Some(&moto),
        &env.dir(),
        &["rotate", "--env", "t", "instance.orders"],
    );
    assert_eq!(r.code, 0, "{}", r.all());
    assert_shows(&r.stdout, "resuming an interrupted rotation");
    assert_eq!(current_password(&sdk, "rdsplan/t/orders").await, staged);
}

#[test]
fn the_password_scan_catches_a_leak() {
    let moto = Moto::start();
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let sdk = moto.sdk().await;
        sdk.secrets
            .create_secret()
            .name("rdsplan/t/leak")
            .secret_string(r#"{"username":"u","password":"Leaked-Password-123"}"#)
            .send()
            .await
            .unwrap();
    });
    drop(rt);
    moto.record(true, "shown on purpose: Leaked-Password-123".into());
    moto.scan_for_passwords();
    moto.record(false, "oops: Leaked-Password-123".into());
    let caught =
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| moto.scan_for_passwords()));
    assert!(caught.is_err(), "the scan must fail on a printed password");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replica_and_cluster_attributes_change_in_place() {
    let moto = Moto::start();
    let env = env_with(DATABASES);
    apply_ok(&moto, &env, &[]);
    let changed = DATABASES
        .replace(
            "instance_class = \"db.t3.small\"",
            "instance_class = \"db.t3.medium\"",
        )
        .replace(
            "database_name = \"analytics\"",
            "database_name = \"analytics\"\nbackup_retention_days = 14",
        )
        .replace(
            "[[cluster.analytics.instance]]\nname = \"b\"\ninstance_class = \"db.r6g.large\"",
            "[[cluster.analytics.instance]]\nname = \"b\"\ninstance_class = \"db.r6g.xlarge\"",
        );
    env.write("databases.toml", &changed);
    let plan = rdsplan(Some(&moto), &env.dir(), &["plan", "--env", "t"]);
    assert_shows(
        &plan.stdout,
        r#"~ instance_class = "db.t3.small" -> "db.t3.medium""#,
    );
    assert_shows(&plan.stdout, "~ backup_retention_days = 1 -> 14");
    assert_shows(
        &plan.stdout,
        r#"~ instance_class = "db.r6g.large" -> "db.r6g.xlarge""#,
    );
    assert_shows(
        &plan.stdout,
        "Plan: 0 to add, 3 to change, 0 to replace, 0 to destroy.",
    );
    apply_ok(&moto, &env, &[]);
    assert_no_changes(&moto, &env);
    // Changing what forces replacement is shown as such, naming the attribute.
    let replaced = changed.replace(
        "database_name = \"analytics\"",
        "database_name = \"reports\"",
    );
    env.write("databases.toml", &replaced);
    let plan = rdsplan(Some(&moto), &env.dir(), &["plan", "--env", "t"]);
    assert_shows(&plan.stdout, "-/+ cluster.analytics");
    assert_shows(&plan.stdout, "forced by: database_name");
    assert_shows(&plan.stdout, "forced by: cluster.analytics is replaced");
}
