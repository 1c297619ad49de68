//! What AWS requires, end to end on moto: a new subnet layout keeps every database, and a
//! replica's settings that CreateDBInstanceReadReplica cannot take converge in one apply.

use super::support::*;

const DATABASES: &str = r#"
[instance.orders]
engine = "mysql"
engine_version = "8.0"
instance_class = "db.t3.micro"
allocated_storage = 20
vpc = "main"
security_groups = ["db"]
backup_retention_days = 7
skip_final_snapshot = true

[replica.orders-ro]
source = "instance.orders"
instance_class = "db.t3.small"
backup_retention_days = 3
preferred_backup_window = "01:00-02:00"
preferred_maintenance_window = "mon:05:00-mon:06:00"

[cluster.analytics]
engine = "aurora-postgresql"
engine_version = "16"
vpc = "main"
security_groups = ["db"]
credentials = "managed"
skip_final_snapshot = true

[[cluster.analytics.instance]]
name = "a"
instance_class = "db.r6g.large"
"#;

fn env(network: &str) -> Env {
    Env::new(&[
        ("environment.toml", ENV_TOML),
        ("network.toml", network),
        ("databases.toml", DATABASES),
    ])
}

/// DbiResourceId of every DB instance and DbClusterResourceId of every cluster: they change
/// only when AWS creates a new database.
async fn resource_ids(sdk: &Sdk) -> Vec<(String, String)> {
    let mut ids: Vec<(String, String)> = sdk
        .rds
        .describe_db_instances()
        .send()
        .await
        .unwrap()
        .db_instances()
        .iter()
        .map(|i| {
            (
                i.db_instance_identifier().unwrap().to_string(),
                i.dbi_resource_id().unwrap_or_default().to_string(),
            )
        })
        .collect();
    for c in sdk
        .rds
        .describe_db_clusters()
        .send()
        .await
        .unwrap()
        .db_clusters()
    {
        ids.push((
            c.db_cluster_identifier().unwrap().to_string(),
            c.db_cluster_resource_id().unwrap_or_default().to_string(),
        ));
    }
    ids.sort();
    ids
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_subnet_layout_keeps_every_database_and_converges() {
    let moto = Moto::start();
    let env = env(NETWORK_TOML);
    apply_ok(&moto, &env, &[]);
    assert_no_changes(&moto, &env);
    let sdk = moto.sdk().await;
    let before = resource_ids(&sdk).await;
    assert_eq!(before.len(), 4, "{before:?}");
    assert!(before.iter().all(|(_, id)| !id.is_empty()), "{before:?}");

    env.write(
        "network.toml",
        &NETWORK_TOML.replace("azs = 3", "azs = 3\nsubnet_prefix = 25"),
    );
    let p = rdsplan(Some(&moto), &env.dir(), &["plan", "--env", "t"]);
    assert_eq!(p.code, 0, "{}", p.all());
    // Three subnets are replaced; the subnet group changes in place; no database is touched.
    assert_shows(
        &p.stdout,
        "Plan: 0 to add, 1 to change, 3 to replace, 0 to destroy.",
    );
    assert_shows(&p.stdout, "~ vpc.main.db_subnet_group");
    for db in [
        "instance.orders",
        "replica.orders-ro",
        "cluster.analytics",
        "cluster.analytics.instance.a",
    ] {
        assert!(
            !p.stdout
                .lines()
                .any(|l| l.contains(db) && l.contains("-/+")),
            "{db} is replaced:\n{}",
            p.stdout
        );
    }
    assert!(!p.stdout.contains("DATA LOSS"), "{}", p.stdout);

    apply_ok(&moto, &env, &["--allow-destroy"]);
    assert_no_changes(&moto, &env);
    assert_eq!(resource_ids(&sdk).await, before, "a database was recreated");
    // The group now holds the new /25 subnets.
    let groups = sdk
        .rds
        .describe_db_subnet_groups()
        .db_subnet_group_name("t-main")
        .send()
        .await
        .unwrap();
    let subnet_ids: Vec<String> = groups.db_subnet_groups()[0]
        .subnets()
        .iter()
        .filter_map(|s| s.subnet_identifier().map(str::to_string))
        .collect();
    let subnets = sdk
        .ec2
        .describe_subnets()
        .set_subnet_ids(Some(subnet_ids))
        .send()
        .await
        .unwrap();
    let mut cidrs: Vec<&str> = subnets
        .subnets()
        .iter()
        .filter_map(|s| s.cidr_block())
        .collect();
    cidrs.sort();
    assert_eq!(cidrs, ["10.0.0.0/25", "10.0.0.128/25", "10.0.1.0/25"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_replica_gets_its_backups_and_windows_in_the_same_apply() {
    let moto = Moto::start();
    let env = env(NETWORK_TOML);
    let r = apply_ok(&moto, &env, &[]);
    assert_shows(&r.stdout, "replica.orders-ro: created");
    // One apply converges: backups and windows were set right after the replica was created.
    assert_no_changes(&moto, &env);
    let sdk = moto.sdk().await;
    let out = sdk.instance("t-orders-ro").await;
    let ro = &out;
    assert_eq!(ro.backup_retention_period(), Some(3));
    assert_eq!(ro.preferred_backup_window(), Some("01:00-02:00"));
    assert_eq!(
        ro.preferred_maintenance_window(),
        Some("mon:05:00-mon:06:00")
    );

    // A source without backups cannot have replicas: the plan says so before anything runs.
    env.write(
        "databases.toml",
        &DATABASES.replace("backup_retention_days = 7", "backup_retention_days = 0"),
    );
    let p = rdsplan(Some(&moto), &env.dir(), &["plan", "--env", "t"]);
    assert_eq!(p.code, 1, "{}", p.all());
    assert_shows(&p.stderr, "has backup_retention_days = 0");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_mysql_major_upgrade_goes_replica_first() {
    let moto = Moto::start();
    let db = r#"
[instance.orders]
engine = "mysql"
engine_version = "8.0"
instance_class = "db.t3.micro"
allocated_storage = 20
vpc = "main"
security_groups = ["db"]
backup_retention_days = 7
allow_major_version_upgrade = true
skip_final_snapshot = true

[replica.orders-ro]
source = "instance.orders"
"#;
    let env = Env::new(&[
        ("environment.toml", ENV_TOML),
        ("network.toml", NETWORK_TOML),
        ("databases.toml", db),
    ]);
    apply_ok(&moto, &env, &[]);
    env.write(
        "databases.toml",
        &db.replace("engine_version = \"8.0\"", "engine_version = \"8.4\""),
    );
    let r = apply_ok(&moto, &env, &[]);
    let out = &r.stdout;
    let pos = |s: &str| {
        out.find(s)
            .unwrap_or_else(|| panic!("`{s}` not in:\n{out}"))
    };
    assert!(pos("replica.orders-ro: updated") < pos("instance.orders: updating"));
    assert_no_changes(&moto, &env);
    let sdk = moto.sdk().await;
    for ident in ["t-orders", "t-orders-ro"] {
        let i = sdk.instance(ident).await;
        assert!(
            i.engine_version().is_some_and(|v| v.starts_with("8.4")),
            "{ident}"
        );
    }
}

/// A MySQL major upgrade of a source and its replica that share a parameter group of the old
/// family: the replica goes first, at once, with the group of the new family; the old group is
/// deleted only once nothing uses it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_mysql_major_upgrade_with_a_replica_and_a_family_switch() {
    let moto = Moto::start();
    let db = UPGRADE;
    let env = Env::new(&[
        ("environment.toml", ENV_TOML),
        ("network.toml", NETWORK_TOML),
        ("databases.toml", db),
    ]);
    apply_ok(&moto, &env, &[]);
    env.write(
        "databases.toml",
        &db.replace("engine_version = \"8.0\"", "engine_version = \"8.4\"")
            .replace("family = \"mysql8.0\"", "family = \"mysql8.4\""),
    );
    let proxy = super::proxy::Proxy::start(&moto.url);
    let r = rdsplan_via(
        &moto,
        &proxy.url,
        &env.dir(),
        &["apply", "--env", "t", "--auto-approve"],
        &[],
    );
    assert_eq!(r.code, 0, "{}", r.all());
    let modifies = proxy.requests("ModifyDBInstance");
    let of = |ident: &str| {
        modifies
            .iter()
            .position(|p| {
                p.get("DBInstanceIdentifier").map(String::as_str) == Some(ident)
                    && p.contains_key("EngineVersion")
            })
            .unwrap_or_else(|| panic!("no upgrade of {ident}: {modifies:#?}"))
    };
    let (replica, source) = (of("t-orders-ro"), of("t-orders"));
    assert!(replica < source, "{modifies:#?}");
    let rp = &modifies[replica];
    assert_eq!(
        rp.get("ApplyImmediately").map(String::as_str),
        Some("true"),
        "{rp:?}"
    );
    assert!(
        rp.get("DBParameterGroupName")
            .is_some_and(|g| g.contains("8-4") || g.contains("8.4")),
        "the replica's upgrade carries no group of the new family: {rp:?}"
    );
    let deletes = proxy.requests("DeleteDBParameterGroup");
    assert_eq!(deletes.len(), 1, "{deletes:?}");
    assert_no_changes(&moto, &env);
}

/// A source and its replica sharing a parameter group of the MySQL 8.0 family.
pub(super) const UPGRADE: &str = r#"
[parameter_group.mysql]
family = "mysql8.0"
description = "orders"
parameters = { max_connections = "200" }

[instance.orders]
engine = "mysql"
engine_version = "8.0"
instance_class = "db.t3.micro"
allocated_storage = 20
vpc = "main"
security_groups = ["db"]
backup_retention_days = 7
allow_major_version_upgrade = true
parameter_group = "mysql"
skip_final_snapshot = true

[replica.orders-ro]
source = "instance.orders"
parameter_group = "mysql"
"#;
