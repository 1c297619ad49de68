//! End-to-end scenarios against moto: apply, change, delete, look-alikes, interruption.

use super::support::*;

async fn secret_json(sdk: &Sdk, name: &str) -> serde_json::Value {
    let v = sdk
        .secrets
        .get_secret_value()
        .version_stage("AWSCURRENT")
        .secret_id(name)
        .send()
        .await
        .unwrap();
    serde_json::from_str(v.secret_string().unwrap()).unwrap()
}

async fn instance_class(sdk: &Sdk, ident: &str) -> Option<String> {
    let out = sdk.rds.describe_db_instances().send().await.unwrap();
    out.db_instances()
        .iter()
        .find(|i| i.db_instance_identifier() == Some(ident))
        .map(|i| i.db_instance_class().unwrap_or_default().to_string())
}

/// Owned resources of environment `t` per kind, counted with the SDK.
async fn counts(sdk: &Sdk) -> [usize; 5] {
    let f = || ec2_tag("rdsplan:environment", "t");
    let vpcs = sdk
        .ec2
        .describe_vpcs()
        .filters(f())
        .send()
        .await
        .unwrap()
        .vpcs()
        .len();
    let subnets = sdk
        .ec2
        .describe_subnets()
        .filters(f())
        .send()
        .await
        .unwrap()
        .subnets()
        .len();
    let groups = sdk
        .ec2
        .describe_security_groups()
        .filters(f())
        .send()
        .await
        .unwrap()
        .security_groups()
        .len();
    let secrets = sdk
        .secrets
        .list_secrets()
        .send()
        .await
        .unwrap()
        .secret_list()
        .iter()
        .filter(|s| s.name().is_some_and(|n| n.starts_with("rdsplan/t/")))
        .count();
    let instances = sdk
        .rds
        .describe_db_instances()
        .send()
        .await
        .unwrap()
        .db_instances()
        .iter()
        .filter(|i| {
            i.db_instance_identifier()
                .is_some_and(|n| n.starts_with("t-"))
        })
        .count();
    [vpcs, subnets, groups, secrets, instances]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn apply_from_empty_then_plan_shows_no_changes() {
    let moto = Moto::start();
    let env = Env::standard("db.t3.micro");
    let plan = rdsplan(
        Some(&moto),
        &env.dir(),
        &["plan", "--env", "t", "--detailed-exitcode"],
    );
    assert_eq!(plan.code, 2, "{}", plan.all());
    assert_shows(
        &plan.stdout,
        "Plan: 8 to add, 0 to change, 0 to replace, 0 to destroy.",
    );
    let applied = apply_ok(&moto, &env, &[]);
    assert_no_changes(&moto, &env);
    let json = rdsplan(
        Some(&moto),
        &env.dir(),
        &["plan", "--env", "t", "--format", "json"],
    );
    let doc: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(doc["format_version"], "1.0");
    assert_eq!(doc["summary"]["add"], 0);

    let sdk = moto.sdk().await;
    assert_eq!(counts(&sdk).await, [1, 3, 1, 1, 1]);
    let secret = secret_json(&sdk, "rdsplan/t/orders").await;
    let instance = sdk
        .rds
        .describe_db_instances()
        .db_instance_identifier("t-orders")
        .send()
        .await
        .unwrap();
    let endpoint = instance.db_instances()[0].endpoint().unwrap();
    assert_eq!(secret["host"], endpoint.address().unwrap());
    assert_eq!(secret["port"], 3306);
    assert_eq!(secret["username"], "admin");
    assert_eq!(secret["dbname"], "orders");
    assert_eq!(secret["engine"], "mysql");
    assert_eq!(secret["dbInstanceIdentifier"], "t-orders");
    let password = secret["password"].as_str().unwrap();
    assert!(password.len() >= 32);
    for out in [&applied, &plan, &json] {
        assert!(
            !out.all().contains(password),
            "the generated password was printed"
        );
    }
    // Tags were set in the create calls: the instance carries ownership and user tags.
    let tags = instance.db_instances()[0].tag_list();
    let has = |k: &str, v: &str| {
        tags.iter()
            .any(|t| t.key() == Some(k) && t.value() == Some(v))
    };
    assert!(has("rdsplan:environment", "t") && has("rdsplan:address", "instance.orders"));
    assert!(has("managed-by", "rdsplan") && has("team", "test"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn changing_the_instance_class_is_one_in_place_update() {
    let moto = Moto::start();
    let env = Env::standard("db.t3.micro");
    apply_ok(&moto, &env, &[]);
    env.write("databases.toml", &instance_toml("db.t3.small"));
    let plan = rdsplan(
        Some(&moto),
        &env.dir(),
        &["plan", "--env", "t", "--detailed-exitcode"],
    );
    assert_eq!(plan.code, 2, "{}", plan.all());
    assert_shows(&plan.stdout, "~ instance.orders (t-orders");
    assert_shows(
        &plan.stdout,
        r#"~ instance_class = "db.t3.micro" -> "db.t3.small""#,
    );
    assert_shows(
        &plan.stdout,
        "Plan: 0 to add, 1 to change, 0 to replace, 0 to destroy.",
    );
    apply_ok(&moto, &env, &[]);
    assert_no_changes(&moto, &env);
    let sdk = moto.sdk().await;
    assert_eq!(
        instance_class(&sdk, "t-orders").await.as_deref(),
        Some("db.t3.small")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn removing_an_instance_needs_allow_destroy_and_takes_a_final_snapshot() {
    let moto = Moto::start();
    let env = Env::standard("db.t3.micro");
    apply_ok(&moto, &env, &[]);
    env.remove("databases.toml");
    let plan = rdsplan(Some(&moto), &env.dir(), &["plan", "--env", "t"]);
    assert_shows(&plan.stdout, "- instance.orders (t-orders");
    assert_shows(
        &plan.stdout,
        "DATA LOSS: instance.orders (t-orders) would be deleted",
    );
    assert_shows(&plan.stdout, "final snapshot: yes");
    assert!(
        plan.stdout.contains("a final snapshot `t-orders-final-"),
        "the plan names the snapshot: {}",
        plan.stdout
    );

    let refused = rdsplan(
        Some(&moto),
        &env.dir(),
        &["apply", "--env", "t", "--auto-approve"],
    );
    assert_eq!(refused.code, 1, "{}", refused.all());
    assert_shows(&refused.stderr, "--allow-destroy");
    let sdk = moto.sdk().await;
    assert!(
        instance_class(&sdk, "t-orders").await.is_some(),
        "refused apply deleted the instance"
    );

    apply_ok(&moto, &env, &["--allow-destroy"]);
    assert!(instance_class(&sdk, "t-orders").await.is_none());
    let snaps = sdk
        .rds
        .describe_db_snapshots()
        .db_instance_identifier("t-orders")
        .send()
        .await
        .unwrap();
    assert!(
        snaps.db_snapshots().iter().any(|s| s
            .db_snapshot_identifier()
            .is_some_and(|i| i.starts_with("t-orders-final-"))),
        "no final snapshot: {:?}",
        snaps.db_snapshots()
    );
    // The secret is kept for the snapshot's sake: scheduled for deletion, not deleted.
    let secret = sdk
        .secrets
        .describe_secret()
        .secret_id("rdsplan/t/orders")
        .send()
        .await
        .unwrap();
    assert!(secret.deleted_date().is_some());
    assert_no_changes(&moto, &env);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn untagged_look_alikes_are_left_alone() {
    let moto = Moto::start();
    let sdk = moto.sdk().await;
    // Someone else's database with the identifier the files want, and a VPC with our name.
    sdk.rds
        .create_db_instance()
        .db_instance_identifier("t-orders")
        .engine("mysql")
        .db_instance_class("db.t3.large")
        .allocated_storage(50)
        .master_username("admin")
        .master_user_password("not-ours-123")
        .send()
        .await
        .unwrap();
    sdk.ec2
        .create_vpc()
        .cidr_block("10.0.0.0/16")
        .tag_specifications(
            aws_sdk_ec2::types::TagSpecification::builder()
                .resource_type(aws_sdk_ec2::types::ResourceType::Vpc)
                .tags(
                    aws_sdk_ec2::types::Tag::builder()
                        .key("Name")
                        .value("t-main")
                        .build(),
                )
                .build(),
        )
        .send()
        .await
        .unwrap();
    let env = Env::standard("db.t3.micro");
    let plan = rdsplan(Some(&moto), &env.dir(), &["plan", "--env", "t"]);
    assert_eq!(plan.code, 0, "{}", plan.all());
    assert_shows(
        &plan.stdout,
        "! instance.orders (t-orders) cannot be created: its name is taken",
    );
    assert_shows(&plan.stdout, "rdsplan import");

    let r = rdsplan(
        Some(&moto),
        &env.dir(),
        &["apply", "--env", "t", "--auto-approve"],
    );
    assert_eq!(r.code, 1, "apply must not report convergence:\n{}", r.all());
    assert_shows(&r.stdout, "Not converged");
    // The look-alike is untouched: same class, no tags, not deleted.
    assert_eq!(
        instance_class(&sdk, "t-orders").await.as_deref(),
        Some("db.t3.large")
    );
    let foreign = sdk
        .rds
        .describe_db_instances()
        .db_instance_identifier("t-orders")
        .send()
        .await
        .unwrap();
    assert!(foreign.db_instances()[0].tag_list().is_empty());
    // Both VPCs exist: the look-alike and the one rdsplan created and tagged.
    let vpcs = sdk.ec2.describe_vpcs().send().await.unwrap();
    let named: Vec<_> = vpcs
        .vpcs()
        .iter()
        .filter(|v| {
            v.tags()
                .iter()
                .any(|t| t.key() == Some("Name") && t.value() == Some("t-main"))
        })
        .collect();
    assert_eq!(named.len(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_interrupted_apply_converges_when_run_again_without_duplicates() {
    let moto = Moto::start();
    let env = Env::standard("db.t3.micro");
    let (mut child, seen, _rest) = apply_until(&moto, &env, |l| l.contains(": created"));
    // Killed right after its first completed step, as a crash or a cancelled CI job would.
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(seen.iter().any(|l| l.contains(": created")), "{seen:?}");
    let partial = rdsplan(
        Some(&moto),
        &env.dir(),
        &["plan", "--env", "t", "--detailed-exitcode"],
    );
    assert_eq!(
        partial.code,
        2,
        "the first run should have been cut short:\n{}",
        partial.all()
    );

    apply_ok(&moto, &env, &[]);
    assert_no_changes(&moto, &env);
    let sdk = moto.sdk().await;
    assert_eq!(
        counts(&sdk).await,
        [1, 3, 1, 1, 1],
        "vpc, subnets, groups, secrets, instances"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn public_vpc_group_references_and_managed_credentials() {
    let moto = Moto::start();
    let env = Env::new(&[
        ("environment.toml", ENV_TOML),
        (
            "all.toml",
            r#"
[vpc.main]
cidr = "10.0.0.0/16"
azs = 2
public = true

[security_group.db]
vpc = "main"
[[security_group.db.ingress]]
port = 5432
security_group = "app"
[[security_group.db.ingress]]
from_port = 5000
to_port = 5010
cidrs = ["10.1.0.0/16", "10.2.0.0/16"]

[security_group.app]
vpc = "main"

[instance.pg]
engine = "postgres"
instance_class = "db.t3.micro"
allocated_storage = 20
vpc = "main"
security_groups = ["db"]
credentials = "managed"
"#,
        ),
    ]);
    apply_ok(&moto, &env, &["--parallelism", "8"]);
    assert_no_changes(&moto, &env);
    let sdk = moto.sdk().await;
    let f = |n: &str, v: &str| {
        aws_sdk_ec2::types::Filter::builder()
            .name(n)
            .values(v)
            .build()
    };
    let igws = sdk
        .ec2
        .describe_internet_gateways()
        .filters(f("tag:rdsplan:address", "vpc.main.internet_gateway"))
        .send()
        .await
        .unwrap();
    let igw = &igws.internet_gateways()[0];
    assert_eq!(igw.attachments().len(), 1, "the gateway is attached");
    let rts = sdk
        .ec2
        .describe_route_tables()
        .filters(f("tag:rdsplan:address", "vpc.main.route_table"))
        .send()
        .await
        .unwrap();
    let rt = &rts.route_tables()[0];
    assert!(rt
        .routes()
        .iter()
        .any(|r| r.destination_cidr_block() == Some("0.0.0.0/0")
            && r.gateway_id() == igw.internet_gateway_id()));
    assert_eq!(
        rt.associations()
            .iter()
            .filter(|a| a.subnet_id().is_some())
            .count(),
        2
    );
    // RDS keeps the password: rdsplan made no secret of its own.
    let instance = sdk
        .rds
        .describe_db_instances()
        .db_instance_identifier("t-pg")
        .send()
        .await
        .unwrap();
    assert!(instance.db_instances()[0].master_user_secret().is_some());
    let secrets = sdk.secrets.list_secrets().send().await.unwrap();
    assert!(!secrets
        .secret_list()
        .iter()
        .any(|s| s.name().is_some_and(|n| n.starts_with("rdsplan/t/"))));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn security_group_rules_are_reconciled_in_place() {
    let moto = Moto::start();
    let env = Env::standard("db.t3.micro");
    apply_ok(&moto, &env, &[]);
    env.write(
        "network.toml",
        &NETWORK_TOML.replace(
            "port = 3306\ncidr = \"10.0.0.0/16\"",
            "port = 3307\ncidr = \"10.0.0.0/16\"",
        ),
    );
    let plan = rdsplan(Some(&moto), &env.dir(), &["plan", "--env", "t"]);
    assert_shows(&plan.stdout, "~ security_group.db");
    assert_shows(
        &plan.stdout,
        "Plan: 0 to add, 1 to change, 0 to replace, 0 to destroy.",
    );
    apply_ok(&moto, &env, &[]);
    assert_no_changes(&moto, &env);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn apply_without_a_terminal_needs_auto_approve_and_changes_nothing() {
    let moto = Moto::start();
    let env = Env::standard("db.t3.micro");
    let r = rdsplan(Some(&moto), &env.dir(), &["apply", "--env", "t"]);
    assert_eq!(r.code, 1, "{}", r.all());
    assert_shows(&r.stderr, "pass --auto-approve");
    let sdk = moto.sdk().await;
    assert_eq!(counts(&sdk).await, [0, 0, 0, 0, 0]);
}

/// Groups that name each other (app ↔ db, common): both groups are made, then their rules;
/// the next plan has nothing to do, and a rule change later converges the same way.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn security_groups_that_name_each_other_apply_and_replan_clean() {
    const MUTUAL: &str = r#"
[vpc.main]
cidr = "10.0.0.0/16"
azs = 3

[security_group.app]
vpc = "main"
description = "application servers"

[[security_group.app.egress]]
port = 5432
security_group = "db"

[security_group.db]
vpc = "main"
description = "database access"

[[security_group.db.ingress]]
port = 5432
security_group = "app"

[[security_group.db.egress]]
protocol = "all"
security_group = "app"
"#;
    let moto = Moto::start();
    let env = Env::new(&[("environment.toml", ENV_TOML), ("network.toml", MUTUAL)]);
    let v = rdsplan(None, &env.dir(), &["validate"]);
    assert_eq!(v.code, 0, "{}", v.all());
    let r = apply_ok(&moto, &env, &[]);
    assert_shows(&r.stdout, "security_group.db: rules set");
    assert_no_changes(&moto, &env);
    let sdk = moto.sdk().await;
    let groups = sdk
        .ec2
        .describe_security_groups()
        .filters(ec2_tag("rdsplan:environment", "t"))
        .send()
        .await
        .unwrap();
    let id_of = |name: &str| {
        groups
            .security_groups()
            .iter()
            .find(|g| g.group_name() == Some(name))
            .and_then(|g| g.group_id())
            .unwrap()
            .to_string()
    };
    let (app, db) = (id_of("t-app"), id_of("t-db"));
    let db_group = groups
        .security_groups()
        .iter()
        .find(|g| g.group_name() == Some("t-db"))
        .unwrap();
    assert!(db_group
        .ip_permissions()
        .iter()
        .any(|p| p.from_port() == Some(5432)
            && p.user_id_group_pairs()
                .iter()
                .any(|g| g.group_id() == Some(app.as_str()))));
    assert_ne!(app, db);
    // A changed port on a rule naming the other group: updated in place, no outage of the rest.
    env.write(
        "network.toml",
        &MUTUAL.replace(
            "port = 5432\nsecurity_group = \"app\"",
            "port = 5433\nsecurity_group = \"app\"",
        ),
    );
    apply_ok(&moto, &env, &[]);
    assert_no_changes(&moto, &env);
}

/// An IAM role's description is what the files say: sent to CreateRole, compared, and changed
/// in place with UpdateRole.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_iam_roles_description_is_created_and_converged() {
    let role = |desc: &str| {
        format!("[iam_role.mon]\nassumed_by = \"monitoring.rds.amazonaws.com\"\ndescription = \"{desc}\"\n")
    };
    let moto = Moto::start();
    let env = Env::new(&[
        ("environment.toml", ENV_TOML),
        ("roles.toml", &role("enhanced monitoring")),
    ]);
    apply_ok(&moto, &env, &[]);
    assert_no_changes(&moto, &env);
    let sdk = moto.sdk().await;
    let desc = |r: aws_sdk_iam::operation::get_role::GetRoleOutput| {
        r.role()
            .and_then(|r| r.description())
            .unwrap_or_default()
            .to_string()
    };
    let got = sdk.iam.get_role().role_name("t-mon").send().await.unwrap();
    assert_eq!(desc(got), "enhanced monitoring");
    env.write("roles.toml", &role("enhanced monitoring of orders"));
    let plan = rdsplan(Some(&moto), &env.dir(), &["plan", "--env", "t"]);
    assert_shows(
        &plan.stdout,
        "~ description = \"enhanced monitoring\" -> \"enhanced monitoring of orders\"",
    );
    apply_ok(&moto, &env, &[]);
    assert_no_changes(&moto, &env);
    let got = sdk.iam.get_role().role_name("t-mon").send().await.unwrap();
    assert_eq!(desc(got), "enhanced monitoring of orders");
}

/// An instance named like its VPC (`instance.main` in `vpc.main`): the instance and the VPC's
/// DB subnet group have one AWS name (`t-main`), and each is still read as itself, so the next
/// plan has nothing to do (it used to move the instance to a subnet group named after itself).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_instance_named_like_its_vpc_plans_clean() {
    let moto = Moto::start();
    let env = Env::new(&[
        ("environment.toml", ENV_TOML),
        ("network.toml", NETWORK_TOML),
        (
            "databases.toml",
            &instance_toml("db.t3.micro").replace("[instance.orders]", "[instance.main]"),
        ),
    ]);
    apply_ok(&moto, &env, &[]);
    assert_no_changes(&moto, &env);
}
