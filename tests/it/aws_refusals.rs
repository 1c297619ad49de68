//! What AWS refuses and moto accepts, enforced by the test proxy (`proxy_rules`): rdsplan never
//! asks for it. A taken identifier is a conflict, never a create; a second storage change
//! within six hours waits; a static parameter change is pending until the reboot that
//! `allow_reboot` allows.

use super::proxy::Proxy;
use super::support::*;

const APPLY: [&str; 5] = ["apply", "--env", "t", "--auto-approve", "--allow-destroy"];

fn single(extra: &str) -> String {
    format!(
        "[instance.orders]\nengine = \"postgres\"\nengine_version = \"16\"\ninstance_class = \"db.t3.micro\"\nvpc = \"main\"\nskip_final_snapshot = true\n{extra}"
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_taken_identifier_is_a_conflict_never_a_create() {
    let moto = Moto::start();
    let proxy = Proxy::start(&moto.url);
    let sdk = moto.sdk().await;
    // Someone else's instance and cluster hold the identifiers the files want.
    sdk.rds
        .create_db_instance()
        .db_instance_identifier("t-orders")
        .engine("postgres")
        .db_instance_class("db.t3.large")
        .allocated_storage(50)
        .master_username("admin")
        .master_user_password("not-ours-123")
        .send()
        .await
        .unwrap();
    sdk.rds
        .create_db_cluster()
        .db_cluster_identifier("t-c")
        .engine("aurora-postgresql")
        .master_username("admin")
        .master_user_password("not-ours-123")
        .send()
        .await
        .unwrap();
    // The proxy refuses a create onto a taken identifier, as AWS does (moto overwrites).
    let via = sdk_for(&proxy.url).await;
    let err = via
        .rds
        .create_db_cluster()
        .db_cluster_identifier("t-c")
        .engine("aurora-postgresql")
        .master_username("admin")
        .master_user_password("another-one-123")
        .send()
        .await
        .expect_err("a second cluster with one identifier");
    assert_eq!(
        aws_sdk_rds::error::ProvideErrorMetadata::code(&err),
        Some("DBClusterAlreadyExistsFault")
    );
    let refused_before = proxy.refused();

    let env = Env::new(&[
        ("environment.toml", ENV_TOML),
        ("network.toml", NETWORK_TOML),
        (
            "databases.toml",
            &format!(
                "{}\n[cluster.c]\nengine = \"aurora-postgresql\"\nvpc = \"main\"\nskip_final_snapshot = true\n\n[[cluster.c.instance]]\nname = \"a\"\ninstance_class = \"db.r6g.large\"\n",
                single("allocated_storage = 20\n")
            ),
        ),
    ]);
    let plan = through(&moto, &proxy, &env, &["plan", "--env", "t"]);
    assert_eq!(plan.code, 0, "{}", plan.all());
    assert_shows(
        &plan.stdout,
        "! instance.orders (t-orders) cannot be created: its name is taken",
    );
    assert_shows(
        &plan.stdout,
        "! cluster.c (t-c) cannot be created: its name is taken",
    );
    let r = through(&moto, &proxy, &env, &APPLY);
    assert_eq!(r.code, 1, "{}", r.all());
    assert_shows(&r.stdout, "Not converged");
    assert_eq!(proxy.refused(), refused_before, "{}", r.all());
    // Both are untouched.
    assert_eq!(
        sdk.instance("t-orders").await.db_instance_class(),
        Some("db.t3.large")
    );
    let c = sdk
        .rds
        .describe_db_clusters()
        .db_cluster_identifier("t-c")
        .send()
        .await
        .unwrap();
    assert!(c.db_clusters()[0].tag_list().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_storage_change_within_six_hours_waits() {
    let moto = Moto::start();
    let proxy = Proxy::start(&moto.url);
    let sdk = moto.sdk().await;
    let env = Env::new(&[
        ("environment.toml", ENV_TOML),
        ("network.toml", NETWORK_TOML),
        (
            "databases.toml",
            &single("allocated_storage = 20\napply_immediately = true\n"),
        ),
    ]);
    let r = through(&moto, &proxy, &env, &APPLY);
    assert_eq!(r.code, 0, "{}", r.all());
    env.write(
        "databases.toml",
        &single("allocated_storage = 30\napply_immediately = true\n"),
    );
    let r = through(&moto, &proxy, &env, &APPLY);
    assert_eq!(r.code, 0, "{}", r.all());
    assert_eq!(sdk.instance("t-orders").await.allocated_storage(), Some(30));

    // The next storage change: AWS would refuse it for six hours; rdsplan reads the change's
    // event, holds it back and says until when.
    env.write(
        "databases.toml",
        &single("allocated_storage = 40\napply_immediately = true\n"),
    );
    let plan = through(&moto, &proxy, &env, &["plan", "--env", "t"]);
    assert_eq!(plan.code, 0, "{}", plan.all());
    assert_shows(&plan.all(), "AWS allows one every 6 hours");
    let r = through(&moto, &proxy, &env, &APPLY);
    assert_eq!(r.code, 0, "{}", r.all());
    assert_eq!(
        proxy.refused_with("InvalidParameterCombination"),
        0,
        "{}",
        r.all()
    );
    assert_eq!(sdk.instance("t-orders").await.allocated_storage(), Some(30));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_static_parameter_change_is_pending_until_an_allowed_reboot() {
    let moto = Moto::start();
    let proxy = Proxy::start(&moto.url);
    let files = |connections: &str, reboot: bool| {
        format!(
            "[parameter_group.pg]\nfamily = \"postgres16\"\nparameters = {{ max_connections = \"{connections}\" }}\n\n{}",
            single(&format!(
                "allocated_storage = 20\nparameter_group = \"pg\"\nallow_reboot = {reboot}\n"
            ))
        )
    };
    let env = Env::new(&[
        ("environment.toml", ENV_TOML),
        ("network.toml", NETWORK_TOML),
        ("databases.toml", &files("500", false)),
    ]);
    let r = through(&moto, &proxy, &env, &APPLY);
    assert_eq!(r.code, 0, "{}", r.all());
    let status = |i: aws_sdk_rds::types::DbInstance| {
        i.db_parameter_groups()[0]
            .parameter_apply_status()
            .unwrap_or_default()
            .to_string()
    };
    assert_eq!(status(sdk_via(&proxy).await), "in-sync");

    // Without allow_reboot the change is made and waits for a reboot: pending, not planned
    // again, and the plan says who needs the reboot.
    env.write("databases.toml", &files("600", false));
    let r = through(&moto, &proxy, &env, &APPLY);
    assert_eq!(r.code, 0, "{}", r.all());
    assert_eq!(status(sdk_via(&proxy).await), "pending-reboot");
    let plan = through(
        &moto,
        &proxy,
        &env,
        &["plan", "--env", "t", "--detailed-exitcode"],
    );
    assert_eq!(
        plan.code,
        0,
        "a pending reboot is not a change:\n{}",
        plan.all()
    );
    assert_shows(&plan.all(), "needs a reboot");
    assert_eq!(proxy.calls("RebootDBInstance"), 0);

    // Allowed: apply reboots it once, and AWS then has the change in effect.
    env.write("databases.toml", &files("600", true));
    let r = through(&moto, &proxy, &env, &APPLY);
    assert_eq!(r.code, 0, "{}", r.all());
    assert_eq!(proxy.calls("RebootDBInstance"), 1, "{}", r.all());
    assert_eq!(status(sdk_via(&proxy).await), "in-sync");
    let plan = through(
        &moto,
        &proxy,
        &env,
        &["plan", "--env", "t", "--detailed-exitcode"],
    );
    assert_eq!(plan.code, 0, "{}", plan.all());
    assert!(!plan.all().contains("needs a reboot"), "{}", plan.all());
}

/// The instance as the proxy shows it (its parameter apply status is the proxy's).
async fn sdk_via(proxy: &Proxy) -> aws_sdk_rds::types::DbInstance {
    sdk_for(&proxy.url).await.instance("t-orders").await
}
