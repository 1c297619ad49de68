//! Databases in networks rdsplan does not own: a VPC, subnets and security groups made by
//! someone else (with the AWS API, untagged), named by id in the files.

use super::support::*;
use aws_sdk_ec2::types::Filter;

struct Network {
    vpc: String,
    subnets: Vec<String>,
    group: String,
}

/// A VPC with two subnets in two AZs and a security group, as a network team would make them.
async fn network_team(sdk: &Sdk, cidr_base: u8) -> Network {
    let vpc = sdk
        .ec2
        .create_vpc()
        .cidr_block(format!("10.{cidr_base}.0.0/16"))
        .send()
        .await
        .unwrap();
    let vpc = vpc.vpc().unwrap().vpc_id().unwrap().to_string();
    let mut subnets = Vec::new();
    for (i, az) in ["us-west-2a", "us-west-2b"].iter().enumerate() {
        let s = sdk
            .ec2
            .create_subnet()
            .vpc_id(&vpc)
            .availability_zone(*az)
            .cidr_block(format!("10.{cidr_base}.{}.0/24", i + 1))
            .send()
            .await
            .unwrap();
        subnets.push(s.subnet().unwrap().subnet_id().unwrap().to_string());
    }
    let g = sdk
        .ec2
        .create_security_group()
        .group_name("shared-app")
        .description("the app tier, owned by the network team")
        .vpc_id(&vpc)
        .send()
        .await
        .unwrap();
    Network {
        vpc,
        subnets,
        group: g.group_id().unwrap().to_string(),
    }
}

fn network_toml(n: &Network) -> String {
    format!(
        r#"
[vpc.shared]
id = "{}"
subnets = ["{}", "{}"]

[security_group.db]
vpc = "shared"
description = "database access"

[[security_group.db.ingress]]
protocol = "tcp"
port = 5432
security_group = "{}"
"#,
        n.vpc, n.subnets[0], n.subnets[1], n.group
    )
}

fn database_toml(groups: &str) -> String {
    format!(
        r#"
[instance.orders]
engine = "postgres"
engine_version = "16"
instance_class = "db.t3.micro"
allocated_storage = 20
vpc = "shared"
security_groups = [{groups}]
skip_final_snapshot = true
"#
    )
}

async fn has_rdsplan_tags(sdk: &Sdk, id: &str) -> bool {
    let out = sdk
        .ec2
        .describe_tags()
        .filters(Filter::builder().name("resource-id").values(id).build())
        .send()
        .await
        .unwrap();
    out.tags()
        .iter()
        .any(|t| t.key().is_some_and(|k| k.starts_with("rdsplan:")))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_database_in_a_vpc_subnets_and_group_rdsplan_does_not_own() {
    let moto = Moto::start();
    let sdk = moto.sdk().await;
    let n = network_team(&sdk, 7).await;
    let env = Env::new(&[
        ("environment.toml", ENV_TOML),
        ("network.toml", &network_toml(&n)),
        (
            "databases.toml",
            &database_toml(&format!("\"db\", \"{}\"", n.group)),
        ),
    ]);
    let plan = rdsplan(Some(&moto), &env.dir(), &["plan", "--env", "t"]);
    assert_eq!(plan.code, 0, "{}", plan.all());
    assert!(
        !plan.stdout.contains("vpc.shared "),
        "an existing VPC is not planned:\n{}",
        plan.stdout
    );
    apply_ok(&moto, &env, &[]);
    assert_no_changes(&moto, &env);
    // On a network it does not own, a plan reads no AZs (it makes no VPC), no gateways or
    // route tables, and the subnets only by the ids the files name.
    let proxy = super::proxy::Proxy::start(&moto.url);
    let r = rdsplan_via(&moto, &proxy.url, &env.dir(), &["plan", "--env", "t"], &[]);
    assert_eq!(r.code, 0, "{}", r.all());
    let calls = proxy.calls_by_action();
    for (action, n) in [
        ("DescribeAvailabilityZones", 0),
        ("DescribeInternetGateways", 0),
        ("DescribeRouteTables", 0),
        ("DescribeSubnets", 1),
    ] {
        assert_eq!(
            calls.get(action).copied().unwrap_or(0),
            n,
            "{action}: {calls:?}"
        );
    }

    // The database sits in rdsplan's subnet group over the listed subnets, with both groups.
    let db = sdk.instance("t-orders").await;
    let group = db.db_subnet_group().unwrap();
    assert_eq!(group.db_subnet_group_name(), Some("t-shared"));
    assert_eq!(group.vpc_id(), Some(n.vpc.as_str()));
    let mut in_subnets: Vec<&str> = group
        .subnets()
        .iter()
        .filter_map(|s| s.subnet_identifier())
        .collect();
    in_subnets.sort();
    let mut want = n.subnets.clone();
    want.sort();
    assert_eq!(in_subnets, want);
    let ours = sdk
        .ec2
        .describe_security_groups()
        .filters(ec2_tag("rdsplan:address", "security_group.db"))
        .send()
        .await
        .unwrap();
    let ours = ours.security_groups()[0].clone();
    assert_eq!(
        ours.vpc_id(),
        Some(n.vpc.as_str()),
        "created in the shared VPC"
    );
    let mut groups: Vec<&str> = db
        .vpc_security_groups()
        .iter()
        .filter_map(|g| g.vpc_security_group_id())
        .collect();
    groups.sort();
    let mut want = vec![ours.group_id().unwrap(), n.group.as_str()];
    want.sort();
    assert_eq!(groups, want);

    // Nothing foreign was tagged.
    for id in [&n.vpc, &n.subnets[0], &n.subnets[1], &n.group] {
        assert!(!has_rdsplan_tags(&sdk, id).await, "{id} was tagged");
    }

    // Removing the database (and the group) deletes what rdsplan made, nothing foreign.
    env.remove("databases.toml");
    env.write(
        "network.toml",
        &format!(
            "[vpc.shared]\nid = \"{}\"\nsubnets = [\"{}\", \"{}\"]\n",
            n.vpc, n.subnets[0], n.subnets[1]
        ),
    );
    let r = apply_ok(&moto, &env, &["--allow-destroy"]);
    assert_shows(&r.stdout, "instance.orders");
    let vpcs = sdk
        .ec2
        .describe_vpcs()
        .vpc_ids(&n.vpc)
        .send()
        .await
        .unwrap();
    assert_eq!(vpcs.vpcs().len(), 1, "the shared VPC is still there");
    let subnets = sdk
        .ec2
        .describe_subnets()
        .set_subnet_ids(Some(n.subnets.clone()))
        .send()
        .await
        .unwrap();
    assert_eq!(
        subnets.subnets().len(),
        2,
        "the shared subnets are still there"
    );
    let g = sdk
        .ec2
        .describe_security_groups()
        .group_ids(&n.group)
        .send()
        .await
        .unwrap();
    assert_eq!(
        g.security_groups().len(),
        1,
        "the shared group is still there"
    );
    assert_no_changes(&moto, &env);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ids_that_do_not_exist_or_sit_elsewhere_are_plan_errors_with_their_place() {
    let moto = Moto::start();
    let sdk = moto.sdk().await;
    let n = network_team(&sdk, 8).await;
    let other = network_team(&sdk, 9).await;
    let env = Env::new(&[
        ("environment.toml", ENV_TOML),
        ("network.toml", &network_toml(&n)),
        (
            "databases.toml",
            &database_toml("\"db\", \"sg-0123456789abcdef0\""),
        ),
    ]);
    let r = rdsplan(Some(&moto), &env.dir(), &["plan", "--env", "t"]);
    assert_eq!(r.code, 1, "{}", r.all());
    assert_shows(
        &r.stderr,
        "databases.toml:8:26: security group sg-0123456789abcdef0 does not exist",
    );

    // A group of another VPC, and a subnet of another VPC.
    env.write(
        "databases.toml",
        &database_toml(&format!("\"db\", \"{}\"", other.group)),
    );
    env.write(
        "network.toml",
        &network_toml(&Network {
            vpc: n.vpc.clone(),
            subnets: vec![n.subnets[0].clone(), other.subnets[1].clone()],
            group: n.group.clone(),
        }),
    );
    let r = rdsplan(Some(&moto), &env.dir(), &["plan", "--env", "t"]);
    assert_eq!(r.code, 1, "{}", r.all());
    assert_shows(
        &r.stderr,
        &format!(
            "subnet {} is in {}, not in {}",
            other.subnets[1], other.vpc, n.vpc
        ),
    );
    assert_shows(
        &r.stderr,
        &format!(
            "security group {} (shared-app) is in {}",
            other.group, other.vpc
        ),
    );
    assert_shows(&r.stderr, "network.toml:4:");
    assert_shows(&r.stderr, "2 problems found.");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_imported_database_in_a_foreign_subnet_group_plans_with_no_change() {
    let moto = Moto::start();
    let sdk = moto.sdk().await;
    let n = network_team(&sdk, 10).await;
    sdk.rds
        .create_db_subnet_group()
        .db_subnet_group_name("legacy-db")
        .db_subnet_group_description("made by hand")
        .set_subnet_ids(Some(n.subnets.clone()))
        .send()
        .await
        .unwrap();
    let default_group = sdk
        .ec2
        .describe_security_groups()
        .filters(Filter::builder().name("vpc-id").values(&n.vpc).build())
        .filters(
            Filter::builder()
                .name("group-name")
                .values("default")
                .build(),
        )
        .send()
        .await
        .unwrap();
    let default_group = default_group.security_groups()[0]
        .group_id()
        .unwrap()
        .to_string();
    sdk.rds
        .create_db_instance()
        .db_instance_identifier("legacy")
        .engine("postgres")
        .engine_version("16.3")
        .db_instance_class("db.t3.small")
        .allocated_storage(20)
        .master_username("app")
        .master_user_password("not-in-secrets-123")
        .db_subnet_group_name("legacy-db")
        .vpc_security_group_ids(&default_group)
        .send()
        .await
        .unwrap();
    let env = Env::new(&[("environment.toml", ENV_TOML)]);
    let file = env.dir().join("t").join("imported.toml");
    let file = file.to_str().unwrap();
    let r = rdsplan(
        Some(&moto),
        &env.dir(),
        &[
            "import",
            "--env",
            "t",
            "instance",
            "legacy",
            "--as",
            "legacy",
            "--write",
            file,
            "--auto-approve",
        ],
    );
    assert_eq!(r.code, 0, "{}", r.all());
    let text = std::fs::read_to_string(file).unwrap();
    for line in [
        format!("id = \"{}\"", n.vpc),
        "db_subnet_group = \"legacy-db\"".to_string(),
        format!("security_groups = [\"{default_group}\"]"),
        format!("vpc = \"{}\"", n.vpc),
    ] {
        assert!(text.contains(&line), "`{line}` not in:\n{text}");
    }
    let v = rdsplan(Some(&moto), &env.dir(), &["validate", "--env", "t"]);
    assert_eq!(v.code, 0, "{}", v.all());
    assert_no_changes(&moto, &env);
    let d = rdsplan(Some(&moto), &env.dir(), &["drift", "--env", "t"]);
    assert_eq!(d.code, 0, "{}", d.all());
    // The foreign subnet group and VPC were not tagged; the database was.
    assert!(!has_rdsplan_tags(&sdk, &n.vpc).await);
    let tags = sdk.instance("legacy").await.tag_list().to_vec();
    assert!(tags
        .iter()
        .any(|t| t.key() == Some("rdsplan:address") && t.value() == Some("instance.legacy")));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deleting_an_owned_vpc_that_holds_a_foreign_group_is_a_plan_error() {
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
    let vpc = sdk
        .ec2
        .describe_vpcs()
        .filters(ec2_tag("rdsplan:address", "vpc.main"))
        .send()
        .await
        .unwrap();
    let vpc = vpc.vpcs()[0].vpc_id().unwrap().to_string();
    let g = sdk
        .ec2
        .create_security_group()
        .group_name("someone-elses")
        .description("not rdsplan's")
        .vpc_id(&vpc)
        .send()
        .await
        .unwrap();
    let g = g.group_id().unwrap().to_string();
    env.write("network.toml", "");
    let r = rdsplan(Some(&moto), &env.dir(), &["plan", "--env", "t"]);
    assert_eq!(r.code, 1, "{}", r.all());
    assert_shows(&r.stderr, "vpc.main");
    assert_shows(&r.stderr, &format!("security group {g} (someone-elses)"));
    let a = rdsplan(
        Some(&moto),
        &env.dir(),
        &["apply", "--env", "t", "--auto-approve", "--allow-destroy"],
    );
    assert_eq!(a.code, 1, "{}", a.all());
    let still = sdk.ec2.describe_vpcs().vpc_ids(&vpc).send().await.unwrap();
    assert_eq!(still.vpcs().len(), 1, "nothing was deleted");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_imported_cluster_in_a_foreign_subnet_group_plans_with_no_change() {
    let moto = Moto::start();
    let sdk = moto.sdk().await;
    let n = network_team(&sdk, 11).await;
    sdk.rds
        .create_db_subnet_group()
        .db_subnet_group_name("analytics-db")
        .db_subnet_group_description("made by hand")
        .set_subnet_ids(Some(n.subnets.clone()))
        .send()
        .await
        .unwrap();
    sdk.rds
        .create_db_cluster()
        .db_cluster_identifier("bi")
        .engine("aurora-postgresql")
        .engine_version("16.4")
        .master_username("bi")
        .master_user_password("not-in-secrets-123")
        .db_subnet_group_name("analytics-db")
        .vpc_security_group_ids(&n.group)
        .send()
        .await
        .unwrap();
    sdk.rds
        .create_db_instance()
        .db_instance_identifier("bi-a")
        .db_cluster_identifier("bi")
        .engine("aurora-postgresql")
        .db_instance_class("db.r6g.large")
        .send()
        .await
        .unwrap();
    let env = Env::new(&[("environment.toml", ENV_TOML)]);
    let file = env.dir().join("t").join("imported.toml");
    let file = file.to_str().unwrap();
    let r = rdsplan(
        Some(&moto),
        &env.dir(),
        &[
            "import",
            "--env",
            "t",
            "cluster",
            "bi",
            "--as",
            "bi",
            "--write",
            file,
            "--auto-approve",
        ],
    );
    assert_eq!(r.code, 0, "{}", r.all());
    let text = std::fs::read_to_string(file).unwrap();
    for line in [
        format!("id = \"{}\"", n.vpc),
        "db_subnet_group = \"analytics-db\"".to_string(),
        format!("security_groups = [\"{}\"]", n.group),
    ] {
        assert!(text.contains(&line), "`{line}` not in:\n{text}");
    }
    assert_no_changes(&moto, &env);
}

/// A database someone else put in an owned VPC (in their own subnet group over its subnets)
/// carries no tag of ours, so the plan's read by tag cannot see it: a plan that deletes the VPC
/// is made again from the region's list, and names it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deleting_an_owned_vpc_that_holds_a_foreign_database_is_a_plan_error() {
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
    let subnets = sdk
        .ec2
        .describe_subnets()
        .filters(ec2_tag("rdsplan:environment", "t"))
        .send()
        .await
        .unwrap();
    let ids: Vec<String> = subnets
        .subnets()
        .iter()
        .filter_map(|s| s.subnet_id().map(str::to_string))
        .collect();
    assert!(ids.len() >= 2, "{ids:?}");
    sdk.rds
        .create_db_subnet_group()
        .db_subnet_group_name("theirs")
        .db_subnet_group_description("made by hand")
        .set_subnet_ids(Some(ids))
        .send()
        .await
        .unwrap();
    sdk.rds
        .create_db_instance()
        .db_instance_identifier("their-db")
        .engine("postgres")
        .db_instance_class("db.t3.micro")
        .allocated_storage(20)
        .master_username("admin")
        .master_user_password("not-ours-123")
        .db_subnet_group_name("theirs")
        .send()
        .await
        .unwrap();
    env.write("network.toml", "");
    let r = rdsplan(Some(&moto), &env.dir(), &["plan", "--env", "t"]);
    assert_eq!(r.code, 1, "{}", r.all());
    assert_shows(&r.stderr, "RDS instance their-db");
    let a = rdsplan(
        Some(&moto),
        &env.dir(),
        &["apply", "--env", "t", "--auto-approve", "--allow-destroy"],
    );
    assert_eq!(a.code, 1, "{}", a.all());
    assert_shows(&a.stderr, "RDS instance their-db");
}
