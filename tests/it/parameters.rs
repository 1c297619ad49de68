//! Parameter groups end to end on moto: created with their parameters and used by instances,
//! Aurora clusters and members; a change converges; a new family creates the new group first,
//! moves the database to it and deletes the old one. (moto has no ResetDBParameterGroup and no
//! apply types: resets and per-parameter timing are tested with aws-smithy-mocks and on
//! hand-built live state.)

use super::support::*;

const DATABASES: &str = r#"
[parameter_group.pg]
family = "postgres16"
parameters = { max_connections = "500", log_min_duration_statement = "1000" }

[parameter_group.members]
family = "aurora-postgresql16"
parameters = { log_min_duration_statement = "500" }

[cluster_parameter_group.cpg]
family = "aurora-postgresql16"
parameters = { "rds.logical_replication" = "1" }

[instance.orders]
engine = "postgres"
instance_class = "db.t3.micro"
allocated_storage = 20
vpc = "main"
security_groups = ["db"]
parameter_group = "pg"
skip_final_snapshot = true

[cluster.c]
engine = "aurora-postgresql"
vpc = "main"
security_groups = ["db"]
credentials = "managed"
cluster_parameter_group = "cpg"
skip_final_snapshot = true

[[cluster.c.instance]]
name = "a"
instance_class = "db.r6g.large"
parameter_group = "members"
"#;

async fn user_parameters(sdk: &Sdk, group: &str) -> Vec<(String, String)> {
    let out = sdk
        .rds
        .describe_db_parameters()
        .db_parameter_group_name(group)
        .source("user")
        .send()
        .await
        .unwrap();
    let mut v: Vec<(String, String)> = out
        .parameters()
        .iter()
        .map(|p| {
            (
                p.parameter_name().unwrap_or_default().to_string(),
                p.parameter_value().unwrap_or_default().to_string(),
            )
        })
        .collect();
    v.sort();
    v
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn parameter_groups_are_created_used_changed_and_replaced_for_a_new_family() {
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
    assert!(pos("parameter_group.pg: created") < pos("instance.orders: creating"));
    assert!(pos("cluster_parameter_group.cpg: created") < pos("cluster.c: creating"));
    assert_no_changes(&moto, &env);

    let sdk = moto.sdk().await;
    assert_eq!(
        user_parameters(&sdk, "t-pg-postgres16").await,
        [
            ("log_min_duration_statement".to_string(), "1000".to_string()),
            ("max_connections".to_string(), "500".to_string())
        ]
    );
    let i = sdk.instance("t-orders").await;
    assert_eq!(
        i.db_parameter_groups()[0].db_parameter_group_name(),
        Some("t-pg-postgres16")
    );
    let m = sdk.instance("t-c-a").await;
    assert_eq!(
        m.db_parameter_groups()[0].db_parameter_group_name(),
        Some("t-members-aurora-postgresql16")
    );
    let c = sdk
        .rds
        .describe_db_clusters()
        .db_cluster_identifier("t-c")
        .send()
        .await
        .unwrap();
    assert_eq!(
        c.db_clusters()[0].db_cluster_parameter_group(),
        Some("t-cpg-aurora-postgresql16")
    );

    // A value changes: one in-place update of the group, said to wait for a reboot (moto
    // reports no apply types, so rdsplan cannot know the parameter is dynamic), naming the
    // database that must reboot.
    env.write(
        "databases.toml",
        &DATABASES.replace("max_connections = \"500\"", "max_connections = \"600\""),
    );
    let p = rdsplan(Some(&moto), &env.dir(), &["plan", "--env", "t"]);
    assert_shows(
        &p.stdout,
        "~ parameters.max_connections = \"500\" -> \"600\"  # after reboot",
    );
    assert_shows(
        &p.stdout,
        "Plan: 0 to add, 1 to change, 0 to replace, 0 to destroy.",
    );
    assert_shows(
        &p.all(),
        "instance.orders (t-orders) needs a reboot for parameter_group.pg",
    );
    apply_ok(&moto, &env, &[]);
    assert_no_changes(&moto, &env);
    assert!(user_parameters(&sdk, "t-pg-postgres16")
        .await
        .contains(&("max_connections".to_string(), "600".to_string())));

    // A new family: the new group first, the instance moved to it, the old group deleted,
    // without --allow-destroy (nothing is lost).
    env.write(
        "databases.toml",
        &DATABASES.replace("family = \"postgres16\"", "family = \"postgres17\""),
    );
    let r = apply_ok(&moto, &env, &[]);
    let out = &r.stdout;
    let pos = |s: &str| {
        out.find(s)
            .unwrap_or_else(|| panic!("`{s}` not in:\n{out}"))
    };
    assert!(pos("parameter_group.pg: created") < pos("instance.orders: updating"));
    assert!(pos("instance.orders: updated") < pos("parameter_group.pg: deleting"));
    assert_no_changes(&moto, &env);
    let i = sdk.instance("t-orders").await;
    assert_eq!(
        i.db_parameter_groups()[0].db_parameter_group_name(),
        Some("t-pg-postgres17")
    );
    let gone = sdk
        .rds
        .describe_db_parameter_groups()
        .db_parameter_group_name("t-pg-postgres16")
        .send()
        .await;
    assert!(
        gone.map_or(true, |o| o.db_parameter_groups().is_empty()),
        "the old group is deleted"
    );
    assert_eq!(
        user_parameters(&sdk, "t-pg-postgres17").await.len(),
        2,
        "the new group has the files' parameters"
    );
}

#[test]
fn a_group_of_another_engine_is_refused_with_its_place() {
    let env = Env::new(&[
        ("environment.toml", ENV_TOML),
        ("network.toml", NETWORK_TOML),
        (
            "databases.toml",
            &DATABASES.replace("parameter_group = \"members\"", "parameter_group = \"pg\""),
        ),
    ]);
    let r = rdsplan(None, &env.dir(), &["validate"]);
    assert_eq!(r.code, 1, "{}", r.all());
    assert_shows(
        &r.all(),
        "databases.toml:34:19: parameter group `pg` has family `postgres16`, which aurora-postgresql cannot use",
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_database_that_allows_it_is_rebooted_after_a_static_parameter_change() {
    let moto = Moto::start();
    let allowed = DATABASES.replace(
        "parameter_group = \"pg\"\nskip_final_snapshot",
        "parameter_group = \"pg\"\nallow_reboot = true\nskip_final_snapshot",
    );
    assert!(allowed.contains("allow_reboot = true"));
    let env = Env::new(&[
        ("environment.toml", ENV_TOML),
        ("network.toml", NETWORK_TOML),
        ("databases.toml", &allowed),
    ]);
    apply_ok(&moto, &env, &[]);
    assert_no_changes(&moto, &env);
    env.write(
        "databases.toml",
        &allowed.replace("max_connections = \"500\"", "max_connections = \"600\""),
    );
    let p = rdsplan(Some(&moto), &env.dir(), &["plan", "--env", "t"]);
    assert_shows(
        &p.stdout,
        "reboot: after its changes, apply reboots it (allow_reboot = true) for parameter_group.pg (parameters.max_connections)",
    );
    let r = apply_ok(&moto, &env, &[]);
    let out = &r.stdout;
    let pos = |s: &str| {
        out.find(s)
            .unwrap_or_else(|| panic!("`{s}` not in:\n{out}"))
    };
    assert!(pos("parameter_group.pg: updated") < pos("instance.orders: rebooting"));
    assert_shows(out, "instance.orders: rebooted");
    assert_no_changes(&moto, &env);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_major_upgrade_needs_the_flag_and_lands_on_the_new_familys_group() {
    let moto = Moto::start();
    let v15 = r#"
[parameter_group.pg]
family = "postgres15"
parameters = { max_connections = "500" }

[instance.orders]
engine = "postgres"
engine_version = "15"
instance_class = "db.t3.micro"
allocated_storage = 20
vpc = "main"
security_groups = ["db"]
parameter_group = "pg"
skip_final_snapshot = true
"#;
    let env = Env::new(&[
        ("environment.toml", ENV_TOML),
        ("network.toml", NETWORK_TOML),
        ("databases.toml", v15),
    ]);
    apply_ok(&moto, &env, &[]);
    assert_no_changes(&moto, &env);

    let v16 = v15
        .replace("postgres15", "postgres16")
        .replace("engine_version = \"15\"", "engine_version = \"16\"");
    env.write("databases.toml", &v16);
    let p = rdsplan(Some(&moto), &env.dir(), &["plan", "--env", "t"]);
    assert_eq!(p.code, 1, "{}", p.all());
    assert_shows(&p.stderr, "is a major upgrade of t-orders from 15");
    assert_shows(&p.stderr, "set allow_major_version_upgrade = true");

    let allowed = v16.replace(
        "skip_final_snapshot = true",
        "skip_final_snapshot = true\nallow_major_version_upgrade = true",
    );
    env.write("databases.toml", &allowed);
    let p = rdsplan(Some(&moto), &env.dir(), &["plan", "--env", "t"]);
    assert_shows(
        &p.stdout,
        "note: major version upgrade 15 -> 16: an in-place upgrade with downtime",
    );
    assert!(!p.all().contains("needs a reboot"), "{}", p.all());
    let r = apply_ok(&moto, &env, &[]);
    let out = &r.stdout;
    let pos = |s: &str| {
        out.find(s)
            .unwrap_or_else(|| panic!("`{s}` not in:\n{out}"))
    };
    assert!(pos("parameter_group.pg: created") < pos("instance.orders: updating"));
    assert!(pos("instance.orders: updated") < pos("parameter_group.pg: deleting"));
    assert_no_changes(&moto, &env);
    let sdk = moto.sdk().await;
    let i = sdk.instance("t-orders").await;
    let i = &i;
    assert!(i.engine_version().is_some_and(|v| v.starts_with("16")));
    assert_eq!(
        i.db_parameter_groups()[0].db_parameter_group_name(),
        Some("t-pg-postgres16")
    );
    let old = sdk
        .rds
        .describe_db_parameter_groups()
        .db_parameter_group_name("t-pg-postgres15")
        .send()
        .await;
    assert!(old.map_or(true, |o| o.db_parameter_groups().is_empty()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_existing_group_is_used_by_name_and_a_missing_one_is_a_plan_error() {
    let moto = Moto::start();
    let sdk = moto.sdk().await;
    sdk.rds
        .create_db_parameter_group()
        .db_parameter_group_name("shared-postgres16")
        .db_parameter_group_family("postgres16")
        .description("owned by the DBA team")
        .send()
        .await
        .unwrap();
    let db = |group: &str| {
        format!(
            r#"
[instance.orders]
engine = "postgres"
instance_class = "db.t3.micro"
allocated_storage = 20
vpc = "main"
security_groups = ["db"]
parameter_group = "{group}"
skip_final_snapshot = true
"#
        )
    };
    let env = Env::new(&[
        ("environment.toml", ENV_TOML),
        ("network.toml", NETWORK_TOML),
        ("databases.toml", &db("no-such-group")),
    ]);
    let p = rdsplan(Some(&moto), &env.dir(), &["plan", "--env", "t"]);
    assert_eq!(p.code, 1, "{}", p.all());
    assert_shows(
        &p.stderr,
        "parameter_group `no-such-group` is not a group of this environment and does not exist in AWS",
    );
    env.write("databases.toml", &db("shared-postgres16"));
    apply_ok(&moto, &env, &[]);
    assert_no_changes(&moto, &env);
    let i = sdk.instance("t-orders").await;
    assert_eq!(
        i.db_parameter_groups()[0].db_parameter_group_name(),
        Some("shared-postgres16")
    );
    // Used, never changed or tagged: it is not the environment's.
    let tags = sdk
        .rds
        .list_tags_for_resource()
        .resource_name("arn:aws:rds:us-west-2:123456789012:pg:shared-postgres16")
        .send()
        .await
        .unwrap();
    assert!(tags.tag_list().is_empty());
}
